//! Which profile fits a table, where its header row is, and which column holds which field.

use super::profile::{Field, Profile, normalize_header, strip_bracket_note};
use super::table::{Cell, Table};
use std::collections::HashMap;

/// Rows searched for a header: preambles run to ~40 lines in the wild.
const HEADER_SEARCH_ROWS: usize = 80;

/// A profile that fits, with the header row and the column of every mapped field.
#[derive(Debug, Clone)]
pub struct Recognised<'p> {
    pub profile: &'p Profile,
    /// Index into `table.rows` of the header row (for headerless exports: of the summary row, or
    /// `None` when data starts at the first row).
    pub header_row: Option<usize>,
    /// First data row index.
    pub data_start: usize,
    /// Column of each field: read for every cell of every row (a million-row statement asks
    /// nine million times), so hashed by foldhash, not SipHash.
    pub columns: Columns,
    /// First column of `Key: value` cells.
    pub key_values_from: Option<usize>,
    /// Header text per column, for messages.
    pub headers: Vec<String>,
}

/// Column index by field.
pub type Columns = foldhash::HashMap<Field, usize>;

/// Why no profile fits: what we saw and what the closest profile missed.
#[derive(Debug, Clone)]
pub struct NoProfile {
    pub header_line: Option<usize>,
    pub headers_seen: Vec<String>,
    /// Per report kind, the profile that came closest and what it missed.
    pub closest: Vec<(String, Vec<crate::domain::Said>)>,
}

impl NoProfile {
    /// In both languages.
    pub fn said(&self) -> crate::domain::Said {
        let quoted = self
            .headers_seen
            .iter()
            .map(|h| format!("„{h}”"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut pl = String::from("żaden profil nie pasuje do tej tabeli");
        match self.header_line {
            Some(line) => pl.push_str(&format!("; nagłówki w wierszu {line}: {quoted}")),
            None => pl.push_str("; nie znaleziono wiersza nagłówków"),
        }
        for (name, missing) in &self.closest {
            pl.push_str(&format!(
                "; profilowi {name} brakuje: {}",
                missing
                    .iter()
                    .map(|m| m.pl.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        pl.push_str(". Dla takiego eksportu trzeba dodać profil w folderze profili");
        crate::domain::Said::new(pl, self.to_string())
    }
}

impl std::fmt::Display for NoProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no profile fits this table")?;
        match self.header_line {
            Some(line) => write!(
                f,
                "; headers seen at row {line}: {}",
                self.headers_seen
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?,
            None => write!(f, "; no header row found")?,
        }
        for (name, missing) in &self.closest {
            write!(
                f,
                "; profile {name} is missing: {}",
                missing
                    .iter()
                    .map(|m| m.en.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )?;
        }
        write!(f, ". Add a profile for this export to the profiles folder")
    }
}

struct Candidate<'p> {
    score: i64,
    rec: Recognised<'p>,
}

/// Finds the best-fitting profile of `kind` (any kind when `None`).
pub fn recognise<'p>(table: &Table, profiles: &'p [Profile]) -> Result<Recognised<'p>, NoProfile> {
    let limit = table.rows.len().min(HEADER_SEARCH_ROWS);
    let normalized: Vec<Vec<String>> = table.rows[..limit]
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| normalize_header(&c.text()))
                .collect()
        })
        .collect();
    let mut best: Option<Candidate<'p>> = None;
    // For the refusal message: the row and profile that came closest.
    let mut closest: HashMap<super::profile::ReportKind, Closest<'p>> = HashMap::new();

    for profile in profiles {
        if let Some(re) = &profile.detect_first_row {
            if let Some(c) = headerless(table, profile, re)
                && best.as_ref().is_none_or(|b| c.score > b.score)
            {
                best = Some(c);
            }
            continue;
        }
        let detect: Vec<String> = profile.detect.iter().map(|h| normalize_header(h)).collect();
        let exclude: Vec<String> = profile
            .exclude
            .iter()
            .map(|h| normalize_header(h))
            .collect();
        for (idx, headers) in normalized.iter().enumerate() {
            let non_empty = headers.iter().filter(|h| !h.is_empty()).count();
            if non_empty < 2 {
                continue;
            }
            if !detect.iter().all(|d| {
                headers.iter().any(|h| {
                    h == d
                        || super::profile::same_but_lost_letters(h, d)
                        || super::profile::header_like(h, d)
                })
            }) {
                continue;
            }
            if headers.iter().any(|h| exclude.contains(h)) {
                continue;
            }
            let columns = map_columns(headers, profile);
            let missing = missing_required(profile, &columns);
            if !missing.is_empty() {
                let mapped = columns.len();
                if closest
                    .get(&profile.kind)
                    .is_none_or(|(_, m, _, _)| mapped > *m)
                {
                    closest.insert(profile.kind, (idx, mapped, profile, missing));
                }
                continue;
            }
            let key_values_from = profile
                .key_values_from
                .as_ref()
                .and_then(|k| headers.iter().position(|h| *h == normalize_header(k)));
            let score = (detect.len() as i64) * 1000
                + i64::from(profile.priority) * 100
                + columns.len() as i64;
            let better = match &best {
                None => true,
                Some(b) => score > b.score,
            };
            if better {
                best = Some(Candidate {
                    score,
                    rec: Recognised {
                        profile,
                        header_row: Some(idx),
                        data_start: idx + 1,
                        columns,
                        key_values_from,
                        headers: table.rows[idx]
                            .cells
                            .iter()
                            .map(|c| c.text().trim().to_string())
                            .collect(),
                    },
                });
            }
            // The first fitting row is the header; later rows of the same profile are data.
            break;
        }
    }
    match best {
        Some(b) => Ok(b.rec),
        None => Err(no_profile(table, limit, closest.into_values().collect())),
    }
}

