//! A standing hostile-input campaign: a corpus generator (bombs, damaged containers, absurd
//! shapes, and truncations and bit flips of every fixture) run through the real `skarbnik import`
//! with its isolated parser, and hostile mails through the Maildir daemon. Each case must end in
//! exit 0 or 1 (no signal), a located message, no row dropped without a word, a refusal by the
//! parser's own bounds (not by the process limits), within 5 s and 256 MB; afterwards a valid
//! import still works and `PRAGMA integrity_check` says ok.
//!
//! CI runs a fast slice (sizes scaled down with `max_inflated_mb = 32`). `SKARBNIK_HOSTILE=full`
//! runs every fixture mutation with the default limits (see README, "Hostile input").

use super::support::fixtures;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;
use zip::write::SimpleFileOptions;

const BIN: &str = env!("CARGO_BIN_EXE_skarbnik");
const MAX_SECONDS: f64 = 5.0;
const MAX_RSS_KB: i64 = 256 * 1024;

/// What a case must end in.
enum Expect {
    /// Refused, with a cause containing this.
    Refused(&'static str),
    /// Refused or imported, as long as the rules hold.
    Any,
}

struct Case {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

fn case(name: &str, bytes: Vec<u8>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        bytes,
        expect,
    }
}

// ---------------------------------------------------------------------------------------------
// The generator.

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

/// The members of a zip, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().map(|n| n.to_string()).unwrap_or_default(), v)
        })
        .collect()
}

/// An XLSX fixture with one part replaced.
fn xlsx_with(part: &str, content: &[u8]) -> Vec<u8> {
    let base = std::fs::read(fixtures().join("reports/erp/rejestr-sprzedazy.xlsx")).unwrap();
    let members = unzip(&base);
    let members: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, b)| {
            if n == part {
                (n.as_str(), content)
            } else {
                (n.as_str(), b.as_slice())
            }
        })
        .collect();
    zip_of(&members)
}

/// An XLSX whose stored CRC of one part does not match its data.
fn xlsx_bad_crc() -> Vec<u8> {
    let mut bytes = std::fs::read(fixtures().join("reports/erp/rejestr-sprzedazy.xlsx")).unwrap();
    let name = b"xl/worksheets/sheet1.xml";
    // The CRC sits 14 bytes into a local header and 16 into a central directory entry.
    for (sig, at) in [(b"PK\x03\x04", 14usize), (b"PK\x01\x02", 16usize)] {
        let mut i = 0;
        while let Some(p) = find(&bytes[i..], sig) {
            let start = i + p;
            let name_at = start + if at == 14 { 30 } else { 46 };
            if bytes.get(name_at..name_at + name.len()) == Some(&name[..]) {
                bytes[start + at] ^= 0xFF;
            }
            i = start + 4;
        }
    }
    bytes
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An ODS whose one cell with a value repeats across a million columns.
fn ods_bomb() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="A"><table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="1000000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
    ])
}

/// A minimal PDF around the given objects (numbered from 1), the first being the catalog.
fn pdf(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A page tree whose page names itself as parent and whose root lists itself as a kid.
fn pdf_cyclic() -> Vec<u8> {
    pdf(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>".into(),
    ])
}

/// A page whose content stream inflates to `mib` MiB of zeros.
fn pdf_stream_bomb(mib: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        z.write_all(&zeros).unwrap();
    }
    let data = z.finish().unwrap();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".into(),
    ];
    // The stream's bytes are binary: built apart and spliced in.
    objects.push("STREAM".into());
    let mut out = pdf(&objects);
    let stream = [
        format!(
            "<< /Length {} /Filter /FlateDecode >>\nstream\n",
            data.len()
        )
        .into_bytes(),
        data,
        b"\nendstream".to_vec(),
    ]
    .concat();
    let at = find(&out, b"STREAM").unwrap();
    out.splice(at..at + 6, stream);
    out
}

