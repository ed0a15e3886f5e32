//! The hotline's types: what a ticket is (its type, channel, state and place), the dispatch
//! catalogue's categories and rules, the time limits of each type, what lies outside the
//! hotline's remit, and the one error enum.

mod callbacks;
mod knowledge;
mod problems;
pub use callbacks::{ATTEMPTS, Callback, Outcome, Seat, languages, languages_text};
pub use knowledge::{Article, ArticleState, Stale};
pub use problems::{Line, Problem, ProblemState, Source, Weighed};

use kernel::Message;
use kernel::i18n::Localize;
use serde::Serialize;

/// The six kinds of matter the hotline takes (国办发〔2020〕53号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// 咨询
    Consult,
    /// 求助
    Help,
    /// 投诉
    Complaint,
    /// 举报: the reporter's identity is kept from every handler.
    Report,
    /// 建议
    Suggestion,
    /// 表扬
    Praise,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Consult,
        Kind::Help,
        Kind::Complaint,
        Kind::Report,
        Kind::Suggestion,
        Kind::Praise,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Consult => "consult",
            Kind::Help => "help",
            Kind::Complaint => "complaint",
            Kind::Report => "report",
            Kind::Suggestion => "suggestion",
            Kind::Praise => "praise",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Whether who raised it is kept from the departments handling it.
    pub fn confidential(self) -> bool {
        self == Kind::Report
    }
}

/// How a ticket came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A call taken by an agent at the console.
    Phone,
    /// The portal's form, by a signed-in person.
    Web,
    /// A text message, keyed in by an agent.
    Sms,
    /// A hall's kiosk.
    Kiosk,
    /// A system speaking Open311 GeoReport v2.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Phone,
        Channel::Web,
        Channel::Sms,
        Channel::Kiosk,
        Channel::Open311,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Web => "web",
            Channel::Sms => "sms",
            Channel::Kiosk => "kiosk",
            Channel::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == s)
    }

    /// Channels an agent keys in for a caller.
    pub fn taken_by_agent(self) -> bool {
        matches!(self, Channel::Phone | Channel::Sms)
    }
}

/// Where a ticket stands in the closed loop: 受理 → 派单 → 签收 → 办理 → 回复 → 办结.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Sent to its lead department, not yet signed for.
    Dispatched,
    /// Signed for by the lead department, being handled.
    Signed,
    /// Sent back by the lead department with a reason: the hotline re-dispatches or insists.
    Returned,
    /// Answered by the department: the caller is told and asked.
    Replied,
    /// Done: answered on the spot, or replied and rated (or left unrated).
    Closed,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Dispatched,
        State::Signed,
        State::Returned,
        State::Replied,
        State::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            State::Dispatched => "dispatched",
            State::Signed => "signed",
            State::Returned => "returned",
            State::Replied => "replied",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Open311's two states.
    pub fn open311(self) -> &'static str {
        match self {
            State::Closed | State::Replied => "closed",
            _ => "open",
        }
    }

    /// Whether the handling clock still runs.
    pub fn open(self) -> bool {
        matches!(self, State::Dispatched | State::Signed | State::Returned)
    }
}

/// The caller's rating of the reply (回访评价).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::Basic, Rating::Dissatisfied];

    pub fn key(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Basic => "basic",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.key() == s)
    }
}

/// A working-day or clock-hour time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Limit {
    /// Ends at the close (23:59:59, China Standard Time) of the n-th working day after the
    /// start.
    WorkingDays(u16),
    /// Ends n clock hours after the start, whatever the calendar says.
    Hours(u16),
}

/// The time limits, in the defaults of FACTS-BREADTH unless the hotline's managers set
/// others ([`SETTINGS`], kept in `hotline_limits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Signing for a ticket: 1 working day; urgent, 1 clock hour.
    pub sign: Limit,
    pub sign_urgent: Limit,
    /// Returning a wrongly routed ticket: within 2 working days of its dispatch.
    pub return_within: Limit,
    /// Handling urgent matters, in clock hours.
    pub handle_urgent: Limit,
    /// Handling, in working days, by kind in [`Kind::ALL`]'s order.
    pub handle_kind: [u16; 6],
    /// The longest one extension may add, in working days.
    pub extension_max_days: u16,
    /// Calling the caller back after the reply (回访): 3 working days.
    pub callback: Limit,
}

