//! A contacts file (`skarbnik clients import FILE`): CSV or a spreadsheet with a client's name or
//! NIP, reminder addresses, a billing contact, an account manager and a language. Columns are
//! found by header synonyms in Polish and English (anywhere in the first rows, after a title), so
//! an export from a CRM or a hand-kept sheet both work. A bad address or language is a warning
//! naming the row and column; the rest of the row is kept.

use super::ReportError;
use super::profile::normalize_header;
use super::spreadsheet::{SheetLimits, is_spreadsheet, read_workbook};
use super::table::{Row, Table};
use crate::domain::{Lang, TaxId};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    pub line: usize,
    pub name: Option<String>,
    pub nip: Option<String>,
    pub nip_valid: bool,
    pub emails: Vec<String>,
    pub billing: Vec<String>,
    pub manager: Option<String>,
    pub language: Option<Lang>,
}

#[derive(Debug, Clone, Default)]
pub struct Contacts {
    pub rows: Vec<ContactRow>,
    pub warnings: Vec<crate::domain::Said>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Name,
    Nip,
    Email,
    Billing,
    Manager,
    Language,
}

const SYNONYMS: &[(Col, &[&str])] = &[
    (
        Col::Name,
        &[
            "nazwa",
            "nazwa klienta",
            "klient",
            "kontrahent",
            "nazwa kontrahenta",
            "nabywca",
            "firma",
            "name",
            "client",
            "client name",
            "customer",
            "customer name",
            "company",
            "kontrahent nazwa",
            "nabywca nazwa",
            "klient nazwa",
        ],
    ),
    (
        Col::Nip,
        &[
            "nip",
            "nip klienta",
            "nip kontrahenta",
            "nip nabywcy",
            "vat id",
            "tax id",
            "vat number",
            "nip/vat id",
            "nip/pesel",
            "nip / pesel",
            "kontrahent nip",
            "nabywca nip",
            "klient nip",
        ],
    ),
    (
        Col::Email,
        &[
            "email",
            "e-mail",
            "e-mail klienta",
            "adres e-mail",
            "adres email",
            "adresy e-mail",
            "mail",
            "emails",
            "e-maile",
            "email do przypomnien",
            "e-mail do przypomnien",
            "reminder email",
            "reminder e-mail",
            "contact email",
            "kontakt",
            "kontrahent e-mail",
            "kontrahent email",
            "klient e-mail",
            "nabywca e-mail",
        ],
    ),
    (
        Col::Billing,
        &[
            "kontakt rozliczeniowy",
            "e-mail rozliczeniowy",
            "email rozliczeniowy",
            "ksiegowosc",
            "e-mail ksiegowosci",
            "email ksiegowosci",
            "billing",
            "billing contact",
            "billing email",
            "billing e-mail",
            "accounts payable",
            "email do faktur",
            "e-mail do faktur",
        ],
    ),
    (
        Col::Manager,
        &[
            "opiekun",
            "opiekun klienta",
            "handlowiec",
            "account manager",
            "manager",
            "key account",
            "owner",
        ],
    ),
    (
        Col::Language,
        &["jezyk", "jezyk korespondencji", "language", "lang"],
    ),
];

fn column_of(header: &str) -> Option<Col> {
    let h = normalize_header(header);
    // "Kontrahent - nazwa", "Kontrahent: NIP": the entity and its attribute, written apart.
    let joined = h
        .split([':', '|'])
        .flat_map(|part| part.split(" - "))
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()) || names.contains(&joined.as_str()))
        .map(|(c, _)| *c)
}

fn language(v: &str) -> Option<Lang> {
    Lang::parse(&normalize_header(v))
}

