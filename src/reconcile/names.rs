//! Payer names against client names: legal forms, diacritics, quotes and word order ignored, and a
//! name cut at the bank's field length and continued in the address read whole.

use crate::domain::name_key;
use std::collections::HashMap;

/// Tokens that only say what legal form a company has; a payer's cut name often loses them.
const LEGAL: &[&str] = &[
    "SPZOO", "SA", "SPJ", "SC", "SPK", "SKA", "PSA", "SPP", "LTD", "GMBH", "INC", "LLC",
];

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

pub enum NameMatch {
    One(i64),
    Several(Vec<i64>),
    None,
}

/// Client names by their distinctive tokens.
pub struct NameIndex {
    /// Client id → its distinctive tokens (name key without legal forms).
    tokens: HashMap<i64, Vec<String>>,
    /// Token → clients having it.
    by_token: HashMap<String, Vec<i64>>,
}

impl NameIndex {
    pub fn new<'a>(clients: impl Iterator<Item = (i64, &'a str)>) -> Self {
        let mut tokens = HashMap::new();
        let mut by_token: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, name) in clients {
            let t: Vec<String> = name_key(name)
                .split(' ')
                .filter(|t| !t.is_empty() && !LEGAL.contains(t))
                .map(str::to_string)
                .collect();
            // Too little to go on: a one-letter or two-letter name would match anything.
            if t.iter().map(String::len).sum::<usize>() < 4 {
                continue;
            }
            for tok in &t {
                let ids = by_token.entry(tok.clone()).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            tokens.insert(id, t);
        }
        NameIndex { tokens, by_token }
    }

    /// Clients all of whose distinctive tokens appear in one of the payer's texts. Among several,
    /// the one with the most tokens wins only if no other has as many (a longer, more specific name).
    pub fn find(&self, texts: &[String]) -> NameMatch {
        let mut best: Vec<(usize, i64)> = Vec::new();
        for text in texts {
            let payer: Vec<String> = name_key(text).split(' ').map(str::to_string).collect();
            let mut hits: HashMap<i64, usize> = HashMap::new();
            let mut seen = std::collections::HashSet::new();
            for tok in &payer {
                if !seen.insert(tok) {
                    continue;
                }
                for id in self.by_token.get(tok).into_iter().flatten() {
                    *hits.entry(*id).or_default() += 1;
                }
            }
            for (id, n) in hits {
                let need = self.tokens.get(&id).map(Vec::len).unwrap_or(usize::MAX);
                if n == need && !best.iter().any(|(_, b)| *b == id) {
                    best.push((need, id));
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
                NameMatch::Several(
                    many.iter()
                        .filter(|(n, _)| *n == top)
                        .map(|(_, id)| *id)
                        .collect(),
                )
            }
        }
    }
}