/// The bombs and absurd shapes; `scale` MiB sizes the inflating ones.
fn bombs(scale: usize) -> Vec<Case> {
    let zeros = vec![b'0'; scale << 20];
    let spaces = format!(
        "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{}</sheetData></worksheet>",
        " ".repeat(scale << 20)
    );
    let mut strings =
        String::from("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">");
    strings.push_str(&"<si/>".repeat(2_100_000));
    strings.push_str("</sst>");
    let mut long_field = String::from("Data księgowania;Kontrahent;Tytuł;Kwota\n2026-01-02;ACME;");
    long_field.push_str(&"x".repeat(1_000_000));
    long_field.push_str(";100,00\n");
    let mut quote =
        String::from("Data księgowania;Kontrahent;Tytuł;Kwota\n2026-01-02;\"ACME;FV 1;100,00\n");
    for i in 0..200_000 {
        quote.push_str(&format!("2026-01-02;ACME;FV {i};100,00\n"));
    }
    vec![
        case(
            "zip-bomb.zip",
            zip_of(&[("big.csv", &zeros)]),
            Expect::Refused("zip bomb"),
        ),
        case("crc.xlsx", xlsx_bad_crc(), Expect::Refused("damaged")),
        case(
            "padded.xlsx",
            xlsx_with("xl/worksheets/sheet1.xml", spaces.as_bytes()),
            Expect::Refused("zip bomb"),
        ),
        case(
            "strings.xlsx",
            xlsx_with("xl/sharedStrings.xml", strings.as_bytes()),
            Expect::Refused("shared strings"),
        ),
        case("bomb.ods", ods_bomb(), Expect::Refused("too large")),
        case("cyclic.pdf", pdf_cyclic(), Expect::Refused("damaged")),
        case(
            "stream.pdf",
            pdf_stream_bomb(scale + 8),
            Expect::Refused("bomb"),
        ),
        case(
            "separators.csv",
            vec![b';'; 20 << 20],
            Expect::Refused("fields, more than the limit"),
        ),
        case(
            "field.csv",
            long_field.into_bytes(),
            Expect::Refused("more than the limit"),
        ),
        case(
            "quote.csv",
            quote.into_bytes(),
            Expect::Refused("never closed"),
        ),
        case("nul.csv", vec![0u8; 4096], Expect::Any),
    ]
}

/// Every report fixture, cut and with bits flipped (deterministically).
fn mutations(per_fixture: usize) -> Vec<Case> {
    let mut out = Vec::new();
    let mut seed: u64 = 0x5ca1ab1e;
    let mut rand = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    for f in report_fixtures() {
        let bytes = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for k in 0..per_fixture {
            let mut cut = bytes.clone();
            cut.truncate(rand(bytes.len()));
            out.push(case(&format!("cut{k}-{name}"), cut, Expect::Any));
            let mut flipped = bytes.clone();
            for _ in 0..4 {
                let i = rand(flipped.len());
                if let Some(b) = flipped.get_mut(i) {
                    *b ^= 1 << rand(8);
                }
            }
            out.push(case(&format!("flip{k}-{name}"), flipped, Expect::Any));
        }
    }
    out
}

fn report_fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(fixtures().join("reports")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(dir).unwrap() {
            let f = f.unwrap().path();
            let ext = f.extension().map(|e| e.to_string_lossy().into_owned());
            // Scans go through OCR, which has a time limit of its own (45 s) above this
            // campaign's 5 s bound: they are measured by import::a_scanned_statement_….
            let scan = f
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("skan-"));
            if !scan
                && matches!(
                    ext.as_deref(),
                    Some("csv" | "sta" | "xml" | "xlsx" | "ods" | "pdf")
                )
            {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Running a case.

/// A finished child: exit code (`None`: killed by a signal), output, wall time, and the CPU time
/// and peak memory of it and its children (the parser worker). The bound is on CPU time: wall
/// time on a CI machine running the other tests beside it says little.
#[derive(serde::Serialize, serde::Deserialize)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    wall: f64,
    seconds: f64,
    max_rss_kb: i64,
}

/// A `skarbnik` command to measure.
#[derive(serde::Serialize, serde::Deserialize)]
struct Invocation {
    args: Vec<String>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
}

/// Runs an invocation and measures it. Linux carries a process's peak memory over `exec` from
/// the process it was forked from, so a child of this (large) test process would report this
/// process's memory: the measuring is done by a fresh, small copy of this test binary (the
/// `measure_child` test), whose child then reports only its own and its worker's memory.
fn run(inv: &Invocation) -> Run {
    let out = tempfile::NamedTempFile::new().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "hostile::measure_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MEASURE, serde_json::to_string(inv).unwrap())
        .env(MEASURE_OUT, out.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the measuring process failed");
    serde_json::from_slice(&std::fs::read(out.path()).unwrap()).unwrap()
}

const MEASURE: &str = "SKARBNIK_MEASURE";
const MEASURE_OUT: &str = "SKARBNIK_MEASURE_OUT";

/// The measuring process (see [`run`]); does nothing in a normal test run.
#[test]
fn measure_child() {
    let (Ok(inv), Ok(out)) = (std::env::var(MEASURE), std::env::var(MEASURE_OUT)) else {
        return;
    };
    let inv: Invocation = serde_json::from_str(&inv).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(&inv.args).current_dir(&inv.cwd);
    for (k, v) in &inv.env {
        cmd.env(k, v);
    }
    std::fs::write(out, serde_json::to_vec(&measure(cmd)).unwrap()).unwrap();
}

// The child is reaped by wait4 (for its rusage), not by Child::wait.
#[allow(clippy::zombie_processes)]
fn measure(mut cmd: Command) -> Run {
    let t0 = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 reports the child's peak RSS, its waited-for children's included.
    let pid = child.id() as libc::pid_t;
    // SAFETY: the pid is our child's, not yet waited for; the pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run {
        code,
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        wall: t0.elapsed().as_secs_f64(),
        seconds: secs(usage.ru_utime) + secs(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
    }
}

struct Campaign {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Campaign {
    fn new(max_inflated_mb: u64) -> Campaign {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("skarbnik.toml");
        std::fs::write(
            &config,
            format!(
                "[import]\nisolate = true\nparse_timeout_secs = 20\nparse_memory_mb = 2048\nmax_inflated_mb = {max_inflated_mb}\n"
            ),
        )
        .unwrap();
        Campaign { dir, config }
    }

    fn command(&self, args: &[&str]) -> Invocation {
        let mut all = vec!["--config".to_string(), self.config.display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        Invocation {
            args: all,
            cwd: self.dir.path().to_path_buf(),
            env: Vec::new(),
        }
    }

    fn import(&self, c: &Case) -> (Run, serde_json::Value) {
        let path = self.dir.path().join(&c.name);
        std::fs::write(&path, &c.bytes).unwrap();
        let r = run(&self.command(&["import", "--json", path.to_str().unwrap()]));
        let _ = std::fs::remove_file(&path);
        let json = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
        (r, json)
    }

    fn db_ok(&self) {
        let db = rusqlite::Connection::open(self.dir.path().join("var/skarbnik.db")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}

/// The rules every case must keep; returns the failures.
fn judge(c: &Case, r: &Run, json: &serde_json::Value) -> Vec<String> {
    let mut bad = Vec::new();
    let what = &c.name;
    match r.code {
        Some(0 | 1) => {}
        Some(n) => bad.push(format!("{what}: exit {n}: {}", r.stderr)),
        None => bad.push(format!("{what}: killed by a signal: {}", r.stderr)),
    }
    if r.seconds > MAX_SECONDS {
        bad.push(format!(
            "{what}: took {:.1} s of CPU ({:.1} s wall)",
            r.seconds, r.wall
        ));
    }
    if r.max_rss_kb > MAX_RSS_KB {
        bad.push(format!("{what}: peak memory {} MB", r.max_rss_kb / 1024));
    }
    let Some(files) = json["files"].as_array() else {
        bad.push(format!("{what}: no JSON answer: {} {}", r.stdout, r.stderr));
        return bad;
    };
    for f in files {
        match f.get("error") {
            Some(e) => {
                let cause = e["cause"]["en"].as_str().unwrap_or("");
                // ...and said in Polish too.
                if e["cause"]["pl"].as_str().is_none_or(str::is_empty) {
                    bad.push(format!("{what}: a refusal without its Polish text: {e}"));
                }
                if cause.is_empty() || e["file"].as_str().is_none_or(str::is_empty) {
                    bad.push(format!("{what}: a refusal without a located cause: {e}"));
                }
                // The parser's own bounds refuse it, not the process limits.
                for limit in ["took longer than", "memory", "parser process"] {
                    if cause.contains(limit) {
                        bad.push(format!("{what}: refused by the process limits: {cause}"));
                    }
                }
                if let Expect::Refused(want) = c.expect
                    && !cause.contains(want)
                {
                    bad.push(format!(
                        "{what}: refused for another reason than {want:?}: {cause}"
                    ));
                }
            }
            None => {
                if let Expect::Refused(want) = c.expect {
                    bad.push(format!(
                        "{what}: imported, expected a refusal ({want}): {f}"
                    ));
                }
                let n = |k: &str| f[k].as_u64().unwrap_or(0);
                if n("rows_read") != n("new") + n("known") + n("updated") + n("skipped")
                    && f["duplicate_of"].is_null()
                {
                    bad.push(format!("{what}: rows read do not add up: {f}"));
                }
            }
        }
    }
    bad
}

/// A truncated CSV fixture imported: its rows are the original's rows up to the cut, each one
/// read or skipped, none dropped without a word.
fn truncations_keep_every_row(c: &Campaign) -> Vec<String> {
    use skarbnik::ingest::{ParseContext, Records, parse_report};
    let profiles = skarbnik::ingest::profile::Profile::load_all(None).unwrap();
    let mut bad = Vec::new();
    for f in report_fixtures()
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "csv"))
    {
        let bytes = std::fs::read(&f).unwrap();
        let Ok(full) = parse_report("x.csv", &bytes, &profiles, &ParseContext::default()) else {
            continue;
        };
        let lines: Vec<usize> = match &full.records {
            Records::Statement(s) => s
                .rows
                .iter()
                .map(|r| r.row)
                .chain(s.skipped.iter().map(|s| s.row))
                .collect(),
            Records::Receivables(r) => r
                .rows
                .iter()
                .map(|r| r.row)
                .chain(r.skipped.iter().map(|s| s.row))
                .collect(),
            Records::Subscriptions(l) => l
                .entries
                .iter()
                .map(|e| e.row)
                .chain(l.refused.iter().map(|s| s.row))
                .collect(),
            Records::KsefReceipt(_) => continue,
        };
        let Some(&last) = lines.iter().max() else {
            continue;
        };
        // Cut after the line of the middle record.
        let keep = lines
            .iter()
            .copied()
            .filter(|l| *l <= last / 2 + 1)
            .max()
            .unwrap_or(1);
        let text: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let mut cut = text[..keep.min(text.len())].join(&b'\n');
        cut.push(b'\n');
        let name = format!("trunc-{}", f.file_name().unwrap().to_string_lossy());
        let (r, json) = c.import(&case(&name, cut, Expect::Any));
        let file = &json["files"][0];
        if file.get("error").is_some() || r.code != Some(0) {
            continue; // refused (a balance no longer adds up): said, nothing stored
        }
        let want = lines.iter().filter(|l| **l <= keep).count() as u64;
        let got = file["rows_read"].as_u64().unwrap_or(0);
        if got != want {
            bad.push(format!(
                "{name}: {got} rows read, the first {keep} lines hold {want}"
            ));
        }
    }
    bad
}

#[test]
fn hostile_files_are_refused_quickly_and_cleanly() {
    let full = std::env::var("SKARBNIK_HOSTILE").is_ok_and(|v| v == "full");
    let c = Campaign::new(if full { 256 } else { 32 });
    let mut cases = bombs(if full { 300 } else { 40 });
    cases.extend(mutations(if full { 8 } else { 1 }));
    let mut failures = Vec::new();
    let mut slowest = (0.0f64, String::new());
    let mut heaviest = (0i64, String::new());
    for case in &cases {
        let (r, json) = c.import(case);
        failures.extend(judge(case, &r, &json));
        if r.seconds > slowest.0 {
            slowest = (r.seconds, case.name.clone());
        }
        if r.max_rss_kb > heaviest.0 {
            heaviest = (r.max_rss_kb, case.name.clone());
        }
    }
    failures.extend(truncations_keep_every_row(&c));
    eprintln!(
        "hostile files: {} cases; slowest {:.2} s of CPU ({}), heaviest {} MB ({})",
        cases.len(),
        slowest.0,
        slowest.1,
        heaviest.0 / 1024,
        heaviest.1
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A valid import afterwards, and a sound database.
    let good = fixtures().join("reports/mbank/zestawienie-operacji.csv");
    let r = run(&c.command(&["import", good.to_str().unwrap()]));
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    c.db_ok();
}

// ---------------------------------------------------------------------------------------------
// Hostile mails through the Maildir daemon.

fn raw_mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}MIME-Version: 1.0\r\n{body}").into_bytes()
}

/// A report mail forwarded inside `depth` messages.
fn nested(depth: usize) -> Vec<u8> {
    let csv =
        std::fs::read_to_string(fixtures().join("reports/erp/optima-przypomnienie.csv")).unwrap();
    let mut inner = format!(
        "From: erp@firma.test\r\nSubject: raport\r\nMessage-ID: <n0@firma.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: text/plain\r\n\r\nraport\r\n\
         --b0\r\nContent-Type: text/csv; charset=utf-8\r\nContent-Disposition: attachment; filename=\"naleznosci.csv\"\r\n\r\n{csv}\r\n--b0--\r\n"
    );
    for d in 1..=depth {
        inner = format!(
            "From: anna@firma.test\r\nSubject: Fwd: raport\r\nMessage-ID: <n{d}@firma.test>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n--b{d}\r\nContent-Type: text/plain\r\n\r\nprzesyłam\r\n\
             --b{d}\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b{d}--\r\n"
        );
    }
    inner.into_bytes()
}

fn hostile_mails() -> Vec<(&'static str, Vec<u8>)> {
    let huge_subject = "Wyciąg ".repeat(20_000);
    let many_headers: String = (0..10_000).map(|i| format!("X-H{i}: {i}\r\n")).collect();
    vec![
        ("empty", Vec::new()),
        (
            "garbage",
            (0..5000u32).map(|i| (i * 7919 % 256) as u8).collect(),
        ),
        (
            "unterminated multipart",
            raw_mail(
                "From: anna@firma.test\r\nMessage-ID: <u1@firma.test>\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n",
                "--x\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"a.csv\"\r\n\r\nData;Kwota\r\n",
            ),
        ),
        (
            "bad base64",
            raw_mail(
                "From: anna@firma.test\r\nMessage-ID: <b1@firma.test>\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n",
                "--x\r\nContent-Type: application/vnd.ms-excel\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"../../etc/passwd.xls\"\r\n\r\n!!!@@@###\r\n--x--\r\n",
            ),
        ),
        (
            "huge subject and id",
            raw_mail(
                &format!(
                    "From: anna@firma.test\r\nSubject: {huge_subject}\r\nMessage-ID: <{}@x>\r\n",
                    "y".repeat(3000)
                ),
                "Content-Type: text/plain\r\n\r\nstatus ACME\r\n",
            ),
        ),
        (
            "ten thousand headers",
            raw_mail(
                &format!("{many_headers}From: anna@firma.test\r\nMessage-ID: <h1@firma.test>\r\n"),
                "Content-Type: text/plain\r\n\r\nx\r\n",
            ),
        ),
        (
            "two froms",
            raw_mail(
                "From: evil@evil.test\r\nFrom: anna@firma.test\r\nMessage-ID: <f1@firma.test>\r\n",
                "Content-Type: text/plain\r\n\r\npause client ACME\r\n",
            ),
        ),
        ("forwarded 5 deep", nested(5)),
        ("forwarded 12 deep", nested(12)),
    ]
}

#[test]
fn hostile_mails_are_filed_and_answered_within_the_rules() {
    let c = Campaign::new(32);
    let maildir = c.dir.path().join("var/mail/new");
    std::fs::create_dir_all(&maildir).unwrap();
    let mails = hostile_mails();
    for (i, (_, raw)) in mails.iter().enumerate() {
        std::fs::write(maildir.join(format!("{i}.hostile.eml")), raw).unwrap();
    }
    let mut cmd = c.command(&["run", "--once"]);
    cmd.env
        .push(("SKARBNIK_NOW".into(), "2026-11-22T12:00:00Z".into()));
    let r = run(&cmd);
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(r.seconds < 30.0, "{:.1} s of CPU", r.seconds);
    let left: Vec<_> = std::fs::read_dir(&maildir).unwrap().collect();
    assert!(left.is_empty(), "every mail is filed: {left:?}");
    // Every answer within RFC 5322's line limit; the deep forward answered that it is too deep,
    // the five-level one imported.
    let mut answers = Vec::new();
    for e in std::fs::read_dir(c.dir.path().join("var/outbox")).unwrap() {
        let raw = std::fs::read(e.unwrap().path()).unwrap();
        for line in raw.split(|b| *b == b'\n') {
            assert!(line.len() <= 999, "a line of {} octets", line.len());
        }
        answers.push(skarbnik::mail::inbound::Inbound::parse(&raw).unwrap());
    }
    let to = |id: &str| {
        answers
            .iter()
            .find(|a| a.in_reply_to.iter().any(|r| r == id))
            .map(|a| a.text.clone())
    };
    let deep = to("n12@firma.test").expect("the deep forward is answered");
    assert!(deep.contains("głębiej niż 10 poziomów"), "{deep}");
    let five = to("n5@firma.test").expect("the five-level forward is answered");
    assert!(
        five.contains("optima") || five.contains("naleznosci.csv"),
        "{five}"
    );
    assert!(!five.contains("ODRZUCONY"), "{five}");
    assert!(
        to("f1@firma.test").is_none(),
        "two From fields are never answered"
    );
    c.db_ok();
}

/// Keeps the generator's helpers honest: the cyclic PDF and the stream bomb are PDFs skarbnik
/// recognises as such.
#[test]
fn generated_pdfs_are_pdfs() {
    assert!(skarbnik::ingest::pdf::is_pdf(&pdf_cyclic()));
    assert!(skarbnik::ingest::pdf::is_pdf(&pdf_stream_bomb(1)));
}
