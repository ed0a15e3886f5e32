//! The Tibetan calendar of the Phugpa (ཕུག་ལུགས) tradition, which the region's Losar and Shoton
//! follow, by the arithmetic Svante Janson published ("Tibetan Calendar Mathematics", 2007;
//! 2nd ed. 2014): months are lunar and numbered by the solar month they fall in, so a month
//! number sometimes comes twice (the first is the leap month); a lunar date ends at its "true
//! date", so a date is sometimes skipped and sometimes holds two civil days (the first is the
//! leap day).
//!
//! Everything is exact integer arithmetic on one common denominator, so a conversion is a few
//! dozen integer operations (no floating point, no rounding drift).
//!
//! - The true month count `n` of month `m` of year `y`: with `s = 12(y − 806) + m − 3` and
//!   `q = 67 s + 61`, `n = ⌊q / 65⌋`, plus one unless `q mod 65 < 48`; when `q mod 65` is 48 or
//!   49 the month is preceded by a leap month of the same number, whose count is `⌊q / 65⌋`.
//! - The true date of lunar day `d` of month `n`: the mean date `n·167025/5656 + d·11135/11312
//!   + 2015501 + 4783/5656`, plus the moon's equation and minus the sun's, each in sixtieths of a
//!   day, interpolated from their tables at `28 × anomaly` (`n·253/3528 + d/28 + 475/3528`) and
//!   `12 × (mean sun − 1/4)` (`n·65/804 + d·13/4824 + 743/804`). The civil day whose Julian day
//!   number is `⌊true date⌋` carries lunar day `d`.
//! - Back: the month count `n` gives `a = 65 n + 123`, `x = ⌈a / 67⌉`, month `1 + (x − 1) mod 12`,
//!   year `⌈x / 12⌉ − 1 + 806`, and a leap month when `a mod 67` is 1 or 2.

use time::Date;

/// The years this calendar converts (Gregorian years of the dates).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// The common denominator of every true date: lcm(11312, 60·126, 60·402).
const D: i64 = 102_317_040;
/// The mean date's terms over 11312.
const MD1: i64 = 334_050;
const MD2: i64 = 11_135;
const MD0: i64 = 2_015_501 * 11_312 + 9_566;
const MOON_TAB: [i64; 8] = [0, 5, 10, 15, 19, 22, 24, 25];
const SUN_TAB: [i64; 4] = [0, 6, 10, 11];

/// A date in the Tibetan calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct TibetanDate {
    /// The year, numbered as the Gregorian year in which most of it falls (Losar 2026 begins
    /// year 2026; the Tibetan royal year is 127 more).
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// The first of two months with the same number.
    pub leap_month: bool,
    /// 1 to 30.
    pub day: u8,
    /// The first of two civil days with the same lunar date.
    pub leap_day: bool,
}

/// Why a date cannot be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TibetanDateError {
    #[error("only dates from 1900 to 2100 are converted")]
    OutOfRange,
    #[error("month {0} or day {1} does not exist")]
    NoSuchDate(u8, u8),
    #[error("year {0} has no leap month {1}")]
    NoLeapMonth(i32, u8),
    #[error("this lunar date is skipped in that month")]
    Skipped,
    #[error("this lunar date falls on one day only")]
    NoLeapDay,
}

impl crate::Localize for TibetanDateError {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match *self {
            TibetanDateError::OutOfRange => Message::new("tibetan-date-range")
                .arg("from", *YEARS.start())
                .arg("to", *YEARS.end()),
            TibetanDateError::NoSuchDate(m, d) => Message::new("tibetan-date-none")
                .arg("month", u32::from(m))
                .arg("day", u32::from(d)),
            TibetanDateError::NoLeapMonth(y, m) => Message::new("tibetan-date-no-leap-month")
                .arg("year", y)
                .arg("month", u32::from(m)),
            TibetanDateError::Skipped => Message::new("tibetan-date-skipped"),
            TibetanDateError::NoLeapDay => Message::new("tibetan-date-no-leap-day"),
        }
    }
}

