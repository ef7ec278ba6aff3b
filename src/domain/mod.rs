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
mod name;
mod nip;
mod payment;
mod settlement;
pub mod text;

pub use account::BankAccount;
pub use digest::sha256_hex;
pub use hold::{Hold, HoldEnd, HoldKind};
pub use invoice_number::InvoiceNumber;
pub use lang::Lang;
pub use money::{Currency, Money, MoneyError, amount_of, format_en, format_pl, minor_of};
pub use name::name_key;
pub use nip::Nip;
pub use payment::{PaymentKind, Rule};
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
