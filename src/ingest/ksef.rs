//! KSeF FA(3) e-invoices (one invoice per XML file).
//!
//! Our company must be the seller: an invoice where we are the buyer is reported and skipped. A
//! correction (`RodzajFaktury` KOR) names the invoice it corrects; its `P_15` is read as the change to
//! that invoice's gross amount (KSeF corrections state differences). XML with a DTD is refused outright,
//! so an external entity is never resolved, and a document in another namespace (an FA(2), say) is
//! refused with the namespace it has.

use super::numbers::ValueError;
use super::receivables::{InvoiceRow, Receivables};
use super::{ParseContext, ReportError, Skipped};
use crate::domain::Said;
use crate::domain::{Currency, InvoiceNumber, Nip, text};
use chrono::NaiveDate;
use roxmltree::{Document, Node, ParsingOptions};
use rust_decimal::Decimal;
use std::str::FromStr;

pub const FA3_NAMESPACE: &str = "http://crd.gov.pl/wzor/2025/06/25/13775/";
/// FA(2): invoices issued before February 2026, still being paid. The fields skarbnik reads are
/// where FA(3) has them.
pub const FA2_NAMESPACE: &str = "http://crd.gov.pl/wzor/2023/06/29/12648/";

/// True when the bytes are an XML document: read as a KSeF invoice, or refused naming its root
/// element and namespace (never read as a table).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<?xml")
        || (t.starts_with('<') && (t.contains("<Faktura") || t.contains(":Faktura")))
}

/// A placeholder of an unfilled template, as the Ministry's client libraries publish them:
/// `#nip#`, `#invoice_number#`, `#invoicing_date#`.
static PLACEHOLDER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"#[A-Za-z][A-Za-z0-9_]*#").expect("static regex")
});

/// The fields an invoice is identified and chased by: none may hold a placeholder.
const KEY_FIELDS: &[&[&str]] = &[
    &["Podmiot1", "DaneIdentyfikacyjne", "NIP"],
    &["Podmiot1", "DaneIdentyfikacyjne", "Nazwa"],
    &["Podmiot2", "DaneIdentyfikacyjne", "NIP"],
    &["Podmiot2", "DaneIdentyfikacyjne", "Nazwa"],
    &["Fa", "KodWaluty"],
    &["Fa", "P_1"],
    &["Fa", "P_2"],
    &["Fa", "P_6"],
    &["Fa", "P_15"],
];

/// Who the invoice is to.
struct Buyer {
    name: Option<String>,
    /// Ten digits when a valid Polish NIP, else the tax id as written.
    nip: Option<String>,
    nip_valid: Option<bool>,
}

/// The invoice document, with helpers that locate every value for error messages.
struct Invoice<'a, 'input> {
    file: &'a str,
    doc: &'a Document<'input>,
    root: Node<'a, 'input>,
}

impl<'a, 'input> Invoice<'a, 'input> {
    fn fail(&self, cause: Said) -> ReportError {
        ReportError::file(self.file, cause)
    }

    /// The line a node starts on.
    fn line(&self, node: Node<'_, '_>) -> usize {
        self.doc.text_pos_at(node.range().start).row as usize
    }

    /// An error at a node: its line, and its element name as the column.
    fn located(&self, node: Node<'_, '_>, cause: Said) -> ReportError {
        ReportError {
            file: self.file.to_string(),
            sheet: None,
            row: Some(self.line(node)),
            column: Some(node.tag_name().name().to_string()),
            cause: Box::new(cause),
        }
    }

