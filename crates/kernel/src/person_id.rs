//! Resident identity numbers (公民身份号码), GB 11643-1999.
//!
//! 18 characters: 1–6 division code (GB/T 2260, current or retired), 7–14 birth date
//! YYYYMMDD, 15–17 sequence (17th odd = male, even = female), 18 check character by
//! ISO 7064 MOD 11-2. The 15-digit numbers of the 1984 scheme are refused with their own
//! message: they must be upgraded at a public-security office before use.

use std::fmt;

use time::Date;

use crate::division::{DivisionCode, is_known_id_prefix};
use crate::{Localize, Message};

/// A valid 18-character resident identity number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId([u8; 18]);

/// The gender encoded in the 17th character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// Exactly what is wrong with a text that should be an identity number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonIdError {
    #[error("the identity number is empty")]
    Empty,
    #[error("this is a 15-digit identity number of the old scheme; use the 18-digit number")]
    Legacy15,
    #[error("an identity number has 18 characters, not {len}")]
    Length { len: usize },
    #[error("character {position} must be a digit{x}, found {found:?}", x = if *.position == 18 { " or X" } else { "" })]
    Character { position: usize, found: char },
    #[error("the division code {code} in characters 1–6 is not known")]
    UnknownDivision { code: String },
    #[error("the birth date {date} in characters 7–14 is not a real date")]
    BirthDate { date: String },
    #[error("the birth date {date} is in the future")]
    BirthInFuture { date: String },
    #[error("the birth date {date} is before 1890")]
    BirthTooEarly { date: String },
    #[error("the check character is {found}, but the number's digits call for {expected}")]
    Check { expected: char, found: char },
}

