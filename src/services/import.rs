//! The import use case: one report file → one SQLite transaction, and every import run ends with
//! reconciliation ([`import_files`], [`import_attachments`]), so new payments and invoices meet at
//! once. Same bytes twice add nothing; an overlapping statement adds only its new rows; a re-sent
//! receivables list updates the invoices it knows.

use super::other_exports;
use super::reconcile::ReconcileSummary;
use crate::domain::Said;
use crate::domain::{BankAccount, Money, Sha256, sha256_hex};
use crate::ingest::archive::Body;
use crate::ingest::profile::{Profile, ReportKind};
use crate::ingest::receivables::{InvoiceRow, Receivables};
use crate::ingest::statement::{Statement, StatementRow};
use crate::ingest::stream::{Event, Head, StreamTail, parse_stream};
use crate::ingest::{ParseContext, Records, ReportError};
use crate::store::{Correction, NewInvoice, NewPayment, ReportRecord, Store, Tx, UpsertOutcome};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Everything an import needs besides the store.
pub struct Importer<'a> {
    pub profiles: &'a [Profile],
    pub ctx: &'a ParseContext,
    /// Files larger than this are refused before they are read whole.
    pub max_file_bytes: u64,
    /// Who is acting, for the audit log (`cli`, or a sender's address).
    pub actor: &'a str,
    /// Parse in a child process with limits; `None` parses in this process (pure tests, benches).
    pub isolation: Option<&'a crate::isolate::Isolation>,
    /// Where a long import tells how far it got (the CLI's progress bar).
    pub progress: Option<&'a Progress>,
}

/// How far the file being imported is: bytes read of its size, and operations stored. Updated
/// from the importing threads, read by whoever shows it.
#[derive(Debug, Default)]
pub struct Progress {
    pub file: std::sync::Mutex<String>,
    pub bytes: std::sync::atomic::AtomicU64,
    pub total: std::sync::atomic::AtomicU64,
    pub rows: std::sync::atomic::AtomicU64,
}

impl Progress {
    fn start(&self, file: &str, total: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        if let Ok(mut f) = self.file.lock() {
            *f = file.to_string();
        }
        self.total.store(total, Relaxed);
        self.bytes.store(0, Relaxed);
        self.rows.store(0, Relaxed);
    }
}

/// A reader that counts what passes through it into a [`Progress`].
struct Counting<'a, R> {
    inner: R,
    progress: &'a Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress
            .bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// What became of one file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReportKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Whose export it is, in words (the bank or program named by the profile's label), for
    /// people; `None` for the generic profiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub rows_read: usize,
    pub new: usize,
    pub known: usize,
    pub updated: usize,
    pub skipped: usize,
    pub warnings: Vec<Said>,
    /// Set when the same bytes were imported before: that report's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReportError>,
}

impl ImportOutcome {
    /// A statement's counts, and a word on what another export of the account had stored.
    fn record_closed(&mut self, closed: &Closed) {
        self.new = closed.new;
        self.known = closed.known;
        let n = closed.elsewhere;
        if n > 0 {
            self.warnings.push(crate::said!(
                "operacje zapisane już z innego wyciągu tego rachunku (w innym formacie, np. CSV i MT940 z tych samych dni): {n}; nie policzono ich drugi raz",
                "operations already stored from another export of this account (in another format, e.g. a CSV and an MT940 of the same days): {n}; they were not counted twice"
            ));
        }
    }

    pub fn empty(file: &str) -> Self {
        ImportOutcome {
            file: file.to_string(),
            kind: None,
            profile: None,
            source: None,
            format: None,
            encoding: None,
            rows_read: 0,
            new: 0,
            known: 0,
            updated: 0,
            skipped: 0,
            warnings: Vec::new(),
            duplicate_of: None,
            report_id: None,
            error: None,
        }
    }

    /// Records what parsing read: records, rows skipped (pending, repeated, ...) and warnings.
    fn count_read(
        &mut self,
        records: usize,
        skipped: &[crate::ingest::Skipped],
        warnings: &[Said],
    ) {
        self.rows_read = records + skipped.len();
        self.skipped = skipped.len();
        self.warnings.extend(warnings.iter().cloned());
    }

    pub fn refused(&self) -> bool {
        self.error.is_some()
    }
}

/// What an import run did: each file's outcome, then the reconciliation that followed.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRun {
    pub files: Vec<ImportOutcome>,
    pub refused: usize,
    pub reconcile: ReconcileSummary,
}

impl ImportRun {
    fn new(files: Vec<ImportOutcome>, reconcile: ReconcileSummary) -> ImportRun {
        ImportRun {
            refused: files.iter().filter(|o| o.refused()).count(),
            files,
            reconcile,
        }
    }

    /// The reports stored by this run (imported, not refused).
    pub fn report_ids(&self) -> Vec<i64> {
        self.files
            .iter()
            .filter(|o| !o.refused())
            .filter_map(|o| o.report_id)
            .collect()
    }
}

/// Imports files (a folder: the report files in it, sorted, recursively), then reconciles.
/// `each` sees every outcome as soon as it is known (the CLI prints as it goes).
pub fn import_files(
    store: &mut Store,
    importer: &Importer<'_>,
    files: &[PathBuf],
    matching: &super::reconcile::Settings,
    mut each: impl FnMut(&ImportOutcome),
) -> Result<ImportRun> {
    let mut outcomes = Vec::new();
    // The reconciliation copies the imports' pages into the database while it loads.
    store.deferring_checkpoints(|store| {
        for file in &expand(files)? {
            for outcome in importer.import_path(store, file, None)? {
                each(&outcome);
                outcomes.push(outcome);
            }
        }
        Ok(())
    })?;
    let summary = super::reconcile::run(store, matching, importer.actor)?;
    Ok(ImportRun::new(outcomes, summary))
}

/// Imports a mail's report attachments (name, bytes), then reconciles.
pub fn import_attachments(
    store: &mut Store,
    importer: &Importer<'_>,
    attachments: impl IntoIterator<Item = (String, Vec<u8>)>,
    sender: Option<&str>,
    matching: &super::reconcile::Settings,
) -> Result<ImportRun> {
    let mut outcomes = Vec::new();
    // Each attachment is let go of once imported: a year's statement is tens of MB, not to be
    // held through the reconciliation.
    store.deferring_checkpoints(|store| {
        for (name, bytes) in attachments {
            outcomes.extend(importer.import_any(store, &name, &bytes, sender)?);
        }
        Ok(())
    })?;
    let summary = super::reconcile::run(store, matching, importer.actor)?;
    Ok(ImportRun::new(outcomes, summary))
}

