//! Why a payment was allocated, sent to review or left unmatched: the pieces of evidence, kept as
//! data so that a Polish mail reads Polish and an English one English.
//!
//! A reason is stored as JSON (`payment_reviews.reason`, `allocations.reason`) and rendered where
//! it is read: in the staff language for mail, in English for the CLI and logs. Text stored before
//! reasons were structured, and a person's own hold note, are not JSON and are shown as written.

use crate::domain::{Currency, Lang, Money, format_en, format_pl};
use serde::{Deserialize, Serialize};

/// An amount in a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    pub minor: i64,
    pub currency: Currency,
}

impl Sum {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Sum { minor, currency }
    }

    fn render(&self, lang: Lang) -> String {
        let amount = Money::from_minor(self.minor, self.currency).amount();
        match lang {
            Lang::Pl => format!("{} {}", format_pl(amount), self.currency),
            Lang::En => format!("{} {}", format_en(amount), self.currency),
        }
    }
}

/// How a number of the title was read to find an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// As written.
    Exact,
    /// Without a generic prefix (`FV`, `Faktura nr`…).
    WithoutPrefix,
    /// Without leading zeros too.
    WithoutZeros,
}

/// What chose an invoice among several that the number fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chosen {
    /// Only one of them has the amount outstanding.
    AmountFitsItAlone,
    /// Only one of them is written exactly this way.
    OnlyOneWrittenSo,
}

/// One number of the title and the invoice it was read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Read {
    pub invoice: String,
    pub reading: Reading,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<Chosen>,
}

