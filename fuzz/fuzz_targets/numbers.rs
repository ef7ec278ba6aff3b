//! The amount, date, NIP, account and invoice number parsers on any text: never panic, and an
//! accepted amount always has at most two decimal places.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skarbnik::domain::{BankAccount, InvoiceNumber, Nip};
use skarbnik::ingest::numbers::{parse_amount, parse_date};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(a) = parse_amount(s) {
            assert!(a.value.scale() <= 2);
        }
        let _ = parse_date(s);
        let _ = Nip::parse(s);
        let _ = BankAccount::parse(s);
        let _ = InvoiceNumber::parse(s);
    }
});
