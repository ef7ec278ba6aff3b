//! A real mail stack for tests: a private Dovecot (IMAP, IMAPS, LMTP) and Postfix (SMTP, SMTPS,
//! submission) on loopback ports, configured from the templates in tests/mailstack/. Every
//! `<name>@example.test` exists with the password `<name>pass`; mail to other domains lands in
//! `catchall@example.test`. Mailboxes are read straight from disk.
//!
//! Needs the Debian packages dovecot-imapd, dovecot-lmtpd, postfix and openssl (.ci/run installs
//! them) and root (Postfix). Used by tests/it and benches/mail.rs.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub struct MailStack {
    pub dir: PathBuf,
    pub imap_port: u16,
    pub imaps_port: u16,
    pub smtp_port: u16,
    pub smtps_port: u16,
    pub submission_port: u16,
    _keep: tempfile::TempDir,
}

/// A loopback port for one of the servers, below the kernel's ephemeral range.
///
/// A port from `bind(0)` comes from the ephemeral range, which is also where the kernel picks the
/// local port of every outgoing connection: between the harness choosing one and Postfix binding
/// it, another test's connection took it once in CI ("bind 127.0.0.1 port …: Address already in
/// use", three tries on the same port). Ports below that range are never handed out implicitly, so
/// a process-wide counter there, each port checked bindable, cannot race a connection. The start
/// is offset by the process id so two test runs on one machine rarely meet.
fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const LOWEST: u32 = 10_000;
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32_768);
    if ephemeral_low > LOWEST + 1_000 {
        let span = ephemeral_low - LOWEST;
        let start = (std::process::id() * 997) % span;
        for _ in 0..span {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let port = LOWEST + (start + n) % span;
            if let Ok(port) = u16::try_from(port)
                && TcpListener::bind(("127.0.0.1", port)).is_ok()
            {
                return port;
            }
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Runs a server's start command, trying twice more, half a second apart, while it fails:
/// `postfix start` runs its checks through shell scripts, and both servers' starts can fail
/// transiently while several stacks start at once on a loaded machine.
fn started_in_three_tries(
    start: impl Fn() -> std::process::ExitStatus,
) -> std::process::ExitStatus {
    let mut status = start();
    for _ in 0..2 {
        if status.success() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        status = start();
    }
    status
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e} (are dovecot, postfix and openssl installed? .ci/run installs them)"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mailstack")
}

