//! The hall's types: opening hours by season and weekday, the hall's settings and priority
//! rules, appointments and queue tickets with their states, and the one error enum.

use kernel::Message;
use org::model::WindowCategory;
use serde::Serialize;
use time::Date;

/// Working days ahead a booking may be for: from the next working day to the fifth.
pub const BOOK_FROM_DAYS: u32 = 1;
pub const BOOK_TO_DAYS: u32 = 5;
/// A booking may be cancelled until this long before its slot.
pub const CANCEL_BEFORE_MINUTES: i64 = 120;
/// No-shows are counted over this many days.
pub const NO_SHOW_DAYS: i64 = 30;
/// A ticket may be skipped once it was called this many times.
pub const SKIP_AFTER_CALLS: i64 = 3;
/// Minutes after its slot began that a booking may still be checked in.
pub const CHECK_IN_GRACE_MINUTES: u16 = 15;

/// A span of minutes after midnight (China Standard Time), e.g. 09:30–13:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: u16,
    pub end: u16,
}

impl Period {
    pub fn contains(&self, minute: u16) -> bool {
        self.start <= minute && minute < self.end
    }
}

/// `HH:MM`.
pub fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Reads `HH:MM` (00:00–24:00).
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Which season a schedule is for: the region keeps summer and winter hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SeasonName {
    AllYear,
    Summer,
    Winter,
}

impl SeasonName {
    pub fn key(self) -> &'static str {
        match self {
            SeasonName::AllYear => "all-year",
            SeasonName::Summer => "summer",
            SeasonName::Winter => "winter",
        }
    }
}

/// One season's week: periods for each weekday, Monday first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Season {
    pub name: SeasonName,
    /// The month and day it begins (it runs until the next season begins).
    pub from: (u8, u8),
    pub week: [Vec<Period>; 7],
}

/// A hall's opening hours: one week for the whole year, or a summer and a winter week.
///
/// Written as lines, one per season (`summer 05-01: …`, `winter 10-01: …`, or no prefix for
/// the whole year), each a `;`-separated list of weekdays and periods:
/// `mon-fri 09:30-13:00,15:30-18:00; sat 10:00-13:00`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hours {
    pub seasons: Vec<Season>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(s: &str) -> Option<usize> {
    DAYS.iter().position(|d| *d == s.trim())
}

impl Season {
    /// The open days as runs of weekdays with the same hours: (first day, last day, periods),
    /// days counted from Monday = 0; closed days are left out.
    pub fn groups(&self) -> Vec<(usize, usize, &[Period])> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < 7 {
            let mut j = i;
            while j + 1 < 7 && self.week[j + 1] == self.week[i] {
                j += 1;
            }
            if !self.week[i].is_empty() {
                out.push((i, j, self.week[i].as_slice()));
            }
            i = j + 1;
        }
        out
    }
}

