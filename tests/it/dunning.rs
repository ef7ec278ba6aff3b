//! Dunning through the real binary: a real SQLite file, reports imported by the CLI, `remind`
//! planning and queuing, the daemon replying; and end to end through Dovecot and Postfix.

use super::mailstack::{MailStack, header};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_skarbnik");

/// Monday 23 Nov 2026, 10:00 in Warsaw: inside the send window.
pub(super) const MONDAY_10: &str = "2026-11-23T09:00:00Z";

/// An ERP register (Fakturownia-like columns). Due dates around Mon 23 Nov 2026:
/// 001 due Mon 16 (after_7 today), 002 due Fri 20 (after_1 lands on Sat → today),
/// 003 due Thu 26 (before step today, but the client has no address),
/// 004 due Fri 13 and paid in full on the 20th (a thank-you),
/// 005 due Tue 10, partly paid on Thu 19 (postponed 7 days).
pub(super) const REGISTER: &str = "\
\"Numer\",\"Data wystawienia\",\"Termin płatności\",\"Netto\",\"Brutto\",\"Waluta\",\"Nabywca\",\"NIP nabywcy\",\"E-mail nabywcy\",\"Status\"
\"FV/2026/11/001\",\"2026-11-02\",\"2026-11-16\",\"1000.00\",\"1230.00\",\"PLN\",\"Gęślarz i Wspólnicy Sp.j.\",\"899-821-99-35\",\"{geslarz}\",\"issued\"
\"FV/2026/11/002\",\"2026-11-06\",\"2026-11-20\",\"5000.00\",\"6150.00\",\"PLN\",\"Gęślarz i Wspólnicy Spółka Jawna\",\"8998219935\",\"\",\"issued\"
\"FV/2026/11/003\",\"2026-11-12\",\"2026-11-26\",\"400.00\",\"492.00\",\"PLN\",\"Agencja Kreatywna Pióro s.c.\",\"7790308249\",\"\",\"issued\"
\"FV/2026/11/004\",\"2026-11-02\",\"2026-11-13\",\"2000.00\",\"2460.00\",\"PLN\",\"Northwind Sp. z o.o.\",\"1130001004\",\"{northwind}\",\"sent\"
\"FV/2026/11/005\",\"2026-10-27\",\"2026-11-10\",\"3000.00\",\"3690.00\",\"PLN\",\"Delta Trading Ltd\",\"9510002008\",\"{delta}\",\"partial\"
";

pub(super) const STATEMENT: &str = "\
\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"
\"2026-11-19\";\"DELTA TRADING LTD\";\"FV/2026/11/005 część\";\"1 000,00\";\"PLN\"
\"2026-11-20\";\"NORTHWIND SP. Z O.O.\";\"Zapłata za fakturę FV/2026/11/004\";\"2 460,00\";\"PLN\"
\"2026-11-23\";\"BANK\";\"Opłata za prowadzenie rachunku\";\"-5,00\";\"PLN\"
";

pub(super) const CONTACTS: &str = "\
Kontakty – eksport z CRM
Nazwa klienta;NIP;E-mail;Kontakt rozliczeniowy;Opiekun;Język
Gęślarz i Wspólnicy;899 821 99 35;;{billing};Jan Handlowiec <{manager}>;pl
Delta Trading Ltd;951-000-20-08;;;;English
";

pub(super) struct Env {
    dir: tempfile::TempDir,
    pub(super) config: PathBuf,
}

fn fill(t: &str, vars: &[(&str, &str)]) -> String {
    vars.iter()
        .fold(t.to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

impl Env {
    pub(super) fn new(config_body: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("skarbnik.toml");
        std::fs::write(&config, config_body).unwrap();
        Env { dir, config }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn run(&self, args: &[&str], now: &str) -> Output {
        Command::new(BIN)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.path())
            .env("SKARBNIK_NOW", now)
            .env("SKARBNIK_TEST_PASSWORD", "x")
            .output()
            .unwrap()
    }

    pub(super) fn ok(&self, args: &[&str], now: &str) -> String {
        let o = self.run(args, now);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub(super) fn json(&self, args: &[&str], now: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(args, now)).unwrap()
    }

    pub(super) fn write(&self, name: &str, text: &str) -> String {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// A statement with one bank fee booked on `day`: the bank data is fresh up to that day.
    pub(super) fn statement(&self, day: &str) {
        let st = self.write(
            &format!("wyciag-{day}.csv"),
            &format!("\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\n\"{day}\";\"BANK\";\"Opłata\";\"-5,00\";\"PLN\"\n"),
        );
        self.ok(&["import", &st], MONDAY_10);
    }

    /// Imports the register, the statement and the contacts with these addresses.
    pub(super) fn load(&self, vars: &[(&str, &str)]) {
        let reg = self.write("rejestr.csv", &fill(REGISTER, vars));
        let st = self.write("wyciag.csv", STATEMENT);
        let contacts = self.write("kontakty.csv", &fill(CONTACTS, vars));
        self.ok(&["import", &reg, &st], MONDAY_10);
        let out = self.ok(&["clients", "import", &contacts], MONDAY_10);
        assert!(out.contains("0 new clients, 2 updated"), "{out}");
    }
}

/// One daemon round on the mail stack (see [`stack_config`]) at `now`.
pub(super) fn once_on_stack(env: &Env, name: &str, now: &str) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(&env.config)
        .args(["run", "--once"])
        .env("SKARBNIK_NOW", now)
        .env("SKARBNIK_TEST_PASSWORD", format!("bot{name}pass"))
        .output()
        .unwrap()
}

/// The addresses of the sample register and contacts.
pub(super) fn vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("geslarz", "ksiegowosc@geslarz.test"),
        ("northwind", "ap@northwind.test"),
        ("delta", "finance@delta.test"),
        ("billing", "faktury@geslarz.test"),
        ("manager", "jan@moja.test"),
    ]
}