/// An equation's value at `k` from a quarter-period table, the rest of the period by
/// symmetry: rising, falling, then the same negative (period four times the table's last
/// index: 28 for the moon, 12 for the sun).
fn equation(table: &[i64], k: i64) -> i64 {
    let q = table.len() - 1;
    let k = k.rem_euclid(4 * q as i64) as usize;
    match k / q {
        0 => table[k],
        1 => table[2 * q - k],
        2 => -table[k - 2 * q],
        _ => -table[4 * q - k],
    }
}

fn moon_equation(k: i64) -> i64 {
    equation(&MOON_TAB, k)
}

fn sun_equation(k: i64) -> i64 {
    equation(&SUN_TAB, k)
}

/// The true date of lunar day `d` of true month `n`, times [`D`].
fn true_date(n: i64, d: i64) -> i64 {
    let mean = (n * MD1 + d * MD2 + MD0) * (D / 11_312);
    // The moon's equation at 28 × anomaly = (253 n + 126 d + 475) / 126, interpolated.
    let a = 253 * n + 126 * d + 475;
    let (ai, af) = (a.div_euclid(126), a.rem_euclid(126));
    let moon = moon_equation(ai) * 126 + (moon_equation(ai + 1) - moon_equation(ai)) * af;
    // The sun's equation at 12 × (mean sun − 1/4) = (390 n + 13 d + 3252) / 402.
    let s = 390 * n + 13 * d + 3_252;
    let (si, sf) = (s.div_euclid(402), s.rem_euclid(402));
    let sun = sun_equation(si) * 402 + (sun_equation(si + 1) - sun_equation(si)) * sf;
    // Equations are in sixtieths of a day: moon / (60·126), sun / (60·402).
    mean + moon * (D / (60 * 126)) - sun * (D / (60 * 402))
}

/// The Julian day number of the civil day on which lunar day `d` of month `n` ends.
fn day_number(n: i64, d: i64) -> i64 {
    true_date(n, d).div_euclid(D)
}

/// The true month count of month `month` of `year`: the regular month's, and whether a leap
/// month (whose count is one less) comes before it.
fn month_count(year: i32, month: u8) -> (i64, bool) {
    let s = 12 * (i64::from(year) - 806) + i64::from(month) - 3;
    let q = 67 * s + 61;
    let ix = q.rem_euclid(65);
    let base = q.div_euclid(65);
    (base + i64::from(ix >= 48), ix == 48 || ix == 49)
}

/// The year, month and whether it is a leap month, of true month count `n`.
fn month_of(n: i64) -> (i32, u8, bool) {
    let a = 65 * n + 123;
    let x = (a + 66).div_euclid(67);
    let month = 1 + (x - 1).rem_euclid(12) as u8;
    let year = ((x + 11).div_euclid(12) - 1 + 806) as i32;
    let r = a.rem_euclid(67);
    (year, month, r == 1 || r == 2)
}

fn previous(n: i64, d: i64) -> (i64, i64) {
    if d == 1 { (n - 1, 30) } else { (n, d - 1) }
}

fn in_range(date: Date) -> bool {
    YEARS.contains(&date.year())
}

/// The true month count of a month (its leap month when asked), or why there is none.
fn count_of(year: i32, month: u8, leap_month: bool) -> Result<i64, TibetanDateError> {
    let (regular, has_leap) = month_count(year, month);
    match (leap_month, has_leap) {
        (true, false) => Err(TibetanDateError::NoLeapMonth(year, month)),
        (true, true) => Ok(regular - 1),
        (false, _) => Ok(regular),
    }
}

/// The civil day of a Julian day number, within the years converted.
fn civil(jdn: i64) -> Result<Date, TibetanDateError> {
    i32::try_from(jdn)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
        .filter(|d| in_range(*d))
        .ok_or(TibetanDateError::OutOfRange)
}

