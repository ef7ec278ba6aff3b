//! Payer names against client names: legal forms, diacritics, quotes and word order ignored, and a
//! name cut at the bank's field length and continued in the address read whole.

use crate::domain::name_key;
// foldhash, as in the rest of matching (see the module's parent).
use foldhash::{HashMap, HashSet};

/// Tokens that only say what legal form a company has; a payer's cut name often loses them.
const LEGAL: &[&str] = &[
    "SPZOO", "SA", "SPJ", "SC", "SPK", "SKA", "PSA", "SPP", "LTD", "GMBH", "INC", "LLC",
];

/// Words (and their abbreviations) that say what kind of business a client is rather than which
/// one: "Przedsiębiorstwo Handlowo-Usługowe", "P.P.H.U.", "Firma", "Zakład". Banks and payers drop
/// or abbreviate them, so a payer's name need not contain them; the other words must all be there.
const DESCRIPTIVE: &[&str] = &[
    "PRZEDSIEBIORSTWO",
    "PRZEDSIEBIORSTWA",
    "HANDLOWE",
    "HANDLOWO",
    "HANDLOWY",
    "HANDLOWA",
    "USLUGOWE",
    "USLUGOWO",
    "USLUGOWY",
    "USLUGOWA",
    "PRODUKCYJNE",
    "PRODUKCYJNO",
    "PRODUKCYJNY",
    "PRODUKCYJNA",
    "WIELOBRANZOWE",
    "FIRMA",
    "ZAKLAD",
    "PPHU",
    "PHU",
    "FHU",
    "PH",
    "PU",
    "PPH",
    "PHPU",
    "FPHU",
    "ZPHU",
    "PW",
    "PUH",
    "FUH",
];

/// The name key with abbreviations spelt with dots joined: "P.H.U. Orzeł" → `PHU ORZEL`.
fn key(name: &str) -> String {
    let k = name_key(name);
    let mut out = String::with_capacity(k.len());
    // Whether the last word is a run of one-letter tokens, which a next one-letter token joins.
    let mut in_run = false;
    for t in k.split(' ').filter(|t| !t.is_empty()) {
        let letter = t.chars().count() == 1;
        let joins_run = letter && in_run;
        if !joins_run && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
        in_run = letter;
    }
    out
}

/// A client's name with the hyphens inside a distinctive compound dropped: "Bud-Mar" is one word,
/// BUDMAR, which banks print as "BUDMAR", "BUD MAR" or "BUD-MAR" (a payer's adjacent words are
/// also tried joined, see [`payer_tokens`]). Compounds of descriptive words or legal forms
/// ("Handlowo-Usługowe") stay apart, so a payer may still drop them.
fn compounds_joined(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let parts: Vec<&str> = word.split('-').collect();
            let joinable = parts.len() > 1
                && parts.iter().all(|p| {
                    let k = name_key(p);
                    !k.is_empty()
                        && !k.contains(' ')
                        && k.chars().all(|c| c.is_alphanumeric())
                        && !DESCRIPTIVE.contains(&k.as_str())
                        && !LEGAL.contains(&k.as_str())
                });
            if joinable {
                parts.concat()
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A payer's words as compared: each word, and each two neighbours joined ("BUD MAR" and
/// "BUD-MAR" also read as BUDMAR).
fn payer_tokens(text: &str) -> HashSet<String> {
    tokens_of_key(&key(text))
}

/// [`payer_tokens`] of a text's [`key`].
fn tokens_of_key(k: &str) -> HashSet<String> {
    let words: Vec<&str> = k.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out: HashSet<String> = words.iter().map(|w| w.to_string()).collect();
    for pair in words.windows(2) {
        out.insert(format!("{}{}", pair[0], pair[1]));
    }
    out
}

/// The texts a payer's name may be read from: the name, and the name continued in the address
/// (joined directly, as a name cut mid-word continues; and with a space).
pub fn payer_texts(name: Option<&str>, address: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        out.push(n.to_string());
        if let Some(a) = address.filter(|a| !a.trim().is_empty()) {
            out.push(format!("{n}{a}"));
            out.push(format!("{n} {a}"));
        }
    }
    out
}

/// The owner's first name and surname in a sole trader's name (words of its name key, in
/// order): a first name with the distinctive word after it, or before it ("Nowak Jan"); each
/// partner's of a civil partnership (s.c.). None for a name with another legal form: a company is
/// not its owner.
fn owner_names(words: &[&str]) -> Vec<[String; 2]> {
    // A civil partnership (s.c.) is its partners: each pays as much as the partnership does.
    if words.iter().any(|w| LEGAL.contains(w) && *w != "SC") {
        return Vec::new();
    }
    let surname = |w: &str| {
        w.len() > 1
            && !LEGAL.contains(&w)
            && w.chars().all(char::is_alphabetic)
            && !DESCRIPTIVE.contains(&w)
            && !super::first_names::is_first_name(w)
    };
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if !super::first_names::is_first_name(w) {
            continue;
        }
        let after = words.get(i + 1).filter(|s| surname(s));
        let before = i
            .checked_sub(1)
            .and_then(|j| words.get(j))
            .filter(|s| surname(s));
        for s in after.into_iter().chain(before) {
            out.push([w.to_string(), s.to_string()]);
        }
    }
    out
}