/// Files as given, folders replaced by the report files inside them (not hidden files, nor the
/// expected-result, script and note files that sit beside fixtures).
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found = Vec::new();
            walk(a, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?
    {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if ![".json", ".md", ".py", ".toml", ".failed"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            out.push(path);
        }
    }
    Ok(())
}

impl Importer<'_> {
    /// Imports a file, refusing an oversized one before reading it. A zip archive is read into
    /// memory and imported member by member; any other file is streamed from disk to the parser,
    /// so a statement of a million rows never sits in memory whole.
    pub fn import_path(
        &self,
        store: &mut Store,
        path: &Path,
        sender: Option<&str>,
    ) -> Result<Vec<ImportOutcome>> {
        let name = path.display().to_string();
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return Ok(vec![self.refuse(
                    store,
                    &name,
                    &[],
                    sender,
                    crate::domain::Said::io(&e),
                )?]);
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len > self.max_file_bytes {
            let cause = too_big(len, self.max_file_bytes);
            return Ok(vec![self.refuse(store, &name, &[], sender, cause)?]);
        }
        let mut magic = [0u8; 4];
        let got = file.read(&mut magic).unwrap_or(0);
        // A zip (an archive of reports, or a spreadsheet) is read whole: its directory is at
        // its end.
        if magic[..got].starts_with(b"PK\x03\x04") {
            let mut bytes = Vec::with_capacity(len as usize);
            // take() guards against a file that grows while we read it.
            let read = std::fs::File::open(path)
                .and_then(|f| f.take(self.max_file_bytes + 1).read_to_end(&mut bytes));
            if let Err(e) = read {
                return Ok(vec![self.refuse(
                    store,
                    &name,
                    &[],
                    sender,
                    crate::domain::Said::io(&e),
                )?]);
            }
            return self.import_any(store, &name, &bytes, sender);
        }
        Ok(vec![self.import_source(
            store,
            &name,
            &Source::File(path, self.max_file_bytes),
            sender,
        )?])
    }

    /// Imports a file's bytes: a zip archive becomes one report per member (each with its own
    /// outcome, named `archive.zip/member`), anything else is one report.
    pub fn import_any(
        &self,
        store: &mut Store,
        name: &str,
        bytes: &[u8],
        sender: Option<&str>,
    ) -> Result<Vec<ImportOutcome>> {
        if !crate::ingest::archive::is_archive(bytes) {
            return Ok(vec![self.import_bytes(store, name, bytes, sender)?]);
        }
        let limits = crate::ingest::archive::ArchiveLimits {
            max_members: 500,
            max_member_bytes: self.max_file_bytes,
            // Inflated members are held in memory: one budget for all of them.
            max_total_bytes: self.max_file_bytes,
        };
        let members = match crate::ingest::archive::unpack(bytes, limits) {
            Ok(m) => m,
            Err(cause) => return Ok(vec![self.refuse(store, name, bytes, sender, cause)?]),
        };
        let mut out = Vec::new();
        for m in members {
            let member_name = format!("{name}/{}", m.name);
            out.push(match m.content {
                Ok(Body::Inflated(content)) => {
                    self.import_bytes(store, &member_name, &content, sender)?
                }
                Ok(Body::Packed(packed)) => self.import_source(
                    store,
                    &member_name,
                    &Source::Packed(bytes, packed, &member_name),
                    sender,
                )?,
                Err(cause) => self.refuse(store, &member_name, &[], sender, cause)?,
            });
        }
        if out.is_empty() {
            out.push(self.refuse(
                store,
                name,
                bytes,
                sender,
                crate::said!(
                    "w archiwum nie ma plików z raportami",
                    "the archive holds no report files"
                ),
            )?);
        }
        Ok(out)
    }

    /// Imports one report's bytes. A refusal is recorded (report row + audit) and returned in the
    /// outcome, not as an `Err`: `Err` means the store itself failed.
    pub fn import_bytes(
        &self,
        store: &mut Store,
        name: &str,
        bytes: &[u8],
        sender: Option<&str>,
    ) -> Result<ImportOutcome> {
        if bytes.len() as u64 > self.max_file_bytes {
            let cause = too_big(bytes.len() as u64, self.max_file_bytes);
            return self.refuse(store, name, bytes, sender, cause);
        }
        // Bytes at hand are cheap to hash: the same file again is told before it is parsed.
        let sha = sha256_hex(bytes);
        if let Some((id, _at)) = store.imported_report_by_sha(&sha)? {
            return Ok(duplicate(name, id));
        }
        self.import_source(store, name, &Source::Bytes(bytes), sender)
    }

    /// Parses a report as it is read and stores it in one transaction: a whole report when it
    /// is parsed, a streamed statement a batch of operations at a time. A refusal — by the
    /// parser, by a row the store cannot take, or by the balances at the end — rolls back
    /// everything and is recorded instead.
    fn import_source(
        &self,
        store: &mut Store,
        name: &str,
        source: &Source<'_>,
        sender: Option<&str>,
    ) -> Result<ImportOutcome> {
        let mut account_override: Option<Option<String>> = None;
        // At most twice: a statement that names our account only in its footer is read again
        // with it, so every operation's identity holds it.
        for _ in 0..2 {
            match self.import_once(store, name, source, sender, account_override.clone())? {
                Attempt::Done(outcome) => return Ok(*outcome),
                Attempt::Again(account) => account_override = Some(account),
            }
        }
        let sha = source.sha256()?;
        let cause = crate::said!(
            "nie udało się ustalić rachunku wyciągu",
            "the statement's account could not be settled"
        );
        self.record_refusal(store, name, &sha, sender, ReportError::file(name, cause))
    }

    fn import_once(
        &self,
        store: &mut Store,
        name: &str,
        source: &Source<'_>,
        sender: Option<&str>,
        account_override: Option<Option<String>>,
    ) -> Result<Attempt> {
        let started = std::time::Instant::now();
        let tx = store.transaction()?;
        let mut state = Streamed::Nothing;
        let mut refusal: Option<ReportError> = None;
        let mut outcome = ImportOutcome::empty(name);
        let mut store_one = |ready: Ready| -> Result<()> {
            match ready {
                Ready::Whole(parsed) => state = Streamed::Whole(parsed),
                Ready::Head(head, account) => {
                    let report_id = tx.insert_report(&ReportRecord {
                        file_name: name,
                        sha256: "",
                        sender,
                        kind: Some(ReportKind::Statement.as_str()),
                        profile: Some(&head.profile),
                        outcome: "imported",
                        detail: None,
                    })?;
                    state = Streamed::Statement {
                        writer: Box::new(StatementWriter::new(&tx, account, report_id)?),
                        head,
                    };
                }
                Ready::Rows(Printed { rows, prints }) => {
                    let Streamed::Statement { writer, .. } = &mut state else {
                        anyhow::bail!("operations before the statement's head");
                    };
                    if let Some(p) = self.progress {
                        p.rows
                            .fetch_add(rows.len() as u64, std::sync::atomic::Ordering::Relaxed);
                    }
                    let mut inserter = tx.payment_inserter()?;
                    for (row, print) in rows.iter().zip(&prints) {
                        if let Err(e) = writer.add(&mut inserter, row, print, name)? {
                            refusal = Some(e);
                            anyhow::bail!(STOPPED);
                        }
                    }
                }
                Ready::Tail(t) => {
                    let Streamed::Statement { writer, head } = state.take() else {
                        anyhow::bail!("a statement's tail without its head");
                    };
                    state = Streamed::Finished {
                        writer,
                        head,
                        tail: t,
                    };
                }
            }
            Ok(())
        };
        let mut input = source.open()?;
        if let Some(p) = self.progress {
            p.start(name, source.len());
            input = Box::new(Counting {
                inner: input,
                progress: p,
            });
        }
        // Reading the parser's answer (decoding its frames) and fingerprinting the operations run
        // on a thread of their own, a couple of batches ahead of this one, which only stores:
        // the three stages (parse, prepare, store) overlap on two cores.
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Ready>(2);
        let overridden = account_override.is_some();
        let (streamed, stored) = std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut prints: Option<Fingerprinter> = None;
                let mut prepare = |event: Event| -> Result<()> {
                    let ready = match event {
                        Event::Head(head) => {
                            let account = account_override.clone().unwrap_or(head.account.clone());
                            prints = Some(Fingerprinter::new(account.as_deref()));
                            Ready::Head(head, account)
                        }
                        Event::Rows(rows) => {
                            let Some(f) = prints.as_mut() else {
                                anyhow::bail!("operations before the statement's head");
                            };
                            let prints = rows.iter().map(|r| f.print(r)).collect();
                            Ready::Rows(Printed { rows, prints })
                        }
                        Event::Whole(parsed) => Ready::Whole(parsed),
                        Event::Tail(t) => Ready::Tail(t),
                    };
                    ready_tx.send(ready).map_err(|_| anyhow::anyhow!(STOPPED))
                };
                match self.isolation {
                    Some(iso) => iso.stream(name, input, self.ctx, &mut prepare),
                    None => in_process(name, input, self.profiles, self.ctx, &mut prepare),
                }
            });
            let mut stored = Ok(());
            for ready in ready_rx.iter() {
                if let Err(e) = store_one(ready) {
                    stored = Err(e);
                    break;
                }
            }
            // A store that stopped lets the reader go: its next hand-over fails and stops the
            // parser.
            drop(ready_rx);
            let streamed = reader
                .join()
                .map_err(|_| anyhow::anyhow!("the reader of {name} panicked"));
            (streamed, stored)
        });
        let streamed = streamed?;
        if let Some(e) = refusal.take() {
            drop(tx);
            let sha = source.sha256()?;
            return Ok(Attempt::Done(Box::new(
                self.record_refusal(store, name, &sha, sender, e)?,
            )));
        }
        stored?;
        let (result, sha) = streamed?;
        if let Err(e) = result {
            drop(tx);
            let sha = if sha.is_empty() {
                source.sha256()?
            } else {
                sha
            };
            return Ok(Attempt::Done(Box::new(
                self.record_refusal(store, name, &sha, sender, e)?,
            )));
        }
        if let Some(id) = tx.imported_report_by_sha(&sha)? {
            return Ok(Attempt::Done(Box::new(duplicate(name, id))));
        }
        match state {
            Streamed::Whole(parsed) => {
                let parsed = *parsed;
                match self.store_parsed(&tx, name, &sha, &parsed, source, sender, &mut outcome)? {
                    Ok(()) => {}
                    Err(e) => {
                        drop(tx);
                        return Ok(Attempt::Done(Box::new(
                            self.record_refusal(store, name, &sha, sender, e)?,
                        )));
                    }
                }
            }
            Streamed::Finished { writer, head, tail } => {
                let final_account = tail.tail.account.clone();
                if !overridden && final_account != head.account {
                    // The footer named our account: read again with it.
                    return Ok(Attempt::Again(final_account));
                }
                let report_id = writer.report_id;
                let closed = writer.close(&tx)?;
                let t = tail.tail;
                outcome.kind = Some(ReportKind::Statement);
                outcome.profile = Some(head.profile.clone());
                outcome.source = self.source_label(&head.profile);
                outcome.format = Some(head.format.clone());
                outcome.encoding = tail.encoding.clone();
                outcome.rows_read = t.operations + t.skipped.len() + t.skipped_more;
                outcome.skipped = t.skipped.len() + t.skipped_more;
                outcome.warnings.extend(t.warnings.iter().cloned());
                outcome.record_closed(&closed);
                outcome.report_id = Some(report_id);
                tx.finish_report(report_id, &sha, closed.newest)?;
            }
            Streamed::Nothing | Streamed::Statement { .. } => {
                anyhow::bail!("the parser of {name} ended without its last word")
            }
        }
        let Some(report_id) = outcome.report_id else {
            anyhow::bail!("report {name} was not recorded");
        };
        tx.set_report_counts(
            report_id,
            outcome.rows_read,
            outcome.new,
            outcome.known,
            outcome.updated,
        )?;
        let kind = outcome.kind.map(|k| k.as_str()).unwrap_or("?");
        let profile = outcome.profile.clone().unwrap_or_default();
        let detail = format!(
            "{kind} via {profile}: {} rows, {} new, {} known, {} updated",
            outcome.rows_read, outcome.new, outcome.known, outcome.updated
        );
        tx.audit(
            self.actor,
            "report.imported",
            Some(&format!("report:{report_id}")),
            Some(&format!("{name}: {detail}")),
        )?;
        let committing = std::time::Instant::now();
        tx.commit().context("committing the import")?;
        tracing::debug!(
            file = name,
            rows = outcome.rows_read,
            ms = started.elapsed().as_millis() as u64,
            commit_ms = committing.elapsed().as_millis() as u64,
            "imported"
        );
        Ok(Attempt::Done(Box::new(outcome)))
    }

    /// Whose export it is, in words (the bank or program named by the profile's label).
    fn source_label(&self, profile: &str) -> Option<String> {
        self.profiles
            .iter()
            .find(|p| p.name == profile && !p.name.starts_with("generic"))
            .map(|p| {
                p.label
                    .split(':')
                    .next()
                    .unwrap_or(&p.label)
                    .trim()
                    .to_string()
            })
            .filter(|s| !s.is_empty())
    }

    /// Stores a report parsed whole, inside the import's transaction.
    #[allow(clippy::too_many_arguments)]
    fn store_parsed(
        &self,
        tx: &Tx<'_>,
        name: &str,
        sha: &str,
        parsed: &crate::ingest::Parsed,
        source: &Source<'_>,
        sender: Option<&str>,
        outcome: &mut ImportOutcome,
    ) -> Result<Result<(), ReportError>> {
        // A correction sent alone (a KSeF document) needs the invoice it corrects: refuse now
        // (nothing written, the sender can send it again after the original) rather than lose
        // it. In a list, the invoice may be in the same list; one that is not is skipped with a
        // warning instead of refusing the rest (see `store_receivables`).
        if let Records::Receivables(r) = &parsed.records
            && r.rows.len() == 1
        {
            for (row, corrected, key) in r
                .rows
                .iter()
                .filter_map(|r| corrected(r).map(|(c, k)| (r, c, k)))
            {
                if !tx.invoice_known(&key)? {
                    return Ok(Err(ReportError {
                        file: name.to_string(),
                        sheet: None,
                        row: Some(row.row),
                        column: Some("NrFaKorygowanej".into()),
                        cause: {
                            let n = &row.number;
                            Box::new(crate::said!(
                                "korekta {n} dotyczy faktury {corrected}, której jeszcze nie znamy; najpierw trzeba wczytać tę fakturę",
                                "correction {n} is for invoice {corrected}, which is not known yet; import that invoice first"
                            ))
                        },
                    }));
                }
            }
        }
        outcome.kind = Some(parsed.kind());
        outcome.profile = Some(parsed.profile.clone());
        outcome.source = self.source_label(&parsed.profile);
        outcome.format = Some(parsed.format.clone());
        outcome.encoding = parsed.encoding.clone();
        let report_id = tx.insert_report(&ReportRecord {
            file_name: name,
            sha256: sha,
            sender,
            kind: Some(parsed.kind().as_str()),
            profile: Some(&parsed.profile),
            outcome: "imported",
            detail: None,
        })?;
        let stored = match &parsed.records {
            Records::Statement(s) => self.store_statement(tx, s, report_id, outcome),
            Records::Receivables(r) => self.store_receivables(tx, r, report_id, outcome),
            Records::Subscriptions(l) => self.store_subscriptions(tx, l, report_id, outcome),
            Records::KsefReceipt(r) => self.store_receipt(tx, r, outcome),
        }?;
        if let Err(e) = stored {
            return Ok(Err(e));
        }
        if let Records::Receivables(r) = &parsed.records {
            if r.rows.iter().any(|row| row.outstanding.is_some()) {
                tx.mark_states_outstanding(report_id)?;
            }
            // A KSeF invoice is the invoice itself: kept, to send when the client asks for it.
            if parsed.format.starts_with("ksef-fa")
                && let [row] = r.rows.as_slice()
            {
                let bytes = source.read_all()?;
                tx.add_invoice_document(&row.number_key, name, "application/xml", &bytes)?;
                // An invoice we issued, as downloaded from KSeF: its file is named by its KSeF
                // number.
                if let Some(ksef) = crate::billing::upo::ksef_number_in(name)
                    && let Some(set) = tx.set_ksef_number(&row.number, &ksef)?
                {
                    self.note_ksef(tx, &row.number, &ksef, set, outcome)?;
                }
            }
        }
        outcome.report_id = Some(report_id);
        Ok(Ok(()))
    }

    fn refuse(
        &self,
        store: &mut Store,
        name: &str,
        bytes: &[u8],
        sender: Option<&str>,
        cause: Said,
    ) -> Result<ImportOutcome> {
        self.record_refusal(
            store,
            name,
            &sha256_hex(bytes),
            sender,
            ReportError::file(name, cause),
        )
    }

    fn record_refusal(
        &self,
        store: &mut Store,
        name: &str,
        sha: &str,
        sender: Option<&str>,
        e: ReportError,
    ) -> Result<ImportOutcome> {
        let message = e.to_string();
        let tx = store.transaction()?;
        let id = tx.insert_report(&ReportRecord {
            file_name: name,
            sha256: sha,
            sender,
            kind: None,
            profile: None,
            outcome: "refused",
            detail: Some(&message),
        })?;
        tx.audit(
            self.actor,
            "report.refused",
            Some(&format!("report:{id}")),
            Some(&message),
        )?;
        tx.commit()?;
        let mut outcome = ImportOutcome::empty(name);
        outcome.report_id = Some(id);
        outcome.error = Some(e);
        Ok(outcome)
    }

    fn store_statement(
        &self,
        tx: &Tx<'_>,
        s: &Statement,
        report_id: i64,
        out: &mut ImportOutcome,
    ) -> Result<Result<(), ReportError>> {
        out.count_read(s.rows.len(), &s.skipped, &s.warnings);
        let mut writer = StatementWriter::new(tx, s.account.clone(), report_id)?;
        let mut prints = Fingerprinter::new(s.account.as_deref());
        let mut inserter = tx.payment_inserter()?;
        for row in &s.rows {
            let print = prints.print(row);
            if let Err(e) = writer.add(&mut inserter, row, &print, &out.file)? {
                return Ok(Err(e));
            }
        }
        drop(inserter);
        let closed = writer.close(tx)?;
        out.record_closed(&closed);
        if let Some(newest) = closed.newest {
            tx.set_newest_booking(report_id, newest)?;
        }
        Ok(Ok(()))
    }

    /// A subscriptions list: each accepted row creates or updates its client (name, NIP, address,
    /// e-mails) and its subscription; each refused row is a warning naming its row and column.
    fn store_subscriptions(
        &self,
        tx: &Tx<'_>,
        l: &crate::billing::list::SubscriptionList,
        report_id: i64,
        out: &mut ImportOutcome,
    ) -> Result<Result<(), ReportError>> {
        out.rows_read = l.rows_read;
        out.skipped = l.refused.len();
        for r in &l.refused {
            let row = r.row;
            out.warnings.push(r.reason.prefixed(
                &format!("wiersz {row} pominięty, nic dla niego nie wystawiono: "),
                &format!("row {row} refused, nothing will be issued for it: "),
            ));
        }
        let source = format!("report:{report_id}");
        for e in &l.entries {
            let b = &e.buyer;
            let client = self.client(
                tx,
                Some(&b.name),
                b.nip.as_deref(),
                b.nip_valid,
                &b.emails,
                &source,
            )?;
            tx.set_client_address(
                client.id,
                &b.address_line1,
                b.address_line2.as_deref(),
                &b.country,
            )?;
            if let Some(lang) = b.language {
                tx.set_client_language(client.id, lang)?;
            }
            // A list sent again does not undo what staff did since: a pause or cancellation
            // stays unless the list has a status column, and a resumed subscription keeps the
            // later start it was resumed with.
            let existing = tx.subscription_by_reference(&e.reference)?;
            let status = e
                .status
                .or(existing.as_ref().map(|s| s.status))
                .unwrap_or(crate::billing::plan::Status::Active);
            let mut plan = e.plan.clone();
            if let Some(x) = &existing
                && x.plan.start > plan.start
            {
                plan.start = x.plan.start;
            }
            let (id, what) =
                tx.upsert_subscription(&e.reference, client.id, &plan, status, &source)?;
            let subject = format!("subscription:{id}");
            match what {
                crate::store::SubscriptionUpsert::New => {
                    out.new += 1;
                    tx.audit(
                        self.actor,
                        "subscription.created",
                        Some(&subject),
                        Some(&e.plan.service),
                    )?;
                }
                crate::store::SubscriptionUpsert::Known => out.known += 1,
                crate::store::SubscriptionUpsert::Updated(changes) => {
                    out.updated += 1;
                    tx.audit(
                        self.actor,
                        "subscription.updated",
                        Some(&subject),
                        Some(&changes.join(", ")),
                    )?;
                }
            }
        }
        Ok(Ok(()))
    }

    /// A KSeF receipt: the KSeF number of each invoice it confirms is attached to the invoice we
    /// issued under that number. A receipt for another seller or an unknown number is a warning.
    fn store_receipt(
        &self,
        tx: &Tx<'_>,
        r: &crate::billing::upo::Receipt,
        out: &mut ImportOutcome,
    ) -> Result<Result<(), ReportError>> {
        out.rows_read = r.confirmed.len();
        let ours = self.ctx.our_nip.clone();
        for c in &r.confirmed {
            let number = &c.invoice_number;
            if ours.as_deref().is_some_and(|n| n != c.seller_nip) {
                let nip = &c.seller_nip;
                out.skipped += 1;
                out.warnings.push(crate::said!(
                    "faktura {number}: UPO dotyczy innego sprzedawcy (NIP {nip}); pominięto",
                    "invoice {number}: the UPO is for another seller (NIP {nip}); skipped"
                ));
                continue;
            }
            match tx.set_ksef_number(number, &c.ksef_number)? {
                Some(set) => self.note_ksef(tx, number, &c.ksef_number, set, out)?,
                None => {
                    out.skipped += 1;
                    out.warnings.push(crate::said!(
                        "faktura {number}: skarbnik jej nie wystawiał, więc numeru KSeF nie przypisano",
                        "invoice {number}: not issued by skarbnik, so the KSeF number was not attached"
                    ));
                }
            }
        }
        Ok(Ok(()))
    }

    fn note_ksef(
        &self,
        tx: &Tx<'_>,
        number: &str,
        ksef: &str,
        set: crate::store::KsefSet,
        out: &mut ImportOutcome,
    ) -> Result<()> {
        match set {
            crate::store::KsefSet::Set => {
                // A receipt's new numbers are its records; on an invoice file, the invoice changed.
                if out.kind == Some(ReportKind::KsefReceipt) {
                    out.new += 1;
                } else {
                    out.updated += 1;
                }
                tx.audit(
                    self.actor,
                    "invoice.ksef_number",
                    Some(&format!("invoice:{number}")),
                    Some(ksef),
                )?;
            }
            crate::store::KsefSet::Known => out.known += 1,
            crate::store::KsefSet::Conflict(old) => {
                out.skipped += 1;
                out.warnings.push(crate::said!(
                    "faktura {number} ma już numer KSeF {old}, a UPO podaje {ksef}; zostawiono poprzedni, sprawdźcie to",
                    "invoice {number} already has KSeF number {old}, and the UPO says {ksef}; the first was kept, please check"
                ));
            }
        }
        Ok(())
    }

    /// The client a row is about, found by NIP or name or created (audited), with the row's
    /// e-mail addresses remembered.
    fn client(
        &self,
        tx: &Tx<'_>,
        name: Option<&str>,
        nip: Option<&str>,
        nip_valid: bool,
        emails: &[String],
        source: &str,
    ) -> Result<crate::store::ClientRef> {
        let client = tx.find_or_create_client(name, nip, nip_valid)?;
        if client.created {
            tx.audit(
                self.actor,
                "client.created",
                Some(&format!("client:{}", client.id)),
                Some(name.or(nip).unwrap_or("?")),
            )?;
        }
        for email in emails {
            tx.add_client_email(client.id, email, source)?;
        }
        Ok(client)
    }

    fn store_receivables(
        &self,
        tx: &Tx<'_>,
        r: &Receivables,
        report_id: i64,
        out: &mut ImportOutcome,
    ) -> Result<Result<(), ReportError>> {
        out.count_read(r.rows.len(), &r.skipped, &r.warnings);
        let source = format!("report:{report_id}");
        // Invoices before corrections: a list may name a correction before the invoice it
        // corrects.
        let ordered = r
            .rows
            .iter()
            .filter(|row| row.corrects.is_none())
            .chain(r.rows.iter().filter(|row| row.corrects.is_some()));
        for row in ordered {
            let client = self.client(
                tx,
                row.client_name.as_deref(),
                row.nip.as_deref(),
                row.nip_valid == Some(true),
                &row.emails,
                &source,
            )?;
            let (gross, outstanding) = match amounts(row) {
                Ok(a) => a,
                Err(e) => return Ok(Err(row_error(out, row.row, "gross", e.said()))),
            };
            if let Some((corrected, key)) = corrected(row) {
                match tx.apply_correction(&row.number_key, &key, gross, report_id)? {
                    Correction::Applied { old, new } => {
                        out.updated += 1;
                        let money = |m| Money::from_minor(m, row.currency).amount();
                        let detail = format!(
                            "gross {} → {} by correction {}",
                            money(old),
                            money(new),
                            row.number
                        );
                        tx.audit(
                            self.actor,
                            "invoice.corrected",
                            Some(&format!("invoice:{corrected}")),
                            Some(&detail),
                        )?;
                    }
                    Correction::Known => out.known += 1,
                    Correction::NotFound => {
                        let (n, line) = (&row.number, row.row);
                        out.skipped += 1;
                        out.warnings.push(crate::said!(
                            "wiersz {line}: korekta {n} dotyczy faktury {corrected}, której nie znamy; pominięto ją: najpierw trzeba wczytać tę fakturę, potem korektę",
                            "row {line}: correction {n} is for invoice {corrected}, which is not known; skipped: import that invoice first, then the correction"
                        ));
                    }
                    Correction::CurrencyMismatch { invoice } => {
                        let (n, c) = (&row.number, row.currency);
                        let why = crate::said!(
                            "korekta {n} jest w {c}, a faktura {corrected} w {invoice}",
                            "correction {n} is in {c} but invoice {corrected} is in {invoice}"
                        );
                        return Ok(Err(row_error(out, row.row, "KodWaluty", why)));
                    }
                }
                continue;
            }
            let invoice = NewInvoice {
                number: &row.number,
                number_key: &row.number_key,
                issue_date: row.issue_date,
                due_date: row.due_date,
                gross,
                outstanding,
            };
            match tx.upsert_invoice(&invoice, client.id, report_id)? {
                UpsertOutcome::New => out.new += 1,
                UpsertOutcome::Known => out.known += 1,
                UpsertOutcome::Updated(changes) => {
                    out.updated += 1;
                    tx.audit(
                        self.actor,
                        "invoice.updated",
                        Some(&format!("invoice:{}", row.number)),
                        Some(&changes.join("; ")),
                    )?;
                }
            }
        }
        Ok(Ok(()))
    }
}