/// A daemon on the test mail stack: IMAP and SMTP in plain text on loopback as `bot<name>`,
/// archive `archive<name>`, staff `staff<name>` (all @example.test); `extra` is appended.
pub(super) fn stack_config(stack: &MailStack, name: &str, extra: &str) -> String {
    format!(
        r#"
[company]
name = "Moja Firma Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]

[import]
isolate = false

[mailbox]
kind = "imap"
host = "127.0.0.1"
port = {imap}
tls = "none"
username = "bot{name}@example.test"
password_env = "SKARBNIK_TEST_PASSWORD"
poll_secs = 1
timeout_secs = 10

[smtp]
kind = "smtp"
host = "127.0.0.1"
port = {smtp}
tls = "none"
username = "bot{name}@example.test"
password_env = "SKARBNIK_TEST_PASSWORD"
from = "Należności <bot{name}@example.test>"
archive_bcc = "archive{name}@example.test"
timeout_secs = 10

# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["staff{name}@example.test"]
{extra}
"#,
        imap = stack.imap_port,
        smtp = stack.smtp_port,
    )
}

fn config(extra: &str) -> String {
    format!(
        r#"
[company]
name = "Moja Firma Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]

[import]
isolate = false

[smtp]
from = "Należności <naleznosci@moja.test>"
archive_bcc = "archiwum@moja.test"

# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["szef@moja.test"]

[dunning]
contact = "Anna Nowak, +48 22 100 20 30"
interest_rates = [
  {{ from = "2025-01-01", percent = "15.75" }},
  {{ from = "2025-07-01", percent = "15.25" }},
  {{ from = "2026-01-01", percent = "14.00" }},
  {{ from = "2026-07-01", percent = "13.75" }},
]
{extra}
"#
    )
}

fn kinds(v: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["client"].as_str().unwrap().to_string(),
                d["invoices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

pub(super) fn find<'a>(
    v: &'a serde_json::Value,
    kind: &str,
    client_part: &str,
) -> &'a serde_json::Value {
    v.as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind && d["client"].as_str().unwrap().contains(client_part))
        .unwrap_or_else(|| panic!("no {kind} for {client_part} in {v:#}"))
}