#[derive(Debug, Clone)]
pub enum NameMatch {
    One(i64),
    Several(Vec<i64>),
    None,
}

/// Client names by their distinctive tokens. Each client is filed under its rarest token only, so a
/// payer's name is checked against the few clients that could fit, not against all of them (common
/// words like "HANDEL" would otherwise make the lookup quadratic).
pub struct NameIndex {
    /// Client id → the tokens a payer's name must contain (name key without legal forms and,
    /// where enough is left, without descriptive words).
    tokens: HashMap<i64, Vec<String>>,
    /// Client id → descriptive tokens that count towards how well a name fits, if present.
    soft: HashMap<i64, Vec<String>>,
    /// Rarest token → clients filed under it.
    by_rarest: HashMap<String, Vec<i64>>,
    /// Client id → its legal-form tokens (`SPZOO`, `SA`…), to tell namesakes apart.
    forms: HashMap<i64, Vec<String>>,
    /// A sole trader (no legal form) whose name holds its owner's first name and surname:
    /// client id → those two words. Its bank account is often in the owner's name alone.
    owners: HashMap<i64, Vec<[String; 2]>>,
    /// Surname → clients with an owner of that surname.
    by_surname: HashMap<String, Vec<i64>>,
    /// Answers given so far: a statement repeats its payers' names thousands of times.
    memo: std::cell::RefCell<HashMap<Vec<String>, NameMatch>>,
}

/// Payers' texts remembered at most (then the memo starts over).
const MEMO_ENTRIES: usize = 50_000;