/// A row's gross and outstanding as money of its currency.
fn amounts(row: &InvoiceRow) -> Result<(Money, Option<Money>), crate::domain::MoneyError> {
    let gross = Money::new(row.gross, row.currency)?;
    let outstanding = row
        .outstanding
        .map(|o| Money::new(o, row.currency))
        .transpose()?;
    Ok((gross, outstanding))
}

/// A file over the size limit.
fn too_big(len: u64, max: u64) -> Said {
    crate::said!(
        "plik ma {len} bajtów, ponad limit {max} bajtów",
        "the file is {len} bytes, over the limit of {max} bytes"
    )
}

/// A refusal of the whole report for one row's value.
fn row_error(out: &ImportOutcome, row: usize, column: &str, why: Said) -> ReportError {
    ReportError {
        file: out.file.clone(),
        sheet: None,
        row: Some(row),
        column: Some(column.to_string()),
        cause: Box::new(why),
    }
}

/// For a correction: the number of the invoice it corrects, and that number's canonical key.
fn corrected(row: &InvoiceRow) -> Option<(&str, String)> {
    let corrected = row.corrects.as_deref()?;
    let key = crate::domain::InvoiceNumber::parse(corrected)
        .map(|n| n.canonical().to_string())
        .unwrap_or_default();
    Some((corrected, key))
}

