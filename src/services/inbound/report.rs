//! A report mail: its sender vouched for (when sender authentication is configured), its
//! attachments imported and reconciled like `skarbnik import`, and a summary answered.

use super::{Message, replies};
use crate::mail::inbound::may_be_report;
use crate::mail::source::Folder;
use crate::services::import::{ImportOutcome, import_attachments};
use crate::services::{Env, ImportSetup};
use crate::store::{ReportPayment, Store};
use crate::templates::context::{FileLine, NoticeKind, Summary};
use anyhow::Result;

/// At most this many payments are listed per group; the rest are counted.
const LIST_MAX: usize = 50;
/// Warnings of a file shown in the summary before the list is cut (a year's statement may
/// carry a thousand).
const WARNINGS_SHOWN: usize = 10;

pub(super) fn handle(
    env: &Env<'_>,
    import: &ImportSetup,
    store: &mut Store,
    m: &mut Message<'_>,
    own_check: Option<Result<String, crate::domain::Said>>,
) -> Result<Folder> {
    // The attachments are parsed out of it; holding the raw message as well while a year's
    // statement is imported doubled what the import kept in memory.
    m.raw = Vec::new();
    if let Err(why) = vouched(env, m, own_check) {
        let tx = store.transaction()?;
        replies::notify_unvouched(env, &tx, m, NoticeKind::ReportRefused, &why)?;
        m.record(&tx, Folder::Other, Some(&why.en))?;
        tx.commit()?;
        return Ok(Folder::Other);
    }
    // Taken out of the message, each is let go of once imported.
    let (reports, others): (Vec<_>, Vec<_>) = std::mem::take(&mut m.mail.attachments)
        .into_iter()
        .partition(may_be_report);
    let m = &*m;
    let mail = &m.mail;
    let importer = import.importer("mail");
    let ignored = others
        .into_iter()
        .filter(|a| !a.content_type.starts_with("image/"))
        .map(|a| a.name)
        .collect();
    let run = import_attachments(
        store,
        &importer,
        reports.into_iter().map(|a| (a.name, a.bytes)),
        mail.from.as_deref(),
        &crate::services::reconcile::Settings::of(env.config),
    )?;
    tracing::info!(
        files = run.files.len(),
        refused = run.refused,
        matched = run.reconcile.matched,
        review = run.reconcile.review,
        "report imported"
    );
    let mut listed = Listed::default();
    store.each_report_payment(&run.report_ids(), &mut |p| listed.push(p))?;
    let mut summary = summary_of(
        &env.config.company.name,
        &mail.echoed_subject(),
        &run.files,
        ignored,
        listed,
    );
    summary.too_deep = mail.forwarded_too_deep;
    let rendered = env
        .templates
        .render(env.config.templates.language, "summary", &summary)?;
    let draft = replies::reply_draft(mail, crate::outbox::Purpose::Summary, rendered);
    let blocked = replies::blocked(
        env,
        store,
        mail,
        draft.reply_address.as_deref().unwrap_or_default(),
    )?;
    let tx = store.transaction()?;
    replies::send_or_suppress(env, &tx, mail, &draft, blocked)?;
    m.record(&tx, Folder::Processed, None)?;
    tx.commit()?;
    Ok(Folder::Processed)
}

/// With sender authentication configured (`[commands]`), a report from a staff address must be
/// vouched for like a command: a forged statement could mark invoices paid and silence the
/// reminders. `report_senders` (ERP exports, which often are not signed) are taken as before.
fn vouched(
    env: &Env<'_>,
    m: &Message<'_>,
    own_check: Option<Result<String, crate::domain::Said>>,
) -> Result<(), crate::domain::Said> {
    // Whom would the summary go to, and whom would we believe? Refused whatever the settings.
    if let Some(why) = m.mail.identity_problem() {
        return Err(why);
    }
    let cmd = &env.config.commands;
    if cmd.trusted_authserv_ids.is_empty() && !cmd.verify_dkim {
        return Ok(());
    }
    let sender = m.mail.from.as_deref().unwrap_or_default();
    if crate::domain::email::listed(&env.config.staff.report_senders, sender) {
        return Ok(());
    }
    crate::commands::auth::vouch(env.config, &m.mail, own_check).map(|_| ())
}

/// A report's payments by what became of them: the first [`LIST_MAX`] of each group in booking
/// order, and how many more. They may come in any order (the store reads a million of them
/// as they lie, where sorting them first held 100 MB); only the earliest few of each group are
/// kept while they are read.
#[derive(Default)]
pub struct Listed {
    /// Per group: the earliest seen so far (up to twice [`LIST_MAX`] between trims), and how
    /// many there are in all.
    groups: [(Vec<ReportPayment>, usize); 3],
}