/// How a limit is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    WorkingDays,
    Hours,
}

/// A limit the hotline's managers may set: its name, how it counts, its default and the
/// most it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub unit: Unit,
    pub default: u16,
    pub max: u16,
}

const fn days(name: &'static str, default: u16, max: u16) -> Setting {
    Setting {
        name,
        unit: Unit::WorkingDays,
        default,
        max,
    }
}

const fn hours(name: &'static str, default: u16, max: u16) -> Setting {
    Setting {
        name,
        unit: Unit::Hours,
        default,
        max,
    }
}

/// Every limit that may be set, with the defaults of FACTS-BREADTH (consultation and help 3
/// working days; complaint, report and suggestion 13) and the bounds a setting must keep.
pub const SETTINGS: [Setting; 12] = [
    days("sign", 1, 5),
    hours("sign-urgent", 1, 24),
    days("return", 2, 10),
    hours("handle-urgent", 24, 72),
    days("handle-consult", 3, 60),
    days("handle-help", 3, 60),
    days("handle-complaint", 13, 60),
    days("handle-report", 13, 60),
    days("handle-suggestion", 13, 60),
    days("handle-praise", 3, 60),
    days("extension-max", 10, 30),
    days("callback", 3, 15),
];

impl Setting {
    /// The setting named `name`.
    pub fn named(name: &str) -> Option<Setting> {
        SETTINGS.into_iter().find(|s| s.name == name)
    }

    fn limit(self, value: u16) -> Limit {
        match self.unit {
            Unit::WorkingDays => Limit::WorkingDays(value),
            Unit::Hours => Limit::Hours(value),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_values(&[])
    }
}

impl Limits {
    /// The limits with `values` (a setting's name and value) in place of the defaults; a
    /// value outside its setting's bounds, or of no setting, is left out.
    pub fn from_values(values: &[(String, u16)]) -> Limits {
        let value = |name: &str| -> (Setting, u16) {
            let s = Setting::named(name).unwrap_or(days("", 1, 1));
            let v = values
                .iter()
                .find(|(n, v)| n == name && (1..=s.max).contains(v))
                .map_or(s.default, |(_, v)| *v);
            (s, v)
        };
        let limit = |name: &str| {
            let (s, v) = value(name);
            s.limit(v)
        };
        Limits {
            sign: limit("sign"),
            sign_urgent: limit("sign-urgent"),
            return_within: limit("return"),
            handle_urgent: limit("handle-urgent"),
            handle_kind: Kind::ALL.map(|k| value(&format!("handle-{}", k.key())).1),
            extension_max_days: value("extension-max").1,
            callback: limit("callback"),
        }
    }

    /// How long a ticket of `kind` may take to handle.
    pub fn handle(&self, kind: Kind, urgent: bool) -> Limit {
        if urgent {
            return self.handle_urgent;
        }
        let i = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        Limit::WorkingDays(self.handle_kind[i])
    }

    pub fn sign_for(&self, urgent: bool) -> Limit {
        if urgent { self.sign_urgent } else { self.sign }
    }

    /// The value in force for a setting.
    pub fn value(&self, s: &Setting) -> u16 {
        let of = |l: Limit| match l {
            Limit::WorkingDays(n) | Limit::Hours(n) => n,
        };
        match s.name {
            "sign" => of(self.sign),
            "sign-urgent" => of(self.sign_urgent),
            "return" => of(self.return_within),
            "handle-urgent" => of(self.handle_urgent),
            "extension-max" => self.extension_max_days,
            "callback" => of(self.callback),
            name => Kind::ALL
                .iter()
                .position(|k| name.strip_prefix("handle-") == Some(k.key()))
                .map_or(s.default, |i| self.handle_kind[i]),
        }
    }
}

/// A category of the dispatch catalogue (派单目录), named in the three languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_bo: String,
    pub name_en: String,
}

