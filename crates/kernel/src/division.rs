//! Administrative division codes (GB/T 2260 six-digit codes; twelve-digit statistical codes
//! for townships and villages below a county).
//!
//! The region's own divisions ship as data (`data/divisions/540000.csv`), current and retired:
//! a retired code stays valid for identity numbers already issued under it (GB 11643-1999 §6.2).

use std::fmt;
use std::sync::OnceLock;

/// A division code, stored as twelve digits: county part (6), township (3), village (3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode(u64);

/// The level of a division.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The whole country (code 000000): where national holidays are kept.
    National,
    /// Province-level: for this platform, the autonomous region (自治区).
    Province,
    /// Prefecture-level city or prefecture (地市).
    Prefecture,
    /// County-level unit (县区).
    County,
    /// Township or town (乡镇), statistical code.
    Township,
    /// Village or neighbourhood committee (村居), statistical code.
    Village,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::National,
        Level::Province,
        Level::Prefecture,
        Level::County,
        Level::Township,
        Level::Village,
    ];

    /// The level named by its key (`county`…).
    pub fn parse(key: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.key() == key)
    }

    pub fn key(self) -> &'static str {
        match self {
            Level::National => "national",
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }
}

/// Why a text is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("a division code has 6 or 12 digits, not {0}")]
    Length(usize),
    #[error("a division code has only digits")]
    NotDigits,
    #[error("a statistical code below a county must sit under a county-level code")]
    Orphan,
}

impl crate::Localize for DivisionCodeError {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match self {
            DivisionCodeError::Length(len) => Message::new("division-code-length").arg("len", *len),
            DivisionCodeError::NotDigits => Message::new("division-code-digits"),
            DivisionCodeError::Orphan => Message::new("division-code-orphan"),
        }
    }
}

impl DivisionCode {
    /// The whole country: national rules (such as statutory holidays) hang here.
    pub const NATIONAL: DivisionCode = DivisionCode(0);

    /// Parses a six- or twelve-digit code.
    pub fn parse(s: &str) -> Result<DivisionCode, DivisionCodeError> {
        let s = s.trim();
        if s.len() != 6 && s.len() != 12 {
            return Err(DivisionCodeError::Length(s.chars().count()));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionCodeError::NotDigits);
        }
        let value: u64 = s.parse().map_err(|_| DivisionCodeError::NotDigits)?;
        let code = if s.len() == 6 {
            DivisionCode(value * 1_000_000)
        } else {
            DivisionCode(value)
        };
        if code.0 % 1_000_000 != 0 && code.county_part() % 100 == 0 {
            return Err(DivisionCodeError::Orphan);
        }
        Ok(code)
    }

    /// Builds a code from its six-digit county-level form (used for identity-number prefixes).
    pub fn from_six(six: u32) -> DivisionCode {
        DivisionCode(u64::from(six) * 1_000_000)
    }

    /// The six-digit GB/T 2260 part.
    pub fn county_part(self) -> u32 {
        u32::try_from(self.0 / 1_000_000).unwrap_or(0)
    }

    pub fn level(self) -> Level {
        let six = self.county_part();
        let below = self.0 % 1_000_000;
        if self.0 == 0 {
            Level::National
        } else if below != 0 {
            if below.is_multiple_of(1000) {
                Level::Township
            } else {
                Level::Village
            }
        } else if six.is_multiple_of(10_000) {
            Level::Province
        } else if six.is_multiple_of(100) {
            Level::Prefecture
        } else {
            Level::County
        }
    }

    /// The code one level up, by the code's structure.
    pub fn parent(self) -> Option<DivisionCode> {
        let six = u64::from(self.county_part());
        match self.level() {
            Level::National => None,
            Level::Province => Some(DivisionCode::NATIONAL),
            Level::Prefecture => Some(DivisionCode((six / 10_000 * 10_000) * 1_000_000)),
            Level::County => Some(DivisionCode((six / 100 * 100) * 1_000_000)),
            Level::Township => Some(DivisionCode(six * 1_000_000)),
            Level::Village => Some(DivisionCode(self.0 / 1000 * 1000)),
        }
    }

    /// This code and every code above it, from the nation down.
    pub fn lineage(self) -> Vec<DivisionCode> {
        let mut chain = vec![self];
        let mut current = self;
        while let Some(parent) = current.parent() {
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// The leading digits every code in this division's subtree shares (for prefix queries):
    /// `54` for the region, `5401` for Lhasa, `540102` for Chengguan, nine digits for a township.
    pub fn subtree_prefix(self) -> String {
        let text = format!("{:012}", self.0);
        let len = match self.level() {
            Level::National => 0,
            Level::Province => 2,
            Level::Prefecture => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        };
        text[..len].to_owned()
    }

    /// Whether `self` is `other` or lies below it.
    pub fn is_within(self, other: DivisionCode) -> bool {
        self.lineage().contains(&other)
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1_000_000) {
            write!(f, "{:06}", self.county_part())
        } else {
            write!(f, "{:012}", self.0)
        }
    }
}

impl serde::Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DivisionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DivisionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One row of the region's shipped division list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinDivision {
    pub code: DivisionCode,
    pub parent: Option<DivisionCode>,
    pub name_zh: &'static str,
    /// Empty where the Tibetan name is not known with certainty yet.
    pub name_bo: &'static str,
    pub name_en: &'static str,
    /// The last year the code was in use; `None` for a current code.
    pub retired_in: Option<i32>,
    /// The code that took over from a retired one.
    pub successor: Option<DivisionCode>,
}

