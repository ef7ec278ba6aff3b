//! Any bytes as an MT940 statement: records or a located refusal, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skarbnik::ingest::{ParseContext, mt940};

fuzz_target!(|data: &[u8]| {
    let _ = mt940::parse("fuzz.sta", data, &ParseContext::default());
});
