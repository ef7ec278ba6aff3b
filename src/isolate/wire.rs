//! The worker's batches of operations on the wire: postcard (a compact binary serde format), not
//! JSON. A million-row statement is a million operations through the pipe, and as JSON each was
//! written with its field names, its amounts and days as text, then read back and parsed again:
//! about a fifth of the worker's time and two fifths of the reading thread's. Here a day is its
//! number, an amount its mantissa and scale, and a field its place.
//!
//! Nothing the parent reads is trusted more than before: a day, an amount or a currency that is
//! not one makes the batch unreadable, as a broken JSON frame did.

use crate::domain::{Currency, PaymentKind};
use crate::ingest::statement::StatementRow;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A [`StatementRow`] as it travels, borrowing its texts from the row (writing) or from the
/// frame (reading).
#[derive(Serialize, Deserialize)]
struct WireRow<'a> {
    row: u64,
    booking_date: i32,
    value_date: Option<i32>,
    amount: WireDecimal,
    currency: &'a str,
    kind: PaymentKind,
    counterparty_name: Option<&'a str>,
    counterparty_address: Option<&'a str>,
    counterparty_account: Option<&'a str>,
    account_valid: Option<bool>,
    title: &'a str,
    tx_type: Option<&'a str>,
    bank_ref: Option<&'a str>,
    balance_after: Option<WireDecimal>,
}

/// A decimal as its mantissa and scale.
#[derive(Serialize, Deserialize)]
struct WireDecimal(i128, u32);

impl From<Decimal> for WireDecimal {
    fn from(d: Decimal) -> Self {
        WireDecimal(d.mantissa(), d.scale())
    }
}

impl WireDecimal {
    fn decimal(&self) -> Option<Decimal> {
        Decimal::try_from_i128_with_scale(self.0, self.1).ok()
    }
}

fn day_number(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce()
}

fn day(n: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(n)
}

/// Appends a batch of operations to `out`.
pub fn encode_rows(rows: &[StatementRow], out: &mut Vec<u8>) -> Result<(), postcard::Error> {
    let wire: Vec<WireRow<'_>> = rows
        .iter()
        .map(|r| WireRow {
            row: r.row as u64,
            booking_date: day_number(r.booking_date),
            value_date: r.value_date.map(day_number),
            amount: r.amount.into(),
            currency: r.currency.as_str(),
            kind: r.kind,
            counterparty_name: r.counterparty_name.as_deref(),
            counterparty_address: r.counterparty_address.as_deref(),
            counterparty_account: r.counterparty_account.as_deref(),
            account_valid: r.account_valid,
            title: &r.title,
            tx_type: r.tx_type.as_deref(),
            bank_ref: r.bank_ref.as_deref(),
            balance_after: r.balance_after.map(Into::into),
        })
        .collect();
    let encoded = postcard::to_extend(&wire, std::mem::take(out))?;
    *out = encoded;
    Ok(())
}

