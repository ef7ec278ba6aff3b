//! Parsing untrusted files in a child process: the `skarbnik` binary re-run as `skarbnik worker`,
//! with a wall-clock limit and an address-space limit. A file that makes a parser panic, loop, or
//! abort (calamine can abort on a tiny sparse workbook; pdf-extract panics on odd fonts) costs one
//! refusal, and the importing process — the CLI or the daemon — goes on with the next file.
//!
//! Protocol: the parent writes one JSON line ([`WorkerRequest`]) and then the file's bytes to the
//! child's stdin; the child writes one JSON [`WorkerReply`] to stdout.

use crate::domain::{BankAccount, Currency};
use crate::ingest::profile::Profile;
use crate::ingest::spreadsheet::SheetLimits;
use crate::ingest::{ParseContext, Parsed, ReportError, parse_report};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How to run the worker.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// The skarbnik binary.
    pub exe: PathBuf,
    pub timeout: Duration,
    /// Address-space limit for the child, in bytes.
    pub memory_bytes: u64,
    pub profiles_dir: Option<PathBuf>,
}

/// What the worker needs to know besides the bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub file: String,
    pub profiles_dir: Option<PathBuf>,
    pub own_accounts: Vec<String>,
    pub our_nip: Option<String>,
    pub currency: String,
    /// The IANA name of our time zone.
    #[serde(default)]
    pub timezone: String,
    pub max_rows: u32,
    pub max_columns: u32,
    pub max_inflated: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum WorkerReply {
    Parsed(Box<Parsed>),
    Refused(ReportError),
}

impl Isolation {
    /// Parses `bytes` in a child process. Any failure of the child is a refusal of the file.
    pub fn parse(
        &self,
        file: &str,
        bytes: &[u8],
        ctx: &ParseContext,
    ) -> Result<Parsed, ReportError> {
        let refuse = |cause: crate::domain::Said| ReportError::file(file, cause);
        let request = WorkerRequest {
            file: file.to_string(),
            profiles_dir: self.profiles_dir.clone(),
            own_accounts: ctx.own_accounts.iter().map(|a| a.to_string()).collect(),
            our_nip: ctx.our_nip.clone(),
            currency: ctx.default_currency.to_string(),
            timezone: ctx.timezone.name().to_string(),
            max_rows: ctx.sheet_limits.max_rows,
            max_columns: ctx.sheet_limits.max_columns,
            max_inflated: ctx.sheet_limits.max_inflated,
        };
        let header = serde_json::to_string(&request).map_err(|e| {
            refuse(crate::said!(
                "nie udało się uruchomić odczytu pliku: {e}",
                "cannot start the parser: {e}"
            ))
        })?;
        let mut cmd = Command::new(&self.exe);
        cmd.arg("worker")
            // A crash is reported by its message; symbolising a backtrace of a large binary
            // would spend the parse time limit on our own stack.
            .env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        limit_memory(&mut cmd, self.memory_bytes);
        let mut child = cmd.spawn().map_err(|e| {
            refuse(crate::said!(
                "nie udało się uruchomić procesu odczytu pliku: {e}",
                "cannot start the parser process: {e}"
            ))
        })?;
        let mut stdin = child.stdin.take();
        let input = [header.as_bytes(), b"\n", bytes].concat();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                // A child that dies early closes the pipe; its exit status tells why.
                let _ = s.write_all(&input);
            }
        });
        let mut stdout = child.stdout.take();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut out);
            }
            out
        });
        let mut stderr = child.stderr.take();
        let err_reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(4096).read_to_end(&mut out);
            }
            out
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let secs = self.timeout.as_secs();
                    return Err(refuse(crate::said!(
                        "odczyt pliku trwał dłużej niż {secs} s; zrezygnowano z niego",
                        "parsing took longer than {secs} s; the file was given up"
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => {
                    return Err(refuse(crate::said!(
                        "utracono proces odczytu pliku: {e}",
                        "lost the parser process: {e}"
                    )));
                }
            }
        };
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        if !status.success() {
            use std::os::unix::process::ExitStatusExt;
            let how = match status.signal() {
                Some(sig) => crate::said!("zabity sygnałem {sig}", "was killed by signal {sig}"),
                None => {
                    let code = status.code().unwrap_or(-1);
                    crate::said!("zakończył się kodem {code}", "exited with status {code}")
                }
            };
            let detail = String::from_utf8_lossy(&err);
            let first = detail
                .lines()
                .find(|l| l.contains("panicked") || l.contains("memory"))
                .unwrap_or("")
                .trim();
            let (hp, he) = (how.pl, how.en);
            let mut cause = crate::said!(
                "odczyt tego pliku się wyłożył ({hp})",
                "the parser crashed on this file ({he})"
            );
            if !first.is_empty() {
                cause = cause.suffixed(&format!(": {first}"), &format!(": {first}"));
            }
            return Err(refuse(cause));
        }
        match serde_json::from_slice::<WorkerReply>(&out) {
            Ok(WorkerReply::Parsed(p)) => Ok(*p),
            Ok(WorkerReply::Refused(e)) => Err(e),
            Err(e) => Err(refuse(crate::said!(
                "nie da się odczytać odpowiedzi procesu odczytu: {e}",
                "the parser's answer was unreadable: {e}"
            ))),
        }
    }
}

