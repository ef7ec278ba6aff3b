//! Parsing untrusted files in a child process: the `skarbnik` binary re-run as `skarbnik worker`,
//! with a wall-clock limit and an address-space limit. A file that makes a parser panic, loop, or
//! abort (calamine can abort on a tiny sparse workbook; pdf-extract panics on odd fonts) costs one
//! refusal, and the importing process — the CLI or the daemon — goes on with the next file.
//!
//! Protocol: the parent writes one JSON line ([`WorkerRequest`]) and then the file's bytes to the
//! child's stdin, streamed from wherever they are (a file, an archive member); the child answers
//! on stdout with frames (a little-endian `u32` length, then a byte saying what follows: a JSON
//! [`WorkerFrame`], or a batch of operations in the compact form of [`wire`]): the events
//! of [`crate::ingest::stream`] as it reads — one whole report, or a statement's head, its
//! operations a batch at a time, and its tail — or a refusal. The pipe is the back-pressure: a
//! worker ahead of the importing parent blocks on its write, so neither side holds the file.

mod wire;

use crate::domain::{BankAccount, Currency};
use crate::ingest::profile::Profile;
use crate::ingest::spreadsheet::SheetLimits;
use crate::ingest::stream::{Event, parse_stream};
use crate::ingest::{ParseContext, ReportError};
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

/// One frame from the worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum WorkerFrame {
    Event(Event),
    Refused(ReportError),
}

/// A frame's first byte: a [`WorkerFrame`] in JSON follows.
const JSON: u8 = b'J';
/// A frame's first byte: a batch of operations ([`Event::Rows`]) in [`wire`]'s form follows.
const ROWS: u8 = b'R';

/// Largest frame the parent accepts (a whole parsed report of a large file; a batch of
/// operations is far smaller).
const MAX_FRAME: usize = 512 << 20;

