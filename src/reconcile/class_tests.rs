//! One table per way matching used to go wrong, each with realistic variants and their negative
//! twins: the same kind of title where the evidence does agree, which must still be matched.
//!
//! The ledger is a small firm running two numbering series side by side (`FV/0022/10/2026`
//! zero-padded, `22/10/2026` plain), a subscription client paying the same amount every month,
//! and a hosting supplier that sometimes sends money back.

use super::*;
use crate::domain::Lang;

const PLN: Currency = Currency::PLN;
const OUR_NIP: &str = "5265260188";
/// Hosting supplier's account: our outgoing transfers went there.
const SUPPLIER: &str = "PL27114020040000300201355387";
/// Account client 5 (Mleczarnia) is known to pay from.
const MLECZARNIA_ACC: &str = "PL61109010140000071219812874";
/// Account client 7 (Serwis IT) pays from, which is also one we pay to (it is a supplier too).
const SERWIS_ACC: &str = "PL83101010230000261395100000";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Inv {
    id: i64,
    number: &'static str,
    client: i64,
    issued: &'static str,
    minor: i64,
}

const fn i(id: i64, number: &'static str, client: i64, issued: &'static str, minor: i64) -> Inv {
    Inv {
        id,
        number,
        client,
        issued,
        minor,
    }
}

/// id → (number, client, issue date, outstanding). Settled invoices have 0 outstanding.
const INVOICES: &[Inv] = &[
    // Class 1: two series side by side.
    i(1, "FV/0022/10/2026", 1, "2026-10-05", 123_000),
    i(2, "22/10/2026", 2, "2026-10-06", 50_000),
    i(3, "FV/0023/10/2026", 3, "2026-10-07", 80_000),
    i(4, "23/10/2026", 1, "2026-10-07", 80_000),
    // Class 2: typos.
    i(5, "92/10/2026", 4, "2026-10-20", 200_000),
    i(6, "82/10/2026", 5, "2026-10-18", 61_500),
    i(7, "28/10/2026", 6, "2026-10-09", 300_000),
    // Class 3: a subscription, October paid, November open; a settled invoice of another client.
    i(8, "FV/0105/10/2026", 6, "2026-10-01", 0),
    i(9, "FV/0187/11/2026", 6, "2026-11-01", 36_900),
    i(10, "FV/0150/10/2026", 3, "2026-10-15", 0),
    // Class 4 and 5: November invoices.
    i(11, "32/11/2026", 7, "2026-11-03", 24_600),
    i(12, "33/11/2026", 7, "2026-11-04", 12_300),
    i(13, "FS-2026-00011", 2, "2026-11-05", 9_900),
    i(14, "FV/0040/11/2026", 1, "2026-11-10", 45_000),
    // Class 6: issued late in November.
    i(15, "FV/0050/11/2026", 2, "2026-11-20", 77_700),
];

fn clients() -> Vec<Client> {
    let c = |id: i64, name: &str, nip: Option<&str>, accounts: &[&str]| Client {
        id,
        name: name.into(),
        nip: nip.map(Into::into),
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
    };
    vec![
        c(1, "Hydro-Tech Sp. z o.o.", Some("5580730219"), &[]),
        c(
            2,
            "Kowalski Consulting Jan Kowalski",
            Some("6736819308"),
            &[],
        ),
        c(3, "Nordbud S.A.", Some("4642621295"), &[]),
        c(
            4,
            "Przedsiębiorstwo Handlowe Orzeł",
            Some("8220033224"),
            &[],
        ),
        c(5, "Mleczarnia Łąka sp. j.", None, &[MLECZARNIA_ACC]),
        c(6, "Cyfrowa Kuchnia Sp. z o.o.", Some("5538323641"), &[]),
        c(
            7,
            "Serwis IT Bogdan Wrona",
            Some("1562241548"),
            &[SERWIS_ACC],
        ),
    ]
}

fn invoices() -> Vec<Invoice> {
    INVOICES
        .iter()
        .map(|v| Invoice {
            id: v.id,
            number: InvoiceNumber::parse(v.number).unwrap(),
            client_id: v.client,
            issue_date: Some(date(v.issued)),
            settled_by_hand: Vec::new(),
            due_date: Some(date(v.issued) + chrono::Duration::days(14)),
            currency: PLN,
            outstanding: v.minor,
        })
        .collect()
}