impl Category {
    pub fn name(&self, lang: kernel::Lang) -> &str {
        let chosen = match lang {
            kernel::Lang::Bo => &self.name_bo,
            kernel::Lang::En => &self.name_en,
            kernel::Lang::Zh => &self.name_zh,
        };
        if chosen.is_empty() {
            &self.name_zh
        } else {
            chosen
        }
    }
}

/// A rule of the dispatch catalogue: tickets of `category` within `division` go to the
/// department of kind `lead` nearest the ticket's place (the place's own division first, then
/// upwards), with the departments of kinds `co` as co-handlers. A rule for a smaller division
/// overrides one for a larger; a changed rule is closed (`until`) and a new one opened, so
/// the catalogue's history stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: i64,
    pub category: String,
    pub division: kernel::DivisionCode,
    pub lead: String,
    pub co: Vec<String>,
    pub since: String,
    pub until: Option<String>,
    pub by: String,
}

/// What one department has to do with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// 主办: signs, handles and replies.
    Lead,
    /// 协办: helps the lead and is told of the reply.
    Co,
}

impl Part {
    pub fn key(self) -> &'static str {
        match self {
            Part::Lead => "lead",
            Part::Co => "co",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "lead" => Some(Part::Lead),
            "co" => Some(Part::Co),
            _ => None,
        }
    }
}

/// A department's part in a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub department: String,
    pub department_name: String,
    pub part: Part,
    pub assigned_at: String,
    pub signed_at: Option<String>,
    /// Set when the department sent the ticket back (with `return_reason`) or was replaced.
    pub ended_at: Option<String>,
    pub return_reason: String,
}

/// Who raised a ticket. For a report (举报) it is shown to no handler and to no agent after
/// the ticket is taken; only the audited count of such reads exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub name: String,
    pub phone: String,
    pub account_id: Option<i64>,
}

/// A ticket (工单).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: i64,
    /// `YYYYMMDD` and a six-digit serial of the day, e.g. `20261207000042`.
    pub number: String,
    pub kind: Kind,
    pub category: String,
    pub division: kernel::DivisionCode,
    pub address: String,
    /// Longitude and latitude (WGS 84), where the caller gave a point.
    pub point: Option<(f64, f64)>,
    pub description: String,
    pub channel: Channel,
    /// The caller's language: `zh` or `bo` (Tibetan-language seats answer `bo`).
    pub lang: String,
    pub urgent: bool,
    /// `None` where the reader may not see who raised it.
    pub caller: Option<Caller>,
    pub state: State,
    pub lead: String,
    pub sign_due: String,
    pub handle_due: String,
    pub extended: bool,
    pub reply: String,
    pub created_at: String,
    pub created_by: String,
    pub signed_at: Option<String>,
    pub replied_at: Option<String>,
    pub closed_at: Option<String>,
    /// The caller's rating, and whether they say it was solved.
    pub rating: Option<Rating>,
    pub solved: Option<bool>,
    /// Reopened once after a dissatisfied or unsolved rating.
    pub reopened: bool,
    /// Under supervision (督办): reopened, or taken up by a supervisor.
    pub supervised: bool,
    /// How many urge notices supervisors sent.
    pub urged: i64,
    /// The ticket this one was merged into (并单), if it was.
    pub master_id: Option<i64>,
    /// An Open311 request's token and the URL of its photo.
    pub token: Option<String>,
    pub media_url: String,
    /// The service item it is about (a complaint about a service), by its implementation
    /// code; empty for none.
    pub item: String,
}

/// A line of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub note: String,
}

/// Where a matter outside the hotline's remit belongs (FACTS-BREADTH: emergencies; litigation,
/// arbitration, discipline, reconsideration and disclosure; petitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Elsewhere {
    /// 110, 119, 120 or 122.
    Emergency,
    /// Courts and arbitration.
    Litigation,
    /// 行政复议.
    Reconsideration,
    /// 政府信息公开.
    Disclosure,
    /// 纪检监察.
    Discipline,
    /// 信访.
    Petition,
}

