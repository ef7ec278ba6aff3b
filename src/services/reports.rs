//! Reports as use cases: read the store once into a [`Book`], compute a report model, render it
//! (mail text and HTML from templates, JSON, PDF, XLSX), and deliver scheduled ones exactly once
//! per period through the outbox.

use crate::config::Config;
use crate::domain::Lang;
pub use crate::reports::book;
use crate::reports::render;
use crate::reports::score::scores;
use crate::reports::weekly::Rules;
use crate::reports::{Book, aging, monthly, statement, weekly};
use crate::templates::{Rendered, Templates};
use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Which report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Everyone's, or one account manager's.
    Weekly {
        manager: Option<String>,
    },
    /// A month; `None`: the month before the as-of day.
    Monthly {
        month: Option<(i32, u32)>,
    },
    Aging,
    Statement {
        client_id: i64,
        confirmation: bool,
    },
}

impl Ask {
    /// Part of file names and outbox keys.
    pub fn slug(&self) -> &'static str {
        match self {
            Ask::Weekly { .. } => "weekly",
            Ask::Monthly { .. } => "monthly",
            Ask::Aging => "aging",
            Ask::Statement {
                confirmation: true, ..
            } => "balance",
            Ask::Statement { .. } => "statement",
        }
    }
}

/// A report in every form it is delivered in.
pub struct Made {
    /// A file name without extension, e.g. `raport-tygodniowy-2026-11-30`.
    pub stem: String,
    pub rendered: Rendered,
    pub json: serde_json::Value,
    pub pdf: Vec<u8>,
    pub xlsx: Vec<u8>,
    /// The charts as PNG, by Content-ID (`chart1.png`, …), shown inline by the HTML.
    pub charts: Vec<(String, Vec<u8>)>,
}

impl Made {
    /// The HTML body (from the `.html` template when there is one, else the text in a page).
    pub fn html(&self) -> String {
        self.rendered.html.clone().unwrap_or_else(|| {
            let esc = self
                .rendered
                .text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body><pre>{esc}</pre></body></html>",
                self.rendered.subject.replace('<', "&lt;")
            )
        })
    }

    /// The PDF and the XLSX as mail attachments.
    pub fn attachments(&self) -> Vec<(String, String, Vec<u8>)> {
        vec![
            (
                format!("{}.pdf", self.stem),
                "application/pdf".into(),
                self.pdf.clone(),
            ),
            (
                format!("{}.xlsx", self.stem),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
                self.xlsx.clone(),
            ),
        ]
    }
}

/// The rules behind the weekly report's suggested actions, from the settings.
pub fn rules(config: &Config) -> Rules {
    crate::commands::overdue::rules(config)
}

/// A template's context: the report and the words it needs.
#[derive(Serialize)]
struct Ctx<'a, T: Serialize> {
    company: crate::templates::context::CompanyCtx,
    report: &'a T,
    /// Step names in words in the report's language.
    steps: HashMap<String, String>,
    /// Reply intents in words.
    intents: HashMap<&'static str, String>,
    /// The weekly report's suggested action per case, in words.
    actions: Vec<String>,
    /// Rows listed in the mail (the rest are in the attachments).
    limit: usize,
    /// The charts' Content-IDs, for `<img src="cid:…">`.
    charts: Vec<String>,
}

/// Rows a mail body lists; the PDF and the spreadsheet have them all.
pub const MAIL_ROWS: usize = 150;

/// Builds the report `ask` on `as_of` in `lang`; `Ok(None)` when it is about nothing (an
/// unknown client, an impossible month).
pub fn make(
    config: &Config,
    templates: &Templates,
    book: &Book,
    ask: &Ask,
    as_of: NaiveDate,
    lang: Lang,
) -> Result<Option<Made>> {
    make_with(config, templates, book, ask, as_of, lang, Mode::Full)
}

/// Like [`make`], without the PDF, the spreadsheet and the charts (empty): for the text, HTML
/// and JSON forms on the command line, which do not need them.
pub fn make_text(
    config: &Config,
    templates: &Templates,
    book: &Book,
    ask: &Ask,
    as_of: NaiveDate,
    lang: Lang,
) -> Result<Option<Made>> {
    make_with(config, templates, book, ask, as_of, lang, Mode::Text)
}