impl TibetanDate {
    /// The Tibetan date of a civil day.
    pub fn from_gregorian(date: Date) -> Result<TibetanDate, TibetanDateError> {
        if !in_range(date) {
            return Err(TibetanDateError::OutOfRange);
        }
        let jdn = i64::from(date.to_julian_day());
        // A first guess from the mean motion, a little early, then forward to the first lunar
        // day that ends on or after this civil day.
        let offset = jdn * 11_312 - MD0;
        let mut n = offset.div_euclid(MD1);
        let mut d = (offset - n * MD1).div_euclid(MD2);
        for _ in 0..2 {
            (n, d) = if d <= 1 { (n - 1, 30) } else { (n, d - 1) };
        }
        loop {
            let ends = day_number(n, d);
            if ends >= jdn {
                let (year, month, leap_month) = month_of(n);
                return Ok(TibetanDate {
                    year,
                    month,
                    leap_month,
                    day: d as u8,
                    leap_day: ends == jdn + 1,
                });
            }
            (n, d) = if d == 30 { (n + 1, 1) } else { (n, d + 1) };
        }
    }

    /// The civil day of this Tibetan date.
    pub fn to_gregorian(&self) -> Result<Date, TibetanDateError> {
        if !(1..=12).contains(&self.month) || !(1..=30).contains(&self.day) {
            return Err(TibetanDateError::NoSuchDate(self.month, self.day));
        }
        let n = count_of(self.year, self.month, self.leap_month)?;
        let d = i64::from(self.day);
        let ends = day_number(n, d);
        let (pn, pd) = previous(n, d);
        let before = day_number(pn, pd);
        if ends == before {
            return Err(TibetanDateError::Skipped);
        }
        let doubled = ends == before + 2;
        if self.leap_day && !doubled {
            return Err(TibetanDateError::NoLeapDay);
        }
        civil(if self.leap_day { ends - 1 } else { ends })
    }

    /// The first civil day of a month (the first of a doubled day 1, day 2 when 1 is skipped).
    pub fn month_start(year: i32, month: u8, leap_month: bool) -> Result<Date, TibetanDateError> {
        // The day after the previous month's last day ends.
        civil(day_number(count_of(year, month, leap_month)? - 1, 30) + 1)
    }

    /// The last civil day of a month.
    pub fn month_end(year: i32, month: u8, leap_month: bool) -> Result<Date, TibetanDateError> {
        civil(day_number(count_of(year, month, leap_month)?, 30))
    }

    /// Whether `year` has a leap month numbered `month`.
    pub fn has_leap_month(year: i32, month: u8) -> bool {
        month_count(year, month).1
    }

    /// Losar: the first day of the year's first month (its leap month, when it has one).
    pub fn losar(year: i32) -> Result<Date, TibetanDateError> {
        TibetanDate::month_start(year, 1, TibetanDate::has_leap_month(year, 1))
    }

    /// The 60-year cycle (rabjung, རབ་བྱུང་) the year is in, from the first in 1027, and the
    /// year's place in it (1 to 60).
    pub fn rabjung(year: i32) -> (i32, i32) {
        let since = year - 1027;
        (since.div_euclid(60) + 1, since.rem_euclid(60) + 1)
    }

    /// The year's element (0 wood, 1 fire, 2 earth, 3 iron, 4 water), animal (0 mouse, 1 ox,
    /// 2 tiger, 3 rabbit, 4 dragon, 5 snake, 6 horse, 7 sheep, 8 monkey, 9 bird, 10 dog, 11 pig)
    /// and whether it is a male (even) year.
    pub fn element_animal(year: i32) -> (u8, u8, bool) {
        let k = (year - 4).rem_euclid(60);
        ((k % 10 / 2) as u8, (k % 12) as u8, k % 2 == 0)
    }
}