/// One piece of evidence, or one conclusion drawn from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "e", rename_all = "snake_case")]
pub enum Evidence {
    // Who paid.
    PayerAccount {
        account: String,
        client: String,
    },
    AccountOfSeveral {
        account: String,
    },
    PayerNip {
        client: String,
    },
    NipsOfSeveral,
    PayerName {
        client: String,
    },
    NameOfSeveral {
        clients: Vec<String>,
    },
    NoEvidence,
    // Not a customer paying.
    Refund {
        word: String,
    },
    SupplierAccount {
        account: String,
    },
    // Numbers in the title.
    TitleNames {
        reads: Vec<Read>,
    },
    FitsSeveral {
        token: String,
        invoices: Vec<String>,
    },
    OfAnotherClient {
        invoices: Vec<String>,
        client: String,
    },
    OtherCurrency {
        invoices: Vec<String>,
        currency: Currency,
    },
    OfSeveralClients {
        invoices: Vec<String>,
    },
    /// The named invoice is settled (or far from the amount) while others wait with exactly it.
    ExactElsewhere {
        named: String,
        named_outstanding: Sum,
        others: Vec<String>,
        client: String,
        amount: Sum,
    },
    LikelyTypo {
        named: String,
        twins: Vec<String>,
        amount: Sum,
    },
    /// The payer and the amount fit an invoice, but the title names another one we do not know:
    /// most likely an invoice issued after the last list we imported (a subscription's next
    /// month has the same amount), which the money pays.
    NamesUnknown {
        named: Vec<String>,
        fits: Vec<String>,
        amount: Sum,
    },
    /// The title speaks of interest or compensation for the named invoice, and the amount is not
    /// what it misses: money for a note of interest, which is not the invoice's to take.
    InterestNotInvoice {
        named: String,
        amount: Sum,
    },
    /// More than the named invoice misses, and the surplus is exactly what other open invoices
    /// of the same client miss: they were probably paid too, with one number written.
    SurplusPaysOthers {
        named: String,
        named_outstanding: Sum,
        others: Vec<String>,
        client: String,
        surplus: Sum,
    },
    // The amount.
    Overpayment {
        surplus: Sum,
    },
    Partial {
        remains: Sum,
    },
    Prepayment,
    SplitPayment {
        net: Sum,
        vat: Sum,
    },
    PrepaymentWithoutNumber,
    BeforeEveryIssue,
    NoOpenInCurrency {
        currency: Currency,
    },
    NoOpen,
    OnlyExact {
        client: String,
        amount: Sum,
    },
    SeveralExact {
        count: usize,
        client: String,
        amount: Sum,
    },
    SetSums {
        invoices: Vec<String>,
        amount: Sum,
    },
    SeveralSets {
        count: usize,
        client: String,
        amount: Sum,
    },
    NoFit {
        client: String,
        amount: Sum,
    },
    IssuedAfterPayment {
        invoices: Vec<String>,
        amount: Sum,
    },
    // A person.
    MatchedBy {
        actor: String,
    },
    RecordedBy {
        actor: String,
    },
    /// The named invoice is settled by a payment a person recorded by hand: this may be the
    /// same money.
    SettledByHand {
        invoice: String,
        payments: Vec<i64>,
    },
    UnmatchedBy {
        actor: String,
    },
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// "FV/1/2026 (exact; the amount fits it alone), …" in the language.
fn read_list(reads: &[Read], lang: Lang) -> String {
    reads
        .iter()
        .map(|r| {
            let how = match (r.reading, lang) {
                (Reading::Exact, Lang::Pl) => "dosłownie",
                (Reading::WithoutPrefix, Lang::Pl) => "bez przedrostka",
                (Reading::WithoutZeros, Lang::Pl) => "bez zer wiodących",
                (Reading::Exact, Lang::En) => "exact",
                (Reading::WithoutPrefix, Lang::En) => "without prefix",
                (Reading::WithoutZeros, Lang::En) => "without leading zeros",
            };
            let chosen = match (r.chosen, lang) {
                (Some(Chosen::AmountFitsItAlone), Lang::Pl) => "; tylko do niej pasuje kwota",
                (Some(Chosen::OnlyOneWrittenSo), Lang::Pl) => "; tylko ona jest tak zapisana",
                (Some(Chosen::AmountFitsItAlone), Lang::En) => "; the amount fits it alone",
                (Some(Chosen::OnlyOneWrittenSo), Lang::En) => "; the only one written this way",
                (None, _) => "",
            };
            format!("{} ({how}{chosen})", r.invoice)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Evidence {
    fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::Pl => self.pl(),
            Lang::En => self.en(),
        }
    }

    fn pl(&self) -> String {
        use Evidence::*;
        let l = Lang::Pl;
        match self {
            PayerAccount { account, client } => {
                format!("rachunek płatnika {account} należy do: {client}")
            }
            AccountOfSeveral { account } => format!("rachunek {account} mają kilku klientów"),
            PayerNip { client } => format!("w tytule jest NIP klienta {client}"),
            NipsOfSeveral => "w tytule są NIP-y kilku klientów".into(),
            PayerName { client } => format!("nazwa płatnika odpowiada klientowi {client}"),
            NameOfSeveral { clients } => {
                format!("nazwa płatnika pasuje do kilku klientów: {}", list(clients))
            }
            NoEvidence => "brak numeru faktury, znanego rachunku, NIP-u i nazwy klienta".into(),
            Refund { word } => format!(
                "tytuł mówi o zwrocie pieniędzy („{word}”), a nie o zapłacie faktury przez klienta"
            ),
            SupplierAccount { account } => format!(
                "rachunek płatnika {account} to rachunek, na który sami płaciliśmy (dostawca), a nie klienta"
            ),
            TitleNames { reads } => format!("tytuł wskazuje: {}", read_list(reads, l)),
            FitsSeveral { token, invoices } => format!(
                "„{token}” z tytułu pasuje do kilku faktur ({}); ani płatnik, ani kwota nie rozstrzygają",
                list(invoices)
            ),
            OfAnotherClient { invoices, client } => {
                format!("tytuł wskazuje {} klienta {client}", list(invoices))
            }
            OtherCurrency { invoices, currency } => format!(
                "tytuł wskazuje {}, ale płatność jest w {currency}",
                list(invoices)
            ),
            OfSeveralClients { invoices } => {
                format!("tytuł wskazuje faktury kilku klientów: {}", list(invoices))
            }
            ExactElsewhere {
                named,
                named_outstanding,
                others,
                client,
                amount,
            } => {
                let state = if named_outstanding.minor == 0 {
                    format!("{named} jest już rozliczona")
                } else {
                    format!("{named} ma do zapłaty {}", named_outstanding.render(l))
                };
                format!(
                    "tytuł wskazuje {named}, ale {state}, a {} klienta {client} ma do zapłaty dokładnie {}",
                    list(others),
                    amount.render(l)
                )
            }
            LikelyTypo {
                named,
                twins,
                amount,
            } => format!(
                "tytuł wskazuje {named}, której kwota się nie zgadza, a {} (różni się jedną cyfrą) ma do zapłaty dokładnie {}: literówka?",
                list(twins),
                amount.render(l)
            ),
            NamesUnknown {
                named,
                fits,
                amount,
            } => {
                let (which, issued) = if named.len() > 1 {
                    ("faktury", "których nie znamy (może wystawione")
                } else {
                    ("fakturę", "której nie znamy (może wystawioną")
                };
                format!(
                    "ale tytuł wskazuje {which} {}, {issued} po ostatniej zaimportowanej liście); {} ma do zapłaty dokładnie {}",
                    list(named),
                    list(fits),
                    amount.render(l)
                )
            }
            InterestNotInvoice { named, amount } => format!(
                "tytuł mówi o odsetkach lub rekompensacie za {named}: {} to nie zapłata samej faktury",
                amount.render(l)
            ),
            SurplusPaysOthers {
                named,
                named_outstanding,
                others,
                client,
                surplus,
            } => format!(
                "tytuł wskazuje {named} (do zapłaty {}), ale wpłata jest o {} wyższa, a dokładnie tyle {} do zapłaty {} klienta {client}: zapłata kilku faktur?",
                named_outstanding.render(l),
                surplus.render(l),
                if others.len() == 1 { "ma" } else { "mają" },
                list(others)
            ),
            Overpayment { surplus } => {
                format!("nadpłata: {} ponad kwotę do zapłaty", surplus.render(l))
            }
            Partial { remains } => {
                format!("zapłata częściowa: pozostaje {}", remains.render(l))
            }
            Prepayment => "wpłata przed wystawieniem faktury (przedpłata)".into(),
            SplitPayment { net, vat } => format!(
                "podzielona płatność: netto {} tutaj, VAT {} na rachunek VAT",
                net.render(l),
                vat.render(l)
            ),
            PrepaymentWithoutNumber => "tytuł mówi o przedpłacie i nie wskazuje faktury".into(),
            BeforeEveryIssue => {
                "pieniądze wpłynęły, zanim wystawiono którąkolwiek z otwartych faktur".into()
            }
            NoOpenInCurrency { currency } => {
                format!("klient nie ma otwartych faktur w {currency}")
            }
            NoOpen => "klient nie ma otwartych faktur".into(),
            OnlyExact { client, amount } => format!(
                "jedyna otwarta faktura klienta {client} z kwotą do zapłaty {}",
                amount.render(l)
            ),
            SeveralExact {
                count,
                client,
                amount,
            } => format!(
                "{count} otwarte faktury klienta {client} mają do zapłaty {}",
                amount.render(l)
            ),
            SetSums { invoices, amount } => format!(
                "otwarte faktury {} dają razem {}",
                invoices.join(" + "),
                amount.render(l)
            ),
            SeveralSets {
                count,
                client,
                amount,
            } => format!(
                "{count} różne zestawy otwartych faktur klienta {client} dają razem {}",
                amount.render(l)
            ),
            IssuedAfterPayment { invoices, amount } if invoices.len() == 1 => format!(
                "{} ma do zapłaty dokładnie {}, ale została wystawiona po wpłacie",
                list(invoices),
                amount.render(l)
            ),
            IssuedAfterPayment { invoices, amount } => format!(
                "{} mają do zapłaty dokładnie {}, ale zostały wystawione po wpłacie",
                list(invoices),
                amount.render(l)
            ),
            MatchedBy { actor } => format!("dopasowane ręcznie przez {actor}"),
            RecordedBy { actor } => format!("wpłata zapisana ręcznie przez {actor}"),
            SettledByHand { invoice, payments } => format!(
                "{invoice} jest już rozliczona wpłatą zapisaną ręcznie (płatność {}); to mogą być te same pieniądze",
                payments
                    .iter()
                    .map(|p| format!("nr {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            UnmatchedBy { actor } => {
                format!("dopasowanie cofnięte przez {actor}; czeka na ręczne dopasowanie")
            }
            NoFit { client, amount } => format!(
                "żadna otwarta faktura ani zestaw faktur klienta {client} nie ma do zapłaty {}",
                amount.render(l)
            ),
        }
    }

    fn en(&self) -> String {
        use Evidence::*;
        let l = Lang::En;
        match self {
            PayerAccount { account, client } => {
                format!("payer's account {account} belongs to {client}")
            }
            AccountOfSeveral { account } => {
                format!("account {account} is known for several clients")
            }
            PayerNip { client } => format!("NIP of {client} in the title"),
            NipsOfSeveral => "the title names NIPs of several clients".into(),
            PayerName { client } => format!("payer's name matches {client}"),
            NameOfSeveral { clients } => {
                format!("payer's name fits several clients: {}", list(clients))
            }
            NoEvidence => "no invoice number, known account, NIP or client name found".into(),
            Refund { word } => format!(
                "the title reads as money sent back (\"{word}\"), not a customer paying an invoice"
            ),
            SupplierAccount { account } => format!(
                "the payer's account {account} is one we paid to (a supplier), not a client's"
            ),
            TitleNames { reads } => format!("title names {}", read_list(reads, l)),
            FitsSeveral { token, invoices } => format!(
                "{token} in the title fits several invoices ({}); the payer and the amount do not decide",
                list(invoices)
            ),
            OfAnotherClient { invoices, client } => {
                format!("the title names {} of {client}", list(invoices))
            }
            OtherCurrency { invoices, currency } => format!(
                "the title names {} but the payment is in {currency}",
                list(invoices)
            ),
            OfSeveralClients { invoices } => {
                format!(
                    "the title names invoices of several clients: {}",
                    list(invoices)
                )
            }
            ExactElsewhere {
                named,
                named_outstanding,
                others,
                client,
                amount,
            } => {
                let state = if named_outstanding.minor == 0 {
                    format!("{named} is already settled")
                } else {
                    format!("{named} has {} outstanding", named_outstanding.render(l))
                };
                format!(
                    "the title names {named}, but {state}, while {} of {client} has exactly {} outstanding",
                    list(others),
                    amount.render(l)
                )
            }
            LikelyTypo {
                named,
                twins,
                amount,
            } => format!(
                "the title names {named}, whose outstanding is not the amount, while {} (one digit apart) has exactly {}: a typo?",
                list(twins),
                amount.render(l)
            ),
            NamesUnknown {
                named,
                fits,
                amount,
            } => format!(
                "but the title names {} {}, which we do not know (perhaps issued after the last list imported); {} has exactly {} outstanding",
                if named.len() > 1 {
                    "invoices"
                } else {
                    "invoice"
                },
                list(named),
                list(fits),
                amount.render(l)
            ),
            InterestNotInvoice { named, amount } => format!(
                "the title speaks of interest or compensation for {named}: {} is not a payment of the invoice itself",
                amount.render(l)
            ),
            SurplusPaysOthers {
                named,
                named_outstanding,
                others,
                client,
                surplus,
            } => format!(
                "the title names {named} ({} outstanding), but the payment is {} more, exactly what {} of {client} {} outstanding: several invoices paid?",
                named_outstanding.render(l),
                surplus.render(l),
                list(others),
                if others.len() == 1 { "has" } else { "have" }
            ),
            Overpayment { surplus } => format!(
                "{} more than was outstanding: overpayment",
                surplus.render(l)
            ),
            Partial { remains } => format!("partial: {} remains", remains.render(l)),
            Prepayment => "paid before the invoice was issued (a prepayment)".into(),
            SplitPayment { net, vat } => format!(
                "split payment: net {} here, VAT {} to the VAT account",
                net.render(l),
                vat.render(l)
            ),
            PrepaymentWithoutNumber => {
                "the title says it is a prepayment, and names no invoice".into()
            }
            BeforeEveryIssue => "the money came before any of its open invoices was issued".into(),
            NoOpenInCurrency { currency } => {
                format!("its open invoices are not in {currency}")
            }
            NoOpen => "it has no open invoices".into(),
            OnlyExact { client, amount } => format!(
                "the only open invoice of {client} with outstanding {}",
                amount.render(l)
            ),
            SeveralExact {
                count,
                client,
                amount,
            } => format!(
                "{count} open invoices of {client} have outstanding {}",
                amount.render(l)
            ),
            SetSums { invoices, amount } => format!(
                "open invoices {} sum to {}",
                invoices.join(" + "),
                amount.render(l)
            ),
            SeveralSets {
                count,
                client,
                amount,
            } => format!(
                "{count} different sets of open invoices of {client} sum to {}",
                amount.render(l)
            ),
            IssuedAfterPayment { invoices, amount } if invoices.len() == 1 => format!(
                "{} has exactly {} outstanding, but was issued after the money came",
                list(invoices),
                amount.render(l)
            ),
            IssuedAfterPayment { invoices, amount } => format!(
                "{} have exactly {} outstanding, but were issued after the money came",
                list(invoices),
                amount.render(l)
            ),
            MatchedBy { actor } => format!("matched by {actor}"),
            RecordedBy { actor } => format!("recorded by {actor}"),
            SettledByHand { invoice, payments } => format!(
                "{invoice} is already settled by a payment recorded by hand (payment {}); this may be the same money",
                payments
                    .iter()
                    .map(|p| format!("no. {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            UnmatchedBy { actor } => {
                format!("unmatched by {actor}; waiting for a manual match")
            }
            NoFit { client, amount } => format!(
                "no open invoice or set of invoices of {client} has outstanding {}",
                amount.render(l)
            ),
        }
    }
}

/// The evidence behind one outcome, in the order it was weighed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reason(pub Vec<Evidence>);

impl Reason {
    pub fn of(e: Evidence) -> Self {
        // Room for what usually follows (the payer, a partial payment or surplus, a split
        // payment): growing from one was a reallocation for most of a million reasons.
        let mut all = Vec::with_capacity(4);
        all.push(e);
        Reason(all)
    }

    pub fn and(mut self, e: Evidence) -> Self {
        self.0.push(e);
        self
    }

    pub fn then(mut self, more: &Reason) -> Self {
        self.0.extend(more.0.iter().cloned());
        self
    }

    pub fn contains(&self, pred: impl Fn(&Evidence) -> bool) -> bool {
        self.0.iter().any(pred)
    }

    /// One sentence in the language, pieces joined by semicolons.
    pub fn render(&self, lang: Lang) -> String {
        self.0
            .iter()
            .map(|e| e.render(lang))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// What is written to the database.
    pub fn to_stored(&self) -> String {
        // Most are 100-200 bytes: one allocation rather than a string grown four times.
        let mut out = Vec::with_capacity(256);
        self.write_stored(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// [`Reason::to_stored`] appended to `out` (UTF-8): a reconciliation writes a batch's
    /// reasons one after another into one buffer. Nothing is appended if it cannot be written.
    pub fn write_stored(&self, out: &mut Vec<u8>) {
        let start = out.len();
        if serde_json::to_writer(&mut *out, &Stored { v: 1, e: self }).is_err() {
            out.truncate(start);
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

#[derive(Serialize)]
struct Stored<'a> {
    v: u8,
    e: &'a Reason,
}

#[derive(Deserialize)]
struct Loaded {
    v: u8,
    e: Reason,
}

/// A reason as read back from the database: structured, or text written as it is (an older
/// reason, or a person's own note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredReason {
    Evidence(Reason),
    Text(String),
}

impl StoredReason {
    pub fn parse(raw: &str) -> Self {
        match serde_json::from_str::<Loaded>(raw) {
            Ok(Loaded { v: 1, e }) => StoredReason::Evidence(e),
            _ => StoredReason::Text(raw.to_string()),
        }
    }

    pub fn render(&self, lang: Lang) -> String {
        match self {
            StoredReason::Evidence(r) => r.render(lang),
            StoredReason::Text(t) => t.clone(),
        }
    }
}

/// Renders a stored reason (JSON or plain text) in the language.
pub fn render_stored(raw: &str, lang: Lang) -> String {
    StoredReason::parse(raw).render(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<Evidence> {
        let s = Sum::new(123_456, Currency::PLN);
        let v = vec!["FV/1/2026".to_string(), "FV/2/2026".to_string()];
        let c = "Bud-Pol S.A.".to_string();
        use Evidence::*;
        vec![
            PayerAccount {
                account: "PL61109010140000071219812874".into(),
                client: c.clone(),
            },
            AccountOfSeveral {
                account: "PL61109010140000071219812874".into(),
            },
            PayerNip { client: c.clone() },
            NipsOfSeveral,
            PayerName { client: c.clone() },
            NameOfSeveral { clients: v.clone() },
            NoEvidence,
            Refund {
                word: "ZWROT".into(),
            },
            SupplierAccount {
                account: "PL61109010140000071219812874".into(),
            },
            TitleNames {
                reads: vec![
                    Read {
                        invoice: "FV/1/2026".into(),
                        reading: Reading::Exact,
                        chosen: None,
                    },
                    Read {
                        invoice: "FV/2/2026".into(),
                        reading: Reading::WithoutZeros,
                        chosen: Some(Chosen::AmountFitsItAlone),
                    },
                    Read {
                        invoice: "FV/3/2026".into(),
                        reading: Reading::WithoutPrefix,
                        chosen: Some(Chosen::OnlyOneWrittenSo),
                    },
                ],
            },
            FitsSeveral {
                token: "1/2026".into(),
                invoices: v.clone(),
            },
            OfAnotherClient {
                invoices: v.clone(),
                client: c.clone(),
            },
            OtherCurrency {
                invoices: v.clone(),
                currency: Currency::EUR,
            },
            OfSeveralClients {
                invoices: v.clone(),
            },
            ExactElsewhere {
                named: "FV/1/2026".into(),
                named_outstanding: Sum::new(0, Currency::PLN),
                others: v.clone(),
                client: c.clone(),
                amount: s,
            },
            ExactElsewhere {
                named: "FV/1/2026".into(),
                named_outstanding: s,
                others: v.clone(),
                client: c.clone(),
                amount: s,
            },
            LikelyTypo {
                named: "FV/1/2026".into(),
                twins: v.clone(),
                amount: s,
            },
            NamesUnknown {
                named: vec!["FV/13/11/2026".into()],
                fits: v.clone(),
                amount: s,
            },
            InterestNotInvoice {
                named: "FV/1/2026".into(),
                amount: s,
            },
            SurplusPaysOthers {
                named: "FV/1/2026".into(),
                named_outstanding: s,
                others: v.clone(),
                client: c.clone(),
                surplus: s,
            },
            Overpayment { surplus: s },
            Partial { remains: s },
            Prepayment,
            SplitPayment { net: s, vat: s },
            PrepaymentWithoutNumber,
            BeforeEveryIssue,
            NoOpenInCurrency {
                currency: Currency::EUR,
            },
            NoOpen,
            OnlyExact {
                client: c.clone(),
                amount: s,
            },
            SeveralExact {
                count: 2,
                client: c.clone(),
                amount: s,
            },
            SetSums {
                invoices: v.clone(),
                amount: s,
            },
            SeveralSets {
                count: 2,
                client: c.clone(),
                amount: s,
            },
            NoFit {
                client: c,
                amount: s,
            },
            IssuedAfterPayment {
                invoices: v.clone(),
                amount: s,
            },
            MatchedBy {
                actor: "anna@firma.pl".into(),
            },
            RecordedBy {
                actor: "anna@firma.pl".into(),
            },
            SettledByHand {
                invoice: "FV/1/2026".into(),
                payments: vec![12],
            },
            UnmatchedBy {
                actor: "anna@firma.pl".into(),
            },
        ]
    }

    #[test]
    fn a_stored_reason_reads_back_the_same() {
        let r = Reason(every());
        let raw = r.to_stored();
        assert_eq!(StoredReason::parse(&raw), StoredReason::Evidence(r));
    }

    #[test]
    fn text_that_is_not_a_stored_reason_is_shown_as_written() {
        for raw in [
            "payer's name matches X",
            "{\"v\":2,\"e\":[]}",
            "[1,2]",
            "klient dzwonił, czekamy",
        ] {
            assert_eq!(render_stored(raw, Lang::Pl), raw);
        }
    }

    /// Polish reasons are Polish: amounts in Polish format, none of the English words, no
    /// identifiers of the code.
    #[test]
    fn polish_reasons_are_polish_and_english_ones_english() {
        for e in every() {
            let pl = e.render(Lang::Pl);
            let en = e.render(Lang::En);
            assert_ne!(pl, en);
            for w in [
                " the ", " of ", " but ", "invoice", "payer", "title", "amount", "_", "{", "}",
            ] {
                assert!(!pl.contains(w), "{pl:?} has {w:?}");
            }
            if pl.contains("PLN") {
                assert!(pl.contains("1 234,56 PLN"), "{pl}");
                assert!(en.contains("1,234.56 PLN"), "{en}");
            }
            for w in ["faktur", "płatnik", "tytuł", "klient"] {
                assert!(!en.contains(w), "{en:?} has {w:?}");
            }
        }
    }
}