impl Hours {
    /// Parses the written form; the message says what is wrong.
    pub fn parse(text: &str) -> Result<Hours, Message> {
        let bad = |line: &str| Message::new("hall-hours-invalid").arg("line", line.trim());
        let mut seasons = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, from, rest) = match line.split_once(':') {
                Some((head, rest)) if head.starts_with("summer") || head.starts_with("winter") => {
                    let mut words = head.split_whitespace();
                    let name = match words.next() {
                        Some("summer") => SeasonName::Summer,
                        _ => SeasonName::Winter,
                    };
                    let from = words
                        .next()
                        .and_then(|md| md.split_once('-'))
                        .and_then(|(m, d)| Some((m.parse::<u8>().ok()?, d.parse::<u8>().ok()?)))
                        .filter(|(m, d)| (1..=12).contains(m) && (1..=31).contains(d))
                        .ok_or_else(|| bad(line))?;
                    (name, from, rest)
                }
                _ => (SeasonName::AllYear, (1, 1), line),
            };
            let mut week: [Vec<Period>; 7] = Default::default();
            for group in rest.split(';').map(str::trim).filter(|g| !g.is_empty()) {
                let (days, periods) = group.split_once(' ').ok_or_else(|| bad(line))?;
                let (a, b) = match days.split_once('-') {
                    Some((a, b)) => (day_index(a), day_index(b)),
                    None => (day_index(days), day_index(days)),
                };
                let (Some(a), Some(b)) = (a, b) else {
                    return Err(bad(line));
                };
                if a > b {
                    return Err(bad(line));
                }
                let mut list = Vec::new();
                for p in periods.split(',').map(str::trim) {
                    let (s, e) = p.split_once('-').ok_or_else(|| bad(line))?;
                    let (Some(start), Some(end)) = (parse_hhmm(s), parse_hhmm(e)) else {
                        return Err(bad(line));
                    };
                    if start >= end || list.last().is_some_and(|l: &Period| l.end > start) {
                        return Err(bad(line));
                    }
                    list.push(Period { start, end });
                }
                for d in week.iter_mut().take(b + 1).skip(a) {
                    *d = list.clone();
                }
            }
            seasons.push(Season { name, from, week });
        }
        let all_year = seasons.iter().any(|s| s.name == SeasonName::AllYear);
        if seasons.is_empty() || (all_year && seasons.len() > 1) {
            return Err(Message::new("hall-hours-seasons"));
        }
        seasons.sort_by_key(|s| s.from);
        Ok(Hours { seasons })
    }

    /// The written form, which [`Hours::parse`] reads back.
    pub fn text(&self) -> String {
        let mut lines = Vec::new();
        for s in &self.seasons {
            let groups: Vec<String> = s
                .groups()
                .into_iter()
                .map(|(i, j, periods)| {
                    let days = if i == j {
                        DAYS[i].to_owned()
                    } else {
                        format!("{}-{}", DAYS[i], DAYS[j])
                    };
                    let periods: Vec<String> = periods
                        .iter()
                        .map(|p| format!("{}-{}", hhmm(p.start), hhmm(p.end)))
                        .collect();
                    format!("{days} {}", periods.join(","))
                })
                .collect();
            let body = groups.join("; ");
            lines.push(match s.name {
                SeasonName::AllYear => body,
                n => format!("{} {:02}-{:02}: {body}", n.key(), s.from.0, s.from.1),
            });
        }
        lines.join("\n")
    }

    /// The hours of a centre as the directory keeps them (`09:30-13:00,15:30-18:00` on working
    /// days), as the hall's whole-year week.
    pub fn from_directory(hours: &str) -> Hours {
        Hours::parse(&format!("mon-fri {}", hours.trim())).unwrap_or_else(|_| {
            Hours::parse("mon-fri 09:30-13:00,15:30-18:00").unwrap_or(Hours {
                seasons: Vec::new(),
            })
        })
    }

    /// The season in force on `date`.
    pub fn season(&self, date: Date) -> Option<&Season> {
        let md = (u8::from(date.month()), date.day());
        self.seasons
            .iter()
            .rev()
            .find(|s| s.from <= md)
            .or_else(|| self.seasons.last())
    }

    /// The periods the hall is open on `date`, given whether the calendar makes it a working
    /// day and whether it is a holiday (an off day the calendar names). A working day that
    /// falls on a weekend (a make-up day) keeps Monday's hours; a holiday is closed; a plain
    /// weekend has the weekend's own hours, usually none.
    pub fn open_on(&self, date: Date, working: bool, holiday: bool) -> Vec<Period> {
        let Some(season) = self.season(date) else {
            return Vec::new();
        };
        let weekday = date.weekday().number_days_from_monday() as usize;
        if working {
            let own = &season.week[weekday];
            if own.is_empty() {
                return season.week[0].clone();
            }
            return own.clone();
        }
        if holiday {
            return Vec::new();
        }
        season.week[weekday].clone()
    }
}

/// Who is called before others (besides appointment holders inside their slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Holders of a booking, inside their slot.
    Appointment,
    /// 70 or older (read from the identity number when the person is known).
    Elderly,
    Disability,
    Pregnant,
    Military,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::Appointment,
        Priority::Elderly,
        Priority::Disability,
        Priority::Pregnant,
        Priority::Military,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Priority::Appointment => "appointment",
            Priority::Elderly => "elderly",
            Priority::Disability => "disability",
            Priority::Pregnant => "pregnant",
            Priority::Military => "military",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.key() == s.trim())
    }
}

/// The rank of a ticket without priority: after every rule.
pub const NO_PRIORITY: i64 = 100;

/// A hall's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub hours: Hours,
    /// Length of an appointment slot.
    pub slot_minutes: u16,
    /// Who is called first, in order; a kind not listed has no priority here.
    pub priorities: Vec<Priority>,
    /// No-shows within [`NO_SHOW_DAYS`] that suspend booking…
    pub no_show_limit: i64,
    /// …for this many days.
    pub suspend_days: i64,
}

impl Settings {
    /// The defaults for a centre: its directory hours, 30-minute slots, every priority rule
    /// in the usual order, three no-shows suspend booking for 30 days.
    pub fn default_for(directory_hours: &str) -> Settings {
        Settings {
            hours: Hours::from_directory(directory_hours),
            slot_minutes: 30,
            priorities: Priority::ALL.to_vec(),
            no_show_limit: 3,
            suspend_days: 30,
        }
    }

