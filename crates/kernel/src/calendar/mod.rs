//! The working-day calendar: statutory deadlines count working days, not calendar days.
//!
//! A day is a working day unless it is a weekend or a holiday, and a weekend day can be an
//! adjusted workday (调休). National rules hang on division 000000; the region, a prefecture
//! or a county adds its own (Tibetan New Year, the Shoton festival), and for any date the most
//! specific division that says something about it wins. Holidays are data, loaded per year
//! from files like `data/calendar/2026-000000.toml`. A year whose national arrangement is not
//! loaded yet (the State Council announces it late in the year before) is reckoned on a
//! provisional calendar computed from what the law fixes ([`statutory`]: weekends and the
//! statutory holidays, the lunar ones computed), and every answer that used it says so; a
//! year the law cannot be applied to is an error, never a weekends-only guess. A year whose
//! regional data is known to be incomplete (Shoton dates not yet announced, or Losar not yet
//! loaded) gives an answer with a warning.

use std::collections::{BTreeMap, BTreeSet};

use time::{Date, Duration, Weekday};

use crate::division::DivisionCode;
use crate::{Localize, Message};

mod file;
pub mod statutory;
pub mod tibetan;
pub use file::{BUILTIN_FILES, builtin_years, parse_file};

/// A count of working days (a statutory or promised time limit).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct WorkingDays(pub u16);

/// What a calendar entry makes of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DayKind {
    /// A day off (法定节假日 or a regional holiday).
    Off,
    /// A weekend day that is worked (调休上班).
    Workday,
}

/// One year of one division's holiday arrangements, as loaded from a calendar file.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarYear {
    pub division: DivisionCode,
    pub year: i32,
    /// False while some of the year's arrangements are still to be announced.
    pub complete: bool,
    /// True for a national year computed from the law because none is loaded.
    pub provisional: bool,
    /// What is missing or special (shown to people with any warning), in Chinese.
    pub note: String,
    /// The note in Tibetan, empty if the file gave none.
    pub note_bo: String,
    /// The note in English, empty if the file gave none.
    pub note_en: String,
    /// Where the arrangement comes from (the notice that set it).
    pub source: String,
    pub days: Vec<CalendarDay>,
}

/// One day of an arrangement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: DayKind,
    /// The holiday's name in Chinese; for an adjusted workday, the holiday it makes up for.
    pub name: String,
    /// The name in Tibetan, empty if the file gave none.
    pub name_bo: String,
    /// The name in English, empty if the file gave none.
    pub name_en: String,
}

/// A warning that travels with an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarWarning {
    pub division: DivisionCode,
    pub year: i32,
    /// The year's national arrangement is not announced: the answer used the days the law
    /// fixes and may move later once it is loaded.
    pub provisional: bool,
    /// What is missing, in zh, bo and en (any may be empty).
    pub note: [String; 3],
}

impl Localize for CalendarWarning {
    fn message(&self) -> Message {
        if self.provisional {
            return Message::new("calendar-provisional").arg("year", self.year);
        }
        let note = if self.note.iter().all(String::is_empty) {
            crate::i18n::Arg::from("none")
        } else {
            crate::i18n::Arg::PerLang(Box::new(self.note.clone()))
        };
        Message::new("calendar-incomplete")
            .arg("year", self.year)
            .arg("division", self.division.to_string())
            .arg("note", note)
    }
}

/// Why the calendar cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("no holiday data is loaded for {year}; load that year's calendar first")]
    YearNotLoaded { year: i32 },
    #[error("the span is too long to count")]
    TooLong,
}

impl Localize for CalendarError {
    fn message(&self) -> Message {
        match self {
            CalendarError::YearNotLoaded { year } => {
                Message::new("calendar-year-missing").arg("year", *year)
            }
            CalendarError::TooLong => Message::new("calendar-too-long"),
        }
    }
}

/// An answer and the warnings a person must see with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    pub warnings: Vec<CalendarWarning>,
}

