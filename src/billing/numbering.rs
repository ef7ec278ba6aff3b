//! Invoice numbers of a series: a template such as `FV/{n}/{MM}/{YYYY}` and when its counter
//! starts again (each month, each year, never). The counter itself lives in the store and is
//! taken inside the transaction that writes the invoice, so a number is never skipped (a crash
//! rolls the counter back with the invoice) nor given twice.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// When the counter starts again at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reset {
    #[default]
    Monthly,
    Yearly,
    Never,
}

/// A numbering series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub template: String,
    pub reset: Reset,
}

impl Series {
    /// Checks the template: it must hold `{n}` (or `{n:W}` for W digits with leading zeros), and
    /// with a monthly reset `{MM}` and a year, with a yearly reset a year, so that two periods'
    /// numbers never look alike.
    pub fn new(template: &str, reset: Reset) -> Result<Series, String> {
        let has_n = template.contains("{n}") || regex_n().is_match(template);
        if !has_n {
            return Err(format!("{template:?} has no {{n}} for the number"));
        }
        let has_year = template.contains("{YYYY}") || template.contains("{YY}");
        let ok = match reset {
            Reset::Monthly => has_year && template.contains("{MM}"),
            Reset::Yearly => has_year,
            Reset::Never => true,
        };
        if !ok {
            return Err(format!(
                "{template:?} restarts {} but does not name {} in the number, so numbers would repeat",
                match reset {
                    Reset::Monthly => "every month",
                    _ => "every year",
                },
                match reset {
                    Reset::Monthly => "the month ({MM}) and the year ({YYYY})",
                    _ => "the year ({YYYY})",
                }
            ));
        }
        let rest = regex_n()
            .replace_all(template, "")
            .replace("{n}", "")
            .replace("{MM}", "")
            .replace("{YYYY}", "")
            .replace("{YY}", "");
        if rest.contains('{') || rest.contains('}') {
            return Err(format!(
                "{template:?} has a placeholder other than {{n}}, {{n:W}}, {{MM}}, {{YYYY}}, {{YY}}"
            ));
        }
        Ok(Series {
            template: template.to_string(),
            reset,
        })
    }

    /// The counter an invoice issued on `date` takes its number from.
    pub fn counter_key(&self, date: NaiveDate) -> String {
        match self.reset {
            Reset::Monthly => format!("{}:{:04}-{:02}", self.template, date.year(), date.month()),
            Reset::Yearly => format!("{}:{:04}", self.template, date.year()),
            Reset::Never => self.template.clone(),
        }
    }

    /// The number `n` of the counter for `date`.
    pub fn format(&self, n: u64, date: NaiveDate) -> String {
        let s = regex_n()
            .replace_all(&self.template, |c: &regex::Captures<'_>| {
                let w: usize = c[1].parse().unwrap_or(1);
                format!("{n:0w$}")
            })
            .into_owned();
        s.replace("{n}", &n.to_string())
            .replace("{MM}", &format!("{:02}", date.month()))
            .replace("{YYYY}", &format!("{:04}", date.year()))
            .replace("{YY}", &format!("{:02}", date.year() % 100))
    }
}

fn regex_n() -> &'static regex::Regex {
    static RE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\{n:(\d{1,2})\}").expect("static regex"));
    &RE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn numbers_follow_the_template() {
        let s = Series::new("FV/{n}/{MM}/{YYYY}", Reset::Monthly).unwrap();
        assert_eq!(s.format(7, d("2026-03-01")), "FV/7/03/2026");
        assert_eq!(
            s.counter_key(d("2026-03-31")),
            s.counter_key(d("2026-03-01"))
        );
        assert_ne!(
            s.counter_key(d("2026-04-01")),
            s.counter_key(d("2026-03-01"))
        );
        let y = Series::new("A{n:4}-{YY}", Reset::Yearly).unwrap();
        assert_eq!(y.format(42, d("2027-12-31")), "A0042-27");
        assert_eq!(
            y.counter_key(d("2027-01-01")),
            y.counter_key(d("2027-12-31"))
        );
    }

    #[test]
    fn templates_that_would_repeat_numbers_are_refused() {
        assert!(Series::new("FV/{MM}/{YYYY}", Reset::Monthly).is_err());
        assert!(Series::new("FV/{n}/{YYYY}", Reset::Monthly).is_err());
        assert!(Series::new("FV/{n}", Reset::Yearly).is_err());
        assert!(Series::new("FV/{n}/{DD}/{YYYY}", Reset::Never).is_err());
        assert!(Series::new("FV/{n}", Reset::Never).is_ok());
    }
}
