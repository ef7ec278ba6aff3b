//! A subscriptions list as staff or an ERP send it (CSV or a spreadsheet, Polish or English
//! headers): recognised by its columns, read row by row. A row that cannot be invoiced (an
//! invalid NIP, an unknown rate or cycle, a negative price, a start after its end, no address)
//! is refused on its own, naming its row and column; the other rows are imported.

use super::cycle::{Cycle, Timing};
use super::plan::{Plan, Status};
use super::vat::VatRate;
use crate::domain::{Currency, Lang, Said, TaxId};
use crate::ingest::table::{Cell, Table};
use crate::ingest::{ReportError, Skipped};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    Id,
    Client,
    Nip,
    Address,
    City,
    PostalCode,
    Country,
    Email,
    Language,
    Service,
    Quantity,
    Unit,
    Price,
    Rate,
    ExemptionBasis,
    Currency,
    Cycle,
    AnchorDay,
    Start,
    End,
    Timing,
    PaymentDays,
    Split,
    Notes,
    Link,
    Status,
}

/// Header words of each column, folded (lower case, no diacritics, no punctuation).
const HEADERS: &[(Col, &[&str])] = &[
    (
        Col::Id,
        &[
            "id",
            "nr umowy",
            "numer umowy",
            "umowa",
            "id abonamentu",
            "subscription id",
            "contract",
            "contract no",
            "nr abonamentu",
        ],
    ),
    (
        Col::Client,
        &[
            "klient",
            "kontrahent",
            "nabywca",
            "nazwa klienta",
            "nazwa kontrahenta",
            "nazwa nabywcy",
            "firma",
            "client",
            "customer",
            "company",
            "client name",
            "customer name",
            "buyer",
        ],
    ),
    (
        Col::Nip,
        &[
            "nip",
            "nip nabywcy",
            "nip klienta",
            "vat id",
            "tax id",
            "vat number",
            "nip vat ue",
        ],
    ),
    (
        Col::Address,
        &[
            "adres",
            "ulica",
            "adres ulica",
            "address",
            "street",
            "address line 1",
            "adres linia 1",
        ],
    ),
    (
        Col::City,
        &[
            "miasto",
            "miejscowosc",
            "kod i miasto",
            "kod pocztowy i miasto",
            "city",
            "town",
            "address line 2",
            "adres linia 2",
        ],
    ),
    (
        Col::PostalCode,
        &["kod pocztowy", "kod", "postal code", "postcode", "zip"],
    ),
    (Col::Country, &["kraj", "country", "kod kraju"]),
    (
        Col::Email,
        &[
            "email",
            "e mail",
            "adres email",
            "adres e mail",
            "mail",
            "emails",
            "e maile",
        ],
    ),
    (Col::Language, &["jezyk", "language", "lang"]),
    (
        Col::Service,
        &[
            "usluga",
            "nazwa uslugi",
            "abonament",
            "service",
            "product",
            "produkt",
            "pozycja",
            "plan",
        ],
    ),
    (
        Col::Quantity,
        &["ilosc", "liczba", "qty", "quantity", "szt"],
    ),
    (
        Col::Unit,
        &["jm", "j m", "jednostka", "jednostka miary", "unit"],
    ),
    (
        Col::Price,
        &[
            "cena netto",
            "cena jedn netto",
            "cena jednostkowa netto",
            "cena",
            "kwota netto",
            "netto",
            "net price",
            "unit price",
            "price",
            "price net",
            "net",
        ],
    ),
    (
        Col::Rate,
        &[
            "vat",
            "stawka vat",
            "stawka",
            "vat rate",
            "rate",
            "vat %",
            "stawka %",
        ],
    ),
    (
        Col::ExemptionBasis,
        &[
            "podstawa zwolnienia",
            "podstawa prawna zwolnienia",
            "exemption basis",
            "exemption",
        ],
    ),
    (Col::Currency, &["waluta", "currency"]),
    (
        Col::Cycle,
        &[
            "cykl",
            "cykl rozliczen",
            "okres rozliczeniowy",
            "czestotliwosc",
            "cycle",
            "billing cycle",
            "interval",
            "frequency",
        ],
    ),
    (
        Col::AnchorDay,
        &[
            "dzien rozliczenia",
            "dzien wystawienia",
            "dzien",
            "dzien miesiaca",
            "anchor day",
            "billing day",
            "day",
        ],
    ),
    (
        Col::Start,
        &[
            "od",
            "data rozpoczecia",
            "poczatek",
            "data od",
            "start",
            "start date",
            "from",
            "since",
        ],
    ),
    (
        Col::End,
        &[
            "do",
            "data zakonczenia",
            "koniec",
            "data do",
            "end",
            "end date",
            "until",
            "to",
        ],
    ),
    (
        Col::Timing,
        &[
            "rozliczenie",
            "tryb",
            "z gory z dolu",
            "fakturowanie",
            "billing",
            "timing",
            "billed",
        ],
    ),
    (
        Col::PaymentDays,
        &[
            "termin platnosci",
            "termin platnosci dni",
            "termin",
            "dni",
            "payment term",
            "payment days",
            "terms",
            "due days",
        ],
    ),
    (
        Col::Split,
        &["mpp", "split payment", "podzielona platnosc", "split"],
    ),
    (
        Col::Notes,
        &["uwagi", "notatki", "notes", "remarks", "comment"],
    ),
    (
        Col::Link,
        &[
            "link do platnosci",
            "link platnosci",
            "payment link",
            "link",
        ],
    ),
    (Col::Status, &["status", "stan", "aktywna", "active"]),
];