impl Localize for PersonIdError {
    fn message(&self) -> Message {
        match self {
            PersonIdError::Empty => Message::new("person-id-empty"),
            PersonIdError::Legacy15 => Message::new("person-id-legacy15"),
            PersonIdError::Length { len } => Message::new("person-id-length").arg("len", *len),
            PersonIdError::Character { position, found } => if *position == 18 {
                Message::new("person-id-check-character")
            } else {
                Message::new("person-id-character")
            }
            .arg("position", *position)
            .arg("found", *found),
            PersonIdError::UnknownDivision { code } => {
                Message::new("person-id-division").arg("code", code.as_str())
            }
            PersonIdError::BirthDate { date } => {
                Message::new("person-id-birth-date").arg("date", date.as_str())
            }
            PersonIdError::BirthInFuture { date } => {
                Message::new("person-id-birth-future").arg("date", date.as_str())
            }
            PersonIdError::BirthTooEarly { date } => {
                Message::new("person-id-birth-early").arg("date", date.as_str())
            }
            PersonIdError::Check { expected, found } => Message::new("person-id-check")
                .arg("expected", *expected)
                .arg("found", *found),
        }
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character over the first 17 digits (ASCII).
pub fn check_character(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn digits(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn yyyymmdd(d: Date) -> u32 {
    let year = u32::try_from(d.year()).unwrap_or(0);
    year * 10_000 + u32::from(u8::from(d.month())) * 100 + u32::from(d.day())
}

impl PersonId {
    /// Parses a number, taking today (China Standard Time) as the latest possible birth date.
    pub fn parse(s: &str) -> Result<PersonId, PersonIdError> {
        PersonId::parse_on(s, crate::time_util::Clock::system().today())
    }

    /// Parses a number as it would have been judged on `today`.
    pub fn parse_on(s: &str, today: Date) -> Result<PersonId, PersonIdError> {
        let s = s.trim();
        let bytes = s.as_bytes();
        if bytes.is_empty() {
            return Err(PersonIdError::Empty);
        }
        if bytes.len() != 18 {
            let len = s.chars().count();
            if len == 15 && s.chars().all(|c| c.is_ascii_digit()) {
                return Err(PersonIdError::Legacy15);
            }
            if len != 18 {
                return Err(PersonIdError::Length { len });
            }
        }
        let mut raw = [0u8; 18];
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && (c == 'X' || c == 'x'));
            if !ok {
                return Err(PersonIdError::Character {
                    position: i + 1,
                    found: c,
                });
            }
            raw[i] = c.to_ascii_uppercase() as u8;
        }
        let division = digits(&raw[0..6]);
        if !is_known_id_prefix(division) {
            return Err(PersonIdError::UnknownDivision {
                code: s[0..6].to_owned(),
            });
        }
        let (year, month, day) = (
            digits(&raw[6..10]),
            digits(&raw[10..12]),
            digits(&raw[12..14]),
        );
        let date_text = || format!("{year:04}-{month:02}-{day:02}");
        if day == 0 || day > days_in_month(year, month) {
            return Err(PersonIdError::BirthDate { date: date_text() });
        }
        let birth = year * 10_000 + month * 100 + day;
        if birth > yyyymmdd(today) {
            return Err(PersonIdError::BirthInFuture { date: date_text() });
        }
        if year < 1890 {
            return Err(PersonIdError::BirthTooEarly { date: date_text() });
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&raw[..17]);
        let expected = check_character(&first17);
        if raw[17] != expected {
            return Err(PersonIdError::Check {
                expected: expected as char,
                found: raw[17] as char,
            });
        }
        Ok(PersonId(raw))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The division of registration at the time the number was issued.
    pub fn division(&self) -> DivisionCode {
        DivisionCode::from_six(digits(&self.0[0..6]))
    }

    pub fn birth_date(&self) -> Date {
        let month =
            time::Month::try_from(digits(&self.0[10..12]) as u8).unwrap_or(time::Month::January);
        Date::from_calendar_date(
            digits(&self.0[6..10]) as i32,
            month,
            digits(&self.0[12..14]) as u8,
        )
        .unwrap_or(Date::MIN)
    }

    pub fn gender(&self) -> Gender {
        if (self.0[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The number with the birth date and sequence hidden, for display to those who may not
    /// see it whole: `5401**********0071` keeps the place and the last four.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}{}{}", &s[..4], "*".repeat(10), &s[14..])
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PersonId {
    // Logs must not carry whole identity numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonId({})", self.masked())
    }
}

impl std::str::FromStr for PersonId {
    type Err = PersonIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PersonId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 27);

    fn parse(s: &str) -> Result<PersonId, PersonIdError> {
        PersonId::parse_on(s, TODAY)
    }

    #[test]
    fn the_standard_examples_are_valid() {
        for s in [
            "360426199101010071",
            "44011320141005001X",
            "110102199101010078",
            "34052419800101001X",
        ] {
            let id = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(id.as_str(), s);
        }
        assert_eq!(
            parse("44011320141005001x").map(|id| id.to_string()),
            Ok("44011320141005001X".into())
        );
    }

    #[test]
    fn a_wrong_check_character_is_named() {
        assert_eq!(
            parse("36042619910102009X"),
            Err(PersonIdError::Check {
                expected: '3',
                found: 'X'
            })
        );
    }

    #[test]
    fn gender_birth_date_and_division_are_read_from_the_number() {
        let id = parse("360426199101010071").expect("valid");
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.birth_date(), date!(1991 - 01 - 01));
        assert_eq!(id.division().to_string(), "360426");
        let first17 = *b"54010219800101002";
        let female = format!("54010219800101002{}", check_character(&first17) as char);
        assert_eq!(parse(&female).expect("valid").gender(), Gender::Female);
        assert_eq!(id.masked(), "3604**********0071");
        assert_eq!(format!("{id:?}"), "PersonId(3604**********0071)");
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_error() {
        assert_eq!(parse(""), Err(PersonIdError::Empty));
        assert_eq!(parse("360426910101007"), Err(PersonIdError::Legacy15));
        assert_eq!(
            parse("3604261991010100"),
            Err(PersonIdError::Length { len: 16 })
        );
        assert_eq!(
            parse("36042619910101A071"),
            Err(PersonIdError::Character {
                position: 15,
                found: 'A'
            })
        );
        assert_eq!(
            parse("990426199101010071"),
            Err(PersonIdError::UnknownDivision {
                code: "990426".into()
            })
        );
        assert!(matches!(
            parse("360426199102300071"),
            Err(PersonIdError::BirthDate { .. })
        ));
        assert!(matches!(
            parse("360426202712010071"),
            Err(PersonIdError::BirthInFuture { .. })
        ));
        assert!(matches!(
            parse("360426185001010071"),
            Err(PersonIdError::BirthTooEarly { .. })
        ));
    }

    #[test]
    fn numbers_issued_under_retired_region_codes_stay_valid() {
        let first17 = *b"54232119800101001";
        let mut s = String::from_utf8(first17.to_vec()).expect("ascii");
        s.push(check_character(&first17) as char);
        assert!(parse(&s).is_ok(), "{s}");
    }

    fn valid_id() -> impl Strategy<Value = String> {
        let prefixes = prop::sample::select(vec![
            540102u32, 540602, 542521, 542321, 110102, 360426, 440113,
        ]);
        (prefixes, 1900i32..2026, 1u8..=12, 1u8..=28, 0u32..1000).prop_map(|(p, y, m, d, seq)| {
            let body = format!("{p:06}{y:04}{m:02}{d:02}{seq:03}");
            let mut first17 = [0u8; 17];
            first17.copy_from_slice(body.as_bytes());
            format!("{body}{}", check_character(&first17) as char)
        })
    }

    proptest! {
        #[test]
        fn generated_numbers_round_trip(s in valid_id()) {
            let id = parse(&s).expect("generated number is valid");
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(parse(&id.to_string()), Ok(id));
        }

        #[test]
        fn every_single_character_corruption_is_caught(s in valid_id(), pos in 0usize..18, c in prop::sample::select(b"0123456789X".to_vec())) {
            let mut bytes = s.clone().into_bytes();
            prop_assume!(bytes[pos] != c);
            bytes[pos] = c;
            let corrupted = String::from_utf8(bytes).expect("ascii");
            prop_assert!(parse(&corrupted).is_err(), "{} accepted", corrupted);
        }
    }
}
