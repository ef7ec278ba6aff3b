//! E-mail addresses as we compare them: the bare address, lower-cased.

use anyhow::{Context, Result};
use lettre::message::Mailbox;

/// Parses `Name <a@b>` or `a@b` into a mailbox usable in headers and envelopes.
pub fn parse_mailbox(text: &str) -> Result<Mailbox> {
    text.trim()
        .parse::<Mailbox>()
        .with_context(|| format!("not an e-mail address: {text:?}"))
}

pub use crate::domain::email::{bare, domain, is_unanswerable, listed};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_parse() {
        let m = parse_mailbox("Dział Należności <naleznosci@example.pl>").unwrap();
        assert_eq!(m.email.to_string(), "naleznosci@example.pl");
        assert!(parse_mailbox("not an address").is_err());
    }
}
