//! Unified social credit codes (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, Z, S, V): 1 registration
//! authority, 2 organization type, 3–8 division code, 9–17 organization code (GB 11714, with
//! its own check at 17), 18 check character by weights 3^i mod 31. Some early real codes fail
//! the checks; they are accepted only through an explicit legacy allow-list.

use std::fmt;

use crate::{Localize, Message};

const SYMBOLS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A valid unified social credit code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode([u8; 18]);

/// Exactly what is wrong with a text that should be a credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("the credit code is empty")]
    Empty,
    #[error("a unified social credit code has 18 characters, not {len}")]
    Length { len: usize },
    #[error("character {position} ({found:?}) is not allowed in a credit code (no I, O, Z, S, V)")]
    Symbol { position: usize, found: char },
    #[error("characters 3–8 must be a division code of digits")]
    Division,
    #[error(
        "the organization code in characters 9–17 ends in {found}, but its check calls for {expected}"
    )]
    OrgCheck { expected: char, found: char },
    #[error("the check character is {found}, but the code calls for {expected}")]
    Check { expected: char, found: char },
}

impl Localize for CreditCodeError {
    fn message(&self) -> Message {
        match self {
            CreditCodeError::Empty => Message::new("credit-code-empty"),
            CreditCodeError::Length { len } => Message::new("credit-code-length").arg("len", *len),
            CreditCodeError::Symbol { position, found } => Message::new("credit-code-symbol")
                .arg("position", *position)
                .arg("found", *found),
            CreditCodeError::Division => Message::new("credit-code-division"),
            CreditCodeError::OrgCheck { expected, found } => Message::new("credit-code-org-check")
                .arg("expected", *expected)
                .arg("found", *found),
            CreditCodeError::Check { expected, found } => Message::new("credit-code-check")
                .arg("expected", *expected)
                .arg("found", *found),
        }
    }
}

fn symbol_value(c: u8) -> Option<u32> {
    SYMBOLS.iter().position(|&s| s == c).map(|p| p as u32)
}

/// The GB 32100 check character over the first 17 characters.
pub fn check_character(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += symbol_value(*c)? * w;
    }
    Some(SYMBOLS[((31 - sum % 31) % 31) as usize])
}

/// The GB 11714 check character over the first 8 characters of an organization code.
pub fn org_check_character(first8: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first8.iter().zip(ORG_WEIGHTS) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    })
}

/// Codes that fail the checks but were really issued, accepted by name.
#[derive(Debug, Clone, Default)]
pub struct LegacyAllowList(Vec<String>);

impl LegacyAllowList {
    pub fn new(codes: impl IntoIterator<Item = String>) -> Self {
        LegacyAllowList(
            codes
                .into_iter()
                .map(|c| c.trim().to_ascii_uppercase())
                .collect(),
        )
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|c| c == code)
    }
}

impl CreditCode {
    /// Parses a code, refusing any that fails its checks.
    pub fn parse(s: &str) -> Result<CreditCode, CreditCodeError> {
        CreditCode::parse_with(s, &LegacyAllowList::default())
    }

