//! Validated domain types. Plain strings from files and mails become these at the boundary; everything
//! past the boundary can rely on their invariants (a `Nip` has a valid checksum, a `Money` has at most
//! two decimal places, ...). No I/O here.

mod account;
mod digest;
pub mod email;
mod hold;
pub mod invoice_number;
mod lang;
mod money;
pub mod months;
mod name;
mod nip;
mod payment;
mod said;
mod settlement;
pub mod text;

pub use account::{BankAccount, grouped_account};
pub use digest::{Sha256, hex, sha256_hex, sha256_hex_reader};
pub use hold::{Hold, HoldEnd, HoldKind};
pub use invoice_number::InvoiceNumber;
pub use lang::Lang;
pub use money::{Currency, Money, MoneyError, amount_of, format_en, format_pl, minor_of};
pub use name::name_key;
pub use nip::{Nip, TaxId};
pub use payment::{PaymentKind, Rule};
pub use said::Said;
pub use settlement::Settlement;

/// Why a value from outside was not accepted as a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("NIP {0:?} must have 10 digits")]
    NipLength(String),
    #[error("NIP {0:?} has a wrong check digit")]
    NipChecksum(String),
    #[error("account number {0:?} is not a valid NRB or IBAN")]
    Account(String),
    #[error("invoice number is empty")]
    EmptyInvoiceNumber,
}

impl DomainError {
    /// In both languages.
    pub fn said(&self) -> Said {
        match self {
            DomainError::NipLength(n) => crate::said!(
                "NIP {n:?} musi mieć 10 cyfr",
                "NIP {n:?} must have 10 digits"
            ),
            DomainError::NipChecksum(n) => crate::said!(
                "NIP {n:?} ma błędną cyfrę kontrolną",
                "NIP {n:?} has a wrong check digit"
            ),
            DomainError::Account(a) => crate::said!(
                "numer rachunku {a:?} nie jest poprawnym NRB ani IBAN",
                "account number {a:?} is not a valid NRB or IBAN"
            ),
            DomainError::EmptyInvoiceNumber => {
                crate::said!("numer faktury jest pusty", "invoice number is empty")
            }
        }
    }
}
