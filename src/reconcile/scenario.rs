//! A generated month of a mid-size firm, for measuring matching: clients (some with look-alike
//! names), invoices in five numbering series at once (zero-padded, plain, dashed, short-year,
//! year-first), last month's invoices (mostly paid), and a bank month in which about a third of
//! the rows are hard: numbers that fit two series, typos, titles reused from last month, supplier
//! refunds, numbers glued to words or followed by punctuation, money that came before the invoice,
//! several invoices in one transfer, partial and split payments. Each row carries the label a
//! careful accountant would give it: these allocations, or "a person decides / not ours".
//!
//! Deterministic from a seed; no I/O. Used by the test that holds the matcher to zero wrong
//! allocations and by `cargo bench --bench reconcile`, which prints precision and recall.

use super::{Client, Context, Decision, Invoice, Outcome, Payment};
use crate::domain::{Currency, InvoiceNumber};
use chrono::{Duration, NaiveDate};
use std::collections::{BTreeSet, HashSet};

/// What a careful accountant makes of a bank row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    /// These invoices get these amounts (minor units).
    Pays(Vec<(i64, i64)>),
    /// Not to be allocated automatically: a person decides, or it pays no invoice of ours.
    NoAuto,
}

/// The class a row was generated for (for the per-class breakdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Exact,
    Variant,
    ByPayer,
    Several,
    Partial,
    Split,
    TwoSeries,
    Typo,
    ReusedTitle,
    Refund,
    Punctuation,
    BeforeIssue,
    Noise,
}

pub struct Scenario {
    pub clients: Vec<Client>,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
    pub truth: Vec<(Truth, Class)>,
    pub context: Context,
}

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Alfa", "Beta", "Gamma", "Delta", "Omega", "Krawiec", "Bud", "Stal", "Drew", "Agro", "Med",
    "Trans", "Eko", "Inter", "Poli", "Net", "Data", "Soft", "Hydro", "Termo", "Auto", "Elektro",
    "Mega", "Nova", "Prima", "Lux", "Vita", "Tele", "Geo", "Mar",
];
const SECOND: &[&str] = &[
    "Serwis",
    "Tech",
    "Pol",
    "Bud",
    "Trade",
    "System",
    "Logistyka",
    "Projekt",
    "Media",
    "Handel",
    "Consulting",
    "Instal",
    "Invest",
    "Partner",
    "Studio",
];
const FORMS: &[&str] = &["Sp. z o.o.", "S.A.", "sp.j.", "s.c.", "Sp. z o.o. sp.k."];

/// A valid NIP from nine digits.
fn nip(rng: &mut Rng) -> String {
    const W: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    loop {
        let d: Vec<u32> = (0..9).map(|_| rng.below(10) as u32).collect();
        if d[0] == 0 {
            continue;
        }
        let sum: u32 = d.iter().zip(W).map(|(a, w)| a * w).sum();
        let check = sum % 11;
        if check == 10 {
            continue;
        }
        return d
            .iter()
            .chain([check].iter())
            .map(|x| x.to_string())
            .collect();
    }
}

/// A Polish IBAN-shaped account (the checksum is not needed: matching compares the text).
fn account(rng: &mut Rng) -> String {
    let digits: String = (0..24)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect();
    format!("PL{:02}{digits}", 10 + rng.below(89))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The five numbering series, written for invoice number `n` of month `m`.
fn number(series: usize, n: usize, m: u32) -> String {
    match series {
        0 => format!("FV/{n:04}/{m:02}/2026"),
        1 => format!("{n}/{m:02}/2026"),
        2 => format!("FS-2026-{n:05}"),
        3 => format!("F/{n}/{m}/26"),
        _ => format!("FV/2026/{m:02}/{n}"),
    }
}

struct Builder {
    rng: Rng,
    s: Scenario,
    next_payment: i64,
    /// Invoices a row was generated for, or kept open to make a row ambiguous: no other row
    /// pays them, so each label holds whatever order the rows are matched in.
    used: HashSet<i64>,
}

impl Builder {
    fn client_name(&self, id: i64) -> String {
        self.s
            .clients
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.to_uppercase())
            .unwrap_or_default()
    }

    fn account_of(&self, id: i64) -> Option<String> {
        self.s
            .clients
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.accounts.first().cloned())
    }

    #[allow(clippy::too_many_arguments)]
    fn pay(
        &mut self,
        day: NaiveDate,
        amount: i64,
        title: String,
        payer: Option<i64>,
        with_account: bool,
        truth: Truth,
        class: Class,
    ) {
        self.next_payment += 1;
        let name = payer.map(|c| self.client_name(c));
        let account = payer
            .filter(|_| with_account)
            .and_then(|c| self.account_of(c));
        self.s.payments.push(Payment {
            id: self.next_payment,
            booking_date: Some(day),
            amount,
            currency: Currency::PLN,
            title,
            counterparty_name: name,
            counterparty_address: None,
            counterparty_account: account,
        });
        self.s.truth.push((truth, class));
    }
}

