//! The holidays the law fixes, for a year whose arrangement the State Council has not yet
//! announced (全国年节及纪念日放假办法, as revised by State Council order 795, in force
//! 2025-01-01): New Year's Day (1 January), the Spring Festival (the lunar New Year's Eve and
//! the first three days of the first lunar month), Qingming (the day of the Qingming solar
//! term), Labour Day (1–2 May), the Dragon Boat Festival (5th day of the 5th lunar month),
//! the Mid-Autumn Festival (15th day of the 8th lunar month) and National Day (1–3 October).
//! A holiday that falls on a Saturday or Sunday is made up on the next working day.
//!
//! The lunar dates and the solar term are computed (astronomically, by `tyme4rs`), never typed.
//! What the law does not fix — bridge days and the make-up working days that pay for them —
//! is left out, so a provisional year has fewer days off than the announced one will: a due
//! date reckoned on it can only move later once the arrangement is loaded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use time::{Date, Month, Weekday};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::SolarTerm;

use super::{CalendarDay, CalendarYear, DayKind};
use crate::division::DivisionCode;

/// The years the computation is trusted for (the revised regulation's holidays are applied to
/// every year; the lunar computation is exact far beyond this range).
pub const YEARS: std::ops::RangeInclusive<i32> = 1949..=2199;

/// The statutory days off of `year` computed from the law, as a provisional national year;
/// `None` outside [`YEARS`].
/// Each year is computed once per process and kept (a few hundred bytes, at most
/// [`YEARS`]' length of them).
pub fn provisional_year(year: i32) -> Option<&'static CalendarYear> {
    if !YEARS.contains(&year) {
        return None;
    }
    static CACHE: OnceLock<Mutex<BTreeMap<i32, &'static CalendarYear>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(y) = cache.get(&year) {
        return Some(*y);
    }
    let computed: &'static CalendarYear = Box::leak(Box::new(compute(year)?));
    cache.insert(year, computed);
    Some(computed)
}

