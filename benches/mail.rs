//! Mail figures against a real Dovecot and Postfix (needs them installed, and root, like the
//! mail tests): latency from APPEND to the summary reply in the sender's mailbox with IDLE
//! (50 mails, median and max), throughput of 1,000 outgoing mails through local Postfix, and the
//! daemon's RSS when idle. `cargo bench --bench mail`. Not a criterion bench: each figure is one
//! end-to-end run of the production binary.

#[path = "../tests/it/mailstack.rs"]
mod mailstack;

use mailstack::MailStack;
use skarbnik::mail::address::parse_mailbox;
use skarbnik::outbox::{Draft, Identity, queue};
use skarbnik::store::Store;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_skarbnik");

fn config(stack: &MailStack, dir: &Path, bot: &str, mailbox: &str) -> std::path::PathBuf {
    let path = dir.join("skarbnik.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[import]
isolate = false
{mailbox}
[smtp]
kind = "smtp"
host = "127.0.0.1"
port = {smtp}
tls = "none"
username = "{bot}@example.test"
password_env = "BENCH_PASSWORD"
from = "Należności <{bot}@example.test>"
archive_bcc = "archive@example.test"
concurrency = 8
[staff]
addresses = ["staff@example.test"]
# The scheduled reports would reach the staff's inbox beside the replies being counted.
[reports]
weekly = false
monthly = false
"#,
            smtp = stack.smtp_port,
        ),
    )
    .unwrap();
    path
}

fn report_mail(i: usize) -> Vec<u8> {
    let raw = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mail/demo/1-demo-1.eml"),
    )
    .unwrap();
    String::from_utf8(raw)
        .unwrap()
        .replace(
            "Anna Kowalska <ksiegowosc@example.pl>",
            "staff@example.test",
        )
        .replace("<demo-1@example.pl>", &format!("<lat{i}@example.test>"))
        .into_bytes()
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn latency(stack: &MailStack) {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = format!(
        "[mailbox]\nkind = \"imap\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nusername = \"bot@example.test\"\npassword_env = \"BENCH_PASSWORD\"\nmax_replies_per_hour = 1000\n",
        stack.imap_port
    );
    let cfg = config(stack, dir.path(), "bot", &mailbox);
    let log = std::fs::File::create(dir.path().join("daemon.log")).unwrap();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .env("BENCH_PASSWORD", "botpass")
        // A Sunday: the dunning stays quiet while replies are timed.
        .env("SKARBNIK_NOW", "2026-11-22T12:00:00Z")
        .env("SKARBNIK_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(dir.path().join("daemon.log"))
        .unwrap_or_default()
        .contains("IMAP connected")
    {
        assert!(Instant::now() < deadline, "daemon did not connect");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut times = Vec::new();
    for i in 0..50 {
        let raw = report_mail(i);
        let t0 = Instant::now();
        stack.append("bot@example.test", "INBOX", &raw);
        let got = stack.wait_messages(
            "staff@example.test",
            "INBOX",
            i + 1,
            Duration::from_secs(20),
        );
        assert_eq!(
            got.len(),
            i + 1,
            "reply {i} did not arrive as the only new mail: {:?}",
            got.iter()
                .map(|m| String::from_utf8_lossy(m)
                    .lines()
                    .find(|l| l.starts_with("Subject:"))
                    .unwrap_or("")
                    .to_string())
                .collect::<Vec<_>>()
        );
        times.push(t0.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let rss = rss_kb(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    times.sort();
    println!(
        "latency APPEND → summary in the sender's Maildir, 50 mails with IDLE: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        times[25].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[49].as_secs_f64() * 1000.0
    );
    println!(
        "daemon RSS when idle (after 50 reports): {} KiB",
        rss.unwrap_or(0)
    );
}

fn throughput(stack: &MailStack) {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = format!(
        "[mailbox]\nkind = \"maildir\"\npath = \"{}\"\n",
        dir.path().join("mail").display()
    );
    let cfg = config(stack, dir.path(), "bulk", &mailbox);
    {
        let mut store = Store::open(&dir.path().join("var/skarbnik.db")).unwrap();
        let identity = Identity {
            from: parse_mailbox("Należności <bulk@example.test>").unwrap(),
            hidden: vec![parse_mailbox("archive@example.test").unwrap()],
            clock: std::sync::Arc::new(skarbnik::clock::SystemClock),
        };
        let tx = store.transaction().unwrap();
        for i in 0..1000 {
            let draft = Draft {
                key: format!("bench:{i}"),
                purpose: skarbnik::outbox::Purpose::Summary,
                to: vec![parse_mailbox(&format!("klient{i}@acme.pl")).unwrap()],
                subject: format!("Przypomnienie o płatności FV/{i}/11/2026"),
                text: "Dzień dobry,\n\nuprzejmie przypominamy o płatności.\n".repeat(10),
                auto_submitted: "auto-generated",
                ..Draft::default()
            };
            queue(&tx, &identity, &draft).unwrap();
        }
        tx.commit().unwrap();
    }
    let t0 = Instant::now();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&cfg)
        .args(["run", "--once"])
        .env("BENCH_PASSWORD", "bulkpass")
        .env("SKARBNIK_CONFIG", &cfg)
        .output()
        .unwrap();
    let accepted = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = stack.wait_messages(
        "catchall@example.test",
        "INBOX",
        1000,
        Duration::from_secs(60),
    );
    let delivered = t0.elapsed();
    assert_eq!(got.len(), 1000);
    println!(
        "1,000 mails (each to a client, the archive and our own copy): accepted by Postfix in {:.2} s, all in the recipients' Maildirs in {:.2} s",
        accepted.as_secs_f64(),
        delivered.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run only for bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let stack = MailStack::start();
    latency(&stack);
    throughput(&stack);
}