/// The month (November 2026) of a firm with 159 clients and about 700 invoices.
pub fn generate(seed: u64) -> Scenario {
    let mut b = Builder {
        rng: Rng(seed | 1),
        s: Scenario {
            clients: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            truth: Vec::new(),
            context: Context {
                our_nip: Some("5265260188".into()),
                supplier_accounts: HashSet::new(),
                issue_grace_days: 3,
            },
        },
        next_payment: 0,
        used: HashSet::new(),
    };
    clients(&mut b, 159);
    invoices(&mut b);
    payments(&mut b);
    b.s
}

fn clients(b: &mut Builder, n: usize) {
    let mut names = BTreeSet::new();
    for id in 1..=n as i64 {
        let name = loop {
            let base = format!("{}{}", b.rng.pick(FIRST), b.rng.pick(SECOND));
            // Some look-alikes: "Alfaserwis Sp. z o.o." and "Alfaserwis Południe Sp. z o.o.".
            let name = if b.rng.chance(10) {
                format!("{base} Południe {}", b.rng.pick(FORMS))
            } else {
                format!("{base} {}", b.rng.pick(FORMS))
            };
            if names.insert(crate::domain::name_key(&name)) {
                break name;
            }
        };
        let accounts = if b.rng.chance(60) {
            vec![account(&mut b.rng)]
        } else {
            Vec::new()
        };
        let nip = Some(nip(&mut b.rng));
        b.s.clients.push(Client {
            id,
            name,
            nip,
            accounts,
        });
    }
}

fn invoices(b: &mut Builder) {
    let mut id = 0i64;
    let mut counters = [0usize; 5];
    let clients = b.s.clients.len() as i64;
    // Last month (October): 200 invoices, most paid already; this month: 500, all open.
    for (month, count, paid_share) in [(10u32, 160, 85u64), (11u32, 640, 0u64)] {
        // Monthly series start again each month; FS-2026-00001 counts through the year.
        let yearly = counters[2];
        counters = counters.map(|_| 0);
        counters[2] = yearly;
        for k in 0..count {
            id += 1;
            let series = k % 5;
            counters[series] += 1;
            let client = 1 + b.rng.below(clients as usize) as i64;
            let issued = date(2026, month, 1 + b.rng.below(20) as u32);
            let gross = [12_300, 24_600, 61_500, 123_000, 99_900, 4_920, 150_000][b.rng.below(7)]
                + if b.rng.chance(50) {
                    b.rng.below(5_000) as i64 * 100
                } else {
                    0
                };
            let paid = b.rng.chance(paid_share);
            b.s.invoices.push(Invoice {
                id,
                number: InvoiceNumber::parse(&number(series, counters[series], month))
                    .unwrap_or_else(|_| InvoiceNumber::parse("X/1").expect("static")),
                client_id: client,
                issue_date: Some(issued),
                settled_by_hand: Vec::new(),
                due_date: Some(issued + Duration::days(14)),
                currency: Currency::PLN,
                outstanding: if paid { 0 } else { gross },
            });
        }
    }
}

/// Invoices of November still open, in a stable order.
fn open_november(b: &Builder) -> Vec<Invoice> {
    b.s.invoices
        .iter()
        .filter(|i| i.outstanding > 0 && i.issue_date.is_some_and(|d| d >= date(2026, 11, 1)))
        .cloned()
        .collect()
}