fn fold(s: &str) -> String {
    let f = crate::domain::text::fold_diacritics(s.trim()).to_lowercase();
    let cleaned: String = f
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '%' {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The columns a header row names, by index.
fn columns(row: &[Cell]) -> Vec<(Col, usize)> {
    let mut out: Vec<(Col, usize)> = Vec::new();
    for (i, c) in row.iter().enumerate() {
        let raw = c.text();
        let h = fold(&raw);
        if h.is_empty() {
            continue;
        }
        // Exact names first; a unit in brackets ("Cena netto (PLN)", "Termin (dni)") is dropped.
        let bare = fold(raw.split('(').next().unwrap_or(&raw));
        let found = HEADERS
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()) || names.contains(&bare.as_str()));
        if let Some((col, _)) = found
            && !out.iter().any(|(c, _)| c == col)
        {
            out.push((*col, i));
        }
    }
    out
}

/// Where the header row is and what its columns are, when the table is a subscriptions list: it
/// names a client (or a NIP), a service, a price, a cycle and a start.
pub fn recognise(table: &Table) -> Option<(usize, Vec<(Col, usize)>)> {
    for (at, row) in table.rows.iter().take(15).enumerate() {
        let cols = columns(&row.cells);
        let has = |c: Col| cols.iter().any(|(x, _)| *x == c);
        if (has(Col::Client) || has(Col::Nip))
            && has(Col::Service)
            && has(Col::Price)
            && has(Col::Cycle)
            && has(Col::Start)
        {
            return Some((at, cols));
        }
    }
    None
}

/// The buyer as the list states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    /// A valid Polish NIP (10 digits), or a foreign VAT id as written.
    pub nip: Option<String>,
    pub nip_valid: bool,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub country: String,
    pub emails: Vec<String>,
    pub language: Option<Lang>,
}

/// One accepted row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub row: usize,
    /// The list's id of the subscription, else one made of client, service and start: a list sent
    /// again updates its subscriptions instead of adding them twice.
    pub reference: String,
    pub buyer: Buyer,
    pub plan: Plan,
    /// As the list says; `None` when it has no status column (the stored status stays).
    pub status: Option<Status>,
}

/// A read list: accepted rows, refused rows with their reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionList {
    pub entries: Vec<Entry>,
    pub refused: Vec<Skipped>,
    pub rows_read: usize,
}

