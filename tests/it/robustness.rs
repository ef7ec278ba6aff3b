//! The fuzz targets' contract on stable Rust: `parse_report` never panics, whatever the bytes.
//! Random bytes rarely get past decoding, so the fixtures are also mutated (bytes flipped,
//! truncated, lines duplicated), which reaches recognition and extraction.

use super::support::fixtures;
use proptest::prelude::*;
use skarbnik::ingest::profile::Profile;
use skarbnik::ingest::{ParseContext, parse_report};
use std::sync::LazyLock;

static PROFILES: LazyLock<Vec<Profile>> = LazyLock::new(|| Profile::load_all(None).unwrap());

static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(fixtures().join("reports")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension()
                .is_some_and(|e| e == "csv" || e == "sta" || e == "xml")
            {
                out.push(std::fs::read(f).unwrap());
            }
        }
    }
    out.sort();
    out
});

fn parse(bytes: &[u8]) {
    let _ = parse_report("mutant.csv", bytes, &PROFILES, &ParseContext::default());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        parse(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        seed in 0usize..64,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        dup in any::<prop::sample::Index>(),
    ) {
        let mut bytes = SEEDS[seed % SEEDS.len()].clone();
        for (at, b) in flips {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
        }
        // Duplicate one line, then cut the file somewhere.
        let text_lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let d = dup.index(text_lines.len().max(1));
        let mut mutated = Vec::new();
        for (i, l) in text_lines.iter().enumerate() {
            mutated.extend_from_slice(l);
            mutated.push(b'\n');
            if i == d {
                mutated.extend_from_slice(l);
                mutated.push(b'\n');
            }
        }
        let end = cut.index(mutated.len() + 1);
        parse(&mutated[..end]);
    }

    #[test]
    fn text_reports_with_random_cells_never_panic(cells in proptest::collection::vec("[-+0-9 ,.;\"'\\n\\PC]{0,12}", 0..40)) {
        let mut s = String::from("Numer faktury;Kontrahent;Termin płatności;Brutto;Pozostało do zapłaty\n");
        for chunk in cells.chunks(5) {
            s.push_str(&chunk.join(";"));
            s.push('\n');
        }
        parse(s.as_bytes());
        let mut s = String::from("Data księgowania;Tytuł;Kwota;Saldo po operacji\n#Saldo początkowe;10,00\n");
        for chunk in cells.chunks(4) {
            s.push_str(&chunk.join(";"));
            s.push('\n');
        }
        parse(s.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The MT940 fuzz target's contract, on stable: tag lines with random bodies never panic.
    #[test]
    fn mt940_with_random_fields_never_panics(fields in proptest::collection::vec(("(20|25|28C|60F|61|86|62F|64)", "\\PC{0,40}"), 0..30)) {
        let mut s = String::new();
        for (tag, body) in fields {
            s.push_str(&format!(":{tag}:{body}\n"));
        }
        let _ = skarbnik::ingest::mt940::parse("fuzz.sta", s.as_bytes(), &ParseContext::default());
    }
}
