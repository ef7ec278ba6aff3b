//! Issuing subscription invoices: on each subscription's cycle day, exactly one invoice per
//! (subscription, period), numbered, rendered as FA(3) XML and PDF, stored as an ordinary invoice
//! (source `issued`) and mailed to the client, all in one transaction: the period key, the
//! number, the invoice and its outbox mail are committed together or not at all, so a crash at
//! any point neither skips a number nor issues a period twice. Then each run's documents go to
//! accounting in one summary with a zip of their files, and are written to the export folder
//! (KSeF `export` mode: whoever submits to KSeF today takes them from there).
//!
//! Corrections ([`correct`]) are the only way to undo an issued invoice: it is never deleted.

use super::Env;
use crate::billing::cycle::Period;
use crate::billing::document::{Document, Line, Party};
use crate::billing::plan::Status;
use crate::billing::{self, Issuer, Item, Pending, fa3};
use crate::domain::{Lang, Said};
use crate::outbox::{Draft, Purpose};
use crate::store::{Store, SubscriptionRow, Tx, file_stem};
use crate::templates::context::{
    BillingSummary, ClientCtx, CompanyCtx, InvoiceIssued, IssuedDocCtx, IssuedLineCtx, RateTotalCtx,
};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// How a run is made.
#[derive(Debug, Clone)]
pub struct RunOptions<'a> {
    pub today: NaiveDate,
    /// Client mails wait for the send window's opening.
    pub not_before: Option<DateTime<Utc>>,
    /// Say what would be issued; write nothing.
    pub dry_run: bool,
    pub actor: &'a str,
}

/// One invoice issued (or, in a dry run, that would be).
#[derive(Debug, Clone, Serialize)]
pub struct IssuedOne {
    pub number: String,
    pub client: String,
    pub services: Vec<String>,
    pub periods: Vec<Period>,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    pub currency: String,
    pub mailed_to: Vec<String>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Run {
    pub issued: Vec<IssuedOne>,
    /// Missed periods not issued because `catch_up = "current"`.
    pub passed_over: usize,
    /// Subscriptions that could not be invoiced, and why.
    pub problems: Vec<Said>,
    /// The outbox key of the accounting summary queued after the run, if one was.
    pub summary: Option<String>,
}

/// The buyer, the language of its documents, and its invoice addresses.
type Buyer = (Party, Lang, Vec<String>);

/// The buyer of a client's invoice, or why there is none.
fn buyer_party(tx: &Tx<'_>, client_id: i64) -> Result<Result<Buyer, Said>> {
    let Some(b) = tx.buyer(client_id)? else {
        return Ok(Err(crate::said!(
            "klient nr {client_id} nie istnieje",
            "client #{client_id} does not exist"
        )));
    };
    let name = b.name.clone();
    let Some(line1) = b.address_line1.clone().filter(|a| !a.trim().is_empty()) else {
        return Ok(Err(crate::said!(
            "{name}: brak adresu klienta, bez którego faktury nie wystawiamy (uzupełnijcie go w liście abonamentów)",
            "{name}: the client has no address, and no invoice is issued without one (add it in the subscriptions list)"
        )));
    };
    Ok(Ok((
        Party {
            name: b.name,
            tax_id: b.nip,
            address_line1: line1,
            address_line2: b.address_line2,
            country: b.country.unwrap_or_else(|| "PL".into()),
            email: b.emails.first().cloned(),
        },
        Lang::from_code(&b.language),
        b.emails,
    )))
}

/// Issues every invoice due on `opts.today`.
pub fn issue_due(env: &Env<'_>, store: &mut Store, opts: &RunOptions<'_>) -> Result<Run> {
    let cfg = &env.config.billing;
    // The config check refused incomplete seller data when billing is on; a run asked for by
    // hand with billing off is refused here, naming the missing keys.
    let (seller, account) = env.config.company.seller()?;
    let series = cfg.series()?;
    let subs = store.subscriptions(Some(Status::Active))?;
    let billed = store.billed_starts_of_active()?;
    let schedules: Vec<_> = subs
        .iter()
        .map(|s| (s.id, s.client_id, s.plan.currency, s.plan.schedule()))
        .collect();
    let (pending, passed_over) = billing::due_periods(
        &schedules,
        &billed,
        opts.today,
        cfg.catch_up == crate::config::CatchUp::All,
    );
    let by_id: HashMap<i64, &SubscriptionRow> = subs.iter().map(|s| (s.id, s)).collect();
    let mut run = Run {
        passed_over,
        ..Run::default()
    };
    let issuer = Issuer {
        seller: &seller,
        account: &account,
        bank_name: env.config.company.bank_name.as_deref(),
        place: cfg.place.as_deref(),
        rounding: cfg.rounding,
    };
    let groups = billing::group(pending, cfg.combine);
    for batch in groups.chunks(BATCH) {
        issue_batch(env, store, opts, &issuer, &series, &by_id, batch, &mut run)?;
    }
    if !opts.dry_run {
        run.summary = summarize(env, store, opts.today, &run.problems)?;
    }
    Ok(run)
}

/// Invoices per transaction: each invoice commits with its number, period keys and mail; a batch
/// commits together (a crash undoes the whole batch, numbers included), and keeps the write lock
/// for about a second.
const BATCH: usize = 500;

/// An invoice's FA(3) XML and PDF.
type Rendered = (String, Vec<u8>);

/// An invoice ready to render and write: its document and what it is for.
struct Prepared<'g> {
    group: &'g [Pending],
    doc: Document,
    key: String,
    client_id: i64,
    emails: Vec<String>,
    one: IssuedOne,
}

