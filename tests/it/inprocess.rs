//! The application in this process (see app.rs): a fixed clock, a Maildir, a recording sender.
//! What is tested here needs control over time or over failures that the binary does not give.

use super::app::{TestApp, mail, text};
use super::dunning::{REGISTER, STATEMENT, vars};

/// Sunday: the dunning stays quiet, only answers are sent.
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
retry_secs = 60
confirm_grace_secs = 15

# The scheduled reports are tested in reports.rs; here they would add mails to count.
[reports]
weekly = false
monthly = false

[staff]
addresses = ["szef@moja.test"]
admin_notice = "admin@moja.test"

[commands]
trusted_authserv_ids = ["mx.moja.test"]
"#;

const VOUCHED: &str = "Authentication-Results: mx.moja.test; dkim=pass header.d=moja.test\r\n";

fn fill(t: &str) -> String {
    vars()
        .iter()
        .fold(t.to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

fn loaded() -> TestApp {
    let mut t = TestApp::new(CONFIG, SUNDAY);
    t.import("rejestr.csv", &fill(REGISTER));
    t.import("wyciag.csv", STATEMENT);
    t
}

/// Allocations, review state and the audit log of manual matches: what a match writes.
fn match_state(t: &TestApp) -> (i64, i64, i64, i64) {
    (
        t.count("SELECT count(*) FROM allocations"),
        t.count("SELECT count(*) FROM payments WHERE hold = 1"),
        t.count("SELECT count(*) FROM client_accounts"),
        t.count("SELECT count(*) FROM audit_log WHERE action LIKE 'payment.%'"),
    )
}

#[test]
fn a_store_failure_inside_a_manual_match_writes_nothing_and_says_so() {
    let mut t = loaded();
    // Payment #1 (Delta's 1 000,00) is allocated by the import's reconciliation. Free it.
    t.deliver(&mail(
        "szef@moja.test",
        "odepnij 1",
        "",
        "u1@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    assert!(
        text(&sent[0]).contains("usunięto 1 przypisań"),
        "{}",
        text(&sent[0])
    );
    let before = match_state(&t);
    assert_eq!(before.0, 1, "Northwind's payment stays allocated");

    // The store fails in the middle of the match: after the allocation is written, when the
    // manual match is audited.
    t.app
        .store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_match BEFORE INSERT ON audit_log
             WHEN NEW.action = 'payment.matched.manual'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    t.deliver(&mail(
        "szef@moja.test",
        "dopasuj 1 FV/2026/11/005",
        "",
        "m1@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    assert_eq!(
        match_state(&t),
        before,
        "nothing of the failed match is kept"
    );
    assert_eq!(sent.len(), 1, "one answer");
    let answer = text(&sent[0]);
    assert!(answer.contains("błąd wewnętrzny"), "{answer}");
    assert!(answer.contains("nic nie zmieniono"), "{answer}");
    assert!(
        !answer.contains("Nie przypisano"),
        "not a refusal: {answer}"
    );
    assert!(!answer.contains("injected"), "no database text: {answer}");
    assert_eq!(t.filed("skarbnik/failed"), 1, "kept for a person");
    assert_eq!(
        t.count("SELECT count(*) FROM audit_log WHERE action = 'command.failed'"),
        1
    );

    // Mended, a new mail does it.
    t.app
        .store
        .conn()
        .execute_batch("DROP TRIGGER fail_match")
        .unwrap();
    t.deliver(&mail(
        "szef@moja.test",
        "dopasuj 1 FV/2026/11/005",
        "",
        "m2@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    assert!(
        text(&sent[0]).contains("Płatność #1 przypisano: FV/2026/11/005 1 000,00"),
        "{}",
        text(&sent[0])
    );
    assert_eq!(match_state(&t).0, before.0 + 1);
}

#[test]
fn a_refused_match_is_answered_in_polish_and_changes_nothing() {
    let mut t = loaded();
    let before = match_state(&t);
    t.deliver(&mail(
        "szef@moja.test",
        "dopasuj 1 FV/2026/11/005",
        "",
        "r1@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    let answer = text(&sent[0]);
    assert!(
        answer.contains(
            "Nie przypisano płatności #1: płatność #1 jest już przypisana; najpierw ją odepnij"
        ),
        "{answer}"
    );
    assert!(
        !answer.contains("already"),
        "no English in Polish mail: {answer}"
    );
    assert_eq!(match_state(&t), before);
}

#[test]
fn retries_wait_for_their_time_on_the_clock() {
    let mut t = loaded();
    t.sender.fail.store(1, std::sync::atomic::Ordering::SeqCst);
    t.deliver(&mail(
        "szef@moja.test",
        "pomoc",
        "",
        "h1@moja.test",
        VOUCHED,
    ));
    let (stats, sent) = t.round();
    assert_eq!((stats.sent, stats.send_failures, sent.len()), (0, 1, 0));
    // The retry is a minute away (±20 %): not yet after 40 s, done after 80 s.
    t.set_now("2026-11-22T12:00:40Z");
    assert_eq!(t.round().1.len(), 0);
    t.set_now("2026-11-22T12:01:20Z");
    let (_, sent) = t.round();
    assert_eq!(sent.len(), 1);
    assert!(text(&sent[0]).contains("wstrzymaj klienta X"));
    assert_eq!(
        t.count("SELECT count(*) FROM outbox WHERE status = 'sent' AND attempts = 2"),
        1
    );
}

#[test]
fn an_interrupted_send_is_resent_after_the_grace_period() {
    let mut t = loaded();
    t.deliver(&mail(
        "szef@moja.test",
        "pomoc",
        "",
        "g1@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    assert_eq!(sent.len(), 1);
    // As if the process had died between the server's 250 and our commit.
    t.app
        .store
        .conn()
        .execute_batch(
            "UPDATE outbox SET status = 'sending', attempt_started_at = '2026-11-22T12:00:00Z'",
        )
        .unwrap();
    // Within the grace period (15 s) our copy may still arrive: nothing is resent.
    t.set_now("2026-11-22T12:00:10Z");
    assert_eq!(t.round().1.len(), 0);
    // Past it, without our copy: sent again.
    t.set_now("2026-11-22T12:00:16Z");
    assert_eq!(t.round().1.len(), 1);
    assert_eq!(
        t.count("SELECT count(*) FROM outbox WHERE status = 'sent'"),
        1
    );
}

/// A demo report mail from `from` (its first lines replaced), with a Message-ID and subject.
fn demo_report(headers: &str, id: &str, subject: &str) -> String {
    let raw =
        std::fs::read_to_string(super::support::fixtures().join("mail/demo/1-demo-1.eml")).unwrap();
    let body = &raw[raw.find("MIME-Version:").unwrap()..];
    format!(
        "{headers}To: naleznosci@moja.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Fri, 20 Nov 2026 09:01:00 +0100\r\n{body}"
    )
}

#[test]
fn two_from_fields_are_never_obeyed_nor_answered() {
    let mut t = loaded();
    let invoices = t.count("SELECT count(*) FROM invoices");
    // The command: the forged From first (what a mail client shows), staff's second, and a
    // trusted pass for staff's domain.
    t.deliver(&mail(
        "szef@moja.test",
        "wstrzymaj klienta Delta",
        "",
        "f1@moja.test",
        &format!("{VOUCHED}From: attacker@evil.test\r\n"),
    ));
    // The report: staff's address and the attacker's; the summary would go to one of them.
    t.deliver(&demo_report(
        &format!("{VOUCHED}From: szef@moja.test\r\nFrom: attacker@evil.test\r\n"),
        "f2@moja.test",
        "Fwd: należności",
    ));
    let (_, sent) = t.round();
    assert_eq!(
        t.count("SELECT paused_indefinitely FROM clients WHERE name LIKE 'Delta%'"),
        0,
        "not obeyed"
    );
    assert_eq!(
        t.count("SELECT count(*) FROM invoices"),
        invoices,
        "not imported"
    );
    let to: Vec<String> = sent.iter().flat_map(|m| m.envelope_to.clone()).collect();
    assert!(
        to.iter().all(|a| a == "admin@moja.test"),
        "only the admin is told: {to:?}"
    );
    let log: Vec<String> = t
        .app
        .store
        .audit_log(50)
        .unwrap()
        .iter()
        .map(|a| format!("{} {:?} {:?}", a.action, a.subject, a.detail))
        .collect();
    assert_eq!(sent.len(), 2, "one notice per mail: {log:#?}");
    for m in &sent {
        assert!(
            text(m).contains("wiadomość ma 2 pola nagłówka From"),
            "{}",
            text(m)
        );
    }
    assert_eq!(t.filed("skarbnik/other"), 2, "both wait for a person");
    assert_eq!(
        t.count(
            "SELECT count(*) FROM audit_log WHERE action IN ('command.refused', 'report.refused')"
        ),
        2
    );
}

#[test]
fn absurd_message_ids_and_subjects_get_a_reply_within_the_line_limit() {
    let mut t = TestApp::new(
        "[import]\nisolate = false\n[smtp]\nfrom = \"naleznosci@moja.test\"\n",
        SUNDAY,
    );
    let id = format!("{}@evil.test", "x".repeat(2000));
    let subject = "Wyciąg ".repeat(14_000);
    t.deliver(&demo_report(
        "From: Anna <ksiegowosc@firma.test>\r\n",
        &id,
        &subject,
    ));
    let (_, sent) = t.round();
    assert_eq!(sent.len(), 1, "the summary");
    for (i, line) in sent[0].raw.split(|b| *b == b'\n').enumerate() {
        assert!(
            line.len() <= 999,
            "line {} has {} octets",
            i + 1,
            line.len()
        );
    }
    let reply = skarbnik::mail::inbound::Inbound::parse(&sent[0].raw).unwrap();
    assert!(reply.in_reply_to.is_empty(), "no threading on an absurd id");
    assert!(
        reply.subject.starts_with("Re: Wyciąg Wyciąg"),
        "{}",
        reply.subject
    );
    assert!(
        reply.subject.ends_with("wczytano"),
        "our part survives: {}",
        reply.subject
    );
}

/// A payment recorded by hand and the bank's payment of the same invoice are not counted twice:
/// the bank payment waits for a person, the second record is refused with what it would
/// overpay, a manual match onto a settled invoice is refused, and the client is thanked once.
#[test]
fn manual_actions_never_double_count() {
    let mut t = loaded();
    // Monday, in the send window: thank-yous go out.
    t.set_now("2026-11-23T09:00:00Z");
    t.deliver(&mail(
        "szef@moja.test",
        "opłacona FV/2026/11/001",
        "",
        "pd1@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    let answer = sent
        .iter()
        .find(|m| m.purpose == "command_reply")
        .map(text)
        .unwrap();
    assert!(answer.contains("Zapisano wpłatę 1 230,00 PLN"), "{answer}");
    let thanks = |sent: &[skarbnik::outbox::OutgoingMail]| {
        sent.iter()
            .filter(|m| m.purpose == "confirmation" && text(m).contains("FV/2026/11/001"))
            .count()
    };
    assert_eq!(thanks(&sent), 1, "thanked once for the invoice");
    // The same again: refused, with what it would overpay.
    t.deliver(&mail(
        "szef@moja.test",
        "opłacona FV/2026/11/001 1230,00",
        "",
        "pd2@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    let answer = sent
        .iter()
        .find(|m| m.purpose == "command_reply")
        .map(text)
        .unwrap();
    assert!(
        answer.contains("jest już rozliczona (zapłacono 1 230,00 z 1 230,00 PLN)")
            && answer.contains("nadpłatę 1 230,00 PLN")
            && answer.contains("Nic nie zapisano"),
        "{answer}"
    );
    assert_eq!(
        t.count("SELECT count(*) FROM payments WHERE title LIKE 'FV/2026/11/001 (recorded%'"),
        1
    );
    // The bank's statement shows the same money: a person decides, nothing is overpaid.
    t.import(
        "wyciag-24.csv",
        "\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\n\"2026-11-23\";\"GĘŚLARZ I WSPÓLNICY\";\"Zapłata FV/2026/11/001\";\"1 230,00\";\"PLN\"\n",
    );
    let (review, reason): (i64, String) = t
        .app
        .store
        .conn()
        .query_row(
            "SELECT p.id, r.reason FROM payments p JOIN payment_reviews r ON r.payment_id = p.id
              WHERE p.title = 'Zapłata FV/2026/11/001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let pl = skarbnik::reconcile::render_stored(&reason, skarbnik::domain::Lang::Pl);
    assert!(pl.contains("rozliczona wpłatą zapisaną ręcznie"), "{pl}");
    assert_eq!(
        t.count("SELECT count(*) FROM allocations WHERE invoice_id = (SELECT id FROM invoices WHERE number = 'FV/2026/11/001')"),
        1
    );
    // A person matching it anyway is told it would overpay, and which record to remove.
    t.deliver(&mail(
        "szef@moja.test",
        &format!("dopasuj {review} FV/2026/11/001"),
        "",
        "pd3@moja.test",
        VOUCHED,
    ));
    let (_, sent) = t.round();
    let answer = sent
        .iter()
        .find(|m| m.purpose == "command_reply")
        .map(text)
        .unwrap();
    assert!(
        answer.contains(
            "FV/2026/11/001 jest już rozliczona; ta płatność dałaby nadpłatę 1 230,00 PLN"
        ) && answer.contains("odepnij"),
        "{answer}"
    );
    // Nobody is thanked again.
    t.set_now("2026-11-24T09:00:00Z");
    let (_, sent) = t.round();
    assert_eq!(thanks(&sent), 0);
}
