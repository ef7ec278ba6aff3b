//! Mail texts, rendered with minijinja from `templates/<lang>/<name>.txt` (and an optional
//! `<name>.html` alternative). The files in the repository's `templates/` are built in; with
//! `[templates] dir` set, files there win, so people edit texts without recompiling. A template
//! that fails to render (a typo in an edited file) falls back to the built-in one and is logged:
//! a broken edit must not stop the mail.
//!
//! The first line of a `.txt` template is `Subject: ...`; the body follows a blank line.
//!
//! What each template receives is a typed struct in [`context`]; [`samples`] renders every
//! template with samples of those very structs (`skarbnik check-templates`).

pub mod context;
pub mod samples;

use crate::domain::Lang;
use anyhow::{Context, Result, anyhow};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// (path under templates/, contents)
const BUILT_IN: &[(&str, &str)] = &[
    (
        "pl/invoice_issued.txt",
        include_str!("../../templates/pl/invoice_issued.txt"),
    ),
    (
        "pl/billing_summary.txt",
        include_str!("../../templates/pl/billing_summary.txt"),
    ),
    (
        "en/invoice_issued.txt",
        include_str!("../../templates/en/invoice_issued.txt"),
    ),
    (
        "en/billing_summary.txt",
        include_str!("../../templates/en/billing_summary.txt"),
    ),
    (
        "pl/report_weekly.html",
        include_str!("../../templates/pl/report_weekly.html"),
    ),
    (
        "pl/report_monthly.html",
        include_str!("../../templates/pl/report_monthly.html"),
    ),
    (
        "en/report_weekly.html",
        include_str!("../../templates/en/report_weekly.html"),
    ),
    (
        "en/report_monthly.html",
        include_str!("../../templates/en/report_monthly.html"),
    ),
    (
        "pl/report_weekly.txt",
        include_str!("../../templates/pl/report_weekly.txt"),
    ),
    (
        "pl/report_monthly.txt",
        include_str!("../../templates/pl/report_monthly.txt"),
    ),
    (
        "pl/report_aging.txt",
        include_str!("../../templates/pl/report_aging.txt"),
    ),
    (
        "pl/report_statement.txt",
        include_str!("../../templates/pl/report_statement.txt"),
    ),
    (
        "en/report_weekly.txt",
        include_str!("../../templates/en/report_weekly.txt"),
    ),
    (
        "en/report_monthly.txt",
        include_str!("../../templates/en/report_monthly.txt"),
    ),
    (
        "en/report_aging.txt",
        include_str!("../../templates/en/report_aging.txt"),
    ),
    (
        "en/report_statement.txt",
        include_str!("../../templates/en/report_statement.txt"),
    ),
    (
        "pl/client_reply.txt",
        include_str!("../../templates/pl/client_reply.txt"),
    ),
    (
        "pl/dispute_ack.txt",
        include_str!("../../templates/pl/dispute_ack.txt"),
    ),
    (
        "pl/invoice_copy.txt",
        include_str!("../../templates/pl/invoice_copy.txt"),
    ),
    (
        "pl/client_balance.txt",
        include_str!("../../templates/pl/client_balance.txt"),
    ),
    (
        "pl/hold_notice.txt",
        include_str!("../../templates/pl/hold_notice.txt"),
    ),
    (
        "en/client_reply.txt",
        include_str!("../../templates/en/client_reply.txt"),
    ),
    (
        "en/dispute_ack.txt",
        include_str!("../../templates/en/dispute_ack.txt"),
    ),
    (
        "en/invoice_copy.txt",
        include_str!("../../templates/en/invoice_copy.txt"),
    ),
    (
        "en/client_balance.txt",
        include_str!("../../templates/en/client_balance.txt"),
    ),
    (
        "en/hold_notice.txt",
        include_str!("../../templates/en/hold_notice.txt"),
    ),
    (
        "pl/_invoices.html",
        include_str!("../../templates/pl/_invoices.html"),
    ),
    (
        "pl/_invoices.txt",
        include_str!("../../templates/pl/_invoices.txt"),
    ),
    (
        "pl/_payment.txt",
        include_str!("../../templates/pl/_payment.txt"),
    ),
    (
        "pl/bounce_notice.txt",
        include_str!("../../templates/pl/bounce_notice.txt"),
    ),
    (
        "pl/command_reply.txt",
        include_str!("../../templates/pl/command_reply.txt"),
    ),
    (
        "pl/demand.txt",
        include_str!("../../templates/pl/demand.txt"),
    ),
    (
        "pl/escalation_manager.txt",
        include_str!("../../templates/pl/escalation_manager.txt"),
    ),
    (
        "pl/escalation_statement.html",
        include_str!("../../templates/pl/escalation_statement.html"),
    ),
    (
        "pl/escalation_statement.txt",
        include_str!("../../templates/pl/escalation_statement.txt"),
    ),
    (
        "pl/payment_confirmation.html",
        include_str!("../../templates/pl/payment_confirmation.html"),
    ),
    (
        "pl/payment_confirmation.txt",
        include_str!("../../templates/pl/payment_confirmation.txt"),
    ),
    (
        "pl/reminder_after_1.html",
        include_str!("../../templates/pl/reminder_after_1.html"),
    ),
    (
        "pl/reminder_after_1.txt",
        include_str!("../../templates/pl/reminder_after_1.txt"),
    ),
    (
        "pl/reminder_after_7.html",
        include_str!("../../templates/pl/reminder_after_7.html"),
    ),
    (
        "pl/reminder_after_7.txt",
        include_str!("../../templates/pl/reminder_after_7.txt"),
    ),
    (
        "pl/reminder_before.html",
        include_str!("../../templates/pl/reminder_before.html"),
    ),
    (
        "pl/reminder_before.txt",
        include_str!("../../templates/pl/reminder_before.txt"),
    ),
    (
        "pl/staff_notice.txt",
        include_str!("../../templates/pl/staff_notice.txt"),
    ),
    (
        "pl/summary.txt",
        include_str!("../../templates/pl/summary.txt"),
    ),
    (
        "en/_invoices.html",
        include_str!("../../templates/en/_invoices.html"),
    ),
    (
        "en/_invoices.txt",
        include_str!("../../templates/en/_invoices.txt"),
    ),
    (
        "en/_payment.txt",
        include_str!("../../templates/en/_payment.txt"),
    ),
    (
        "en/bounce_notice.txt",
        include_str!("../../templates/en/bounce_notice.txt"),
    ),
    (
        "en/command_reply.txt",
        include_str!("../../templates/en/command_reply.txt"),
    ),
    (
        "en/demand.txt",
        include_str!("../../templates/en/demand.txt"),
    ),
    (
        "en/escalation_manager.txt",
        include_str!("../../templates/en/escalation_manager.txt"),
    ),
    (
        "en/escalation_statement.html",
        include_str!("../../templates/en/escalation_statement.html"),
    ),
    (
        "en/escalation_statement.txt",
        include_str!("../../templates/en/escalation_statement.txt"),
    ),
    (
        "en/payment_confirmation.html",
        include_str!("../../templates/en/payment_confirmation.html"),
    ),
    (
        "en/payment_confirmation.txt",
        include_str!("../../templates/en/payment_confirmation.txt"),
    ),
    (
        "en/reminder_after_1.html",
        include_str!("../../templates/en/reminder_after_1.html"),
    ),
    (
        "en/reminder_after_1.txt",
        include_str!("../../templates/en/reminder_after_1.txt"),
    ),
    (
        "en/reminder_after_7.html",
        include_str!("../../templates/en/reminder_after_7.html"),
    ),
    (
        "en/reminder_after_7.txt",
        include_str!("../../templates/en/reminder_after_7.txt"),
    ),
    (
        "en/reminder_before.html",
        include_str!("../../templates/en/reminder_before.html"),
    ),
    (
        "en/reminder_before.txt",
        include_str!("../../templates/en/reminder_before.txt"),
    ),
    (
        "en/staff_notice.txt",
        include_str!("../../templates/en/staff_notice.txt"),
    ),
    (
        "en/summary.txt",
        include_str!("../../templates/en/summary.txt"),
    ),
];

