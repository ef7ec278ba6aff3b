//! `raport tygodniowy` / `weekly report`, `raport miesięczny [11/2026]` / `monthly report
//! [2026-11]`, `wiekowanie` / `aging`, `wyciąg KLIENT` / `statement CLIENT` and
//! `potwierdzenie salda KLIENT` / `balance confirmation CLIENT`: a report answered by mail with
//! its PDF and XLSX. Read-only staff may ask. The report itself is built by the inbound command
//! service, which has the templates; here is only the grammar.

use super::{Command, Spec};
use crate::domain::Lang;

/// Which report a mail asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportAsk {
    Weekly,
    Monthly(Option<(i32, u32)>),
    Aging,
    Statement { who: String, confirmation: bool },
}

pub const WEEKLY: Spec = Spec {
    keywords: &[
        (&["raport", "tygodniowy"], Lang::Pl),
        (&["weekly", "report"], Lang::En),
    ],
    parse: |_| Ok(Command::Report(ReportAsk::Weekly)),
};

pub const MONTHLY: Spec = Spec {
    keywords: &[
        (&["raport", "miesieczny"], Lang::Pl),
        (&["monthly", "report"], Lang::En),
    ],
    parse: |rest| match rest.first() {
        None => Ok(Command::Report(ReportAsk::Monthly(None))),
        Some(m) => crate::reports::monthly::parse_month(m)
            .map(|m| Command::Report(ReportAsk::Monthly(Some(m))))
            .ok_or("the month should look like 11/2026 or 2026-11"),
    },
};

pub const AGING: Spec = Spec {
    keywords: &[(&["wiekowanie"], Lang::Pl), (&["aging"], Lang::En)],
    parse: |_| Ok(Command::Report(ReportAsk::Aging)),
};

fn who(rest: &[&str], confirmation: bool) -> Result<Command, &'static str> {
    let who = rest.join(" ");
    if who.trim().is_empty() {
        return Err("name the client (a part of its name, its NIP or e-mail address)");
    }
    Ok(Command::Report(ReportAsk::Statement {
        who: who.trim().to_string(),
        confirmation,
    }))
}

pub const BALANCE: Spec = Spec {
    keywords: &[
        (&["potwierdzenie", "salda"], Lang::Pl),
        (&["balance", "confirmation"], Lang::En),
    ],
    parse: |rest| who(rest, true),
};

pub const STATEMENT: Spec = Spec {
    keywords: &[(&["wyciag"], Lang::Pl), (&["statement"], Lang::En)],
    parse: |rest| who(rest, false),
};
