//! The command grammar's shared part, Polish and English, forgiving of case, diacritics, quotes
//! and trailing punctuation: which lines of a mail are commands, which command a line is (by the
//! keywords each command's file declares in [`super::TABLE`]), the answer's language. Pure: a line
//! in, a command out.
//!
//! ```text
//! pause client X [until DATE]      wstrzymaj klienta X [do DATE]
//! resume client X                  wznów klienta X
//! pause invoice N                  wstrzymaj fakturę N
//! resume invoice N                 wznów fakturę N
//! status [client] X                status [klienta] X
//! overdue                          zaległości
//! paid N [AMOUNT] [DATE]           opłacona N [KWOTA] [DATA]
//! match PAYMENT N…                 dopasuj PŁATNOŚĆ N…
//! unmatch PAYMENT                  odepnij PŁATNOŚĆ
//! promise X DATE                   obietnica X DATA
//! dispute N [REASON]               spór N [POWÓD]
//! resolve dispute N [REASON]       rozwiąż spór N [POWÓD]
//! cancel dispute N [REASON]        anuluj spór N [POWÓD]
//! help                             pomoc
//! ```
//!
//! X is a name fragment, a NIP or an e-mail address; DATE is `2026-12-01`, `1.12.2026` or
//! `01-12-2026`; AMOUNT is Polish or English (`1 230,00`, `1230.00 PLN`).

use super::{Command, TABLE};
use crate::domain::Lang;
use crate::domain::text::fold_diacritics;
use crate::ingest::numbers::parse_date;
use chrono::NaiveDate;

/// A recognised line: the command, the language it was written in, and the line as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub command: Command,
    pub lang: Lang,
    pub line: String,
    /// The keyword is the same in both languages ("status"): the answer takes the mail's
    /// language, not the keyword's.
    pub neutral: bool,
}

/// Thanks or courtesy a line may end with ("status ACME, z góry dziękuję"), folded, word by word.
const COURTESY: &[&[&str]] = &[
    &["dziekuje"],
    &["dziekujemy"],
    &["dzieki"],
    &["z", "gory"],
    &["pozdrawiam"],
    &["pozdrawiamy"],
    &["prosze"],
    &["thanks"],
    &["thank", "you"],
    &["thx"],
    &["please"],
    &["regards"],
    &["cheers"],
];

/// Keywords written the same in Polish and English.
const NEUTRAL: &[&[&str]] = &[&["status"]];

/// Why a line that starts like a command is not one (e.g. a missing client name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub lang: Lang,
    pub line: String,
    pub why: &'static str,
}

/// Lower case without diacritics: how keywords are compared.
pub(super) fn fold(s: &str) -> String {
    fold_diacritics(s).to_lowercase()
}

/// A word or phrase without the quotes people put around names.
pub(super) fn unquote(s: &str) -> String {
    s.trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '„' | '”' | '“' | '«' | '»' | '‚' | '’'))
        .trim()
        .to_string()
}

/// Words joined back into the phrase they were, unquoted.
pub(super) fn joined(words: &[&str]) -> String {
    unquote(&words.join(" "))
}

fn date(word: &str) -> Option<NaiveDate> {
    parse_date(word.trim_end_matches(['.', ','])).ok()
}

/// Splits "X until DATE" / "X do DATE" / "X DATE".
pub(super) fn who_and_date<'a>(
    words: &[&'a str],
    markers: &[&str],
) -> (Vec<&'a str>, Option<NaiveDate>) {
    if let Some((last, rest)) = words.split_last()
        && let Some(d) = date(last)
    {
        let rest = match rest.split_last() {
            Some((m, r)) if markers.contains(&fold(m).as_str()) => r,
            _ => rest,
        };
        return (rest.to_vec(), Some(d));
    }
    (words.to_vec(), None)
}

/// A payment id as people write it: `12`, `#12`, `nr 12`.
pub(super) fn payment_id(word: &str) -> Option<i64> {
    word.trim_start_matches('#')
        .trim_end_matches([',', '.'])
        .parse()
        .ok()
}

