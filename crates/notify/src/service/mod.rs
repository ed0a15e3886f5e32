//! The notification service's use cases, each checking the acting principal itself:
//!
//! - here: telling about an event (in the caller's transaction: the outbox row is written
//!   with the change it tells about, or not at all), a person's preferences and history;
//! - `templates`: the administrators' versions of each event's template, with a preview;
//! - `webhooks`: systems subscribed to events;
//! - `send`: the senders that take queued messages to SMS, email and webhooks, with retries,
//!   rate limits, delivery status and recovery after a crash.

pub mod send;
pub mod templates;
pub mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration as StdDuration, Instant};

use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use identity::Principal;
use kernel::Lang;
use kernel::time_util::format_instant;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::model::{
    Channel, EventSpec, MessageState, NotifyError, OutMessage, Preferences, Template, Tongue,
    Webhook, event,
};
pub use crate::smtp::Smtp;
use crate::store;
use crate::template::render;

/// Settings of the notification service (the configuration's `notify_*` and `smtp_*`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Email goes out only where a relay is configured.
    pub smtp: Option<Smtp>,
    /// Tries before a message that keeps failing is given up.
    pub max_attempts: i64,
    /// Messages per second each sender may hand over, per channel.
    pub per_second: HashMap<Channel, u32>,
    /// How long a sender holds a claimed message; a claim older than this was interrupted.
    pub lease: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            smtp: None,
            max_attempts: 5,
            per_second: HashMap::from([
                (Channel::Sms, 50),
                (Channel::Email, 20),
                (Channel::Webhook, 200),
            ]),
            lease: Duration::minutes(2),
        }
    }
}

#[derive(Default)]
struct SettingsCell(RwLock<Settings>);

/// Sets this database's notification settings.
pub fn configure(db: &Db, settings: Settings) {
    *db.shared(|_| SettingsCell::default())
        .0
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = settings;
    forget_cached(db);
}

pub fn settings(db: &Db) -> Settings {
    db.shared(|_| SettingsCell::default())
        .0
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The templates in force and the webhooks, read at most every few seconds (a replica sees
/// another's new version within that time).
/// What was read, and when.
struct Snapshot {
    read_at: Instant,
    templates: HashMap<String, Template>,
    hooks: Vec<Webhook>,
}

#[derive(Default)]
struct Cached(RwLock<Option<Arc<Snapshot>>>);

const CACHE_FOR: StdDuration = StdDuration::from_secs(5);

pub(crate) fn forget_cached(db: &Db) {
    *db.shared(|_| Cached::default())
        .0
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
}

async fn cached(db: &Db, conn: &mut Conn) -> Result<Arc<Snapshot>, DbError> {
    let cell = db.shared(|_| Cached::default());
    if let Some(s) = cell
        .0
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        && s.read_at.elapsed() < CACHE_FOR
    {
        return Ok(s.clone());
    }
    let templates: HashMap<String, Template> = store::current_templates_in(conn)
        .await?
        .into_iter()
        .map(|t| (t.event.clone(), t))
        .collect();
    let hooks = store::webhooks(conn).await?;
    let snapshot = Arc::new(Snapshot {
        read_at: Instant::now(),
        templates,
        hooks,
    });
    *cell
        .0
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot.clone());
    Ok(snapshot)
}

/// Who is told: a person's account (their inbox, and their channels by their preferences),
/// and a mobile number to text (the case's contact number, a kiosk ticket's).
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub account_id: Option<i64>,
    pub mobile: Option<String>,
}

impl Recipient {
    /// Officials (or people) by account, each with their mobile if they have one; an account
    /// named twice is told once.
    pub fn accounts(pairs: impl IntoIterator<Item = (i64, Option<String>)>) -> Vec<Recipient> {
        pairs
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .map(|(account, mobile)| Recipient {
                account_id: Some(account),
                mobile,
            })
            .collect()
    }
}

/// Something that happened, to tell about.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event's key (`case-accepted`), one of `data/templates.toml`.
    pub kind: &'static str,
    /// What it is about (`case:12`): the history groups by it.
    pub subject: String,
    pub vars: Vec<(&'static str, String)>,
    pub to: Vec<Recipient>,
    /// Where the inbox links to.
    pub link: String,
    /// Set when the same event may be told twice (a sweep on two replicas): a second
    /// telling with the same key writes nothing.
    pub once: Option<String>,
}

/// China Standard Time, in which quiet hours are kept.
const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// When a message may go: now, or the end of the person's quiet hours.
fn after_quiet(p: &Preferences, now: OffsetDateTime) -> OffsetDateTime {
    let local = now.to_offset(CST);
    let minute = u16::from(local.hour()) * 60 + u16::from(local.minute());
    match p.quiet {
        Some((_, until)) if p.is_quiet(minute) => {
            let ahead = (i64::from(until) - i64::from(minute)).rem_euclid(24 * 60);
            (now + Duration::minutes(ahead))
                .replace_second(0)
                .unwrap_or(now)
        }
        _ => now,
    }
}

