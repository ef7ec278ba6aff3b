//! KSeF FA(3) e-invoices (one invoice per XML file).
//!
//! Our company must be the seller: an invoice where we are the buyer is reported and skipped. A
//! correction (`RodzajFaktury` KOR) names the invoice it corrects; its `P_15` is read as the change to
//! that invoice's gross amount (KSeF corrections state differences). XML with a DTD is refused outright,
//! so an external entity is never resolved, and a document in another namespace (an FA(2), say) is
//! refused with the namespace it has.

use super::receivables::{InvoiceRow, Receivables};
use super::{ParseContext, ReportError, Skipped};
use crate::domain::{Currency, InvoiceNumber, Nip, text};
use chrono::NaiveDate;
use roxmltree::{Document, Node, ParsingOptions};
use rust_decimal::Decimal;
use std::str::FromStr;

pub const FA3_NAMESPACE: &str = "http://crd.gov.pl/wzor/2025/06/25/13775/";

/// True when the bytes look like a KSeF invoice (an XML document with a `Faktura` root).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && (t.contains("<Faktura") || t.contains(":Faktura"))
}

pub fn parse(file: &str, bytes: &[u8], ctx: &ParseContext) -> Result<Receivables, ReportError> {
    let fail = |cause: String| ReportError::file(file, cause);
    let xml = std::str::from_utf8(bytes).map_err(|e| fail(format!("the XML is not UTF-8: {e}")))?;
    let xml = xml.trim_start_matches('\u{feff}');
    let opts = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(xml, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            fail("the XML has a DTD (entities are never resolved); refused".into())
        }
        other => fail(format!("not well-formed XML: {other}")),
    })?;
    let root = doc.root_element();
    let ns = root.tag_name().namespace().unwrap_or("");
    if root.tag_name().name() != "Faktura" || ns != FA3_NAMESPACE {
        return Err(fail(format!(
            "not a KSeF FA(3) invoice: root <{}> in namespace {ns:?}, expected <Faktura> in {FA3_NAMESPACE:?}",
            root.tag_name().name()
        )));
    }
    let field = |path: &[&str]| -> Option<(String, Node<'_, '_>)> {
        let mut n = root;
        for p in path {
            n = n
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == *p)?;
        }
        n.text().map(|t| (t.trim().to_string(), n))
    };
    let need = |path: &[&str]| -> Result<(String, Node<'_, '_>), ReportError> {
        field(path)
            .filter(|(t, _)| !t.is_empty())
            .ok_or_else(|| fail(format!("missing {}", path.join("/"))))
    };
    let located = |node: Node<'_, '_>, cause: String| ReportError {
        file: file.to_string(),
        sheet: None,
        row: Some(doc.text_pos_at(node.range().start).row as usize),
        column: Some(node.tag_name().name().to_string()),
        cause,
    };
    let money = |(t, n): (String, Node<'_, '_>)| -> Result<Decimal, ReportError> {
        let mut d = Decimal::from_str(&t)
            .map_err(|_| located(n, format!("cannot read {t:?} as an amount")))?;
        if d.normalize().scale() > 2 {
            return Err(located(
                n,
                format!("amount {t:?} has more than two decimal places"),
            ));
        }
        d.rescale(2);
        Ok(d)
    };
    let date = |(t, n): (String, Node<'_, '_>)| -> Result<NaiveDate, ReportError> {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| located(n, format!("{t:?} is not a valid date")))
    };

    let (seller_nip, _) = need(&["Podmiot1", "DaneIdentyfikacyjne", "NIP"])?;
    let (number_text, number_node) = need(&["Fa", "P_2"])?;
    let mut skipped = Vec::new();
    let ours = ctx.our_nip.as_deref();
    if ours.is_some_and(|o| Nip::parse(&seller_nip).map(|n| n.to_string()).as_deref() != Ok(o)) {
        skipped.push(Skipped {
            row: doc.text_pos_at(number_node.range().start).row as usize,
            reason: format!("invoice {number_text}: we are not the seller (seller NIP {seller_nip}); a cost invoice is not chased"),
        });
        return Ok(Receivables {
            rows: Vec::new(),
            skipped,
            warnings: Vec::new(),
            totals_checked: false,
        });
    }
    let number =
        InvoiceNumber::parse(&number_text).map_err(|e| located(number_node, e.to_string()))?;
    let currency_field = need(&["Fa", "KodWaluty"])?;
    let currency = Currency::parse(&currency_field.0).ok_or_else(|| {
        located(
            currency_field.1,
            format!("unknown currency {:?}", currency_field.0),
        )
    })?;
    let issue_date = Some(date(need(&["Fa", "P_1"])?)?);
    let gross = money(need(&["Fa", "P_15"])?)?;
    let kind = field(&["Fa", "RodzajFaktury"])
        .map(|(t, _)| t)
        .unwrap_or_default();
    let buyer_name = field(&["Podmiot2", "DaneIdentyfikacyjne", "Nazwa"])
        .map(|(t, _)| text::collapse_spaces(&t));
    let buyer_tax = field(&["Podmiot2", "DaneIdentyfikacyjne", "NIP"])
        .or_else(|| {
            let eu = field(&["Podmiot2", "DaneIdentyfikacyjne", "KodUE"])
                .map(|(t, _)| t)
                .unwrap_or_default();
            field(&["Podmiot2", "DaneIdentyfikacyjne", "NrVatUE"])
                .map(|(t, n)| (format!("{eu}{t}"), n))
        })
        .map(|(t, _)| t);
    let mut warnings = Vec::new();
    let (nip, nip_valid) = match buyer_tax {
        None => (None, None),
        Some(raw) => match Nip::parse(&raw) {
            Ok(n) => (Some(n.to_string()), Some(true)),
            Err(_) => {
                warnings.push(format!("invoice {number_text}: buyer tax id {raw:?} is not a Polish NIP; kept as written"));
                (Some(raw), Some(false))
            }
        },
    };
    if buyer_name.is_none() && nip.is_none() {
        return Err(fail(
            "missing Podmiot2/DaneIdentyfikacyjne (buyer name and NIP)".into(),
        ));
    }
    // Payment terms: the earliest due date; paid in full, or partial payments.
    let platnosc = root
        .children()
        .find(|c| c.tag_name().name() == "Fa")
        .and_then(|fa| fa.children().find(|c| c.tag_name().name() == "Platnosc"));
    let mut due_date: Option<NaiveDate> = None;
    let mut paid = Decimal::ZERO;
    let mut fully_paid = false;
    if let Some(p) = platnosc {
        for t in p.descendants().filter(|n| n.tag_name().name() == "Termin") {
            if let Some(txt) = t.text() {
                let d = date((txt.trim().to_string(), t))?;
                due_date = Some(due_date.map_or(d, |x| x.min(d)));
            }
        }
        fully_paid = p
            .children()
            .any(|c| c.tag_name().name() == "Zaplacono" && c.text().map(str::trim) == Some("1"));
        for k in p
            .descendants()
            .filter(|n| n.tag_name().name() == "KwotaZaplatyCzesciowej")
        {
            paid += money((k.text().unwrap_or("").trim().to_string(), k))?;
        }
    }
    let outstanding = if fully_paid {
        Some(Decimal::new(0, 2))
    } else if paid > Decimal::ZERO {
        Some(gross - paid)
    } else {
        None
    };
    let split_payment = root
        .descendants()
        .any(|n| n.tag_name().name() == "P_18A" && n.text().map(str::trim) == Some("1"));
    let corrects = if kind == "KOR" {
        let (nr, _) = field(&["Fa", "DaneFaKorygowanej", "NrFaKorygowanej"]).ok_or_else(|| {
            fail("a correction (KOR) without Fa/DaneFaKorygowanej/NrFaKorygowanej".into())
        })?;
        Some(nr)
    } else {
        None
    };
    let emails = root
        .descendants()
        .filter(|n| {
            n.tag_name().name() == "Email"
                && n.ancestors().any(|a| a.tag_name().name() == "Podmiot2")
        })
        .filter_map(|n| n.text().map(|t| t.trim().to_lowercase()))
        .filter(|e| e.contains('@'))
        .collect();
    Ok(Receivables {
        rows: vec![InvoiceRow {
            row: doc.text_pos_at(number_node.range().start).row as usize,
            number: number.original().to_string(),
            number_key: number.canonical().to_string(),
            client_name: buyer_name,
            nip,
            nip_valid,
            issue_date,
            due_date,
            currency,
            gross,
            outstanding,
            emails,
            split_payment,
            corrects,
        }],
        skipped,
        warnings,
        totals_checked: false,
    })
}
