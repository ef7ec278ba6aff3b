//! Client conversations, the pure part: what a reply says ([`intent`]), the reply without its
//! quoted history ([`clean`]), dates as clients write them ([`when`]), and which of the client's
//! invoices a text names ([`mentions`]). No I/O: `services::inbound::client_reply` acts on it.

pub mod clean;
pub mod confirmation;
pub mod intent;
#[cfg(test)]
mod tests;
pub mod when;

pub use intent::{Found, Intent, Reading};

use crate::domain::InvoiceNumber;
use crate::reconcile::titles;
use chrono::NaiveDate;

/// Reads what a client wrote: intents with their evidence, and a promised date.
pub fn read_reply(body: &str, confirmation: Option<&str>, today: NaiveDate) -> Reading {
    intent::read(&clean::reply_text(body), confirmation, today)
}

/// The indexes of `numbers` that the text names: written exactly, without a generic prefix, or
/// without leading zeros (as the matcher reads payment titles).
pub fn mentions(text: &str, numbers: &[InvoiceNumber]) -> Vec<usize> {
    let tokens = titles::number_candidates(text);
    let mut out = Vec::new();
    for (k, n) in numbers.iter().enumerate() {
        let core = n.core();
        let plain = titles::without_leading_zeros(core);
        let named = tokens.iter().filter(|t| !t.joined).any(|t| {
            let c = InvoiceNumber::parse(&t.text)
                .map(|x| x.core().to_string())
                .unwrap_or_else(|_| t.text.clone());
            t.text == n.canonical() || c == core || titles::without_leading_zeros(&c) == plain
        });
        if named {
            out.push(k);
        }
    }
    out
}

/// Whether an attachment looks like a bank's transfer confirmation, by its name or its text.
pub fn is_transfer_confirmation(name: &str, text: Option<&str>) -> bool {
    let folded = crate::domain::text::fold_diacritics(name).to_lowercase();
    let by_name = [
        "potwierdzenie",
        "confirmation",
        "przelew",
        "transfer",
        "payment",
    ]
    .iter()
    .any(|w| folded.contains(w));
    let by_text = text.is_some_and(|t| {
        let t = crate::domain::text::fold_diacritics(t).to_lowercase();
        (t.contains("potwierdzenie") && (t.contains("przelew") || t.contains("transakc")))
            || t.contains("payment confirmation")
            || t.contains("transfer confirmation")
    });
    by_name || by_text
}
