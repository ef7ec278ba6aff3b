//! The FA(3) XML of an invoice or a correction (KSeF e-invoice, schema `FA (3)` 1-0E), written in
//! the schema's element order. Every XML the tests produce is validated against the official
//! schema vendored in `fixtures/schemas/ksef`.
//!
//! What goes where: the period of a subscription in `OkresFa`, the totals per rate in
//! `P_13_x`/`P_14_x` (a correction states the difference), the annotations in `Adnotacje` (split
//! payment `P_18A`, reverse charge `P_18`, the exemption's legal basis `P_19A`), notes and the
//! payment link in `DodatkowyOpis` (FA(3)'s own `LinkDoPlatnosci` is for KSeF payment ids only),
//! the bank account in `Platnosc`.

use super::document::{Document, Line, Party};
use rust_decimal::Decimal;
use std::fmt::Write;

pub const NAMESPACE: &str = crate::ingest::ksef::FA3_NAMESPACE;

struct Xml(String);

impl Xml {
    fn open(&mut self, tag: &str) {
        let _ = write!(self.0, "<{tag}>");
    }
    fn close(&mut self, tag: &str) {
        let _ = write!(self.0, "</{tag}>");
    }
    fn el(&mut self, tag: &str, value: &str) {
        let _ = write!(self.0, "<{tag}>{}</{tag}>", escape(value));
    }
    fn nl(&mut self) {
        self.0.push('\n');
    }
}

/// XML text escaping; control characters (not allowed in XML 1.0) become spaces, and runs of
/// whitespace one space (the schema's strings are `xsd:token`).
fn escape(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    quick_xml::escape::escape(collapsed.as_str()).into_owned()
}

/// An amount as FA(3) writes it: a dot, two decimals.
fn amount(d: Decimal) -> String {
    format!("{:.2}", super::vat::round2(d))
}

