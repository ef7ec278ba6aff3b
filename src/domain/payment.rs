//! What a bank operation is to us, and the rule that allocated it to an invoice: the vocabulary
//! the parser, the matcher, the store and the reports share.

use serde::{Deserialize, Serialize};

/// What a bank row is to us. Only `Incoming` can pay an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// Money from a customer (or anyone else): a candidate to pay invoices.
    Incoming,
    /// A transfer we made.
    Outgoing,
    /// A bank fee or commission.
    Fee,
    /// The VAT leg of a split payment credited to our VAT sub-account: part of a customer payment
    /// whose net leg carries the title, never a payment of its own.
    VatLeg,
    /// Money moved between our own accounts.
    Internal,
}

impl PaymentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentKind::Incoming => "incoming",
            PaymentKind::Outgoing => "outgoing",
            PaymentKind::Fee => "fee",
            PaymentKind::VatLeg => "vat_leg",
            PaymentKind::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentKind> {
        [
            PaymentKind::Incoming,
            PaymentKind::Outgoing,
            PaymentKind::Fee,
            PaymentKind::VatLeg,
            PaymentKind::Internal,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Why an allocation was made: each one records its rule, so a person can see how sure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    InvoiceNumber,
    Account,
    Nip,
    Name,
    Manual,
}

impl Rule {
    pub fn as_str(&self) -> &'static str {
        match self {
            Rule::InvoiceNumber => "invoice_number",
            Rule::Account => "account",
            Rule::Nip => "nip",
            Rule::Name => "name",
            Rule::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        [
            Rule::InvoiceNumber,
            Rule::Account,
            Rule::Nip,
            Rule::Name,
            Rule::Manual,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}