impl Elsewhere {
    pub fn key(self) -> &'static str {
        match self {
            Elsewhere::Emergency => "emergency",
            Elsewhere::Litigation => "litigation",
            Elsewhere::Reconsideration => "reconsideration",
            Elsewhere::Disclosure => "disclosure",
            Elsewhere::Discipline => "discipline",
            Elsewhere::Petition => "petition",
        }
    }

    /// The message telling the caller where to go.
    pub fn message(self) -> Message {
        Message::new(match self {
            Elsewhere::Emergency => "hotline-elsewhere-emergency",
            Elsewhere::Litigation => "hotline-elsewhere-litigation",
            Elsewhere::Reconsideration => "hotline-elsewhere-reconsideration",
            Elsewhere::Disclosure => "hotline-elsewhere-disclosure",
            Elsewhere::Discipline => "hotline-elsewhere-discipline",
            Elsewhere::Petition => "hotline-elsewhere-petition",
        })
    }

    /// Recognises a matter for elsewhere by the words a caller uses, in Chinese or Tibetan.
    pub fn recognise(text: &str) -> Option<Elsewhere> {
        const WORDS: &[(Elsewhere, &[&str])] = &[
            (
                Elsewhere::Emergency,
                &[
                    "着火",
                    "火灾",
                    "起火",
                    "救命",
                    "急救",
                    "抢劫",
                    "车祸",
                    "打人",
                    "杀人",
                    "溺水",
                    "报警",
                    "མེ་སྐྱོན",
                    "ཉེན་ཁ་",
                ],
            ),
            (
                Elsewhere::Litigation,
                &["起诉", "诉讼", "仲裁", "判决", "法院", "ཁྲིམས་ཁང"],
            ),
            (Elsewhere::Reconsideration, &["行政复议", "复议"]),
            (Elsewhere::Disclosure, &["信息公开申请", "依申请公开"]),
            (Elsewhere::Discipline, &["纪委", "纪检", "监察委"]),
            (Elsewhere::Petition, &["信访", "上访"]),
        ];
        WORDS
            .iter()
            .find(|(_, words)| words.iter().any(|w| text.contains(w)))
            .map(|(e, _)| *e)
    }
}

ui::capability_error! {
    /// The hotline's one error.
    HotlineError, forbidden: "hotline-forbidden"
}

impl HotlineError {
    pub fn not_found() -> HotlineError {
        HotlineError::NotFound(Message::new("hotline-ticket-unknown"))
    }
}

impl From<kernel::calendar::CalendarError> for HotlineError {
    fn from(e: kernel::calendar::CalendarError) -> HotlineError {
        HotlineError::Refused(Localize::message(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matters_for_elsewhere_are_recognised_and_ordinary_ones_are_not() {
        assert_eq!(
            Elsewhere::recognise("楼下着火了"),
            Some(Elsewhere::Emergency)
        );
        assert_eq!(
            Elsewhere::recognise("我想起诉开发商"),
            Some(Elsewhere::Litigation)
        );
        assert_eq!(Elsewhere::recognise("我要信访"), Some(Elsewhere::Petition));
        assert_eq!(Elsewhere::recognise("路灯不亮已经三天"), None);
    }

    #[test]
    fn keys_read_back_and_limits_follow_the_kind() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.key()), Some(k));
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.key()), Some(s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.key()), Some(c));
        }
        let l = Limits::default();
        assert_eq!(l.handle(Kind::Consult, false), Limit::WorkingDays(3));
        assert_eq!(l.handle(Kind::Complaint, false), Limit::WorkingDays(13));
        assert_eq!(l.handle(Kind::Complaint, true), Limit::Hours(24));
        assert_eq!(l.sign_for(true), Limit::Hours(1));
        assert!(Kind::Report.confidential() && !Kind::Complaint.confidential());
    }
}