    /// The trimmed text at a path of child elements under the root.
    fn field(&self, path: &[&str]) -> Option<(String, Node<'a, 'input>)> {
        let mut n = self.root;
        for p in path {
            n = n
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == *p)?;
        }
        n.text().map(|t| (t.trim().to_string(), n))
    }

    /// Like [`Invoice::field`], but missing or empty is an error naming the path.
    fn need(&self, path: &[&str]) -> Result<(String, Node<'a, 'input>), ReportError> {
        self.field(path)
            .filter(|(t, _)| !t.is_empty())
            .ok_or_else(|| {
                let p = path.join("/");
                self.fail(crate::said!("brak {p}", "missing {p}"))
            })
    }

    fn money(&self, (t, n): (String, Node<'_, '_>)) -> Result<Decimal, ReportError> {
        let mut d = Decimal::from_str(&t)
            .map_err(|_| self.located(n, ValueError::Amount(t.clone()).said()))?;
        if d.normalize().scale() > 2 {
            return Err(self.located(n, ValueError::Precision(t.clone()).said()));
        }
        d.rescale(2);
        Ok(d)
    }

    fn date(&self, (t, n): (String, Node<'_, '_>)) -> Result<NaiveDate, ReportError> {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| self.located(n, ValueError::ImpossibleDate(t.clone()).said()))
    }

    /// The buyer's name and tax id (a Polish NIP, else an EU VAT number or another country's tax id,
    /// kept as written).
    fn buyer(&self, number: &str, warnings: &mut Vec<Said>) -> Result<Buyer, ReportError> {
        let id = ["Podmiot2", "DaneIdentyfikacyjne"];
        let at = |leaf: &str| self.field(&[id[0], id[1], leaf]);
        let name = at("Nazwa").map(|(t, _)| text::collapse_spaces(&t));
        let tax = at("NIP")
            .or_else(|| {
                let eu = at("KodUE").map(|(t, _)| t).unwrap_or_default();
                at("NrVatUE").map(|(t, n)| (format!("{eu}{t}"), n))
            })
            // A buyer outside the EU: its own tax id (NrID), as written.
            .or_else(|| at("NrID"))
            .map(|(t, _)| t);
        let (nip, nip_valid) = match tax {
            None => (None, None),
            Some(raw) => match Nip::parse(&raw) {
                Ok(n) => (Some(n.to_string()), Some(true)),
                Err(_) => {
                    warnings.push(crate::said!(
                        "faktura {number}: identyfikator podatkowy nabywcy {raw:?} nie jest polskim NIP-em; zapisano tak, jak podano",
                        "invoice {number}: buyer tax id {raw:?} is not a Polish NIP; kept as written"
                    ));
                    (Some(raw), Some(false))
                }
            },
        };
        if name.is_none() && nip.is_none() {
            return Err(self.fail(crate::said!(
                "brak Podmiot2/DaneIdentyfikacyjne (nazwy i NIP-u nabywcy)",
                "missing Podmiot2/DaneIdentyfikacyjne (buyer name and NIP)"
            )));
        }
        Ok(Buyer {
            name,
            nip,
            nip_valid,
        })
    }

    /// Payment terms: the earliest due date, and what remains when the invoice says it is paid
    /// in full or in part.
    fn payment(&self, gross: Decimal) -> Result<(Option<NaiveDate>, Option<Decimal>), ReportError> {
        let platnosc = self
            .root
            .children()
            .find(|c| c.tag_name().name() == "Fa")
            .and_then(|fa| fa.children().find(|c| c.tag_name().name() == "Platnosc"));
        let Some(p) = platnosc else {
            return Ok((None, None));
        };
        let mut due_date: Option<NaiveDate> = None;
        for t in p.descendants().filter(|n| n.tag_name().name() == "Termin") {
            if let Some(txt) = t.text() {
                let d = self.date((txt.trim().to_string(), t))?;
                due_date = Some(due_date.map_or(d, |x| x.min(d)));
            }
        }
        let fully_paid = p
            .children()
            .any(|c| c.tag_name().name() == "Zaplacono" && c.text().map(str::trim) == Some("1"));
        let mut paid = Decimal::ZERO;
        for k in p
            .descendants()
            .filter(|n| n.tag_name().name() == "KwotaZaplatyCzesciowej")
        {
            paid += self.money((k.text().unwrap_or("").trim().to_string(), k))?;
        }
        let outstanding = if fully_paid {
            Some(Decimal::new(0, 2))
        } else if paid > Decimal::ZERO {
            Some(gross - paid)
        } else {
            None
        };
        Ok((due_date, outstanding))
    }

    /// The buyer's e-mail addresses: where reminders go.
    fn emails(&self) -> Vec<String> {
        self.root
            .descendants()
            .filter(|n| {
                n.tag_name().name() == "Email"
                    && n.ancestors().any(|a| a.tag_name().name() == "Podmiot2")
            })
            .filter_map(|n| n.text().map(|t| t.trim().to_lowercase()))
            .filter(|e| e.contains('@'))
            .collect()
    }
}

