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
    // A run's automatic matches are one entry in the log: their allocations' ids, how many
    // payments and by which rules. Each allocation is the record of its match, with its reason
    // as data that reads in Polish as well as in English; no entry a payment repeats it.
    assert!(
        !audit.iter().any(|a| a.action == "payment.matched"),
        "{audit:?}"
    );
    let run = audit
        .iter()
        .find(|a| a.action == "payments.matched")
        .unwrap_or_else(|| panic!("no run entry in {audit:?}"));
    assert_eq!(run.actor, "test");
    let detail: serde_json::Value = serde_json::from_str(run.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["payments"], 1, "{detail}");
    assert_eq!(
        detail["by_rule"],
        serde_json::json!({"account": 1}),
        "{detail}"
    );
    let (first, last) = (
        detail["allocations"]["first"].as_i64().unwrap(),
        detail["allocations"]["last"].as_i64().unwrap(),
    );
    assert_eq!(
        run.subject.as_deref(),
        Some(format!("allocations:{first}-{last}").as_str())
    );
    let id = s.matches[0].0;
    let (allocation, payment): (i64, i64) = t
        .store
        .conn()
        .query_row(
            "SELECT id, payment_id FROM allocations WHERE payment_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((first, last), (allocation, allocation), "{detail}");
    assert_eq!(payment, id);
    let paid = t.store.payments(None).unwrap();
    let reason = &paid.iter().find(|p| p.id == id).unwrap().allocations[0].reason;
    let pl = skarbnik::reconcile::render_stored(reason, Lang::Pl);
    assert!(pl.contains("rachunek płatnika"), "{pl}");
    assert!(en(reason).contains("account"), "{reason}");
    // Removed by a person, the allocation's reason stays in the log.
    t.unmatch(id, "cli:anna").unwrap();
    let removed = t
        .store
        .audit_log(100)
        .unwrap()
        .into_iter()
        .find(|a| a.action == "payment.unmatched")
        .and_then(|a| a.detail)
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&removed).unwrap();
    let first = &detail[0];
    assert_eq!(
        (
            &first["invoice"],
            &first["amount"],
            &first["rule"],
            &first["by"]
        ),
        (
            &serde_json::json!("FV/0290/2026"),
            &serde_json::json!("984.00 PLN"),
            &serde_json::json!("account"),
            &serde_json::json!("test")
        ),
        "{removed}"
    );
    let reason = first["reason"].to_string();
    let pl = skarbnik::reconcile::render_stored(&reason, Lang::Pl);
    assert!(pl.contains("rachunek płatnika"), "{pl}");
    assert!(en(&reason).contains("account"), "{reason}");
}

