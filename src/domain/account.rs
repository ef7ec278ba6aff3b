use super::{DomainError, text};
use iban::IbanLike;
use std::fmt;

/// A bank account number with a valid check sum, stored in electronic IBAN form (`PL61109010140000071219812874`).
///
/// Polish exports write the 26-digit NRB without a country code, often with spaces, dashes or in
/// single quotes (`'78114020045260181590830166'`); foreign counterparties send full IBANs. Both are
/// accepted; an NRB is read as a Polish IBAN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BankAccount(String);

impl BankAccount {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        // One string, built once: every operation of a statement has an account to read.
        let mut candidate = String::with_capacity(raw.len() + 2);
        candidate.push_str("PL");
        for c in raw.chars() {
            if !(text::is_space(c) || matches!(c, '-' | '\'' | '"' | '/')) {
                candidate.push(c.to_ascii_uppercase());
            }
        }
        let compact = &candidate[2..];
        if !(compact.len() == 26 && compact.bytes().all(|b| b.is_ascii_digit())) {
            candidate.drain(..2);
        }
        match candidate.parse::<iban::Iban>() {
            Ok(iban) => Ok(BankAccount(iban.electronic_str().to_string())),
            Err(_) => Err(DomainError::Account(raw.trim().to_string())),
        }
    }

    /// Electronic IBAN form, no spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Polish 26-digit NRB for a PL account, else the IBAN.
    pub fn nrb(&self) -> &str {
        self.0.strip_prefix("PL").unwrap_or(&self.0)
    }
}

/// An account number as people read it: an NRB as `61 1090 1014 …`, an IBAN as
/// `PL61 1090 1014 …` (groups of four after the check digits).
pub fn grouped_account(account: &str) -> String {
    let chars: Vec<char> = account.chars().filter(|c| !c.is_whitespace()).collect();
    let (head, rest) = if chars.len() == 26 {
        (chars[..2].iter().collect::<String>(), &chars[2..])
    } else {
        (String::new(), &chars[..])
    };
    let groups: Vec<String> = rest.chunks(4).map(|c| c.iter().collect()).collect();
    if head.is_empty() {
        groups.join(" ")
    } else {
        format!("{head} {}", groups.join(" "))
    }
}

impl fmt::Display for BankAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_grouped_as_people_read_them() {
        assert_eq!(
            grouped_account("55114000009378657975432319"),
            "55 1140 0000 9378 6579 7543 2319"
        );
        assert_eq!(
            grouped_account("PL55114000009378657975432319"),
            "PL55 1140 0000 9378 6579 7543 2319"
        );
    }
    use proptest::prelude::*;

    #[test]
    fn accepts_nrb_in_bank_spellings() {
        for s in [
            "78114020045260181590830166",
            "78 1140 2004 5260 1815 9083 0166",
            "'78114020045260181590830166'",
            "PL78114020045260181590830166",
            "pl78 1140 2004 5260 1815 9083 0166",
        ] {
            assert_eq!(
                BankAccount::parse(s).map(|a| a.to_string()),
                Ok("PL78114020045260181590830166".to_string()),
                "{s}"
            );
        }
    }

    #[test]
    fn accepts_foreign_iban() {
        let a = BankAccount::parse("DE89 3704 0044 0532 0130 00").unwrap();
        assert_eq!(a.as_str(), "DE89370400440532013000");
        assert_eq!(a.nrb(), "DE89370400440532013000");
    }

    #[test]
    fn rejects_bad_checksum() {
        assert!(BankAccount::parse("79114020045260181590830166").is_err());
        assert!(BankAccount::parse("").is_err());
        assert!(BankAccount::parse("1234").is_err());
    }

    /// Builds a valid NRB from 24 digits by computing the two check digits (ISO 7064 mod 97-10).
    fn nrb_from(body: &[u8]) -> String {
        let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
        // Move "PL00" to the end: P=25, L=21.
        let numeric = format!("{digits}252100");
        let rem = numeric
            .bytes()
            .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
        format!("{:02}{digits}", 98 - rem)
    }

    proptest! {
        #[test]
        fn generated_nrb_round_trips(body in proptest::collection::vec(0u8..10, 24)) {
            let nrb = nrb_from(&body);
            let a = BankAccount::parse(&nrb);
            prop_assert!(a.is_ok(), "{} rejected", nrb);
            let a = a.unwrap();
            prop_assert_eq!(a.nrb(), nrb.as_str());
        }

        #[test]
        fn one_changed_digit_is_rejected(body in proptest::collection::vec(0u8..10, 24), pos in 0usize..26, delta in 1u8..10) {
            let nrb = nrb_from(&body);
            let mut bytes = nrb.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(BankAccount::parse(&changed).is_err());
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = BankAccount::parse(&s);
        }
    }
}