/// The PDF, the spreadsheet and the charts, unless only the templates are being checked
/// (check-templates runs at every start: the files are not what it checks).
fn files<T: Default>(templates_only: bool, make: impl FnOnce() -> Result<T>) -> Result<T> {
    if templates_only {
        Ok(T::default())
    } else {
        make()
    }
}

/// A user's template that fails is reported by the daemon and replaced by the built-in one;
/// `checked` (check-templates) fails instead.
fn render<S: Serialize>(
    templates: &Templates,
    checked: bool,
    lang: Lang,
    name: &str,
    ctx: &S,
) -> Result<Rendered> {
    if checked {
        templates.render_checked(lang, name, ctx)
    } else {
        templates.render(lang, name, ctx)
    }
}

/// What a report is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every form: mail, PDF, XLSX, charts.
    Full,
    /// The texts only (the CLI's text, HTML and JSON).
    Text,
    /// check-templates: the texts, with an edited template's failure as an error.
    CheckTemplates,
}

fn make_with(
    config: &Config,
    templates: &Templates,
    book: &Book,
    ask: &Ask,
    as_of: NaiveDate,
    lang: Lang,
    mode: Mode,
) -> Result<Option<Made>> {
    let checked = mode == Mode::CheckTemplates;
    let skip = mode != Mode::Full;
    let policy = config.dunning.policy();
    let s = scores(book, as_of);
    let steps: HashMap<String, String> = policy
        .steps
        .iter()
        .map(|st| {
            (
                st.name.clone(),
                crate::dunning::words::step(&policy, &st.name, lang),
            )
        })
        .collect();
    let intents = [
        "insolvency",
        "dispute",
        "already_paid",
        "promise",
        "asks_invoice",
        "asks_statement",
        "other",
    ]
    .into_iter()
    .map(|i| (i, crate::dunning::words::intent(i, lang)))
    .collect();
    let company = crate::templates::context::CompanyCtx::of(config);
    fn ctx<'a, T: Serialize>(
        company: &crate::templates::context::CompanyCtx,
        steps: &HashMap<String, String>,
        report: &'a T,
    ) -> Ctx<'a, T> {
        Ctx {
            company: company.clone(),
            report,
            steps: steps.clone(),
            intents: Default::default(),
            actions: Vec::new(),
            limit: MAIL_ROWS,
            charts: Vec::new(),
        }
    }
    let date = as_of.to_string();
    let cids = |n: usize| (1..=n).map(|i| format!("chart{i}.png")).collect::<Vec<_>>();
    let named = |pngs: Vec<Vec<u8>>| cids(pngs.len()).into_iter().zip(pngs).collect::<Vec<_>>();
    Ok(Some(match ask {
        Ask::Weekly { manager } => {
            let w = weekly::weekly(book, &s, &rules(config), as_of, manager.as_deref());
            let charts = files(skip, || {
                Ok(vec![render::aging_chart(&aging::aging(book, as_of), lang)?])
            })?;
            let mut c = ctx(&company, &steps, &w);
            c.charts = cids(charts.len());
            c.intents = intents;
            c.actions = w
                .cases
                .iter()
                .map(|k| render::action(k, lang, &steps))
                .collect();
            let rendered = render(templates, checked, lang, "report_weekly", &c)?;
            Made {
                stem: format!("{}-{date}", lang.pick("raport-tygodniowy", "weekly-report")),
                pdf: files(skip, || {
                    render::pdf::weekly(&w, &rendered, lang, &steps, &charts)
                })?,
                xlsx: files(skip, || render::xlsx::weekly(&w, lang, &steps))?,
                json: serde_json::to_value(&w)?,
                rendered,
                charts: named(charts),
            }
        }
        Ask::Monthly { month } => {
            let (y, m) = month.unwrap_or_else(|| monthly::previous_month(as_of));
            let Some((_, last)) = monthly::month_bounds(y, m) else {
                return Ok(None);
            };
            let s = scores(book, last);
            let Some(r) = monthly::monthly(book, &s, y, m) else {
                return Ok(None);
            };
            let charts = files(skip, || render::monthly_charts(&r, lang))?;
            let mut c = ctx(&company, &steps, &r);
            c.charts = cids(charts.len());
            let rendered = render(templates, checked, lang, "report_monthly", &c)?;
            Made {
                stem: format!(
                    "{}-{}",
                    lang.pick("raport-miesieczny", "monthly-report"),
                    r.month
                ),
                pdf: files(skip, || {
                    render::pdf::monthly(&r, &rendered, lang, &steps, &charts)
                })?,
                xlsx: files(skip, || render::xlsx::monthly(&r, lang, &steps))?,
                json: serde_json::to_value(&r)?,
                rendered,
                charts: named(charts),
            }
        }
        Ask::Aging => {
            let a = aging::aging(book, as_of);
            let charts = files(skip, || Ok(vec![render::aging_chart(&a, lang)?]))?;
            let mut c = ctx(&company, &steps, &a);
            c.charts = cids(charts.len());
            let rendered = render(templates, checked, lang, "report_aging", &c)?;
            Made {
                stem: format!("{}-{date}", lang.pick("wiekowanie", "aging")),
                pdf: files(skip, || render::pdf::aging(&a, &rendered, lang, &charts))?,
                xlsx: files(skip, || render::xlsx::aging(&a, lang))?,
                json: serde_json::to_value(&a)?,
                rendered,
                charts: named(charts),
            }
        }
        Ask::Statement {
            client_id,
            confirmation,
        } => {
            let Some(st) =
                statement::statement(book, s.of(*client_id), *client_id, as_of, *confirmation)
            else {
                return Ok(None);
            };
            let rendered = render(
                templates,
                checked,
                lang,
                "report_statement",
                &ctx(&company, &steps, &st),
            )?;
            let slug = crate::domain::text::fold_diacritics(&st.client)
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .take(4)
                .collect::<Vec<_>>()
                .join("-");
            Made {
                stem: format!(
                    "{}-{slug}-{date}",
                    match (confirmation, lang) {
                        (true, Lang::Pl) => "potwierdzenie-salda",
                        (true, Lang::En) => "balance-confirmation",
                        (false, Lang::Pl) => "wyciag",
                        (false, Lang::En) => "statement",
                    }
                ),
                pdf: files(skip, || render::pdf::statement(&st, &rendered, lang))?,
                xlsx: files(skip, || render::xlsx::statement(&st, lang))?,
                json: serde_json::to_value(&st)?,
                rendered,
                charts: Vec::new(),
            }
        }
    }))
}

