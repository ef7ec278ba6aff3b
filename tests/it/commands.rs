//! Mail commands from staff through the real binary: on a Maildir (every command, forged
//! senders, a replay, a read-only sender), and end to end through Dovecot and Postfix.

use super::dunning::{Env, MONDAY_10, find, once_on_stack, stack_config, vars};
use super::mailstack::{MailStack, header};
use std::path::PathBuf;
use std::time::Duration;

/// A Sunday: the dunning stays quiet, only command answers are sent.
const SUNDAY: &str = "2026-11-22T12:00:00Z";

const CONFIG: &str = r#"
[company]
name = "Moja Firma Sp. z o.o."
nip = "5265260188"
accounts = ["PL55114000009378657975432319"]

[import]
isolate = false

[smtp]
from = "Należności <naleznosci@moja.test>"

# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["szef@moja.test"]
read_only = ["handlowiec@moja.test"]
admin_notice = "admin@moja.test"

[commands]
trusted_authserv_ids = ["mx.moja.test"]
"#;

const VOUCHED: &str = "mx.moja.test; spf=pass smtp.mailfrom=moja.test; dkim=pass (2048-bit key) header.d=moja.test header.s=s1";

struct Mailbox<'a> {
    env: &'a Env,
    n: usize,
}

impl Mailbox<'_> {
    /// Drops a mail into the watched Maildir and runs one daemon round; returns the mails it sent.
    fn send(
        &mut self,
        from: &str,
        subject: &str,
        body: &str,
        auth: Option<&str>,
        id: &str,
    ) -> Vec<Vec<u8>> {
        let new = self.env.path().join("var/mail/new");
        std::fs::create_dir_all(&new).unwrap();
        self.n += 1;
        let auth = auth
            .map(|a| format!("Authentication-Results: {a}\r\n"))
            .unwrap_or_default();
        let raw = format!(
            "Received: from mx.moja.test\r\n{auth}From: {from}\r\nTo: naleznosci@moja.test\r\nSubject: {subject}\r\n\
             Message-ID: <{id}>\r\nDate: Sun, 22 Nov 2026 13:00:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        );
        std::fs::write(
            new.join(format!("{}.{}.eml", self.n, id.replace('@', "_"))),
            raw,
        )
        .unwrap();
        let outbox = self.env.path().join("var/outbox");
        let before = eml(&outbox);
        self.env.ok(&["run", "--once"], SUNDAY);
        eml(&outbox)
            .into_iter()
            .filter(|p| !before.contains(p))
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    }
}

fn eml(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn text(raw: &[u8]) -> String {
    skarbnik::mail::inbound::Inbound::parse(raw).unwrap().text
}

fn only_reply_to<'a>(sent: &'a [Vec<u8>], to: &str) -> &'a Vec<u8> {
    assert_eq!(
        sent.len(),
        1,
        "exactly one mail: {:?}",
        sent.iter().map(|m| header(m, "To")).collect::<Vec<_>>()
    );
    assert_eq!(header(&sent[0], "To").as_deref(), Some(to));
    &sent[0]
}