/// Parses one line. `Ok(None)`: not a command at all.
pub fn parse_line(raw: &str) -> Result<Option<Parsed>, Malformed> {
    let line = raw
        .trim()
        .trim_end_matches(['.', '!', ';'])
        .trim()
        .to_string();
    let mut all: Vec<&str> = line.split_whitespace().collect();
    // "status ACME, dziękuję": thanks after the command are not part of a name.
    let ends_with = |all: &[&str], phrase: &[&str]| {
        all.len() > phrase.len()
            && all[all.len() - phrase.len()..]
                .iter()
                .zip(phrase)
                .all(|(w, p)| fold(w.trim_end_matches(['.', '!', ',', ';'])) == *p)
    };
    while let Some(phrase) = COURTESY.iter().find(|p| ends_with(&all, p)) {
        all.truncate(all.len() - phrase.len());
        while all.len() > 1 && all.last().is_some_and(|w| matches!(*w, "-" | "–" | "—")) {
            all.pop();
        }
        if let Some(w) = all.last_mut() {
            *w = w.trim_end_matches([',', ';', '.', '!']);
        }
    }
    let line = all.join(" ");
    // A keyword followed by a colon is the keyword: "Status: ACME".
    let all_folded: Vec<String> = all
        .iter()
        .map(|w| fold(&unquote(w)).trim_end_matches([':', ',']).to_string())
        .collect();
    // "Proszę o raport tygodniowy", "Please pause client ACME": the courtesy is not the command.
    let skip = match all_folded.first().map(String::as_str) {
        Some("prosze" | "prosimy") if all_folded.get(1).is_some_and(|w| w == "o") => 2,
        Some("prosze" | "prosimy" | "please" | "pls" | "plz" | "kindly") => 1,
        _ => 0,
    };
    let words = &all[skip.min(all.len())..];
    let folded = &all_folded[skip.min(all_folded.len())..];
    let found = TABLE.iter().find_map(|spec| {
        spec.keywords
            .iter()
            .find(|(keys, _)| {
                keys.len() <= folded.len() && keys.iter().zip(folded).all(|(k, w)| k == w)
            })
            .map(|(keys, lang)| (spec, keys.len(), *lang))
    });
    let Some((spec, n, lang)) = found else {
        return Ok(None);
    };
    match (spec.parse)(&words[n..]) {
        Ok(command) => Ok(Some(Parsed {
            command,
            lang,
            neutral: NEUTRAL.iter().any(|k| k.len() == n && folded[..n] == **k),
            line,
        })),
        Err(why) => Err(Malformed { lang, line, why }),
    }
}

/// Where a reply's quoted text or a signature begins.
fn ends_own_text(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('>')
        || line == "-- "
        || t == "--"
        || t.starts_with("-----Original Message")
        || t.starts_with("-----Wiadomość oryginalna")
        || t.starts_with("________________")
        || ((t.starts_with("On ") || t.starts_with("W dniu ") || t.starts_with("Dnia "))
            && (t.ends_with("wrote:") || t.ends_with("pisze:") || t.ends_with("napisał(a):")))
        || (t.starts_with("From:") || t.starts_with("Od:")) && t.contains('@')
}

/// Reply and forward prefixes: `Re:`, `RE: Fwd:`, `Odp:`, `PD:`, `AW:`, `WG:`, `[EXT]`.
fn bare_subject(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let cut = ["re:", "fwd:", "fw:", "odp:", "pd:", "aw:", "wg:", "re[2]:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len())
            .or_else(|| {
                (s.starts_with('['))
                    .then(|| s.find(']').map(|i| i + 1))
                    .flatten()
            });
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s,
        }
    }
}

/// What a mail asks: the commands on the first non-empty lines of the body (one per line, up to
/// quoted text or a signature), else the one in the subject. `Err` holds the lines that looked
/// like commands but were malformed, for the reply.
pub fn commands_in(subject: &str, body: &str) -> (Vec<Parsed>, Vec<Malformed>) {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    let mut started = false;
    for line in body.lines() {
        if ends_own_text(line) {
            break;
        }
        if line.trim().is_empty() {
            if started {
                break;
            }
            continue;
        }
        match parse_line(line) {
            Ok(Some(p)) => found.push(p),
            // Prose (a greeting, a question): the commands, if any, were above it.
            Ok(None) => break,
            Err(m) => bad.push(m),
        }
        started = true;
    }
    if found.is_empty() && bad.is_empty() {
        match parse_line(bare_subject(subject)) {
            Ok(Some(p)) => found.push(p),
            Ok(None) => {}
            Err(m) => bad.push(m),
        }
    }
    (found, bad)
}

