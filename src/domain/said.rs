//! A message said to a person in both languages, written where it arises (as the mail commands
//! keep their Polish and English texts side by side): a parser's refusal or warning reaches a
//! Polish staff member in Polish and an English one in English. Logs and the CLI use English.

use super::Lang;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Said {
    pub pl: String,
    pub en: String,
}

impl Said {
    pub fn new(pl: impl Into<String>, en: impl Into<String>) -> Said {
        Said {
            pl: pl.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Pl => &self.pl,
            Lang::En => &self.en,
        }
    }

    /// Both texts with the same prefix, e.g. a location ("wiersz 5: " / "row 5: ").
    pub fn prefixed(&self, pl: &str, en: &str) -> Said {
        Said::new(format!("{pl}{}", self.pl), format!("{en}{}", self.en))
    }

    /// Both texts with the same ending.
    pub fn suffixed(&self, pl: &str, en: &str) -> Said {
        Said::new(format!("{}{pl}", self.pl), format!("{}{en}", self.en))
    }

    /// Whether the English text contains `s` (for tests and logs).
    pub fn contains(&self, s: &str) -> bool {
        self.en.contains(s)
    }

    /// Whether the English text starts with `s` (for tests and logs).
    pub fn starts_with(&self, s: &str) -> bool {
        self.en.starts_with(s)
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// `said!("plik jest pusty", "the file is empty")`, each side a `format!` string with the same
/// arguments in scope.
#[macro_export]
macro_rules! said {
    ($pl:literal, $en:literal $(,)?) => {
        $crate::domain::Said::new(format!($pl), format!($en))
    };
}