#[test]
fn staff_commands_by_mail_in_both_languages() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let mut mb = Mailbox { env: &env, n: 0 };
    let boss = "Szef <szef@moja.test>";

    // Polish: pause a client until a date; the answer is in Polish, in the same thread.
    let sent = mb.send(
        boss,
        "wstrzymaj klienta Gęślarz do 2026-12-15",
        "",
        Some(VOUCHED),
        "c1@moja.test",
    );
    let a = only_reply_to(&sent, "szef@moja.test");
    assert_eq!(header(a, "In-Reply-To").as_deref(), Some("<c1@moja.test>"));
    let t = text(a);
    assert!(
        t.contains(
            "Wstrzymano przypomnienia dla Gęślarz i Wspólnicy Sp.j. (NIP 8998219935) do 15.12.2026"
        ),
        "{t}"
    );
    let c = env.json(&["client", "show", "Gęślarz", "--json"], MONDAY_10);
    assert_eq!(c["paused_until"], "2026-12-15");
    // The dunning holds the client.
    let v = env.json(
        &["remind", "--as-of", "2026-11-23", "--dry-run", "--json"],
        MONDAY_10,
    );
    assert!(
        find(&v, "held", "Gęślarz")["reason"]
            .as_str()
            .unwrap()
            .starts_with("paused")
    );

    // English, several commands, one per line, quoted text and signature ignored.
    let sent = mb.send(
        boss,
        "Re: a few things",
        "resume client 899-821-99-35\npause invoice FV/2026/11/005\nstatus Delta\n\n-- \nThe boss\n> pause client Northwind",
        Some(VOUCHED),
        "c2@moja.test",
    );
    let t = text(only_reply_to(&sent, "szef@moja.test"));
    assert!(
        t.contains("Reminders to Gęślarz i Wspólnicy Sp.j. (NIP 8998219935) are resumed."),
        "{t}"
    );
    assert!(
        t.contains("Invoice FV/2026/11/005: reminders paused until resumed."),
        "{t}"
    );
    assert!(
        t.contains("FV/2026/11/005 2,690.00 PLN, due 2026-11-10; invoice paused"),
        "{t}"
    );
    assert!(
        t.contains("#1 2026-11-19 1,000.00 PLN → FV/2026/11/005"),
        "{t}"
    );
    let c = env.json(&["client", "show", "Northwind", "--json"], MONDAY_10);
    assert_eq!(
        c["paused_indefinitely"], false,
        "a quoted command is never run"
    );

    // Overdue, and a payment seen elsewhere.
    let sent = mb.send(boss, "zaległości", "", Some(VOUCHED), "c3@moja.test");
    let t = text(only_reply_to(&sent, "szef@moja.test"));
    assert!(
        t.contains("Gęślarz i Wspólnicy Sp.j.") && t.contains("FV/2026/11/001 1 230,00 PLN"),
        "{t}"
    );
    assert!(t.contains("Razem: "), "{t}");
    let sent = mb.send(
        boss,
        "opłacona FV/2026/11/001 1 230,00 2026-11-21",
        "",
        Some(VOUCHED),
        "c4@moja.test",
    );
    let t = text(only_reply_to(&sent, "szef@moja.test"));
    assert!(
        t.contains("Zapisano wpłatę 1 230,00 PLN z 21.11.2026 na fakturę FV/2026/11/001"),
        "{t}"
    );
    let inv = env.json(&["invoices", "--json", "--status", "paid"], MONDAY_10);
    assert!(
        inv.as_array()
            .unwrap()
            .iter()
            .any(|i| i["number"] == "FV/2026/11/001"),
        "{inv:#}"
    );

    // Promise, match and unmatch (the partial payment #1 of Delta), help, and an unknown command.
    let sent = mb.send(
        boss,
        "promise Delta 2026-11-27",
        "",
        Some(VOUCHED),
        "c5@moja.test",
    );
    let answer = text(only_reply_to(&sent, "szef@moja.test"));
    assert!(
        answer.contains("pays by 2026-11-27 (invoices: FV/2026/11/005)")
            && answer.contains("resume by themselves from 2026-11-28"),
        "{answer}"
    );
    // The promise holds Delta's invoice, visible in its status.
    let sent = mb.send(boss, "status Delta", "", Some(VOUCHED), "c5s@moja.test");
    let status = text(only_reply_to(&sent, "szef@moja.test"));
    // "status" is the same word in both languages: the answer takes the staff language.
    assert!(
        status.contains("obietnica zapłaty do 27.11.2026") && status.contains("#1 19.11.2026"),
        "{status}"
    );
    let sent = mb.send(boss, "unmatch 1", "", Some(VOUCHED), "c6@moja.test");
    assert!(text(only_reply_to(&sent, "szef@moja.test")).contains("1 allocations removed"));
    let sent = mb.send(
        boss,
        "dopasuj 1 FV/2026/11/005",
        "",
        Some(VOUCHED),
        "c7@moja.test",
    );
    assert!(
        text(only_reply_to(&sent, "szef@moja.test"))
            .contains("Płatność #1 przypisano: FV/2026/11/005 1 000,00")
    );
    let sent = mb.send(boss, "pomoc", "", Some(VOUCHED), "c8@moja.test");
    assert!(text(only_reply_to(&sent, "szef@moja.test")).contains("wstrzymaj klienta X [do DATA]"));
    let sent = mb.send(
        boss,
        "What about the invoices?",
        "Please advise.",
        Some(VOUCHED),
        "c9@moja.test",
    );
    assert!(text(only_reply_to(&sent, "szef@moja.test")).contains("pause client X [until DATE]"));

    // An ambiguous client changes nothing and lists the candidates.
    let sent = mb.send(boss, "pause client t", "", Some(VOUCHED), "c10@moja.test");
    let t = text(only_reply_to(&sent, "szef@moja.test"));
    assert!(
        t.contains("matches") && t.contains("Northwind") && t.contains("Delta Trading"),
        "{t}"
    );
    assert_eq!(
        env.json(&["client", "show", "Northwind", "--json"], MONDAY_10)["paused_indefinitely"],
        false
    );

    // The audit log names who, and the Message-ID.
    let store = skarbnik::store::Store::open(&env.path().join("var/skarbnik.db")).unwrap();
    let log = store.audit_log(500).unwrap();
    assert!(
        log.iter().any(|e| e.actor == "szef@moja.test"
            && e.action == "command.executed"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("<c1@moja.test>"))),
        "{log:#?}"
    );
}