fn wait_for_greeting(port: u16, greeting: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut line = String::new();
            if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with(greeting) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl MailStack {
    /// Starts Dovecot, then Postfix; returns when both greet.
    pub fn start() -> MailStack {
        // Unix socket paths are limited to 108 bytes: a short directory under /tmp.
        let keep = tempfile::Builder::new()
            .prefix("sk-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let dir = keep.path().to_path_buf();
        let stack = MailStack {
            dir: dir.clone(),
            imap_port: free_port(),
            imaps_port: free_port(),
            smtp_port: free_port(),
            smtps_port: free_port(),
            submission_port: free_port(),
            _keep: keep,
        };
        for sub in [
            "dovecot/run",
            "dovecot/state",
            "mail",
            "postfix/conf",
            "postfix/queue",
            "postfix/data",
        ] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        run(
            Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "3",
                    "-subj",
                    "/CN=localhost",
                    "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext",
                    "basicConstraints=critical,CA:FALSE",
                    "-addext",
                    "extendedKeyUsage=serverAuth",
                ])
                .arg("-keyout")
                .arg(dir.join("key.pem"))
                .arg("-out")
                .arg(dir.join("cert.pem")),
            "openssl req",
        );
        let fill = |name: &str, target: &Path| {
            let text = std::fs::read_to_string(templates().join(name)).unwrap();
            let id = dir.file_name().unwrap().to_string_lossy().into_owned();
            let text = text
                .replace("@DIR@", &dir.to_string_lossy())
                .replace("@ID@", &id)
                .replace("@IMAP_PORT@", &stack.imap_port.to_string())
                .replace("@IMAPS_PORT@", &stack.imaps_port.to_string())
                .replace("@SMTP_PORT@", &stack.smtp_port.to_string())
                .replace("@SMTPS_PORT@", &stack.smtps_port.to_string())
                .replace("@SUBMISSION_PORT@", &stack.submission_port.to_string());
            std::fs::write(target, text).unwrap();
        };
        fill("dovecot.conf.in", &dir.join("dovecot.conf"));
        fill("main.cf.in", &dir.join("postfix/conf/main.cf"));
        fill("master.cf.in", &dir.join("postfix/conf/master.cf"));
        fill("virtual_alias", &dir.join("postfix/virtual_alias"));
        // A main.cf changed in the last seconds makes Postfix wait: backdate it.
        run(
            Command::new("touch")
                .args(["-d", "-1 minute"])
                .arg(dir.join("postfix/conf/main.cf")),
            "touch",
        );
        run(
            Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(dir.join("mail")),
            "chown",
        );
        run(
            Command::new("chown")
                .args(["postfix:postfix"])
                .arg(dir.join("postfix/data")),
            "chown",
        );
        stack.start_dovecot();
        stack.start_postfix();
        stack
    }

    pub fn start_dovecot(&self) {
        // Dovecot keeps the caller's stderr: never pipe it, or output() waits forever. Its start
        // failed once in CI, its log gone with the test's directory: say what the log says.
        let status = started_in_three_tries(|| {
            Command::new("dovecot")
                .arg("-c")
                .arg(self.dir.join("dovecot.conf"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("dovecot is installed")
        });
        assert!(
            status.success(),
            "dovecot did not start: {}",
            std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
        );
        assert!(
            wait_for_greeting(self.imap_port, "* OK"),
            "dovecot does not answer"
        );
        // Postfix authenticates through Dovecot's auth socket: ready only when it accepts.
        let auth = self.dir.join("dovecot/run/auth-client");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::os::unix::net::UnixStream::connect(&auth).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot's auth socket does not answer"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop_dovecot(&self) {
        let pid_file = self.dir.join("dovecot/run/master.pid");
        if let Ok(pid) = std::fs::read_to_string(&pid_file) {
            let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while pid_file.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    pub fn start_postfix(&self) {
        let conf = self.dir.join("postfix/conf");
        let out = started_in_three_tries(|| {
            Command::new("postfix")
                .arg("-c")
                .arg(&conf)
                .arg("start")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("postfix is installed")
        });
        assert!(
            out.success(),
            "postfix did not start: {}",
            std::fs::read_to_string(self.dir.join("postfix.log")).unwrap_or_default()
        );
        assert!(
            wait_for_greeting(self.smtp_port, "220"),
            "postfix does not answer"
        );
    }

    pub fn stop_postfix(&self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(self.dir.join("postfix/conf"))
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Wait until the port is closed.
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.smtp_port)).is_ok() && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The servers' logs, for a failing test's message.
    pub fn logs(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        format!(
            "--- postfix.log\n{}\n--- dovecot.log\n{}",
            read("postfix.log"),
            read("dovecot.log")
        )
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// The on-disk Maildir folder of a user (`INBOX`, or `skarbnik/processed` etc.).
    pub fn maildir(&self, user: &str, folder: &str) -> PathBuf {
        let base = self.dir.join("mail").join(user).join("Maildir");
        if folder.eq_ignore_ascii_case("INBOX") {
            base
        } else {
            base.join(format!(".{}", folder.replace('/', ".")))
        }
    }

    /// Every message in a user's folder, in delivery order.
    pub fn messages(&self, user: &str, folder: &str) -> Vec<Vec<u8>> {
        let base = self.maildir(user, folder);
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(base.join(sub)) {
                files.extend(entries.flatten().map(|e| e.path()));
            }
        }
        files.sort_by_cached_key(|p| delivery_order(p));
        files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// Waits until a user's folder holds at least `n` messages; returns them.
    pub fn wait_messages(
        &self,
        user: &str,
        folder: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let m = self.messages(user, folder);
            if m.len() >= n || Instant::now() >= deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// APPENDs a message to a user's folder over IMAP, as a mail client would.
    pub fn append(&self, user: &str, folder: &str, raw: &[u8]) {
        let local = user.split('@').next().unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", self.imap_port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        let mut expect = |r: &mut BufReader<TcpStream>, tag: &str| loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "IMAP connection closed");
            if let Some(rest) = line.strip_prefix(tag) {
                assert!(
                    rest.trim_start().starts_with("OK") || tag == "+",
                    "IMAP: {line}"
                );
                return;
            }
        };
        expect(&mut r, "*");
        write!(s, "a1 LOGIN {user} {local}pass\r\n").unwrap();
        expect(&mut r, "a1");
        write!(s, "a2 APPEND \"{folder}\" {{{}}}\r\n", raw.len()).unwrap();
        expect(&mut r, "+");
        s.write_all(raw).unwrap();
        s.write_all(b"\r\n").unwrap();
        expect(&mut r, "a2");
        write!(s, "a3 LOGOUT\r\n").unwrap();
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
    }

    /// Puts a message file straight into a user's INBOX on disk (while Dovecot may be down).
    pub fn deliver_on_disk(&self, user: &str, name: &str, raw: &[u8]) {
        let new = self.maildir(user, "INBOX").join("new");
        std::fs::create_dir_all(&new).unwrap();
        let tmp = self.maildir(user, "INBOX").join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join(name), raw).unwrap();
        std::fs::rename(tmp.join(name), new.join(name)).unwrap();
        let _ = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(self.dir.join("mail").join(user))
            .status();
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        self.stop_postfix();
        self.stop_dovecot();
    }
}

/// The value of a header in raw message bytes (first occurrence, unfolded), if present.
pub fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// Where a Maildir file comes in the order of delivery. Dovecot names a delivered file
/// `SECONDS.M<microseconds>P<pid>.host,...`, and the microseconds are not zero-padded: sorting the
/// names as text put a message delivered at `.M150000` after one delivered at `.M900000` of the
/// same second, and a test read the earlier mail as the later one. A name of another shape comes
/// last, by name.
fn delivery_order(path: &std::path::Path) -> (u64, u64, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = name.split_once('.').and_then(|(secs, rest)| {
        let micros = rest.strip_prefix('M')?;
        let end = micros
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(micros.len());
        Some((secs.parse().ok()?, micros[..end].parse().ok()?))
    });
    let (secs, micros) = parsed.unwrap_or((u64::MAX, u64::MAX));
    (secs, micros, name)
}
