//! The platform's clock: dates are civil dates in China Standard Time (UTC+8), the zone every
//! legal deadline in the region is counted in.

use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time, UTC+8, without daylight saving.
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The platform's clock. Everything that reckons with dates (deadlines, validity, sweeps)
/// reads today from the clock it was given, never from the machine: a test or a demonstration
/// sets its own today (`yiwang demo --today`, never `serve`), and each clock is its own — two
/// platforms in one process (two tests) can live on different days.
///
/// A set date keeps the real time of day, so that instants and dates agree:
/// `clock.now().to_offset(CST).date() == clock.today()`.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: std::sync::Arc<std::sync::RwLock<Option<Fixed>>>,
}

/// What a set clock holds: a day (the real time of day runs on), or a standing instant.
#[derive(Debug, Clone, Copy)]
enum Fixed {
    Day(Date),
    Instant(OffsetDateTime),
    /// Runs on from `at`, which the real clock read as `real`.
    From {
        at: OffsetDateTime,
        real: OffsetDateTime,
    },
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that takes `date` as today.
    pub fn on(date: Date) -> Clock {
        let clock = Clock::default();
        clock.set_today(date);
        clock
    }

    /// Takes `date` as today from now on, for this clock and every clone of it.
    pub fn set_today(&self, date: Date) {
        self.set(Fixed::Day(date));
    }

    /// Stops the clock at `at`, for this clock and every clone of it: a test of what
    /// depends on the time of day (opening hours, appointment slots, waiting times) sets the
    /// instant and moves it on itself.
    pub fn set_now(&self, at: OffsetDateTime) {
        self.set(Fixed::Instant(at));
    }

    /// Sets the clock to `at` and lets it run on from there, for this clock and every clone
    /// of it: a demonstration of what depends on the time of day (`yiwang demo --today
    /// 2026-06-10T10:00`).
    pub fn start_at(&self, at: OffsetDateTime) {
        self.set(Fixed::From {
            at,
            real: OffsetDateTime::now_utc(),
        });
    }

    fn set(&self, fixed: Fixed) {
        *self
            .fixed
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fixed);
    }

    /// The date set, if one is.
    pub fn fixed(&self) -> Option<Date> {
        self.fixed_as_set().map(|f| match f {
            Fixed::Day(d) => d,
            Fixed::Instant(at) => at.to_offset(CST).date(),
            Fixed::From { at, real } => (at + (OffsetDateTime::now_utc() - real))
                .to_offset(CST)
                .date(),
        })
    }

    fn fixed_as_set(&self) -> Option<Fixed> {
        *self
            .fixed
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Today's date in China Standard Time.
    pub fn today(&self) -> Date {
        self.now().to_offset(CST).date()
    }

    /// The current instant: the real one, or today's set date at the real time of day.
    pub fn now(&self) -> OffsetDateTime {
        let real = OffsetDateTime::now_utc();
        match self.fixed_as_set() {
            None => real,
            Some(Fixed::Instant(at)) => at.to_offset(UtcOffset::UTC),
            Some(Fixed::From { at, real: then }) => (at + (real - then)).to_offset(UtcOffset::UTC),
            Some(Fixed::Day(date)) => real
                .to_offset(CST)
                .replace_date(date)
                .to_offset(UtcOffset::UTC),
        }
    }
}

/// The current instant, in UTC, for what is not reckoned in dates (sessions, tokens, rate
/// limits, logs). Anything that counts days reads a [`Clock`].
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Formats an instant as RFC 3339 with microseconds in UTC: fixed width, so text order is
/// time order (the database stores instants this way on both backends).
pub fn format_instant(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// Parses an instant written by [`format_instant`] (or any RFC 3339 text).
pub fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A stored instant as people in the region read it: `YYYY-MM-DD HH:MM` in China Standard
/// Time (the zone every page names beside it). Text that is not an instant is shown as it is.
pub fn local_minute(stored: &str) -> String {
    match parse_instant(stored) {
        Some(at) => {
            let at = at.to_offset(CST);
            format!(
                "{} {:02}:{:02}",
                format_date(at.date()),
                at.hour(),
                at.minute()
            )
        }
        None => stored.to_owned(),
    }
}

/// Parses an ISO date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: i32 = s.get(0..4)?.parse().ok()?;
    let month: u8 = s.get(5..7)?.parse().ok()?;
    let day: u8 = s.get(8..10)?.parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(parse_date("2026-02-28"), Some(date!(2026 - 02 - 28)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-2-28"), None);
        assert_eq!(format_date(date!(2025 - 01 - 05)), "2025-01-05");
    }

    #[test]
    fn a_clock_set_to_an_instant_stands_or_runs_on() {
        let at = datetime!(2026-06-10 10:00 +8);
        let standing = Clock::system();
        standing.set_now(at);
        assert_eq!(standing.now(), at);
        assert_eq!(standing.today(), date!(2026 - 06 - 10));
        let running = Clock::system();
        running.start_at(at);
        let now = running.now();
        assert!(now >= at && now - at < time::Duration::seconds(5), "{now}");
        assert_eq!(running.fixed(), Some(date!(2026 - 06 - 10)));
    }

    #[test]
    fn a_set_clock_keeps_its_date_and_agrees_with_its_instants() {
        let a = Clock::on(date!(2026 - 12 - 31));
        let b = Clock::system();
        assert_eq!(a.today(), date!(2026 - 12 - 31));
        assert_eq!(a.now().to_offset(CST).date(), a.today());
        assert!(b.fixed().is_none());
        let shared = a.clone();
        shared.set_today(date!(2027 - 01 - 04));
        assert_eq!(a.today(), date!(2027 - 01 - 04));
    }

    #[test]
    fn instants_are_fixed_width_utc() {
        let at = datetime!(2026-01-02 03:04:05.000006 +08:00);
        assert_eq!(format_instant(at), "2026-01-01T19:04:05.000006Z");
        assert_eq!(parse_instant(&format_instant(at)), Some(at));
    }

    #[test]
    fn stored_instants_read_in_china_standard_time() {
        assert_eq!(
            local_minute("2026-11-02T16:30:05.000001Z"),
            "2026-11-03 00:30"
        );
        assert_eq!(
            local_minute("2026-11-02T08:00:00+08:00"),
            "2026-11-02 08:00"
        );
        assert_eq!(local_minute("not a time"), "not a time");
    }
}