#[test]
fn forged_replayed_and_read_only_commands_change_nothing() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let mut mb = Mailbox { env: &env, n: 0 };
    let paused = |env: &Env| {
        env.json(&["client", "show", "Gęślarz", "--json"], MONDAY_10)["paused_indefinitely"] == true
    };
    let forgeries = [
        (None, "brak nagłówka Authentication-Results"),
        (
            Some("mx.moja.test; dkim=fail (bad signature) header.d=moja.test"),
            "nie potwierdza domeny moja.test (dkim=fail d=moja.test)",
        ),
        (
            Some("mx.attacker.test; dkim=pass header.d=moja.test"),
            "brak nagłówka Authentication-Results od zaufanego serwera",
        ),
        (
            Some("mx.moja.test; dkim=pass header.d=attacker.test"),
            "nie potwierdza domeny moja.test (dkim=pass d=attacker.test)",
        ),
    ];
    for (i, (auth, why)) in forgeries.iter().enumerate() {
        let sent = mb.send(
            "szef@moja.test",
            "pause client Gęślarz",
            "",
            *auth,
            &format!("f{i}@moja.test"),
        );
        // No answer to the claimed sender: the admin is told instead.
        let notice = only_reply_to(&sent, "admin@moja.test");
        let t = text(notice);
        assert!(t.contains(why), "{why}: {t}");
        assert!(!paused(&env), "a forged command ran: {why}");
    }
    // A genuine one, then the same Message-ID again (a replay): executed once, answered once.
    let sent = mb.send(
        "szef@moja.test",
        "pause client Gęślarz",
        "",
        Some(VOUCHED),
        "g1@moja.test",
    );
    only_reply_to(&sent, "szef@moja.test");
    assert!(paused(&env));
    env.ok(&["client", "resume", "Gęślarz"], MONDAY_10);
    let sent = mb.send(
        "szef@moja.test",
        "pause client Gęślarz",
        "",
        Some(VOUCHED),
        "g1@moja.test",
    );
    assert!(sent.is_empty(), "a replay is not answered");
    assert!(!paused(&env), "a replay changes nothing");

    // A read-only sender may ask, not change.
    let sent = mb.send(
        "handlowiec@moja.test",
        "wstrzymaj klienta Gęślarz\nstatus klienta Gęślarz",
        "wstrzymaj klienta Gęślarz\nstatus klienta Gęślarz",
        Some(VOUCHED),
        "r1@moja.test",
    );
    let t = text(only_reply_to(&sent, "handlowiec@moja.test"));
    assert!(t.contains("może tylko pytać"), "{t}");
    assert!(t.contains("Otwarte faktury"), "{t}");
    assert!(!paused(&env));
}

#[test]
fn the_same_actions_from_the_cli() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let o = env.ok(&["invoice", "pause", "FV/2026/11/002"], MONDAY_10);
    assert!(o.contains("paused"), "{o}");
    let o = env.ok(&["status", "Gęślarz"], MONDAY_10);
    assert!(
        o.contains("FV/2026/11/002") && o.contains("invoice paused"),
        "{o}"
    );
    let o = env.ok(&["promise", "Delta", "2026-12-01"], MONDAY_10);
    assert!(o.contains("2026-12-02"), "{o}");
    let o = env.ok(
        &[
            "paid",
            "FV/2026/11/003",
            "--amount",
            "100,00",
            "--date",
            "2026-11-22",
        ],
        MONDAY_10,
    );
    assert!(o.contains("Recorded a payment of 100.00 PLN"), "{o}");
    let o = env.ok(&["overdue"], MONDAY_10);
    assert!(o.contains("FV/2026/11/001"), "{o}");
    let bad = env.run(&["status", "t"], MONDAY_10);
    assert!(!bad.status.success());
    // A payment recorded by hand does not make the bank data look fresh.
    let v = env.json(
        &["remind", "--as-of", "2026-11-27", "--dry-run", "--json"],
        "2026-11-27T09:00:00Z",
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|d| d["reason"].as_str().unwrap_or("").starts_with("stale")),
        "{v:#}"
    );
}