impl Isolation {
    /// Parses what `input` holds in a child process, handing each event to `on` as it arrives.
    /// Returns the refusal (any failure of the child is one) or `Ok`, and the SHA-256 of every byte
    /// of the input (read to its end even when the child stopped early). An error from `on` stops
    /// the child and is returned as the outer error.
    pub fn stream(
        &self,
        file: &str,
        mut input: Box<dyn Read + Send + '_>,
        ctx: &ParseContext,
        on: &mut dyn FnMut(Event) -> anyhow::Result<()>,
    ) -> anyhow::Result<(Result<(), ReportError>, String)> {
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
        let header = serde_json::to_string(&request)?;
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
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(file, "cannot start the parser process: {e}");
                let sha = crate::domain::sha256_hex_reader(&mut input)?;
                return Ok((Err(refuse(not_started(&e))), sha));
            }
        };
        let pid = child.id() as libc::pid_t;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        if let Some(i) = &stdin {
            widen_pipe(i);
        }
        if let Some(o) = &stdout {
            widen_pipe(o);
        }
        let mut stderr = child.stderr.take();
        // Activity: the instant (ms since start) of the last frame; the watchdog kills a worker
        // silent for longer than the timeout.
        let started = Instant::now();
        let activity = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let timeout = self.timeout;
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> std::io::Result<String> {
                ignore_sigpipe_on_this_thread();
                let mut hasher = crate::domain::Sha256::new();
                let mut stdin = stdin;
                if let Some(s) = stdin.as_mut() {
                    // A child that dies early closes the pipe; its exit status tells why.
                    if s.write_all(header.as_bytes())
                        .and_then(|_| s.write_all(b"\n"))
                        .is_err()
                    {
                        stdin = None;
                    }
                }
                let mut buf = vec![0u8; 256 * 1024];
                loop {
                    let n = match input.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    hasher.update(&buf[..n]);
                    if let Some(s) = stdin.as_mut()
                        && s.write_all(&buf[..n]).is_err()
                    {
                        stdin = None;
                    }
                }
                drop(stdin);
                Ok(crate::domain::hex(&hasher.finish()))
            });
            let err_reader = scope.spawn(move || {
                let mut out = Vec::new();
                if let Some(s) = stderr.as_mut() {
                    let _ = s.take(4096).read_to_end(&mut out);
                    // Drain the rest so the child never blocks on a full stderr pipe.
                    let _ = std::io::copy(s, &mut std::io::sink());
                }
                out
            });
            {
                let activity = activity.clone();
                let timed_out = timed_out.clone();
                scope.spawn(move || {
                    loop {
                        let last = Duration::from_millis(
                            activity.load(std::sync::atomic::Ordering::Relaxed),
                        );
                        let deadline = last + timeout;
                        let now = started.elapsed();
                        if now >= deadline {
                            timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
                            // SAFETY: the child is not waited for until this thread is told
                            // to stop, so the pid is still the child's.
                            unsafe { libc::kill(pid, libc::SIGKILL) };
                            return;
                        }
                        match stop_rx.recv_timeout((deadline - now).min(Duration::from_millis(500)))
                        {
                            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                            _ => return,
                        }
                    }
                });
            }
            let mut reader = stdout.map(|o| std::io::BufReader::with_capacity(256 * 1024, o));
            let mut result: Option<Result<(), ReportError>> = None;
            let mut failure: Option<anyhow::Error> = None;
            let mut frame = Vec::new();
            loop {
                let mut len = [0u8; 4];
                let Some(r) = reader.as_mut() else { break };
                if r.read_exact(&mut len).is_err() {
                    break;
                }
                let len = u32::from_le_bytes(len) as usize;
                if len > MAX_FRAME {
                    result = Some(Err(refuse(crate::said!(
                        "proces odczytu pliku odpowiedział nieczytelnie",
                        "the parser's answer was unreadable"
                    ))));
                    break;
                }
                frame.resize(len, 0);
                if r.read_exact(&mut frame).is_err() {
                    break;
                }
                activity.store(
                    started.elapsed().as_millis() as u64,
                    std::sync::atomic::Ordering::Relaxed,
                );
                let read = match frame.split_first() {
                    Some((&ROWS, rows)) => wire::decode_rows(rows)
                        .map(|r| WorkerFrame::Event(Event::Rows(r)))
                        .ok_or_else(|| "a batch of operations is damaged".to_string()),
                    Some((&JSON, json)) => {
                        serde_json::from_slice::<WorkerFrame>(json).map_err(|e| e.to_string())
                    }
                    _ => Err("a frame of an unknown kind".to_string()),
                };
                match read {
                    Ok(WorkerFrame::Event(e)) => {
                        let last = matches!(e, Event::Whole(_) | Event::Tail(_));
                        if let Err(e) = on(e) {
                            failure = Some(e);
                            break;
                        }
                        if last {
                            result = Some(Ok(()));
                            break;
                        }
                    }
                    Ok(WorkerFrame::Refused(e)) => {
                        result = Some(Err(e));
                        break;
                    }
                    Err(e) => {
                        tracing::error!(file, "the parser's answer was unreadable: {e}");
                        result = Some(Err(refuse(crate::said!(
                            "nie da się odczytać odpowiedzi procesu odczytu",
                            "the parser's answer was unreadable"
                        ))));
                        break;
                    }
                }
            }
            if failure.is_some() || result.as_ref().is_some_and(|r| r.is_err()) {
                let _ = child.kill();
            }
            // Whatever the child still writes is not read: closing our end ends it.
            drop(reader);
            let status = child.wait();
            let _ = stop_tx.send(());
            let sha = match writer
                .join()
                .map_err(|_| anyhow::anyhow!("the input reader panicked"))?
            {
                Ok(sha) => sha,
                // The input itself failed (a member of a zip past its cap, a damaged one): the
                // worker read a truncated file, so whatever it said does not count.
                Err(e) => {
                    if let Some(f) = failure {
                        return Err(f);
                    }
                    return Ok((Err(refuse(crate::domain::Said::io(&e))), String::new()));
                }
            };
            let err = err_reader.join().unwrap_or_default();
            if let Some(f) = failure {
                return Err(f);
            }
            if let Some(r) = result {
                return Ok((r, sha));
            }
            // No last frame: the child died, or was killed.
            if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
                let secs = timeout.as_secs();
                return Ok((
                    Err(refuse(crate::said!(
                        "odczyt pliku trwał dłużej niż {secs} s; zrezygnowano z niego",
                        "parsing took longer than {secs} s; the file was given up"
                    ))),
                    sha,
                ));
            }
            let how = match status {
                Ok(status) => {
                    use std::os::unix::process::ExitStatusExt;
                    match status.signal() {
                        Some(sig) => {
                            crate::said!("zabity sygnałem {sig}", "was killed by signal {sig}")
                        }
                        None => {
                            let code = status.code().unwrap_or(-1);
                            crate::said!("zakończył się kodem {code}", "exited with status {code}")
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(file, "the parser process was lost: {e}");
                    crate::said!("utracony", "lost")
                }
            };
            let detail = String::from_utf8_lossy(&err);
            // The worker's own words (a panic's place and, on the lines after it, its message;
            // Rust's allocation failure) are for whoever runs skarbnik, in the log; the sender
            // is told what happened.
            let noted: Vec<&str> = detail
                .lines()
                .map(str::trim)
                .skip_while(|l| !(l.contains("panicked") || l.contains("memory")))
                .take(3)
                .collect();
            let first = noted.first().copied().unwrap_or("");
            if !noted.is_empty() {
                tracing::error!(file, "the parser crashed: {}", noted.join(" "));
            }
            Ok((Err(refuse(crashed(&how, first, self.memory_bytes))), sha))
        })
    }
}

