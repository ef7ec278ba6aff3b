//! A mail from staff: authenticated, then carried out and answered in the same transaction as its
//! record. A forged one is refused without an answer (backscatter) and the admin told; a replayed
//! Message-ID changes nothing. When the store fails while a command runs, everything the mail did
//! is rolled back, the sender is told that an internal error occurred, and the mail is kept in the
//! failed folder for a person.

use super::{Message, replies};
use crate::commands::auth::{self, Role};
use crate::commands::parse::{self, Malformed, Parsed};
use crate::commands::{Ctx, Outcome, help};
use crate::domain::Lang;
use crate::mail::address::parse_mailbox;
use crate::mail::source::Folder;
use crate::services::Env;
use crate::store::{Store, Tx};
use crate::templates::context::{CommandReply, CommandResult, NoticeKind};
use anyhow::Result;

pub(super) fn handle(
    env: &Env<'_>,
    store: &mut Store,
    m: &Message<'_>,
    own_check: Option<Result<String, crate::domain::Said>>,
) -> Result<Folder> {
    let mail = &m.mail;
    let sender = mail.from.clone().unwrap_or_default();
    let role = auth::role(env.config, &sender);
    let vouched = match role {
        None => Err(crate::said!(
            "nadawca nie jest na liście pracowników",
            "the sender is not on the staff list"
        )),
        Some(role) => auth::vouch(env.config, mail, own_check).map(|how| (role, how)),
    };
    let blocked = replies::blocked(env, store, mail, &sender)?;
    let tx = store.transaction()?;
    if let Some(earlier) = tx.command_outcome(&mail.message_id)? {
        tracing::warn!(message_id = %mail.message_id, "command replayed (first {earlier}); nothing done");
        tx.audit(
            "daemon",
            "command.replayed",
            Some(&sender),
            Some(&format!(
                "Message-ID <{}> was {earlier} before",
                mail.message_id
            )),
        )?;
        m.record(&tx, Folder::Processed, None)?;
        tx.commit()?;
        return Ok(Folder::Processed);
    }
    let (role, how) = match vouched {
        Ok(vouched) => vouched,
        Err(why) => {
            tx.record_command(&mail.message_id, &sender, "refused", &why.en)?;
            replies::notify_unvouched(env, &tx, m, NoticeKind::CommandRefused, &why)?;
            m.record(&tx, Folder::Processed, None)?;
            tx.commit()?;
            return Ok(Folder::Processed);
        }
    };
    let (mut found, malformed) = parse::commands_in(&mail.subject, &mail.text);
    let lang = found
        .iter()
        .find(|p| !p.neutral)
        .map(|p| p.lang)
        .or(malformed.first().map(|b| b.lang))
        .unwrap_or_else(|| {
            parse::guess_lang(&mail.subject, &mail.text, env.config.templates.language)
        });
    for p in found.iter_mut().filter(|p| p.neutral) {
        p.lang = lang;
    }
    let mut attachments = Vec::new();
    let results = match carry_out(
        env,
        &tx,
        m,
        &sender,
        role,
        &found,
        &malformed,
        lang,
        &mut attachments,
    ) {
        Ok(r) => r,
        Err(e) => {
            // Nothing of what this mail did may stay: roll back, then say so in a fresh
            // transaction (which fails too if the store is gone; the daemon then keeps the mail).
            drop(tx);
            return internal_error(env, store, m, &sender, blocked, lang, &e);
        }
    };
    tx.record_command(&mail.message_id, &sender, "executed", &how)?;
    tx.audit(
        &sender,
        "mail.command",
        Some(&mail.message_id),
        Some(&format!("{} command(s); vouched: {how}", found.len())),
    )?;
    reply(env, &tx, m, &sender, blocked, lang, results, attachments)?;
    m.record(&tx, Folder::Processed, None)?;
    tx.commit()?;
    Ok(Folder::Processed)
}

/// Runs each command line in `tx`; `Err` only when the store failed.
#[allow(clippy::too_many_arguments)]
fn carry_out(
    env: &Env<'_>,
    tx: &Tx<'_>,
    m: &Message<'_>,
    sender: &str,
    role: Role,
    found: &[Parsed],
    malformed: &[Malformed],
    lang: Lang,
    attachments: &mut Vec<(String, String, Vec<u8>)>,
) -> Result<Vec<CommandResult>> {
    let mut results = Vec::new();
    for b in malformed {
        results.push(CommandResult {
            line: b.line.clone(),
            ok: false,
            text: lang.pick(
                format!("Nie rozumiem: {}.\n{}", b.why, help(lang)),
                format!("Not understood: {}.\n{}", b.why, help(lang)),
            ),
        });
    }
    if found.is_empty() && malformed.is_empty() {
        results.push(CommandResult {
            line: m.mail.echoed_subject(),
            ok: false,
            text: help(lang).to_string(),
        });
    }
    let today = env.today();
    for p in found {
        let ctx = Ctx {
            config: env.config,
            actor: sender,
            reference: &m.mail.message_id,
            today,
            lang: p.lang,
        };
        let outcome = if p.command.changes_something() && role == Role::Read {
            tx.audit(
                sender,
                "command.forbidden",
                None,
                Some(&format!("{} (Message-ID <{}>)", p.line, m.mail.message_id)),
            )?;
            Outcome::Refused {
                text: p.lang.pick(
                    "Ten adres może tylko pytać (status, zaległości, pomoc); nic nie zmieniono.",
                    "This address may only ask (status, overdue, help); nothing was changed.",
                )
                .into(),
            }
        } else if let crate::commands::Command::Report(ask) = &p.command {
            report(env, tx, &ctx, ask, attachments)?
        } else {
            p.command.execute(tx, &ctx)?
        };
        results.push(CommandResult {
            line: p.line.clone(),
            ok: outcome.ok(),
            text: outcome.text().to_string(),
        });
    }
    Ok(results)
}