impl NameIndex {
    pub fn new<'a>(clients: impl Iterator<Item = (i64, &'a str)>) -> Self {
        let mut tokens: HashMap<i64, Vec<String>> = HashMap::default();
        let mut frequency: HashMap<String, usize> = HashMap::default();
        let mut forms: HashMap<i64, Vec<String>> = HashMap::default();
        let mut soft: HashMap<i64, Vec<String>> = HashMap::default();
        let mut owners: HashMap<i64, Vec<[String; 2]>> = HashMap::default();
        for (id, name) in clients {
            let key = key(&compounds_joined(name));
            forms.insert(
                id,
                key.split(' ')
                    .filter(|t| LEGAL.contains(t))
                    .map(str::to_string)
                    .collect(),
            );
            let words: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
            let pairs = owner_names(&words);
            if !pairs.is_empty() {
                owners.insert(id, pairs);
            }
            let mut t: Vec<String> = words
                .iter()
                .filter(|t| !LEGAL.contains(t))
                .map(|t| t.to_string())
                .collect();
            t.sort();
            t.dedup();
            // Too little to go on: a one-letter or two-letter name would match anything.
            if t.iter().map(String::len).sum::<usize>() < 4 {
                continue;
            }
            // Descriptive words become optional when the rest still says who it is; single
            // letters (an abbreviation "P.H.U." spelt out) never decide.
            let (hard, optional): (Vec<String>, Vec<String>) = t
                .iter()
                .cloned()
                .partition(|w| w.len() > 1 && !DESCRIPTIVE.contains(&w.as_str()));
            if hard.iter().map(String::len).sum::<usize>() >= 4 {
                soft.insert(id, optional);
                t = hard;
            }
            for tok in &t {
                *frequency.entry(tok.clone()).or_default() += 1;
            }
            tokens.insert(id, t);
        }
        let mut by_rarest: HashMap<String, Vec<i64>> = HashMap::default();
        let mut ids: Vec<i64> = tokens.keys().copied().collect();
        ids.sort();
        for id in ids {
            if let Some(rarest) = tokens[&id]
                .iter()
                .min_by_key(|t| (frequency.get(*t).copied().unwrap_or(0), t.as_str()))
            {
                by_rarest.entry(rarest.clone()).or_default().push(id);
            }
        }
        let mut by_surname: HashMap<String, Vec<i64>> = HashMap::default();
        let mut ids: Vec<i64> = owners.keys().copied().collect();
        ids.sort();
        for id in ids {
            for [_, surname] in &owners[&id] {
                let filed = by_surname.entry(surname.clone()).or_default();
                if !filed.contains(&id) {
                    filed.push(id);
                }
            }
        }
        NameIndex {
            tokens,
            soft,
            by_rarest,
            forms,
            owners,
            by_surname,
            memo: Default::default(),
        }
    }

    /// Clients all of whose distinctive tokens appear in one of the payer's texts. Among several,
    /// the one with the most tokens wins only if no other has as many (a longer, more specific name).
    pub fn find(&self, texts: &[String]) -> NameMatch {
        if let Some(m) = self.memo.borrow().get(texts) {
            return m.clone();
        }
        let m = self.find_fresh(texts);
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= MEMO_ENTRIES {
            memo.clear();
        }
        memo.insert(texts.to_vec(), m.clone());
        m
    }

    fn find_fresh(&self, texts: &[String]) -> NameMatch {
        let mut best: Vec<(usize, i64)> = Vec::new();
        // Each text's key, made once: the tie-breaks below read it again.
        let keys: Vec<String> = texts.iter().map(|t| key(t)).collect();
        let payers: Vec<HashSet<String>> = keys.iter().map(|k| tokens_of_key(k)).collect();
        for payer in &payers {
            for tok in payer {
                for id in self.by_rarest.get(tok).into_iter().flatten() {
                    let Some(need) = self.tokens.get(id) else {
                        continue;
                    };
                    if need.iter().all(|t| payer.contains(t)) && !best.iter().any(|(_, b)| b == id)
                    {
                        let extra = self
                            .soft
                            .get(id)
                            .into_iter()
                            .flatten()
                            .filter(|t| payer.contains(*t))
                            .count();
                        best.push((need.len() + extra, *id));
                    }
                }
            }
        }
        // A person's name alone (no legal form): the sole traders it is the owner of. It weighs
        // as two words, so a client whose whole name the payer gives, longer than that, wins.
        for payer in &payers {
            if payer.iter().any(|t| LEGAL.contains(&t.as_str())) {
                continue;
            }
            for tok in payer {
                for id in self.by_surname.get(tok).into_iter().flatten() {
                    let owned = self
                        .owners
                        .get(id)
                        .into_iter()
                        .flatten()
                        .any(|[first, last]| payer.contains(first) && payer.contains(last));
                    if owned && !best.iter().any(|(_, b)| b == id) {
                        best.push((2, *id));
                    }
                }
            }
        }
        best.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        match best.as_slice() {
            [] => NameMatch::None,
            [(_, id)] => NameMatch::One(*id),
            [(n0, id), (n1, _), ..] if n0 > n1 => NameMatch::One(*id),
            many => {
                let top = many[0].0;
                let tied: Vec<i64> = many
                    .iter()
                    .filter(|(n, _)| *n == top)
                    .map(|(_, id)| *id)
                    .collect();
                // Companies of the same name and different legal forms ("Delta S.A." and
                // "Delta Sp. z o.o."): the form the payer's text names decides.
                let words: Vec<HashSet<String>> = keys
                    .iter()
                    .map(|k| k.split(' ').map(str::to_string).collect())
                    .collect();
                let by_form: Vec<i64> = tied
                    .iter()
                    .copied()
                    .filter(|id| {
                        let forms = self.forms.get(id).map(Vec::as_slice).unwrap_or(&[]);
                        !forms.is_empty()
                            && words.iter().any(|payer| {
                                forms.iter().all(|f| payer.contains(f))
                                    && self.forms_exactly(id, payer)
                            })
                    })
                    .collect();
                if let [one] = by_form.as_slice() {
                    return NameMatch::One(*one);
                }
                // Namesakes by words, some of them found in the address (a house number, a
                // postcode): a bank prints the payer's name first, so the words before its legal
                // form or its address may name one of them only ("FIRMA 17 SP. Z O.O. UL. DŁUGA
                // 1" is not "FIRMA 1").
                let names: Vec<HashSet<String>> = keys
                    .iter()
                    .filter_map(|k| name_part(k))
                    .map(|n| payer_tokens(&n))
                    .collect();
                let leading: Vec<i64> = tied
                    .iter()
                    .copied()
                    .filter(|id| {
                        let need = self.tokens.get(id).map(Vec::as_slice).unwrap_or(&[]);
                        !need.is_empty() && names.iter().any(|n| need.iter().all(|t| n.contains(t)))
                    })
                    .collect();
                match leading.as_slice() {
                    [one] => NameMatch::One(*one),
                    _ => NameMatch::Several(tied),
                }
            }
        }
    }

    /// The payer's text names no legal form beyond this client's.
    fn forms_exactly(&self, id: &i64, payer: &HashSet<String>) -> bool {
        let own = self.forms.get(id).map(Vec::as_slice).unwrap_or(&[]);
        payer
            .iter()
            .filter(|t| LEGAL.contains(&t.as_str()))
            .all(|t| own.contains(t))
    }
}