impl Listed {
    pub fn push(&mut self, p: ReportPayment) {
        use crate::store::PaymentStatus;
        let group = match p.status {
            PaymentStatus::Matched | PaymentStatus::Partial => 0,
            PaymentStatus::Review => 1,
            _ => 2,
        };
        let (list, total) = &mut self.groups[group];
        *total += 1;
        list.push(p);
        if list.len() >= 2 * LIST_MAX {
            trim(list);
        }
    }

    /// Per group: the first [`LIST_MAX`] in booking order, and how many are left out.
    fn into_groups(self) -> [(Vec<ReportPayment>, usize); 3] {
        self.groups.map(|(mut list, total)| {
            trim(&mut list);
            let more = total - list.len();
            (list, more)
        })
    }
}

/// Keeps the first [`LIST_MAX`] payments in booking order.
fn trim(list: &mut Vec<ReportPayment>) {
    list.sort_by(|a, b| (&a.date, a.id).cmp(&(&b.date, b.id)));
    list.truncate(LIST_MAX);
}

/// The summary reply: what each attachment was, what was stored, what was matched and what
/// waits for a person.
pub fn summary(
    company: &str,
    subject: &str,
    outcomes: &[ImportOutcome],
    ignored: Vec<String>,
    payments: Vec<ReportPayment>,
) -> Summary {
    let mut listed = Listed::default();
    payments.into_iter().for_each(|p| listed.push(p));
    summary_of(company, subject, outcomes, ignored, listed)
}

/// [`summary`] of payments already grouped.
pub fn summary_of(
    company: &str,
    subject: &str,
    outcomes: &[ImportOutcome],
    ignored: Vec<String>,
    listed: Listed,
) -> Summary {
    let files: Vec<FileLine> = outcomes.iter().map(file_line).collect();
    let [
        (matched, matched_more),
        (review, review_more),
        (unmatched, unmatched_more),
    ] = listed.into_groups();
    Summary {
        company: company.to_string(),
        // Empty: the template says "(bez tematu)" / "(no subject)" in its language.
        subject: subject.to_string(),
        refused: files.iter().filter(|f| f.error.is_some()).count(),
        files,
        ignored,
        matched,
        matched_more,
        review,
        review_more,
        unmatched,
        unmatched_more,
        too_deep: false,
        max_depth: crate::mail::inbound::MAX_FORWARD_DEPTH,
    }
}