/// The .eml the file sender wrote for a purpose (the newest).
fn sent_path(env: &Env, purpose: &str) -> PathBuf {
    let mut emls: Vec<PathBuf> = std::fs::read_dir(env.path().join("var/outbox"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(purpose))
        .collect();
    emls.sort();
    emls.pop()
        .unwrap_or_else(|| panic!("no {purpose} mail was written"))
}

/// The text and the parsed message of the newest mail for a purpose.
fn sent_mail(env: &Env, purpose: &str) -> (String, mail_parser::Message<'static>) {
    let raw = std::fs::read(sent_path(env, purpose)).unwrap();
    let msg = mail_parser::MessageParser::default()
        .parse(&raw)
        .unwrap()
        .into_owned();
    (msg.body_text(0).unwrap().to_string(), msg)
}

#[test]
fn a_month_of_dunning_through_the_cli() {
    let env = Env::new(&config(""));
    env.load(&vars());

    // Monday 23 Nov, dry run: what would go, and why. Gęślarz has heard nothing yet: although
    // FV/2026/11/001 is 7 days overdue, the first mail takes the first overdue step's tone.
    let v = env.json(
        &["remind", "--as-of", "2026-11-23", "--dry-run", "--json"],
        MONDAY_10,
    );
    let r = find(&v, "reminder", "Gęślarz");
    assert_eq!(r["step"], "after_1", "{v:#}");
    assert_eq!(
        r["invoices"],
        serde_json::json!(["FV/2026/11/001", "FV/2026/11/002"])
    );
    assert_eq!(r["to"], serde_json::json!(["ksiegowosc@geslarz.test"]));
    assert!(
        r["reason"].as_str().unwrap().contains("7 days overdue"),
        "{r}"
    );
    let c = find(&v, "confirmation", "Northwind");
    assert_eq!(c["invoices"], serde_json::json!(["FV/2026/11/004"]));
    let h = find(&v, "held", "Pióro");
    assert!(
        h["reason"].as_str().unwrap().starts_with("no_address"),
        "{h}"
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "notice" && d["reason"] == "no_address"),
        "{v:#}"
    );
    // Delta paid part on Thursday: its reminder waits a week from the payment.
    assert!(
        !kinds(&v).iter().any(|(_, c, _)| c.contains("Delta")),
        "{v:#}"
    );
    // A dry run queues nothing.
    assert_eq!(
        env.json(&["outbox", "--json"], MONDAY_10),
        serde_json::json!([])
    );

    // For real, twice: the second run adds nothing.
    let first = env.json(&["remind", "--as-of", "2026-11-23", "--json"], MONDAY_10);
    assert_eq!(kinds(&first), kinds(&v));
    let again = env.json(&["remind", "--as-of", "2026-11-23", "--json"], MONDAY_10);
    assert!(
        again.as_array().unwrap().iter().all(|d| d["key"].is_null()),
        "nothing new may be queued: {again:#}"
    );
    let outbox = env.json(&["outbox", "--json"], MONDAY_10);
    let purposes: Vec<&str> = outbox
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes.len(), 3, "{outbox:#}");
    for p in ["reminder_after_1", "confirmation", "notice_no_address"] {
        assert!(purposes.contains(&p), "{purposes:?}");
    }

    // Send them (file sender): a first reminder, true for each invoice, with a new pay-by date,
    // no demand and no threat.
    let o = env.run(&["run", "--once"], "2026-11-23T20:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (text, msg) = sent_mail(&env, "reminder_after_1");
    assert!(text.contains("FV/2026/11/001"), "{text}");
    assert!(text.contains("1 230,00 PLN"), "{text}");
    assert!(text.contains("Razem do zapłaty: 7 380,00 PLN"), "{text}");
    assert!(text.contains("do 30.11.2026"), "a new pay-by date: {text}");
    assert!(!text.contains("wcześniejszego przypomnienia"), "{text}");
    assert!(!text.contains("odsetki"), "{text}");
    assert_eq!(msg.attachments().count(), 0, "no demand in a first mail");

    // Thursday 26: Delta's postponement is over: its first reminder, in English; Pióro's
    // missing address was reported once and is not reported again.
    let thu = "2026-11-26T09:00:00Z";
    env.statement("2026-11-25");
    let v = env.json(&["remind", "--as-of", "2026-11-26", "--json"], thu);
    let d = find(&v, "reminder", "Delta");
    assert_eq!(d["step"], "after_1", "{v:#}");
    assert!(
        !v.as_array().unwrap().iter().any(|d| d["kind"] == "notice"),
        "{v:#}"
    );
    assert!(
        !kinds(&v)
            .iter()
            .any(|(k, c, _)| k == "reminder" && c.contains("Gęślarz")),
        "{v:#}"
    );

    // Monday 30: the firmer step, a week after the first: interest and the demand PDF.
    let mon = "2026-11-30T09:00:00Z";
    env.statement("2026-11-27");
    let v = env.json(&["remind", "--as-of", "2026-11-30", "--json"], mon);
    assert_eq!(find(&v, "reminder", "Gęślarz")["step"], "after_7", "{v:#}");
    let o = env.run(&["run", "--once"], "2026-11-30T20:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (text, msg) = sent_mail(&env, "reminder_after_7");
    assert!(text.contains("wcześniejszego przypomnienia"), "{text}");
    assert!(text.contains("Anna Nowak"), "{text}");
    // 1 230,00 × 13.75 % × 14 / 365 = 6.4869… → 6,49; 6 150,00 × 13.75 % × 10 / 365 = 23.17
    assert!(
        text.contains("FV/2026/11/001: odsetki 6,49 PLN (14 dni)"),
        "{text}"
    );
    assert!(
        text.contains("FV/2026/11/002: odsetki 23,17 PLN (10 dni)"),
        "{text}"
    );
    assert!(text.contains("rekompensata 170,00 PLN"), "{text}");
    assert!(msg.body_html(0).is_some(), "an HTML alternative");
    let pdf = msg
        .attachments()
        .find(|a| {
            mail_parser::MimeHeaders::attachment_name(*a).is_some_and(|n| n.ends_with(".pdf"))
        })
        .expect("the demand for payment");
    let pdf_text = pdf_extract::extract_text_from_mem(pdf.contents()).unwrap();
    assert!(pdf_text.contains("WEZWANIE DO ZAPŁATY"), "{pdf_text}");
    assert!(pdf_text.contains("Gęślarz"), "{pdf_text}");
    assert!(pdf_text.contains("FV/2026/11/002"), "{pdf_text}");
    let raw = std::fs::read(sent_path(&env, "reminder_after_7")).unwrap();
    assert!(
        !String::from_utf8_lossy(&raw).contains("archiwum@"),
        "no Bcc header"
    );

    // Wednesday 2 Dec: Delta's firmer step.
    env.statement("2026-12-01");
    let v = env.json(
        &["remind", "--as-of", "2026-12-02", "--json"],
        "2026-12-02T09:00:00Z",
    );
    assert_eq!(find(&v, "reminder", "Delta")["step"], "after_7", "{v:#}");

    // Monday 7 Dec: five days after the escalating step, no payment and no reply: escalation
    // to the billing contact, and the account manager gets the history and a draft.
    let mon = "2026-12-07T09:00:00Z";
    env.statement("2026-12-04");
    let v = env.json(&["remind", "--as-of", "2026-12-07", "--json"], mon);
    let e = find(&v, "escalation", "Gęślarz");
    assert_eq!(e["to"], serde_json::json!(["faktury@geslarz.test"]));
    let m = find(&v, "escalation_manager", "Gęślarz");
    assert_eq!(m["to"], serde_json::json!(["jan@moja.test"]));
    // (Delta's escalating step went out on Wednesday: its escalation is due today too.)
    find(&v, "escalation", "Delta");
    // ...once.
    let v = env.json(
        &["remind", "--as-of", "2026-12-08", "--json"],
        "2026-12-08T09:00:00Z",
    );
    assert!(
        !kinds(&v)
            .iter()
            .any(|(k, _, _)| k.starts_with("escalation")),
        "{v:#}"
    );

    // History names every mail with its Message-ID.
    let hist = env.json(&["history", "Gęślarz", "--json"], mon);
    let lines = hist["history"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "reminder_after_7" && l["status"] == "sent"),
        "{hist:#}"
    );
    assert!(
        lines.iter().all(|l| l["message_id"].is_string()),
        "{hist:#}"
    );

    // The demand for one invoice as a PDF, from the CLI.
    let out = env.path().join("w.pdf");
    let o = env.ok(
        &[
            "demand",
            "FV/2026/11/002",
            "--as-of",
            "2026-12-20",
            "--out",
            out.to_str().unwrap(),
        ],
        mon,
    );
    // 6 150,00 × 13.75 % × 30 days (21 Nov – 20 Dec) / 365 = 69.50
    assert!(
        o.contains("interest 69.50 PLN (30 days from 2026-11-21)"),
        "{o}"
    );
    assert!(o.contains("compensation 297.50 PLN"), "{o}");
    let pdf = std::fs::read(&out).unwrap();
    assert!(
        pdf_extract::extract_text_from_mem(&pdf)
            .unwrap()
            .contains("69,50")
    );
}

