//! Payer names against client names: legal forms, diacritics, quotes and word order ignored, and a
//! name cut at the bank's field length and continued in the address read whole.

use crate::domain::name_key;
use std::collections::{HashMap, HashSet};

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

/// Client names by their distinctive tokens. Each client is filed under its rarest token only, so a
/// payer's name is checked against the few clients that could fit, not against all of them (common
/// words like "HANDEL" would otherwise make the lookup quadratic).
pub struct NameIndex {
    /// Client id → its distinctive tokens (name key without legal forms).
    tokens: HashMap<i64, Vec<String>>,
    /// Rarest token → clients filed under it.
    by_rarest: HashMap<String, Vec<i64>>,
    /// Client id → its legal-form tokens (`SPZOO`, `SA`…), to tell namesakes apart.
    forms: HashMap<i64, Vec<String>>,
}

impl NameIndex {
    pub fn new<'a>(clients: impl Iterator<Item = (i64, &'a str)>) -> Self {
        let mut tokens: HashMap<i64, Vec<String>> = HashMap::new();
        let mut frequency: HashMap<String, usize> = HashMap::new();
        let mut forms: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, name) in clients {
            let key = name_key(name);
            forms.insert(
                id,
                key.split(' ')
                    .filter(|t| LEGAL.contains(t))
                    .map(str::to_string)
                    .collect(),
            );
            let mut t: Vec<String> = key
                .split(' ')
                .filter(|t| !t.is_empty() && !LEGAL.contains(t))
                .map(str::to_string)
                .collect();
            t.sort();
            t.dedup();
            // Too little to go on: a one-letter or two-letter name would match anything.
            if t.iter().map(String::len).sum::<usize>() < 4 {
                continue;
            }
            for tok in &t {
                *frequency.entry(tok.clone()).or_default() += 1;
            }
            tokens.insert(id, t);
        }
        let mut by_rarest: HashMap<String, Vec<i64>> = HashMap::new();
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
        NameIndex {
            tokens,
            by_rarest,
            forms,
        }
    }

    /// Clients all of whose distinctive tokens appear in one of the payer's texts. Among several,
    /// the one with the most tokens wins only if no other has as many (a longer, more specific name).
    pub fn find(&self, texts: &[String]) -> NameMatch {
        let mut best: Vec<(usize, i64)> = Vec::new();
        for text in texts {
            let payer: HashSet<String> = name_key(text).split(' ').map(str::to_string).collect();
            for tok in &payer {
                for id in self.by_rarest.get(tok).into_iter().flatten() {
                    let Some(need) = self.tokens.get(id) else {
                        continue;
                    };
                    if need.iter().all(|t| payer.contains(t)) && !best.iter().any(|(_, b)| b == id)
                    {
                        best.push((need.len(), *id));
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
                let by_form: Vec<i64> = tied
                    .iter()
                    .copied()
                    .filter(|id| {
                        let forms = self.forms.get(id).map(Vec::as_slice).unwrap_or(&[]);
                        !forms.is_empty()
                            && texts.iter().any(|t| {
                                let payer: HashSet<String> =
                                    name_key(t).split(' ').map(str::to_string).collect();
                                forms.iter().all(|f| payer.contains(f))
                                    && self.forms_exactly(id, &payer)
                            })
                    })
                    .collect();
                match by_form.as_slice() {
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
