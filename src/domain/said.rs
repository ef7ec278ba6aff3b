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

    /// What a reader's failure says to a person, in both languages. A reader of ours that
    /// refuses its input (a zip member past its cap, a damaged one) carries its own `Said`
    /// inside the `io::Error`, and that is returned as it is; an error from the system is named
    /// by its kind, so no English text from the OS ends up inside a Polish sentence.
    pub fn io(e: &std::io::Error) -> Said {
        use std::io::ErrorKind as K;
        if let Some(said) = e.get_ref().and_then(|inner| inner.downcast_ref::<Said>()) {
            return said.clone();
        }
        let (pl, en) = match e.kind() {
            K::NotFound => ("plik nie istnieje", "the file does not exist"),
            K::PermissionDenied => ("brak uprawnień do odczytu pliku", "permission denied"),
            K::UnexpectedEof => ("plik urywa się przed końcem", "the file ends early"),
            K::InvalidData => (
                "plik zawiera uszkodzone dane",
                "the file holds damaged data",
            ),
            K::OutOfMemory => ("zabrakło pamięci", "out of memory"),
            _ => ("błąd odczytu", "read error"),
        };
        match e.raw_os_error() {
            Some(code) => Said::new(
                format!("nie da się odczytać pliku: {pl} (kod systemowy {code})"),
                format!("cannot read the file: {en} (OS error {code})"),
            ),
            None => Said::new(
                format!("nie da się odczytać pliku: {pl}"),
                format!("cannot read the file: {en}"),
            ),
        }
    }

    /// The same refusal as an `io::Error`, for readers that must return one; [`Said::io`]
    /// takes it out again.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
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

impl std::error::Error for Said {}

/// `said!("plik jest pusty", "the file is empty")`, each side a `format!` string with the same
/// arguments in scope.
#[macro_export]
macro_rules! said {
    ($pl:literal, $en:literal $(,)?) => {
        $crate::domain::Said::new(format!($pl), format!($en))
    };
}