    /// Parses a code, accepting an early code on the allow-list even if its checks fail.
    pub fn parse_with(s: &str, legacy: &LegacyAllowList) -> Result<CreditCode, CreditCodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        let len = s.chars().count();
        if len != 18 || s.len() != 18 {
            return Err(CreditCodeError::Length { len });
        }
        let mut raw = [0u8; 18];
        for (i, c) in s.chars().enumerate() {
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || symbol_value(upper as u8).is_none() {
                return Err(CreditCodeError::Symbol {
                    position: i + 1,
                    found: c,
                });
            }
            raw[i] = upper as u8;
        }
        if !raw[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::Division);
        }
        let text = std::str::from_utf8(&raw).unwrap_or_default();
        if legacy.contains(text) {
            return Ok(CreditCode(raw));
        }
        let org = org_check_character(&raw[8..16]).unwrap_or(b'?');
        if raw[16] != org {
            return Err(CreditCodeError::OrgCheck {
                expected: org as char,
                found: raw[16] as char,
            });
        }
        let check = check_character(&raw[..17]).unwrap_or(b'?');
        if raw[17] != check {
            return Err(CreditCodeError::Check {
                expected: check as char,
                found: raw[17] as char,
            });
        }
        Ok(CreditCode(raw))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The registration authority code (first character).
    pub fn authority(&self) -> char {
        self.0[0] as char
    }

    /// The organization type (first two characters), e.g. `91` enterprise, `11` organ.
    pub fn org_type(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The division code of registration (characters 3–8).
    pub fn division(&self) -> &str {
        &self.as_str()[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_standard_examples_are_valid() {
        for s in [
            "91110000600037341L",
            "121200004013590816",
            "91310115MA1K3BTP2B",
            "91340600MA2PBM9HXD",
            "11100000000013338W",
        ] {
            let code = CreditCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(code.as_str(), s);
        }
        let code = CreditCode::parse("91110000600037341l").expect("lower case is read as upper");
        assert_eq!(
            (code.authority(), code.org_type(), code.division()),
            ('9', "91", "110000")
        );
    }

    #[test]
    fn a_wrong_check_character_is_named() {
        assert_eq!(
            CreditCode::parse("91110000600037341N"),
            Err(CreditCodeError::Check {
                expected: 'L',
                found: 'N'
            })
        );
    }

    #[test]
    fn early_codes_that_fail_the_check_need_the_allow_list() {
        assert!(CreditCode::parse("91350100M0001TGQXM").is_err());
        let legacy = LegacyAllowList::new(["91350100M0001TGQXM".to_owned()]);
        assert!(CreditCode::parse_with("91350100M0001TGQXM", &legacy).is_ok());
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_error() {
        assert_eq!(CreditCode::parse(" "), Err(CreditCodeError::Empty));
        assert_eq!(
            CreditCode::parse("9111000060003734"),
            Err(CreditCodeError::Length { len: 16 })
        );
        assert_eq!(
            CreditCode::parse("9111000060003734IL"),
            Err(CreditCodeError::Symbol {
                position: 17,
                found: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("911A0000600037341L"),
            Err(CreditCodeError::Division)
        );
        assert!(matches!(
            CreditCode::parse("91110000600037351L"),
            Err(CreditCodeError::OrgCheck { .. })
        ));
    }

    fn valid_code() -> impl Strategy<Value = String> {
        let head = prop::sample::select(vec!["91", "92", "93", "11", "12", "51", "52", "53"]);
        let division = prop::sample::select(vec!["540102", "540602", "542521", "110000"]);
        let org = prop::collection::vec(
            prop::sample::select(b"0123456789ABCDEFGHJKLMNPQRTUWXY".to_vec()),
            8,
        );
        (head, division, org)
            .prop_map(|(h, d, org)| {
                let mut body = format!("{h}{d}").into_bytes();
                body.extend_from_slice(&org);
                body.push(org_check_character(&org).expect("valid org symbols"));
                let check = check_character(&body).expect("valid symbols");
                body.push(check);
                String::from_utf8(body).expect("ascii")
            })
            .prop_filter(
                "organization check character must itself be a code symbol",
                |s| CreditCode::parse(s).is_ok(),
            )
    }

    proptest! {
        #[test]
        fn generated_codes_round_trip(s in valid_code()) {
            let code = CreditCode::parse(&s).expect("valid");
            prop_assert_eq!(code.as_str(), s.as_str());
        }

        #[test]
        fn every_single_character_corruption_is_caught(s in valid_code(), pos in 0usize..18, c in prop::sample::select(SYMBOLS.to_vec())) {
            let mut bytes = s.clone().into_bytes();
            prop_assume!(bytes[pos] != c);
            bytes[pos] = c;
            let corrupted = String::from_utf8(bytes).expect("ascii");
            prop_assert!(CreditCode::parse(&corrupted).is_err(), "{} accepted", corrupted);
        }
    }
}