/// The shipped list of the Tibet Autonomous Region's divisions (GB/T 2260), one source for
/// identity-number checks here and for the database migration.
pub const REGION_CSV: &str = include_str!("../../../data/divisions/540000.csv");

/// The region's divisions, current and retired, parsed once from [`REGION_CSV`].
pub fn builtin() -> &'static [BuiltinDivision] {
    static LIST: OnceLock<Vec<BuiltinDivision>> = OnceLock::new();
    LIST.get_or_init(|| parse_builtin(REGION_CSV))
}

fn parse_builtin(csv: &'static str) -> Vec<BuiltinDivision> {
    // The file is ours and checked by a test; a malformed row is skipped, never a panic.
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let f: Vec<&'static str> = line.split(',').collect();
            if f.len() != 7 {
                return None;
            }
            Some(BuiltinDivision {
                code: DivisionCode::parse(f[0]).ok()?,
                parent: DivisionCode::parse(f[1]).ok(),
                name_zh: f[2],
                name_bo: f[3],
                name_en: f[4],
                retired_in: f[5].parse().ok(),
                successor: DivisionCode::parse(f[6]).ok(),
            })
        })
        .collect()
}

/// Province-level codes of GB/T 2260 (including Taiwan, Hong Kong and Macao).
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// The region's province-level code.
const REGION: u32 = 54;

/// Whether a six-digit prefix of an identity number names a division known now or in history.
///
/// Inside the region the prefecture must be one of the region's, current or retired (the
/// county parts under retired prefectures were renumbered wholesale and are accepted as a
/// block); elsewhere the province must exist — the national list can be imported later.
pub fn is_known_id_prefix(six: u32) -> bool {
    let province = six / 10_000;
    if !PROVINCES.contains(&province) || six.is_multiple_of(10_000) {
        return false;
    }
    if province != REGION {
        return true;
    }
    let prefecture = six / 100 * 100;
    region_prefectures().binary_search(&prefecture).is_ok()
}

fn region_prefectures() -> &'static [u32] {
    static LIST: OnceLock<Vec<u32>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut v: Vec<u32> = builtin()
            .iter()
            .filter(|d| d.code.level() == Level::Prefecture)
            .map(|d| d.code.county_part())
            .collect();
        v.sort_unstable();
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("valid code")
    }

    #[test]
    fn levels_and_parents_follow_the_code_structure() {
        assert_eq!(code("540000").level(), Level::Province);
        assert_eq!(code("540100").level(), Level::Prefecture);
        assert_eq!(code("540102").level(), Level::County);
        assert_eq!(code("540102001000").level(), Level::Township);
        assert_eq!(code("540102001002").level(), Level::Village);
        assert_eq!(code("540102001002").parent(), Some(code("540102001000")));
        assert_eq!(code("540102001000").parent(), Some(code("540102")));
        assert_eq!(code("540102").parent(), Some(code("540100")));
        assert_eq!(code("540100").parent(), Some(code("540000")));
        assert_eq!(
            code("540102").lineage(),
            vec![
                DivisionCode::NATIONAL,
                code("540000"),
                code("540100"),
                code("540102")
            ]
        );
        assert_eq!(code("540102001000").to_string(), "540102001000");
        assert_eq!(code("540102").to_string(), "540102");
        assert_eq!(code("540000").subtree_prefix(), "54");
        assert_eq!(code("540100").subtree_prefix(), "5401");
        assert_eq!(code("540102001000").subtree_prefix(), "540102001");
    }

    #[test]
    fn malformed_codes_are_refused() {
        assert_eq!(
            DivisionCode::parse("5401"),
            Err(DivisionCodeError::Length(4))
        );
        assert_eq!(
            DivisionCode::parse("54010a"),
            Err(DivisionCodeError::NotDigits)
        );
        assert_eq!(
            DivisionCode::parse("540100001000"),
            Err(DivisionCodeError::Orphan)
        );
    }

    #[test]
    fn the_region_ships_7_prefectures_and_74_counties_plus_retired_codes() {
        let current = |level| {
            builtin()
                .iter()
                .filter(|d| d.code.level() == level && d.retired_in.is_none())
                .count()
        };
        assert_eq!(current(Level::Province), 1);
        assert_eq!(current(Level::Prefecture), 7);
        assert_eq!(current(Level::County), 74);
        let retired: Vec<String> = builtin()
            .iter()
            .filter(|d| d.retired_in.is_some())
            .map(|d| d.code.to_string())
            .collect();
        for old in [
            "542100", "542300", "542600", "542200", "542400", "540125", "540126", "540422",
            "540530",
        ] {
            assert!(retired.contains(&old.to_owned()), "{old} kept as history");
        }
        assert_eq!(
            REGION_CSV.lines().filter(|l| !l.trim().is_empty()).count() - 1,
            builtin().len()
        );
        for d in builtin() {
            if let Some(parent) = d.parent {
                assert!(
                    builtin().iter().any(|p| p.code == parent),
                    "{} has its parent",
                    d.code
                );
            }
        }
    }

    #[test]
    fn identity_prefixes_accept_history_and_refuse_the_unknown() {
        assert!(is_known_id_prefix(540102));
        assert!(is_known_id_prefix(542321)); // under 日喀则地区, retired 2014
        assert!(is_known_id_prefix(110102));
        assert!(!is_known_id_prefix(549901));
        assert!(!is_known_id_prefix(990101));
        assert!(!is_known_id_prefix(540000));
    }
}