/// End to end: a staff mail APPENDed to the bot's mailbox over IMAP, with the trusted MX's
/// Authentication-Results; the client is paused, the answer reaches the staff mailbox through
/// Postfix and Dovecot, and no reminder is planned for that client afterwards.
#[test]
fn a_command_through_dovecot_and_postfix() {
    let stack = MailStack::start();
    let name = "cmd";
    let bot = format!("bot{name}");
    let staff = format!("staff{name}@example.test");
    let env = Env::new(&stack_config(
        &stack,
        name,
        "[commands]\ntrusted_authserv_ids = [\"mx.example.test\"]",
    ));
    env.load(&vars());
    stack.append(
        &format!("{bot}@example.test"),
        "INBOX",
        format!(
            "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n\
             From: Staff <{staff}>\r\nTo: {bot}@example.test\r\nSubject: wstrzymaj klienta Gęślarz do 2026-12-31\r\n\
             Message-ID: <e2e-cmd@example.test>\r\nDate: Sun, 22 Nov 2026 13:00:00 +0100\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nDzięki!\r\n"
        )
        .as_bytes(),
    );
    let o = once_on_stack(&env, name, SUNDAY);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let answers = stack.wait_messages(&staff, "INBOX", 1, Duration::from_secs(30));
    assert_eq!(answers.len(), 1, "{}", stack.logs());
    assert_eq!(
        header(&answers[0], "In-Reply-To").as_deref(),
        Some("<e2e-cmd@example.test>")
    );
    assert!(
        text(&answers[0]).contains("do 31.12.2026"),
        "{}",
        text(&answers[0])
    );
    let c = env.json(&["client", "show", "Gęślarz", "--json"], MONDAY_10);
    assert_eq!(c["paused_until"], "2026-12-31");
    let v = env.json(
        &["remind", "--as-of", "2026-11-23", "--dry-run", "--json"],
        MONDAY_10,
    );
    assert!(
        !v.as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "reminder" && d["client"].as_str().unwrap().contains("Gęślarz")),
        "{v:#}"
    );
    assert!(
        find(&v, "held", "Gęślarz")["reason"]
            .as_str()
            .unwrap()
            .starts_with("paused")
    );
}