/// A rendered mail text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

pub struct Templates {
    user: Option<(PathBuf, Environment<'static>)>,
    built_in: Environment<'static>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // An edited template with a runaway loop stops instead of hanging the daemon.
    env.set_fuel(Some(200_000));
    // `{{ x|money }}` → "1 230,00"; `{{ x|money("en") }}` → "1,230.00".
    env.add_filter("money", |v: String, lang: Option<String>| -> String {
        match v.parse::<rust_decimal::Decimal>() {
            Ok(d) if lang.as_deref() == Some("en") => crate::domain::format_en(d),
            Ok(d) => crate::domain::format_pl(d),
            Err(_) => v,
        }
    });
    // `{{ p.review|reason("pl") }}`: why a payment waits, stored as evidence, in the mail's
    // language (a person's own note, or an older reason, as written).
    env.add_filter("reason", |v: String, lang: Option<String>| -> String {
        let lang = match lang.as_deref() {
            Some("en") => crate::domain::Lang::En,
            _ => crate::domain::Lang::Pl,
        };
        crate::reconcile::render_stored(&v, lang)
    });
    // `{{ "14.00"|num }}` → "14,00" (a rate, a percentage: as many decimals as it has);
    // `|num("en")` → "14.00".
    env.add_filter("num", |v: String, lang: Option<String>| -> String {
        match v.parse::<rust_decimal::Decimal>() {
            Ok(_) if lang.as_deref() == Some("en") => v,
            Ok(_) => v.replace('.', ","),
            Err(_) => v,
        }
    });
    // `{{ subject|reply }}` → "Re: subject", without piling up "Re: Re:" (also after Odp:, AW:).
    env.add_filter("reply", |v: String| -> String {
        let lower = v.trim_start().to_lowercase();
        if ["re:", "odp:", "aw:", "sv:"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            v.trim_start().to_string()
        } else {
            format!("Re: {v}")
        }
    });
    // `{{ "2026-11-23"|date }}` → "23.11.2026"; `|date("en")` → "23 Nov 2026".
    env.add_filter("date", |v: String, lang: Option<String>| -> String {
        match chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(d) if lang.as_deref() == Some("en") => d.format("%-d %b %Y").to_string(),
            Ok(d) => d.format("%d.%m.%Y").to_string(),
            Err(_) => v,
        }
    });
    env
}