/// Identity of a bank operation across exports of the same account, written into `key`: the bank's
/// own reference when it gives one, else date, amount, counterparty and title (whitespace and case
/// folded). Versioned, so a future change of the rule cannot collide with stored fingerprints.
fn identity(account: &str, row: &StatementRow, key: &mut String) {
    use std::fmt::Write;
    key.clear();
    let _ = write!(
        key,
        "v1|{account}|{}|{}|{}|",
        row.booking_date, row.amount, row.currency
    );
    match &row.bank_ref {
        Some(r) => {
            key.push_str("ref|");
            push_folded(key, r);
        }
        None => {
            key.push_str(row.counterparty_account.as_deref().unwrap_or(""));
            key.push('|');
            push_folded(key, row.counterparty_name.as_deref().unwrap_or(""));
            key.push('|');
            push_folded(key, &row.title);
        }
    }
}

/// Appends text upper-cased with runs of whitespace as one space (one before the text when it
/// starts with whitespace, none after it).
///
/// Runs of ASCII are copied and upper-cased at once, a character at a time only beyond ASCII:
/// the identity of every operation of a statement is folded here, on the thread that hands the
/// rows to the storing one. The result is stored in every fingerprint, so it must never change
/// (a test holds it to the character-wise fold it replaced).
fn push_folded(key: &mut String, s: &str) {
    use crate::domain::text::is_ascii_space;
    let b = s.as_bytes();
    let mut space = false;
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii() {
            if is_ascii_space(b[i]) {
                space = true;
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii() && !is_ascii_space(b[i]) {
                i += 1;
            }
            if space {
                key.push(' ');
                space = false;
            }
            let at = key.len();
            key.push_str(&s[start..i]);
            key[at..].make_ascii_uppercase();
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        if crate::domain::text::is_space(c) {
            space = true;
            continue;
        }
        if space {
            key.push(' ');
            space = false;
        }
        key.extend(c.to_uppercase());
    }
}

/// Where a report's bytes are: read once to parse and hash, again only for a refusal's digest,
/// a KSeF invoice kept whole, or a statement read a second time.
pub enum Source<'a> {
    Bytes(&'a [u8]),
    /// A large member of a zip archive held in memory, inflated as it is read.
    Packed(&'a [u8], crate::ingest::archive::Packed, &'a str),
    /// A file on disk, read up to the limit. Its size is checked against the limit before it is
    /// opened; one that grows while it is read is cut at the limit (what was read is what is
    /// parsed and hashed), never read without end.
    File(&'a Path, u64),
}

impl<'a> Source<'a> {
    fn open(&self) -> Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Source::Bytes(b) => Box::new(*b),
            Source::File(p, max) => Box::new(
                std::fs::File::open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?
                    .take(*max),
            ),
            Source::Packed(archive, packed, name) => packed.reader(archive, name),
        })
    }

    /// Size in bytes, as far as known.
    fn len(&self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::File(p, max) => std::fs::metadata(p).map(|m| m.len().min(*max)).unwrap_or(0),
            Source::Packed(_, packed, _) => packed.size.min(packed.cap),
        }
    }

    /// The digest of the bytes as far as they can be read (a refused member of a zip may stop
    /// with an error: what came before it names it).
    fn sha256(&self) -> Result<String> {
        let mut input = self.open()?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match input.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => hasher.update(&buf[..n]),
            }
        }
        Ok(crate::domain::hex(&hasher.finish()))
    }

    fn read_all(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.open()?.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// One reading of a report: done, or to be read again with our account as the footer named it.
enum Attempt {
    Done(Box<ImportOutcome>),
    Again(Option<String>),
}

/// What the parser said so far.
enum Streamed {
    Nothing,
    Whole(Box<crate::ingest::Parsed>),
    Statement {
        head: Head,
        writer: Box<StatementWriter>,
    },
    Finished {
        head: Head,
        writer: Box<StatementWriter>,
        tail: Box<StreamTail>,
    },
}

impl Streamed {
    fn take(&mut self) -> Streamed {
        std::mem::replace(self, Streamed::Nothing)
    }
}

/// How the event handler tells the parser to stop for a refusal it recorded.
const STOPPED: &str = "import stopped by a refused row";

fn duplicate(name: &str, id: i64) -> ImportOutcome {
    let mut outcome = ImportOutcome::empty(name);
    outcome.duplicate_of = Some(id);
    outcome.warnings.push(crate::said!(
        "ten sam plik wczytano już jako raport nr {id}; nic nie dodano",
        "the same file was already imported as report #{id}; nothing added"
    ));
    outcome
}

/// Parsing in this process (isolation off: tests, benches, a trusted setup): the parser runs on a
/// thread of its own, a few batches ahead of the store at most, so the two overlap on two cores as
/// they do with the worker. Returns like [`crate::isolate::Isolation::stream`].
fn in_process(
    file: &str,
    mut input: Box<dyn Read + Send + '_>,
    profiles: &[Profile],
    ctx: &ParseContext,
    on: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<(Result<(), ReportError>, String)> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Event>(4);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let mut hashing = HashingReader {
                inner: &mut input,
                hasher: Sha256::new(),
            };
            let result = parse_stream(file, &mut hashing, profiles, ctx, &mut |e| {
                tx.send(e)
                    .map_err(|_| std::io::Error::other("the importer stopped"))
            });
            drop(tx);
            // The digest covers the whole input, also when the parser stopped early.
            let _ = std::io::copy(&mut hashing, &mut std::io::sink());
            (result, crate::domain::hex(&hashing.hasher.finish()))
        });
        let mut failure = None;
        for event in rx.iter() {
            if let Err(e) = on(event) {
                failure = Some(e);
                break;
            }
        }
        drop(rx);
        let (result, sha) = parser
            .join()
            .map_err(|_| anyhow::anyhow!("the parser of {file} panicked"))?;
        match failure {
            Some(e) => Err(e),
            None => Ok((result, sha)),
        }
    })
}

