//! The case table: realistic payments against a small ledger, each with the exact allocations
//! expected. Built from how Polish payers actually write titles (see fixtures/ and the notes on
//! bank formats): typos, lower case, missing prefixes, pieces, split payment, several invoices,
//! partial, overpaid, ambiguous amounts, short numbers inside long ones, currencies, accounts.

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn inv(id: i64, number: &str, client: i64, due: &str, minor: i64, cur: Currency) -> Invoice {
    Invoice {
        id,
        number: InvoiceNumber::parse(number).unwrap(),
        client_id: client,
        issue_date: None,
        settled_by_hand: Vec::new(),
        due_date: d(due),
        currency: cur,
        outstanding: minor,
    }
}

fn ctx() -> Context {
    Context {
        our_nip: Some(OUR_NIP.into()),
        issue_grace_days: 3,
        ..Context::default()
    }
}

const PLN: Currency = Currency::PLN;
const EUR: Currency = Currency::EUR;
const OUR_NIP: &str = "5265260188";

fn ledger() -> (Vec<Invoice>, Vec<Client>) {
    let clients = vec![
        Client {
            id: 1,
            name: "KRAWIEC-TECH Sp. z o.o.".into(),
            nip: Some("5261040828".into()),
            accounts: vec!["PL78114020045260181590830166".into()],
        },
        Client {
            id: 2,
            name: "Bud-Pol S.A.".into(),
            nip: Some("9510166135".into()),
            accounts: vec![],
        },
        Client {
            id: 3,
            name: "Zakład Usługowy „Żuraw” Jan Nowak".into(),
            nip: Some("7271860913".into()),
            accounts: vec![],
        },
        Client {
            id: 4,
            name: "Łódzkie Zakłady Mięsne Wędzonka sp. j.".into(),
            nip: Some("1133909968".into()),
            accounts: vec![],
        },
        Client {
            id: 5,
            name: "Agencja Kreatywna „Pióro” s.c.".into(),
            nip: Some("7790308249".into()),
            accounts: vec!["PL52116000006563212233079244".into()],
        },
        Client {
            id: 6,
            name: "Northwind Analytics Ltd".into(),
            nip: None,
            accounts: vec![],
        },
        Client {
            id: 7,
            name: "Gęślarz i Wspólnicy sp.j.".into(),
            nip: Some("8998219935".into()),
            accounts: vec![],
        },
        Client {
            id: 8,
            name: "Alfa Serwis Sp. z o.o.".into(),
            nip: None,
            accounts: vec![],
        },
        Client {
            id: 9,
            name: "Alfa Serwis Południe Sp. z o.o.".into(),
            nip: None,
            accounts: vec![],
        },
    ];
    let invoices = vec![
        inv(101, "FV/0312/2026", 1, "2026-03-26", 1_230_000, PLN),
        inv(102, "FV/0298/2026", 2, "2026-03-15", 369_000, PLN),
        inv(103, "FV/0301/2026", 2, "2026-03-17", 369_000, PLN),
        inv(104, "PS 95/11/2025", 3, "2025-12-09", 147_600, PLN),
        inv(105, "FV/0288/2026", 4, "2026-03-06", 246_000, PLN),
        inv(106, "FV/0315/2026", 5, "2026-03-28", 615_000, PLN),
        inv(107, "FV/0299/2026", 5, "2026-03-16", 100_000, PLN),
        inv(108, "INV/2026/014", 6, "2026-04-02", 150_000, EUR),
        inv(109, "FV/0305/2026", 7, "2026-03-20", 123_000, PLN),
        inv(110, "2/11/2026", 8, "2026-11-20", 50_000, PLN),
        inv(111, "FV/12/11/2026", 8, "2026-11-25", 70_000, PLN),
        inv(112, "F/10033393/02/26", 9, "2026-03-10", 30_000, PLN),
        inv(113, "FV/0400/2026", 1, "2026-04-10", 99_900, PLN),
        inv(114, "FV/0401/2026", 1, "2026-04-11", 99_900, PLN),
        inv(115, "12", 9, "2026-05-01", 1_200, PLN),
        inv(116, "KOR/09/2026/01", 2, "2026-09-30", 25_000, PLN),
        inv(117, "FV/0320/2026", 2, "2026-04-20", 10_000, PLN),
        inv(118, "FV/0321/2026", 2, "2026-04-21", 20_000, PLN),
        inv(119, "FV/0322/2026", 2, "2026-04-22", 30_000, PLN),
    ];
    (invoices, clients)
}