fn built_in(name: &str) -> Option<String> {
    BUILT_IN
        .iter()
        .find(|(p, _)| *p == name)
        .map(|(_, c)| c.to_string())
}

impl Templates {
    pub fn new(dir: Option<&Path>) -> Templates {
        let mut embedded = environment();
        embedded.set_loader(|name| Ok(built_in(name)));
        let user = dir.map(|d| {
            let mut env = environment();
            // The user's file, else the built-in one: an edited mail may include an unedited part.
            let from_dir = minijinja::path_loader(d);
            env.set_loader(move |name| {
                Ok(from_dir(name)?.or_else(|| built_in(name).map(minijinja::TemplateSource::new)))
            });
            (d.to_path_buf(), env)
        });
        Templates {
            user,
            built_in: embedded,
        }
    }

    /// Renders like [`Templates::render`] but without the fallback: an edited template that
    /// fails is an error. For `check-templates` and the daemon's start.
    pub fn render_checked<S: Serialize>(
        &self,
        lang: Lang,
        name: &str,
        ctx: &S,
    ) -> Result<Rendered> {
        let lang = lang.code();
        if let Some((dir, env)) = &self.user
            && dir.join(lang).join(format!("{name}.txt")).is_file()
        {
            return render_with(env, lang, name, ctx)
                .with_context(|| format!("in {}", dir.display()));
        }
        render_with(&self.built_in, lang, name, ctx)
    }

