//! The notification service's types: events and their templates, channels, a person's
//! preferences, and messages with their delivery state.

use std::collections::BTreeMap;

use kernel::i18n::Localize;
use kernel::{Lang, Message};
use serde::{Deserialize, Serialize};

use db::DbError;

kernel::keyed!(
    /// Where a message goes.
    Channel { Inbox = "inbox", Sms = "sms", Email = "email", Webhook = "webhook" }
);
kernel::keyed!(
    /// Where a message stands. An inbox message is delivered when it is written; the others
    /// are queued, claimed by one sender (`sending`), and end `sent` or `failed`.
    MessageState { Queued = "queued", Sending = "sending", Sent = "sent", Failed = "failed" }
);

/// The language(s) of a person's messages: one, or Chinese and Tibetan together (the
/// region's practice, and what a person who has not chosen gets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tongue {
    One(Lang),
    ZhBo,
}

impl Tongue {
    pub fn key(self) -> &'static str {
        match self {
            Tongue::One(l) => l.code(),
            Tongue::ZhBo => "zh+bo",
        }
    }

    pub fn parse(s: &str) -> Option<Tongue> {
        match s {
            "zh+bo" | "" => Some(Tongue::ZhBo),
            other => Lang::ALL
                .iter()
                .find(|l| l.code() == other)
                .map(|l| Tongue::One(*l)),
        }
    }
}

/// One language's text of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

/// An event the platform tells about, with its built-in template (version 0).
#[derive(Debug, Clone, Deserialize)]
pub struct EventSpec {
    #[serde(skip)]
    pub key: String,
    #[serde(default)]
    pub urgent: bool,
    pub vars: Vec<String>,
    #[serde(default)]
    pub required: Vec<String>,
    pub zh: Text,
    pub bo: Text,
    pub en: Text,
}

impl EventSpec {
    /// The built-in texts as a template of version 0.
    pub fn builtin(&self) -> Template {
        Template {
            event: self.key.clone(),
            version: 0,
            zh: self.zh.clone(),
            bo: self.bo.clone(),
            en: self.en.clone(),
            note: String::new(),
            created_by: "built-in".into(),
            created_at: String::new(),
        }
    }
}

/// Every event, read once from `data/templates.toml`.
pub fn events() -> &'static BTreeMap<String, EventSpec> {
    static EVENTS: std::sync::OnceLock<BTreeMap<String, EventSpec>> = std::sync::OnceLock::new();
    EVENTS.get_or_init(|| {
        let mut all: BTreeMap<String, EventSpec> =
            toml::from_str(include_str!("../data/templates.toml")).unwrap_or_default();
        for (k, spec) in &mut all {
            spec.key.clone_from(k);
        }
        all
    })
}

/// The event `key`, if the platform has it.
pub fn event(key: &str) -> Result<&'static EventSpec, NotifyError> {
    events().get(key).ok_or_else(|| {
        NotifyError::NotFound(Message::new("notify-event-unknown").arg("event", key))
    })
}

/// A version of an event's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub event: String,
    pub version: i64,
    pub zh: Text,
    pub bo: Text,
    pub en: Text,
    pub note: String,
    pub created_by: String,
    pub created_at: String,
}

impl Template {
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::Zh => &self.zh,
            Lang::Bo => &self.bo,
            Lang::En => &self.en,
        }
    }
}

/// A person's choices: language, channels besides the inbox, and quiet hours (minutes after
/// local midnight; a window may run past midnight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub account_id: i64,
    pub tongue: Tongue,
    pub sms: bool,
    pub email: Option<String>,
    pub email_on: bool,
    pub quiet: Option<(u16, u16)>,
}

impl Preferences {
    /// What a person who has chosen nothing gets: texts in Chinese and Tibetan, no email, no
    /// quiet hours.
    pub fn default_for(account_id: i64) -> Preferences {
        Preferences {
            account_id,
            tongue: Tongue::ZhBo,
            sms: true,
            email: None,
            email_on: false,
            quiet: None,
        }
    }