fn payments(b: &mut Builder) {
    let take = |b: &mut Builder| -> Option<Invoice> {
        let open = open_november(b);
        for _ in 0..50 {
            let inv = b.rng.pick(&open).clone();
            if b.used.insert(inv.id) {
                return Some(inv);
            }
        }
        None
    };
    // Several first: it moves an invoice to the other one's client, which every later label
    // must see.
    let plan: &[(Class, usize)] = &[
        (Class::Several, 25),
        (Class::Exact, 200),
        (Class::Variant, 80),
        (Class::ByPayer, 50),
        (Class::Partial, 20),
        (Class::Split, 15),
        (Class::TwoSeries, 40),
        (Class::Typo, 35),
        (Class::ReusedTitle, 25),
        (Class::Refund, 20),
        (Class::Punctuation, 35),
        (Class::BeforeIssue, 25),
        (Class::Noise, 51),
    ];
    for &(class, count) in plan {
        for _ in 0..count {
            match class {
                Class::Several => {
                    let (Some(a), Some(c)) = (take(b), take(b)) else {
                        continue;
                    };
                    several(b, a, c);
                }
                Class::Noise => noise(b),
                _ => {
                    let Some(inv) = take(b) else { continue };
                    one(b, class, inv);
                }
            }
        }
    }
}

/// A day after the invoice was issued (and its first days: grace).
fn after(b: &mut Builder, inv: &Invoice) -> NaiveDate {
    inv.issue_date.unwrap_or_default() + Duration::days(4 + b.rng.below(20) as i64)
}

fn one(b: &mut Builder, class: Class, inv: Invoice) {
    let n = inv.number.original().to_string();
    let day = after(b, &inv);
    let who = Some(inv.client_id);
    let full = Truth::Pays(vec![(inv.id, inv.outstanding)]);
    match class {
        Class::Exact => {
            let title = format!(
                "{} {n}",
                b.rng
                    .pick(&["Zapłata za fakturę", "FV", "Faktura", "Płatność"])
            );
            let acct = b.rng.chance(50);
            b.pay(day, inv.outstanding, title, who, acct, full, class);
        }
        Class::Variant => {
            let core = inv.number.core().to_string();
            let title = match b.rng.below(4) {
                0 => n.to_lowercase(),
                1 => n.replace('/', "-"),
                2 => format!("Faktura nr {core}"),
                _ => format!("{} dziękujemy", n.replace('/', " / ")),
            };
            b.pay(day, inv.outstanding, title, who, false, full, class);
        }
        Class::ByPayer => by_payer(b, inv, day),
        Class::Partial => {
            let part = inv.outstanding / 2;
            let title = format!("{n} część 1");
            b.pay(
                day,
                part,
                title,
                who,
                false,
                Truth::Pays(vec![(inv.id, part)]),
                class,
            );
        }
        Class::Split => {
            let vat = inv.outstanding * 23 / 123;
            let title = format!(
                "/VAT/{},{:02}/IDC/5265260188/INV/{n}/TXT/usługi",
                vat / 100,
                vat % 100
            );
            b.pay(day, inv.outstanding - vat, title, who, false, full, class);
        }
        Class::TwoSeries => two_series(b, inv, day),
        Class::Typo => typo(b, inv, day),
        Class::ReusedTitle => reused(b, inv, day),
        Class::Refund => {
            // A hosting provider returns an overpayment, naming an invoice number of ours.
            let supplier = account(&mut b.rng);
            b.s.context.supplier_accounts.insert(supplier.clone());
            b.next_payment += 1;
            b.s.payments.push(Payment {
                id: b.next_payment,
                booking_date: Some(day),
                amount: 4_000 + b.rng.below(50_000) as i64,
                currency: Currency::PLN,
                title: if b.rng.chance(50) {
                    format!("Zwrot nadpłaty {n}")
                } else {
                    format!("korekta rozliczenia {n}")
                },
                counterparty_name: Some("HOSTING PRO SP. Z O.O.".into()),
                counterparty_address: None,
                counterparty_account: Some(supplier),
            });
            b.s.truth.push((Truth::NoAuto, class));
        }
        Class::Punctuation => {
            let title = match b.rng.below(4) {
                0 => format!("{n} - zapłata"),
                1 => format!("{n} - I rata pełna"),
                2 => format!("fakt.{}", inv.number.core()),
                _ => format!("Zapłata: {n}."),
            };
            b.pay(day, inv.outstanding, title, who, false, full, class);
        }
        Class::BeforeIssue => {
            // Money before the invoice: by name and amount it is not this invoice's; by its
            // number it is a prepayment.
            let early =
                inv.issue_date.unwrap_or_default() - Duration::days(8 + b.rng.below(5) as i64);
            if b.rng.chance(50) {
                b.pay(
                    early,
                    inv.outstanding,
                    "przedpłata".into(),
                    who,
                    true,
                    Truth::NoAuto,
                    class,
                );
            } else {
                b.pay(
                    early,
                    inv.outstanding,
                    format!("zaliczka {n}"),
                    who,
                    false,
                    full,
                    class,
                );
            }
        }
        Class::Several | Class::Noise => {}
    }
}

