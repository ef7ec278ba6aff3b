//! The language of a mail: Polish (the default) or English. Chosen per client, per command (the
//! language it was written in) and for staff mail (`[templates] language`).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Pl,
    En,
}

impl Lang {
    /// The template folder and the code stored in the database: `pl` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    /// Reads a language as people and exports write it: `pl`, `PL-pl`, `polski`, `English`, `eng`…
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim().to_lowercase().as_str() {
            "pl" | "pol" | "polski" | "polish" | "pl-pl" => Some(Lang::Pl),
            "en" | "eng" | "angielski" | "english" | "en-gb" | "en-us" => Some(Lang::En),
            _ => None,
        }
    }

    /// A stored code back to a language; anything unknown is Polish (every stored code was
    /// validated when it was written).
    pub fn from_code(code: &str) -> Lang {
        Lang::parse(code).unwrap_or_default()
    }

    /// Picks the Polish or the English text.
    pub fn pick<T>(self, pl: T, en: T) -> T {
        match self {
            Lang::Pl => pl,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_as_written() {
        assert_eq!(Lang::parse("English"), Some(Lang::En));
        assert_eq!(Lang::parse(" PL-pl "), Some(Lang::Pl));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::from_code("xx"), Lang::Pl);
        assert_eq!(Lang::En.pick("tak", "yes"), "yes");
    }
}