/// With sender authentication on, a statement "from staff" must be vouched for too: a forged one
/// could mark invoices paid. Not vouched: not imported, kept for a person, the admin told.
#[test]
fn a_report_from_staff_needs_the_same_proof() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let statement = "\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\r\n\
                     \"2026-11-21\";\"GĘŚLARZ I WSPÓLNICY\";\"FV/2026/11/001\";\"1 230,00\";\"PLN\"\r\n";
    let mail = |id: &str, auth: &str| {
        format!(
            "{auth}From: szef@moja.test\r\nTo: naleznosci@moja.test\r\nSubject: Wyciąg\r\nMessage-ID: <{id}>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nWyciąg w załączniku.\r\n--b\r\n\
             Content-Type: text/csv; charset=utf-8; name=\"wyciag.csv\"\r\n\
             Content-Disposition: attachment; filename=\"wyciag.csv\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
             {statement}--b--\r\n"
        )
    };
    let new = env.path().join("var/mail/new");
    std::fs::create_dir_all(&new).unwrap();
    std::fs::write(new.join("1.eml"), mail("s1@moja.test", "")).unwrap();
    env.ok(&["run", "--once"], SUNDAY);
    let paid = |env: &Env| {
        env.json(&["invoices", "--json", "--status", "paid"], MONDAY_10)
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        paid(&env),
        1,
        "only the Northwind invoice: the forged statement is not imported"
    );
    let other = env.path().join("var/mail/.skarbnik.other/cur");
    assert_eq!(
        std::fs::read_dir(&other).unwrap().count(),
        1,
        "kept for a person"
    );
    let sent: Vec<Vec<u8>> = eml(&env.path().join("var/outbox"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let notice = only_reply_to(&sent, "admin@moja.test");
    assert!(
        text(notice).contains("brak nagłówka Authentication-Results"),
        "{}",
        text(notice)
    );
    // Vouched for: imported, FV/2026/11/001 is paid.
    std::fs::write(
        new.join("2.eml"),
        mail(
            "s2@moja.test",
            &format!("Authentication-Results: {VOUCHED}\r\n"),
        ),
    )
    .unwrap();
    env.ok(&["run", "--once"], SUNDAY);
    assert_eq!(paid(&env), 2);
}

/// Every refusal says what is wrong, and changes nothing.
#[test]
fn refusals_name_their_cause() {
    let env = Env::new(CONFIG);
    env.load(&vars());
    let err = |args: &[&str]| {
        let o = env.run(args, MONDAY_10);
        assert!(!o.status.success(), "{args:?} must fail");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = err(&["demand", "FV/9999/2026"]);
    assert!(e.contains("no invoice \"FV/9999/2026\""), "{e}");
    // Paid in full (Northwind): nothing to demand.
    let e = err(&["demand", "FV/2026/11/004", "--as-of", "2026-11-23"]);
    assert!(e.contains("no overdue unpaid invoice"), "{e}");
    let e = err(&["client", "set", "Delta", "--offsets", "-1,20"]);
    assert!(e.contains("the policy has 3 steps, 2 offsets given"), "{e}");
    let e = err(&["client", "set", "Delta", "--offsets", "-1,x,3"]);
    assert!(e.contains("days like"), "{e}");
    let e = err(&["client", "set", "Delta", "--language", "de"]);
    assert!(e.contains("--language must be pl or en"), "{e}");
    let e = err(&["paid", "FV/9999/2026"]);
    assert!(
        e.contains("No invoice \"FV/9999/2026\". Nothing was recorded."),
        "{e}"
    );
    let e = err(&["promise", "nobody-like-this", "2026-12-01"]);
    assert!(e.contains("No client matches \"nobody-like-this\""), "{e}");
    let contacts = env.write("kontakty-zle.csv", "a;b;c\n1;2;3\n");
    let e = err(&["clients", "import", &contacts]);
    assert!(
        e.contains("kontakty-zle.csv: no contacts table found"),
        "{e}"
    );
    // Nothing changed by any of them.
    let delta = env.json(&["client", "show", "Delta", "--json"], MONDAY_10);
    assert_eq!(delta["step_offsets"], serde_json::Value::Null);
    assert_eq!(delta["language"], "en");
}

/// "raport tygodniowy" by mail through Dovecot and Postfix: the answer carries the report with
/// its PDF and XLSX, a read-only staff member may ask, and the archive gets its copy.
#[test]
fn a_weekly_report_asked_by_mail_through_dovecot_and_postfix() {
    let stack = MailStack::start();
    let name = "rep";
    let bot = format!("bot{name}");
    let staff = format!("staff{name}@example.test");
    let env = Env::new(&stack_config(
        &stack,
        name,
        "[commands]\ntrusted_authserv_ids = [\"mx.example.test\"]",
    ));
    env.load(&vars());
    stack.append(
        &format!("{bot}@example.test"),
        "INBOX",
        format!(
            "Authentication-Results: mx.example.test; dkim=pass header.d=example.test\r\n\
             From: Staff <{staff}>\r\nTo: {bot}@example.test\r\nSubject: raport tygodniowy\r\n\
             Message-ID: <e2e-rep@example.test>\r\nDate: Mon, 30 Nov 2026 08:00:00 +0100\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n\r\n"
        )
        .as_bytes(),
    );
    let o = once_on_stack(&env, name, "2026-11-30T09:00:00Z");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let answers = stack.wait_messages(&staff, "INBOX", 1, Duration::from_secs(30));
    // Staff may get notices of the same round too; the answer is the one in the thread.
    let answer = answers
        .iter()
        .find(|a| header(a, "In-Reply-To").as_deref() == Some("<e2e-rep@example.test>"))
        .unwrap_or_else(|| panic!("no answer: {}", stack.logs()));
    let raw = String::from_utf8_lossy(answer).to_string();
    for file in [
        "raport-tygodniowy-2026-11-30.pdf",
        "raport-tygodniowy-2026-11-30.xlsx",
    ] {
        assert!(raw.contains(file), "{file} is not attached: {raw}");
    }
    let t = text(answer);
    assert!(t.contains("Raport tygodniowy zaległości"), "{t}");
    assert!(t.contains("co zrobić:"), "{t}");
    let archived = stack.wait_messages(
        &format!("archive{name}@example.test"),
        "INBOX",
        answers.len(),
        Duration::from_secs(30),
    );
    assert!(
        archived
            .iter()
            .any(|a| String::from_utf8_lossy(a).contains("raport-tygodniowy-2026-11-30.pdf")),
        "{}",
        stack.logs()
    );
}
