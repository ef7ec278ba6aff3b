//! Small text helpers shared by the domain types and the parsers.

/// Folds Polish (and common Western European) letters with diacritics to ASCII, so that
/// "ŁÓDŹ" and "LODZ" compare equal. Characters without a folding are kept as they are.
pub fn fold_diacritics(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// [`fold_diacritics`] of one character.
pub fn fold_char(c: char) -> char {
    match c {
        'ą' => 'a',
        'ć' => 'c',
        'ę' => 'e',
        'ł' => 'l',
        'ń' => 'n',
        'ó' => 'o',
        'ś' => 's',
        'ź' | 'ż' => 'z',
        'Ą' => 'A',
        'Ć' => 'C',
        'Ę' => 'E',
        'Ł' => 'L',
        'Ń' => 'N',
        'Ó' => 'O',
        'Ś' => 'S',
        'Ź' | 'Ż' => 'Z',
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
        'é' | 'è' | 'ê' | 'ë' | 'ě' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' | 'Ě' => 'E',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'ô' | 'ö' | 'õ' | 'ò' | 'ő' => 'o',
        'Ô' | 'Ö' | 'Õ' | 'Ò' | 'Ő' => 'O',
        'ú' | 'ù' | 'û' | 'ü' | 'ů' | 'ű' => 'u',
        'Ú' | 'Ù' | 'Û' | 'Ü' | 'Ů' | 'Ű' => 'U',
        'ý' | 'ÿ' => 'y',
        'Ý' => 'Y',
        'č' => 'c',
        'Č' => 'C',
        'š' => 's',
        'Š' => 'S',
        'ž' => 'z',
        'Ž' => 'Z',
        'ř' => 'r',
        'Ř' => 'R',
        'ď' => 'd',
        'Ď' => 'D',
        'ť' => 't',
        'Ť' => 'T',
        'ň' => 'n',
        'Ň' => 'N',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ß' => 's',
        _ => c,
    }
}

/// Whitespace as banks write it: ASCII space, tab, NO-BREAK SPACE, NARROW NO-BREAK SPACE, THIN SPACE,
/// FIGURE SPACE and line breaks inside quoted fields.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{2009}' | '\u{FEFF}'
        )
}

/// Collapses every run of whitespace (incl. NBSP and line breaks) into one ASCII space and trims.
pub fn collapse_spaces(s: &str) -> String {
    if is_collapsed(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if is_space(c) {
            pending = !out.is_empty();
        } else {
            if pending {
                out.push(' ');
                pending = false;
            }
            out.push(c);
        }
    }
    out
}

/// Whether `s` is its own [`collapse_spaces`]: no space at either end, every space a single ASCII
/// one. Most cells are, and one pass over them tells (it was three passes, and any non-ASCII
/// letter sent a clean cell the long way, a character at a time).
fn is_collapsed(s: &str) -> bool {
    // A space first is not collapsed: as if one came before.
    let mut after_space = true;
    for c in s.chars() {
        if is_space(c) {
            if after_space || c != ' ' {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// Keeps only ASCII digits.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// At most `max` characters on one line: runs of whitespace folded, a longer text cut with "…".
/// For what we echo from a stranger's mail (a subject in a reply).
pub fn shorten(s: &str, max: usize) -> String {
    let one_line = collapse_spaces(s);
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_polish_letters() {
        assert_eq!(
            fold_diacritics("Zażółć gęślą jaźń ŁÓDŹ"),
            "Zazolc gesla jazn LODZ"
        );
    }

    #[test]
    fn collapses_all_kinds_of_space() {
        assert_eq!(collapse_spaces("  a\u{00A0}\u{00A0}b\r\n c\t"), "a b c");
        assert_eq!(collapse_spaces("a\u{0B}b"), "a b", "a vertical tab");
        assert_eq!(collapse_spaces("Łódź\u{202F}Bałuty"), "Łódź Bałuty");
        for clean in ["", "a", "Zażółć gęślą", "FV/1/02/2026 zapłata"] {
            assert_eq!(collapse_spaces(clean), clean);
        }
    }

    proptest::proptest! {
        /// The same as splitting at every space and joining the words with one.
        #[test]
        fn collapsing_joins_the_words_with_one_space(
            s in "[ a\t\r\n\u{0B}\u{A0}\u{202F}\u{2009}ółŻ1/]{0,12}"
        ) {
            let words: Vec<&str> = s.split(is_space).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(collapse_spaces(&s), words.join(" "));
        }
    }
}