struct Reader<'a> {
    table: &'a Table,
    cols: &'a [(Col, usize)],
    header: &'a [Cell],
}

impl Reader<'_> {
    fn idx(&self, c: Col) -> Option<usize> {
        self.cols.iter().find(|(x, _)| *x == c).map(|(_, i)| *i)
    }

    fn text(&self, cells: &[Cell], c: Col) -> Option<String> {
        let i = self.idx(c)?;
        let t = cells.get(i)?.text().trim().to_string();
        (!t.is_empty()).then_some(t)
    }

    fn cell<'c>(&self, cells: &'c [Cell], c: Col) -> Option<&'c Cell> {
        let i = self.idx(c)?;
        cells.get(i).filter(|c| !c.is_empty())
    }

    /// `kolumna „NIP” (C)`, as the reason's prefix.
    fn column(&self, c: Col) -> (String, String) {
        let i = self.idx(c).unwrap_or(0);
        let name = self
            .header
            .get(i)
            .map(|h| h.text().trim().to_string())
            .unwrap_or_default();
        let at = self.table.column_name(i);
        (
            format!("kolumna „{name}” ({at})"),
            format!("column \"{name}\" ({at})"),
        )
    }

    fn refuse(&self, c: Col, why: Said) -> Said {
        let (pl, en) = self.column(c);
        Said::new(format!("{pl}: {}", why.pl), format!("{en}: {}", why.en))
    }
}

fn date_of(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::DateTime(dt) => Some(dt.date()),
        Cell::Number(f) if *f > 20000.0 && *f < 80000.0 => {
            // An Excel serial date that was not formatted as one.
            NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(*f as u64))
        }
        other => crate::ingest::numbers::parse_date(other.text().trim()).ok(),
    }
}

/// A price or quantity: Polish or English decimals, more than two places allowed.
fn decimal_of(cell: &Cell) -> Option<Decimal> {
    if let Cell::Number(f) = cell {
        return Decimal::from_str(&crate::ingest::table::format_float(*f)).ok();
    }
    let raw = cell.text();
    if let Ok(a) = crate::ingest::numbers::parse_amount(&raw) {
        return Some(a.value);
    }
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let t = t
        .trim_end_matches("PLN")
        .trim_end_matches("zł")
        .replace(',', ".");
    Decimal::from_str(&t).ok()
}

fn yes(raw: &str) -> Option<bool> {
    match fold(raw).as_str() {
        "tak" | "t" | "yes" | "y" | "1" | "true" | "mpp" | "x" => Some(true),
        "nie" | "n" | "no" | "0" | "false" | "" | "-" => Some(false),
        _ => None,
    }
}

/// Reads a recognised list. `default_currency` is used for rows that state none.
pub fn extract(
    file: &str,
    table: &Table,
    header_at: usize,
    cols: &[(Col, usize)],
    default_currency: Currency,
) -> Result<SubscriptionList, ReportError> {
    let header = &table.rows[header_at].cells;
    let r = Reader {
        table,
        cols,
        header,
    };
    let mut list = SubscriptionList::default();
    for row in table.rows.iter().skip(header_at + 1) {
        if row.is_blank() {
            continue;
        }
        list.rows_read += 1;
        match entry(&r, &row.cells, row.line, default_currency) {
            Ok(e) => list.entries.push(e),
            Err(reason) => list.refused.push(Skipped {
                row: row.line,
                reason,
            }),
        }
    }
    if list.rows_read == 0 {
        return Err(ReportError::file(
            file,
            crate::said!(
                "lista abonamentów nie ma wierszy pod nagłówkiem",
                "the subscriptions list has no rows under its header"
            ),
        ));
    }
    Ok(list)
}