/// Caps the child's address space (RLIMIT_AS), so a hostile file cannot take the machine's memory.
fn limit_memory(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe work (one setrlimit call) runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The worker's side: read the request and bytes from stdin, parse, answer on stdout.
pub fn run_worker() -> i32 {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut header = String::new();
    if input.read_line(&mut header).is_err() {
        return 2;
    }
    let Ok(req) = serde_json::from_str::<WorkerRequest>(&header) else {
        return 2;
    };
    let mut bytes = Vec::new();
    if input.read_to_end(&mut bytes).is_err() {
        return 2;
    }
    fault_hook(&req.file);
    let reply = match Profile::load_all(req.profiles_dir.as_deref()) {
        Err(e) => WorkerReply::Refused(ReportError::file(
            &req.file,
            crate::said!(
                "profile odczytu są błędne: {e}",
                "the profiles are invalid: {e}"
            ),
        )),
        Ok(profiles) => {
            let ctx = ParseContext {
                own_accounts: req
                    .own_accounts
                    .iter()
                    .filter_map(|a| BankAccount::parse(a).ok())
                    .collect(),
                our_nip: req.our_nip.clone(),
                default_currency: Currency::parse(&req.currency).unwrap_or(Currency::PLN),
                timezone: req.timezone.parse().unwrap_or(chrono_tz::Europe::Warsaw),
                sheet_limits: SheetLimits {
                    max_rows: req.max_rows,
                    max_columns: req.max_columns,
                    max_inflated: req.max_inflated,
                    ..SheetLimits::default()
                },
            };
            match parse_report(&req.file, &bytes, &profiles, &ctx) {
                Ok(p) => WorkerReply::Parsed(Box::new(p)),
                Err(e) => WorkerReply::Refused(e),
            }
        }
    };
    match serde_json::to_writer(std::io::stdout().lock(), &reply) {
        Ok(()) => 0,
        Err(_) => 2,
    }
}

/// Test hook: `SKARBNIK_WORKER_FAULT=panic:NAME` (or `abort:`, `hang:`, `alloc:`) makes the worker
/// fail that way on files whose name contains NAME, so tests can prove the parent survives real
/// crashes. It has no effect unless the variable is set.
fn fault_hook(file: &str) {
    let Ok(spec) = std::env::var("SKARBNIK_WORKER_FAULT") else {
        return;
    };
    let Some((mode, needle)) = spec.split_once(':') else {
        return;
    };
    if needle.is_empty() || !file.contains(needle) {
        return;
    }
    match mode {
        "panic" => panic!("injected fault while parsing {file}"),
        "abort" => std::process::abort(),
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
        "alloc" => {
            let v: Vec<u8> = vec![1; 64 << 30];
            std::hint::black_box(v);
        }
        _ => {}
    }
}
