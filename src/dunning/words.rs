//! Steps and holds in words, for people: a configured step's name (`after_7`) is an identifier
//! of the configuration, never shown in a mail; its offset says what it is.

use super::planner::Policy;
use crate::domain::{Hold, HoldKind, Lang};

fn days_pl(n: i64) -> String {
    if n == 1 {
        "1 dzień".into()
    } else {
        format!("{n} dni")
    }
}

fn days_en(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// "przypomnienie 3 dni przed terminem", "reminder 7 days after the due date, with the demand".
pub fn step(policy: &Policy, name: &str, lang: Lang) -> String {
    let Some(s) = policy.step(name) else {
        return lang.pick("przypomnienie", "reminder").into();
    };
    let n = s.offset_days;
    let when = match (lang, n) {
        (Lang::Pl, n) if n < 0 => format!("{} przed terminem", days_pl(-n)),
        (Lang::Pl, 0) => "w dniu terminu".into(),
        (Lang::Pl, n) => format!("{} po terminie", days_pl(n)),
        (Lang::En, n) if n < 0 => format!("{} before the due date", days_en(-n)),
        (Lang::En, 0) => "on the due date".into(),
        (Lang::En, n) => format!("{} after the due date", days_en(n)),
    };
    let extra = match (lang, s.interest, s.escalate) {
        (Lang::Pl, true, _) => ", z wezwaniem do zapłaty",
        (Lang::En, true, _) => ", with the demand for payment",
        (Lang::Pl, false, true) => ", ostatnie przed eskalacją",
        (Lang::En, false, true) => ", the last before escalation",
        _ => "",
    };
    match lang {
        Lang::Pl => format!("przypomnienie {when}{extra}"),
        Lang::En => format!("reminder {when}{extra}"),
    }
}

/// "w sporze", "obietnica zapłaty do 15.12.2026", "klient zgłasza zapłatę; czekamy na wyciąg
/// do 30.11.2026".
pub fn hold(h: &Hold, lang: Lang) -> String {
    let date = |d: chrono::NaiveDate| match lang {
        Lang::Pl => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    };
    match (h.kind, h.until, lang) {
        (HoldKind::Dispute, _, Lang::Pl) => "w sporze: bez przypomnień do rozstrzygnięcia".into(),
        (HoldKind::Dispute, _, Lang::En) => "disputed: no reminders until resolved".into(),
        (HoldKind::Promise, Some(d), Lang::Pl) => format!("obietnica zapłaty do {}", date(d)),
        (HoldKind::Promise, Some(d), Lang::En) => format!("promised to pay by {}", date(d)),
        (HoldKind::PaidClaim, Some(d), Lang::Pl) => {
            format!("klient zgłasza zapłatę; czekamy na wyciąg do {}", date(d))
        }
        (HoldKind::PaidClaim, Some(d), Lang::En) => {
            format!(
                "the client says it paid; waiting for the statement until {}",
                date(d)
            )
        }
        (HoldKind::Promise, None, Lang::Pl) => "obietnica zapłaty".into(),
        (HoldKind::Promise, None, Lang::En) => "promised to pay".into(),
        (HoldKind::PaidClaim, None, Lang::Pl) => "klient zgłasza zapłatę".into(),
        (HoldKind::PaidClaim, None, Lang::En) => "the client says it paid".into(),
    }
}

/// What kind of mail a history line is: a reminder by its step, a thank-you, a reply.
pub fn mail_kind(policy: &Policy, kind: &str, lang: Lang) -> String {
    if let Some(step) = kind.strip_prefix("reminder_") {
        return step_or_reminder(policy, step, lang);
    }
    let (pl, en) = match kind {
        "confirmation" => ("podziękowanie za wpłatę", "thanks for a payment"),
        "escalation" => (
            "zestawienie zaległości do kontaktu rozliczeniowego",
            "statement to the billing contact",
        ),
        "escalation_manager" => (
            "eskalacja do opiekuna klienta",
            "escalation to the account manager",
        ),
        "reply" => ("odpowiedź klienta", "the client's reply"),
        "auto_reply" => (
            "automatyczna odpowiedź klienta",
            "the client's automatic reply",
        ),
        "reply_forward" => (
            "odpowiedź klienta przekazana do firmy",
            "the client's reply passed on",
        ),
        "client_answer" => ("odpowiedź do klienta", "answer to the client"),
        "hold_notice" => ("powiadomienie o wstrzymaniu", "notice about a hold"),
        "report" => ("raport", "report"),
        "summary" => (
            "podsumowanie wczytanego raportu",
            "summary of an imported report",
        ),
        "command_reply" => ("odpowiedź na polecenie", "answer to a command"),
        "bounce_notice" => ("powiadomienie o niedoręczeniu", "notice of a bounce"),
        k if k.starts_with("notice") => ("powiadomienie dla zespołu", "notice to staff"),
        _ => ("wiadomość", "mail"),
    };
    lang.pick(pl, en).to_string()
}

/// A step in words, or a neutral word for a step no longer configured.
pub fn step_or_reminder(policy: &Policy, name: &str, lang: Lang) -> String {
    if policy.step(name).is_some() {
        step(policy, name, lang)
    } else {
        lang.pick("przypomnienie", "reminder").to_string()
    }
}

/// An outbox or message status in words.
pub fn status(s: &str, lang: Lang) -> String {
    let (pl, en) = match s {
        "sent" => ("wysłano", "sent"),
        "pending" => ("czeka na wysłanie", "waiting to be sent"),
        "sending" => ("w trakcie wysyłki", "being sent"),
        "failed" => ("nie wysłano", "not sent"),
        "received" => ("odebrano", "received"),
        _ => ("", ""),
    };
    lang.pick(pl, en).to_string()
}

/// An intent read in a client's reply, in words.
pub fn intent(code: &str, lang: Lang) -> String {
    let (pl, en) = match code {
        "insolvency" => (
            "upadłość, likwidacja lub restrukturyzacja",
            "bankruptcy, liquidation or restructuring",
        ),
        "dispute" => ("spór", "dispute"),
        "already_paid" => ("pisze, że zapłacił", "says it paid"),
        "promise" => ("obietnica zapłaty", "promise to pay"),
        "asks_invoice" => ("prosi o fakturę", "asks for the invoice"),
        "asks_statement" => ("prosi o zestawienie", "asks for a statement"),
        _ => ("", ""),
    };
    lang.pick(pl, en).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_in_words() {
        let p = Policy::default();
        assert_eq!(
            step(&p, "before", Lang::Pl),
            "przypomnienie 3 dni przed terminem"
        );
        assert_eq!(
            step(&p, "after_1", Lang::Pl),
            "przypomnienie 1 dzień po terminie"
        );
        assert_eq!(
            step(&p, "after_7", Lang::Pl),
            "przypomnienie 7 dni po terminie, z wezwaniem do zapłaty"
        );
        assert_eq!(
            step(&p, "after_7", Lang::En),
            "reminder 7 days after the due date, with the demand for payment"
        );
    }
}