/// The language to answer a mail in when no command says it: Polish letters or words → Polish.
pub fn guess_lang(subject: &str, body: &str, default: Lang) -> Lang {
    let text = format!("{subject} {body}");
    if text.chars().any(|c| "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ".contains(c)) {
        return Lang::Pl;
    }
    let f = fold(&text);
    if ["dzien dobry", "prosze", "klienta", "faktur", "pozdrawiam"]
        .iter()
        .any(|w| f.contains(w))
    {
        return Lang::Pl;
    }
    let words: Vec<&str> = f
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| {
        matches!(
            *w,
            "the"
                | "please"
                | "what"
                | "invoice"
                | "invoices"
                | "thanks"
                | "hello"
                | "hi"
                | "client"
        )
    }) {
        return Lang::En;
    }
    default
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cmd(line: &str) -> (Command, Lang) {
        let p = parse_line(line).unwrap().unwrap();
        (p.command, p.lang)
    }

    #[test]
    fn commands_as_staff_write_them() {
        use Command::*;
        let client = |who: &str| PauseClient {
            who: who.into(),
            until: None,
        };
        for (line, want, lang) in [
            ("Wstrzymaj przypomnienia dla Alfa", client("Alfa"), Lang::Pl),
            (
                "pause reminders for Acme Ltd, thank you",
                client("Acme Ltd"),
                Lang::En,
            ),
            (
                "wznów przypomnienia dla klienta Alfa",
                ResumeClient { who: "Alfa".into() },
                Lang::Pl,
            ),
            (
                "wstrzymaj przypomnienia dla faktury FV/12/11/2026",
                PauseInvoice {
                    number: "FV/12/11/2026".into(),
                },
                Lang::Pl,
            ),
            (
                "zapłacone FV/12/11/2026",
                Paid {
                    number: "FV/12/11/2026".into(),
                    amount: None,
                    date: None,
                },
                Lang::Pl,
            ),
            (
                "status Alfa Sp. z o.o. - z góry dziękuję",
                Status {
                    who: "Alfa Sp. z o.o".into(),
                },
                Lang::En,
            ),
            (
                "status Alfa, dziękuję.",
                Status { who: "Alfa".into() },
                Lang::En,
            ),
            // A comma inside a name stays: only thanks at the end go.
            (
                "status Pióro s.c. Anna Wiśniewska, Piotr Kowalczyk",
                Status {
                    who: "Pióro s.c. Anna Wiśniewska, Piotr Kowalczyk".into(),
                },
                Lang::En,
            ),
        ] {
            assert_eq!(cmd(line), (want, lang), "{line}");
        }
    }

    #[test]
    fn every_command_in_both_languages() {
        use Command::*;
        let cases = [
            (
                "pause client ACME until 2026-12-01",
                PauseClient {
                    who: "ACME".into(),
                    until: Some(d(2026, 12, 1)),
                },
                Lang::En,
            ),
            (
                "Wstrzymaj klienta „Pióro” do 1.12.2026.",
                PauseClient {
                    who: "Pióro".into(),
                    until: Some(d(2026, 12, 1)),
                },
                Lang::Pl,
            ),
            (
                "WSTRZYMAJ KLIENTA Gęślarz i Wspólnicy",
                PauseClient {
                    who: "Gęślarz i Wspólnicy".into(),
                    until: None,
                },
                Lang::Pl,
            ),
            (
                "pause client 526-104-08-28",
                PauseClient {
                    who: "526-104-08-28".into(),
                    until: None,
                },
                Lang::En,
            ),
            (
                "resume client ksiegowosc@acme.pl",
                ResumeClient {
                    who: "ksiegowosc@acme.pl".into(),
                },
                Lang::En,
            ),
            (
                "wznów klienta ACME",
                ResumeClient { who: "ACME".into() },
                Lang::Pl,
            ),
            (
                "wznow klienta ACME",
                ResumeClient { who: "ACME".into() },
                Lang::Pl,
            ),
            (
                "pause invoice FV/2026/11/001",
                PauseInvoice {
                    number: "FV/2026/11/001".into(),
                },
                Lang::En,
            ),
            (
                "wstrzymaj fakturę FV 2026/11/001",
                PauseInvoice {
                    number: "FV 2026/11/001".into(),
                },
                Lang::Pl,
            ),
            (
                "resume invoice FV/1",
                ResumeInvoice {
                    number: "FV/1".into(),
                },
                Lang::En,
            ),
            (
                "wznów fakturę FV/1",
                ResumeInvoice {
                    number: "FV/1".into(),
                },
                Lang::Pl,
            ),
            ("status ACME", Status { who: "ACME".into() }, Lang::En),
            // As people write to a colleague: a colon after the keyword, a courtesy first, the
            // infinitive a Polish request takes.
            ("Status: ACME", Status { who: "ACME".into() }, Lang::En),
            (
                "Proszę wstrzymać klienta ACME do 15.12.2026",
                PauseClient {
                    who: "ACME".into(),
                    until: Some(d(2026, 12, 15)),
                },
                Lang::Pl,
            ),
            (
                "Please pause client ACME",
                PauseClient {
                    who: "ACME".into(),
                    until: None,
                },
                Lang::En,
            ),
            (
                "Prosimy wznowić klienta ACME",
                ResumeClient { who: "ACME".into() },
                Lang::Pl,
            ),
            (
                "Proszę o status klienta Beta",
                Status { who: "Beta".into() },
                Lang::Pl,
            ),
            (
                "Status klienta ACME",
                Status { who: "ACME".into() },
                Lang::Pl,
            ),
            ("overdue", Overdue, Lang::En),
            ("Zaległości", Overdue, Lang::Pl),
            (
                "paid FV/1 1 230,00 2026-11-20",
                Paid {
                    number: "FV/1".into(),
                    amount: Some(Decimal::new(123000, 2)),
                    date: Some(d(2026, 11, 20)),
                },
                Lang::En,
            ),
            (
                "opłacona FV/1",
                Paid {
                    number: "FV/1".into(),
                    amount: None,
                    date: None,
                },
                Lang::Pl,
            ),
            (
                "opłacona FV/1 dnia 20.11.2026",
                Paid {
                    number: "FV/1".into(),
                    amount: None,
                    date: Some(d(2026, 11, 20)),
                },
                Lang::Pl,
            ),
            (
                "paid FV/1 500.00 PLN",
                Paid {
                    number: "FV/1".into(),
                    amount: Some(Decimal::new(50000, 2)),
                    date: None,
                },
                Lang::En,
            ),
            (
                "match 12 FV/1 FV/2",
                Match {
                    payment: 12,
                    invoices: vec!["FV/1".into(), "FV/2".into()],
                },
                Lang::En,
            ),
            (
                "dopasuj #12 FV 1/2026, FV 2/2026",
                Match {
                    payment: 12,
                    invoices: vec!["FV 1/2026".into(), "FV 2/2026".into()],
                },
                Lang::Pl,
            ),
            ("unmatch 12", Unmatch { payment: 12 }, Lang::En),
            ("odepnij 12", Unmatch { payment: 12 }, Lang::Pl),
            (
                "promise ACME 2026-12-04",
                Promise {
                    who: "ACME".into(),
                    date: d(2026, 12, 4),
                },
                Lang::En,
            ),
            (
                "obietnica ACME do 4.12.2026",
                Promise {
                    who: "ACME".into(),
                    date: d(2026, 12, 4),
                },
                Lang::Pl,
            ),
            ("help", Help, Lang::En),
            ("Pomoc", Help, Lang::Pl),
        ];
        for (line, want, lang) in cases {
            assert_eq!(cmd(line), (want, lang), "{line}");
        }
    }

    #[test]
    fn not_commands_and_malformed_ones() {
        assert_eq!(parse_line("Dzień dobry,").unwrap(), None);
        assert_eq!(parse_line("please pause the whole thing").unwrap(), None);
        for line in [
            "pause client",
            "status",
            "match x FV/1",
            "paid",
            "promise ACME",
            "paid FV/1 abc",
        ] {
            assert!(parse_line(line).is_err(), "{line}");
        }
        assert!(!Command::Overdue.changes_something());
        assert!(Command::Unmatch { payment: 1 }.changes_something());
    }

    #[test]
    fn commands_come_from_the_body_or_the_subject_never_from_quotes() {
        let (c, _) = commands_in(
            "Re: status ACME",
            "wstrzymaj klienta ACME do 2026-12-01\nwznów fakturę FV/1\n\n-- \nAnna",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[1].command,
            Command::ResumeInvoice {
                number: "FV/1".into()
            }
        );
        // Subject only, body is a greeting and a quote.
        let (c, _) = commands_in(
            "RE: Odp: status klienta Beta",
            "Dzięki!\n\n> pause client ACME\n",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].command, Command::Status { who: "Beta".into() });
        // A command inside quoted text is never executed.
        let (c, _) = commands_in("Re: reminder", "> pause client ACME\n");
        assert!(c.is_empty());
        let (c, _) = commands_in(
            "Re: x",
            "On Mon, 23 Nov 2026 Anna <a@x.pl> wrote:\npause client ACME",
        );
        assert!(c.is_empty());
        // A malformed line is reported, not guessed.
        let (c, bad) = commands_in("", "pause client\n");
        assert!(c.is_empty());
        assert_eq!(bad.len(), 1);
        assert_eq!(guess_lang("Pytanie", "Proszę o status", Lang::En), Lang::Pl);
        assert_eq!(guess_lang("Question", "What now", Lang::Pl), Lang::En);
        assert_eq!(guess_lang("xyz", "", Lang::Pl), Lang::Pl);
    }
}