/// Reads a batch written by [`encode_rows`]; `None` when it is not one (a whole batch or
/// nothing: the frame came from a worker that misbehaved).
pub fn decode_rows(frame: &[u8]) -> Option<Vec<StatementRow>> {
    let wire: Vec<WireRow<'_>> = match postcard::take_from_bytes(frame) {
        Ok((w, [])) => w,
        _ => return None,
    };
    wire.into_iter()
        .map(|w| {
            Some(StatementRow {
                row: usize::try_from(w.row).ok()?,
                booking_date: day(w.booking_date)?,
                value_date: match w.value_date {
                    Some(n) => Some(day(n)?),
                    None => None,
                },
                amount: w.amount.decimal()?,
                currency: Currency::parse(w.currency)?,
                kind: w.kind,
                counterparty_name: w.counterparty_name.map(str::to_string),
                counterparty_address: w.counterparty_address.map(str::to_string),
                counterparty_account: w.counterparty_account.map(str::to_string),
                account_valid: w.account_valid,
                title: w.title.to_string(),
                tx_type: w.tx_type.map(str::to_string),
                bank_ref: w.bank_ref.map(str::to_string),
                balance_after: match w.balance_after {
                    Some(b) => Some(b.decimal()?),
                    None => None,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(k: usize) -> StatementRow {
        StatementRow {
            row: k,
            booking_date: NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(),
            value_date: (k.is_multiple_of(2)).then(|| NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            amount: if k.is_multiple_of(3) {
                Decimal::new(-12345, 1)
            } else {
                Decimal::new(1, 3)
            },
            currency: Currency::parse(if k.is_multiple_of(2) { "PLN" } else { "EUR" }).unwrap(),
            kind: if k.is_multiple_of(3) {
                PaymentKind::Outgoing
            } else {
                PaymentKind::Incoming
            },
            counterparty_name: Some(format!("ŻÓŁW {k} SP. Z O.O.")),
            counterparty_address: None,
            counterparty_account: Some("PL61109010140000071219812874".into()),
            account_valid: Some(k.is_multiple_of(2)),
            title: format!("FV/{k}/02/2026 \"zapłata\"\n;"),
            tx_type: None,
            bank_ref: Some(String::new()),
            balance_after: (!k.is_multiple_of(2)).then_some(Decimal::MAX),
        }
    }

    #[test]
    fn a_batch_reads_back_as_it_was_written() {
        let rows: Vec<StatementRow> = (0..7).map(row).collect();
        let mut out = vec![0xAA];
        encode_rows(&rows, &mut out).unwrap();
        assert_eq!(out[0], 0xAA, "appended after what the buffer held");
        assert_eq!(decode_rows(&out[1..]).unwrap(), rows);
        assert_eq!(decode_rows(&[0]).unwrap(), Vec::<StatementRow>::new());
        assert!(decode_rows(&[0, 0]).is_none(), "bytes after the batch");
    }

    /// A frame cut short, or one whose day, amount or currency is not one, is unreadable as a
    /// whole; no byte string makes reading it panic.
    #[test]
    fn a_damaged_batch_is_refused_whole() {
        let rows: Vec<StatementRow> = (0..3).map(row).collect();
        let mut out = Vec::new();
        encode_rows(&rows, &mut out).unwrap();
        for cut in 0..out.len() {
            assert!(decode_rows(&out[..cut]).is_none(), "cut at {cut}");
        }
        let bad = |w: WireRow<'_>| {
            let out = postcard::to_extend(&vec![w], Vec::new()).unwrap();
            decode_rows(&out)
        };
        let good = || WireRow {
            row: 1,
            booking_date: day_number(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            value_date: None,
            amount: WireDecimal(100, 2),
            currency: "PLN",
            kind: PaymentKind::Incoming,
            counterparty_name: None,
            counterparty_address: None,
            counterparty_account: None,
            account_valid: None,
            title: "t",
            tx_type: None,
            bank_ref: None,
            balance_after: None,
        };
        assert!(bad(good()).is_some());
        assert!(
            bad(WireRow {
                booking_date: i32::MAX,
                ..good()
            })
            .is_none()
        );
        assert!(
            bad(WireRow {
                value_date: Some(i32::MIN),
                ..good()
            })
            .is_none()
        );
        assert!(
            bad(WireRow {
                amount: WireDecimal(1, 29),
                ..good()
            })
            .is_none()
        );
        assert!(
            bad(WireRow {
                amount: WireDecimal(i128::MAX, 0),
                ..good()
            })
            .is_none()
        );
        assert!(
            bad(WireRow {
                currency: "XYZ",
                ..good()
            })
            .is_none()
        );
        assert!(
            bad(WireRow {
                balance_after: Some(WireDecimal(1, 40)),
                ..good()
            })
            .is_none()
        );
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            let mut junk = out.clone();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % junk.len() as u64) as usize;
            junk[at] = (seed >> 32) as u8;
            let _ = decode_rows(&junk);
        }
    }
}