    /// The calling rank of a priority: its place in the rules (0 first), or [`NO_PRIORITY`].
    pub fn rank(&self, p: Option<Priority>) -> i64 {
        p.and_then(|p| self.priorities.iter().position(|q| *q == p))
            .map_or(NO_PRIORITY, |i| i as i64)
    }

    /// The slots of a day's opening periods.
    pub fn slots(&self, open: &[Period]) -> Vec<Period> {
        let step = self.slot_minutes.max(5);
        let mut out = Vec::new();
        for p in open {
            let mut s = p.start;
            while s + step <= p.end {
                out.push(Period {
                    start: s,
                    end: s + step,
                });
                s += step;
            }
        }
        out
    }
}

/// A category a hall serves: its queue, the items it takes and its appointments per slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategorySetup {
    pub category: WindowCategory,
    /// Appointments per slot (0: no booking in this category).
    pub capacity: i64,
    /// Implementation codes of the items it serves. The comprehensive category serves every
    /// item the hall serves, whatever this lists.
    pub items: Vec<String>,
}

/// A window as the hall keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HallWindow {
    pub id: i64,
    pub number: String,
    pub category: WindowCategory,
    /// Officials who may work it; empty: any window clerk of the centre.
    pub staff: Vec<i64>,
    /// The official who has it open, if anyone.
    pub open_by: Option<i64>,
}

/// A centre's hall: the directory's centre with its settings, categories and windows.
#[derive(Debug, Clone, Serialize)]
pub struct Hall {
    pub id: i64,
    pub centre: org::model::Centre,
    pub settings: Settings,
    pub categories: Vec<CategorySetup>,
    pub windows: Vec<HallWindow>,
}

impl Hall {
    /// The category whose queue an item joins: the first specific category listing it, else
    /// the comprehensive one if the hall has it.
    pub fn category_of(&self, item: &str) -> Option<WindowCategory> {
        self.categories
            .iter()
            .find(|c| {
                c.category != WindowCategory::Comprehensive && c.items.iter().any(|i| i == item)
            })
            .or_else(|| {
                self.categories
                    .iter()
                    .find(|c| c.category == WindowCategory::Comprehensive)
            })
            .map(|c| c.category)
    }

    pub fn setup(&self, category: WindowCategory) -> Option<&CategorySetup> {
        self.categories.iter().find(|c| c.category == category)
    }

    pub fn window(&self, number: &str) -> Option<&HallWindow> {
        self.windows.iter().find(|w| w.number == number)
    }