/// Splits "a@x.pl; b@y.pl, Jan <c@z.pl>" into addresses; returns the bad pieces separately.
fn addresses(v: &str) -> (Vec<String>, Vec<String>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for piece in v
        .split([';', ',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        // Several bare addresses separated by spaces.
        let parts: Vec<&str> = if piece.contains('<') {
            vec![piece]
        } else {
            piece.split_whitespace().collect()
        };
        for p in parts {
            match crate::mail::address::parse_mailbox(p) {
                Ok(m) => ok.push(m.email.to_string().to_lowercase()),
                Err(_) => bad.push(p.to_string()),
            }
        }
    }
    (ok, bad)
}

fn tables(file: &str, bytes: &[u8], limits: SheetLimits) -> Result<Vec<Table>, ReportError> {
    if bytes.is_empty() {
        return Err(ReportError::file(
            file,
            crate::said!("plik jest pusty (0 bajtów)", "the file is empty (0 bytes)"),
        ));
    }
    if is_spreadsheet(bytes) {
        return read_workbook(bytes, limits, false)
            .map(|(_, t)| t)
            .map_err(|e| ReportError::file(file, e.said()));
    }
    let d = super::decode::decode_text(bytes).map_err(|e| ReportError::file(file, e.said()))?;
    let table =
        super::csv_table::read_csv(&d.text, d.encoding, &limits).map_err(|e| ReportError {
            file: file.to_string(),
            sheet: None,
            row: Some(e.line),
            column: None,
            cause: Box::new(e.cause),
        })?;
    Ok(vec![table])
}

/// Reads a contacts file.
pub fn parse_contacts(
    file: &str,
    bytes: &[u8],
    limits: SheetLimits,
) -> Result<Contacts, ReportError> {
    let mut seen = Vec::new();
    for table in tables(file, bytes, limits)? {
        // The header: the first row (within 40) naming a client column and an address or NIP column.
        let found = table.rows.iter().take(40).enumerate().find_map(|(i, r)| {
            let cols: Vec<Option<Col>> = r.cells.iter().map(|c| column_of(&c.text())).collect();
            let has = |c: Col| cols.contains(&Some(c));
            ((has(Col::Name) || has(Col::Nip))
                && (has(Col::Email) || has(Col::Billing) || has(Col::Nip)))
            .then_some((i, cols))
        });
        let Some((header, cols)) = found else {
            if let Some(r) = table.rows.iter().find(|r| !r.is_blank()) {
                seen = r.cells.iter().map(|c| c.text().to_string()).collect();
            }
            continue;
        };
        let mut out = Contacts::default();
        let sheet = table
            .sheet
            .as_ref()
            .map(|s| {
                crate::domain::Said::new(format!(", arkusz „{s}”"), format!(", sheet \"{s}\""))
            })
            .unwrap_or_default();
        for row in &table.rows[header + 1..] {
            if row.is_blank() {
                continue;
            }
            read_row(file, &sheet, &table, row, &cols, &mut out);
        }
        return Ok(out);
    }
    let first = seen.join(" | ");
    let (pl_seen, en_seen) = if seen.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("; pierwszy wiersz: {first}"),
            format!("; first row seen: {first}"),
        )
    };
    Err(ReportError::file(
        file,
        crate::said!(
            "nie znaleziono tabeli kontaktów: wiersz nagłówków musi mieć kolumnę z nazwą klienta albo NIP-em (nazwa, klient, name, NIP) i kolumnę z adresem e-mail (e-mail, kontakt rozliczeniowy, billing contact){pl_seen}",
            "no contacts table found: a header row needs a client name or NIP column (nazwa, klient, name, NIP) and an e-mail column (e-mail, kontakt rozliczeniowy, billing contact){en_seen}"
        ),
    ))
}

