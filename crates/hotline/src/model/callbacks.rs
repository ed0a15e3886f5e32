//! Seats and call-backs: the languages an agent takes calls in, and the task of calling a
//! caller back (回访) after the department's reply.

use kernel::Lang;
use serde::Serialize;

/// How many times a caller is tried before the call-back ends as unreachable (and the ticket
/// closes unrated).
pub const ATTEMPTS: i64 = 3;

/// How a call-back ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The agent reached the caller and recorded the rating.
    Rated,
    /// The caller rated the reply themselves, on the portal.
    RatedOnline,
    /// Tried the set number of times without reaching the caller.
    Unreachable,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Rated => "rated",
            Outcome::RatedOnline => "rated-online",
            Outcome::Unreachable => "unreachable",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Rated, Outcome::RatedOnline, Outcome::Unreachable]
            .into_iter()
            .find(|o| o.key() == s)
    }
}

/// A call-back task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Callback {
    pub id: i64,
    pub ticket_id: i64,
    /// The ticket's number, for the agent's list.
    pub number: String,
    /// The caller's language.
    pub lang: Lang,
    /// The seat it was given to; `None` when no seat speaks the language.
    pub agent_id: Option<i64>,
    pub due: String,
    pub created_at: String,
    pub attempts: i64,
    pub done_at: Option<String>,
    pub outcome: Option<Outcome>,
}

/// An agent's seat: who, and the languages they take calls in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seat {
    pub account_id: i64,
    pub login: String,
    pub name_zh: String,
    pub name_bo: String,
    /// Empty until a manager sets them (the agent then takes calls in Chinese).
    pub languages: Vec<Lang>,
    /// Open call-backs given to this seat.
    pub open: i64,
}

/// Reads a space-separated list of language codes, each once, in the platform's order.
pub fn languages(s: &str) -> Option<Vec<Lang>> {
    let mut out = Vec::new();
    for code in s.split([' ', ',']).filter(|c| !c.is_empty()) {
        let lang = Lang::ALL.into_iter().find(|l| l.code() == code)?;
        if !out.contains(&lang) {
            out.push(lang);
        }
    }
    out.sort_by_key(|l| Lang::ALL.iter().position(|x| x == l));
    Some(out)
}

/// The stored form of a list of languages.
pub fn languages_text(langs: &[Lang]) -> String {
    langs.iter().map(|l| l.code()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_read_in_order_once_and_refuse_the_unknown() {
        assert_eq!(languages("bo zh bo"), Some(vec![Lang::Zh, Lang::Bo]));
        assert_eq!(languages(""), Some(vec![]));
        assert_eq!(languages("zh,en"), Some(vec![Lang::Zh, Lang::En]));
        assert_eq!(languages("zh fr"), None);
        assert_eq!(languages_text(&[Lang::Zh, Lang::Bo]), "zh bo");
        for o in [Outcome::Rated, Outcome::RatedOnline, Outcome::Unreachable] {
            assert_eq!(Outcome::parse(o.key()), Some(o));
        }
    }
}
