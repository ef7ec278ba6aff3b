use super::{DomainError, text};
use std::fmt;

/// A Polish tax identification number with a valid checksum.
///
/// Accepts the forms people write: `526-104-08-28`, `526 104 08 28`, `PL5261040828`.
/// Displays as ten digits, which is how KSeF and the white list use it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nip(String);

const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];

impl Nip {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        let without_prefix = trimmed
            .strip_prefix("PL")
            .or_else(|| trimmed.strip_prefix("pl"))
            .unwrap_or(trimmed);
        let allowed = without_prefix
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || text::is_space(c));
        let digits = text::digits(without_prefix);
        if !allowed || digits.len() != 10 {
            return Err(DomainError::NipLength(raw.to_string()));
        }
        if !Self::checksum_ok(&digits) {
            return Err(DomainError::NipChecksum(raw.to_string()));
        }
        Ok(Nip(digits))
    }

    /// The NIP checksum: weighted sum of the first nine digits mod 11 equals the tenth; a remainder
    /// of 10 never makes a valid NIP.
    fn checksum_ok(digits: &str) -> bool {
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = WEIGHTS.iter().zip(&d).map(|(w, x)| w * x).sum();
        let check = sum % 11;
        check != 10 && check == d[9]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "5261040828",
            "526-104-08-28",
            "PL 526 104 08 28",
            "PL5261040828",
        ] {
            assert_eq!(
                Nip::parse(s).map(|n| n.to_string()),
                Ok("5261040828".to_string()),
                "{s}"
            );
        }
    }

    #[test]
    fn rejects_bad_checksum_and_length() {
        assert!(matches!(
            Nip::parse("5261040827"),
            Err(DomainError::NipChecksum(_))
        ));
        assert!(matches!(
            Nip::parse("526104082"),
            Err(DomainError::NipLength(_))
        ));
        assert!(matches!(
            Nip::parse("52610408281"),
            Err(DomainError::NipLength(_))
        ));
        assert!(matches!(
            Nip::parse("52610A0828"),
            Err(DomainError::NipLength(_))
        ));
    }

    fn with_check_digit(nine: [u32; 9]) -> Option<String> {
        let sum: u32 = WEIGHTS.iter().zip(&nine).map(|(w, x)| w * x).sum();
        let check = sum % 11;
        (check != 10).then(|| nine.iter().chain([&check]).map(|d| d.to_string()).collect())
    }

    proptest! {
        #[test]
        fn every_generated_valid_nip_parses(nine in proptest::array::uniform9(0u32..10)) {
            if let Some(s) = with_check_digit(nine) {
                prop_assert_eq!(Nip::parse(&s).map(|n| n.0), Ok(s.clone()));
            }
        }

        #[test]
        fn changing_one_digit_breaks_the_checksum(nine in proptest::array::uniform9(0u32..10), pos in 0usize..10, delta in 1u32..10) {
            if let Some(s) = with_check_digit(nine) {
                let mut d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
                d[pos] = (d[pos] + delta) % 10;
                let changed: String = d.iter().map(|x| x.to_string()).collect();
                // Weights are all non-zero and 11 is prime, so a single changed digit always changes
                // the sum mod 11: the result is never a valid NIP.
                prop_assert!(Nip::parse(&changed).is_err());
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = Nip::parse(&s);
        }
    }
}
