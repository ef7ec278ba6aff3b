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

    /// A foreign buyer's VAT id as written in a NIP column (`DE811569869`, `GB 123 4567 89`,
    /// `CHE-123.456.789`): two letters other than `PL` and then letters and digits, returned
    /// without spaces, dashes and dots, upper case. Not a NIP that fails its checksum: a
    /// foreign client has one of these instead, so the caller keeps it without a warning.
    fn foreign_vat_id(raw: &str) -> Option<String> {
        let compact: String = raw
            .chars()
            .filter(|c| !text::is_space(*c) && !matches!(c, '-' | '.'))
            .collect::<String>()
            .to_uppercase();
        let bytes = compact.as_bytes();
        let foreign = bytes.len() > 3
            && bytes[..2].iter().all(u8::is_ascii_alphabetic)
            && !compact.starts_with("PL")
            && bytes.iter().all(u8::is_ascii_alphanumeric)
            && bytes.iter().any(u8::is_ascii_digit);
        foreign.then_some(compact)
    }

    /// Whether `raw` is a PESEL, a person's national ID number, rather than a NIP.
    ///
    /// ERPs export one "NIP/PESEL" column: a sole trader or consumer without a NIP has their
    /// PESEL there. It identifies a person, not a company, and skarbnik has no use for it, so the
    /// caller keeps it out of the NIP field instead of storing it as a NIP that fails its
    /// checksum. Eleven digits (spaces and dashes allowed), a valid check digit, and a month that
    /// PESEL's century encoding allows (1–12 plus 20, 40, 60 or 80) with a day of 1–31.
    fn is_pesel(raw: &str) -> bool {
        let trimmed = raw.trim();
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || text::is_space(c))
        {
            return false;
        }
        let digits = text::digits(trimmed);
        if digits.len() != 11 {
            return false;
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let month = (d[2] * 10 + d[3]) % 20;
        let day = d[4] * 10 + d[5];
        let sum: u32 = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
            .iter()
            .zip(&d)
            .map(|(w, x)| w * x)
            .sum();
        (1..=12).contains(&month) && (1..=31).contains(&day) && (10 - sum % 10) % 10 == d[10]
    }
}

/// What a buyer's tax-id column holds, read once for every reader of such columns (receivables,
/// contact lists, billing lists): a Polish NIP, a foreign VAT id, a person's PESEL, or a NIP
/// written wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxId {
    Nip(Nip),
    /// A foreign VAT id, compact and upper case (see [`Nip::foreign_vat_id`]).
    Foreign(String),
    /// A PESEL: a person, not a company; nothing to keep (see [`Nip::is_pesel`]).
    Pesel,
    /// Neither: a NIP of the wrong length or with a wrong check digit.
    Invalid(DomainError),
}

impl TaxId {
    pub fn read(raw: &str) -> TaxId {
        if Nip::is_pesel(raw) {
            return TaxId::Pesel;
        }
        if let Some(id) = Nip::foreign_vat_id(raw) {
            return TaxId::Foreign(id);
        }
        match Nip::parse(raw) {
            Ok(n) => TaxId::Nip(n),
            Err(e) => TaxId::Invalid(e),
        }
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
    fn a_foreign_vat_id_is_told_from_a_nip() {
        for (raw, id) in [
            ("DE811569869", "DE811569869"),
            ("GB 123 4567 89", "GB123456789"),
            ("CHE-123.456.789", "CHE123456789"),
            ("nl123456789b01", "NL123456789B01"),
        ] {
            assert_eq!(Nip::foreign_vat_id(raw).as_deref(), Some(id), "{raw}");
        }
        for raw in ["PL5261040828", "5261040828", "brak", "n/a", "DE", "DE-"] {
            assert_eq!(Nip::foreign_vat_id(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_pesel_is_told_from_a_nip() {
        // Valid PESELs: born 1944-05-14 (month 05), 2002-12-31 (month 32 = December, 2000s).
        for s in ["44051401359", "440514-01359", "02323112349"] {
            assert!(Nip::is_pesel(s), "{s}");
        }
        // A NIP, a wrong check digit, month 13 and day 00 (both with a valid check digit), a prefix.
        for s in [
            "5261040828",
            "44051401358",
            "44131401350",
            "44050001352",
            "PL44051401359",
        ] {
            assert!(!Nip::is_pesel(s), "{s}");
        }
    }

    #[test]
    fn a_tax_id_column_is_read_as_what_it_holds() {
        assert_eq!(
            TaxId::read("PL 526-104-08-28"),
            TaxId::Nip(Nip::parse("5261040828").unwrap())
        );
        assert_eq!(
            TaxId::read("DE 811 569 869"),
            TaxId::Foreign("DE811569869".into())
        );
        assert_eq!(TaxId::read("44051401359"), TaxId::Pesel);
        assert!(matches!(
            TaxId::read("5261040827"),
            TaxId::Invalid(DomainError::NipChecksum(_))
        ));
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