impl<T> Reckoned<T> {
    /// Whether the answer rests on a provisional (computed, not announced) national year.
    pub fn provisional(&self) -> bool {
        self.warnings.iter().any(|w| w.provisional)
    }
}

/// The working-day calendar of every loaded year and division.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<(DivisionCode, i32), CalendarYear>,
    index: BTreeMap<(DivisionCode, Date), (DayKind, String)>,
    /// Divisions that keep holidays of their own in at least one year: for them a missing year
    /// is incomplete, not silently national.
    regional: BTreeSet<DivisionCode>,
}

impl Calendar {
    pub fn new(years: impl IntoIterator<Item = CalendarYear>) -> Calendar {
        let mut calendar = Calendar::default();
        for year in years {
            calendar.insert(year);
        }
        calendar
    }

    /// Adds or replaces one division's year.
    pub fn insert(&mut self, year: CalendarYear) {
        if let Some(old) = self.years.remove(&(year.division, year.year)) {
            for day in &old.days {
                self.index.remove(&(old.division, day.date));
            }
        }
        for day in &year.days {
            self.index
                .insert((year.division, day.date), (day.kind, day.name.clone()));
        }
        if year.division != DivisionCode::NATIONAL {
            self.regional.insert(year.division);
        }
        self.years.insert((year.division, year.year), year);
    }

    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    fn check_year(
        &self,
        year: i32,
        division: DivisionCode,
        warnings: &mut Vec<CalendarWarning>,
    ) -> Result<(), CalendarError> {
        if !self.years.contains_key(&(DivisionCode::NATIONAL, year)) {
            if statutory::provisional_year(year).is_none() {
                return Err(CalendarError::YearNotLoaded { year });
            }
            let w = CalendarWarning {
                division: DivisionCode::NATIONAL,
                year,
                provisional: true,
                note: Default::default(),
            };
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        for level in division.lineage() {
            let warning = match self.years.get(&(level, year)) {
                Some(y) if !y.complete && !y.provisional => {
                    Some([y.note.clone(), y.note_bo.clone(), y.note_en.clone()])
                }
                Some(_) => None,
                None if self.regional.contains(&level) => Some(Default::default()),
                None => None,
            };
            if let Some(note) = warning {
                let w = CalendarWarning {
                    division: level,
                    year,
                    provisional: false,
                    note,
                };
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        Ok(())
    }

    /// Whether `date` is a working day in `division`, with the rule that decided it.
    pub fn day(
        &self,
        date: Date,
        division: DivisionCode,
    ) -> Result<Reckoned<DayInfo>, CalendarError> {
        let mut warnings = Vec::new();
        self.check_year(date.year(), division, &mut warnings)?;
        Ok(Reckoned {
            value: self.day_unchecked(date, &division.lineage()),
            warnings,
        })
    }

    fn day_unchecked(&self, date: Date, lineage: &[DivisionCode]) -> DayInfo {
        let rule = lineage.iter().rev().find_map(|d| {
            if let Some((kind, name)) = self.index.get(&(*d, date)) {
                return Some((*d, *kind, name.as_str()));
            }
            if *d != DivisionCode::NATIONAL
                || self
                    .years
                    .contains_key(&(DivisionCode::NATIONAL, date.year()))
            {
                return None;
            }
            let year = statutory::provisional_year(date.year())?;
            let i = year.days.binary_search_by_key(&date, |d| d.date).ok()?;
            Some((*d, year.days[i].kind, year.days[i].name.as_str()))
        });
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        match rule {
            Some((by, kind, name)) => DayInfo {
                date,
                working: kind == DayKind::Workday,
                reason: Some(name.to_owned()),
                by: Some(by),
            },
            None => DayInfo {
                date,
                working: !weekend,
                reason: None,
                by: None,
            },
        }
    }

    /// The date on which a time limit of `n` working days ends, counting from the day after
    /// `start` (the day of acceptance is day zero).
    pub fn add_working_days(
        &self,
        start: Date,
        n: WorkingDays,
        division: DivisionCode,
    ) -> Result<Reckoned<Date>, CalendarError> {
        let lineage = division.lineage();
        let mut warnings = Vec::new();
        let mut date = start;
        let mut left = n.0;
        self.check_year(date.year(), division, &mut warnings)?;
        while left > 0 {
            date = date.next_day().ok_or(CalendarError::TooLong)?;
            if date.ordinal() == 1 {
                self.check_year(date.year(), division, &mut warnings)?;
            }
            if self.day_unchecked(date, &lineage).working {
                left -= 1;
            }
        }
        Ok(Reckoned {
            value: date,
            warnings,
        })
    }

    /// The number of working days after `a` up to and including `b` (zero when `b <= a`).
    pub fn working_days_between(
        &self,
        a: Date,
        b: Date,
        division: DivisionCode,
    ) -> Result<Reckoned<u32>, CalendarError> {
        let lineage = division.lineage();
        let mut warnings = Vec::new();
        if b <= a {
            return Ok(Reckoned { value: 0, warnings });
        }
        if (b - a) > Duration::days(366 * 20) {
            return Err(CalendarError::TooLong);
        }
        for year in a.year()..=b.year() {
            self.check_year(year, division, &mut warnings)?;
        }
        let mut count = 0;
        let mut date = a;
        while date < b {
            date = date.next_day().ok_or(CalendarError::TooLong)?;
            if self.day_unchecked(date, &lineage).working {
                count += 1;
            }
        }
        Ok(Reckoned {
            value: count,
            warnings,
        })
    }
}

/// What the calendar says of one date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayInfo {
    pub date: Date,
    pub working: bool,
    /// The holiday or adjusted workday that decided it; `None` for an ordinary day.
    pub reason: Option<String>,
    /// The division whose rule decided it.
    pub by: Option<DivisionCode>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn calendar() -> Calendar {
        Calendar::new(builtin_years().expect("shipped calendar files parse"))
    }

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("code")
    }

    fn add(start: Date, n: u16, division: &str) -> Date {
        calendar()
            .add_working_days(start, WorkingDays(n), code(division))
            .expect("loaded")
            .value
    }

    #[test]
    fn a_case_accepted_before_national_day_is_due_after_the_holiday() {
        // 2026-09-30 (Wed) + 1: 10/1–10/7 are off, 10/8 (Thu) is the first working day.
        assert_eq!(
            add(date!(2026 - 09 - 30), 1, "110102"),
            date!(2026 - 10 - 08)
        );
        // 10/10 (Sat) is an adjusted workday.
        assert_eq!(
            add(date!(2026 - 10 - 08), 2, "110102"),
            date!(2026 - 10 - 10)
        );
    }

    #[test]
    fn lhasa_rests_through_tibetan_new_year_while_beijing_works() {
        // National Spring Festival 2026: 2/15–2/23 off; Lhasa: 2/15–2/26 off; both work 2/28 (Sat).
        assert_eq!(
            add(date!(2026 - 02 - 13), 1, "110102"),
            date!(2026 - 02 - 14)
        );
        assert_eq!(
            add(date!(2026 - 02 - 14), 1, "110102"),
            date!(2026 - 02 - 24)
        );
        assert_eq!(
            add(date!(2026 - 02 - 14), 1, "540102"),
            date!(2026 - 02 - 27)
        );
        assert_eq!(
            add(date!(2026 - 02 - 27), 1, "540102"),
            date!(2026 - 02 - 28)
        );
    }

    #[test]
    fn losar_2025_is_off_in_the_region_only() {
        // 2025-02-27 (Thu) to 3/4 off in Tibet, no make-up days.
        assert_eq!(
            add(date!(2025 - 02 - 26), 1, "540602"),
            date!(2025 - 03 - 05)
        );
        assert_eq!(
            add(date!(2025 - 02 - 26), 1, "360426"),
            date!(2025 - 02 - 27)
        );
    }

    #[test]
    fn counting_between_dates_skips_weekends_and_holidays() {
        let cal = calendar();
        let n = cal
            .working_days_between(date!(2026 - 09 - 30), date!(2026 - 10 - 10), code("110102"))
            .expect("loaded");
        assert_eq!(n.value, 3); // 10/8, 10/9, 10/10
        assert_eq!(
            cal.working_days_between(date!(2026 - 01 - 05), date!(2026 - 01 - 05), code("110102"))
                .expect("loaded")
                .value,
            0
        );
    }

    #[test]
    fn a_year_without_an_announced_arrangement_is_reckoned_provisionally() {
        let cal = calendar();
        // 2026-12-05 (Sat) + 20 working days in Lhasa: December has 19 from 12/7, then
        // 1/1 (Fri, New Year's Day) is off and 1/4 (Mon) is day 20.
        let r = cal
            .add_working_days(date!(2026 - 12 - 05), WorkingDays(20), code("540102"))
            .expect("provisional");
        assert_eq!(r.value, date!(2027 - 01 - 04));
        assert!(r.provisional());
        // The national part is provisional; the region's own part (Losar, Shoton) unknown.
        assert!(r.warnings.iter().any(|w| w.provisional && w.year == 2027));
        assert!(
            r.warnings
                .iter()
                .any(|w| !w.provisional && w.year == 2027 && w.division == code("540000"))
        );
        // The Spring Festival of 2027 (2/5–2/10 with the days in lieu) is off everywhere.
        let r = cal
            .add_working_days(date!(2027 - 02 - 04), WorkingDays(1), code("110102"))
            .expect("provisional");
        assert_eq!(r.value, date!(2027 - 02 - 11));
        // Within a loaded year nothing is provisional.
        let r = cal
            .add_working_days(date!(2026 - 11 - 02), WorkingDays(5), code("110102"))
            .expect("loaded");
        assert!(!r.provisional());
    }

    #[test]
    fn a_year_the_law_cannot_reckon_is_an_error_not_a_guess() {
        let cal = calendar();
        assert_eq!(
            cal.add_working_days(date!(2300 - 03 - 01), WorkingDays(1), code("540102")),
            Err(CalendarError::YearNotLoaded { year: 2300 })
        );
    }

    #[test]
    fn the_warnings_speak_the_readers_language() {
        let catalog = crate::i18n::Catalog::new(&[crate::i18n::FTL]).expect("catalog");
        let w = CalendarWarning {
            division: code("540000"),
            year: 2026,
            provisional: false,
            note: [
                "雪顿节放假日期尚未载入".to_owned(),
                "ཞོ་སྟོན།".to_owned(),
                "Shoton not loaded".to_owned(),
            ],
        };
        let en = catalog.tell(crate::Lang::En, &w);
        assert!(en.contains("Shoton not loaded"), "{en}");
        assert!(!en.contains('雪'), "{en}");
        let bo = catalog.tell(crate::Lang::Bo, &w);
        assert!(!bo.contains('雪'), "{bo}");
        let p = CalendarWarning {
            provisional: true,
            note: Default::default(),
            ..w
        };
        assert!(catalog.tell(crate::Lang::En, &p).contains("provisional"));
    }

    #[test]
    fn the_regions_missing_shoton_dates_come_as_a_warning() {
        let cal = calendar();
        let r = cal
            .add_working_days(date!(2026 - 07 - 01), WorkingDays(3), code("540102"))
            .expect("loaded");
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].division, code("540000"));
        let r = cal
            .add_working_days(date!(2026 - 07 - 01), WorkingDays(3), code("110102"))
            .expect("loaded");
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn a_loaded_year_replaces_the_old_one() {
        let mut cal = calendar();
        let mut year = builtin_years()
            .expect("parse")
            .into_iter()
            .find(|y| y.year == 2026 && y.division == DivisionCode::NATIONAL)
            .expect("2026");
        year.days
            .retain(|d| d.name != "国庆节" && d.name != "中秋节");
        cal.insert(year);
        assert_eq!(
            cal.add_working_days(date!(2026 - 09 - 30), WorkingDays(1), code("110102"))
                .expect("loaded")
                .value,
            date!(2026 - 10 - 01)
        );
    }
}