/// A reader that hashes what passes through it.
struct HashingReader<'r> {
    inner: &'r mut (dyn Read + Send),
    hasher: Sha256,
}

impl Read for HashingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Numbers a statement's operations as they come: each one's identity (see [`identity`]) and its
/// occurrence number make its fingerprint, so the same operation in an overlapping statement is
/// known and two identical operations in one statement are both kept. Pure, so it runs on the
/// thread that reads the parser's answer, beside the one that stores.
struct Fingerprinter {
    /// Our account as the identity writes it (electronic IBAN, or empty).
    account_key: String,
    /// Identities seen so far, by the first 8 bytes of their digest (a collision of two
    /// different operations among a million is a chance in 10⁷ and would only number one
    /// of them #2).
    seen: std::collections::HashSet<u64>,
    /// Occurrences so far of the identities seen more than once. Nearly every operation of a
    /// statement is seen once: counting them all in one map held 36 MB at a million rows (54
    /// while it grew), half of what the import kept.
    repeated: HashMap<u64, u32>,
    key: String,
}

impl Fingerprinter {
    fn new(account: Option<&str>) -> Self {
        let account_key = account
            .and_then(|a| BankAccount::parse(a).ok())
            .map(|a| a.to_string())
            .unwrap_or_default();
        Fingerprinter {
            account_key,
            seen: std::collections::HashSet::new(),
            repeated: HashMap::new(),
            key: String::with_capacity(256),
        }
    }