/// Words that begin an address after a payer's name.
const ADDRESS: &[&str] = &[
    "UL", "ULICA", "AL", "ALEJA", "ALEJE", "OS", "OSIEDLE", "PL", "PLAC",
];

/// The words of a payer's text (a name key) before its legal form or its address, when it has
/// either: its name. None when nothing marks where the name ends.
fn name_part(payer: &str) -> Option<String> {
    let words: Vec<&str> = payer.split(' ').filter(|w| !w.is_empty()).collect();
    let end = words
        .iter()
        .position(|w| LEGAL.contains(w) || ADDRESS.contains(w))?;
    (end > 0).then(|| words[..end].join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(clients: &[(i64, &str)], payer: &str) -> Option<Vec<i64>> {
        let ix = NameIndex::new(clients.iter().map(|(id, n)| (*id, *n)));
        match ix.find(&[payer.to_string()]) {
            NameMatch::One(id) => Some(vec![id]),
            NameMatch::Several(ids) => Some(ids),
            NameMatch::None => None,
        }
    }

    #[test]
    fn letters_spelt_with_dots_are_joined_into_one_word() {
        assert_eq!(key("P.H.U. Orzeł"), "PHU ORZEL");
        assert_eq!(key("Orzeł P.H.U."), "ORZEL PHU");
        assert_eq!(key("A.B. Orzeł C. D. Nowak"), "AB ORZEL CD NOWAK");
        assert_eq!(key("Z.U.H. Ela sp. z o.o."), "ZUH ELA SPZOO");
        assert_eq!(key("  "), "");
    }

    #[test]
    fn descriptive_words_may_be_abbreviated_or_dropped() {
        let clients = [
            (1, "Przedsiębiorstwo Handlowo-Usługowe „Orzeł” Jan Mazur"),
            (2, "Mazur-Bud Sp. z o.o."),
            (3, "Zakład Stolarski Wióra"),
        ];
        for payer in [
            "PHU ORZEL JAN MAZUR",
            "P.H.U. Orzeł Jan Mazur",
            "ORZEL JAN MAZUR",
            "JAN MAZUR PRZEDSIEBIORSTWO HANDLOWO USLUGOWE ORZEL",
        ] {
            assert_eq!(find(&clients, payer), Some(vec![1]), "{payer}");
        }
        assert_eq!(find(&clients, "STOLARSKI WIORA"), Some(vec![3]));
        // The distinctive words must all be there, or the owner's name (see below).
        assert_eq!(find(&clients, "PHU ORZEL"), None);
        assert_eq!(find(&clients, "MAZUR"), None);
    }

    /// Namesakes by words whose other words the payer's address supplies (a house number, a
    /// postcode read joined): the words before the text's legal form or address decide. A text
    /// whose name goes on with another client's word may be a third firm.
    #[test]
    fn the_name_a_payers_text_begins_with_wins_over_words_from_its_address() {
        let clients = [
            (1, "Firma 1 Sp. z o.o."),
            (17, "Firma 17 Sp. z o.o."),
            (100, "Firma 100 Sp. z o.o."),
            (24, "Apteka 24 s.c."),
            (2, "Alfa"),
            (3, "Beta"),
        ];
        for (payer, id) in [
            ("FIRMA 17 SP. Z O.O.  UL. DŁUGA 1 00-001 WARSZAWA", 17),
            ("FIRMA 1 SP. Z O.O.  UL. DŁUGA 1 00-001 WARSZAWA", 1),
            ("FIRMA 100 SPÓŁKA Z O.O. UL. DŁUGA 17", 100),
            ("FIRMA 17 UL. DŁUGA 1", 17),
            ("APTEKA 24 S.C. AL. JANA PAWŁA II 1", 24),
        ] {
            assert_eq!(find(&clients, payer), Some(vec![id]), "{payer}");
        }
        // The words before the address still fit several, or nothing says where the name ends:
        // a person decides.
        let several = find(&clients, "FIRMA 17 00-100 WARSZAWA UL. DŁUGA 1").unwrap_or_default();
        assert!(several.len() > 1 && several.contains(&17), "{several:?}");
        assert_eq!(find(&clients, "FIRMA 17 DŁUGA 1"), Some(vec![1, 17]));
        assert_eq!(find(&clients, "ALFA BETA SP. Z O.O."), Some(vec![2, 3]));
    }

    /// A sole trader's name holds its owner's first name and surname, and its account is often
    /// in the owner's name alone.
    #[test]
    fn a_sole_trader_is_found_by_its_owners_name() {
        let clients = [
            (1, "Jan Nowak Usługi Hydrauliczne"),
            (2, "Usługi Remontowe Kowalski Piotr"),
            (5, "Przedsiębiorstwo Handlowo-Usługowe „Orzeł” Jan Mazur"),
        ];
        for (payer, id) in [
            ("NOWAK JAN", 1),
            ("JAN NOWAK UL. POLNA 5 00-001 WARSZAWA", 1),
            ("Piotr Kowalski", 2),
            ("JAN MAZUR", 5),
        ] {
            assert_eq!(find(&clients, payer), Some(vec![id]), "{payer}");
        }
        // The owner's surname alone, another first name, or a company: not the owner.
        assert_eq!(find(&clients, "NOWAK"), None);
        assert_eq!(find(&clients, "ADAM NOWAK"), None);
        assert_eq!(find(&clients, "JAN NOWAK SP Z O O"), None);
        // The partners of a civil partnership (s.c.), each by name.
        let partners = [(
            7,
            "Agencja Kreatywna Pióro s.c. Anna Wiśniewska, Piotr Kowalczyk",
        )];
        assert_eq!(find(&partners, "KOWALCZYK PIOTR"), Some(vec![7]));
        assert_eq!(
            find(&partners, "ANNA WISNIEWSKA UL. LIPOWA 3"),
            Some(vec![7])
        );
        assert_eq!(find(&partners, "ANNA KOWALCZYK"), None);
        // Two sole traders of one owner's name: a person decides; the whole name decides.
        let twins = [
            (1, "Jan Nowak Usługi Hydrauliczne"),
            (2, "Jan Nowak Transport"),
        ];
        assert_eq!(find(&twins, "JAN NOWAK"), Some(vec![1, 2]));
        assert_eq!(find(&twins, "JAN NOWAK TRANSPORT"), Some(vec![2]));
    }

    #[test]
    fn namesakes_apart_from_descriptive_words_are_not_told_apart_by_chance() {
        let clients = [(1, "PH Orzeł"), (2, "Orzeł Sp. z o.o.")];
        // "ORZEL" alone fits both: a person decides.
        assert_eq!(find(&clients, "ORZEL"), Some(vec![1, 2]));
        // The full name fits one better.
        assert_eq!(find(&clients, "P.H. ORZEL"), Some(vec![1]));
        assert_eq!(find(&clients, "ORZEL SP Z O O"), Some(vec![2]));
    }

    #[test]
    fn a_hyphenated_name_is_found_however_the_bank_prints_it() {
        let clients = [
            (1, "Bud-Mar Marek Zieliński"),
            (2, "Auto-Serwis Kowalski Sp. z o.o."),
            (3, "P.P.H.U. Handlowo-Usługowe Wióra"),
        ];
        for payer in [
            "BUDMAR MAREK ZIELINSKI",
            "BUD-MAR MAREK ZIELINSKI UL. POLNA 1",
            "BUD MAR MAREK ZIELINSKI",
        ] {
            assert_eq!(find(&clients, payer), Some(vec![1]), "{payer}");
        }
        assert_eq!(
            find(&clients, "AUTOSERWIS KOWALSKI SP Z O O"),
            Some(vec![2])
        );
        assert_eq!(find(&clients, "AUTO SERWIS KOWALSKI"), Some(vec![2]));
        // Descriptive compounds may still be dropped.
        assert_eq!(find(&clients, "WIORA"), Some(vec![3]));
        // Half of a compound is not the name (the owner's name would be: see below).
        assert_eq!(find(&clients, "MAR ZIELINSKI"), None);
    }

    #[test]
    fn a_name_of_descriptive_words_only_needs_them_all() {
        let clients = [(1, "Firma Handlowa"), (2, "Zakład Usługowy Handlowy")];
        assert_eq!(find(&clients, "FIRMA HANDLOWA"), Some(vec![1]));
        assert_eq!(find(&clients, "FIRMA"), None);
    }
}
