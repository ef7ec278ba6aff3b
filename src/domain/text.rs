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

/// The ASCII bytes [`is_space`] holds for: tab, line feed, vertical tab, form feed, carriage
/// return and space (not the separators 0x1C–0x1F, which Unicode does not count as spaces).
pub fn is_ascii_space(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// Whether the text is empty or only whitespace (what `s.trim().is_empty()` says), answered by
/// the first byte when it is a letter or digit: asked of every cell of every row.
pub fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !is_ascii_space(b) => false,
        _ => s.trim().is_empty(),
    }
}

/// Collapses every run of whitespace (incl. NBSP and line breaks) into one ASCII space and trims.
///
/// Decided a byte at a time, and split a character at a time only where a space other than
/// the ASCII one may be: every text cell of a statement passes here, nine million for a year's,
/// and a character at a time was a tenth of what parsing one cost.
pub fn collapse_spaces(s: &str) -> String {
    let b = s.as_bytes();
    // One pass, a table lookup a byte (cells are short: a vectorised pass spent its time on
    // the ends): whether any byte may start a space other than the ASCII one, and whether an
    // ASCII space stands first, last, or beside another.
    let (mut other, mut doubled, mut after_space) = (0u8, false, true);
    for &c in b {
        other |= MAY_START_OTHER_SPACE[usize::from(c)];
        let space = c == b' ';
        doubled |= space & after_space;
        after_space = space;
    }
    if other == 0 {
        if b.is_empty() || !(doubled || after_space) {
            return s.to_string();
        }
        // Only ASCII spaces: split where they are.
        return joined(s.len(), s.split(' '));
    }
    if is_collapsed(s) {
        return s.to_string();
    }
    joined(s.len(), s.split(is_space))
}

/// The non-empty pieces, one space between each.
fn joined<'a>(len: usize, pieces: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(len);
    for word in pieces.filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The bytes that may start a space other than the ASCII one: a tab or line break, or a byte
/// that starts a space beyond ASCII (U+0085 and NBSP start with 0xC2, U+1680 with 0xE1, the
/// spaces of U+2000–U+205F with 0xE2, U+3000 with 0xE3, U+FEFF with 0xEF; no Polish letter
/// does).
static MAY_START_OTHER_SPACE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = b'\t';
    while c <= b'\r' {
        t[c as usize] = 1;
        c += 1;
    }
    t[0xC2] = 1;
    t[0xE1] = 1;
    t[0xE2] = 1;
    t[0xE3] = 1;
    t[0xEF] = 1;
    t
};

/// Whether the character at byte `i` (a character boundary) is a space, and its length.
#[inline(always)]
fn char_at(s: &str, i: usize) -> (bool, usize) {
    let b = s.as_bytes()[i];
    if b.is_ascii() {
        return (is_ascii_space(b), 1);
    }
    wide_char_at(s, i)
}

/// [`char_at`] of a character beyond ASCII.
#[inline(never)]
fn wide_char_at(s: &str, i: usize) -> (bool, usize) {
    match s.get(i..).and_then(|rest| rest.chars().next()) {
        Some(c) => (is_space(c), c.len_utf8()),
        None => (false, 1),
    }
}

/// Whether `s` is its own [`collapse_spaces`]: no space at either end, every space a single ASCII
/// one. Most cells are, and one pass over them tells (it was three passes, and any non-ASCII
/// letter sent a clean cell the long way, a character at a time).
fn is_collapsed(s: &str) -> bool {
    // A space first is not collapsed: as if one came before.
    let mut after_space = true;
    let mut i = 0;
    while i < s.len() {
        let (space, len) = char_at(s, i);
        if space {
            if after_space || len != 1 || s.as_bytes()[i] != b' ' {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
        i += len;
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

    /// Every character that is a space starts with a byte the quick check looks for.
    #[test]
    fn every_space_beyond_ascii_starts_with_a_byte_the_quick_check_knows() {
        for c in (0x80..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| is_space(*c))
        {
            let mut buf = [0u8; 4];
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(MAY_START_OTHER_SPACE[usize::from(bytes[0])], 1, "{c:?}");
        }
        for c in (0..0x80u8).filter(|c| is_space(char::from(*c)) && *c != b' ') {
            assert_eq!(MAY_START_OTHER_SPACE[usize::from(c)], 1, "{c:#x}");
        }
        for c in "Zażółć gęślą jaźń ĄĘŁŃÓŚŹŻ".bytes() {
            assert_eq!(MAY_START_OTHER_SPACE[usize::from(c)], 0, "{c:#x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn blank_is_what_trimming_leaves_empty(s in "[ a\t\r\n\u{0B}\u{0C}\u{1C}\u{85}\u{A0}\u{3000}\u{FEFF}ó1]{0,4}") {
            proptest::prop_assert_eq!(is_blank(&s), s.trim().is_empty());
        }

        /// The same as splitting at every space and joining the words with one.
        #[test]
        fn collapsing_joins_the_words_with_one_space(
            s in "[ a\t\r\n\u{0B}\u{0C}\u{85}\u{A0}\u{1680}\u{202F}\u{2009}\u{3000}\u{FEFF}ółŻąĘ€1/]{0,16}"
        ) {
            let words: Vec<&str> = s.split(is_space).filter(|w| !w.is_empty()).collect();
            proptest::prop_assert_eq!(collapse_spaces(&s), words.join(" "));
        }
    }
}