/// Reads the XML safely (no DTD, so no entity is ever resolved) and checks it is an FA(3).
fn document<'input>(file: &str, bytes: &'input [u8]) -> Result<Document<'input>, ReportError> {
    let fail = |cause: Said| ReportError::file(file, cause);
    let xml = std::str::from_utf8(bytes).map_err(|e| {
        fail(crate::said!(
            "XML nie jest w UTF-8",
            "the XML is not UTF-8: {e}"
        ))
    })?;
    let xml = xml.trim_start_matches('\u{feff}');
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(xml, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => fail(crate::said!(
            "XML ma DTD (encje nigdy nie są rozwijane); odrzucono",
            "the XML has a DTD (entities are never resolved); refused"
        )),
        other => {
            // The parser's sentence is English; the Polish names the place.
            let (row, col) = (other.pos().row, other.pos().col);
            fail(crate::said!(
                "XML nie jest poprawnie zbudowany (wiersz {row}, kolumna {col})",
                "not well-formed XML: {other}"
            ))
        }
    })?;
    let root = doc.root_element();
    let ns = root.tag_name().namespace().unwrap_or("");
    if root.tag_name().name() != "Faktura" || (ns != FA3_NAMESPACE && ns != FA2_NAMESPACE) {
        let name = root.tag_name().name();
        // Say what it is when it says so itself: its form code, or UBL.
        let form = root
            .descendants()
            .find(|n| n.tag_name().name() == "KodFormularza")
            .and_then(|n| n.attribute("kodSystemowy"))
            .map(str::to_string);
        let (pl, en) = match form {
            Some(f) => (format!(" (formularz {f})"), format!(" (form {f})")),
            None if ns.to_lowercase().contains("ubl") => (
                " (faktura UBL/PEF)".to_string(),
                " (a UBL/PEF invoice)".to_string(),
            ),
            None => (String::new(), String::new()),
        };
        return Err(fail(crate::said!(
            "to nie jest faktura KSeF FA(2) ani FA(3): element główny <{name}> w przestrzeni nazw {ns:?}{pl}; oczekiwano <Faktura> w {FA3_NAMESPACE:?} albo {FA2_NAMESPACE:?}",
            "not a KSeF FA(2) or FA(3) invoice: root <{name}> in namespace {ns:?}{en}; expected <Faktura> in {FA3_NAMESPACE:?} or {FA2_NAMESPACE:?}"
        )));
    }
    Ok(doc)
}

/// Which KSeF schema an invoice is in: `ksef-fa3` or `ksef-fa2`.
pub fn variant(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    if head.contains(FA2_NAMESPACE) {
        "ksef-fa2"
    } else {
        "ksef-fa3"
    }
}