/// One holiday of the law: its names and its days.
struct Holiday {
    name: [&'static str; 3],
    days: Vec<Date>,
}

fn lunar(year: i32, month: isize, day: usize) -> Option<Date> {
    let solar = LunarDay::new(year as isize, month, day)
        .ok()?
        .get_solar_day();
    solar_date(
        solar.get_year() as i32,
        solar.get_month() as u8,
        solar.get_day() as u8,
    )
}

fn solar_date(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// The civil date (China Standard Time) of the Qingming solar term in `year`.
pub fn qingming(year: i32) -> Option<Date> {
    let day = SolarTerm::new(year as isize, "清明").ok()?.get_solar_day();
    solar_date(
        day.get_year() as i32,
        day.get_month() as u8,
        day.get_day() as u8,
    )
}

/// The first day of the first lunar month that falls in Gregorian `year`.
pub fn lunar_new_year(year: i32) -> Option<Date> {
    lunar(year, 1, 1)
}

fn holidays(year: i32) -> Option<Vec<Holiday>> {
    let new_year = lunar_new_year(year)?;
    let eve = new_year.previous_day()?;
    let spring = vec![
        eve,
        new_year,
        new_year.next_day()?,
        new_year.next_day()?.next_day()?,
    ];
    Some(vec![
        Holiday {
            name: ["元旦", "ཕྱི་ལོའི་ལོ་གསར།", "New Year's Day"],
            days: vec![solar_date(year, 1, 1)?],
        },
        Holiday {
            name: ["春节", "རྒྱ་ལོ་གསར་པ།", "Spring Festival"],
            days: spring,
        },
        Holiday {
            name: ["清明节", "ཆིང་མིང་དུས་ཆེན།", "Qingming Festival"],
            days: vec![qingming(year)?],
        },
        Holiday {
            name: ["劳动节", "ལས་ཀའི་དུས་ཆེན།", "Labour Day"],
            days: vec![solar_date(year, 5, 1)?, solar_date(year, 5, 2)?],
        },
        Holiday {
            name: ["端午节", "ཏོན་ཝུའུ་དུས་ཆེན།", "Dragon Boat Festival"],
            days: vec![lunar(year, 5, 5)?],
        },
        Holiday {
            name: ["中秋节", "ཟླ་བ་བརྒྱད་པའི་བཅོ་ལྔའི་དུས་ཆེན།", "Mid-Autumn Festival"],
            days: vec![lunar(year, 8, 15)?],
        },
        Holiday {
            name: ["国庆节", "རྒྱལ་ཁབ་དུས་ཆེན།", "National Day"],
            days: vec![
                solar_date(year, 10, 1)?,
                solar_date(year, 10, 2)?,
                solar_date(year, 10, 3)?,
            ],
        },
    ])
}

fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn compute(year: i32) -> Option<CalendarYear> {
    let holidays = holidays(year)?;
    let statutory: BTreeSet<Date> = holidays.iter().flat_map(|h| h.days.clone()).collect();
    let mut taken = statutory.clone();
    let mut days = Vec::new();
    for h in &holidays {
        for &d in &h.days {
            // The Spring Festival's eve can fall in the previous Gregorian year's last days
            // only in theory (never between 1949 and 2199), but keep the year's own days.
            if d.year() != year {
                continue;
            }
            days.push(day(d, h.name, ""));
        }
        // Each statutory day on a weekend is made up on the next day that is neither a
        // weekend nor already off (补休).
        for _ in h.days.iter().filter(|d| weekend(**d)) {
            let mut next = *h.days.last()?;
            loop {
                next = next.next_day()?;
                if !weekend(next) && !taken.contains(&next) {
                    break;
                }
            }
            taken.insert(next);
            if next.year() == year {
                days.push(day(next, h.name, "make-up"));
            }
        }
    }
    days.sort_by_key(|d| d.date);
    Some(CalendarYear {
        division: DivisionCode::NATIONAL,
        year,
        complete: false,
        provisional: true,
        note: String::new(),
        note_bo: String::new(),
        note_en: String::new(),
        source: "全国年节及纪念日放假办法（国务院令第795号修订）".to_owned(),
        days,
    })
}

fn day(date: Date, name: [&'static str; 3], kind: &str) -> CalendarDay {
    let (zh, bo, en) = if kind == "make-up" {
        (
            format!("{}（补休）", name[0]),
            format!("{} (ཚབ་གསེང་།)", name[1]),
            format!("{} (day in lieu)", name[2]),
        )
    } else {
        (name[0].to_owned(), name[1].to_owned(), name[2].to_owned())
    };
    CalendarDay {
        date,
        kind: DayKind::Off,
        name: zh,
        name_bo: bo,
        name_en: en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn off(year: i32) -> Vec<Date> {
        provisional_year(year)
            .expect("computed")
            .days
            .iter()
            .map(|d| d.date)
            .collect()
    }

    #[test]
    fn the_lunar_festivals_and_qingming_match_the_announced_years() {
        // FACTS: 2025 Spring Festival 1/29, Dragon Boat 5/31, Mid-Autumn 10/6, Qingming 4/4;
        // 2026 Spring Festival 2/17, Qingming 4/5, Dragon Boat 6/19, Mid-Autumn 9/25.
        assert_eq!(lunar_new_year(2025), Some(date!(2025 - 01 - 29)));
        assert_eq!(lunar(2025, 5, 5), Some(date!(2025 - 05 - 31)));
        assert_eq!(lunar(2025, 8, 15), Some(date!(2025 - 10 - 06)));
        assert_eq!(qingming(2025), Some(date!(2025 - 04 - 04)));
        assert_eq!(lunar_new_year(2026), Some(date!(2026 - 02 - 17)));
        assert_eq!(qingming(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(lunar(2026, 5, 5), Some(date!(2026 - 06 - 19)));
        assert_eq!(lunar(2026, 8, 15), Some(date!(2026 - 09 - 25)));
        // Years ahead, as published almanacs give them.
        assert_eq!(lunar_new_year(2027), Some(date!(2027 - 02 - 06)));
        assert_eq!(qingming(2027), Some(date!(2027 - 04 - 05)));
        assert_eq!(lunar(2027, 5, 5), Some(date!(2027 - 06 - 09)));
        assert_eq!(lunar(2027, 8, 15), Some(date!(2027 - 09 - 15)));
        assert_eq!(lunar_new_year(2028), Some(date!(2028 - 01 - 26)));
        assert_eq!(qingming(2028), Some(date!(2028 - 04 - 04)));
        assert_eq!(lunar_new_year(2033), Some(date!(2033 - 01 - 31)));
    }

    #[test]
    fn the_statutory_days_of_2027_with_their_days_in_lieu() {
        let days = off(2027);
        // 13 statutory days; those on a weekend are made up.
        // New Year's Day 1/1 is a Friday.
        assert!(days.contains(&date!(2027 - 01 - 01)));
        // Spring Festival: eve 2/5 (Fri), 2/6 (Sat), 2/7 (Sun), 2/8 (Mon); in lieu 2/9, 2/10.
        for d in [
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 06),
            date!(2027 - 02 - 07),
            date!(2027 - 02 - 08),
            date!(2027 - 02 - 09),
            date!(2027 - 02 - 10),
        ] {
            assert!(days.contains(&d), "{d} should be off");
        }
        assert!(!days.contains(&date!(2027 - 02 - 11)));
        // Labour Day 5/1 (Sat), 5/2 (Sun): in lieu 5/3 and 5/4.
        assert!(days.contains(&date!(2027 - 05 - 03)));
        assert!(days.contains(&date!(2027 - 05 - 04)));
        // National Day 10/1 (Fri), 10/2 (Sat), 10/3 (Sun): in lieu 10/4, 10/5.
        assert!(days.contains(&date!(2027 - 10 - 05)));
        assert!(!days.contains(&date!(2027 - 10 - 06)));
        let year = provisional_year(2027).expect("computed");
        assert!(year.provisional && !year.complete);
        assert!(year.days.iter().all(|d| d.kind == DayKind::Off));
    }

    #[test]
    fn every_year_has_thirteen_statutory_days() {
        for year in 2025..=2060 {
            let y = provisional_year(year).expect("computed");
            let statutory = y.days.iter().filter(|d| !d.name.contains("补休")).count();
            assert_eq!(statutory, 13, "{year}");
        }
        assert!(provisional_year(1900).is_none());
    }
}
