//! Client conversations through the daemon in this process (fixed clock, Maildir, recording
//! sender): a promise pauses the invoices until the day and then they resume, with the broken
//! promise reported; a claim of payment holds until the statement settles the invoice; a first
//! contact long after the due date is never the demand.

use super::app::{TestApp, mail, text};
use super::dunning::{MONDAY_10, REGISTER, STATEMENT, vars};
use skarbnik::outbox::OutgoingMail;

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
"#;

fn fill(t: &str) -> String {
    vars()
        .iter()
        .fold(t.to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

/// The register and statement of the dunning tests, at Monday 23 Nov 2026, 10:00 in Warsaw.
fn loaded() -> TestApp {
    let mut t = TestApp::new(CONFIG, MONDAY_10);
    t.import("rejestr.csv", &fill(REGISTER));
    t.import("wyciag.csv", STATEMENT);
    t
}

/// A statement with one bank fee on `day` (the bank data is fresh up to it), plus `rows`.
fn statement(t: &mut TestApp, day: &str, rows: &str) {
    t.import(
        &format!("wyciag-{day}.csv"),
        &format!(
            "\"Data księgowania\";\"Kontrahent\";\"Tytuł\";\"Kwota\";\"Waluta\"\n\"{day}\";\"BANK\";\"Opłata\";\"-5,00\";\"PLN\"\n{rows}"
        ),
    );
}

fn purposes(sent: &[OutgoingMail]) -> Vec<String> {
    let mut p: Vec<String> = sent.iter().map(|m| m.purpose.clone()).collect();
    p.sort();
    p
}

fn to_geslarz(sent: &[OutgoingMail]) -> Vec<&OutgoingMail> {
    sent.iter()
        .filter(|m| m.envelope_to.iter().any(|a| a == "ksiegowosc@geslarz.test"))
        .collect()
}

/// The first mail of Monday's round to Gęślarz, and its Message-ID.
fn first_reminder(t: &mut TestApp) -> String {
    let (_, sent) = t.round();
    let r = to_geslarz(&sent);
    assert_eq!(r.len(), 1, "{:?}", purposes(&sent));
    // FV/001 is 7 days overdue, but the client has had no mail: not the demand.
    assert_eq!(r[0].purpose, "reminder_after_1");
    let parsed = mail_parser::MessageParser::default()
        .parse(&r[0].raw)
        .unwrap();
    assert_eq!(parsed.attachments().count(), 0, "no demand attached");
    r[0].message_id.clone()
}

#[test]
fn a_first_contact_after_a_long_outage_is_never_the_demand() {
    let mut t = loaded();
    first_reminder(&mut t);
}

#[test]
fn a_promise_holds_until_its_day_then_reminders_resume_and_the_broken_promise_is_reported() {
    let mut t = loaded();
    let id = first_reminder(&mut t);
    t.deliver(&mail(
        "Księgowość <ksiegowosc@geslarz.test>",
        "Re: Termin płatności minął",
        "Przepraszamy za opóźnienie, zapłacimy do piątku 27.11.\n\n> Według naszych zapisów",
        "p1@geslarz.test",
        &format!("In-Reply-To: <{id}>\r\n"),
    ));
    t.set_now("2026-11-23T10:00:00Z");
    let (_, sent) = t.round();
    let fwd: Vec<_> = sent
        .iter()
        .filter(|m| m.purpose == "reply_forward")
        .collect();
    assert_eq!(fwd.len(), 1, "{:?}", purposes(&sent));
    let f = text(fwd[0]);
    assert!(f.contains("obietnica zapłaty"), "{f}");
    assert!(f.contains("obiecany termin zapłaty: 27.11.2026"), "{f}");
    assert!(
        f.contains("wstrzymał przypomnienia dla FV/2026/11/001, FV/2026/11/002 do 27.11.2026"),
        "{f}"
    );
    assert!(to_geslarz(&sent).is_empty(), "a promise is not answered");
    // Through Friday nothing goes to the client, though its invoices are due for steps.
    for day in ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"] {
        statement(&mut t, day, "");
        t.set_now(&format!("{day}T09:00:00Z"));
        let (_, sent) = t.round();
        assert!(to_geslarz(&sent).is_empty(), "{day}: {:?}", purposes(&sent));
    }
    // Monday 30: the promise is broken. Staff are told once and reminders resume by themselves.
    statement(&mut t, "2026-11-27", "");
    t.set_now("2026-11-30T09:00:00Z");
    let (_, sent) = t.round();
    let notice: Vec<_> = sent.iter().filter(|m| m.purpose == "hold_notice").collect();
    assert_eq!(notice.len(), 1, "{:?}", purposes(&sent));
    let n = text(notice[0]);
    assert!(n.contains("obiecał zapłacić do 27.11.2026"), "{n}");
    assert!(n.contains("FV/2026/11/001"), "{n}");
    let r = to_geslarz(&sent);
    assert_eq!(r.len(), 1, "{:?}", purposes(&sent));
    assert_eq!(r[0].purpose, "reminder_after_7");
    t.set_now("2026-11-30T12:00:00Z");
    let (_, sent) = t.round();
    assert!(
        !sent.iter().any(|m| m.purpose == "hold_notice"),
        "told once"
    );
    assert_eq!(
        t.count("SELECT count(*) FROM invoice_holds WHERE outcome = 'broken'"),
        2
    );
}

#[test]
fn a_claimed_payment_holds_until_the_statement_settles_the_invoice() {
    let mut t = loaded();
    first_reminder(&mut t);
    // Not in the thread, but from the client's address, naming one invoice.
    t.deliver(&mail(
        "ksiegowosc@geslarz.test",
        "Płatność",
        "Dzień dobry, fakturę FV/2026/11/001 zapłaciliśmy wczoraj.\nPozdrawiam\nOla",
        "z1@geslarz.test",
        "",
    ));
    t.set_now("2026-11-23T10:00:00Z");
    let (_, sent) = t.round();
    let fwd = sent
        .iter()
        .find(|m| m.purpose == "reply_forward")
        .expect("forwarded");
    let f = text(fwd);
    assert!(f.contains("klient pisze, że zapłacił"), "{f}");
    // Five business days: Mon 23 → Mon 30.
    assert!(
        f.contains("wstrzymał przypomnienia dla FV/2026/11/001 do 30.11.2026"),
        "{f}"
    );
    assert!(f.contains("opłacona FV/2026/11/001 KWOTA DATA"), "{f}");
    // Monday 30, FV/001 would get its firmer step: it waits; FV/002 does not.
    statement(&mut t, "2026-11-27", "");
    t.set_now("2026-11-30T09:00:00Z");
    let (_, sent) = t.round();
    for m in to_geslarz(&sent) {
        let body = text(m);
        assert!(!body.contains("FV/2026/11/001"), "{body}");
    }
    // The statement shows the money: the invoice is paid, the hold kept, the client thanked.
    statement(
        &mut t,
        "2026-11-30",
        "\"2026-11-30\";\"GĘŚLARZ I WSPÓLNICY SP.J.\";\"FV/2026/11/001\";\"1 230,00\";\"PLN\"\n",
    );
    t.set_now("2026-12-01T09:00:00Z");
    let (_, sent) = t.round();
    assert!(
        sent.iter().any(|m| m.purpose == "confirmation"),
        "{:?}",
        purposes(&sent)
    );
    assert!(!sent.iter().any(|m| m.purpose == "hold_notice"));
    assert_eq!(
        t.count("SELECT count(*) FROM invoice_holds WHERE outcome = 'kept'"),
        1
    );
}

#[test]
fn a_client_asking_for_its_balance_gets_the_list_and_a_stranger_does_not() {
    let mut t = loaded();
    first_reminder(&mut t);
    t.deliver(&mail(
        "ksiegowosc@geslarz.test",
        "Saldo",
        "Prosimy o zestawienie otwartych faktur.",
        "s1@geslarz.test",
        "",
    ));
    t.set_now("2026-11-23T10:00:00Z");
    let (_, sent) = t.round();
    let answer = to_geslarz(&sent);
    assert_eq!(answer.len(), 1, "{:?}", purposes(&sent));
    let a = text(answer[0]);
    assert!(
        a.contains("FV/2026/11/001") && a.contains("FV/2026/11/002"),
        "{a}"
    );
    assert!(a.contains("Razem do zapłaty: 7 380,00 PLN"), "{a}");
    // Someone else in the thread asks the same: forwarded, not answered.
    let id = t
        .app
        .store
        .conn()
        .query_row(
            "SELECT message_id FROM outbox WHERE purpose = 'reminder_after_1'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    t.deliver(&mail(
        "ktos@obcy.test",
        "Re: Termin płatności minął",
        "Prosimy o zestawienie otwartych faktur i saldo.",
        "s2@obcy.test",
        &format!("In-Reply-To: <{id}>\r\n"),
    ));
    let (_, sent) = t.round();
    assert!(
        !sent
            .iter()
            .any(|m| m.envelope_to.iter().any(|a| a == "ktos@obcy.test")),
        "{:?}",
        purposes(&sent)
    );
    let f = text(sent.iter().find(|m| m.purpose == "reply_forward").unwrap());
    assert!(
        f.contains("adres nadawcy nie jest zapisanym adresem klienta"),
        "{f}"
    );
}