fn ctx() -> Context {
    Context {
        our_nip: Some(OUR_NIP.into()),
        supplier_accounts: [SUPPLIER.to_string(), SERWIS_ACC.to_string()]
            .into_iter()
            .collect(),
        issue_grace_days: 3,
    }
}

#[derive(Clone)]
struct Pay {
    amount: i64,
    title: &'static str,
    name: Option<&'static str>,
    account: Option<&'static str>,
    date: &'static str,
}

fn pay(amount: i64, title: &'static str) -> Pay {
    Pay {
        amount,
        title,
        name: None,
        account: None,
        date: "2026-11-25",
    }
}

impl Pay {
    fn from(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }
    fn acct(mut self, a: &'static str) -> Self {
        self.account = Some(a);
        self
    }
    fn on(mut self, d: &'static str) -> Self {
        self.date = d;
        self
    }
    fn payment(&self, id: i64) -> Payment {
        Payment {
            id,
            booking_date: Some(date(self.date)),
            amount: self.amount,
            currency: PLN,
            title: self.title.into(),
            counterparty_name: self.name.map(Into::into),
            counterparty_address: None,
            counterparty_account: self.account.map(Into::into),
        }
    }
}

/// The expected outcome: allocations by invoice id (amount), review with candidate ids, or
/// unmatched; and for allocations whether the evidence agreed (an account may be learned).
#[derive(Debug, PartialEq)]
enum Want {
    Paid(Vec<(i64, i64)>),
    Review(Vec<i64>),
    Unmatched,
}

fn got(d: &Decision) -> Want {
    match &d.outcome {
        Outcome::Matched { allocations } => Want::Paid(
            allocations
                .iter()
                .map(|a| (a.invoice_id, a.amount))
                .collect(),
        ),
        Outcome::Review { candidates, .. } => {
            let mut c = candidates.clone();
            c.sort();
            Want::Review(c)
        }
        Outcome::Unmatched { .. } => Want::Unmatched,
    }
}