    /// Whether a window of this category calls tickets of `category`: its own, and at a
    /// comprehensive window every category's.
    pub fn serves(window: WindowCategory, category: WindowCategory) -> bool {
        window == category || window == WindowCategory::Comprehensive
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BookingState {
    Booked,
    Cancelled,
    /// Checked in: a ticket was issued.
    Arrived,
    NoShow,
}

impl BookingState {
    pub fn key(self) -> &'static str {
        match self {
            BookingState::Booked => "booked",
            BookingState::Cancelled => "cancelled",
            BookingState::Arrived => "arrived",
            BookingState::NoShow => "no-show",
        }
    }

    pub fn parse(s: &str) -> Option<BookingState> {
        [
            BookingState::Booked,
            BookingState::Cancelled,
            BookingState::Arrived,
            BookingState::NoShow,
        ]
        .into_iter()
        .find(|b| b.key() == s)
    }
}

/// A booking of a slot.
#[derive(Debug, Clone, Serialize)]
pub struct Appointment {
    pub id: i64,
    /// What the person shows at the kiosk (also as a QR code).
    pub code: String,
    pub centre: String,
    #[serde(skip)]
    pub centre_id: i64,
    pub category: WindowCategory,
    pub item: String,
    #[serde(skip)]
    pub account_id: i64,
    pub day: Date,
    pub slot: Period,
    pub state: BookingState,
    /// An online case whose materials were sent ahead (pre-review).
    pub case_number: Option<String>,
    pub booked_at: String,
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TicketState {
    Waiting,
    Called,
    Finished,
    /// Called three times without coming.
    Skipped,
    /// Still waiting when the hall closed.
    Abandoned,
}

impl TicketState {
    pub const ALL: [TicketState; 5] = [
        TicketState::Waiting,
        TicketState::Called,
        TicketState::Finished,
        TicketState::Skipped,
        TicketState::Abandoned,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Finished => "finished",
            TicketState::Skipped => "skipped",
            TicketState::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<TicketState> {
        TicketState::ALL.into_iter().find(|t| t.key() == s)
    }
}

/// A queue ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: i64,
    pub centre_id: i64,
    pub day: Date,
    pub category: WindowCategory,
    /// `A001`.
    pub number: String,
    /// Lets whoever holds the printed ticket follow it (`/halls/tickets/{id}?k=`).
    #[serde(skip)]
    pub secret: String,
    pub item: Option<String>,
    pub appointment_id: Option<i64>,
    #[serde(skip)]
    pub account_id: Option<i64>,
    /// The holder's name as screens show it (`扎*`), or empty.
    pub masked_name: String,
    #[serde(skip)]
    pub mobile: Option<String>,
    pub priority: Option<Priority>,
    pub priority_rank: i64,
    pub slot: Option<Period>,
    pub state: TicketState,
    /// Sent to one window by a transfer.
    pub target_window: Option<String>,
    pub window: Option<String>,
    pub clerk_id: Option<i64>,
    pub calls: i64,
    pub issued_at: String,
    pub first_called_at: Option<String>,
    pub last_called_at: Option<String>,
    pub ended_at: Option<String>,
    /// The case the visit served, if it opened or moved one.
    pub case_number: Option<String>,
    pub note: String,
}

impl Ticket {
    /// A ticket of `category` issued at `at`, waiting, without holder or priority; the
    /// number is given when it is stored.
    pub fn waiting(
        centre_id: i64,
        category: WindowCategory,
        at: time::OffsetDateTime,
        secret: String,
    ) -> Ticket {
        Ticket {
            id: 0,
            centre_id,
            day: at.to_offset(kernel::time_util::CST).date(),
            category,
            number: String::new(),
            secret,
            item: None,
            appointment_id: None,
            account_id: None,
            masked_name: String::new(),
            mobile: None,
            priority: None,
            priority_rank: NO_PRIORITY,
            slot: None,
            state: TicketState::Waiting,
            target_window: None,
            window: None,
            clerk_id: None,
            calls: 0,
            issued_at: kernel::time_util::format_instant(at),
            first_called_at: None,
            last_called_at: None,
            ended_at: None,
            case_number: None,
            note: String::new(),
        }
    }
}

ui::capability_error! {
    /// Why a hall action was refused: a rule (outside hours, a holiday, full, a second
    /// booking …), bad input, or who asks.
    HallError, forbidden: "hall-forbidden"
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn hours_read_seasons_weekdays_and_lunch_breaks() {
        let h = Hours::parse(
            "summer 05-01: mon-fri 09:30-13:00,15:30-18:00; sat 10:00-13:00\nwinter 10-01: mon-fri 10:00-13:00,15:00-18:00",
        )
        .expect("parses");
        assert_eq!(Hours::parse(&h.text()).expect("round trip"), h);
        // A summer Wednesday has a lunch break.
        let wed = h.open_on(date!(2026 - 06 - 10), true, false);
        assert_eq!(wed.len(), 2);
        assert!(!wed.iter().any(|p| p.contains(14 * 60)));
        // Winter runs from October into April of the next year.
        assert_eq!(h.open_on(date!(2026 - 01 - 14), true, false)[0].start, 600);
        // A summer Saturday opens in the morning; a winter one not at all.
        assert_eq!(h.open_on(date!(2026 - 06 - 13), false, false).len(), 1);
        assert!(h.open_on(date!(2026 - 01 - 17), false, false).is_empty());
        // A holiday is closed; a make-up Sunday keeps Monday's hours.
        assert!(h.open_on(date!(2026 - 10 - 01), false, true).is_empty());
        assert_eq!(h.open_on(date!(2026 - 09 - 27), true, false).len(), 2);
    }

    #[test]
    fn bad_hours_say_which_line() {
        for text in [
            "mon-fri 09:30-13:00,12:00-18:00",
            "mon-fri 18:00-09:00",
            "fri-mon 09:00-12:00",
            "mon-fri 9:30-13:00",
            "summer 13-01: mon 09:00-10:00",
            "",
            "mon 09:00-10:00\nsummer 05-01: mon 09:00-10:00",
        ] {
            assert!(Hours::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn slots_fill_the_open_periods_and_priorities_rank_in_order() {
        let s = Settings::default_for("09:30-13:00,15:30-18:00");
        let open = s.hours.open_on(date!(2026 - 06 - 10), true, false);
        let slots = s.slots(&open);
        assert_eq!(slots.len(), 7 + 5);
        assert_eq!(hhmm(slots[7].start), "15:30");
        assert_eq!(s.rank(Some(Priority::Appointment)), 0);
        assert_eq!(s.rank(Some(Priority::Military)), 4);
        assert_eq!(s.rank(None), NO_PRIORITY);
    }
}