    /// The next operation's fingerprint.
    fn print(&mut self, row: &StatementRow) -> [u8; 32] {
        identity(&self.account_key, row, &mut self.key);
        let base = Sha256::digest(self.key.as_bytes());
        let short = u64::from_le_bytes(base[..8].try_into().unwrap_or_default());
        let n: u32 = if self.seen.insert(short) {
            1
        } else {
            let n = self.repeated.entry(short).or_insert(1);
            *n += 1;
            *n
        };
        let mut h = Sha256::new();
        h.update(&base);
        h.update(&n.to_le_bytes());
        h.finish()
    }
}

/// A batch of operations with their fingerprints, ready to store.
struct Printed {
    rows: Vec<StatementRow>,
    prints: Vec<[u8; 32]>,
}

/// What the reading thread hands the storing one: the parser's [`Event`]s, a statement's
/// operations with their fingerprints.
enum Ready {
    Whole(Box<crate::ingest::Parsed>),
    /// A statement's head, with our account as the identities use it.
    Head(Head, Option<String>),
    Rows(Printed),
    Tail(Box<StreamTail>),
}

/// Stores a statement's fingerprinted operations as they come, counting new and known ones.
struct StatementWriter {
    /// Our account as the statement states it.
    our_account: Option<String>,
    report_id: i64,
    now: String,
    new: usize,
    known: usize,
    oldest: Option<chrono::NaiveDate>,
    newest: Option<chrono::NaiveDate>,
    /// What the check against other exports of the account needs.
    stored: other_exports::Stored,
}