/// Other open invoices of the same client with the same amount, issued by the payment's day:
/// kept open (no row pays them), so a row without a number stays ambiguous; whether there were any.
fn same_amount(b: &mut Builder, inv: &Invoice, day: NaiveDate) -> bool {
    let twins: Vec<i64> =
        b.s.invoices
            .iter()
            .filter(|o| {
                o.id != inv.id
                    && o.client_id == inv.client_id
                    && o.outstanding == inv.outstanding
                    && !b.used.contains(&o.id)
                    && o.issue_date.is_some_and(|d| d <= day + Duration::days(3))
            })
            .map(|o| o.id)
            .collect();
    b.used.extend(&twins);
    !twins.is_empty()
}

/// No number: the payer by account or name, and the amount.
fn by_payer(b: &mut Builder, inv: Invoice, day: NaiveDate) {
    let others_same = same_amount(b, &inv, day);
    let truth = if others_same {
        Truth::NoAuto
    } else {
        Truth::Pays(vec![(inv.id, inv.outstanding)])
    };
    let acct = b.rng.chance(50);
    b.pay(
        day,
        inv.outstanding,
        "przelew".into(),
        Some(inv.client_id),
        acct,
        truth,
        Class::ByPayer,
    );
}

/// Two invoices in one transfer, both numbers in the title; the same client pays both.
fn several(b: &mut Builder, a: Invoice, mut c: Invoice) {
    c.client_id = a.client_id;
    if let Some(x) = b.s.invoices.iter_mut().find(|i| i.id == c.id) {
        x.client_id = a.client_id;
    }
    let day = after(b, &a).max(after(b, &c));
    let title = format!(
        "Zapłata za {}, {}",
        a.number.original(),
        c.number.original()
    );
    let truth = Truth::Pays(vec![(a.id, a.outstanding), (c.id, c.outstanding)]);
    b.pay(
        day,
        a.outstanding + c.outstanding,
        title,
        Some(a.client_id),
        false,
        truth,
        Class::Several,
    );
}

/// A number written without its zero padding, which also is a number of the plain series.
fn two_series(b: &mut Builder, inv: Invoice, day: NaiveDate) {
    // FV/0022/11/2026 paid as "FV/22/11/2026" while 22/11/2026 (plain series) exists.
    let stripped = super::titles::without_leading_zeros(inv.number.canonical());
    let twin =
        b.s.invoices
            .iter()
            .find(|o| {
                o.id != inv.id
                    && super::titles::without_leading_zeros(o.number.core())
                        == super::titles::without_leading_zeros(inv.number.core())
            })
            .cloned();
    let title = format!("Faktura {stripped}");
    // The payer's own invoice of this amount decides; without a twin, the number alone does.
    let truth = Truth::Pays(vec![(inv.id, inv.outstanding)]);
    let payer_known = b.rng.chance(70);
    let ambiguous = twin.as_ref().is_some_and(|t| {
        (t.client_id == inv.client_id || !payer_known) && t.outstanding == inv.outstanding
    });
    let truth = if ambiguous { Truth::NoAuto } else { truth };
    b.pay(
        day,
        inv.outstanding,
        title,
        payer_known.then_some(inv.client_id),
        false,
        truth,
        Class::TwoSeries,
    );
}