#[test]
fn pause_resume_exclusion_and_own_offsets() {
    let env = Env::new(&config(""));
    env.load(&vars());
    let dry =
        |now: &str, day: &str| env.json(&["remind", "--as-of", day, "--dry-run", "--json"], now);
    // An ambiguous name changes nothing and lists the candidates.
    let o = env.run(&["client", "pause", "t"], MONDAY_10);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("matches") && err.contains("Northwind") && err.contains("Delta"),
        "{err}"
    );

    env.ok(
        &["client", "pause", "8998219935", "--until", "2026-11-27"],
        MONDAY_10,
    );
    let v = dry(MONDAY_10, "2026-11-23");
    let h = find(&v, "held", "Gęślarz");
    assert_eq!(h["reason"], "paused: paused until 2026-11-27");
    // The pause ends: Monday 30 one step goes, and as the client has had no mail yet, it is the
    // first overdue step's, not the demand.
    env.statement("2026-11-27");
    let v = dry("2026-11-30T09:00:00Z", "2026-11-30");
    let r = find(&v, "reminder", "Gęślarz");
    assert_eq!(r["step"], "after_1");
    env.ok(&["client", "pause", "Gęślarz"], MONDAY_10);
    assert_eq!(
        find(&dry(MONDAY_10, "2026-11-23"), "held", "Gęślarz")["reason"],
        "paused: paused"
    );
    env.ok(&["client", "resume", "geslarz"], MONDAY_10);
    find(&dry(MONDAY_10, "2026-11-23"), "reminder", "Gęślarz");

    // Excluded: staff are told instead, once per step.
    env.ok(&["client", "set", "Gęślarz", "--exclude"], MONDAY_10);
    let v = env.json(&["remind", "--as-of", "2026-11-23", "--json"], MONDAY_10);
    let i = find(&v, "internal", "Gęślarz");
    assert_eq!(i["to"], serde_json::json!(["szef@moja.test"]));
    assert!(
        !kinds(&v)
            .iter()
            .any(|(k, c, _)| k == "reminder" && c.contains("Gęślarz"))
    );
    env.ok(&["client", "set", "Gęślarz", "--include"], MONDAY_10);

    // Own offsets: Delta gets its steps at -1, +20, +40: nothing on the 26th, after_1 on 30 Nov.
    let o = env.run(&["client", "set", "Delta", "--offsets", "-1,20"], MONDAY_10);
    assert!(!o.status.success(), "the policy has three steps");
    env.ok(
        &[
            "client",
            "set",
            "Delta",
            "--offsets",
            "-1,20,40",
            "--email",
            "Ops <ops@delta.test>",
        ],
        MONDAY_10,
    );
    let v = dry("2026-11-26T09:00:00Z", "2026-11-26");
    assert!(
        !kinds(&v).iter().any(|(_, c, _)| c.contains("Delta")),
        "{v:#}"
    );
    let v = dry("2026-11-30T09:00:00Z", "2026-11-30");
    let d = find(&v, "reminder", "Delta");
    assert_eq!(d["step"], "after_1", "{v:#}");
    assert_eq!(
        d["to"],
        serde_json::json!(["finance@delta.test", "ops@delta.test"])
    );
    let show = env.json(&["client", "show", "Delta", "--json"], MONDAY_10);
    assert_eq!(show["language"], "en");
    assert_eq!(show["step_offsets"], serde_json::json!([-1, 20, 40]));
}