/// The subject and body of `t` in `tongue`.
pub fn render_in(t: &Template, tongue: Tongue, vars: &[(&str, String)]) -> (String, String) {
    let one = |l: Lang| {
        let text = t.text(l);
        (render(&text.subject, vars), render(&text.body, vars))
    };
    match tongue {
        Tongue::One(l) => one(l),
        Tongue::ZhBo => {
            let (zs, zb) = one(Lang::Zh);
            let (bs, bb) = one(Lang::Bo);
            (format!("{zs} {bs}"), format!("{zb}\n{bb}"))
        }
    }
}

/// Tells about `e` in the caller's transaction: one inbox message per account, a text to each
/// mobile (where the person has not turned texts off), an email where the person asked for
/// them and a relay is configured, and one webhook call per subscribed system. Texts and
/// emails wait for the end of a person's quiet hours unless the event is urgent. Returns how
/// many messages were written.
pub async fn tell_in(conn: &mut Conn, db: &Db, e: &Event) -> Result<usize, NotifyError> {
    tell_all_in(conn, db, std::slice::from_ref(e)).await
}

/// Tells about each of `events` in the caller's transaction, as [`tell_in`] does, reading the
/// recipients' preferences at once and writing the messages in few statements (a sweep that
/// tells many).
pub async fn tell_all_in(conn: &mut Conn, db: &Db, events: &[Event]) -> Result<usize, NotifyError> {
    let snapshot = cached(db, conn).await?;
    let accounts: Vec<i64> = events
        .iter()
        .flat_map(|e| e.to.iter().filter_map(|r| r.account_id))
        .collect();
    let chosen = store::preferences_of(conn, &accounts).await?;
    let now = db.clock().now();
    let at = format_instant(now);
    let email_relay = settings(db).smtp.is_some();
    let mut out: Vec<store::Outgoing> = Vec::new();
    for e in events {
        let spec: &EventSpec = event(e.kind)?;
        let builtin;
        let t = match snapshot.templates.get(e.kind) {
            Some(t) => t,
            None => {
                builtin = spec.builtin();
                &builtin
            }
        };
        let base = store::Outgoing {
            event: e.kind.to_owned(),
            subject_ref: e.subject.clone(),
            account_id: None,
            channel: Channel::Inbox,
            address: String::new(),
            lang: String::new(),
            template_version: t.version,
            subject: String::new(),
            body: String::new(),
            link: e.link.clone(),
            urgent: spec.urgent,
            state: MessageState::Queued,
            not_before: at.clone(),
            created_at: at.clone(),
            once_key: None,
        };
        for r in &e.to {
            let prefs = r
                .account_id
                .map(|a| {
                    chosen
                        .get(&a)
                        .cloned()
                        .unwrap_or_else(|| Preferences::default_for(a))
                })
                .unwrap_or_else(|| Preferences::default_for(0));
            let (subject, body) = render_in(t, prefs.tongue, &e.vars);
            let later = format_instant(if spec.urgent {
                now
            } else {
                after_quiet(&prefs, now)
            });
            let mut channels: Vec<(Channel, String, MessageState, &str)> = Vec::new();
            if r.account_id.is_some() {
                channels.push((Channel::Inbox, String::new(), MessageState::Sent, &at));
            }
            if let Some(m) = r.mobile.as_deref().filter(|m| !m.is_empty())
                && prefs.sms
            {
                channels.push((Channel::Sms, m.to_owned(), MessageState::Queued, &later));
            }
            if let Some(addr) = prefs
                .email
                .as_deref()
                .filter(|_| prefs.email_on && email_relay)
            {
                channels.push((
                    Channel::Email,
                    addr.to_owned(),
                    MessageState::Queued,
                    &later,
                ));
            }
            for (channel, address, state, not_before) in channels {
                out.push(store::Outgoing {
                    account_id: r.account_id,
                    channel,
                    once_key: e.once.as_ref().map(|k| {
                        format!(
                            "{k}:{}:{address}:{}",
                            channel.key(),
                            r.account_id.unwrap_or(0)
                        )
                    }),
                    address,
                    lang: prefs.tongue.key().to_owned(),
                    subject: subject.clone(),
                    body: body.clone(),
                    state,
                    not_before: not_before.to_owned(),
                    ..base.clone()
                });
            }
        }
        let wanted: Vec<&Webhook> = snapshot.hooks.iter().filter(|h| h.wants(e.kind)).collect();
        if !wanted.is_empty() {
            let vars: serde_json::Map<String, serde_json::Value> = e
                .vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            let payload = serde_json::json!({
                "event": e.kind, "subject": e.subject, "vars": vars, "at": at,
            })
            .to_string();
            for h in wanted {
                let address = h.id.to_string();
                out.push(store::Outgoing {
                    channel: Channel::Webhook,
                    once_key: e.once.as_ref().map(|k| format!("{k}:webhook:{address}")),
                    address,
                    subject: e.kind.to_owned(),
                    body: payload.clone(),
                    ..base.clone()
                });
            }
        }
    }
    Ok(store::add_messages(conn, &out).await?)
}