pub fn parse(file: &str, bytes: &[u8], ctx: &ParseContext) -> Result<Receivables, ReportError> {
    let doc = document(file, bytes)?;
    let x = Invoice {
        file,
        doc: &doc,
        root: doc.root_element(),
    };
    // A template nobody filled in is not an invoice.
    for path in KEY_FIELDS {
        if let Some((t, n)) = x.field(path)
            && let Some(p) = PLACEHOLDER.find(&t)
        {
            let p = p.as_str();
            let field = path.join("/");
            return Err(x.located(
                n,
                crate::said!(
                    "to niewypełniony szablon faktury: {field} zawiera znacznik {p:?}",
                    "an unfilled invoice template: {field} holds the placeholder {p:?}"
                ),
            ));
        }
    }
    let (seller_nip, _) = x.need(&["Podmiot1", "DaneIdentyfikacyjne", "NIP"])?;
    let (number_text, number_node) = x.need(&["Fa", "P_2"])?;
    let ours = ctx.our_nip.as_deref();
    if ours.is_some_and(|o| Nip::parse(&seller_nip).map(|n| n.to_string()).as_deref() != Ok(o)) {
        return Ok(Receivables {
            rows: Vec::new(),
            skipped: vec![Skipped {
                row: x.line(number_node),
                reason: crate::said!(
                    "faktura {number_text}: nie jesteśmy sprzedawcą (NIP sprzedawcy {seller_nip}); faktury kosztowej się nie ściga",
                    "invoice {number_text}: we are not the seller (seller NIP {seller_nip}); a cost invoice is not chased"
                ),
            }],
            warnings: Vec::new(),
            totals_checked: false,
        });
    }
    let number =
        InvoiceNumber::parse(&number_text).map_err(|e| x.located(number_node, e.said()))?;
    let (code, code_node) = x.need(&["Fa", "KodWaluty"])?;
    let currency = Currency::parse(&code).ok_or_else(|| {
        x.located(
            code_node,
            crate::said!("nieznana waluta {code:?}", "unknown currency {code:?}"),
        )
    })?;
    let issue_date = Some(x.date(x.need(&["Fa", "P_1"])?)?);
    let gross = x.money(x.need(&["Fa", "P_15"])?)?;
    let mut warnings = Vec::new();
    let buyer = x.buyer(&number_text, &mut warnings)?;
    let (due_date, outstanding) = x.payment(gross)?;
    let split_payment = x
        .root
        .descendants()
        .any(|n| n.tag_name().name() == "P_18A" && n.text().map(str::trim) == Some("1"));
    let kind = x.field(&["Fa", "RodzajFaktury"]).map(|(t, _)| t);
    let corrects = if kind.as_deref() == Some("KOR") {
        let (nr, _) = x
            .field(&["Fa", "DaneFaKorygowanej", "NrFaKorygowanej"])
            .ok_or_else(|| {
                x.fail(crate::said!(
                    "korekta (KOR) bez Fa/DaneFaKorygowanej/NrFaKorygowanej",
                    "a correction (KOR) without Fa/DaneFaKorygowanej/NrFaKorygowanej"
                ))
            })?;
        Some(nr)
    } else {
        None
    };
    Ok(Receivables {
        rows: vec![InvoiceRow {
            row: x.line(number_node),
            number: number.original().to_string(),
            number_key: number.canonical().to_string(),
            client_name: buyer.name,
            nip: buyer.nip,
            nip_valid: buyer.nip_valid,
            issue_date,
            due_date,
            currency,
            gross,
            outstanding,
            emails: x.emails(),
            split_payment,
            corrects,
        }],
        skipped: Vec::new(),
        warnings,
        totals_checked: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XML that is not well formed is refused with its place in Polish words; roxmltree's
    /// English sentence is kept in the English only.
    #[test]
    fn ill_formed_xml_is_refused_with_its_place() {
        let xml =
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Faktura>\n  <Naglowek>\n</Faktura>";
        let Err(e) = document("fv.xml", xml) else {
            panic!("ill-formed XML is refused");
        };
        assert_eq!(
            e.cause.pl,
            "XML nie jest poprawnie zbudowany (wiersz 4, kolumna 1)"
        );
        assert!(
            e.cause.en.starts_with("not well-formed XML: "),
            "{}",
            e.cause.en
        );
        let Err(e) = document("fv.xml", b"<Faktura>\xff</Faktura>") else {
            panic!("XML that is not UTF-8 is refused");
        };
        assert_eq!(e.cause.pl, "XML nie jest w UTF-8");
    }
}