/// A client writing that it is bankrupt, in liquidation or restructuring: its reminders stop
/// until a person resumes it (the claim goes to those proceedings); a stranger's word does not
/// stop them.
#[test]
fn a_client_in_bankruptcy_is_paused_until_a_person_resumes_it() {
    let mut t = loaded();
    let id = first_reminder(&mut t);
    // A stranger in the thread says so first: forwarded, nothing paused.
    t.deliver(&mail(
        "ktos@obcy.test",
        "Re: Termin płatności minął",
        "Firma jest w likwidacji.",
        "u0@obcy.test",
        &format!("In-Reply-To: <{id}>\r\n"),
    ));
    t.set_now("2026-11-23T10:00:00Z");
    let (_, sent) = t.round();
    let f = text(sent.iter().find(|m| m.purpose == "reply_forward").unwrap());
    assert!(f.contains("nie wstrzymał klienta"), "{f}");
    let paused = |t: &TestApp| -> i64 {
        t.app
            .store
            .conn()
            .query_row(
                "SELECT paused_indefinitely FROM clients WHERE name LIKE 'Gęślarz%'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(paused(&t), 0);
    t.deliver(&mail(
        "ksiegowosc@geslarz.test",
        "Re: Termin płatności minął",
        "Informujemy, że sąd ogłosił upadłość naszej spółki. Wierzytelności prosimy zgłaszać syndykowi.",
        "u1@geslarz.test",
        &format!("In-Reply-To: <{id}>\r\n"),
    ));
    let (_, sent) = t.round();
    let f = text(sent.iter().find(|m| m.purpose == "reply_forward").unwrap());
    assert!(
        f.contains("upadłość / likwidacja / restrukturyzacja")
            && f.contains("wstrzymał wszystkie przypomnienia klienta do odwołania"),
        "{f}"
    );
    assert_eq!(paused(&t), 1);
    // A week later, the next step's day: nothing goes to the client.
    statement(&mut t, "2026-11-27", "");
    t.set_now("2026-11-30T09:00:00Z");
    let (_, sent) = t.round();
    assert!(to_geslarz(&sent).is_empty(), "{:?}", purposes(&sent));
}