/// Reads the book from the store (outside any write).
pub fn read(store: &crate::store::Store, config: &Config) -> Result<Book> {
    let snap = store.dunning_snapshot()?;
    let rows = store.book_rows()?;
    Ok(book(&snap, &rows, &config.dunning.policy()))
}

/// The same inside a transaction.
pub fn read_tx(tx: &crate::store::Tx<'_>, config: &Config) -> Result<Book> {
    let snap = tx.dunning_snapshot()?;
    let rows = tx.book_rows()?;
    Ok(book(&snap, &rows, &config.dunning.policy()))
}

pub use crate::reports::monthly::parse_month;

/// A scheduled report due now: its outbox key (one per report, period and recipient list) and
/// what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub key: String,
    pub ask: Ask,
    pub to: Vec<String>,
}

/// Which scheduled reports are due at `now` (local time): the weekly one from its day and hour
/// until the week ends, the monthly one from the first business day's hour until the month
/// ends. Only the current period: after an outage the latest report goes, once, stating its
/// period; earlier ones are not sent late. Pure.
pub fn due(config: &Config, now: chrono::NaiveDateTime) -> Vec<Due> {
    use chrono::Datelike;
    let r = &config.reports;
    let (Some(day), Some(at)) = (r.weekday(), r.at()) else {
        return Vec::new();
    };
    let today = now.date();
    // A report's own recipients, else the staff addresses, else the admin notice address.
    let recipients = |own: &Vec<String>| -> Vec<String> {
        if !own.is_empty() {
            own.clone()
        } else if config.staff.addresses.is_empty() {
            config.staff.admin_notice.iter().cloned().collect()
        } else {
            config.staff.addresses.clone()
        }
    };
    let mut out = Vec::new();
    let week_start = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let send_day = week_start + chrono::Duration::days(day.num_days_from_monday() as i64);
    if r.weekly && (today > send_day || (today == send_day && now.time() >= at)) {
        let week = send_day.iso_week();
        let period = format!("{}-W{:02}", week.year(), week.week());
        let to = recipients(&r.weekly_to);
        if !to.is_empty() {
            out.push(Due {
                key: format!("report:weekly:{period}:all"),
                ask: Ask::Weekly { manager: None },
                to,
            });
        }
    }
    let first = config
        .dunning
        .calendar()
        .on_or_after(today.with_day(1).unwrap_or(today));
    if r.monthly && (today > first || (today == first && now.time() >= at)) {
        let (y, m) = crate::reports::monthly::previous_month(today);
        let to = recipients(&r.monthly_to);
        if !to.is_empty() {
            out.push(Due {
                key: format!("report:monthly:{y}-{m:02}"),
                ask: Ask::Monthly {
                    month: Some((y, m)),
                },
                to,
            });
        }
    }
    out
}