struct Case {
    name: &'static str,
    amount: i64,
    currency: Currency,
    title: &'static str,
    payer: Option<&'static str>,
    address: Option<&'static str>,
    account: Option<&'static str>,
}

fn pay(name: &'static str, amount: i64, title: &'static str) -> Case {
    Case {
        name,
        amount,
        currency: PLN,
        title,
        payer: None,
        address: None,
        account: None,
    }
}

impl Case {
    fn from(mut self, payer: &'static str) -> Self {
        self.payer = Some(payer);
        self
    }
    fn addr(mut self, a: &'static str) -> Self {
        self.address = Some(a);
        self
    }
    fn acct(mut self, a: &'static str) -> Self {
        self.account = Some(a);
        self
    }
    fn cur(mut self, c: Currency) -> Self {
        self.currency = c;
        self
    }
}

/// What a case must give: allocations as (invoice id, minor, rule), or review with candidates, or unmatched.
#[derive(Debug, PartialEq)]
enum Want {
    Alloc(Vec<(i64, i64, Rule)>),
    Review(Vec<i64>),
    Unmatched,
}

fn run_one(c: &Case) -> (Want, String) {
    let (invoices, clients) = ledger();
    let p = Payment {
        id: 1,
        booking_date: None,
        amount: c.amount,
        currency: c.currency,
        title: c.title.into(),
        counterparty_name: c.payer.map(Into::into),
        counterparty_address: c.address.map(Into::into),
        counterparty_account: c.account.map(Into::into),
    };
    let out = reconcile(&[p], &invoices, &clients, &ctx());
    match &out[0].outcome {
        Outcome::Matched { allocations } => (
            Want::Alloc(
                allocations
                    .iter()
                    .map(|a| (a.invoice_id, a.amount, a.rule))
                    .collect(),
            ),
            allocations
                .iter()
                .map(|a| a.reason.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        ),
        Outcome::Review { reason, candidates } => {
            (Want::Review(candidates.clone()), reason.to_string())
        }
        Outcome::Unmatched { reason } => (Want::Unmatched, reason.to_string()),
    }
}

use Rule::{Account, InvoiceNumber as Num, Name, Nip as NipRule};

#[test]
fn case_table() {
    let cases: Vec<(Case, Want)> = vec![
        // Rule 1: numbers.
        (
            pay("exact number", 1_230_000, "FV/0312/2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay(
                "lower case and spaces around /",
                1_230_000,
                "fv / 0312 / 2026 dziękuję",
            ),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay(
                "dashes instead of slashes",
                1_230_000,
                "Faktura FV-0312-2026",
            ),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("underscores and dots", 1_230_000, "FV_0312.2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("missing prefix", 1_230_000, "zapłata 0312/2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("different prefix word", 1_230_000, "Faktura nr 0312/2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("F instead of FV", 1_230_000, "F/0312/2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("leading zeros dropped", 1_230_000, "FV/312/2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay(
                "prefix with a space",
                147_600,
                "Faktura numer PS 95/11/2025",
            ),
            Want::Alloc(vec![(104, 147_600, Num)]),
        ),
        // Glued to a word, the number is not a whole token: not guessed.
        (
            pay(
                "number glued to a word is not a token",
                147_600,
                "PS 95/11/2025doradztwo",
            ),
            Want::Unmatched,
        ),
        (
            pay(
                "title cut into pieces",
                1_230_000,
                "ZAPŁATA ZA FV/0312/20 26 DZIĘKUJEMY",
            ),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay("NBSP inside the number", 1_230_000, "FV/0312/\u{00A0}2026"),
            Want::Alloc(vec![(101, 1_230_000, Num)]),
        ),
        (
            pay(
                "two invoices, exact sum",
                738_000,
                "Zapłata za FV/0298/2026, FV/0301/2026",
            ),
            Want::Alloc(vec![(102, 369_000, Num), (103, 369_000, Num)]),
        ),
        (
            pay(
                "two invoices, short: oldest first",
                500_000,
                "FV/0301/2026 i FV/0298/2026",
            ),
            Want::Alloc(vec![(102, 369_000, Num), (103, 131_000, Num)]),
        ),
        (
            pay("partial", 100_000, "FV/0312/2026 część 1"),
            Want::Alloc(vec![(101, 100_000, Num)]),
        ),
        (
            pay(
                "overpaid: surplus stays on the invoice",
                1_300_000,
                "FV/0312/2026",
            ),
            Want::Alloc(vec![(101, 1_300_000, Num)]),
        ),
        (
            pay(
                "two invoices overpaid: surplus on the last",
                800_000,
                "FV/0298/2026 FV/0301/2026",
            ),
            Want::Alloc(vec![(102, 369_000, Num), (103, 431_000, Num)]),
        ),
        (
            pay(
                "short number not inside a longer one",
                70_000,
                "FV/12/11/2026",
            ),
            Want::Alloc(vec![(111, 70_000, Num)]),
        ),
        (
            pay("2/11/2026 is its own number", 50_000, "2/11/2026"),
            Want::Alloc(vec![(110, 50_000, Num)]),
        ),
        (
            pay(
                "12 does not match inside 2024/123",
                1_200,
                "zamówienie 2024/123",
            ),
            Want::Unmatched,
        ),
        (
            pay("12 as a whole token", 1_200, "faktura 12"),
            Want::Alloc(vec![(115, 1_200, Num)]),
        ),
        (
            pay("long number with slashes", 30_000, "F/10033393/02/26"),
            Want::Alloc(vec![(112, 30_000, Num)]),
        ),
        (
            pay("correction invoice number", 25_000, "KOR/09/2026/01"),
            Want::Alloc(vec![(116, 25_000, Num)]),
        ),
        (
            pay(
                "split payment, gross arrived",
                123_000,
                "/VAT/230,00/IDC/5265260188/INV/FV/0305/2026/TXT/usługi",
            ),
            Want::Alloc(vec![(109, 123_000, Num)]),
        ),
        (
            pay(
                "split payment, only net arrived",
                100_000,
                "/VAT/230,00/IDC/5265260188/INV/FV/0305/2026/TXT/usługi",
            ),
            Want::Alloc(vec![(109, 123_000, Num)]),
        ),
        (
            pay(
                "split payment, INV with slashes and text",
                200_000,
                "/VAT/460,00/IDC/5265260188/INV/FV/0288/2026/TXT/dostawa luty",
            ),
            Want::Alloc(vec![(105, 246_000, Num)]),
        ),
        (
            pay("number in another currency", 150_000, "INV/2026/014"),
            Want::Review(vec![108]),
        ),
        (
            pay("EUR payment for EUR invoice", 150_000, "INV 2026/014").cur(EUR),
            Want::Alloc(vec![(108, 150_000, Num)]),
        ),
        // Rule 2: account or NIP, then amounts.
        (
            pay(
                "known account, one invoice with the amount",
                1_230_000,
                "przelew",
            )
            .acct("PL78114020045260181590830166"),
            Want::Alloc(vec![(101, 1_230_000, Account)]),
        ),
        (
            pay(
                "known account, two invoices with the same amount",
                99_900,
                "abonament",
            )
            .acct("PL78114020045260181590830166"),
            Want::Review(vec![113, 114]),
        ),
        (
            pay("known account, two invoices sum to it", 715_000, "zapłata")
                .acct("PL52116000006563212233079244"),
            Want::Alloc(vec![(107, 100_000, Account), (106, 615_000, Account)]),
        ),
        (
            pay("known account, amount fits nothing", 12_345, "zaliczka")
                .acct("PL52116000006563212233079244"),
            Want::Review(vec![107, 106]),
        ),
        (
            pay("NIP in the title", 246_000, "NIP 113-390-99-68 zapłata"),
            Want::Alloc(vec![(105, 246_000, NipRule)]),
        ),
        (
            pay(
                "our own NIP in the title is not the payer",
                246_000,
                "IDC 5265260188",
            ),
            Want::Unmatched,
        ),
        (
            pay("three invoices sum to it", 60_000, "")
                .acct("PL00000000000000000000000000")
                .from("BUD-POL S.A."),
            Want::Alloc(vec![
                (117, 10_000, Name),
                (118, 20_000, Name),
                (119, 30_000, Name),
            ]),
        ),
        (
            pay("two different sets sum to it", 738_000 + 30_000, "przelew").from("Bud-Pol SA"),
            Want::Review(vec![102, 103, 117, 118, 119]),
        ),
        (
            pay(
                "a list of numbers sharing their year",
                60_000,
                "zapł. FV 0320, 0321 i 0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Alloc(vec![
                (117, 10_000, Num),
                (118, 20_000, Num),
                (119, 30_000, Num),
            ]),
        ),
        (
            pay(
                "a range of numbers sharing their year",
                60_000,
                "FV 0320-0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Alloc(vec![
                (117, 10_000, Num),
                (118, 20_000, Num),
                (119, 30_000, Num),
            ]),
        ),
        (
            pay(
                "one number written, the surplus is what two others miss",
                60_000,
                "FV/0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Review(vec![117, 118, 119]),
        ),
        (
            pay(
                "one number written, the surplus is what one other misses",
                50_000,
                "FV/0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Review(vec![118, 119]),
        ),
        (
            pay(
                "interest for an invoice is not the invoice",
                1_234,
                "Nota odsetkowa NO/1/2026 do FV/0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Review(vec![119]),
        ),
        (
            pay(
                "the invoice paid with the word interest in the title",
                30_000,
                "FV/0322/2026 bez odsetek",
            )
            .from("BUD-POL S.A."),
            Want::Alloc(vec![(119, 30_000, Num)]),
        ),
        (
            pay(
                "an overpayment that pays nothing else",
                35_000,
                "FV/0322/2026",
            )
            .from("BUD-POL S.A."),
            Want::Alloc(vec![(119, 35_000, Num)]),
        ),
        // Rule 3: names.
        (
            pay("name with legal form spelled out", 1_230_000, "przelew")
                .from("KRAWIEC-TECH SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"),
            Want::Alloc(vec![(101, 1_230_000, Name)]),
        ),
        (
            pay("name with address", 147_600, "usługi")
                .from("ZAKŁAD USŁUGOWY ŻURAW JAN NOWAK UL. KRÓTKA 7 80-001 GDAŃSK"),
            Want::Alloc(vec![(104, 147_600, Name)]),
        ),
        (
            pay("word order and no diacritics", 147_600, "usługi")
                .from("NOWAK JAN ZAKLAD USLUGOWY ZURAW"),
            Want::Alloc(vec![(104, 147_600, Name)]),
        ),
        (
            pay(
                "a sole trader's owner, from a private account",
                147_600,
                "za usługę",
            )
            .from("NOWAK JAN UL. KRÓTKA 7 80-001 GDAŃSK"),
            Want::Alloc(vec![(104, 147_600, Name)]),
        ),
        (
            pay(
                "the owner's name, an amount that fits nothing",
                5_000,
                "zaliczka",
            )
            .from("JAN NOWAK"),
            Want::Review(vec![104]),
        ),
        (
            pay(
                "name cut at 35 and continued in the address",
                246_000,
                "dostawa",
            )
            .from("ŁÓDZKIE ZAKŁADY MIĘSNE WĘDZONKA SP")
            .addr("ÓŁKA JAWNA UL. PIOTRKOWSKA 100"),
            Want::Alloc(vec![(105, 246_000, Name)]),
        ),
        (
            pay("more specific name wins", 30_000, "usługa")
                .from("ALFA SERWIS POŁUDNIE SP. Z O.O."),
            Want::Alloc(vec![(112, 30_000, Name)]),
        ),
        (
            pay("unknown payer", 1_230_000, "darowizna").from("JAN KOWALSKI"),
            Want::Unmatched,
        ),
        (pay("nothing to go on", 99, ""), Want::Unmatched),
        (
            pay("known name, amount fits nothing", 5, "x").from("Gęślarz i Wspólnicy Spółka Jawna"),
            Want::Review(vec![109]),
        ),
    ];
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (c, want) in &cases {
        let (got, why) = run_one(c);
        if &got != want {
            failures.push(format!("{}: want {want:?}, got {got:?} ({why})", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_payment_seen_again_does_not_pay_twice() {
    // Two payments naming the same invoice: the second is surplus on it (overpaid), not on another.
    let (invoices, clients) = ledger();
    let p = |id| Payment {
        id,
        booking_date: None,
        amount: 1_230_000,
        currency: PLN,
        title: "FV/0312/2026".into(),
        counterparty_name: None,
        counterparty_address: None,
        counterparty_account: None,
    };
    let out = reconcile(&[p(1), p(2)], &invoices, &clients, &Context::default());
    let Outcome::Matched { allocations } = &out[1].outcome else {
        panic!("{out:?}")
    };
    assert_eq!(allocations.len(), 1);
    assert_eq!(allocations[0].invoice_id, 101);
    assert!(
        allocations[0].reason.to_string().contains("overpayment"),
        "{}",
        allocations[0].reason
    );
}

#[test]
fn invoices_are_found_by_what_they_owe_now_and_only_while_open() {
    let (invoices, clients) = ledger();
    let ctx = Context::default();
    let mut r = Reconciler::new(&invoices, &clients, &ctx);
    let at = r.position[&101];
    let owed = r.outstanding[at];
    // Each open invoice once, under what it owes; nothing else.
    let holds_just_the_open = |r: &Reconciler<'_>| {
        let mut listed: Vec<usize> = r.by_amount.values().flatten().copied().collect();
        listed.sort_unstable();
        let open: Vec<usize> = (0..r.outstanding.len())
            .filter(|&i| r.outstanding[i] > 0)
            .collect();
        assert_eq!(listed, open);
        for (amount, list) in &r.by_amount {
            assert!(
                list.iter().all(|&i| r.outstanding[i] == *amount),
                "{amount}"
            );
        }
    };
    holds_just_the_open(&r);
    let p = |id, amount| Payment {
        id,
        booking_date: None,
        amount,
        currency: PLN,
        title: "FV/0312/2026".into(),
        counterparty_name: None,
        counterparty_address: None,
        counterparty_account: None,
    };
    // A part first: the invoice now owes the rest, and is found by it, not by what it owed.
    let out = r.decide(&[p(1, 230_000)]);
    assert!(matches!(out[0].outcome, Outcome::Matched { .. }), "{out:?}");
    assert_eq!(r.outstanding[at], owed - 230_000);
    assert!(r.by_amount[&(owed - 230_000)].contains(&at));
    assert!(!r.by_amount.get(&owed).is_some_and(|l| l.contains(&at)));
    holds_just_the_open(&r);
    // The rest: paid, and no longer found by any amount.
    let out = r.decide(&[p(2, owed - 230_000)]);
    assert!(matches!(out[0].outcome, Outcome::Matched { .. }), "{out:?}");
    assert_eq!(r.outstanding[at], 0);
    holds_just_the_open(&r);
}

#[test]
fn deterministic() {
    let (invoices, clients) = ledger();
    let ps: Vec<Payment> = (0..30)
        .map(|i| Payment {
            id: i,
            booking_date: None,
            amount: 99_900,
            currency: PLN,
            title: format!("abonament {i}"),
            counterparty_name: Some("Krawiec-Tech".into()),
            counterparty_address: None,
            counterparty_account: None,
        })
        .collect();
    assert_eq!(
        reconcile(&ps, &invoices, &clients, &Context::default()),
        reconcile(&ps, &invoices, &clients, &Context::default())
    );
}

proptest! {
    /// Whatever the payments, no allocation exceeds what a payment brings (its amount, plus the
    /// VAT leg for a split payment whose net alone reached us), and allocations are positive.
    #[test]
    fn allocations_never_exceed_payments(
        specs in proptest::collection::vec((1i64..2_000_000, 0usize..12, 0usize..4, any::<bool>()), 1..20)
    ) {
        let (invoices, clients) = ledger();
        let numbers = ["FV/0312/2026", "FV/0298/2026 FV/0301/2026", "PS 95/11/2025", "0315/2026", "12", "", "INV/2026/014", "FV/0400/2026", "F/10033393/02/26", "/VAT/230,00/IDC/5265260188/INV/FV/0305/2026/TXT/x", "FV/0320/2026, FV/0321/2026", "KOR/09/2026/01"];
        let payers = [None, Some("KRAWIEC-TECH SP. Z O.O."), Some("BUD-POL S.A."), Some("AGENCJA KREATYWNA PIÓRO S.C.")];
        let payments: Vec<Payment> = specs.iter().enumerate().map(|(i, (amount, n, who, acct))| Payment {
            id: i as i64,
            booking_date: None,
            amount: *amount,
            currency: PLN,
            title: numbers[*n].into(),
            counterparty_name: payers[*who].map(Into::into),
            counterparty_address: None,
            counterparty_account: acct.then(|| "PL52116000006563212233079244".to_string()),
        }).collect();
        let out = reconcile(&payments, &invoices, &clients, &ctx());
        for (p, dcs) in payments.iter().zip(&out) {
            if let Outcome::Matched { allocations } = &dcs.outcome {
                let total: i64 = allocations.iter().map(|a| a.amount).sum();
                prop_assert!(allocations.iter().all(|a| a.amount > 0));
                let vat = titles::split_payment(&p.title).and_then(|s| s.vat).unwrap_or(0);
                prop_assert!(total == p.amount || (vat > 0 && total == p.amount + vat), "payment {} allocated {}", p.amount, total);
            }
        }
    }
}

/// A generated month of a mid-size firm (see [`scenario`]): no wrong allocation, and nearly every
/// payment a careful accountant would allocate is allocated.
#[test]
fn a_generated_month_has_no_wrong_allocation() {
    for seed in [1, 7, 42, 2026, 31337] {
        let s = scenario::generate(seed);
        let decisions = reconcile(&s.payments, &s.invoices, &s.clients, &s.context);
        let sc = scenario::score(&s, &decisions);
        let mut report = String::new();
        for (class, n, ok, bad) in &sc.by_class {
            report.push_str(&format!("  {class:?}: {n} rows, {ok} right, {bad} wrong\n"));
        }
        let wrong: Vec<String> = s
            .truth
            .iter()
            .zip(&decisions)
            .zip(&s.payments)
            .filter_map(|(((t, c), d), p)| match (&d.outcome, t) {
                (Outcome::Matched { allocations }, scenario::Truth::NoAuto) => Some(format!(
                    "{c:?} {:?}: allocated {:?}",
                    p.title,
                    allocations
                        .iter()
                        .map(|a| (a.invoice_id, &a.reason))
                        .collect::<Vec<_>>()
                )),
                (Outcome::Matched { allocations }, scenario::Truth::Pays(want))
                    if {
                        let mut got: Vec<(i64, i64)> = allocations
                            .iter()
                            .map(|a| (a.invoice_id, a.amount))
                            .collect();
                        let mut want = want.clone();
                        got.sort();
                        want.sort();
                        got != want
                    } =>
                {
                    Some(format!(
                        "{c:?} {:?}: allocated {:?}, want {want:?}",
                        p.title,
                        allocations
                            .iter()
                            .map(|a| (a.invoice_id, a.amount, &a.reason))
                            .collect::<Vec<_>>()
                    ))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            sc.wrong,
            0,
            "seed {seed}: {} wrong of {} automatic\n{report}{}",
            sc.wrong,
            sc.auto,
            wrong.join("\n")
        );
        let missed: Vec<String> = s
            .truth
            .iter()
            .zip(&decisions)
            .zip(&s.payments)
            .filter_map(|(((t, c), d), p)| match (&d.outcome, t) {
                (
                    Outcome::Review { reason, .. } | Outcome::Unmatched { reason },
                    scenario::Truth::Pays(_),
                ) => Some(format!(
                    "{c:?} {:?} {:?}: {reason}",
                    p.title, p.counterparty_name
                )),
                _ => None,
            })
            .collect();
        assert!(
            sc.recall() >= 0.97,
            "seed {seed}: recall {:.3} ({} of {})\n{report}{}",
            sc.recall(),
            sc.correct,
            sc.allocatable,
            missed.join("\n")
        );
    }
}

#[test]
fn a_joined_token_never_contradicts_a_written_one() {
    // "Faktura FV/31/11/2026": read as written it is the payer's FV/0031/11/2026 (zeros dropped);
    // "FAKTURA" + "FV/31/11/2026" joined, with both prefixes stripped, would read another
    // client's 31/11/2026. Joined pieces only ever confirm.
    let invoices = vec![
        inv(1, "FV/0031/11/2026", 1, "2026-11-20", 12_300, PLN),
        inv(2, "31/11/2026", 2, "2026-11-20", 24_600, PLN),
    ];
    let (_, clients) = ledger();
    let p = Payment {
        id: 1,
        booking_date: None,
        amount: 12_300,
        currency: PLN,
        title: "Faktura FV/31/11/2026".into(),
        counterparty_name: Some("KRAWIEC-TECH SP. Z O.O.".into()),
        counterparty_address: None,
        counterparty_account: None,
    };
    let out = reconcile(&[p], &invoices, &clients, &ctx());
    let Outcome::Matched { allocations } = &out[0].outcome else {
        panic!("{out:?}")
    };
    assert_eq!(allocations[0].invoice_id, 1);
    assert!(out[0].agreed);
}

#[test]
fn the_key_index_finds_every_key_and_only_it() {
    use std::borrow::Cow;
    // Duplicated keys (two series sharing a number), sizes around the bucket boundaries, none.
    for n in [0usize, 1, 2, 3, 17, 1000, 4096, 4097] {
        let keys: Vec<String> = (0..n).map(|i| format!("FV/{}/2026", i % 700)).collect();
        let ix = super::KeyIndex::new(keys.iter().map(|k| Cow::from(k.as_str())));
        let key_of = |i: usize| Cow::from(keys[i].as_str());
        for (i, k) in keys.iter().enumerate() {
            let found: Vec<usize> = ix.get(k, key_of).collect();
            let expected: Vec<usize> = (0..n).filter(|j| keys[*j] == *k).collect();
            assert_eq!(found, expected, "key {k} (entry {i}) of {n}");
        }
        assert_eq!(ix.get("FV/700/2026", key_of).count(), 0);
        assert_eq!(ix.get("", key_of).count(), 0);
    }
}

/// With no invoice and no client nothing can be allocated or sent to review, whatever the
/// payments say (numbers, NIPs, refunds, suppliers' accounts): the premise on which a run over
/// an empty ledger skips the rules (see `services::reconcile::run_in`).
#[test]
fn without_invoices_and_clients_every_payment_is_unmatched() {
    for seed in [1, 42, 2026] {
        let s = scenario::generate(seed);
        assert!(s.payments.len() > 100);
        let decisions = reconcile(&s.payments, &[], &[], &s.context);
        assert_eq!(decisions.len(), s.payments.len());
        for (p, d) in s.payments.iter().zip(&decisions) {
            assert!(
                matches!(d.outcome, Outcome::Unmatched { .. }) && !d.agreed,
                "{:?}: {:?}",
                p.title,
                d.outcome
            );
        }
    }
}