#[test]
fn stale_statements_hold_overdue_reminders_and_staff_hear_once() {
    let env = Env::new(&config(""));
    env.load(&vars());
    // The newest statement row is of Monday 23; on Thursday 26 it is 3 business days old.
    let v = env.json(
        &["remind", "--as-of", "2026-11-26", "--json"],
        "2026-11-26T09:00:00Z",
    );
    let h = find(&v, "held", "Gęślarz");
    assert!(
        h["reason"].as_str().unwrap().starts_with("stale_statement"),
        "{h}"
    );
    assert!(!kinds(&v).iter().any(|(k, _, _)| k == "reminder"), "{v:#}");
    assert!(
        v.as_array().unwrap().iter().any(|d| d["reason"] == "stale"),
        "{v:#}"
    );
    let v = env.json(
        &["remind", "--as-of", "2026-11-27", "--json"],
        "2026-11-27T09:00:00Z",
    );
    assert!(
        !v.as_array().unwrap().iter().any(|d| d["reason"] == "stale"),
        "once: {v:#}"
    );
}

#[test]
fn a_dispute_reply_holds_its_invoice_and_reaches_the_manager_and_an_out_of_office_does_not() {
    let env = Env::new(&config(""));
    env.load(&vars());
    env.ok(&["remind", "--as-of", "2026-11-23"], MONDAY_10);
    // Send (outside the window the daemon plans nothing new, but sends what is queued).
    env.ok(&["run", "--once"], "2026-11-23T20:00:00Z");
    let outbox = env.json(&["outbox", "--json"], MONDAY_10);
    let reminder_id = outbox
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["purpose"] == "reminder_after_1")
        .unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_string();
    let new = env.path().join("var/mail/new");
    std::fs::create_dir_all(&new).unwrap();
    std::fs::write(
        new.join("1.eml"),
        format!(
            "From: Księgowość Gęślarz <ksiegowosc@geslarz.test>\r\nTo: naleznosci@moja.test\r\n\
             Subject: Re: Termin płatności minął\r\nMessage-ID: <r1@geslarz.test>\r\nIn-Reply-To: <{reminder_id}>\r\n\
             Date: Tue, 24 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Fakturę 2026/11/002 reklamujemy, towar nie dotarł. Prosimy o kontakt.\r\n\r\n> Według naszych zapisów\r\n"
        ),
    )
    .unwrap();
    std::fs::write(
        new.join("2.eml"),
        "From: finance@delta.test\r\nTo: naleznosci@moja.test\r\nSubject: Out of Office: Payment\r\n\
         Message-ID: <o1@delta.test>\r\nAuto-Submitted: auto-replied\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n\r\n\
         I am away until December.\r\n",
    )
    .unwrap();
    env.ok(&["run", "--once"], "2026-11-24T20:00:00Z");
    // The manager got the reply with what was read and done and the commands; the client got
    // one acknowledgement in its thread.
    let (fwd, _) = sent_mail(&env, "reply_forward");
    assert!(
        fwd.contains("reklamacja / spór: „Fakturę 2026/11/002 reklamujemy, towar nie dotarł.”"),
        "{fwd}"
    );
    assert!(
        fwd.contains("FV/2026/11/002: do zapłaty 6 150,00 PLN"),
        "{fwd}"
    );
    assert!(
        fwd.contains("wstrzymał przypomnienia, eskalację i wezwania dla FV/2026/11/002"),
        "{fwd}"
    );
    assert!(fwd.contains("rozwiąż spór FV/2026/11/002 POWÓD"), "{fwd}");
    assert!(
        !fwd.contains("Według naszych zapisów"),
        "no quoted history: {fwd}"
    );
    let outbox = env.json(&["outbox", "--json"], MONDAY_10);
    let to_of = |purpose: &str| -> Vec<String> {
        outbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["purpose"] == purpose)
            .map(|o| o["recipients"].to_string())
            .collect()
    };
    assert_eq!(to_of("reply_forward").len(), 1);
    assert!(
        to_of("reply_forward")[0].contains("jan@moja.test"),
        "{outbox:#}"
    );
    assert_eq!(to_of("client_answer").len(), 1, "{outbox:#}");
    assert!(to_of("client_answer")[0].contains("ksiegowosc@geslarz.test"));
    let (ack, msg) = sent_mail(&env, "client_answer");
    assert!(
        ack.contains("nie będziemy wysyłać przypomnień o tej fakturze"),
        "{ack}"
    );
    assert_eq!(
        msg.in_reply_to().as_text(),
        Some("r1@geslarz.test"),
        "in the client's thread"
    );
    // History shows the reply with its intent.
    let hist = env.json(&["history", "Gęślarz", "--json"], MONDAY_10);
    assert!(
        hist["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["kind"] == "reply" && l["detail"].as_str().unwrap().contains("dispute")),
        "{hist:#}"
    );
    // The statement must be fresh for Delta's overdue step.
    env.statement("2026-11-25");
    // Friday 27: the client replied on Tuesday, its reminders wait; Delta's out-of-office
    // changed nothing.
    let v = env.json(
        &["remind", "--as-of", "2026-11-27", "--dry-run", "--json"],
        "2026-11-27T09:00:00Z",
    );
    find(&v, "reminder", "Delta");
    // Monday 30: reminders resume for FV/001 only; the disputed FV/002 is held, not escalated.
    env.statement("2026-11-27");
    let v = env.json(
        &["remind", "--as-of", "2026-11-30", "--dry-run", "--json"],
        "2026-11-30T09:00:00Z",
    );
    let r = find(&v, "reminder", "Gęślarz");
    assert_eq!(
        r["invoices"],
        serde_json::json!(["FV/2026/11/001"]),
        "{v:#}"
    );
    let h = find(&v, "held", "Gęślarz");
    assert!(h["reason"].as_str().unwrap().starts_with("disputed"), "{h}");
    // The manager resolves the dispute by CLI: FV/002 comes back.
    env.ok(
        &[
            "dispute",
            "resolve",
            "FV/2026/11/002",
            "--reason",
            "towar doręczony 26.11",
        ],
        MONDAY_10,
    );
    let v = env.json(
        &["remind", "--as-of", "2026-11-30", "--dry-run", "--json"],
        "2026-11-30T09:00:00Z",
    );
    let r = find(&v, "reminder", "Gęślarz");
    assert_eq!(
        r["invoices"],
        serde_json::json!(["FV/2026/11/001", "FV/2026/11/002"]),
        "{v:#}"
    );
}