    /// Whether `minute` (after local midnight) is in the quiet hours.
    pub fn is_quiet(&self, minute: u16) -> bool {
        match self.quiet {
            None => false,
            Some((from, until)) if from <= until => minute >= from && minute < until,
            Some((from, until)) => minute >= from || minute < until,
        }
    }
}

/// One message: to one address on one channel, with its delivery state.
#[derive(Debug, Clone, Serialize)]
pub struct OutMessage {
    pub id: i64,
    pub event: String,
    pub subject_ref: String,
    pub account_id: Option<i64>,
    pub channel: Channel,
    pub address: String,
    pub lang: String,
    pub template_version: i64,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub urgent: bool,
    pub state: MessageState,
    pub attempts: i64,
    pub not_before: String,
    pub outcome: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub seen: bool,
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// It may go later (a relay or gateway down, a 5xx from a webhook).
    Retry(String),
    /// It never will (no such mailbox, no sender configured, a webhook that is gone).
    Permanent(String),
}

/// A system's subscription to events, delivered to its URL signed with its secret.
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub client_id: String,
    pub url: String,
    /// Event keys, or `*` for all.
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: String,
}

impl Webhook {
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == "*" || e == event)
    }
}

/// Counts of messages by channel and state (the operator's view).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    pub rows: Vec<(Channel, MessageState, i64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Problems by field, all at once.
    #[error("invalid")]
    Invalid(Vec<(String, Message)>),
    #[error("not found")]
    NotFound(Message),
    #[error("forbidden")]
    Forbidden,
    #[error("database: {0}")]
    Db(#[from] DbError),
}

impl NotifyError {
    pub fn field(field: &str, m: Message) -> NotifyError {
        NotifyError::Invalid(vec![(field.to_owned(), m)])
    }
}

/// A capability whose errors are the database's tells through `?`; an event or template
/// problem there is a programming error, reported as a conflict.
impl From<NotifyError> for DbError {
    fn from(e: NotifyError) -> DbError {
        match e {
            NotifyError::Db(e) => e,
            other => DbError::Conflict(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for NotifyError {
    fn from(e: sqlx::Error) -> NotifyError {
        NotifyError::Db(e.into())
    }
}

impl From<identity::IdentityError> for NotifyError {
    fn from(e: identity::IdentityError) -> NotifyError {
        match e {
            identity::IdentityError::Db(e) => NotifyError::Db(e),
            _ => NotifyError::Forbidden,
        }
    }
}

impl Localize for NotifyError {
    fn message(&self) -> Message {
        match self {
            NotifyError::Invalid(p) => p
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| Message::new("error-bad-request")),
            NotifyError::NotFound(m) => m.clone(),
            NotifyError::Forbidden => Message::new("notify-forbidden"),
            NotifyError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for NotifyError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            NotifyError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            NotifyError::NotFound(_) => StatusCode::NOT_FOUND,
            NotifyError::Forbidden => StatusCode::FORBIDDEN,
            NotifyError::Db(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            NotifyError::Invalid(_) => "invalid",
            NotifyError::NotFound(_) => "not-found",
            NotifyError::Forbidden => "forbidden",
            NotifyError::Db(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_is_complete_and_uses_only_its_variables() {
        assert!(events().len() >= 18, "the templates file reads");
        for spec in events().values() {
            let t = spec.builtin();
            crate::template::check(spec, &t).unwrap_or_else(|e| panic!("{}: {e:?}", spec.key));
        }
    }

    #[test]
    fn quiet_hours_may_run_past_midnight() {
        let mut p = Preferences::default_for(1);
        p.quiet = Some((22 * 60, 7 * 60));
        assert!(p.is_quiet(23 * 60) && p.is_quiet(60) && !p.is_quiet(12 * 60));
        p.quiet = Some((12 * 60, 14 * 60));
        assert!(p.is_quiet(13 * 60) && !p.is_quiet(14 * 60));
    }
}