/// A statement stored: its counts once operations another export had stored were taken back.
struct Closed {
    new: usize,
    known: usize,
    newest: Option<chrono::NaiveDate>,
    /// Operations another export of the account had stored already (counted in `known`).
    elsewhere: usize,
}

impl StatementWriter {
    fn new(tx: &Tx<'_>, account: Option<String>, report_id: i64) -> Result<Self> {
        Ok(StatementWriter {
            our_account: account,
            report_id,
            now: tx.now_text(),
            new: 0,
            known: 0,
            oldest: None,
            newest: None,
            stored: other_exports::Stored::new(tx.last_payment_id()?),
        })
    }

    /// Takes back what other exports had stored, and records where the statement's operations
    /// are for the statements after it.
    fn close(mut self, tx: &Tx<'_>) -> Result<Closed> {
        let taken = other_exports::take_back(tx, self.report_id, &mut self.stored)?;
        let refs = self.stored.refs.saturating_sub(taken.refs);
        tx.record_statement_span(self.report_id, self.oldest, self.stored.after, refs)?;
        let elsewhere = taken.operations.min(self.new);
        Ok(Closed {
            new: self.new - elsewhere,
            known: self.known + elsewhere,
            newest: self.newest,
            elsewhere,
        })
    }

    fn add(
        &mut self,
        inserter: &mut crate::store::PaymentInserter<'_>,
        row: &StatementRow,
        fingerprint: &[u8; 32],
        file: &str,
    ) -> Result<Result<(), ReportError>> {
        let amount = match Money::new(row.amount, row.currency) {
            Ok(a) => a,
            Err(e) => {
                let out = ImportOutcome::empty(file);
                return Ok(Err(row_error(&out, row.row, "amount", e.said())));
            }
        };
        let payment = NewPayment {
            source_row: row.row,
            booking_date: row.booking_date,
            value_date: row.value_date,
            amount,
            kind: row.kind,
            counterparty_name: row.counterparty_name.as_deref(),
            counterparty_address: row.counterparty_address.as_deref(),
            counterparty_account: row.counterparty_account.as_deref(),
            account_valid: row.account_valid == Some(true),
            title: &row.title,
            tx_type: row.tx_type.as_deref(),
            bank_ref: row.bank_ref.as_deref(),
            our_account: self.our_account.as_deref(),
            fingerprint,
        };
        let new = inserter.insert(&payment, self.report_id, &self.now)?;
        if new {
            self.new += 1;
        } else {
            self.known += 1;
        }
        let print = crate::store::short_print(fingerprint);
        self.stored
            .note(row.booking_date, row.bank_ref.is_some(), new, print);
        if self.newest.is_none_or(|d| row.booking_date > d) {
            self.newest = Some(row.booking_date);
        }
        if self.oldest.is_none_or(|d| row.booking_date < d) {
            self.oldest = Some(row.booking_date);
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fold as it was written first, a character at a time: what stored fingerprints hold.
    fn folded_charwise(s: &str) -> String {
        let mut key = String::new();
        let mut space = false;
        for c in s.chars() {
            if crate::domain::text::is_space(c) {
                space = true;
                continue;
            }
            if space {
                key.push(' ');
                space = false;
            }
            if c.is_ascii() {
                key.push(c.to_ascii_uppercase());
            } else {
                key.extend(c.to_uppercase());
            }
        }
        key
    }

    proptest::proptest! {
        #[test]
        fn the_fold_of_an_identity_never_changes(
            s in "[ aZ1/\\t\\n\\u{0B}\\u{1C}\\u{85}\\u{A0}\\u{202F}\\u{FEFF}ąęłóśźżĄßǆﬅ€]{0,16}"
        ) {
            let mut key = String::from("v1|");
            push_folded(&mut key, &s);
            proptest::prop_assert_eq!(key, format!("v1|{}", folded_charwise(&s)));
        }
    }

    /// An operation's identity as stored fingerprints were made from it: if this changes, every
    /// statement imported before would be imported again beside itself.
    #[test]
    fn an_operations_identity_is_what_it_always_was() {
        let row = StatementRow {
            row: 7,
            booking_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default(),
            value_date: None,
            amount: rust_decimal::Decimal::new(385937, 2),
            currency: crate::domain::Currency::PLN,
            kind: crate::domain::PaymentKind::Incoming,
            counterparty_name: Some(" Firma  Łódź\u{A0}sp. z o.o. ".into()),
            counterparty_address: None,
            counterparty_account: Some("PL61109010140000071219812874".into()),
            account_valid: Some(true),
            title: "zapłata fv\t12/2026 ".into(),
            tx_type: None,
            bank_ref: None,
            balance_after: None,
        };
        let mut key = String::new();
        identity("PL27114020040000300201355387", &row, &mut key);
        assert_eq!(
            key,
            "v1|PL27114020040000300201355387|2026-01-02|3859.37|PLN|PL61109010140000071219812874| FIRMA ŁÓDŹ SP. Z O.O.|ZAPŁATA FV 12/2026"
        );
        let with_ref = StatementRow {
            bank_ref: Some("ab 12".into()),
            ..row
        };
        identity("", &with_ref, &mut key);
        assert_eq!(key, "v1||2026-01-02|3859.37|PLN|ref|AB 12");
    }
}
