//! What the client wrote this time: the reply without the quoted history below it and without
//! the signature. Mail clients mark history in a handful of ways (quoted `>` lines, "W dniu …
//! pisze:", "On … wrote:", Outlook's "From: … Sent:" block, a line of underscores); the signature
//! starts at "-- " or at a closing formula on a line of its own ("Pozdrawiam", "Best regards").

use crate::domain::text::fold_diacritics;

/// Lines that begin the quoted history: everything from such a line on is not the reply.
fn starts_history(folded: &str, next: Option<&str>) -> bool {
    let l = folded.trim();
    if l.starts_with('>') {
        return true;
    }
    // Gmail/Thunderbird: "W dniu 20.11.2026 o 10:00 Jan <jan@x.pl> napisał(a):", "On Mon, … wrote:".
    // The attribution may wrap onto the next line.
    let attribution = |s: &str| {
        s.ends_with("napisal(a):")
            || s.ends_with("napisal:")
            || s.ends_with("napisala:")
            || s.ends_with("pisze:")
            || s.ends_with("wrote:")
    };
    if (l.starts_with("w dniu ") || l.starts_with("dnia ") || l.starts_with("on "))
        && (attribution(l) || next.is_some_and(|n| attribution(n.trim())))
    {
        return true;
    }
    if l.contains("-----original message-----")
        || l.contains("-----wiadomosc oryginalna-----")
        || l.contains("-------- oryginalna wiadomosc --------")
        || l.contains("-------- original message --------")
        || l.contains("-------- forwarded message --------")
        || l.contains("-------- przekazana wiadomosc --------")
    {
        return true;
    }
    // Outlook: "From: …" / "Od: …" followed by "Sent:" / "Wysłano:" or "Date:" / "Data:".
    if (l.starts_with("from:") || l.starts_with("od:"))
        && next.is_some_and(|n| {
            let n = n.trim();
            n.starts_with("sent:")
                || n.starts_with("wyslano:")
                || n.starts_with("date:")
                || n.starts_with("data:")
                || n.starts_with("to:")
                || n.starts_with("do:")
        })
    {
        return true;
    }
    l.len() >= 20 && l.chars().all(|c| c == '_')
}

/// Closing formulas that start a signature when they stand on a line of their own.
const CLOSINGS: &[&str] = &[
    "pozdrawiam",
    "pozdrawiamy",
    "z powazaniem",
    "z wyrazami szacunku",
    "serdecznie pozdrawiam",
    "serdeczne pozdrowienia",
    "lacze pozdrowienia",
    "best regards",
    "kind regards",
    "regards",
    "best",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "thanks",
    "thank you",
    "dziekuje",
    "dziekujemy",
    "cheers",
    "wyslano z iphone'a",
    "sent from my iphone",
];

fn is_closing(folded: &str) -> bool {
    let l = folded
        .trim()
        .trim_end_matches([',', '.', '!', ' '])
        .trim_start_matches('-')
        .trim();
    CLOSINGS.contains(&l)
}

/// The reply's own text: lines before the quoted history and the signature, trimmed.
pub fn reply_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let folded: Vec<String> = lines
        .iter()
        .map(|l| fold_diacritics(l).to_lowercase())
        .collect();
    let mut out: Vec<&str> = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let f = &folded[k];
        let next = folded.get(k + 1).map(String::as_str);
        if starts_history(f, next) || *line == "-- " || line.trim_end() == "--" {
            break;
        }
        // A closing formula ends the reply once something was said.
        if is_closing(f) && out.iter().any(|l| !l.trim().is_empty()) {
            break;
        }
        out.push(line);
    }
    let joined = out.join("\n");
    joined.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        let cases = [
            (
                "Zapłaciliśmy wczoraj.\n\nW dniu 20.11.2026 o 10:00 Należności <n@firma.pl> napisał(a):\n> Prosimy o zapłatę",
                "Zapłaciliśmy wczoraj.",
            ),
            (
                "Reklamujemy tę fakturę.\nOn Mon, 23 Nov 2026 at 10:00, Firma <n@firma.pl>\nwrote:\n> Reminder",
                "Reklamujemy tę fakturę.",
            ),
            (
                "We will pay on Friday.\n\n-----Original Message-----\nFrom: x\nSent: Monday",
                "We will pay on Friday.",
            ),
            (
                "Proszę o kopię faktury.\n\nOd: Należności <n@firma.pl>\nWysłano: poniedziałek\nTemat: Przypomnienie",
                "Proszę o kopię faktury.",
            ),
            (
                "Zapłacimy do 15.12.\n\nPozdrawiam,\nJan Kowalski\ntel. 600 100 200\nul. Długa 1, 00-001 Warszawa",
                "Zapłacimy do 15.12.",
            ),
            (
                "Faktura opłacona.\n-- \nAnna Nowak | Księgowa\nwww.firma.pl",
                "Faktura opłacona.",
            ),
            (
                "Dziękuję za przypomnienie, przelew wyślemy jutro.\nDziękuję,\nOla",
                "Dziękuję za przypomnienie, przelew wyślemy jutro.",
            ),
            ("ok\n________________________________\nFrom: Firma", "ok"),
        ];
        for (raw, want) in cases {
            assert_eq!(reply_text(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_reply_that_is_only_a_closing_is_kept() {
        assert_eq!(reply_text("Dziękuję!"), "Dziękuję!");
    }
}