/// Tells about `e` in a transaction of its own (an event that changes nothing else).
pub async fn tell(db: &Db, e: &Event) -> Result<usize, NotifyError> {
    let mut tx = db.begin().await?;
    let n = tell_in(&mut tx, db, e).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(n)
}

fn own_account(by: &Principal) -> Result<i64, NotifyError> {
    by.session()
        .map(|s| s.account.id)
        .ok_or(NotifyError::Forbidden)
}

/// The signed-in person's (or official's) choices.
pub async fn preferences(db: &Db, by: &Principal) -> Result<Preferences, NotifyError> {
    let account = own_account(by)?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    Ok(store::preferences(&mut conn, account)
        .await?
        .unwrap_or_else(|| Preferences::default_for(account)))
}

/// What a person asks for on the preferences form.
#[derive(Debug, Clone, Default)]
pub struct PreferencesForm {
    pub lang: String,
    pub sms: bool,
    pub email: String,
    pub email_on: bool,
    pub quiet_from: String,
    pub quiet_until: String,
}

fn minute_of_day(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Whether `s` looks like an email address a relay can take (one `@`, a dotted domain, no
/// spaces or angle brackets).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let plain = |part: &str| {
        !part.is_empty()
            && !part
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"@\\".contains(c))
    };
    s.len() <= 254
        && local.len() <= 64
        && plain(local)
        && plain(domain)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// Keeps the signed-in person's choices; every problem is named at once and nothing is kept.
pub async fn set_preferences(
    db: &Db,
    by: &Principal,
    form: &PreferencesForm,
) -> Result<Preferences, NotifyError> {
    use kernel::Message;
    let account = own_account(by)?;
    let mut problems = Vec::new();
    let tongue = Tongue::parse(form.lang.trim()).unwrap_or_else(|| {
        problems.push(("lang".to_owned(), Message::new("notify-lang-bad")));
        Tongue::ZhBo
    });
    let email = form.email.trim();
    if !email.is_empty() && !is_email(email) {
        problems.push(("email".to_owned(), Message::new("notify-email-bad")));
    }
    if form.email_on && email.is_empty() {
        problems.push(("email".to_owned(), Message::new("notify-email-needed")));
    }
    let quiet = match (form.quiet_from.trim(), form.quiet_until.trim()) {
        ("", "") => None,
        (f, u) => match (minute_of_day(f), minute_of_day(u)) {
            (Some(f), Some(u)) if f != u => Some((f, u)),
            _ => {
                problems.push(("quiet".to_owned(), Message::new("notify-quiet-bad")));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(NotifyError::Invalid(problems));
    }
    let p = Preferences {
        account_id: account,
        tongue,
        sms: form.sms,
        email: (!email.is_empty()).then(|| email.to_owned()),
        email_on: form.email_on,
        quiet,
    };
    let mut tx = db.begin().await?;
    store::save_preferences(&mut tx, &p, &format_instant(db.clock().now())).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "notify.preferences",
            subject: &format!("account:{account}"),
            payload: serde_json::json!({
                "lang": p.tongue.key(), "sms": p.sms, "email": p.email_on,
                "quiet": p.quiet.map(|(f, u)| format!("{f}-{u}")),
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(p)
}

/// The signed-in person's messages on every channel, with their delivery state.
pub async fn history(db: &Db, by: &Principal, limit: i64) -> Result<Vec<OutMessage>, NotifyError> {
    Ok(store::history(db, own_account(by)?, false, limit).await?)
}

/// The signed-in person's inbox, newest first; reading it marks it seen.
pub async fn inbox(db: &Db, by: &Principal, limit: i64) -> Result<Vec<OutMessage>, NotifyError> {
    let account = own_account(by)?;
    let list = store::history(db, account, true, limit).await?;
    store::mark_seen(db, account).await?;
    Ok(list)
}

/// Gives the inbox messages about `subject` from one account to another, in the caller's
/// transaction (an application made for someone else, handed to them). Texts and emails
/// already sent stay in the history of the account they were sent for.
pub async fn hand_over_in(
    conn: &mut Conn,
    subject: &str,
    from: i64,
    to: i64,
) -> Result<u64, NotifyError> {
    Ok(store::hand_over(conn, subject, from, to).await?)
}

/// The messages about one subject, for the officials who may see it (the caller checks
/// that they may see the subject).
pub async fn of_subject(db: &Db, subject: &str) -> Result<Vec<OutMessage>, NotifyError> {
    Ok(store::of_subject(db, subject).await?)
}

/// The operators' view: messages by channel and state, and the latest failed ones.
pub async fn operations(
    db: &Db,
    by: &Principal,
) -> Result<(crate::model::Tally, Vec<OutMessage>), NotifyError> {
    by.require_administrator(db, "notify.operations.read")
        .await?;
    Ok((
        store::tally(db).await?,
        store::in_state(db, MessageState::Failed, 100).await?,
    ))
}
