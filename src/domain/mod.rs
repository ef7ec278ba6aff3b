//! Validated domain types. Plain strings from files and mails become these at the boundary; everything
//! past the boundary can rely on their invariants (a `Nip` has a valid checksum, a `Money` has at most
//! two decimal places, ...). No I/O here.

mod account;
pub mod invoice_number;
mod money;
mod name;
mod nip;
pub mod text;

pub use account::BankAccount;
pub use invoice_number::InvoiceNumber;
pub use money::{Currency, Money, MoneyError, amount_of, format_en, format_pl};
pub use name::name_key;
pub use nip::Nip;

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
