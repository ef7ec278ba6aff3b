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
