use super::text;

/// Legal forms as people write them, as token sequences after folding and punctuation removal,
/// mapped to one short canonical token. Longer sequences first, so "SPOLKA KOMANDYTOWO AKCYJNA"
/// is not read as "SPOLKA KOMANDYTOWA" plus noise.
const LEGAL_FORMS: &[(&[&str], &str)] = &[
    (
        &["SPOLKA", "Z", "OGRANICZONA", "ODPOWIEDZIALNOSCIA"],
        "SPZOO",
    ),
    (&["SPOLKA", "KOMANDYTOWO", "AKCYJNA"], "SKA"),
    (&["PROSTA", "SPOLKA", "AKCYJNA"], "PSA"),
    (&["SPOLKA", "Z", "O", "O"], "SPZOO"),
    (&["SP", "Z", "O", "O"], "SPZOO"),
    (&["SPOLKA", "Z", "OO"], "SPZOO"),
    (&["SP", "Z", "OO"], "SPZOO"),
    (&["SP", "ZOO"], "SPZOO"),
    (&["SPZOO"], "SPZOO"),
    (&["SPOLKA", "AKCYJNA"], "SA"),
    (&["SPOLKA", "JAWNA"], "SPJ"),
    (&["SPOLKA", "CYWILNA"], "SC"),
    (&["SPOLKA", "KOMANDYTOWA"], "SPK"),
    (&["SPOLKA", "PARTNERSKA"], "SPP"),
    (&["S", "K", "A"], "SKA"),
    (&["P", "S", "A"], "PSA"),
    (&["SP", "J"], "SPJ"),
    (&["SP", "K"], "SPK"),
    (&["SP", "P"], "SPP"),
    (&["S", "A"], "SA"),
    (&["S", "C"], "SC"),
];

/// Normalises a client name for comparison: "Krawiec-Tech Sp. z o.o." and
/// "KRAWIEC-TECH SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ" both become `KRAWIEC TECH SPZOO`.
///
/// Case, diacritics, quotes of every kind („”"'«»), punctuation and legal-form spellings are
/// ignored; word order is kept (matching by words is the reconciler's business).
pub fn name_key(raw: &str) -> String {
    // Folded, upper-cased and cleaned in one pass: every payer's name of a statement comes here.
    let mut cleaned = String::with_capacity(raw.len());
    for c in raw.chars() {
        for u in text::fold_char(c).to_uppercase() {
            cleaned.push(if u.is_alphanumeric() { u } else { ' ' });
        }
    }
    let tokens: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out = String::with_capacity(cleaned.len());
    let mut i = 0;
    'outer: while i < tokens.len() {
        if !out.is_empty() {
            out.push(' ');
        }
        for (pattern, canonical) in LEGAL_FORMS {
            if tokens[i..].starts_with(pattern) {
                out.push_str(canonical);
                i += pattern.len();
                continue 'outer;
            }
        }
        out.push_str(tokens[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_are_equal() {
        let a = name_key("Krawiec-Tech Sp. z o.o.");
        for other in [
            "KRAWIEC-TECH SP. Z O.O.",
            "„Krawiec-Tech” spółka z ograniczoną odpowiedzialnością",
            "KRAWIEC TECH SP.Z O.O.",
            "Krawiec-Tech sp. z o. o.",
            "\"KRAWIEC-TECH\" SP Z OO",
            "krawiec-tech spzoo",
        ] {
            assert_eq!(name_key(other), a, "{other}");
        }
        assert_eq!(a, "KRAWIEC TECH SPZOO");
    }

    #[test]
    fn other_forms() {
        assert_eq!(name_key("Bud-Pol S.A."), name_key("BUD-POL SPÓŁKA AKCYJNA"));
        assert_eq!(
            name_key("Nowak i Wspólnicy sp.j."),
            name_key("NOWAK I WSPÓLNICY SPÓŁKA JAWNA")
        );
        assert_eq!(
            name_key("Kowalski s.c."),
            name_key("KOWALSKI SPÓŁKA CYWILNA")
        );
        assert_eq!(name_key("Zięba sp. k."), "ZIEBA SPK");
        assert_eq!(
            name_key("Alfa S.K.A."),
            name_key("Alfa spółka komandytowo-akcyjna")
        );
        assert_ne!(name_key("Alfa S.A."), name_key("Alfa sp. z o.o."));
    }

    #[test]
    fn diacritics_and_quotes_do_not_matter() {
        assert_eq!(
            name_key("Łódzkie Zakłady „Żuraw”"),
            name_key("LODZKIE ZAKLADY 'ZURAW'")
        );
    }
}
