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
    let folded = text::fold_diacritics(raw).to_uppercase();
    let cleaned: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let tokens: Vec<&str> = cleaned.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    'outer: while i < tokens.len() {
        for (pattern, canonical) in LEGAL_FORMS {
            if tokens[i..].starts_with(pattern) {
                out.push(canonical);
                i += pattern.len();
                continue 'outer;
            }
        }
        out.push(tokens[i]);
        i += 1;
    }
    out.join(" ")
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