/// A report asked for by mail: its text is the answer, its PDF and XLSX are attached.
fn report(
    env: &Env<'_>,
    tx: &Tx<'_>,
    ctx: &Ctx<'_>,
    ask: &crate::commands::report::ReportAsk,
    attachments: &mut Vec<(String, String, Vec<u8>)>,
) -> Result<Outcome> {
    use crate::commands::report::ReportAsk;
    use crate::services::reports::{self, Ask};
    let ask = match ask {
        ReportAsk::Weekly => Ask::Weekly { manager: None },
        ReportAsk::Monthly(month) => Ask::Monthly { month: *month },
        ReportAsk::Aging => Ask::Aging,
        ReportAsk::Statement { who, confirmation } => {
            let found = tx.find_clients(who)?;
            match found.as_slice() {
                [one] => Ask::Statement {
                    client_id: one.id,
                    confirmation: *confirmation,
                },
                [] => {
                    return Ok(Outcome::Refused {
                        text: ctx.lang.pick(
                            format!("Nie znam klienta „{who}”."),
                            format!("No client matches \"{who}\"."),
                        ),
                    });
                }
                many => {
                    let names: Vec<String> = many
                        .iter()
                        .map(|c| format!("  - {} {}", c.name, c.nip.as_deref().unwrap_or("")))
                        .collect();
                    return Ok(Outcome::Refused {
                        text: ctx.lang.pick(
                            format!(
                                "„{who}” pasuje do {} klientów; proszę podać NIP albo pełniejszą nazwę:\n{}",
                                many.len(),
                                names.join("\n")
                            ),
                            format!(
                                "\"{who}\" matches {} clients; please give the NIP or more of the name:\n{}",
                                many.len(),
                                names.join("\n")
                            ),
                        ),
                    });
                }
            }
        }
    };
    let book = reports::read_tx(tx, env.config)?;
    let Some(made) = reports::make(env.config, env.templates, &book, &ask, ctx.today, ctx.lang)?
    else {
        return Ok(Outcome::Refused {
            text: ctx
                .lang
                .pick("Nie ma o czym raportować.", "There is nothing to report.")
                .into(),
        });
    };
    attachments.extend(made.attachments());
    Ok(Outcome::answer(format!(
        "{}\n\n{}",
        made.rendered.subject, made.rendered.text
    )))
}

/// The answer in the thread, to the vouched-for From address (never a Reply-To anyone could set).
#[allow(clippy::too_many_arguments)]
fn reply(
    env: &Env<'_>,
    tx: &Tx<'_>,
    m: &Message<'_>,
    sender: &str,
    blocked: Option<String>,
    lang: Lang,
    results: Vec<CommandResult>,
    attachments: Vec<(String, String, Vec<u8>)>,
) -> Result<()> {
    let ctx = CommandReply {
        subject: m.mail.echoed_subject(),
        company: env.config.company.name.clone(),
        results,
    };
    let rendered = env.templates.render(lang, "command_reply", &ctx)?;
    let draft = replies::reply_draft(&m.mail, crate::outbox::Purpose::CommandReply, rendered);
    let draft = crate::outbox::Draft {
        to: parse_mailbox(sender).into_iter().collect(),
        reply_address: Some(sender.to_string()),
        attachments,
        ..draft
    };
    replies::send_or_suppress(env, tx, &m.mail, &draft, blocked)
}

/// The store failed while the commands ran: the sender is told (nothing was changed), the
/// failure is logged and audited, and the mail goes to the failed folder for a person.
fn internal_error(
    env: &Env<'_>,
    store: &mut Store,
    m: &Message<'_>,
    sender: &str,
    blocked: Option<String>,
    lang: Lang,
    error: &anyhow::Error,
) -> Result<Folder> {
    tracing::error!(message_id = %m.mail.message_id, "command failed inside the store: {error:#}");
    let tx = store.transaction()?;
    tx.audit(
        "daemon",
        "command.failed",
        Some(sender),
        Some(&format!("{error:#} (Message-ID <{}>)", m.mail.message_id)),
    )?;
    let text = lang.pick(
        "Wystąpił błąd wewnętrzny skarbnika; polecenia nie wykonano i nic nie zmieniono. \
         Wiadomość zachowano dla administratora; można ją wysłać ponownie później.",
        "An internal error occurred in skarbnik; the command was not carried out and nothing \
         was changed. The message is kept for the administrator; you may send it again later.",
    );
    let results = vec![CommandResult {
        line: m.mail.echoed_subject(),
        ok: false,
        text: text.to_string(),
    }];
    reply(env, &tx, m, sender, blocked, lang, results, Vec::new())?;
    m.record(
        &tx,
        Folder::Failed,
        Some("internal error while carrying out the command"),
    )?;
    tx.commit()?;
    Ok(Folder::Failed)
}
