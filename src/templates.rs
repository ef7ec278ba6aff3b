//! Mail texts, rendered with minijinja from `templates/<lang>/<name>.txt` (and an optional
//! `<name>.html` alternative). The files in the repository's `templates/` are built in; with
//! `[templates] dir` set, files there win, so people edit texts without recompiling. A template
//! that fails to render (a typo in an edited file) falls back to the built-in one and is logged:
//! a broken edit must not stop the mail.
//!
//! The first line of a `.txt` template is `Subject: ...`; the body follows a blank line.

use anyhow::{Context, Result, anyhow};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// (path under templates/, contents)
const BUILT_IN: &[(&str, &str)] = &[
    (
        "pl/summary.txt",
        include_str!("../templates/pl/summary.txt"),
    ),
    (
        "en/summary.txt",
        include_str!("../templates/en/summary.txt"),
    ),
    (
        "pl/commands_unavailable.txt",
        include_str!("../templates/pl/commands_unavailable.txt"),
    ),
    (
        "en/commands_unavailable.txt",
        include_str!("../templates/en/commands_unavailable.txt"),
    ),
    (
        "pl/bounce_notice.txt",
        include_str!("../templates/pl/bounce_notice.txt"),
    ),
    (
        "en/bounce_notice.txt",
        include_str!("../templates/en/bounce_notice.txt"),
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
    env.add_filter("money", |v: String| -> String {
        match v.parse::<rust_decimal::Decimal>() {
            Ok(d) => crate::domain::format_pl(d),
            Err(_) => v,
        }
    });
    env
}

impl Templates {
    pub fn new(dir: Option<&Path>) -> Templates {
        let mut built_in = environment();
        built_in.set_loader(|name| {
            Ok(BUILT_IN
                .iter()
                .find(|(p, _)| *p == name)
                .map(|(_, c)| c.to_string()))
        });
        let user = dir.map(|d| {
            let mut env = environment();
            env.set_loader(minijinja::path_loader(d));
            (d.to_path_buf(), env)
        });
        Templates { user, built_in }
    }

    /// Renders `<lang>/<name>.txt` (+ `.html` when present) with `ctx`.
    pub fn render<S: Serialize>(&self, lang: &str, name: &str, ctx: &S) -> Result<Rendered> {
        let lang = if lang == "en" { "en" } else { "pl" };
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
        for lang in ["pl", "en"] {
            let r = t
                .render(
                    lang,
                    "commands_unavailable",
                    &serde_json::json!({"subject": "status ACME", "company": "Firma"}),
                )
                .unwrap();
            assert!(r.subject.contains("status ACME"), "{r:?}");
            assert!(!r.text.is_empty());
        }
    }

    #[test]
    fn a_broken_user_template_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pl")).unwrap();
        std::fs::write(
            dir.path().join("pl/commands_unavailable.txt"),
            "Subject: {{ nope.nope }}\n\nx",
        )
        .unwrap();
        let t = Templates::new(Some(dir.path()));
        let r = t
            .render(
                "pl",
                "commands_unavailable",
                &serde_json::json!({"subject": "s", "company": "Firma"}),
            )
            .unwrap();
        assert!(r.subject.contains('s'));
        std::fs::write(
            dir.path().join("pl/commands_unavailable.txt"),
            "Subject: Własny: {{ subject }}\n\nTekst",
        )
        .unwrap();
        let t = Templates::new(Some(dir.path()));
        let r = t
            .render(
                "pl",
                "commands_unavailable",
                &serde_json::json!({"subject": "s", "company": "F"}),
            )
            .unwrap();
        assert_eq!(r.subject, "Własny: s");
        assert_eq!(r.text, "Tekst\n");
    }
}