/// How the region arranges its Tibetan-calendar holidays, for proposing a year: Losar's days
/// off start `losar_from` days from Losar (−1: on its eve) and last `losar_days`; the Shoton
/// festival's start on the last day of the sixth month and last `shoton_days`. The defaults
/// follow the region's recent notices (2025: the eve of Losar and five days after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Arrangement {
    pub losar_from: i8,
    pub losar_days: u8,
    pub shoton_days: u8,
}

impl Default for Arrangement {
    fn default() -> Self {
        Arrangement {
            losar_from: -1,
            losar_days: 6,
            shoton_days: 3,
        }
    }
}

/// The longest holiday an arrangement may give.
pub const MAX_HOLIDAY_DAYS: u8 = 15;

/// A proposed calendar file (the format of `data/calendar/`) for `division` and `year`: Losar
/// and the Shoton festival computed from the Tibetan calendar by `arrangement`, marked
/// incomplete until an administrator has checked it against the year's notice and loaded it.
/// Days worked in exchange, and the national holidays, are the announcement's to add.
pub fn propose(
    division: &str,
    year: i32,
    arrangement: &Arrangement,
) -> Result<String, TibetanDateError> {
    let days = |n: u8| i64::from(n.clamp(1, MAX_HOLIDAY_DAYS)) - 1;
    let losar = TibetanDate::losar(year)? + time::Duration::days(i64::from(arrangement.losar_from));
    let losar_to = losar + time::Duration::days(days(arrangement.losar_days));
    let shoton = TibetanDate::month_end(year, 6, false)?;
    let shoton_to = shoton + time::Duration::days(days(arrangement.shoton_days));
    let (cycle, in_cycle) = TibetanDate::rabjung(year);
    Ok(format!(
        "# Proposed from the Tibetan calendar (Phugpa): Losar {losar_day}, the last day of the\n\
         # sixth month {shoton}; rabjung {cycle}, year {in_cycle}. Check it against the year's notice\n\
         # (days worked in exchange, a holiday joined with the Spring Festival) before loading it.\n\
         division = \"{division}\"\n\
         year = {year}\n\
         complete = false\n\
         note = \"按藏历推算的建议，尚待核对当年通知\"\n\
         note_bo = \"བོད་རྩིས་ལྟར་རྩིས་པའི་གྲོས་འཆར། ལོ་དེའི་བརྡ་ཐོ་དང་བསྡུར་རྒྱུ་ལྷག་ཡོད།\"\n\
         note_en = \"proposed from the Tibetan calendar; still to be checked against the year's notice\"\n\
         source = \"proposed by Yiwang from the Tibetan calendar\"\n\
         \n\
         [[holidays]]\n\
         name = \"藏历新年\"\n\
         name_bo = \"ལོ་གསར།\"\n\
         name_en = \"Tibetan New Year (Losar)\"\n\
         from = \"{losar}\"\n\
         to = \"{losar_to}\"\n\
         \n\
         [[holidays]]\n\
         name = \"雪顿节\"\n\
         name_bo = \"ཞོ་སྟོན།\"\n\
         name_en = \"Shoton festival\"\n\
         from = \"{shoton}\"\n\
         to = \"{shoton_to}\"\n",
        losar_day = TibetanDate::losar(year)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn losar_falls_where_it_fell() {
        for (year, day) in [
            (2019, date!(2019 - 02 - 05)),
            (2020, date!(2020 - 02 - 24)),
            (2021, date!(2021 - 02 - 12)),
            (2022, date!(2022 - 03 - 03)),
            (2023, date!(2023 - 02 - 21)),
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 02 - 28)),
            (2026, date!(2026 - 02 - 18)),
        ] {
            assert_eq!(TibetanDate::losar(year), Ok(day), "Losar {year}");
            let t = TibetanDate::from_gregorian(day).expect("in range");
            assert_eq!((t.year, t.month, t.day), (year, 1, 1), "{day}");
            let eve =
                TibetanDate::from_gregorian(day.previous_day().expect("a day")).expect("in range");
            assert_eq!((eve.year, eve.month), (year - 1, 12), "{day}");
        }
    }

    #[test]
    fn every_day_converts_there_and_back() {
        let mut day = date!(1900 - 03 - 01);
        let end = date!(2100 - 12 - 31);
        let (mut skipped, mut doubled, mut leap_months) = (0, 0, 0);
        let mut last: Option<TibetanDate> = None;
        while day <= end {
            let t = TibetanDate::from_gregorian(day).expect("in range");
            assert_eq!(t.to_gregorian(), Ok(day), "{day}: {t:?}");
            if let Some(prev) = last {
                // Dates move on by one, or two over a skipped date, or stay over a doubled one.
                if prev.leap_day {
                    assert_eq!((prev.day, prev.month), (t.day, t.month), "{day}");
                    doubled += 1;
                } else {
                    let next = prev.day % 30 + 1;
                    if t.day != next {
                        assert_eq!(t.day, next % 30 + 1, "{day}: {prev:?} → {t:?}");
                        skipped += 1;
                    }
                }
                if t.leap_month && !prev.leap_month {
                    leap_months += 1;
                }
            }
            last = Some(t);
            day = day.next_day().expect("a day");
        }
        // About one date in sixty-four is skipped and one in sixty-four doubled; a leap month
        // about every 32.5 months.
        let months = 201 * 12;
        assert!(
            (months / 36..=months / 30).contains(&leap_months),
            "{leap_months}"
        );
        assert!(skipped > 1000 && doubled > 1000, "{skipped} {doubled}");
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(
            TibetanDate::from_gregorian(date!(1899 - 12 - 31)),
            Err(TibetanDateError::OutOfRange)
        );
        let bad = TibetanDate {
            year: 2026,
            month: 13,
            leap_month: false,
            day: 1,
            leap_day: false,
        };
        assert_eq!(bad.to_gregorian(), Err(TibetanDateError::NoSuchDate(13, 1)));
        let year = (2000..2100)
            .find(|y| !TibetanDate::has_leap_month(*y, 5))
            .expect("a year");
        let no_leap = TibetanDate {
            year,
            month: 5,
            leap_month: true,
            day: 1,
            leap_day: false,
        };
        assert_eq!(
            no_leap.to_gregorian(),
            Err(TibetanDateError::NoLeapMonth(year, 5))
        );
    }

    #[test]
    fn cycles_elements_and_animals() {
        // 2026 is the fire-horse year, the 40th of the 17th rabjung.
        assert_eq!(TibetanDate::rabjung(2026), (17, 40));
        assert_eq!(TibetanDate::element_animal(2026), (1, 6, true));
        // 2024 wood dragon; 1027 fire rabbit began the first rabjung.
        assert_eq!(TibetanDate::element_animal(2024), (0, 4, true));
        assert_eq!(TibetanDate::rabjung(1027), (1, 1));
        assert_eq!(TibetanDate::element_animal(1027), (1, 3, false));
    }

    #[test]
    fn saga_dawa_duchen_is_the_fifteenth_of_the_fourth_month() {
        for (year, day) in [(2023, date!(2023 - 06 - 04)), (2025, date!(2025 - 06 - 11))] {
            let t = TibetanDate {
                year,
                month: 4,
                leap_month: false,
                day: 15,
                leap_day: false,
            };
            assert_eq!(t.to_gregorian(), Ok(day), "{year}");
        }
    }

    #[test]
    fn a_year_is_proposed_as_a_calendar_file() {
        let text = propose("540000", 2025, &Arrangement::default()).expect("in range");
        let year = crate::calendar::parse_file("proposed.toml", &text).expect("a valid file");
        assert!(!year.complete);
        // 2025: the eve of Losar (2/27) to 3/4, as the region announced.
        assert!(
            text.contains("from = \"2025-02-27\"\nto = \"2025-03-04\""),
            "{text}"
        );
        assert!(text.contains("雪顿节"));
        assert_eq!(
            propose("540000", 2200, &Arrangement::default()),
            Err(TibetanDateError::OutOfRange)
        );
    }
}