fn reason(d: &Decision) -> String {
    match &d.outcome {
        Outcome::Matched { allocations } => allocations
            .iter()
            .map(|a| a.reason.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        Outcome::Review { reason, .. } | Outcome::Unmatched { reason } => reason.to_string(),
    }
}

/// Runs each case alone against the ledger and checks its outcome.
fn table(class: &str, cases: &[(&str, Pay, Want)]) {
    let invoices = invoices();
    let clients = clients();
    let mut failures = Vec::new();
    for (name, p, want) in cases {
        let d = &reconcile(&[p.payment(1)], &invoices, &clients, &ctx())[0];
        let g = got(d);
        if &g != want {
            failures.push(format!(
                "{class} / {name}: want {want:?}, got {g:?} ({})",
                reason(d)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

use Want::{Paid, Review, Unmatched};

#[test]
fn class_1_a_number_that_fits_two_series() {
    table(
        "two series",
        &[
            (
                "the payer's zero-padded invoice, written without zeros",
                pay(123_000, "FV/22/10/2026").from("HYDRO-TECH SPOLKA Z O.O."),
                Paid(vec![(1, 123_000)]),
            ),
            (
                "no payer known: the amount fits one of them alone",
                pay(123_000, "Zapłata FV 22/10/2026").from("J. Nowicki"),
                Paid(vec![(1, 123_000)]),
            ),
            (
                "twin: the plain invoice, written exactly, by its client",
                pay(50_000, "22/10/2026").from("Jan Kowalski Kowalski Consulting"),
                Paid(vec![(2, 50_000)]),
            ),
            (
                "twin: the plain number with a prefix, paid by its client",
                pay(50_000, "FV 22/10/2026").from("KOWALSKI CONSULTING JAN KOWALSKI"),
                Paid(vec![(2, 50_000)]),
            ),
            (
                "neither the payer nor the amount decides",
                pay(99_900, "FV/22/10/2026").from("J. Nowicki"),
                Review(vec![1, 2]),
            ),
            (
                "same amount in both series, unknown payer",
                pay(80_000, "FV/23/10/2026"),
                Review(vec![3, 4]),
            ),
            (
                "same amount in both series, payer known by NIP",
                pay(80_000, "FV/23/10/2026 NIP 464-262-12-95"),
                Paid(vec![(3, 80_000)]),
            ),
            (
                "same amount in both series, payer known by name, leading zeros written",
                pay(80_000, "faktura 0023/10/2026").from("HYDRO-TECH"),
                Paid(vec![(4, 80_000)]),
            ),
            (
                "the number names only another client's invoice, and the payer has one of the amount",
                pay(50_000, "FV 22/10/2026").from("Nordbud SA"),
                Review(vec![1, 2]),
            ),
        ],
    );
}

#[test]
fn class_2_a_typo_in_the_number() {
    table(
        "typo",
        &[
            (
                "another client's number, from a known account with that amount open",
                pay(61_500, "92/10/2026").acct(MLECZARNIA_ACC),
                Review(vec![5, 6]),
            ),
            (
                "another client's number, payer unknown, a number one digit apart has the amount",
                pay(61_500, "Faktura 92/10/2026").from("Firma"),
                Review(vec![5, 6]),
            ),
            (
                "two digits swapped",
                pay(61_500, "FV 28/10/2026"),
                Review(vec![6, 7]),
            ),
            (
                "twin: the right number from the right account",
                pay(61_500, "82/10/2026").acct(MLECZARNIA_ACC),
                Paid(vec![(6, 61_500)]),
            ),
            (
                "twin: the right number, exact amount, payer unnamed",
                pay(200_000, "92/10/2026"),
                Paid(vec![(5, 200_000)]),
            ),
            (
                "twin: an instalment of the named invoice says so",
                pay(100_000, "92/10/2026 - I rata").from("PH Orzeł"),
                Paid(vec![(5, 100_000)]),
            ),
            (
                "twin: a part payment with no twin of its amount",
                pay(120_000, "92/10/2026").from("Przedsiębiorstwo Handlowe ORZEŁ"),
                Paid(vec![(5, 120_000)]),
            ),
        ],
    );
}

#[test]
fn class_3_a_title_reused_from_an_earlier_month() {
    table(
        "reused title",
        &[
            (
                "October's number, October settled, November open with the amount",
                pay(36_900, "FV/0105/10/2026 abonament").from("CYFROWA KUCHNIA SP Z O O"),
                Review(vec![8, 9]),
            ),
            (
                "the same with the NIP in the title",
                pay(36_900, "Abonament 10/2026 FV 105/10/2026 NIP 5538323641"),
                Review(vec![8, 9]),
            ),
            (
                "no payer known: the settled invoice's client has the amount open",
                pay(36_900, "FV/0105/10/2026"),
                Review(vec![8, 9]),
            ),
            (
                "twin: November's number",
                pay(36_900, "FV/0187/11/2026 abonament").from("Cyfrowa Kuchnia"),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: a settled invoice paid again and nothing else of the amount: overpayment",
                pay(10_000, "FV/0150/10/2026").from("NORDBUD S.A."),
                Paid(vec![(10, 10_000)]),
            ),
        ],
    );
}

#[test]
fn class_4_money_sent_back_is_not_a_customer_paying() {
    table(
        "refund",
        &[
            (
                "a supplier refunds an overpayment citing our number",
                pay(24_600, "Zwrot nadpłaty FA 32/11/2026").from("HOSTINGER POLSKA SP Z O O"),
                Unmatched,
            ),
            (
                "refund wording in capitals with diacritics",
                pay(24_600, "ZWROT ŚRODKÓW ZA FV/32/11/2026"),
                Unmatched,
            ),
            (
                "in English",
                pay(24_600, "Refund invoice 32/11/2026"),
                Unmatched,
            ),
            (
                "a chargeback",
                pay(24_600, "CHARGEBACK 32/11/2026 ref 88812"),
                Unmatched,
            ),
            (
                "from an account we only ever paid to",
                pay(24_600, "32/11/2026").acct(SUPPLIER),
                Unmatched,
            ),
            (
                "twin: a client that is also our supplier pays from its known account",
                pay(24_600, "32/11/2026").acct(SERWIS_ACC),
                Paid(vec![(11, 24_600)]),
            ),
            (
                "twin: the client pays with an ordinary title",
                pay(24_600, "Zapłata za fakturę 32/11/2026").from("Serwis IT Bogdan Wrona"),
                Paid(vec![(11, 24_600)]),
            ),
        ],
    );
}

#[test]
fn class_5_numbers_read_out_of_titles() {
    table(
        "titles",
        &[
            (
                "followed by a dash and a word",
                pay(24_600, "FV 32/11/2026 - zapłata"),
                Paid(vec![(11, 24_600)]),
            ),
            (
                "an instalment after a dash",
                pay(10_000, "32/11/2026 - I rata"),
                Paid(vec![(11, 10_000)]),
            ),
            (
                "after an abbreviation with a dot",
                pay(24_600, "fakt. 32/11/2026"),
                Paid(vec![(11, 24_600)]),
            ),
            (
                "after a word with a colon",
                pay(24_600, "Faktura:32/11/2026"),
                Paid(vec![(11, 24_600)]),
            ),
            (
                "two invoices, comma and full stop",
                pay(36_900, "Zapłata za FV/32/11/2026, FV/33/11/2026."),
                Paid(vec![(11, 24_600), (12, 12_300)]),
            ),
            (
                "two invoices joined by 'i'",
                pay(36_900, "FAKTURY 32/11/2026 I 33/11/2026"),
                Paid(vec![(11, 24_600), (12, 12_300)]),
            ),
            (
                "digit groups across spaces are not another client's invoice",
                pay(45_000, "FV 2026 11 1").from("Hydro-Tech"),
                Paid(vec![(14, 45_000)]),
            ),
            (
                "the year shortened to two digits",
                pay(45_000, "FV/0040/11/26"),
                Paid(vec![(14, 45_000)]),
            ),
            (
                "\"r.\" (roku) written onto the year",
                pay(45_000, "zapłata za FV/0040/11/2026r."),
                Paid(vec![(14, 45_000)]),
            ),
            (
                "a shortened year that is no invoice's: nothing",
                pay(45_000, "FV/0041/11/26"),
                Unmatched,
            ),
            (
                "digit groups across spaces, unknown payer: nothing",
                pay(9_900, "FV 2026 11 1"),
                Unmatched,
            ),
            (
                "twin: the series number written whole",
                pay(9_900, "FS-2026-00011"),
                Paid(vec![(13, 9_900)]),
            ),
            (
                "a number cut by the bank's line and continued",
                pay(45_000, "Zaplata za FV/0040/11/ 2026"),
                Paid(vec![(14, 45_000)]),
            ),
        ],
    );
}

#[test]
fn class_6_money_that_came_before_the_invoice() {
    table(
        "before issue",
        &[
            (
                "by name and amount, three weeks before the invoice",
                pay(77_700, "Usługi doradcze")
                    .from("KOWALSKI CONSULTING JAN KOWALSKI")
                    .on("2026-11-01"),
                Review(vec![2, 13, 15]),
            ),
            (
                "by NIP and amount, a week before",
                pay(77_700, "NIP 6736819308 październik").on("2026-11-13"),
                Review(vec![2, 13, 15]),
            ),
            (
                "twin: within the grace (invoice dated two days after the money)",
                pay(77_700, "Usługi doradcze")
                    .from("Jan Kowalski Kowalski Consulting")
                    .on("2026-11-18"),
                Paid(vec![(15, 77_700)]),
            ),
            (
                "twin: after the invoice",
                pay(77_700, "Usługi doradcze").from("KOWALSKI CONSULTING JAN KOWALSKI"),
                Paid(vec![(15, 77_700)]),
            ),
            (
                "by number before the invoice: a prepayment, allocated",
                pay(77_700, "FV/0050/11/2026").on("2026-11-02"),
                Paid(vec![(15, 77_700)]),
            ),
            (
                "a prepayment without a number waits for a person",
                pay(77_700, "Zaliczka na usługi").from("KOWALSKI CONSULTING JAN KOWALSKI"),
                Review(vec![2, 13, 15]),
            ),
        ],
    );
}

/// A wrong decision must not take the right invoice away from the next payment, and only an
/// allocation whose evidence agreed may teach an account.
#[test]
fn class_7_knock_on_effects() {
    let invoices = invoices();
    let clients = clients();
    // A stranger's account pays client 5's amount citing client 4's number (a typo), then client 4
    // pays its own invoice: the first waits, the second pays 92/10/2026 exactly.
    let stranger = "PL10105000997603123456789123";
    let typo = pay(61_500, "92/10/2026")
        .acct(stranger)
        .from("Mleczarnia Łąka");
    let right = pay(200_000, "92/10/2026").from("PH ORZEŁ").acct(stranger);
    let ds = reconcile(
        &[typo.payment(1), right.payment(2)],
        &invoices,
        &clients,
        &ctx(),
    );
    assert_eq!(got(&ds[0]), Review(vec![5, 6]), "{}", reason(&ds[0]));
    assert_eq!(got(&ds[1]), Paid(vec![(5, 200_000)]), "{}", reason(&ds[1]));
    assert!(!ds[0].agreed);

    // Learning: number, payer and amount agree → yes; number alone, name and amount alone, a
    // partial, or a prepayment → no.
    let cases = [
        (
            pay(200_000, "92/10/2026").from("PH Orzeł").acct(stranger),
            true,
        ),
        (pay(200_000, "92/10/2026").acct(stranger), false),
        (
            pay(200_000, "przelew").from("PH Orzeł").acct(stranger),
            false,
        ),
        (
            pay(100_000, "92/10/2026").from("PH Orzeł").acct(stranger),
            false,
        ),
        (
            pay(77_700, "FV/0050/11/2026")
                .from("Jan Kowalski Kowalski Consulting")
                .acct(stranger)
                .on("2026-11-02"),
            false,
        ),
    ];
    for (p, agreed) in cases {
        let d = &reconcile(&[p.payment(1)], &invoices, &clients, &ctx())[0];
        assert!(
            matches!(d.outcome, Outcome::Matched { .. }),
            "{}: {}",
            p.title,
            reason(d)
        );
        assert_eq!(d.agreed, agreed, "{}: {}", p.title, reason(d));
    }
}

#[test]
fn class_8_an_invoice_we_do_not_know_yet() {
    // Cyfrowa Kuchnia pays 369.00 a month; November's FV/0187/11/2026 is open. December's
    // invoice is not in the last list imported, and the client pays it first.
    table(
        "unknown",
        &[
            (
                "the next month's invoice, by number",
                pay(36_900, "FV/0201/12/2026").from("Cyfrowa Kuchnia Sp. z o.o."),
                Review(vec![9]),
            ),
            (
                "said in words, apart from its number",
                pay(36_900, "Faktura VAT nr 201/12/2026 abonament")
                    .from("Cyfrowa Kuchnia Sp. z o.o."),
                Review(vec![9]),
            ),
            (
                "twin: one digit off the open invoice's number, a typo",
                pay(36_900, "FV/0186/11/2026").from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: the open invoice's number in another order",
                pay(36_900, "Faktura 2026/11/187").from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: the open invoice's number without its month",
                pay(36_900, "FV 187/2026").from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: a date, not an invoice",
                pay(36_900, "abonament przelew z dnia 02/12/2026")
                    .from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: an order number",
                pay(36_900, "zamówienie nr 4512").from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
            (
                "twin: the open invoice named",
                pay(36_900, "FV 187/11/2026").from("Cyfrowa Kuchnia Sp. z o.o."),
                Paid(vec![(9, 36_900)]),
            ),
        ],
    );
    let d = &reconcile(
        &[pay(36_900, "FV/0201/12/2026")
            .from("Cyfrowa Kuchnia Sp. z o.o.")
            .payment(1)],
        &invoices(),
        &clients(),
        &ctx(),
    )[0];
    let Outcome::Review { reason, .. } = &d.outcome else {
        panic!("{d:?}")
    };
    let pl = reason.render(Lang::Pl);
    assert!(
        pl.contains("ale tytuł wskazuje fakturę 0201/12/2026, której nie znamy")
            && pl.contains("FV/0187/11/2026 ma do zapłaty dokładnie 369,00 PLN"),
        "{pl}"
    );
}

/// Every review and refusal names its evidence in both languages: the invoices concerned and,
/// where the payer was identified, how.
#[test]
fn reasons_name_the_evidence() {
    let invoices = invoices();
    let clients = clients();
    let d = &reconcile(
        &[pay(61_500, "92/10/2026").acct(MLECZARNIA_ACC).payment(1)],
        &invoices,
        &clients,
        &ctx(),
    )[0];
    let Outcome::Review { reason, .. } = &d.outcome else {
        panic!("{d:?}")
    };
    let en = reason.render(Lang::En);
    let pl = reason.render(Lang::Pl);
    for s in [&en, &pl] {
        assert!(s.contains("92/10/2026"), "{s}");
        assert!(s.contains(MLECZARNIA_ACC), "{s}");
        assert!(s.contains("Mleczarnia"), "{s}");
    }
    assert!(en.contains("Przedsiębiorstwo Handlowe Orzeł"), "{en}");
    assert!(pl.starts_with("tytuł wskazuje 92/10/2026 klienta"), "{pl}");
}