/// A quantity or a unit price: as many decimals as it has, without trailing zeros.
fn quantity(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Truncates to the schema's limit (characters).
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

const EU: [&str; 28] = [
    "AT", "BE", "BG", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "EL", "HR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "XI",
];

fn address(x: &mut Xml, p: &Party) {
    x.open("Adres");
    x.el("KodKraju", &p.country);
    x.el("AdresL1", &cut(&p.address_line1, 512));
    if let Some(l2) = p.address_line2.as_deref().filter(|s| !s.trim().is_empty()) {
        x.el("AdresL2", &cut(l2, 512));
    }
    x.close("Adres");
}

fn buyer_id(x: &mut Xml, p: &Party) {
    let id = p.tax_id.as_deref().unwrap_or("").replace([' ', '-'], "");
    let polish = id.len() == 10 && id.chars().all(|c| c.is_ascii_digit());
    let polish_prefixed =
        id.len() == 12 && id.starts_with("PL") && id[2..].chars().all(|c| c.is_ascii_digit());
    if polish || polish_prefixed {
        x.el("NIP", id.trim_start_matches("PL"));
    } else if id.len() > 2 && id.is_char_boundary(2) && EU.contains(&&id[..2]) {
        x.el("KodUE", &id[..2]);
        x.el("NrVatUE", &id[2..]);
    } else if !id.is_empty() {
        x.el("KodKraju", &p.country);
        x.el("NrID", &cut(&id, 50));
    } else {
        x.el("BrakID", "1");
    }
    x.el("Nazwa", &cut(&p.name, 512));
}

fn line(x: &mut Xml, n: usize, l: &Line, before: bool) {
    x.open("FaWiersz");
    x.el("NrWierszaFa", &n.to_string());
    x.el("P_7", &cut(&l.name, 512));
    x.el("P_8A", &cut(&l.unit, 256));
    x.el("P_8B", &quantity(l.quantity));
    x.el("P_9A", &quantity(l.unit_net));
    x.el("P_11", &amount(l.net));
    x.el("P_12", l.rate.fa3());
    if before {
        x.el("StanPrzed", "1");
    }
    x.close("FaWiersz");
    x.nl();
}

/// The FA(3) XML of a document.
pub fn write(doc: &Document) -> String {
    let mut x = Xml(String::with_capacity(4096));
    x.0.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x.0, "<Faktura xmlns=\"{NAMESPACE}\">");
    x.0.push_str(
        "<Naglowek><KodFormularza kodSystemowy=\"FA (3)\" wersjaSchemy=\"1-0E\">FA</KodFormularza><WariantFormularza>3</WariantFormularza>",
    );
    x.el("DataWytworzeniaFa", &doc.created_at);
    x.el("SystemInfo", "skarbnik");
    x.close("Naglowek");
    x.nl();

    x.open("Podmiot1");
    x.open("DaneIdentyfikacyjne");
    x.el(
        "NIP",
        doc.seller
            .tax_id
            .as_deref()
            .unwrap_or("")
            .trim_start_matches("PL"),
    );
    x.el("Nazwa", &cut(&doc.seller.name, 512));
    x.close("DaneIdentyfikacyjne");
    address(&mut x, &doc.seller);
    if let Some(e) = &doc.seller.email {
        x.open("DaneKontaktowe");
        x.el("Email", e);
        x.close("DaneKontaktowe");
    }
    x.close("Podmiot1");
    x.nl();

    x.open("Podmiot2");
    x.open("DaneIdentyfikacyjne");
    buyer_id(&mut x, &doc.buyer);
    x.close("DaneIdentyfikacyjne");
    address(&mut x, &doc.buyer);
    if let Some(e) = &doc.buyer.email {
        x.open("DaneKontaktowe");
        x.el("Email", e);
        x.close("DaneKontaktowe");
    }
    x.el("JST", "2");
    x.el("GV", "2");
    x.close("Podmiot2");
    x.nl();

    x.open("Fa");
    x.el("KodWaluty", doc.currency.as_str());
    x.el("P_1", &doc.issue_date.to_string());
    if let Some(place) = &doc.place {
        x.el("P_1M", place);
    }
    x.el("P_2", &doc.number);
    if let Some(p) = doc.period {
        x.open("OkresFa");
        x.el("P_6_Od", &p.start.to_string());
        x.el("P_6_Do", &p.end.to_string());
        x.close("OkresFa");
    }
    for t in &doc.totals.per_rate {
        let (net_field, vat_field) = t.rate.fa3_fields();
        x.el(net_field, &amount(t.net));
        if let Some(v) = vat_field {
            x.el(v, &amount(t.vat));
        }
    }
    x.el("P_15", &amount(doc.totals.gross));
    x.nl();

    x.open("Adnotacje");
    x.el("P_16", "2");
    x.el("P_17", "2");
    x.el("P_18", if doc.reverse_charge() { "1" } else { "2" });
    x.el("P_18A", if doc.split_payment { "1" } else { "2" });
    x.open("Zwolnienie");
    if doc.exempt() {
        x.el("P_19", "1");
        x.el(
            "P_19A",
            doc.exemption_basis
                .as_deref()
                .unwrap_or("art. 43 ust. 1 ustawy o VAT"),
        );
    } else {
        x.el("P_19N", "1");
    }
    x.close("Zwolnienie");
    x.0.push_str("<NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu>");
    x.el("P_23", "2");
    x.0.push_str("<PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy>");
    x.close("Adnotacje");
    x.nl();

    match &doc.correction {
        None => x.el("RodzajFaktury", "VAT"),
        Some(c) => {
            x.el("RodzajFaktury", "KOR");
            x.el("PrzyczynaKorekty", &cut(&c.reason, 256));
            // The correction takes effect on its own date.
            x.el("TypKorekty", "2");
            x.open("DaneFaKorygowanej");
            x.el("DataWystFaKorygowanej", &c.issue_date.to_string());
            x.el("NrFaKorygowanej", &c.number);
            match &c.ksef_number {
                Some(k) => {
                    x.el("NrKSeF", "1");
                    x.el("NrKSeFFaKorygowanej", k);
                }
                None => x.el("NrKSeFN", "1"),
            }
            x.close("DaneFaKorygowanej");
        }
    }
    x.nl();
    let mut extra: Vec<(&str, String)> = doc.notes.iter().map(|n| ("Uwagi", n.clone())).collect();
    if let Some(link) = &doc.payment_link {
        extra.push(("Link do płatności", link.clone()));
    }
    for (k, v) in extra {
        x.open("DodatkowyOpis");
        x.el("Klucz", k);
        x.el("Wartosc", &cut(&v, 256));
        x.close("DodatkowyOpis");
    }
    let mut n = 0;
    if let Some(c) = &doc.correction {
        for l in &c.before {
            n += 1;
            line(&mut x, n, l, true);
        }
    }
    for l in &doc.lines {
        n += 1;
        line(&mut x, n, l, false);
    }

    x.open("Platnosc");
    x.open("TerminPlatnosci");
    x.el("Termin", &doc.due_date.to_string());
    x.close("TerminPlatnosci");
    x.el("FormaPlatnosci", "6");
    x.open("RachunekBankowy");
    x.el("NrRB", &doc.bank_account);
    if let Some(b) = &doc.bank_name {
        x.el("NazwaBanku", b);
    }
    x.close("RachunekBankowy");
    x.close("Platnosc");
    x.nl();
    x.close("Fa");
    x.nl();
    x.close("Faktura");
    x.nl();
    x.0
}
