//! Reconciliation through the store: after imports, idempotent, manual match teaches, unmatch holds.

use super::support::{TestStore, report};
use skarbnik::domain::Lang;
use skarbnik::store::{InvoiceStatus, PaymentStatus};

fn demo() -> TestStore {
    let mut t = TestStore::new();
    for f in [
        "erp/subiekt-rozrachunki.csv",
        "mbank/zestawienie-operacji.csv",
        "pko-bp/historia-rachunku.csv",
        "pekao/historia-operacji.csv",
    ] {
        assert!(t.import_path(&report(f)).error.is_none(), "{f}");
    }
    t
}

fn allocations(t: &TestStore) -> Vec<(String, String, i64, String)> {
    let mut stmt = t
        .store
        .conn()
        .prepare(
            "SELECT p.title, i.number, a.amount_minor, a.rule FROM allocations a
             JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id ORDER BY a.id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn matches_after_import_and_is_idempotent() {
    let mut t = demo();
    let first = t.reconcile(Some("5265260188"), "test").unwrap();
    // The 2 March transfer from Krawiec-Tech (12 300,00) came before FV/0312/2026 was issued on
    // 12 March: the name and the amount no longer allocate it (a person decides).
    assert_eq!(first.matched, 4, "{first:?}");
    let got = allocations(&t);
    let want: Vec<(String, String, i64, String)> = vec![
        (
            "/VAT/460,00/IDC/5265260188/INV/FV/0288/2026/TXT/dostawa luty".into(),
            "FV/0288/2026".into(),
            246_000,
            "invoice_number".into(),
        ),
        (
            "Zapłata za FV/0298/2026, FV/0301/2026".into(),
            "FV/0298/2026".into(),
            369_000,
            "invoice_number".into(),
        ),
        (
            "Zapłata za FV/0298/2026, FV/0301/2026".into(),
            "FV/0301/2026".into(),
            369_000,
            "invoice_number".into(),
        ),
        (
            "FV/0312/2026".into(),
            "FV/0312/2026".into(),
            1_230_000,
            "invoice_number".into(),
        ),
        (
            "/VAT/230,00/IDC/5265260188/INV/FV/0305/2026/TXT/usługi marzec".into(),
            "FV/0305/2026".into(),
            123_000,
            "invoice_number".into(),
        ),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want;
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);
    // Again: nothing changes.
    let second = t.reconcile(Some("5265260188"), "test").unwrap();
    assert_eq!(second.matched, 0);
    assert_eq!(allocations(&t), got);
    // The same statement again: nothing new to match either.
    t.import_path(&report("mbank/zestawienie-operacji.csv"));
    assert_eq!(t.reconcile(None, "test").unwrap().matched, 0);
    assert_eq!(allocations(&t), got);
    // Statuses follow from allocations.
    let inv = t.store.invoices(None).unwrap();
    let status = |n: &str| inv.iter().find(|i| i.number == n).unwrap().status;
    assert_eq!(status("FV/0312/2026"), InvoiceStatus::Paid);
    assert_eq!(status("FV/0288/2026"), InvoiceStatus::Paid);
    assert_eq!(status("FV/0290/2026"), InvoiceStatus::Unpaid);
    let payments = t.store.payments(None).unwrap();
    let split = payments
        .iter()
        .find(|p| p.title.starts_with("/VAT/230,00"))
        .unwrap();
    assert_eq!(split.status, PaymentStatus::Matched);
    let why = en(&split.allocations[0].reason);
    assert!(
        why.contains("split payment: net 1,000.00 PLN here, VAT 230.00 PLN"),
        "{why}"
    );
    let pl = skarbnik::reconcile::render_stored(&split.allocations[0].reason, Lang::Pl);
    assert!(
        pl.contains("podzielona płatność: netto 1 000,00 PLN tutaj, VAT 230,00 PLN"),
        "{pl}"
    );
}

#[test]
fn review_lists_candidates_and_manual_match_teaches_the_account() {
    let mut t = demo();
    t.reconcile(None, "test").unwrap();
    let review = t.store.payments(Some(PaymentStatus::Review)).unwrap();
    assert_eq!(review.len(), 2, "{review:?}");
    assert!(
        en(review[0].review.as_deref().unwrap())
            .contains("before any of its open invoices was issued")
    );
    let p = &review[1];
    assert_eq!(p.amount.to_string(), "1476.00");
    assert_eq!(p.candidates, vec!["FV/0290/2026".to_string()]);
    let why = en(p.review.as_deref().unwrap());
    assert!(why.contains("no open invoice or set of invoices"), "{why}");

    let done = t
        .manual_match(p.id, &["FV/0290/2026".into()], "cli:anna")
        .unwrap();
    assert_eq!(done, vec![("FV/0290/2026".to_string(), 147_600)]);
    let inv = t.store.invoices(None).unwrap();
    let fv = inv.iter().find(|i| i.number == "FV/0290/2026").unwrap();
    assert_eq!(
        (fv.status, fv.outstanding.to_string()),
        (InvoiceStatus::Partial, "984.00".to_string())
    );

    // The payer's account is now known: its next transfer of the rest is matched by account.
    let next = "Data księgowania;Tytuł;Nadawca;Rachunek nadawcy;Kwota\n2026-04-02;przelew;NOWAK;60 1090 0000 0497 4650 7529 1703;984,00\n";
    t.import_bytes("april.csv", next.as_bytes());
    let s = t.reconcile(None, "test").unwrap();
    assert_eq!(
        s.matches,
        vec![(
            s.matches[0].0,
            vec!["FV/0290/2026".to_string()],
            "account".to_string()
        )]
    );

    let audit = t.store.audit_log(100).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "payment.matched.manual" && a.actor == "cli:anna")
    );
}