    /// Renders `<lang>/<name>.txt` (+ `.html` when present) with `ctx`.
    pub fn render<S: Serialize>(&self, lang: Lang, name: &str, ctx: &S) -> Result<Rendered> {
        let lang = lang.code();
        if let Some((dir, env)) = &self.user
            && dir.join(lang).join(format!("{name}.txt")).is_file()
        {
            match render_with(env, lang, name, ctx) {
                Ok(r) => return Ok(r),
                Err(e) => tracing::error!(
                    "template {}/{lang}/{name}: {e:#}; using the built-in text",
                    dir.display()
                ),
            }
        }
        render_with(&self.built_in, lang, name, ctx)
    }
}

fn render_with<S: Serialize>(
    env: &Environment<'static>,
    lang: &str,
    name: &str,
    ctx: &S,
) -> Result<Rendered> {
    let ctx = minijinja::Value::from(minijinja::value::Serde(ctx));
    let txt = format!("{lang}/{name}.txt");
    let full = env
        .get_template(&txt)
        .and_then(|t| t.render(&ctx))
        .with_context(|| format!("template {txt}"))?;
    let full = full.replace("\r\n", "\n");
    let (first, body) = full.split_once('\n').unwrap_or((&full, ""));
    let subject = first
        .strip_prefix("Subject:")
        .ok_or_else(|| anyhow!("template {txt}: the first line must be `Subject: ...`"))?
        .trim()
        .to_string();
    let text = body.trim_start_matches('\n').trim_end().to_string() + "\n";
    let html_name = format!("{lang}/{name}.html");
    let html = match env.get_template(&html_name) {
        Ok(t) => Some(
            t.render(&ctx)
                .with_context(|| format!("template {html_name}"))?,
        ),
        Err(e) if e.kind() == minijinja::ErrorKind::TemplateNotFound => None,
        Err(e) => return Err(anyhow!(e).context(format!("template {html_name}"))),
    };
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_render_in_both_languages() {
        let t = Templates::new(None);
        for lang in [Lang::Pl, Lang::En] {
            let r = t
                .render(
                    lang,
                    "command_reply",
                    &serde_json::json!({"subject": "status ACME", "company": "Firma", "results": []}),
                )
                .unwrap();
            assert!(r.subject.contains("status ACME"), "{r:?}");
            assert!(!r.text.is_empty());
            let r = t
                .render(
                    lang,
                    "command_reply",
                    &serde_json::json!({"subject": "RE: status ACME", "company": "F", "results": []}),
                )
                .unwrap();
            assert_eq!(r.subject, "RE: status ACME", "no Re: Re:");
        }
    }

    #[test]
    fn a_broken_user_template_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pl")).unwrap();
        std::fs::write(
            dir.path().join("pl/bounce_notice.txt"),
            "Subject: {{ nope.nope }}\n\nx",
        )
        .unwrap();
        let t = Templates::new(Some(dir.path()));
        let r = t
            .render(
                Lang::Pl,
                "bounce_notice",
                &serde_json::json!({"subject": "s", "company": "Firma", "addresses": [], "clients": {}}),
            )
            .unwrap();
        assert!(
            r.subject.starts_with("Niedoręczona poczta"),
            "the built-in text: {r:?}"
        );
        std::fs::write(
            dir.path().join("pl/bounce_notice.txt"),
            "Subject: Własny: {{ subject }}\n\nTekst",
        )
        .unwrap();
        let t = Templates::new(Some(dir.path()));
        let r = t
            .render(
                Lang::Pl,
                "bounce_notice",
                &serde_json::json!({"subject": "s", "company": "F", "addresses": [], "clients": {}}),
            )
            .unwrap();
        assert_eq!(r.subject, "Własny: s");
        assert_eq!(r.text, "Tekst\n");
    }
}