/// Queues the scheduled reports due at `now` that were not queued before: each report and
/// period exactly once (the outbox key is unique), also across restarts. The weekly report of
/// each account manager goes to them with only their clients. Returns how many were queued.
pub fn send_scheduled(
    env: &crate::services::Env<'_>,
    store: &mut crate::store::Store,
    now: chrono::NaiveDateTime,
) -> Result<usize> {
    let mut due = due(env.config, now);
    if due.is_empty() {
        return Ok(0);
    }
    let tx = store.transaction()?;
    if env.config.reports.per_manager
        && let Some(weekly) = due
            .iter()
            .find(|d| matches!(d.ask, Ask::Weekly { .. }))
            .cloned()
    {
        let mut managers: Vec<(String, String)> = tx
            .account_managers()?
            .into_iter()
            .map(|m| (crate::mail::address::bare(&m), m))
            .collect();
        managers.sort();
        managers.dedup_by(|a, b| a.0 == b.0);
        for (address, m) in managers {
            due.push(Due {
                key: weekly.key.replace(":all", &format!(":{address}")),
                ask: Ask::Weekly {
                    manager: Some(m.clone()),
                },
                to: vec![m],
            });
        }
    }
    // The daemon asks on every round: once this period's reports are queued, nothing is read.
    let mut pending = Vec::new();
    for d in due {
        if !tx.outbox_has_key(&d.key)? {
            pending.push(d);
        }
    }
    if pending.is_empty() {
        return Ok(0);
    }
    let book = read_tx(&tx, env.config)?;
    let lang = env.config.templates.language;
    let today = now.date();
    let mut queued = 0;
    for d in pending {
        let as_of = match d.ask {
            // The weekly report is as of the day before: the week that ended.
            Ask::Weekly { .. } => today - chrono::Duration::days(1),
            _ => today,
        };
        let Some(made) = make(env.config, env.templates, &book, &d.ask, as_of, lang)? else {
            continue;
        };
        let to: Vec<_> =
            d.to.iter()
                .filter_map(|a| crate::mail::address::parse_mailbox(a).ok())
                .collect();
        if to.is_empty() {
            continue;
        }
        let attachments = made.attachments();
        let mut draft = crate::outbox::Draft::auto(
            d.key.clone(),
            crate::outbox::Purpose::Report,
            to,
            made.rendered,
        );
        draft.attachments = attachments;
        draft.inline = made
            .charts
            .into_iter()
            .map(|(cid, png)| (cid, "image/png".to_string(), png))
            .collect();
        if crate::outbox::queue(&tx, env.identity, &draft)? {
            tx.audit("daemon", "report.queued", None, Some(&d.key))?;
            queued += 1;
        }
    }
    tx.commit()?;
    Ok(queued)
}