/// One digit of the number mistyped; the payer is known by name.
fn typo(b: &mut Builder, inv: Invoice, day: NaiveDate) {
    let n = inv.number.original().to_string();
    let digits: Vec<usize> = n
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    let at = digits[b.rng.below(digits.len())];
    let mut chars: Vec<char> = n.chars().collect();
    let old = chars[at];
    chars[at] = if old == '9' {
        '8'
    } else {
        char::from(old as u8 + 1)
    };
    let wrong: String = chars.into_iter().collect();
    let canonical = crate::domain::invoice_number::canonicalize(&wrong);
    let hits_other = b.s.invoices.iter().any(|o| {
        o.number.canonical() == canonical
            || o.number.core()
                == InvoiceNumber::parse(&wrong)
                    .map(|w| w.core().to_string())
                    .unwrap_or_default()
    });
    // The mistyped number names another invoice: conflicting evidence, a person decides. It
    // names nothing: the payer and the amount find the right one.
    let truth = if hits_other {
        Truth::NoAuto
    } else {
        Truth::Pays(vec![(inv.id, inv.outstanding)])
    };
    let truth = if same_amount(b, &inv, day) {
        Truth::NoAuto
    } else {
        truth
    };
    b.pay(
        day,
        inv.outstanding,
        format!("FV {wrong}"),
        Some(inv.client_id),
        false,
        truth,
        Class::Typo,
    );
}

/// A subscription client pays this month's invoice with last month's title (same amount, last
/// month already paid).
fn reused(b: &mut Builder, inv: Invoice, day: NaiveDate) {
    b.next_payment += 0;
    let old_id = b.s.invoices.iter().map(|i| i.id).max().unwrap_or(0) + 1;
    let old_number = format!("FV/{:04}/10/2026", 900 + b.rng.below(99));
    if let Ok(number) = InvoiceNumber::parse(&old_number) {
        b.s.invoices.push(Invoice {
            id: old_id,
            number,
            client_id: inv.client_id,
            issue_date: Some(date(2026, 10, 3)),
            settled_by_hand: Vec::new(),
            due_date: Some(date(2026, 10, 17)),
            currency: Currency::PLN,
            outstanding: 0,
        });
    }
    b.pay(
        day,
        inv.outstanding,
        format!("Abonament {old_number}"),
        Some(inv.client_id),
        false,
        Truth::NoAuto,
        Class::ReusedTitle,
    );
}

/// Rows that pay no invoice: an unknown payer, no number.
fn noise(b: &mut Builder) {
    let day = date(2026, 11, 1 + b.rng.below(28) as u32);
    let title = b
        .rng
        .pick(&[
            "darowizna",
            "zwrot kosztów podróży",
            "wpłata własna",
            "odsetki",
        ])
        .to_string();
    b.next_payment += 1;
    b.s.payments.push(Payment {
        id: b.next_payment,
        booking_date: Some(day),
        amount: 1_000 + b.rng.below(100_000) as i64,
        currency: Currency::PLN,
        title,
        counterparty_name: Some("JAN KOWALSKI".into()),
        counterparty_address: None,
        counterparty_account: None,
    });
    b.s.truth.push((Truth::NoAuto, Class::Noise));
}

/// How the matcher did against the labels.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub rows: usize,
    /// Rows the careful accountant allocates.
    pub allocatable: usize,
    pub auto: usize,
    pub correct: usize,
    pub wrong: usize,
    /// Per class: (rows, correct allocations, wrong allocations).
    pub by_class: Vec<(Class, usize, usize, usize)>,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.auto == 0 {
            1.0
        } else {
            self.correct as f64 / self.auto as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.allocatable == 0 {
            1.0
        } else {
            self.correct as f64 / self.allocatable as f64
        }
    }
}

/// Scores decisions (in payment order) against the labels.
pub fn score(s: &Scenario, decisions: &[Decision]) -> Score {
    let mut sc = Score {
        rows: s.payments.len(),
        ..Score::default()
    };
    let mut classes: std::collections::BTreeMap<Class, (usize, usize, usize)> = Default::default();
    for ((truth, class), d) in s.truth.iter().zip(decisions) {
        let e = classes.entry(*class).or_default();
        e.0 += 1;
        if let Truth::Pays(_) = truth {
            sc.allocatable += 1;
        }
        let Outcome::Matched { allocations } = &d.outcome else {
            continue;
        };
        sc.auto += 1;
        let mut got: Vec<(i64, i64)> = allocations
            .iter()
            .map(|a| (a.invoice_id, a.amount))
            .collect();
        got.sort();
        let ok = match truth {
            Truth::Pays(want) => {
                let mut want = want.clone();
                want.sort();
                want == got
            }
            Truth::NoAuto => false,
        };
        if ok {
            sc.correct += 1;
            e.1 += 1;
        } else {
            sc.wrong += 1;
            e.2 += 1;
        }
    }
    sc.by_class = classes
        .into_iter()
        .map(|(c, (n, ok, bad))| (c, n, ok, bad))
        .collect();
    sc
}