fn entry(
    r: &Reader<'_>,
    cells: &[Cell],
    line: usize,
    default_currency: Currency,
) -> Result<Entry, Said> {
    let (nip, nip_valid) = match r.text(cells, Col::Nip) {
        None => (None, false),
        Some(raw) => match tax_id(&raw) {
            Some((id, valid)) => (Some(id), valid),
            None => {
                return Err(r.refuse(
                    Col::Nip,
                    crate::said!(
                        "NIP {raw:?} jest nieprawidłowy (zła długość albo suma kontrolna)",
                        "NIP {raw:?} is invalid (wrong length or checksum)"
                    ),
                ));
            }
        },
    };
    let name = r
        .text(cells, Col::Client)
        .or_else(|| nip.as_ref().map(|n| format!("NIP {n}")))
        .ok_or_else(|| {
            r.refuse(
                Col::Client,
                crate::said!("brak nazwy klienta", "no client name"),
            )
        })?;
    let address_line1 = r.text(cells, Col::Address).ok_or_else(|| {
        r.refuse(
            Col::Address,
            crate::said!(
                "brak adresu klienta, bez którego nie można wystawić faktury",
                "no client address, which an invoice cannot be issued without"
            ),
        )
    })?;
    let address_line2 = match (r.text(cells, Col::PostalCode), r.text(cells, Col::City)) {
        (Some(p), Some(c)) if !c.contains(&p) => Some(format!("{p} {c}")),
        (_, Some(c)) => Some(c),
        (Some(p), None) => Some(p),
        (None, None) => None,
    };
    let country = match r.text(cells, Col::Country) {
        None => "PL".to_string(),
        Some(c) => country_code(&c).ok_or_else(|| {
            r.refuse(
                Col::Country,
                crate::said!(
                    "nieznany kraj {c:?} (potrzebny dwuliterowy kod, np. PL, DE)",
                    "unknown country {c:?} (a two-letter code is needed, e.g. PL, DE)"
                ),
            )
        })?,
    };
    let emails: Vec<String> = r
        .text(cells, Col::Email)
        .map(|t| {
            t.split([',', ';', ' '])
                .map(str::trim)
                .filter(|s| s.contains('@'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let service = r.text(cells, Col::Service).ok_or_else(|| {
        r.refuse(
            Col::Service,
            crate::said!("brak nazwy usługi", "no service name"),
        )
    })?;
    let price_cell = r
        .cell(cells, Col::Price)
        .ok_or_else(|| r.refuse(Col::Price, crate::said!("brak ceny", "no price")))?;
    let unit_net = decimal_of(price_cell).ok_or_else(|| {
        let v = price_cell.text().to_string();
        r.refuse(
            Col::Price,
            crate::said!(
                "nie da się odczytać {v:?} jako ceny",
                "cannot read {v:?} as a price"
            ),
        )
    })?;
    let quantity = match r.cell(cells, Col::Quantity) {
        None => Decimal::ONE,
        Some(c) => decimal_of(c).ok_or_else(|| {
            let v = c.text().to_string();
            r.refuse(
                Col::Quantity,
                crate::said!(
                    "nie da się odczytać {v:?} jako ilości",
                    "cannot read {v:?} as a quantity"
                ),
            )
        })?,
    };
    let rate_raw = r
        .text(cells, Col::Rate)
        .ok_or_else(|| r.refuse(Col::Rate, crate::said!("brak stawki VAT", "no VAT rate")))?;
    let rate = VatRate::parse(&rate_raw).ok_or_else(|| {
        r.refuse(
            Col::Rate,
            crate::said!(
                "nieznana stawka VAT {rate_raw:?} (znane: 23, 8, 5, 0, zw, np, np II, oo)",
                "unknown VAT rate {rate_raw:?} (known: 23, 8, 5, 0, zw, np, np II, oo)"
            ),
        )
    })?;
    let currency = match r.text(cells, Col::Currency) {
        None => default_currency,
        Some(c) => Currency::parse(&c).ok_or_else(|| {
            r.refuse(
                Col::Currency,
                crate::said!("nieznana waluta {c:?}", "unknown currency {c:?}"),
            )
        })?,
    };
    let cycle_raw = r.text(cells, Col::Cycle).ok_or_else(|| {
        r.refuse(
            Col::Cycle,
            crate::said!("brak cyklu rozliczeń", "no billing cycle"),
        )
    })?;
    let cycle = Cycle::parse(&cycle_raw).ok_or_else(|| {
        r.refuse(
            Col::Cycle,
            crate::said!(
                "nieznany cykl {cycle_raw:?} (znane: miesięcznie, kwartalnie, rocznie, co N miesięcy)",
                "unknown cycle {cycle_raw:?} (known: monthly, quarterly, yearly, every N months)"
            ),
        )
    })?;
    let start_cell = r.cell(cells, Col::Start).ok_or_else(|| {
        r.refuse(
            Col::Start,
            crate::said!("brak daty rozpoczęcia", "no start date"),
        )
    })?;
    let start = date_of(start_cell).ok_or_else(|| {
        let v = start_cell.text().to_string();
        r.refuse(
            Col::Start,
            crate::said!(
                "nie da się odczytać {v:?} jako daty",
                "cannot read {v:?} as a date"
            ),
        )
    })?;
    let end = match r.cell(cells, Col::End) {
        None => None,
        Some(c) => Some(date_of(c).ok_or_else(|| {
            let v = c.text().to_string();
            r.refuse(
                Col::End,
                crate::said!(
                    "nie da się odczytać {v:?} jako daty",
                    "cannot read {v:?} as a date"
                ),
            )
        })?),
    };
    let anchor_day = match r.cell(cells, Col::AnchorDay) {
        None => start.day(),
        Some(c) => {
            let v = c.text().trim().trim_end_matches('.').to_string();
            v.parse::<u32>()
                .ok()
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| {
                    r.refuse(
                        Col::AnchorDay,
                        crate::said!(
                            "dzień rozliczenia {v:?} nie jest dniem miesiąca (1–31)",
                            "billing day {v:?} is not a day of the month (1–31)"
                        ),
                    )
                })?
        }
    };
    let timing = match r.text(cells, Col::Timing) {
        None => Timing::Advance,
        Some(t) => Timing::parse(&t).ok_or_else(|| {
            r.refuse(
                Col::Timing,
                crate::said!(
                    "{t:?}: nie wiadomo, czy z góry, czy z dołu",
                    "{t:?}: neither in advance nor in arrears"
                ),
            )
        })?,
    };
    let payment_days = match r.text(cells, Col::PaymentDays) {
        None => 14,
        Some(t) => {
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse::<u32>()
                .ok()
                .filter(|d| *d <= 365)
                .ok_or_else(|| {
                    r.refuse(
                        Col::PaymentDays,
                        crate::said!(
                            "termin płatności {t:?} nie jest liczbą dni (0–365)",
                            "payment term {t:?} is not a number of days (0–365)"
                        ),
                    )
                })?
        }
    };
    let split_payment = match r.text(cells, Col::Split) {
        None => false,
        Some(t) => yes(&t).ok_or_else(|| {
            r.refuse(
                Col::Split,
                crate::said!("{t:?}: ani tak, ani nie", "{t:?}: neither yes nor no"),
            )
        })?,
    };
    let status = match r.text(cells, Col::Status) {
        None => None,
        Some(t) => Some(Status::parse(&t).ok_or_else(|| {
            r.refuse(
                Col::Status,
                crate::said!("nieznany status {t:?}", "unknown status {t:?}"),
            )
        })?),
    };
    let link = r.text(cells, Col::Link);
    if let Some(l) = &link
        && !(l.starts_with("https://") || l.starts_with("http://"))
    {
        return Err(r.refuse(
            Col::Link,
            crate::said!(
                "{l:?} nie jest adresem internetowym",
                "{l:?} is not a web address"
            ),
        ));
    }
    let plan = Plan {
        service: service.clone(),
        quantity,
        unit: r.text(cells, Col::Unit).unwrap_or_else(|| "usł.".into()),
        unit_net,
        rate,
        exemption_basis: r.text(cells, Col::ExemptionBasis),
        currency,
        cycle,
        anchor_day,
        start,
        end,
        timing,
        payment_days,
        split_payment,
        notes: r.text(cells, Col::Notes),
        payment_link: link,
    };
    if let Some((field, why)) = plan.problems().into_iter().next() {
        let col = match field {
            "unit_net" => Col::Price,
            "quantity" => Col::Quantity,
            "end" => Col::End,
            "anchor_day" => Col::AnchorDay,
            "exemption_basis" => {
                if r.idx(Col::ExemptionBasis).is_some() {
                    Col::ExemptionBasis
                } else {
                    Col::Rate
                }
            }
            "currency" => Col::Currency,
            "payment_days" => Col::PaymentDays,
            _ => Col::Service,
        };
        return Err(r.refuse(col, why));
    }
    let reference = r
        .text(cells, Col::Id)
        .unwrap_or_else(|| reference(nip.as_deref(), &name, &service, start));
    Ok(Entry {
        row: line,
        reference,
        buyer: Buyer {
            name,
            nip,
            nip_valid,
            address_line1,
            address_line2,
            country,
            emails,
            language: r.text(cells, Col::Language).and_then(|l| Lang::parse(&l)),
        },
        plan,
        status,
    })
}

/// A buyer's tax id as written: a valid Polish NIP (`Some((nip, true))`), a foreign VAT id with
/// its country prefix, kept as written (`Some((id, false))`), or `None` for a Polish NIP that
/// fails its checksum.
pub fn tax_id(raw: &str) -> Option<(String, bool)> {
    match TaxId::read(raw) {
        TaxId::Nip(n) => Some((n.as_str().to_string(), true)),
        TaxId::Foreign(id) => Some((id, false)),
        TaxId::Pesel | TaxId::Invalid(_) => None,
    }
}

/// The reference of a subscription without an id of its own: its client (NIP, else name),
/// service and start. The same subscription sent again, in a list or by hand, finds itself.
pub fn reference(nip: Option<&str>, name: &str, service: &str, start: NaiveDate) -> String {
    format!(
        "{}|{}|{start}",
        nip.map(str::to_string)
            .unwrap_or_else(|| crate::domain::name_key(name)),
        fold(service)
    )
}

/// `Polska`, `Poland`, `PL` → `PL`; `Niemcy`, `Germany`, `DE` → `DE`; another two-letter code as
/// it is; anything else is not known.
fn country_code(raw: &str) -> Option<String> {
    let f = fold(raw);
    let known = [
        ("PL", &["polska", "poland", "pl"][..]),
        ("DE", &["niemcy", "germany", "deutschland", "de"]),
        ("CZ", &["czechy", "czech republic", "czechia", "cz"]),
        ("SK", &["slowacja", "slovakia", "sk"]),
        ("GB", &["wielka brytania", "united kingdom", "uk", "gb"]),
        ("FR", &["francja", "france", "fr"]),
        ("NL", &["holandia", "niderlandy", "netherlands", "nl"]),
        ("US", &["usa", "stany zjednoczone", "united states", "us"]),
    ];
    for (code, names) in known {
        if names.contains(&f.as_str()) {
            return Some(code.to_string());
        }
    }
    (f.len() == 2 && f.chars().all(|c| c.is_ascii_alphabetic())).then(|| f.to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::tax_id;

    #[test]
    fn tax_ids_polish_foreign_and_wrong() {
        assert_eq!(tax_id("526-104-08-28"), Some(("5261040828".into(), true)));
        assert_eq!(tax_id("PL 5261040828"), Some(("5261040828".into(), true)));
        assert_eq!(
            tax_id("de 123 456 789"),
            Some(("DE123456789".into(), false))
        );
        assert_eq!(tax_id("1234567890"), None);
        // Letters outside ASCII never split a character (this used to slice bytes).
        assert_eq!(tax_id("aŁ123"), None);
        assert_eq!(tax_id("ŁÓ123"), None);
    }
}