/// A small book: a paid invoice, one with every step sent, a disputed one, one not yet due, a
/// credit note.
fn sample_book(config: &Config) -> Book {
    use crate::domain::{Currency, HoldKind};
    use crate::reports::{BookClient, BookInvoice};
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let inv = |id: i64, client_id, due: NaiveDate, paid: Vec<(NaiveDate, i64)>| BookInvoice {
        id,
        number: format!("FV/{id}/2026"),
        client_id,
        issue_date: Some(due - chrono::Duration::days(14)),
        due: Some(due),
        currency: Currency::PLN,
        gross: 123_000,
        paid,
        steps: Vec::new(),
        last_mail: None,
        escalated: false,
        hold: None,
        credit: 0,
    };
    let mut late = inv(2, 1, d(2026, 10, 20), Vec::new());
    late.steps = config
        .dunning
        .policy()
        .steps
        .iter()
        .map(|s| (s.name.clone(), d(2026, 10, 25)))
        .collect();
    let mut disputed = inv(3, 2, d(2026, 11, 2), Vec::new());
    disputed.hold = Some((HoldKind::Dispute, None));
    // A credit note of ACME's, deducted from its balance.
    let mut credit = inv(5, 1, d(2026, 11, 12), Vec::new());
    credit.number = "KOR/1/2026".into();
    credit.gross = -24_600;
    credit.credit = 24_600;
    Book {
        clients: vec![
            BookClient {
                id: 1,
                name: "ACME Sp. z o.o.".into(),
                nip: Some("5250007313".into()),
                manager: Some("anna@example.pl".into()),
                last_reply: Some((d(2026, 11, 3), Some("promise".into()))),
                payment_in_review: false,
                credit: false,
            },
            BookClient {
                id: 2,
                name: "Beta s.c.".into(),
                ..BookClient::default()
            },
        ],
        invoices: vec![
            inv(1, 1, d(2026, 10, 1), vec![(d(2026, 10, 5), 123_000)]),
            late,
            disputed,
            inv(4, 2, d(2026, 12, 10), Vec::new()),
            credit,
        ],
        steps: config
            .dunning
            .policy()
            .steps
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        ..Book::default()
    }
}

/// Renders every report template in both languages over a small sample (check-templates): a
/// broken edited template fails here, naming itself.
pub fn check_templates(config: &Config, templates: &Templates) -> Result<usize> {
    let book = sample_book(config);
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let as_of = d(2026, 11, 30);
    let asks = [
        Ask::Weekly { manager: None },
        Ask::Monthly { month: None },
        Ask::Aging,
        Ask::Statement {
            client_id: 1,
            confirmation: false,
        },
        Ask::Statement {
            client_id: 1,
            confirmation: true,
        },
    ];
    let mut n = 0;
    for lang in [Lang::Pl, Lang::En] {
        for ask in &asks {
            let made = make_with(
                config,
                templates,
                &book,
                ask,
                as_of,
                lang,
                Mode::CheckTemplates,
            )?
            .ok_or_else(|| anyhow!("the sample report {ask:?} is about nothing"))?;
            if made.rendered.subject.is_empty() {
                anyhow::bail!("{lang}/report_{}: the subject is empty", ask.slug());
            }
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polish reports are Polish: no English words, no identifiers (step and action codes, enum
    /// names) reach the text, the HTML or the PDF's tables.
    #[test]
    fn polish_reports_speak_polish() {
        let config = Config::default();
        let templates = Templates::new(None);
        assert_eq!(check_templates(&config, &templates).unwrap(), 10);
        // The same sample as check-templates, made again to read the texts.
        let english = [
            " the ",
            "overdue",
            " days",
            "invoice",
            "payment",
            "reminder",
            "after_",
            "before_",
            "check_review",
            "resolve_dispute",
            "await_",
            "_step",
            "null",
            "None",
            "Some(",
        ];
        for ask in [
            Ask::Weekly { manager: None },
            Ask::Monthly { month: None },
            Ask::Aging,
            Ask::Statement {
                client_id: 1,
                confirmation: true,
            },
        ] {
            let book = sample_book(&config);
            let made = make(
                &config,
                &templates,
                &book,
                &ask,
                NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
                Lang::Pl,
            )
            .unwrap()
            .unwrap();
            let text = format!(
                "{}\n{}\n{}",
                made.rendered.subject,
                made.rendered.text,
                made.html()
            );
            for w in english {
                assert!(!text.contains(w), "{ask:?}: {w:?} in\n{text}");
            }
        }
    }
}