#[test]
fn unmatch_holds_the_payment_for_a_person() {
    let mut t = demo();
    t.reconcile(None, "test").unwrap();
    let p = t
        .store
        .payments(None)
        .unwrap()
        .into_iter()
        .find(|p| p.title == "FV/0312/2026")
        .unwrap();
    assert_eq!(t.unmatch(p.id, "cli:anna").unwrap(), 1);
    assert_eq!(
        t.reconcile(None, "test").unwrap().matched,
        0,
        "a held payment is left alone"
    );
    let again = t
        .store
        .payments(None)
        .unwrap()
        .into_iter()
        .find(|x| x.id == p.id)
        .unwrap();
    assert_eq!(again.status, PaymentStatus::Review);
    assert!(en(&again.review.unwrap()).contains("unmatched by cli:anna"));
    // Outgoing rows cannot be matched or unmatched.
    let fee = t
        .store
        .payments(None)
        .unwrap()
        .into_iter()
        .find(|x| x.kind == "fee")
        .unwrap();
    let e = t
        .manual_match(fee.id, &["FV/0290/2026".into()], "x")
        .unwrap_err();
    assert!(e.to_string().contains("not a customer payment"), "{e}");
}

/// A stored reason (evidence as JSON) as the CLI shows it.
fn en(stored: &str) -> String {
    skarbnik::reconcile::render_stored(stored, Lang::En)
}

/// A run with nothing new decides nothing again; any change to what matching reads (an invoice
/// arriving, a client's account learned by hand) makes the next run look at every open payment.
#[test]
fn a_run_with_nothing_new_is_skipped_and_a_new_invoice_is_not() {
    let mut t = TestStore::new();
    assert!(
        t.import_path(&report("mbank/zestawienie-operacji.csv"))
            .error
            .is_none()
    );
    let first = t.reconcile(Some("5265260188"), "test").unwrap();
    assert!(!first.unchanged);
    assert!(first.considered > 0);
    assert_eq!(first.matched, 0, "no invoices yet");
    let again = t.reconcile(Some("5265260188"), "test").unwrap();
    assert!(again.unchanged, "{again:?}");
    assert_eq!((again.considered, again.matched), (0, 0));
    assert_eq!(again.review, first.review);
    // Other settings are another question.
    let other = t.reconcile(None, "test").unwrap();
    assert!(!other.unchanged);
    // The receivables list brings the invoices the transfers name: they are matched now.
    assert!(
        t.import_path(&report("erp/subiekt-rozrachunki.csv"))
            .error
            .is_none()
    );
    let after = t.reconcile(Some("5265260188"), "test").unwrap();
    assert!(!after.unchanged);
    assert!(after.matched > 0, "{after:?}");
    assert!(t.reconcile(Some("5265260188"), "test").unwrap().unchanged);
}
