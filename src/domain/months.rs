//! Month names in dates people and programs write: "15 listopada 2026", "Nov 15, 2026",
//! "15-lis-26" (Excel's `dd-mmm-yy` in a Polish locale).

/// Month names as folded text (lower case, no diacritics): Polish in the nominative and the
/// genitive a date takes ("15 listopada"), English in full and abbreviated.
const NAMES: &[(&str, u32)] = &[
    ("stycznia", 1),
    ("styczen", 1),
    ("lutego", 2),
    ("luty", 2),
    ("marca", 3),
    ("marzec", 3),
    ("kwietnia", 4),
    ("kwiecien", 4),
    ("maja", 5),
    ("maj", 5),
    ("czerwca", 6),
    ("czerwiec", 6),
    ("lipca", 7),
    ("lipiec", 7),
    ("sierpnia", 8),
    ("sierpien", 8),
    ("wrzesnia", 9),
    ("wrzesien", 9),
    ("pazdziernika", 10),
    ("pazdziernik", 10),
    ("listopada", 11),
    ("listopad", 11),
    ("grudnia", 12),
    ("grudzien", 12),
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// The Polish three-letter abbreviations Excel and ERPs print (`lis`, `paź`). Not read in mail
/// prose: "sie" is also the folded "się".
const PL_ABBREVIATIONS: &[(&str, u32)] = &[
    ("sty", 1),
    ("lut", 2),
    ("kwi", 4),
    ("cze", 6),
    ("lip", 7),
    ("sie", 8),
    ("wrz", 9),
    ("paz", 10),
    ("lis", 11),
    ("gru", 12),
];

/// Polish month names in the nominative, as a heading says them ("listopad 2026").
pub const PL_NOMINATIVE: [&str; 12] = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
];

/// Polish month names in the genitive, as a date says them ("2 listopada 2026").
pub const PL_GENITIVE: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];

/// English month names.
pub const EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in words, in both languages: "2 listopada 2026", "2 November 2026".
pub fn spelled(d: chrono::NaiveDate) -> crate::domain::Said {
    use chrono::Datelike;
    let (day, i, year) = (d.day(), d.month0() as usize, d.year());
    crate::domain::Said::new(
        format!("{day} {} {year}", PL_GENITIVE[i]),
        format!("{day} {} {year}", EN[i]),
    )
}

/// The month a folded word names, full or in English abbreviated (`mar`, `nov`).
pub fn by_name(word: &str) -> Option<u32> {
    NAMES.iter().find(|(n, _)| *n == word).map(|(_, m)| *m)
}

/// Like [`by_name`], also reading the Polish abbreviations; for a cell that holds only a date.
pub fn in_date_cell(word: &str) -> Option<u32> {
    by_name(word).or_else(|| {
        PL_ABBREVIATIONS
            .iter()
            .find(|(n, _)| *n == word)
            .map(|(_, m)| *m)
    })
}
