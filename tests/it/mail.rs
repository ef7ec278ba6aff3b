//! The daemon end to end: the production binary against a real Dovecot and Postfix (see
//! mailstack.rs), and on the embedded defaults (Maildir in, .eml files out).

use super::mailstack::{MailStack, header};
use super::support::fixtures;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_skarbnik");

/// A Sunday: the dunning (tested in dunning.rs) never runs, so these tests count only the mail
/// they cause, whatever the hour they run at.
const QUIET_SUNDAY: &str = "2026-11-22T12:00:00Z";

/// A demo report mail, re-addressed: from `from`, with a fresh Message-ID.
fn report_mail(demo: &str, from: &str, message_id: &str) -> Vec<u8> {
    let raw = std::fs::read(fixtures().join("mail/demo").join(demo)).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let text = text.replace("Anna Kowalska <ksiegowosc@example.pl>", from);
    let start = text.find("Message-ID: <").unwrap() + "Message-ID: <".len();
    let end = start + text[start..].find('>').unwrap();
    format!("{}{message_id}{}", &text[..start], &text[end..]).into_bytes()
}

struct Setup {
    work: tempfile::TempDir,
    config: PathBuf,
    bot: String,
}

/// A config for a daemon on the stack: IMAP and SMTP with `mode` = `none` (plain on loopback),
/// `implicit` (IMAPS, SMTPS) or `starttls` (IMAP, submission), trusting the stack's certificate.
fn setup(stack: &MailStack, name: &str, mode: &str, extra_smtp: &str) -> Setup {
    let work = tempfile::tempdir().unwrap();
    let bot = format!("bot{name}");
    let (imap_port, smtp_port) = match mode {
        "implicit" => (stack.imaps_port, stack.smtps_port),
        "starttls" => (stack.imap_port, stack.submission_port),
        _ => (stack.imap_port, stack.smtp_port),
    };
    let ca = stack.ca_file();
    let host = if mode == "none" {
        "127.0.0.1"
    } else {
        "localhost"
    };
    let config = work.path().join("skarbnik.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[company]
name = "Moja Firma Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319", "PL90102000004875749118625276"]

[import]
isolate = false

[mailbox]
kind = "imap"
host = "{host}"
port = {imap_port}
tls = "{mode}"
ca_file = "{ca}"
username = "{bot}@example.test"
password_env = "SKARBNIK_TEST_PASSWORD"
idle_secs = 60
poll_secs = 1
timeout_secs = 10

[smtp]
kind = "smtp"
host = "{host}"
port = {smtp_port}
tls = "{mode}"
ca_file = "{ca}"
username = "{bot}@example.test"
password_env = "SKARBNIK_TEST_PASSWORD"
from = "Należności <{bot}@example.test>"
archive_bcc = "archive{name}@example.test"
timeout_secs = 10
{extra_smtp}

# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["staff{name}@example.test"]
"#,
            ca = ca.display()
        ),
    )
    .unwrap();
    Setup { work, config, bot }
}