/// Issues a batch of invoices in one transaction: each is checked and numbered in order, then
/// the XML and PDF are rendered on every core while the invoices already rendered are written.
#[allow(clippy::too_many_arguments)]
fn issue_batch(
    env: &Env<'_>,
    store: &mut Store,
    opts: &RunOptions<'_>,
    issuer: &Issuer<'_>,
    series: &billing::numbering::Series,
    subs: &HashMap<i64, &SubscriptionRow>,
    batch: &[Vec<Pending>],
    run: &mut Run,
) -> Result<()> {
    let tx = store.transaction()?;
    let mut ready = Vec::new();
    for group in batch {
        match prepare(&tx, opts, issuer, series, subs, group)? {
            Ok(p) => ready.push(p),
            Err(problem) => run.problems.push(problem),
        }
    }
    if opts.dry_run || ready.is_empty() {
        // Dropped: the numbers taken are given back.
        run.issued.extend(ready.into_iter().map(|p| p.one));
        return Ok(());
    }
    if crate::outbox::worker::fault("crash_after_invoice_number") {
        std::process::abort();
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let docs: Vec<&Document> = ready.iter().map(|p| &p.doc).collect();
    let written: Result<Vec<(usize, IssuedOne)>> = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Result<Rendered>)>(64);
        for k in 0..threads {
            let send = send.clone();
            let docs = &docs;
            scope.spawn(move || {
                for i in (k..docs.len()).step_by(threads) {
                    let doc = docs[i];
                    let rendered = billing::pdf::render(doc)
                        .with_context(|| format!("the PDF of {}", doc.number))
                        .map(|pdf| (fa3::write(doc), pdf));
                    if send.send((i, rendered)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(send);
        // Written in number order (the outbox then reads in that order too), as they arrive.
        let mut out = Vec::with_capacity(ready.len());
        let mut waiting = std::collections::BTreeMap::new();
        for (i, rendered) in receive {
            waiting.insert(i, rendered?);
            while let Some((xml, pdf)) = waiting.remove(&out.len()) {
                let i = out.len();
                out.push((i, write_one(env, &tx, opts, &ready[i], &xml, &pdf)?));
            }
        }
        Ok(out)
    });
    let mut written = written?;
    if crate::outbox::worker::fault("crash_before_invoice_commit") {
        std::process::abort();
    }
    tx.commit().context("committing the invoices")?;
    written.sort_by_key(|(i, _)| *i);
    run.issued.extend(written.into_iter().map(|(_, one)| one));
    Ok(())
}

/// Checks and numbers one invoice for a group of pending periods. `Ok(Err)` is a problem to tell
/// staff about (no number taken); `Err` is the store failing.
fn prepare<'g>(
    tx: &Tx<'_>,
    opts: &RunOptions<'_>,
    issuer: &Issuer<'_>,
    series: &billing::numbering::Series,
    subs: &HashMap<i64, &SubscriptionRow>,
    group: &'g [Pending],
) -> Result<Result<Prepared<'g>, Said>> {
    // Checked again inside the transaction: another process may have billed it meanwhile.
    for p in group {
        if tx.is_billed(p.subscription, p.period.start)? {
            let (id, start) = (p.subscription, p.period.start);
            return Ok(Err(crate::said!(
                "abonament nr {id} za okres od {start} był już zafakturowany",
                "subscription #{id} for the period from {start} was already invoiced"
            )));
        }
    }
    let client_id = group[0].client;
    let (buyer, lang, emails) = match buyer_party(tx, client_id)? {
        Ok(b) => b,
        Err(problem) => return Ok(Err(problem)),
    };
    let plans: Vec<_> = group
        .iter()
        .filter_map(|p| {
            subs.get(&p.subscription)
                .map(|s| (s.plan_for(p.period.start), p))
        })
        .collect();
    let items: Vec<Item<'_>> = plans
        .iter()
        .map(|(plan, p)| Item {
            plan,
            period: p.period,
        })
        .collect();
    let today = opts.today;
    let counter = series.counter_key(today);
    // The number it would take, checked before it is taken: a problem leaves no gap.
    let number = series.format(tx.peek_number(&counter)?, today);
    let key = crate::domain::invoice_number::canonicalize(&number);
    if tx.invoice_known(&key)? {
        let series_text = &series.template;
        return Ok(Err(crate::said!(
            "numer {number} z serii {series_text} ma już inna faktura w bazie (np. z raportu ERP); zmieńcie serię w [billing] series, nic nie wystawiono",
            "number {number} of series {series_text} already belongs to another invoice in the store (e.g. from an ERP report); change [billing] series; nothing was issued"
        )));
    }
    let doc = billing::build(issuer, buyer, lang, &number, today, &items, &tx.now_text());
    if doc.totals.gross <= Decimal::ZERO {
        let client = &doc.buyer.name;
        return Ok(Err(crate::said!(
            "{client}: faktura na 0,00 zł nie jest wystawiana (cena albo ilość równa zero)",
            "{client}: an invoice of 0.00 is not issued (zero price or quantity)"
        )));
    }
    let taken = series.format(tx.next_number(&counter)?, today);
    debug_assert_eq!(taken, number);
    let one = IssuedOne {
        number: number.clone(),
        client: doc.buyer.name.clone(),
        services: items.iter().map(|i| i.plan.service.clone()).collect(),
        periods: group.iter().map(|p| p.period).collect(),
        gross: doc.totals.gross,
        currency: doc.currency.to_string(),
        mailed_to: emails.clone(),
    };
    Ok(Ok(Prepared {
        group,
        doc,
        key,
        client_id,
        emails,
        one,
    }))
}

/// Writes one rendered invoice: the invoice and its files, its period keys, its mail.
fn write_one(
    env: &Env<'_>,
    tx: &Tx<'_>,
    opts: &RunOptions<'_>,
    p: &Prepared<'_>,
    xml: &str,
    pdf: &[u8],
) -> Result<IssuedOne> {
    let doc = &p.doc;
    let number = &doc.number;
    let invoice_id = tx.insert_issued_invoice(doc, &p.key, p.client_id, xml.as_bytes(), pdf)?;
    for g in p.group {
        tx.mark_billed(g.subscription, g.period, invoice_id)?;
    }
    let late = p.group.iter().any(|g| g.issue_on < opts.today);
    let mailed = mail_document(
        env,
        tx,
        doc,
        p.client_id,
        &p.emails,
        xml,
        pdf,
        late,
        opts.not_before,
    )?;
    tx.set_mailed_to(number, &mailed)?;
    tx.audit(
        opts.actor,
        "invoice.issued",
        Some(&format!("invoice:{number}")),
        Some(&format!(
            "{} {} for {}; periods {}",
            doc.totals.gross,
            doc.currency,
            p.one.services.join(", "),
            p.one
                .periods
                .iter()
                .map(|p| format!("{}..{}", p.start, p.end))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    )?;
    Ok(IssuedOne {
        mailed_to: mailed,
        ..p.one.clone()
    })
}

/// Queues the client's copy (PDF and XML) of an issued document; returns who it goes to.
#[allow(clippy::too_many_arguments)]
fn mail_document(
    env: &Env<'_>,
    tx: &Tx<'_>,
    doc: &Document,
    client_id: i64,
    emails: &[String],
    xml: &str,
    pdf: &[u8],
    late: bool,
    not_before: Option<DateTime<Utc>>,
) -> Result<Vec<String>> {
    let to: Vec<_> = emails
        .iter()
        .filter_map(|a| crate::mail::address::parse_mailbox(a).ok())
        .collect();
    if to.is_empty() {
        return Ok(Vec::new());
    }
    let lang = doc.lang;
    let change = doc.totals.gross.abs();
    let ctx = InvoiceIssued {
        company: CompanyCtx::of(env.config),
        client: ClientCtx {
            id: Some(client_id),
            name: doc.buyer.name.clone(),
            nip: doc.buyer.tax_id.clone(),
        },
        number: doc.number.clone(),
        services: doc
            .lines
            .iter()
            .map(|l| {
                l.name
                    .rsplit_once(" – ")
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_else(|| l.name.clone())
            })
            .collect(),
        period: doc.period.map(|p| p.said(lang)),
        lines: doc
            .lines
            .iter()
            .map(|l| IssuedLineCtx {
                name: l.name.clone(),
                net: l.net,
                rate: l.rate.label(),
                gross: l.net + l.vat,
            })
            .collect(),
        net: doc.totals.net,
        vat: doc.totals.vat,
        gross: doc.totals.gross,
        currency: doc.currency.to_string(),
        issue_date: doc.issue_date.to_string(),
        due_date: doc.due_date.to_string(),
        account: crate::domain::grouped_account(&doc.bank_account),
        payment_link: doc.payment_link.clone(),
        split_payment: doc.split_payment,
        corrects: doc.correction.as_ref().map(|c| c.number.clone()),
        reason: doc.correction.as_ref().map(|c| c.reason.clone()),
        change,
        direction: if doc.correction.is_none() || doc.totals.gross.is_zero() {
            "none"
        } else if doc.totals.gross < Decimal::ZERO {
            "down"
        } else {
            "up"
        },
        late,
        signature: env.identity.from.name.clone().unwrap_or_default(),
    };
    let rendered = env.templates.render(lang, "invoice_issued", &ctx)?;
    let mut draft = Draft::auto(
        format!("invoice:{}", doc.number),
        Purpose::Invoice,
        to.clone(),
        rendered,
    );
    draft.client_id = Some(client_id);
    draft.not_before = not_before;
    draft.attachments = vec![
        (
            file_stem(&doc.number, "pdf"),
            "application/pdf".into(),
            pdf.to_vec(),
        ),
        (
            file_stem(&doc.number, "xml"),
            "application/xml".into(),
            xml.as_bytes().to_vec(),
        ),
    ];
    crate::outbox::queue(tx, env.identity, &draft)?;
    Ok(to.iter().map(|m| m.email.to_string()).collect())
}

/// Attachments of a summary above this size are left in the export folder only.
const ZIP_LIMIT: usize = 15 * 1024 * 1024;

/// Documents listed in a summary's text; the attached CSV lists them all.
const MAIL_ROWS: usize = 200;

/// Every document of a summary as CSV (UTF-8 with BOM, semicolons, decimal commas in Polish: how
/// a spreadsheet in Poland opens it).
fn documents_csv(docs: &[IssuedDocCtx], lang: Lang) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(match lang {
        Lang::Pl => [
            "Numer",
            "Rodzaj",
            "Koryguje",
            "Nabywca",
            "NIP",
            "Data wystawienia",
            "Okres",
            "Netto",
            "VAT",
            "Brutto",
            "Waluta",
            "Wysłano do",
        ],
        Lang::En => [
            "Number",
            "Kind",
            "Corrects",
            "Buyer",
            "Tax id",
            "Issue date",
            "Period",
            "Net",
            "VAT",
            "Gross",
            "Currency",
            "Sent to",
        ],
    })?;
    let amount = |d: Decimal| match lang {
        Lang::Pl => format!("{d:.2}").replace('.', ","),
        Lang::En => format!("{d:.2}"),
    };
    for d in docs {
        let kind = match (d.kind.as_str(), lang) {
            ("correction", Lang::Pl) => "korekta",
            ("correction", Lang::En) => "correction",
            (_, Lang::Pl) => "faktura",
            (_, Lang::En) => "invoice",
        };
        w.write_record([
            d.number.as_str(),
            kind,
            d.corrects.as_deref().unwrap_or(""),
            d.client.as_str(),
            d.nip.as_deref().unwrap_or(""),
            d.issue_date.as_str(),
            d.period.as_deref().unwrap_or(""),
            &amount(d.net),
            &amount(d.vat),
            &amount(d.gross),
            d.currency.as_str(),
            &d.mailed_to.join(", "),
        ])?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("the list cannot be written: {e}"))
}

/// Sends accounting every issued document not yet reported, with a zip of their files, and
/// writes the files to the export folder; with no documents, only today's problems (once a day).
/// Returns the summary's outbox key when one was queued.
pub fn summarize(
    env: &Env<'_>,
    store: &mut Store,
    today: NaiveDate,
    problems: &[Said],
) -> Result<Option<String>> {
    let cfg = &env.config.billing;
    // Asked every few minutes: with nothing to say, no write lock is taken.
    if problems.is_empty() && !store.has_unreported_documents()? {
        return Ok(None);
    }
    let tx = store.transaction()?;
    let docs = tx.unreported_documents()?;
    let key = match docs.first() {
        Some(first) => format!("billing:summary:{today}:{}", first.id),
        None if !problems.is_empty() => format!("billing:problems:{today}"),
        None => return Ok(None),
    };
    if tx.outbox_has_key(&key)? {
        return Ok(None);
    }
    let mut recipients: Vec<_> = cfg
        .accounting
        .iter()
        .filter_map(|a| crate::mail::address::parse_mailbox(a).ok())
        .collect();
    if recipients.is_empty() {
        recipients = crate::outbox::staff_recipients(env.config)?;
    }
    // The export folder gets every file as it is read (written in place: a file cut short by a
    // crash is written again, since its document stays unreported until this summary commits);
    // the zip keeps them while they fit the mail.
    let dir = cfg.export_dir.join(today.format("%Y-%m").to_string());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut zip_size = 0usize;
    let mut too_big = false;
    let mut exported = None;
    let mut ctx_docs = Vec::new();
    let mut per_rate: Vec<RateTotalCtx> = Vec::new();
    let mut totals: Vec<RateTotalCtx> = Vec::new();
    let lang = env.config.templates.language;
    for d in &docs {
        let Some(doc) = &d.document else { continue };
        for ext in ["xml", "pdf"] {
            let name = file_stem(&d.number, ext);
            if let Some(bytes) = tx.invoice_file(d.invoice_id, &name)? {
                if exported.is_none() {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    exported = Some(dir.display().to_string());
                }
                let path = dir.join(&name);
                std::fs::write(&path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                zip_size += bytes.len();
                too_big |= zip_size > ZIP_LIMIT;
                if too_big {
                    files = Vec::new();
                } else {
                    files.push((name, bytes));
                }
            }
        }
        for r in &doc.totals.per_rate {
            let label = r.rate.label();
            match per_rate
                .iter_mut()
                .find(|x| x.rate == label && x.currency == d.currency.as_str())
            {
                Some(x) => {
                    x.net += r.net;
                    x.vat += r.vat;
                    x.gross += r.gross;
                }
                None => per_rate.push(RateTotalCtx {
                    rate: label,
                    currency: d.currency.to_string(),
                    net: r.net,
                    vat: r.vat,
                    gross: r.gross,
                }),
            }
        }
        match totals
            .iter_mut()
            .find(|x| x.currency == d.currency.as_str())
        {
            Some(x) => {
                x.net += doc.totals.net;
                x.vat += doc.totals.vat;
                x.gross += doc.totals.gross;
            }
            None => totals.push(RateTotalCtx {
                rate: String::new(),
                currency: d.currency.to_string(),
                net: doc.totals.net,
                vat: doc.totals.vat,
                gross: doc.totals.gross,
            }),
        }
        ctx_docs.push(IssuedDocCtx {
            number: d.number.clone(),
            kind: d.kind.clone(),
            client: doc.buyer.name.clone(),
            nip: doc.buyer.tax_id.clone(),
            issue_date: d.issue_date.clone(),
            period: doc.period.map(|p| p.said(lang)),
            net: doc.totals.net,
            vat: doc.totals.vat,
            gross: doc.totals.gross,
            currency: d.currency.to_string(),
            mailed_to: d.mailed_to.clone(),
            corrects: doc.correction.as_ref().map(|c| c.number.clone()),
        });
    }
    per_rate.sort_by(|a, b| (&a.currency, &a.rate).cmp(&(&b.currency, &b.rate)));
    let list = documents_csv(&ctx_docs, lang)?;
    let count = ctx_docs.len();
    let more = count.saturating_sub(MAIL_ROWS);
    ctx_docs.truncate(MAIL_ROWS);
    let zip_name = format!("faktury-{today}.zip");
    let attach_zip = !files.is_empty() && !too_big;
    let ctx = BillingSummary {
        company: env.config.company.name.clone(),
        date: today.to_string(),
        documents: ctx_docs,
        count,
        more,
        list_name: format!("faktury-{today}.csv"),
        per_rate,
        totals,
        zip_name: if attach_zip {
            zip_name.clone()
        } else {
            String::new()
        },
        export_dir: exported,
        problems: problems.to_vec(),
    };
    let rendered = env.templates.render(lang, "billing_summary", &ctx)?;
    let mut draft = Draft::auto(key.clone(), Purpose::BillingSummary, recipients, rendered);
    draft.attachments = vec![(format!("faktury-{today}.csv"), "text/csv".into(), list)];
    if attach_zip {
        draft
            .attachments
            .push((zip_name, "application/zip".into(), zip(&files)?));
    }
    // Nobody to tell (no accounting nor staff address): the files are in the export folder.
    if !draft.to.is_empty() {
        crate::outbox::queue(&tx, env.identity, &draft)?;
    }
    tx.mark_reported(&docs.iter().map(|d| d.id).collect::<Vec<_>>())?;
    tx.audit(
        "daemon",
        "billing.summary",
        None,
        Some(&format!("{key}: {} documents", docs.len())),
    )?;
    tx.commit()?;
    Ok(Some(key))
}

fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        // A PDF is compressed already.
        let method = if name.ends_with(".pdf") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(name.as_str(), opts)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

/// How a correction changes an invoice: new lines, or none for a full reversal.
#[derive(Debug, Clone)]
pub struct CorrectionAsk<'a> {
    pub number: &'a str,
    pub lines: Vec<Line>,
    pub reason: &'a str,
    pub today: NaiveDate,
    pub actor: &'a str,
}

/// Issues a correction (FA(3) KOR) of an invoice skarbnik issued: the invoice's amount changes by
/// the difference, the client gets the correction's PDF and XML. A later correction corrects the
/// state the previous one left.
pub fn correct(env: &Env<'_>, store: &mut Store, ask: &CorrectionAsk<'_>) -> Result<Document> {
    let series = env.config.billing.correction_series()?;
    let tx = store.transaction()?;
    let Some(issued) = tx.issued_document(ask.number)? else {
        bail!(
            "invoice {} was not issued by skarbnik: correct it where it was issued",
            ask.number
        );
    };
    if issued.kind != "invoice" {
        bail!(
            "{} is a correction; correct the invoice it corrects",
            ask.number
        );
    }
    let Some(original) = issued.document.clone() else {
        bail!("the stored document of {} cannot be read", ask.number);
    };
    // The state to correct: after the last correction, if any.
    let mut current = original.clone();
    for c in tx.corrections_of(issued.invoice_id)? {
        current.lines = c.lines;
    }
    if !ask.lines.is_empty() && ask.lines == current.lines {
        bail!("the new lines are the same as the invoice's: nothing to correct");
    }
    let number = series.format(tx.next_number(&series.counter_key(ask.today))?, ask.today);
    if tx.issued_document(&number)?.is_some() {
        bail!("correction number {number} is taken; check [billing] correction_series");
    }
    let doc = billing::correct(
        &current,
        issued.ksef_number.as_deref(),
        ask.lines.clone(),
        ask.reason,
        &number,
        ask.today,
        &tx.now_text(),
    );
    let xml = fa3::write(&doc);
    let pdf = billing::pdf::render(&doc)?;
    let key = crate::domain::invoice_number::canonicalize(&original.number);
    tx.insert_issued_correction(
        &doc,
        issued.invoice_id,
        &key,
        issued.client_id,
        xml.as_bytes(),
        &pdf,
    )?;
    let cfg = &env.config.dunning;
    let not_before = crate::dunning::window::not_before(
        cfg,
        env.config.timezone(),
        &cfg.calendar(),
        ask.today,
        env.clock.now(),
    )?;
    let emails = tx
        .buyer(issued.client_id)?
        .map(|b| b.emails)
        .unwrap_or_default();
    let mailed = mail_document(
        env,
        &tx,
        &doc,
        issued.client_id,
        &emails,
        &xml,
        &pdf,
        false,
        not_before,
    )?;
    tx.set_mailed_to(&number, &mailed)?;
    tx.audit(
        ask.actor,
        "invoice.corrected",
        Some(&format!("invoice:{}", original.number)),
        Some(&format!(
            "{number}: {} {}; {}",
            doc.totals.gross, doc.currency, ask.reason
        )),
    )?;
    tx.commit()?;
    Ok(doc)
}