/// The refusal when the parser process cannot be started: the system's reason named by its
/// code, as [`crate::domain::Said::io`] names a read's, so no English text of the OS ends up in
/// a Polish sentence.
fn not_started(e: &std::io::Error) -> crate::domain::Said {
    match e.raw_os_error() {
        Some(code) => crate::said!(
            "nie udało się uruchomić procesu odczytu pliku (kod systemowy {code})",
            "cannot start the parser process (OS error {code})"
        ),
        None => crate::said!(
            "nie udało się uruchomić procesu odczytu pliku",
            "cannot start the parser process"
        ),
    }
}

/// The refusal when the parser process ended without its last word: `how` it ended, and what
/// its first line of note on stderr (`first`) says happened, in words: it ran out of its
/// memory, or failed inside (a panic, whose message stays in the log).
fn crashed(how: &crate::domain::Said, first: &str, memory_bytes: u64) -> crate::domain::Said {
    let (hp, he) = (&how.pl, &how.en);
    let cause = crate::said!(
        "odczyt tego pliku się wyłożył ({hp})",
        "the parser crashed on this file ({he})"
    );
    // A panic first: its place may name a file with "memory" in it; Rust's allocation failure
    // is not a panic.
    if first.contains("panicked") {
        cause.suffixed(
            ": błąd wewnętrzny skarbnika, opisany w jego dzienniku",
            ": an internal error of skarbnik, described in its log",
        )
    } else if first.contains("memory") {
        let mb = memory_bytes >> 20;
        cause.suffixed(
            &format!(": zabrakło mu pamięci (wolno mu zająć {mb} MB)"),
            &format!(": it ran out of memory (it may take {mb} MB)"),
        )
    } else {
        cause
    }
}