fn read_row(
    file: &str,
    sheet: &crate::domain::Said,
    table: &Table,
    row: &Row,
    cols: &[Option<Col>],
    out: &mut Contacts,
) {
    let mut c = ContactRow {
        line: row.line,
        ..ContactRow::default()
    };
    let line = row.line;
    let at = |idx: usize| {
        let col = table.column_name(idx);
        crate::domain::Said::new(
            format!("{file}{}, wiersz {line}, kolumna {col}: ", sheet.pl),
            format!("{file}{}, row {line}, column {col}: ", sheet.en),
        )
    };
    let warn = |out: &mut Contacts, at: crate::domain::Said, what: crate::domain::Said| {
        out.warnings.push(what.prefixed(&at.pl, &at.en));
    };
    for (idx, col) in cols.iter().enumerate() {
        let Some(col) = col else { continue };
        let v = row.cell(idx).text().trim().to_string();
        if v.is_empty() {
            continue;
        }
        match col {
            Col::Name => c.name = Some(v),
            Col::Nip => match TaxId::read(&v) {
                TaxId::Nip(n) => {
                    c.nip = Some(n.to_string());
                    c.nip_valid = true;
                }
                // A foreign client's VAT id is kept as its id, without a warning.
                TaxId::Foreign(id) => c.nip = Some(id),
                // A person's PESEL in a "NIP/PESEL" column is not a NIP and not kept.
                TaxId::Pesel => {}
                TaxId::Invalid(e) => {
                    let e = e.said();
                    let (pl, en) = (e.pl, e.en);
                    warn(
                        out,
                        at(idx),
                        crate::said!("{pl}; zapisano tak, jak podano", "{en}; kept as given"),
                    );
                    c.nip = Some(v.chars().filter(|ch| ch.is_ascii_digit()).collect());
                }
            },
            Col::Email | Col::Billing => {
                let (ok, bad) = addresses(&v);
                for b in bad {
                    warn(
                        out,
                        at(idx),
                        crate::said!(
                            "{b:?} nie jest adresem e-mail; pominięto",
                            "{b:?} is not an e-mail address; skipped"
                        ),
                    );
                }
                if *col == Col::Email {
                    c.emails.extend(ok);
                } else {
                    c.billing.extend(ok);
                }
            }
            Col::Manager => c.manager = Some(v),
            Col::Language => match language(&v) {
                Some(l) => c.language = Some(l),
                None => warn(
                    out,
                    at(idx),
                    crate::said!(
                        "język {v:?} to ani pl, ani en; język klienta bez zmian",
                        "language {v:?} is neither pl nor en; the client's language is unchanged"
                    ),
                ),
            },
        }
    }
    if c.name.is_none() && c.nip.is_none() {
        let (spl, sen) = (&sheet.pl, &sheet.en);
        out.warnings.push(crate::said!(
            "{file}{spl}, wiersz {line}: brak nazwy klienta i NIP-u; wiersz pominięto",
            "{file}{sen}, row {line}: no client name nor NIP; row skipped"
        ));
        return;
    }
    out.rows.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_messy_contacts_csv() {
        let csv = "Kontakty klientów – stan na 20.11.2026\n\n\
                   Lp;Nazwa klienta;NIP;E-mail;Kontakt rozliczeniowy;Opiekun;Język\n\
                   1;\"ACME Sp. z o.o.\";526-104-08-28;biuro@acme.pl, Jan <jan@acme.pl>;faktury@acme.pl;Anna Nowak <anna@nasza.pl>;polski\n\
                   2;Beta S.A.;123;nie-ma-maila;;;\n\
                   3;;;;;;\n\
                   4;Gamma Ltd;;ap@gamma.co.uk;;;English\n";
        let c = parse_contacts("kontakty.csv", csv.as_bytes(), SheetLimits::default()).unwrap();
        assert_eq!(c.rows.len(), 3);
        let a = &c.rows[0];
        assert_eq!(a.name.as_deref(), Some("ACME Sp. z o.o."));
        assert_eq!((a.nip.as_deref(), a.nip_valid), (Some("5261040828"), true));
        assert_eq!(a.emails, vec!["biuro@acme.pl", "jan@acme.pl"]);
        assert_eq!(a.billing, vec!["faktury@acme.pl"]);
        assert_eq!(a.language, Some(Lang::Pl));
        assert_eq!(a.line, 4);
        assert_eq!(c.rows[2].language, Some(Lang::En));
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("row 5, column 4") && w.contains("nie-ma-maila")),
            "{:?}",
            c.warnings
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("row 5, column 3")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn a_pesel_is_not_kept_and_a_foreign_vat_id_is_kept_without_a_warning() {
        let csv = "Nazwa;NIP / PESEL;E-mail\n\
                   ACME Sp. z o.o.;PL 526-104-08-28;biuro@acme.pl\n\
                   Jan Kowalski;44051401359;jan@kowalski.pl\n\
                   Contoso GmbH;DE 811 569 869;ap@contoso.de\n";
        let c = parse_contacts("kontakty.csv", csv.as_bytes(), SheetLimits::default()).unwrap();
        assert_eq!(c.rows.len(), 3);
        assert_eq!(c.rows[0].nip.as_deref(), Some("5261040828"));
        assert_eq!(
            (c.rows[2].nip.as_deref(), c.rows[2].nip_valid),
            (Some("DE811569869"), false)
        );
        assert_eq!(
            (c.rows[1].nip.as_deref(), c.rows[1].nip_valid),
            (None, false)
        );
        assert_eq!(c.rows[1].emails, vec!["jan@kowalski.pl"]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    /// ERPs write a column as its entity and attribute: "Kontrahent - nazwa", "Kontrahent: NIP".
    #[test]
    fn entity_and_attribute_headers() {
        let csv = "Kontrahent - nazwa;Kontrahent: NIP;Kontrahent - e-mail\n\
                   ACME Sp. z o.o.;526-104-08-28;biuro@acme.pl\n";
        let c = parse_contacts("kontakty.csv", csv.as_bytes(), SheetLimits::default()).unwrap();
        assert_eq!(c.rows.len(), 1);
        assert_eq!(c.rows[0].name.as_deref(), Some("ACME Sp. z o.o."));
        assert_eq!(c.rows[0].nip.as_deref(), Some("5261040828"));
        assert_eq!(c.rows[0].emails, vec!["biuro@acme.pl"]);
    }

    #[test]
    fn no_table_is_a_clear_refusal() {
        let e = parse_contacts("x.csv", b"a;b;c\n1;2;3\n", SheetLimits::default()).unwrap_err();
        assert!(e.cause.contains("no contacts table"), "{e}");
        let e = parse_contacts("x.csv", b"", SheetLimits::default()).unwrap_err();
        assert!(e.cause.contains("empty"), "{e}");
    }
}