/// Profiles that came close, per report kind: (header row, columns mapped, the profile, the
/// required columns it lacked).
type Closest<'p> = (usize, usize, &'p Profile, Vec<crate::domain::Said>);

/// The refusal: the row that looks most like a header (the closest profile's, else the one with
/// the most text cells), and what each close profile lacked.
fn no_profile(table: &Table, limit: usize, mut closest: Vec<Closest<'_>>) -> NoProfile {
    closest.sort_by_key(|c| (std::cmp::Reverse(c.1), c.2.name.clone()));
    let header_idx = closest.first().map(|c| c.0).or_else(|| {
        table.rows[..limit]
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| {
                let texts = r
                    .cells
                    .iter()
                    .filter(|c| matches!(c, Cell::Text(t) if !t.trim().is_empty()))
                    .count();
                (texts, std::cmp::Reverse(*i))
            })
            .filter(|(_, r)| !r.is_blank())
            .map(|(i, _)| i)
    });
    NoProfile {
        header_line: header_idx.map(|i| table.rows[i].line),
        headers_seen: header_idx
            .map(|i| {
                table.rows[i]
                    .cells
                    .iter()
                    .map(|c| c.text().trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        closest: closest
            .into_iter()
            .map(|(_, _, p, missing)| (p.name.clone(), missing))
            .collect(),
    }
}

fn headerless<'p>(table: &Table, profile: &'p Profile, re: &str) -> Option<Candidate<'p>> {
    let re = regex::Regex::new(re).ok()?;
    let (idx, first) = table.rows.iter().enumerate().find(|(_, r)| !r.is_blank())?;
    let joined = first
        .cells
        .iter()
        .map(|c| c.text().trim().to_string())
        .collect::<Vec<_>>()
        .join(";");
    if !re.is_match(&joined) {
        return None;
    }
    let columns: Columns = profile.positions.iter().map(|(f, p)| (*f, p - 1)).collect();
    Some(Candidate {
        score: 500 + i64::from(profile.priority) * 100,
        rec: Recognised {
            profile,
            header_row: Some(idx),
            data_start: idx + 1,
            columns,
            key_values_from: None,
            headers: Vec::new(),
        },
    })
}

/// Maps each field to the first not yet used column whose header is one of its synonyms (exactly;
/// once a bracketed note like "(PLN)" is dropped from the header; then word by word with
/// abbreviations, as ERPs shorten headers: `Termin pł.`, `Dt. wyst.`, `Pozost. do zapł.`).
fn map_columns(headers: &[String], profile: &Profile) -> Columns {
    let mut used = vec![false; headers.len()];
    let mut out = Columns::default();
    for pass in 0..3 {
        for (field, synonyms) in &profile.columns {
            if out.contains_key(field) {
                continue;
            }
            // Synonyms in the profile's order: the first listed is preferred.
            'syn: for syn in synonyms {
                let syn = normalize_header(syn);
                for (i, h) in headers.iter().enumerate() {
                    if used[i] || h.is_empty() {
                        continue;
                    }
                    let hit = match pass {
                        0 => *h == syn || super::profile::same_but_lost_letters(h, &syn),
                        1 => strip_bracket_note(h) == syn,
                        _ => super::profile::header_like(strip_bracket_note(h), &syn),
                    };
                    if hit {
                        used[i] = true;
                        out.insert(*field, i);
                        break 'syn;
                    }
                }
            }
        }
    }
    out
}

fn missing_required(profile: &Profile, columns: &Columns) -> Vec<crate::domain::Said> {
    let mut missing = Vec::new();
    for req in &profile.required {
        let alts: Vec<&str> = req.split('|').map(str::trim).collect();
        let satisfied = alts.iter().any(|a| {
            columns.keys().any(|f| f.as_str() == *a)
                || profile.key_values.keys().any(|f| f.as_str() == *a)
        });
        if !satisfied {
            let described: Vec<crate::domain::Said> = alts
                .iter()
                .map(|a| {
                    let field = profile.columns.iter().find(|(f, _)| f.as_str() == *a);
                    let syn = field
                        .map(|(_, s)| s.iter().take(4).cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    let words = field
                        .map(|(f, _)| f.words())
                        .unwrap_or_else(|| crate::domain::Said::new(*a, *a));
                    crate::domain::Said::new(
                        format!("{} (kolumna taka jak {syn})", words.pl),
                        format!("{} (a column such as {syn})", words.en),
                    )
                })
                .collect();
            missing.push(crate::domain::Said::new(
                described
                    .iter()
                    .map(|d| d.pl.as_str())
                    .collect::<Vec<_>>()
                    .join(" albo "),
                described
                    .iter()
                    .map(|d| d.en.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            ));
        }
    }
    missing
}