/// A worker that stops reading early (it refused the file) closes its stdin: the write must fail
/// with `EPIPE`, not end this process, which one-shot commands leave to SIGPIPE's default (death,
/// like any Unix tool whose reader went away). The signal a write raises goes to the writing
/// thread, so blocking it there is enough.
fn ignore_sigpipe_on_this_thread() {
    // SAFETY: plain libc calls on a local signal set; they change only this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Bytes a pipe to or from the worker holds: a batch of rows is about 800 kB of frame.
const PIPE_BYTES: libc::c_int = 1 << 20;

/// Makes a pipe to or from the worker hold [`PIPE_BYTES`] instead of Linux's 64 KiB. With 64 KiB,
/// the file went to the worker and each batch of rows came back in pieces of 64 KiB, each piece
/// a wake-up of the other side, and the worker waited on the parent, and the parent on it, many
/// times a batch. Where the kernel refuses (a limit below 1 MiB in `/proc/sys/fs/pipe-max-size`),
/// the pipe stays as it was: only slower.
fn widen_pipe(pipe: &impl std::os::fd::AsRawFd) {
    #[cfg(target_os = "linux")]
    // SAFETY: fcntl on a descriptor this process owns, with an integer argument.
    unsafe {
        libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pipe;
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

/// The worker's side: read the request, then parse the bytes as they come, answering in frames
/// on stdout.
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
    fault_hook(&req.file);
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    let mut payload = Vec::new();
    let mut send = |frame: &WorkerFrame| -> std::io::Result<()> {
        payload.clear();
        if let WorkerFrame::Event(Event::Rows(rows)) = frame {
            payload.push(ROWS);
            wire::encode_rows(rows, &mut payload).map_err(std::io::Error::other)?;
        } else {
            payload.push(JSON);
            serde_json::to_writer(&mut payload, frame)?;
        }
        let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&payload)?;
        // The head, the tail and a whole report go out at once; batches of rows as the buffer
        // fills.
        if !matches!(frame, WorkerFrame::Event(Event::Rows(_))) {
            out.flush()?;
        }
        Ok(())
    };
    let result = match Profile::load_all(req.profiles_dir.as_deref()) {
        Err(e) => Err(ReportError::file(
            &req.file,
            crate::said!(
                "profile odczytu w folderze profili są błędne",
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
            parse_stream(&req.file, &mut input, &profiles, &ctx, &mut |e| {
                send(&WorkerFrame::Event(e))
            })
        }
    };
    let sent = match result {
        Ok(()) => Ok(()),
        Err(e) => send(&WorkerFrame::Refused(e)),
    };
    match sent {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a person reads of a crashed parser names what happened in their language; the
    /// worker's own words (a panic's message and place, Rust's allocation failure, the OS's
    /// English) stay in the log.
    #[test]
    fn a_crashed_parser_is_told_in_words_not_in_its_own() {
        let killed = crate::said!("zabity sygnałem 6", "was killed by signal 6");
        let exited = crate::said!("zakończył się kodem 101", "exited with status 101");
        let out_of_memory = crashed(
            &killed,
            "memory allocation of 68719476736 bytes failed",
            512 << 20,
        );
        assert_eq!(
            out_of_memory.pl,
            "odczyt tego pliku się wyłożył (zabity sygnałem 6): zabrakło mu pamięci (wolno mu zająć 512 MB)"
        );
        assert_eq!(
            out_of_memory.en,
            "the parser crashed on this file (was killed by signal 6): it ran out of memory (it may take 512 MB)"
        );
        let panicked = crashed(
            &exited,
            "thread 'main' panicked at src/isolate.rs:472:13:",
            512 << 20,
        );
        assert_eq!(
            panicked.pl,
            "odczyt tego pliku się wyłożył (zakończył się kodem 101): błąd wewnętrzny skarbnika, opisany w jego dzienniku"
        );
        assert!(
            panicked
                .en
                .ends_with("an internal error of skarbnik, described in its log")
        );
        let in_memory_rs = crashed(
            &exited,
            "thread 'main' panicked at src/ingest/memory.rs:10:5:",
            512 << 20,
        );
        assert_eq!(in_memory_rs, panicked, "a panic, wherever it is");
        let silent = crashed(&killed, "", 512 << 20);
        assert_eq!(
            silent.en,
            "the parser crashed on this file (was killed by signal 6)"
        );
        for said in [&out_of_memory, &panicked, &silent] {
            for text in [&said.pl, &said.en] {
                for raw in ["thread", "panicked", "src/", "bytes failed", "allocation"] {
                    assert!(!text.contains(raw), "{raw:?} in {text:?}");
                }
            }
        }

        let missing = not_started(&std::io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(
            missing.pl,
            format!(
                "nie udało się uruchomić procesu odczytu pliku (kod systemowy {})",
                libc::ENOENT
            )
        );
        assert!(!missing.pl.contains("No such file"), "{}", missing.pl);
        let other = not_started(&std::io::Error::other("no worker"));
        assert_eq!(other.en, "cannot start the parser process");
    }
}