impl Setup {
    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--config")
            .arg(&self.config)
            .env("SKARBNIK_TEST_PASSWORD", format!("{}pass", self.bot))
            .env("SKARBNIK_LOG", "info")
            .env("SKARBNIK_NOW", QUIET_SUNDAY)
            .stdin(Stdio::null());
        c
    }

    fn log(&self) -> PathBuf {
        self.work.path().join("daemon.log")
    }

    fn spawn(&self) -> Child {
        let log = std::fs::File::create(self.log()).unwrap();
        self.command()
            .arg("run")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    fn once(&self, env: &[(&str, &str)]) -> std::process::Output {
        let mut c = self.command();
        c.args(["run", "--once"]);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn outbox(&self) -> Vec<serde_json::Value> {
        let out = self
            .command()
            .args(["outbox", "--json", "--limit", "10000"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn daemon_log(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }
}

/// SIGTERM and wait (the daemon must stop cleanly and quickly).
fn stop(mut child: Child) -> ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the daemon did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

fn with_id<'a>(msgs: &'a [Vec<u8>], message_id: &str) -> Vec<&'a Vec<u8>> {
    msgs.iter()
        .filter(|m| header(m, "Message-ID").as_deref() == Some(&format!("<{message_id}>")))
        .collect()
}

#[test]
fn report_mail_through_imap_idle_gets_a_summary_and_an_archive_copy() {
    let stack = MailStack::start();
    let s = setup(&stack, "1", "none", "");
    let daemon = s.spawn();
    // Wait for the daemon to be idling before the mail arrives, so IDLE is what notices it.
    assert!(
        wait_until(Duration::from_secs(20), || s
            .daemon_log()
            .contains("IMAP connected")),
        "{}",
        s.daemon_log()
    );
    std::thread::sleep(Duration::from_millis(300));
    stack.append(
        "bot1@example.test",
        "INBOX",
        &report_mail(
            "3-demo-3.eml",
            "Anna <staff1@example.test>",
            "r1@example.test",
        ),
    );
    let staff = stack.wait_messages("staff1@example.test", "INBOX", 1, Duration::from_secs(20));
    assert_eq!(
        staff.len(),
        1,
        "summary reply in the sender's mailbox\n{}",
        s.daemon_log()
    );
    let reply = &staff[0];
    assert_eq!(
        header(reply, "In-Reply-To").as_deref(),
        Some("<r1@example.test>")
    );
    assert_eq!(
        header(reply, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert!(
        header(reply, "Bcc").is_none(),
        "the recipient's copy must not show the Bcc"
    );
    let text = String::from_utf8_lossy(reply);
    assert!(
        !text.contains("archive1"),
        "the archive address leaked: {text}"
    );
    let body = skarbnik::mail::inbound::Inbound::parse(reply).unwrap().text;
    assert!(body.contains("3-mbank-zestawienie.csv"), "{body}");
    assert!(body.contains("nowych operacji: 8"), "{body}");
    let message_id = header(reply, "Message-ID").unwrap();
    let message_id = message_id.trim_matches(['<', '>']);
    // The archive got the very same mail.
    let archive = stack.wait_messages("archive1@example.test", "INBOX", 1, Duration::from_secs(10));
    assert_eq!(with_id(&archive, message_id).len(), 1);
    assert!(header(&archive[0], "Bcc").is_none());
    // The report mail was moved, not deleted; our own copy confirmed the send.
    assert!(wait_until(Duration::from_secs(10), || stack
        .messages("bot1@example.test", "skarbnik/sent")
        .len()
        == 1));
    assert_eq!(
        stack
            .messages("bot1@example.test", "skarbnik/processed")
            .len(),
        1
    );
    // Dovecot's MOVE on a Maildir links the copy before it unlinks the original,
    // so the original may linger for a moment after the copy is visible.
    assert!(
        wait_until(Duration::from_secs(10), || stack
            .messages("bot1@example.test", "INBOX")
            .is_empty()),
        "the report mail stayed in INBOX\n{}",
        s.daemon_log()
    );
    let outbox = s.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["status"], "sent");
    assert!(outbox[0]["confirmed_at"].is_string(), "{outbox:?}");
    let st = stop(daemon);
    assert!(st.success(), "exit {st:?}\n{}", s.daemon_log());
    assert!(s.daemon_log().contains("stopped"));
}

#[test]
fn dovecot_restart_and_postfix_outage_lose_nothing_and_send_once() {
    let stack = MailStack::start();
    // STARTTLS both ways (IMAP 143-style port, submission with AUTH required over TLS).
    let s = setup(&stack, "2", "starttls", "retry_secs = 1");
    let daemon = s.spawn();
    assert!(wait_until(Duration::from_secs(20), || s
        .daemon_log()
        .contains("IMAP connected")));

    // Dovecot goes away; mail arrives meanwhile (delivered on disk); Dovecot comes back.
    stack.stop_dovecot();
    for i in 1..=2 {
        let raw = report_mail(
            "1-demo-1.eml",
            "staff2@example.test",
            &format!("backlog{i}@example.test"),
        );
        stack.deliver_on_disk("bot2@example.test", &format!("17000000{i}.M1P1.test"), &raw);
    }
    std::thread::sleep(Duration::from_secs(1));
    stack.start_dovecot();
    let staff = stack.wait_messages("staff2@example.test", "INBOX", 2, Duration::from_secs(40));
    assert_eq!(
        staff.len(),
        2,
        "backlog processed after the reconnect\n{}\n{}",
        s.daemon_log(),
        stack.logs()
    );

    // Postfix goes away: the reply waits in the outbox and goes out once Postfix is back.
    stack.stop_postfix();
    stack.append(
        "bot2@example.test",
        "INBOX",
        &report_mail("1-demo-1.eml", "staff2@example.test", "outage@example.test"),
    );
    assert!(
        wait_until(Duration::from_secs(20), || s.outbox().iter().any(
            |o| o["status"] == "pending" && o["attempts"].as_u64().unwrap_or(0) >= 1
        )),
        "a failed attempt is recorded\n{}",
        s.daemon_log()
    );
    stack.start_postfix();
    let staff = stack.wait_messages("staff2@example.test", "INBOX", 3, Duration::from_secs(40));
    assert_eq!(staff.len(), 3, "{}", s.daemon_log());
    std::thread::sleep(Duration::from_secs(3));
    let staff = stack.messages("staff2@example.test", "INBOX");
    let replies_to_outage = staff
        .iter()
        .filter(|m| header(m, "In-Reply-To").as_deref() == Some("<outage@example.test>"))
        .count();
    assert_eq!(replies_to_outage, 1, "exactly once");
    assert_eq!(staff.len(), 3);
    assert!(s.outbox().iter().all(|o| o["status"] == "sent"));
    assert!(stop(daemon).success());
}

#[test]
fn a_crash_after_the_server_took_the_mail_does_not_send_it_twice() {
    let stack = MailStack::start();
    // TLS both ways (implicit, our test CA); resend unconfirmed mail at once, so only the
    // confirmation by our own copy stands between a crash and a duplicate.
    let s = setup(&stack, "3", "implicit", "confirm_grace_secs = 0");
    stack.append(
        "bot3@example.test",
        "INBOX",
        &report_mail("1-demo-1.eml", "staff3@example.test", "crash@example.test"),
    );
    let out = s.once(&[("SKARBNIK_FAULT", "crash_after_send")]);
    assert!(
        !out.status.success(),
        "the fault hook must kill the process"
    );
    let staff = stack.wait_messages("staff3@example.test", "INBOX", 1, Duration::from_secs(20));
    assert_eq!(staff.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    // Our own copy is in the bot's INBOX by now.
    assert!(wait_until(Duration::from_secs(10), || !stack
        .messages("bot3@example.test", "INBOX")
        .is_empty()));
    assert_eq!(s.outbox()[0]["status"], "sending");
    let out = s.once(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        stack.messages("staff3@example.test", "INBOX").len(),
        1,
        "no duplicate after the crash"
    );
    let outbox = s.outbox();
    assert_eq!(outbox[0]["status"], "sent", "{outbox:?}");
    assert!(outbox[0]["confirmed_at"].is_string());
    assert_eq!(
        stack.messages("bot3@example.test", "skarbnik/sent").len(),
        1
    );
}

#[test]
fn an_interrupted_send_goes_out_within_the_grace_period_without_new_mail() {
    let stack = MailStack::start();
    let s = setup(&stack, "4", "none", "confirm_grace_secs = 3");
    stack.append(
        "bot4@example.test",
        "INBOX",
        &report_mail("1-demo-1.eml", "staff4@example.test", "grace@example.test"),
    );
    // Killed after the rows are marked `sending`, before a byte left.
    let out = s.once(&[("SKARBNIK_FAULT", "crash_before_send")]);
    assert!(
        !out.status.success(),
        "the fault hook must kill the process"
    );
    assert_eq!(s.outbox()[0]["status"], "sending");
    // Restarted, the daemon has nothing new to read; it must wake up by itself when the grace
    // period ends (it would otherwise idle for a minute or more) and send the mail once.
    let t0 = Instant::now();
    let child = s.spawn();
    let staff = stack.wait_messages("staff4@example.test", "INBOX", 1, Duration::from_secs(20));
    let took = t0.elapsed();
    stop(child);
    assert_eq!(staff.len(), 1, "{}", s.daemon_log());
    assert!(
        took <= Duration::from_secs(3 + 5),
        "delivered {:.1} s after the restart, grace 3 s\n{}",
        took.as_secs_f64(),
        s.daemon_log()
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        stack.messages("staff4@example.test", "INBOX").len(),
        1,
        "sent once"
    );
}

fn demo_maildir(work: &Path) -> PathBuf {
    let new = work.join("var/mail/new");
    std::fs::create_dir_all(&new).unwrap();
    for e in std::fs::read_dir(fixtures().join("mail/demo")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, new.join(p.file_name().unwrap())).unwrap();
    }
    new
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn quickstart_on_embedded_defaults_answers_each_report_mail_once() {
    let work = tempfile::tempdir().unwrap();
    let new = demo_maildir(work.path());
    let run = || {
        Command::new(BIN)
            .current_dir(work.path())
            .env_remove("SKARBNIK_CONFIG")
            .env("SKARBNIK_NOW", QUIET_SUNDAY)
            .args(["run", "--once"])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outbox = work.path().join("var/outbox");
    let replies = eml_files(&outbox);
    assert_eq!(replies.len(), 4, "one summary per report mail: {replies:?}");
    let mut answered: Vec<String> = replies
        .iter()
        .map(|p| header(&std::fs::read(p).unwrap(), "In-Reply-To").unwrap())
        .collect();
    answered.sort();
    assert_eq!(
        answered,
        vec![
            "<demo-1@example.pl>",
            "<demo-2@example.pl>",
            "<demo-3@example.pl>",
            "<demo-4@example.pl>"
        ]
    );
    let zip_reply = replies
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .find(|r| header(r, "In-Reply-To").as_deref() == Some("<demo-3@example.pl>"))
        .unwrap();
    let text = skarbnik::mail::inbound::Inbound::parse(&zip_reply)
        .unwrap()
        .text;
    assert!(text.contains("Dopasowane płatności (3)"), "{text}");
    assert!(text.contains("FV/0298/2026, FV/0301/2026"), "{text}");
    assert!(text.contains("wyciagi.zip/4-pko-historia.csv"), "{text}");
    // A listing cut by --limit says so (on stderr, the JSON stays a list).
    let listed = Command::new(BIN)
        .current_dir(work.path())
        .env_remove("SKARBNIK_CONFIG")
        .args(["outbox", "--json", "--limit", "1"])
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        String::from_utf8_lossy(&listed.stderr).contains("showing the newest 1 of 4 mails"),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    // Filed, not deleted: four reports processed, the command-like mail kept for people.
    assert_eq!(std::fs::read_dir(&new).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(work.path().join("var/mail/.skarbnik.processed/cur"))
            .unwrap()
            .count(),
        4
    );
    assert_eq!(
        std::fs::read_dir(work.path().join("var/mail/.skarbnik.other/cur"))
            .unwrap()
            .count(),
        1
    );
    // Again: nothing new. The same mails delivered again under new names: still nothing.
    assert!(run().status.success());
    demo_maildir(work.path());
    for e in std::fs::read_dir(&new).unwrap() {
        let p = e.unwrap().path();
        std::fs::rename(
            &p,
            p.with_file_name(format!(
                "again-{}",
                p.file_name().unwrap().to_string_lossy()
            )),
        )
        .unwrap();
    }
    let out = run();
    assert!(out.status.success());
    assert_eq!(
        eml_files(&outbox).len(),
        4,
        "the same mails again get no second answer"
    );
    let invoices = Command::new(BIN)
        .current_dir(work.path())
        .args(["invoices", "--json"])
        .output()
        .unwrap();
    let invoices: Vec<serde_json::Value> = serde_json::from_slice(&invoices.stdout).unwrap();
    let direct = tempfile::tempdir().unwrap();
    let imported = Command::new(BIN)
        .current_dir(direct.path())
        .args(["import", "--json"])
        .arg(fixtures().join("demo"))
        .output()
        .unwrap();
    assert!(imported.status.success());
    let direct_invoices: Vec<serde_json::Value> = serde_json::from_slice(
        &Command::new(BIN)
            .current_dir(direct.path())
            .args(["invoices", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        invoices, direct_invoices,
        "by mail or by CLI, the same invoices and payments"
    );
}

fn plain_mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

#[test]
fn bounces_auto_replies_client_replies_lists_and_commands_on_a_maildir() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("skarbnik.toml"),
        r#"
[company]
nip = "5265260188"
[import]
isolate = false
[mailbox]
max_replies_per_hour = 1
[smtp]
from = "Należności <naleznosci@example.pl>"
# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["ksiegowosc@example.pl"]
admin_notice = "admin@example.pl"
[commands]
trusted_authserv_ids = ["mx.example.pl"]
"#,
    )
    .unwrap();
    let cli = |args: &[&str]| {
        Command::new(BIN)
            .current_dir(work.path())
            .env_remove("SKARBNIK_CONFIG")
            .env("SKARBNIK_NOW", QUIET_SUNDAY)
            .args(args)
            .output()
            .unwrap()
    };
    // A KSeF invoice brings the client's reminder address.
    let ksef = fixtures().join("reports/ksef/fa3-vat.xml");
    assert!(cli(&["import", ksef.to_str().unwrap()]).status.success());
    let client = "ksiegowosc@krawiec-tech.test";
    let new = work.path().join("var/mail/new");
    std::fs::create_dir_all(&new).unwrap();
    let dsn = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.pl>\r\nTo: naleznosci@example.pl\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.pl>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.pl\r\n\r\nFinal-Recipient: rfc822; {client}\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    );
    let mails: Vec<(&str, Vec<u8>)> = vec![
        ("1.dsn", dsn.into_bytes()),
        (
            "2.ooo",
            plain_mail(
                &format!(
                    "From: {client}\nTo: naleznosci@example.pl\nSubject: Odpowiedź automatyczna: Faktura\nMessage-ID: <ooo1@krawiec-tech.test>\nAuto-Submitted: auto-replied"
                ),
                "Jestem na urlopie do 30.11.",
            ),
        ),
        (
            "3.reply",
            plain_mail(
                &format!(
                    "From: Jan <{client}>\nTo: naleznosci@example.pl\nSubject: Re: Faktura\nMessage-ID: <re1@krawiec-tech.test>"
                ),
                "Zapłacimy w piątek.\n\n> Przypominamy o fakturze",
            ),
        ),
        (
            "4.list",
            plain_mail(
                "From: ksiegowosc@example.pl\nTo: lista@example.pl\nSubject: Biuletyn\nMessage-ID: <list1@example.pl>\nList-Id: <biuletyn.example.pl>\nPrecedence: list",
                "Biuletyn",
            ),
        ),
        (
            "5.command",
            plain_mail(
                "From: Anna <ksiegowosc@example.pl>\nTo: naleznosci@example.pl\nSubject: wstrzymaj klienta KRAWIEC\nMessage-ID: <cmd1@example.pl>\nAuthentication-Results: mx.example.pl; dkim=pass header.d=example.pl",
                "wstrzymaj klienta KRAWIEC",
            ),
        ),
        // A second command within the hour: over the per-sender limit, not answered.
        (
            "5b.command",
            plain_mail(
                "From: Anna <ksiegowosc@example.pl>\nTo: naleznosci@example.pl\nSubject: status KRAWIEC\nMessage-ID: <cmd2@example.pl>\nAuthentication-Results: mx.example.pl; dkim=pass header.d=example.pl",
                "status KRAWIEC",
            ),
        ),
        (
            "6.stranger",
            plain_mail(
                "From: ktos@obcy.test\nTo: naleznosci@example.pl\nSubject: Oferta\nMessage-ID: <spam1@obcy.test>",
                "Kup teraz",
            ),
        ),
        (
            "7.forged",
            plain_mail(
                "From: naleznosci@example.pl\nTo: naleznosci@example.pl\nSubject: Pilne\nMessage-ID: <forged1@obcy.test>",
                "Kliknij",
            ),
        ),
    ];
    // Not an e-mail at all: kept for a person in skarbnik/failed, never answered.
    std::fs::write(new.join("8.empty"), b"").unwrap();
    for (name, raw) in &mails {
        std::fs::write(new.join(name), raw).unwrap();
    }
    let out = cli(&["run", "--once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent: Vec<Vec<u8>> = eml_files(&work.path().join("var/outbox"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let mut to: Vec<String> = sent.iter().map(|m| header(m, "To").unwrap()).collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "admin@example.pl",
            "ksiegowosc@example.pl",
            "ksiegowosc@example.pl"
        ],
        "the bounce notice, the command answer and the client's reply forwarded to staff"
    );
    // The client's reply reaches a person, read: a promise, held until Friday.
    let forward = sent
        .iter()
        .find(|m| {
            skarbnik::mail::inbound::Inbound::parse(m)
                .is_some_and(|i| i.subject.starts_with("Odpowiedź klienta"))
        })
        .expect("the reply forwarded");
    let fwd = skarbnik::mail::inbound::Inbound::parse(forward).unwrap();
    assert!(
        fwd.text
            .contains("obietnica zapłaty: „Zapłacimy w piątek.”"),
        "{}",
        fwd.text
    );
    assert!(fwd.text.contains("wstrzymał przypomnienia"), "{}", fwd.text);
    let raw = String::from_utf8_lossy(forward);
    assert!(
        raw.contains("message/rfc822"),
        "the client's own mail is attached"
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(forward)
        .unwrap();
    assert!(
        parsed.attachments().any(|a| {
            let inner = a
                .message()
                .map(|m| m.raw_message().to_vec())
                .unwrap_or_else(|| a.contents().to_vec());
            String::from_utf8_lossy(&inner).contains("re1@krawiec-tech.test")
        }),
        "the attached mail is the client's"
    );
    let notice = sent
        .iter()
        .find(|m| header(m, "To").as_deref() == Some("admin@example.pl"))
        .unwrap();
    let text = skarbnik::mail::inbound::Inbound::parse(notice)
        .unwrap()
        .text;
    assert!(text.contains(client), "{text}");
    let answer = sent
        .iter()
        .find(|m| header(m, "In-Reply-To").as_deref() == Some("<cmd1@example.pl>"))
        .unwrap();
    assert_eq!(
        header(answer, "In-Reply-To").as_deref(),
        Some("<cmd1@example.pl>")
    );
    // The command was carried out: the client is paused.
    let text = skarbnik::mail::inbound::Inbound::parse(answer)
        .unwrap()
        .text;
    assert!(text.contains("Wstrzymano przypomnienia"), "{text}");
    let count = |dir: &str| {
        std::fs::read_dir(work.path().join("var/mail").join(dir).join("cur"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(count(".skarbnik.processed"), 5);
    assert_eq!(
        count(".skarbnik.other"),
        3,
        "the list mail, the stranger's and the forged one are for people"
    );
    assert_eq!(count(".skarbnik.sent"), 0);
    assert_eq!(count(".skarbnik.failed"), 1, "the unreadable file is kept");
    let store = skarbnik::store::Store::open(&work.path().join("var/skarbnik.db")).unwrap();
    let bounced: Option<String> = store
        .conn()
        .query_row(
            "SELECT bounced_at FROM client_emails WHERE email = ?1",
            [client],
            |r| r.get(0),
        )
        .unwrap();
    assert!(bounced.is_some(), "the address is flagged");
    let kinds: Vec<String> = store
        .conn()
        .prepare("SELECT kind || ':' || excerpt FROM client_messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        kinds,
        vec![
            "auto_reply:Jestem na urlopie do 30.11.",
            "reply:Zapłacimy w piątek."
        ]
    );
}

/// The README's "try a command and a client reply" steps, as written: the command is answered in
/// Polish, the client's dispute is acknowledged and reaches staff with the commands.
#[test]
fn the_readme_try_steps_answer_the_command_and_the_client() {
    let work = tempfile::tempdir().unwrap();
    let new = demo_maildir(work.path());
    let cli = |args: &[&str], now: &str| {
        let o = Command::new(BIN)
            .current_dir(work.path())
            .env_remove("SKARBNIK_CONFIG")
            .env("SKARBNIK_NOW", now)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    cli(&["run", "--once"], QUIET_SUNDAY);
    std::fs::copy(
        fixtures().join("mail/try/skarbnik.toml"),
        work.path().join("skarbnik.toml"),
    )
    .unwrap();
    cli(
        &[
            "client",
            "set",
            "Pióro",
            "--email",
            "biuro@pioro.example",
            "--language",
            "pl",
        ],
        QUIET_SUNDAY,
    );
    for e in std::fs::read_dir(fixtures().join("mail/try")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "eml") {
            std::fs::copy(&p, new.join(p.file_name().unwrap())).unwrap();
        }
    }
    cli(&["run", "--once"], "2026-03-30T08:30:00Z");
    let mails: Vec<(String, String)> = eml_files(&work.path().join("var/outbox"))
        .iter()
        .map(|p| {
            let raw = std::fs::read(p).unwrap();
            let m = skarbnik::mail::inbound::Inbound::parse(&raw).unwrap();
            (
                header(&raw, "To").unwrap_or_default(),
                format!("{}\n{}", m.subject, m.text),
            )
        })
        .collect();
    let to = |who: &str, has: &str| {
        mails
            .iter()
            .any(|(t, text)| t.contains(who) && text.contains(has))
    };
    assert!(
        to("ksiegowosc@example.pl", "Otwarte faktury:"),
        "{mails:#?}"
    );
    assert!(
        to("ksiegowosc@example.pl", "Zapisano obietnicę zapłaty"),
        "{mails:#?}"
    );
    assert!(
        to("biuro@pioro.example", "faktury FV/0322/2026 przekazaliśmy"),
        "{mails:#?}"
    );
    assert!(
        to("ksiegowosc@example.pl", "rozwiąż spór FV/0322/2026 POWÓD"),
        "{mails:#?}"
    );
}