/// End to end: the daemon on IMAP and SMTP; a reminder and a payment confirmation arrive in the
/// clients' mailboxes, and the archive gets a hidden copy of each.
#[test]
fn a_reminder_and_a_confirmation_arrive_with_the_archive_copy() {
    let stack = MailStack::start();
    let name = "dun";
    let env = Env::new(&stack_config(&stack, name, ""));
    env.load(&[
        ("geslarz", "geslarz@example.test"),
        ("northwind", "northwind@example.test"),
        ("delta", "delta@example.test"),
        ("billing", "billing@example.test"),
        ("manager", "manager@example.test"),
    ]);
    let o = once_on_stack(&env, name, MONDAY_10);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let wait = Duration::from_secs(30);
    let reminder = stack.wait_messages("geslarz@example.test", "INBOX", 1, wait);
    assert_eq!(reminder.len(), 1, "{}", stack.logs());
    let subject = header(&reminder[0], "Subject").unwrap();
    assert!(
        subject.contains("Zaleg") || subject.contains("=?"),
        "{subject}"
    );
    let thanks = stack.wait_messages("northwind@example.test", "INBOX", 1, wait);
    assert_eq!(thanks.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&thanks[0])
        .unwrap();
    assert!(
        parsed
            .subject()
            .unwrap()
            .starts_with("Dziękujemy za wpłatę")
    );
    assert!(parsed.body_text(0).unwrap().contains("FV/2026/11/004"));
    // The archive has a copy of both (and of the staff notice), none names it in a header.
    let archive = stack.wait_messages(&format!("archive{name}@example.test"), "INBOX", 3, wait);
    let ids: Vec<Option<String>> = archive.iter().map(|m| header(m, "Message-ID")).collect();
    assert!(ids.contains(&header(&reminder[0], "Message-ID")), "{ids:?}");
    assert!(ids.contains(&header(&thanks[0], "Message-ID")), "{ids:?}");
    assert!(!String::from_utf8_lossy(&reminder[0]).contains(&format!("archive{name}")));
    // A second round sends nothing new.
    let o = once_on_stack(&env, name, "2026-11-23T09:30:00Z");
    assert!(o.status.success());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(stack.messages("geslarz@example.test", "INBOX").len(), 1);
    assert_eq!(stack.messages("northwind@example.test", "INBOX").len(), 1);

    // The client disputes the reminder from its mail client: the account manager gets the reply
    // forwarded, read, with the commands to act on it; the client gets one acknowledgement.
    let reply = format!(
        "From: =?utf-8?q?G=C4=99=C5=9Blarz?= <geslarz@example.test>\r\nTo: bot{name}@example.test\r\n\
         Subject: Re: reminder\r\nMessage-ID: <spor1@example.test>\r\nIn-Reply-To: {id}\r\nReferences: {id}\r\n\
         Date: Mon, 23 Nov 2026 10:30:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\nReklamujemy fakturę FV/2026/11/002 – towar nie dotarł.\r\n",
        id = header(&reminder[0], "Message-ID").unwrap()
    );
    stack.append(
        &format!("bot{name}@example.test"),
        "INBOX",
        reply.as_bytes(),
    );
    let o = once_on_stack(&env, name, "2026-11-23T09:45:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fwd = stack.wait_messages("manager@example.test", "INBOX", 1, wait);
    assert_eq!(fwd.len(), 1, "{}", stack.logs());
    let parsed = mail_parser::MessageParser::default()
        .parse(&fwd[0])
        .unwrap();
    assert!(
        parsed
            .subject()
            .unwrap()
            .starts_with("Odpowiedź klienta Gęślarz"),
        "{:?}",
        parsed.subject()
    );
    let body = parsed.body_text(0).unwrap();
    assert!(body.contains("rozwiąż spór FV/2026/11/002 POWÓD"), "{body}");
    let inbox = stack.wait_messages("geslarz@example.test", "INBOX", 2, wait);
    assert_eq!(inbox.len(), 2, "the reminder and one acknowledgement");
    assert!(
        inbox
            .iter()
            .any(|m| header(m, "In-Reply-To").as_deref() == Some("<spor1@example.test>"))
    );
}

/// `[dunning] class_offsets` moves every step of a client of that payer class; a client with
/// offsets of its own keeps them.
#[test]
fn class_offsets_move_the_steps_of_a_payer_class() {
    let plain = Env::new(&config(""));
    plain.load(&vars());
    let moved = Env::new(&config(
        "class_offsets = { A = 10, B = 10, C = 10, D = 10 }",
    ));
    moved.load(&vars());
    let dry = |env: &Env| {
        env.json(
            &["remind", "--as-of", "2026-11-23", "--dry-run", "--json"],
            MONDAY_10,
        )
    };
    // FV/2026/11/001 was due on 16 Nov: after_1 is due on the 23rd, unless ten days later.
    find(&dry(&plain), "reminder", "Gęślarz");
    assert!(
        !kinds(&dry(&moved))
            .iter()
            .any(|(k, c, _)| k == "reminder" && c.contains("Gęślarz")),
        "{:#}",
        dry(&moved)
    );
    // Own offsets win over the class.
    moved.ok(
        &["client", "set", "Gęślarz", "--offsets", "-3,1,7"],
        MONDAY_10,
    );
    find(&dry(&moved), "reminder", "Gęślarz");
}

/// A document of a negative amount that names no invoice (a credit note, an overpayment the ERP
/// lists) is the client's credit: listed as such, deducted in the reminder, and a credit that
/// covers what a reminder would ask for holds it instead.
#[test]
fn a_clients_credit_is_deducted_and_one_that_covers_the_reminder_holds_it() {
    let env = Env::new(&config(""));
    env.load(&vars());
    let header = REGISTER.lines().next().unwrap_or_default();
    let credit = |number: &str, gross: &str| {
        format!(
            "{header}\n\"{number}\",\"2026-11-18\",\"2026-11-25\",\"\",\"{gross}\",\"PLN\",\"Gęślarz i Wspólnicy Sp.j.\",\"899-821-99-35\",\"\",\"issued\"\n"
        )
    };
    let list = env.write("korekta.csv", &credit("KOR/2026/11/007", "-500.00"));
    env.ok(&["import", &list], MONDAY_10);
    let v = env.json(&["invoices", "--status", "credit", "--json"], MONDAY_10);
    let credits = v.as_array().unwrap();
    assert_eq!(credits.len(), 1, "{v:#}");
    assert_eq!(credits[0]["number"], "KOR/2026/11/007");
    assert_eq!(credits[0]["outstanding"], "-500.00");
    assert_eq!(
        env.json(&["invoices", "--status", "unpaid", "--json"], MONDAY_10)
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["number"] == "KOR/2026/11/007")
            .count(),
        0,
        "a credit is not unpaid"
    );

    let status = env.ok(&["status", "Gęślarz"], MONDAY_10);
    assert!(
        status.contains("In the client's favour (deducted in reminders):\n  KOR/2026/11/007 of 2026-11-18: 500.00 PLN"),
        "{status}"
    );

    // The balance to confirm is net of the credit: 1230.00 + 6150.00 − 500.00.
    let confirmation = env.ok(
        &[
            "report",
            "--as-of",
            "2026-11-23",
            "--lang",
            "pl",
            "statement",
            "Gęślarz",
            "--confirmation",
        ],
        MONDAY_10,
    );
    assert!(
        confirmation.contains("saldo należności od Gęślarz i Wspólnicy")
            && confirmation.contains("wynosi 6 880,00 PLN")
            && confirmation.contains(
                "KOR/2026/11/007 z 18.11.2026: na Państwa korzyść (korekta lub nadpłata) 500,00 PLN"
            ),
        "{confirmation}"
    );
    let overdue = env.ok(&["overdue"], MONDAY_10);
    assert!(
        overdue.contains("set off the client's credit note or overpayment"),
        "{overdue}"
    );

    // Gęślarz owes 1230.00 + 6150.00: the credit of 500.00 is deducted in the mail.
    let v = env.json(&["remind", "--as-of", "2026-11-23", "--json"], MONDAY_10);
    find(&v, "reminder", "Gęślarz");
    let o = env.run(&["run", "--once"], "2026-11-23T20:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (text, _) = sent_mail(&env, "reminder_after_1");
    assert!(
        text.contains("na Państwa korzyść KOR/2026/11/007 z 18.11.2026: potrącamy 500,00 PLN"),
        "{text}"
    );
    assert!(
        text.contains("Razem do zapłaty po potrąceniu: 6 880,00 PLN"),
        "{text}"
    );

    // A second credit brings what is credited to what is due: the next step waits for a person
    // (or the ERP) to set it off, and says so.
    let list = env.write("korekta2.csv", &credit("KOR/2026/11/008", "-6880.00"));
    env.ok(&["import", &list], MONDAY_10);
    env.statement("2026-11-27");
    let v = env.json(
        &["remind", "--as-of", "2026-11-30", "--dry-run", "--json"],
        "2026-11-30T09:00:00Z",
    );
    let h = find(&v, "held", "Gęślarz");
    assert!(
        h["reason"].as_str().unwrap().starts_with("credit: "),
        "{h:#}"
    );
    assert!(
        !kinds(&v)
            .iter()
            .any(|(k, c, _)| k == "reminder" && c.contains("Gęślarz")),
        "{v:#}"
    );
    // The second credit was set off elsewhere and the ERP stopped listing it: paused, it is
    // left out, and the reminder goes with the first one deducted.
    env.ok(&["invoice", "pause", "KOR/2026/11/008"], MONDAY_10);
    let v = env.json(
        &["remind", "--as-of", "2026-11-30", "--json"],
        "2026-11-30T09:00:00Z",
    );
    assert_eq!(find(&v, "reminder", "Gęślarz")["step"], "after_7", "{v:#}");
    // The demand step, but with a credit to set off: deducted, and no formal demand (which
    // invoice the credit lowers is the accountant's call).
    let o = env.run(&["run", "--once"], "2026-11-30T20:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (text, msg) = sent_mail(&env, "reminder_after_7");
    assert!(text.contains("potrącamy 500,00 PLN"), "{text}");
    assert!(!text.contains("odsetki"), "{text}");
    assert_eq!(msg.attachments().count(), 0, "no demand PDF");
}
