//! Any bytes as a report file: decoding, CSV and spreadsheet reading, recognition and extraction
//! must return records or a located error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skarbnik::ingest::profile::Profile;
use skarbnik::ingest::{ParseContext, parse_report};
use std::sync::LazyLock;

static PROFILES: LazyLock<Vec<Profile>> = LazyLock::new(|| Profile::load_all(None).unwrap_or_default());

fuzz_target!(|data: &[u8]| {
    let ctx = ParseContext::default();
    let _ = parse_report("fuzz.csv", data, &PROFILES, &ctx);
});