pub(crate) fn file_line(o: &ImportOutcome) -> FileLine {
    FileLine {
        file: o.file.clone(),
        kind: o.kind.map(|k| k.as_str()),
        profile: o.profile.clone(),
        source: o.source.clone(),
        format: o.format.clone(),
        encoding: o.encoding.clone(),
        rows_read: o.rows_read,
        new: o.new,
        known: o.known,
        updated: o.updated,
        skipped: o.skipped,
        warnings: o.warnings.iter().take(WARNINGS_SHOWN).cloned().collect(),
        warnings_hidden: o.warnings.len().saturating_sub(WARNINGS_SHOWN + 1),
        warnings_last: (o.warnings.len() > WARNINGS_SHOWN)
            .then(|| o.warnings.last().cloned())
            .flatten(),
        duplicate_of: o.duplicate_of,
        error: o.error.as_ref().map(|e| e.said()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Lang;
    use crate::store::PaymentStatus;
    use crate::templates::Templates;
    use rust_decimal::Decimal;

    fn pay(status: PaymentStatus) -> ReportPayment {
        ReportPayment {
            id: 1,
            date: "2026-11-20".into(),
            amount: Decimal::new(123_000, 2),
            currency: crate::domain::Currency::PLN,
            payer: Some("ACME Sp. z o.o.".into()),
            title: "FV/1/11/2026".into(),
            status,
            invoices: vec![],
            rules: vec![],
            review: None,
            candidates: Vec::new(),
        }
    }

    #[test]
    fn a_refusal_names_row_and_column() {
        let mut bad = ImportOutcome::empty("zly.csv");
        bad.error = Some(crate::ingest::ReportError {
            file: "zly.csv".into(),
            sheet: None,
            row: Some(7),
            column: Some("Kwota".into()),
            cause: Box::new(crate::ingest::numbers::ValueError::Amount("12,3,4".into()).said()),
        });
        let s = summary("Moja Firma", "Wyciąg listopad", &[bad], vec![], vec![]);
        let t = Templates::new(None);
        let pl = t.render(Lang::Pl, "summary", &s).unwrap();
        assert!(
            pl.text.contains(
                "ODRZUCONY: zly.csv, wiersz 7, kolumna Kwota: nie da się odczytać \"12,3,4\" jako kwoty"
            ),
            "{}",
            pl.text
        );
        let en = t.render(Lang::En, "summary", &s).unwrap();
        assert!(
            en.text.contains(
                "REFUSED: zly.csv, row 7, column Kwota: cannot read \"12,3,4\" as an amount"
            ),
            "{}",
            en.text
        );
    }

    #[test]
    fn a_long_list_of_warnings_is_cut_to_its_first_lines_a_count_and_its_last() {
        let mut o = ImportOutcome::empty("rok.csv");
        o.kind = Some(crate::ingest::profile::ReportKind::Statement);
        o.format = Some("csv".into());
        o.warnings = (1..=1000)
            .map(|i| crate::said!("wiersz {i}: uwaga", "row {i}: note"))
            .collect();
        o.warnings.push(crate::said!(
            "i 5000 podobnych ostrzeżeń więcej",
            "and 5000 more warnings like these"
        ));
        let s = summary("F", "s", &[o], vec![], vec![]);
        let t = Templates::new(None);
        let pl = t.render(Lang::Pl, "summary", &s).unwrap().text;
        assert!(pl.contains("Uwaga: wiersz 10: uwaga"), "{pl}");
        assert!(!pl.contains("wiersz 11: uwaga"), "{pl}");
        assert!(pl.contains("pominięto tu uwag: 990"), "{pl}");
        assert!(
            pl.contains("Uwaga: i 5000 podobnych ostrzeżeń więcej"),
            "{pl}"
        );
        assert!(pl.len() < 4000, "{} bytes", pl.len());
        let en = t.render(Lang::En, "summary", &s).unwrap().text;
        assert!(en.contains("notes not shown here: 990"), "{en}");
        // Eleven are shown whole.
        let mut o = ImportOutcome::empty("maly.csv");
        o.kind = Some(crate::ingest::profile::ReportKind::Statement);
        o.format = Some("csv".into());
        o.warnings = (1..=11)
            .map(|i| crate::said!("wiersz {i}: uwaga", "row {i}: note"))
            .collect();
        let pl = t
            .render(
                Lang::Pl,
                "summary",
                &summary("F", "s", &[o], vec![], vec![]),
            )
            .unwrap()
            .text;
        assert!(
            pl.contains("wiersz 11: uwaga") && !pl.contains("pominięto"),
            "{pl}"
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let many = (0..120).map(|_| pay(PaymentStatus::Unmatched)).collect();
        let s = summary("F", "s", &[], vec![], many);
        assert_eq!((s.unmatched.len(), s.unmatched_more), (50, 70));
        let pl = Templates::new(None)
            .render(Lang::Pl, "summary", &s)
            .unwrap();
        assert!(pl.text.contains("Bez dopasowania (120)"), "{}", pl.text);
        assert!(pl.text.contains("i 70 więcej"), "{}", pl.text);
    }

    #[test]
    fn payments_read_in_any_order_list_the_earliest_of_each_group() {
        // 300 payments, newest first and the groups interleaved, as the store may read them.
        let many: Vec<ReportPayment> = (0..300)
            .rev()
            .map(|i: i64| {
                let status = if i % 3 == 0 {
                    PaymentStatus::Review
                } else {
                    PaymentStatus::Matched
                };
                ReportPayment {
                    id: 1000 - i,
                    date: format!("2026-{:02}-{:02}", 1 + i / 28, 1 + i % 28),
                    ..pay(status)
                }
            })
            .collect();
        let s = summary("F", "s", &[], vec![], many);
        assert_eq!((s.review.len(), s.review_more), (50, 50));
        assert_eq!((s.matched.len(), s.matched_more), (50, 150));
        let days: Vec<&str> = s.review.iter().map(|p| p.date.as_str()).collect();
        let mut sorted = days.clone();
        sorted.sort();
        assert_eq!(days, sorted);
        assert_eq!(days.first(), Some(&"2026-01-01"));
        // The 50th review payment is i = 147: day 148 of the year (28-day months here).
        assert_eq!(days.last(), Some(&"2026-06-08"));
        assert_eq!(
            s.matched.first().map(|p| p.date.as_str()),
            Some("2026-01-02")
        );
    }
}