#[test]
fn unmatch_holds_the_payment_for_a_person() {
    let mut t = demo();
    t.reconcile(None, "test").unwrap();
    let paid_before = t.scalar("SELECT SUM(allocated_minor) FROM invoices");
    assert!(paid_before > 0);
    assert_eq!(t.paid_sums_astray(), 0);
    let p = t
        .store
        .payments(None)
        .unwrap()
        .into_iter()
        .find(|p| p.title == "FV/0312/2026")
        .unwrap();
    assert_eq!(t.unmatch(p.id, "cli:anna").unwrap(), 1);
    // The invoices' kept sums lost exactly the unmatched payment.
    assert_eq!(t.paid_sums_astray(), 0);
    let paid_after = t.scalar("SELECT SUM(allocated_minor) FROM invoices");
    let unmatched = t.scalar(&format!(
        "SELECT amount_minor FROM payments WHERE id = {}",
        p.id
    ));
    assert_eq!(paid_before - paid_after, unmatched);
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

/// Statements imported before any receivables list: no invoice to pay and no client to
/// recognise. Every open payment is unmatched, nothing is allocated, a payment left in review
/// by an earlier run leaves it (as the rules would decide), and the run is stamped: the next one
/// with nothing new is skipped.
#[test]
fn statements_without_invoices_or_clients_are_all_unmatched_and_leave_review() {
    let mut t = TestStore::new();
    for f in [
        "mbank/zestawienie-operacji.csv",
        "pko-bp/historia-rachunku.csv",
    ] {
        assert!(t.import_path(&report(f)).error.is_none(), "{f}");
    }
    assert_eq!((t.count("invoices"), t.count("clients")), (0, 0));
    let incoming = t.scalar("SELECT COUNT(*) FROM payments WHERE kind = 'incoming'");
    assert!(incoming > 3, "{incoming}");
    t.store
        .conn()
        .execute(
            "INSERT INTO payment_reviews (payment_id, reason, candidates)
             SELECT MIN(id), '{}', '[]' FROM payments WHERE kind = 'incoming'",
            [],
        )
        .unwrap();
    let first = t.reconcile(Some("5265260188"), "test").unwrap();
    assert_eq!(first.considered as i64, incoming, "{first:?}");
    assert_eq!(
        (first.unmatched as i64, first.matched, first.review),
        (incoming, 0, 0),
        "{first:?}"
    );
    assert_eq!(t.count("allocations"), 0);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM payment_reviews"), 0);
    let again = t.reconcile(Some("5265260188"), "test").unwrap();
    assert!(again.unchanged, "{again:?}");
}

/// The dunning, `overdue` and `status` read the payment history as it stands on one day, from
/// the sums kept on each invoice; the reports read it whole. For any day, both must say the
/// same of that day: when each invoice was paid in full, what was outstanding, each client's
/// score. The history is made awkward on purpose: partial payments booked out of order, one
/// taken back, some invoices with an ERP's figure and some without.
#[test]
fn the_history_as_of_a_day_says_what_the_whole_history_says_of_it() {
    use chrono::NaiveDate;
    let mut t = demo();
    t.reconcile(None, "test").unwrap();
    {
        let conn = t.store.conn();
        let invoices: Vec<(i64, i64)> = conn
            .prepare("SELECT id, gross_minor FROM invoices ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let payments: Vec<i64> = conn
            .prepare("SELECT id FROM payments WHERE kind = 'incoming' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(invoices.len() >= 5 && payments.len() >= 5);
        // Pairs already allocated by the reconciliation are left as they are.
        let mut seen: std::collections::HashSet<(i64, i64)> = conn
            .prepare("SELECT payment_id, invoice_id FROM allocations")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let days = ["2026-03-20", "2026-02-10", "2026-04-15", "2026-03-01"];
        let tx = t.store.transaction().unwrap();
        for (k, (invoice, gross)) in invoices.iter().enumerate() {
            for j in 0..(k % 4) {
                let payment = payments[(k * 3 + j) % payments.len()];
                if !seen.insert((payment, *invoice)) {
                    continue;
                }
                tx.insert_allocation(&skarbnik::store::NewAllocation {
                    payment,
                    invoice: *invoice,
                    amount: gross / 3 + 1,
                    rule: skarbnik::domain::Rule::Manual,
                    reason: "{}",
                    actor: "test",
                    booking_date: days[(k + j) % days.len()].parse().ok(),
                    manual: false,
                })
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let conn = t.store.conn();
        conn.execute(
            "DELETE FROM allocations WHERE id = (SELECT MIN(id) FROM allocations)",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE invoices SET reported_outstanding_minor = NULL WHERE id % 2 = 0",
            [],
        )
        .unwrap();
    }
    assert_eq!(t.paid_sums_astray(), 0);
    let policy = skarbnik::dunning::config::DunningConfig::default().policy();
    let mut summed_up = 0;
    for as_of in ["2026-02-15", "2026-03-10", "2026-03-25", "2026-12-31"] {
        let as_of: NaiveDate = as_of.parse().unwrap();
        let tx = t.store.transaction().unwrap();
        let snap = tx.dunning_snapshot().unwrap();
        let whole = skarbnik::reports::book(&snap, &tx.book_rows().unwrap(), &policy);
        let rows = tx.book_as_of(as_of).unwrap();
        summed_up += rows.paid.len();
        let lean = skarbnik::reports::book(&snap, &rows, &policy);
        assert_eq!(whole.invoices.len(), lean.invoices.len());
        for (a, b) in whole.invoices.iter().zip(&lean.invoices) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.paid_on(), b.paid_on(), "{} on {as_of}", a.number);
            assert_eq!(
                a.outstanding_at(as_of),
                b.outstanding_at(as_of),
                "{} on {as_of}",
                a.number
            );
        }
        let (sw, sl) = (
            skarbnik::reports::score::scores(&whole, as_of),
            skarbnik::reports::score::scores(&lean, as_of),
        );
        // Summed in hash order: equal up to rounding.
        assert!(
            (sw.firm_delay - sl.firm_delay).abs() < 1e-9,
            "on {as_of}: {} vs {}",
            sw.firm_delay,
            sl.firm_delay
        );
        assert_eq!(
            format!("{:?}", sorted(&sw.by_client)),
            format!("{:?}", sorted(&sl.by_client)),
            "on {as_of}"
        );
    }
    assert!(summed_up > 0);
}

fn sorted<V: std::fmt::Debug>(m: &std::collections::HashMap<i64, V>) -> Vec<(i64, &V)> {
    let mut v: Vec<(i64, &V)> = m.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|(k, _)| *k);
    v
}

/// Invoices paid twice over: each once early in a statement and once again at its end, thousands
/// of other transfers between. The rules decide on a second thread a batch at a time; what the
/// first payments paid must be known when the repeats are decided, batches later: each repeat
/// is then an overpayment of a settled invoice, where rules that forgot the earlier batches
/// would call it an exact payment.
#[test]
fn payments_decided_in_batches_see_what_the_batches_before_them_paid() {
    const INVOICES: usize = 300;
    const BETWEEN: usize = 9_000;
    let mut t = TestStore::new();
    let mut list = String::from(
        "Numer dokumentu;Data wystawienia;Termin płatności;Kontrahent;NIP;Wartość brutto;Waluta\r\n",
    );
    let gross = |k: usize| 10_000 + k as i64 * 100 + 17;
    let zl = |g: i64| format!("{},{:02}", g / 100, g % 100);
    for k in 0..INVOICES {
        list.push_str(&format!(
            "FV/{k}/02/2026;01.02.2026;15.03.2026;FIRMA {} SP. Z O.O.;;{};PLN\r\n",
            k % 20,
            zl(gross(k))
        ));
    }
    let out = t.import_bytes("naleznosci.csv", &encoding_rs::WINDOWS_1250.encode(&list).0);
    assert!(!out.refused(), "{out:?}");
    let mut rows: Vec<(String, String, i64)> = Vec::new();
    for k in 0..INVOICES {
        rows.push((
            "2026-02-02".into(),
            format!("Zapłata FV/{k}/02/2026"),
            gross(k),
        ));
    }
    for i in 0..BETWEEN {
        rows.push((
            format!("2026-02-{:02}", 3 + i * 20 / BETWEEN),
            format!("Zwrot kaucji nr {i}"),
            7 + i as i64 * 3,
        ));
    }
    for k in 0..INVOICES {
        rows.push((
            "2026-02-25".into(),
            format!("Zapłata FV/{k}/02/2026"),
            gross(k),
        ));
    }
    let mut s = String::from("#Klient;FIRMA TESTOWA;\r\n#Saldo początkowe;0,00 PLN;\r\n;\r\n");
    s.push_str("#Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\r\n");
    let mut balance = 0;
    for (k, (day, title, amount)) in rows.iter().enumerate() {
        balance += amount;
        let payer = if title.starts_with("Zapłata") {
            format!("FIRMA {} SP. Z O.O.", (k % INVOICES) % 20)
        } else {
            format!("JAN KOWALSKI {k}")
        };
        s.push_str(&format!(
            "{day};{day};PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"{title}\";\"{payer}\";'61105000000189555979711471';{};{};\r\n",
            zl(*amount),
            zl(balance)
        ));
    }
    s.push_str(&format!(";;;;;;#Saldo końcowe;{};\r\n", zl(balance)));
    let out = t.import_bytes("wyciag.csv", &encoding_rs::WINDOWS_1250.encode(&s).0);
    assert!(!out.refused(), "{out:?}");
    let summary = t.reconcile(None, "test").unwrap();
    assert_eq!(summary.considered, rows.len());
    assert_eq!(summary.matched, 2 * INVOICES);
    assert_eq!(summary.unmatched, BETWEEN);
    let overpaid = |day: &str| {
        t.scalar(&format!(
            "SELECT COUNT(*) FROM allocations WHERE booking_date = '{day}'
                AND reason LIKE '%\"e\":\"overpayment\"%'"
        ))
    };
    assert_eq!(overpaid("2026-02-02"), 0);
    assert_eq!(overpaid("2026-02-25"), INVOICES as i64);
    assert_eq!(
        t.scalar(
            "SELECT COUNT(*) FROM invoices
              WHERE allocated_minor <> 2 * gross_minor OR paid_off_on IS NOT '2026-02-02'
                 OR last_paid_on IS NOT '2026-02-25'"
        ),
        0
    );
    assert_eq!(t.paid_sums_astray(), 0);
}

/// A run that allocates more than the store holds builds the index of allocations by invoice
/// once at its end and adds each invoice's figures once: the same allocations and figures as a
/// run that keeps them allocation by allocation. Here with invoices paid in parts on three
/// days of one run (the paid-in-full day falls inside the run) after a later payment from an
/// earlier run (allocations out of booking order).
#[test]
fn a_bulk_run_stores_what_a_run_allocation_by_allocation_stores() {
    const INVOICES: usize = 40;
    let gross = |k: usize| 30_000 + k as i64 * 300 + 9;
    let zl = |g: i64| format!("{},{:02}", g / 100, g % 100);
    let statement = |rows: &[(String, String, i64, usize)]| {
        let mut s = String::from("#Klient;FIRMA TESTOWA;\r\n#Saldo początkowe;0,00 PLN;\r\n;\r\n");
        s.push_str("#Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\r\n");
        let mut balance = 0;
        for (day, title, amount, client) in rows {
            balance += amount;
            s.push_str(&format!(
                "{day};{day};PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"{title}\";\"FIRMA {client} SP. Z O.O.\";'61105000000189555979711471';{};{};\r\n",
                zl(*amount),
                zl(balance)
            ));
        }
        s.push_str(&format!(";;;;;;#Saldo końcowe;{};\r\n", zl(balance)));
        encoding_rs::WINDOWS_1250.encode(&s).0.into_owned()
    };
    let mut list = String::from(
        "Numer dokumentu;Data wystawienia;Termin płatności;Kontrahent;NIP;Wartość brutto;Waluta\r\n",
    );
    for k in 0..INVOICES {
        list.push_str(&format!(
            "FV/{k}/02/2026;01.02.2026;15.03.2026;FIRMA {} SP. Z O.O.;;{};PLN\r\n",
            k % 7,
            zl(gross(k))
        ));
    }
    // March: a third of every fourth invoice.
    let march: Vec<(String, String, i64, usize)> = (0..INVOICES)
        .step_by(4)
        .map(|k| {
            (
                "2026-03-20".into(),
                format!("FV/{k}/02/2026 część"),
                gross(k) / 3,
                k % 7,
            )
        })
        .collect();
    // February, imported later: every invoice in three parts, on three days.
    let mut february: Vec<(String, String, i64, usize)> = Vec::new();
    for (day, part) in [("2026-02-05", 3), ("2026-02-10", 3), ("2026-02-16", 1)] {
        for k in 0..INVOICES {
            let amount = if part == 1 {
                gross(k) - 2 * (gross(k) / 3)
            } else {
                gross(k) / 3
            };
            february.push((
                day.into(),
                format!("Zapłata FV/{k}/02/2026 rata"),
                amount,
                k % 7,
            ));
        }
    }
    let run = |bulk: bool| {
        let mut t = TestStore::new();
        for (name, bytes) in [
            (
                "naleznosci.csv",
                encoding_rs::WINDOWS_1250.encode(&list).0.into_owned(),
            ),
            ("marzec.csv", statement(&march)),
        ] {
            let out = t.import_bytes(name, &bytes);
            assert!(!out.refused(), "{out:?}");
        }
        // The first run is small either way: its allocations are kept one by one.
        assert_eq!(t.reconcile_bulk(bulk).unwrap().matched, march.len());
        let out = t.import_bytes("luty.csv", &statement(&february));
        assert!(!out.refused(), "{out:?}");
        let s = t.reconcile_bulk(bulk).unwrap();
        assert_eq!(s.matched, february.len(), "{s:?}");
        assert_eq!(t.paid_sums_astray(), 0, "bulk: {bulk}");
        let figures: Vec<(String, i64, Option<String>, Option<String>)> = {
            let mut stmt = t
                .store
                .conn()
                .prepare(
                    "SELECT number, allocated_minor, last_paid_on, paid_off_on FROM invoices ORDER BY id",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let index: String = t
            .store
            .conn()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'allocations_by_invoice'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (allocations(&t), figures, index)
    };
    let (one_by_one, bulk) = (run(false), run(true));
    assert_eq!(one_by_one, bulk);
    let (_, figures, _) = bulk;
    // Paid in full on the third day of February, whatever was paid in March before.
    assert!(
        figures
            .iter()
            .all(|(_, _, _, off)| off.as_deref() == Some("2026-02-16")),
        "{figures:?}"
    );
    assert_eq!(
        figures
            .iter()
            .filter(|(_, _, last, _)| last.as_deref() == Some("2026-03-20"))
            .count(),
        INVOICES / 4
    );
}

/// A known payer whose transfer fits none of its many open invoices waits for a person with a
/// short list of candidates, not all of them (a busy client has hundreds), and the client is
/// still the one that may have paid.
#[test]
fn a_payment_fitting_none_of_many_invoices_keeps_a_short_candidate_list() {
    let mut t = TestStore::new();
    let mut list = String::from(
        "Numer dokumentu;Data wystawienia;Termin płatności;Kontrahent;NIP;Wartość brutto;Waluta\r\n",
    );
    for k in 0..45 {
        list.push_str(&format!(
            "FV/{k}/02/2026;01.02.2026;15.03.2026;FIRMA DUŻA SP. Z O.O.;;{},17;PLN\r\n",
            100 + k
        ));
    }
    let out = t.import_bytes("naleznosci.csv", &encoding_rs::WINDOWS_1250.encode(&list).0);
    assert!(!out.refused(), "{out:?}");
    let s = "#Klient;FIRMA TESTOWA;\r\n#Saldo początkowe;0,00 PLN;\r\n;\r\n\
        #Data księgowania;#Data operacji;#Opis operacji;#Tytuł;#Nadawca/Odbiorca;#Numer konta;#Kwota;#Saldo po operacji;\r\n\
        2026-02-20;2026-02-20;PRZELEW ZEWNĘTRZNY PRZYCHODZĄCY;\"przelew\";\"FIRMA DUŻA SP. Z O.O.\";'';33,33;33,33;\r\n\
        ;;;;;;#Saldo końcowe;33,33;\r\n";
    let out = t.import_bytes("wyciag.csv", &encoding_rs::WINDOWS_1250.encode(s).0);
    assert!(!out.refused(), "{out:?}");
    t.reconcile(None, "test").unwrap();
    let review = t.store.payments(Some(PaymentStatus::Review)).unwrap();
    assert_eq!(review.len(), 1, "{review:?}");
    let why = en(review[0].review.as_deref().unwrap());
    assert!(why.contains("FIRMA DUŻA"), "{why}");
    assert_eq!(
        review[0].candidates.len(),
        skarbnik::services::reconcile::MAX_CANDIDATES,
        "{:?}",
        review[0].candidates
    );
    assert!(review[0].candidates.iter().all(|n| n.starts_with("FV/")));
}
