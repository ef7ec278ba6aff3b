//! The KSeF receipt (UPO, `Potwierdzenie`, schema v4-x) mailed back by whoever submits our
//! invoices: for each invoice it names the seller's NIP, the invoice number and the KSeF number
//! KSeF gave it. Only those fields are read. XML with a DTD is refused.

use crate::domain::Said;
use roxmltree::{Document, ParsingOptions};
use serde::{Deserialize, Serialize};

pub const UPO_NAMESPACE_PREFIX: &str = "http://upo.schematy.mf.gov.pl/KSeF/";

/// One invoice the receipt confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmed {
    pub seller_nip: String,
    pub invoice_number: String,
    pub ksef_number: String,
    pub issue_date: Option<String>,
}

/// A receipt's confirmations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub confirmed: Vec<Confirmed>,
}

/// True for a UPO document (by its root element and namespace).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]);
    head.contains("Potwierdzenie") && head.contains(UPO_NAMESPACE_PREFIX)
}

/// A KSeF number as KSeF writes it: `NIP-YYYYMMDD-XXXXXXXXXXXX-XX`.
pub fn is_ksef_number(s: &str) -> bool {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\d{10}-20\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-[0-9A-F]{6}-?[0-9A-F]{6}-[0-9A-F]{2}$")
            .expect("static regex")
    });
    RE.is_match(s)
}

/// The KSeF number in a file name (`5265877635-20250916-0200A0D6723E-C2.xml`), as KSeF names the
/// invoices it hands out.
pub fn ksef_number_in(name: &str) -> Option<String> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\d{10}-20\d{6}-[0-9A-F]{6}-?[0-9A-F]{6}-[0-9A-F]{2}")
            .expect("static regex")
    });
    RE.find(name)
        .map(|m| m.as_str().to_string())
        .filter(|k| is_ksef_number(k))
}

pub fn parse(bytes: &[u8]) -> Result<Receipt, Said> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| crate::said!("UPO nie jest w UTF-8", "the UPO is not UTF-8"))?;
    let text = text.trim_start_matches('\u{feff}');
    let doc = Document::parse_with_options(
        text,
        ParsingOptions {
            allow_dtd: false,
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| {
        crate::said!(
            "UPO nie jest poprawnym XML",
            "the UPO is not well-formed XML: {e}"
        )
    })?;
    let root = doc.root_element();
    let ns = root.tag_name().namespace().unwrap_or_default();
    if root.tag_name().name() != "Potwierdzenie" || !ns.starts_with(UPO_NAMESPACE_PREFIX) {
        let name = root.tag_name().name();
        return Err(crate::said!(
            "to nie jest UPO KSeF (element główny {name}, przestrzeń nazw {ns})",
            "this is not a KSeF UPO (root element {name}, namespace {ns})",
        ));
    }
    let mut out = Receipt::default();
    for d in root.children().filter(|n| n.has_tag_name((ns, "Dokument"))) {
        let field = |name: &str| {
            d.children()
                .find(|n| n.has_tag_name((ns, name)))
                .and_then(|n| n.text())
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        };
        let (Some(nip), Some(number), Some(ksef)) = (
            field("NipSprzedawcy"),
            field("NumerFaktury"),
            field("NumerKSeFDokumentu"),
        ) else {
            continue;
        };
        if !is_ksef_number(&ksef) {
            return Err(crate::said!(
                "numer KSeF {ksef:?} ma niewłaściwą postać",
                "KSeF number {ksef:?} is malformed"
            ));
        }
        out.confirmed.push(Confirmed {
            seller_nip: nip,
            invoice_number: number,
            ksef_number: ksef,
            issue_date: field("DataWystawieniaFaktury"),
        });
    }
    if out.confirmed.is_empty() {
        return Err(crate::said!(
            "UPO nie potwierdza żadnej faktury (brak elementu Dokument z numerem KSeF)",
            "the UPO confirms no invoice (no Dokument element with a KSeF number)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ill-formed UPO is refused in plain Polish; roxmltree's sentence stays in the English.
    #[test]
    fn an_ill_formed_upo_is_refused_in_plain_polish() {
        let e = parse(b"<Potwierdzenie><NumerKSeF>").expect_err("ill-formed");
        assert_eq!(e.pl, "UPO nie jest poprawnym XML");
        assert!(
            e.en.starts_with("the UPO is not well-formed XML: "),
            "{}",
            e.en
        );
    }

    #[test]
    fn ksef_numbers() {
        assert!(is_ksef_number("5265877635-20250916-0200A0D6723E-C2"));
        assert!(!is_ksef_number("5265877635-20251316-0200A0D6723E-C2"));
        assert_eq!(
            ksef_number_in("faktury/5265877635-20250916-0200A0D6723E-C2.xml").as_deref(),
            Some("5265877635-20250916-0200A0D6723E-C2")
        );
        assert_eq!(ksef_number_in("FV_1_11_2026.xml"), None);
    }
}
