//! Every SQL statement on the `notify_*` tables; rows are read by column name into the
//! model's types in one place per table.

use db::{Conn, Db, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{
    Channel, MessageState, OutMessage, Preferences, Tally, Template, Text, Tongue, Webhook,
};

fn bad(table: &str, what: &str) -> DbError {
    DbError::Conflict(format!("{table}: {what} does not read"))
}

const TEMPLATE: &str = "event, version, subject_zh, body_zh, subject_bo, body_bo, subject_en, body_en, note, created_by, created_at";

fn template(r: &AnyRow) -> Result<Template, DbError> {
    let text = |s: &str, b: &str| -> Result<Text, DbError> {
        Ok(Text {
            subject: r.try_get(s)?,
            body: r.try_get(b)?,
        })
    };
    Ok(Template {
        event: r.try_get("event")?,
        version: r.try_get("version")?,
        zh: text("subject_zh", "body_zh")?,
        bo: text("subject_bo", "body_bo")?,
        en: text("subject_en", "body_en")?,
        note: r.try_get("note")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// An event's kept versions, newest first.
pub async fn template_versions(db: &Db, event: &str) -> Result<Vec<Template>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {TEMPLATE} FROM notify_templates WHERE event = $1 ORDER BY version DESC"
    ))
    .bind(event)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(template).collect()
}

/// The newest kept version of every event's template.
pub async fn current_templates_in(conn: &mut Conn) -> Result<Vec<Template>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {TEMPLATE} FROM notify_templates t WHERE version = (SELECT MAX(version) FROM notify_templates u WHERE u.event = t.event)"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(template).collect()
}

/// Keeps `t` as the event's next version; returns its number.
pub async fn add_template(conn: &mut Conn, t: &Template) -> Result<i64, DbError> {
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM notify_templates WHERE event = $1",
    )
    .bind(&t.event)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO notify_templates ({TEMPLATE}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&t.event)
    .bind(version)
    .bind(&t.zh.subject)
    .bind(&t.zh.body)
    .bind(&t.bo.subject)
    .bind(&t.bo.body)
    .bind(&t.en.subject)
    .bind(&t.en.body)
    .bind(&t.note)
    .bind(&t.created_by)
    .bind(&t.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(version)
}

const PREFERENCES: &str = "account_id, lang, sms, email, email_on, quiet_from, quiet_until";

fn preferences_row(r: &AnyRow) -> Result<Preferences, DbError> {
    let lang: String = r.try_get("lang")?;
    let from: Option<i64> = r.try_get("quiet_from")?;
    let until: Option<i64> = r.try_get("quiet_until")?;
    let minute = |m: i64| u16::try_from(m).map_err(|_| bad("notify_preferences", "quiet hours"));
    Ok(Preferences {
        account_id: r.try_get("account_id")?,
        tongue: Tongue::parse(&lang).ok_or_else(|| bad("notify_preferences", "lang"))?,
        sms: r.try_get::<i64, _>("sms")? != 0,
        email: r.try_get("email")?,
        email_on: r.try_get::<i64, _>("email_on")? != 0,
        quiet: match (from, until) {
            (Some(f), Some(u)) => Some((minute(f)?, minute(u)?)),
            _ => None,
        },
    })
}

/// A person's choices, if they made any.
pub async fn preferences(conn: &mut Conn, account: i64) -> Result<Option<Preferences>, DbError> {
    sqlx::query(&format!(
        "SELECT {PREFERENCES} FROM notify_preferences WHERE account_id = $1"
    ))
    .bind(account)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(preferences_row)
    .transpose()
}

/// The choices of those of `accounts` who made any.
pub async fn preferences_of(
    conn: &mut Conn,
    accounts: &[i64],
) -> Result<std::collections::HashMap<i64, Preferences>, DbError> {
    let mut ids = accounts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {PREFERENCES} FROM notify_preferences WHERE account_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let p = preferences_row(&r)?;
            out.insert(p.account_id, p);
        }
    }
    Ok(out)
}

/// Keeps a person's choices.
pub async fn save_preferences(conn: &mut Conn, p: &Preferences, at: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO notify_preferences (account_id, lang, sms, email, email_on, quiet_from, quiet_until, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account_id) DO UPDATE SET lang = $2, sms = $3, email = $4, \
         email_on = $5, quiet_from = $6, quiet_until = $7, updated_at = $8",
    )
    .bind(p.account_id)
    .bind(p.tongue.key())
    .bind(i64::from(p.sms))
    .bind(p.email.as_deref())
    .bind(i64::from(p.email_on))
    .bind(p.quiet.map(|(f, _)| i64::from(f)))
    .bind(p.quiet.map(|(_, u)| i64::from(u)))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const WEBHOOK: &str = "id, client_id, url, events, active, created_at";

fn webhook(r: &AnyRow) -> Result<Webhook, DbError> {
    let events: String = r.try_get("events")?;
    Ok(Webhook {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        url: r.try_get("url")?,
        events: events.split_whitespace().map(str::to_owned).collect(),
        active: r.try_get::<i64, _>("active")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

/// Every webhook (the active ones receive events).
pub async fn webhooks(conn: &mut Conn) -> Result<Vec<Webhook>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {WEBHOOK} FROM notify_webhooks ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(webhook).collect()
}

/// A webhook's URL and (sealed) secret.
pub async fn webhook_target(db: &Db, id: i64) -> Result<Option<(String, String)>, DbError> {
    Ok(
        sqlx::query_as("SELECT url, secret FROM notify_webhooks WHERE id = $1 AND active = 1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// Adds a webhook; returns its id.
pub async fn add_webhook(
    conn: &mut Conn,
    client_id: &str,
    url: &str,
    sealed_secret: &str,
    events: &[String],
    at: &str,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notify_webhooks (client_id, url, secret, events, active, created_at) VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
    )
    .bind(client_id)
    .bind(url)
    .bind(sealed_secret)
    .bind(events.join(" "))
    .bind(at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Stops a webhook; whether there was an active one.
pub async fn stop_webhook(conn: &mut Conn, id: i64) -> Result<bool, DbError> {
    Ok(
        sqlx::query("UPDATE notify_webhooks SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// A message to write.
#[derive(Debug, Clone)]
pub struct Outgoing {
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
    pub not_before: String,
    pub created_at: String,
    pub once_key: Option<String>,
}

/// Rows a statement writes (16 parameters each, well under both backends' limits).
const ROWS_A_STATEMENT: usize = 200;

/// Writes messages; one with a once-key written before is skipped. Returns how many were
/// written.
pub async fn add_messages(conn: &mut Conn, all: &[Outgoing]) -> Result<usize, DbError> {
    let mut written = 0;
    for chunk in all.chunks(ROWS_A_STATEMENT) {
        let sql = format!(
            "INSERT INTO notify_messages (event, subject_ref, account_id, channel, address, lang, template_version, subject, body, link, \
             urgent, state, not_before, created_at, sent_at, once_key) VALUES {} ON CONFLICT (once_key) DO NOTHING RETURNING id",
            db::placeholders(chunk.len(), 16, 1)
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            let sent_at = (m.state == MessageState::Sent).then_some(m.created_at.as_str());
            q = q
                .bind(m.event.as_str())
                .bind(m.subject_ref.as_str())
                .bind(m.account_id)
                .bind(m.channel.key())
                .bind(m.address.as_str())
                .bind(m.lang.as_str())
                .bind(m.template_version)
                .bind(m.subject.as_str())
                .bind(m.body.as_str())
                .bind(m.link.as_str())
                .bind(i64::from(m.urgent))
                .bind(m.state.key())
                .bind(m.not_before.as_str())
                .bind(m.created_at.as_str())
                .bind(sent_at)
                .bind(m.once_key.as_deref());
        }
        written += q.fetch_all(&mut *conn).await?.len();
    }
    Ok(written)
}

const MESSAGE: &str = "id, event, subject_ref, account_id, channel, address, lang, template_version, subject, body, link, urgent, state, attempts, not_before, outcome, created_at, sent_at, seen";

fn message(r: &AnyRow) -> Result<OutMessage, DbError> {
    let channel: String = r.try_get("channel")?;
    let state: String = r.try_get("state")?;
    Ok(OutMessage {
        id: r.try_get("id")?,
        event: r.try_get("event")?,
        subject_ref: r.try_get("subject_ref")?,
        account_id: r.try_get("account_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("notify_messages", "channel"))?,
        address: r.try_get("address")?,
        lang: r.try_get("lang")?,
        template_version: r.try_get("template_version")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        link: r.try_get("link")?,
        urgent: r.try_get::<i64, _>("urgent")? != 0,
        state: MessageState::parse(&state).ok_or_else(|| bad("notify_messages", "state"))?,
        attempts: r.try_get("attempts")?,
        not_before: r.try_get("not_before")?,
        outcome: r.try_get("outcome")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        seen: r.try_get::<i64, _>("seen")? != 0,
    })
}

/// Queued messages of `channel` due by `now`, urgent ones first.
pub async fn due(
    db: &Db,
    channel: Channel,
    now: &str,
    limit: i64,
) -> Result<Vec<OutMessage>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {MESSAGE} FROM notify_messages WHERE channel = $1 AND state = 'queued' AND not_before <= $2 \
         ORDER BY urgent DESC, id LIMIT $3"
    ))
    .bind(channel.key())
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(message).collect()
}

/// Claims a queued message for sending until `until`; whether this sender won it.
pub async fn claim(db: &Db, id: i64, until: &str) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "UPDATE notify_messages SET state = 'sending', claimed_until = $2, attempts = attempts + 1 WHERE id = $1 AND state = 'queued'",
    )
    .bind(id)
    .bind(until)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1)
}

/// Records how a claimed message's sending ended: sent, failed, or queued again at
/// `not_before`. A message whose lease ran out meanwhile (and was marked interrupted) is
/// still recorded as sent when it was.
pub async fn finish(
    db: &Db,
    id: i64,
    state: MessageState,
    outcome: &str,
    at: &str,
    not_before: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE notify_messages SET state = $2, outcome = $3, sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE sent_at END, \
         not_before = $5, claimed_until = NULL WHERE id = $1 AND (state = 'sending' OR ($2 = 'sent' AND outcome = 'interrupted'))",
    )
    .bind(id)
    .bind(state.key())
    .bind(outcome)
    .bind(at)
    .bind(not_before)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Ends every message whose sender's lease ran out before `now` (the platform stopped while
/// sending it): it may have gone, so it is marked failed, never sent again.
pub async fn recover(db: &Db, now: &str) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE notify_messages SET state = 'failed', outcome = 'interrupted', claimed_until = NULL \
         WHERE state = 'sending' AND claimed_until < $1",
    )
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected())
}

/// A person's messages, newest first; `inbox_only` for what the inbox shows.
pub async fn history(
    db: &Db,
    account: i64,
    inbox_only: bool,
    limit: i64,
) -> Result<Vec<OutMessage>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {MESSAGE} FROM notify_messages WHERE account_id = $1 AND ($2 = 0 OR channel = 'inbox') ORDER BY id DESC LIMIT $3"
    ))
    .bind(account)
    .bind(i64::from(inbox_only))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(message).collect()
}

/// Messages about one subject (`case:12`), oldest first.
pub async fn of_subject(db: &Db, subject_ref: &str) -> Result<Vec<OutMessage>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {MESSAGE} FROM notify_messages WHERE subject_ref = $1 ORDER BY id"
    ))
    .bind(subject_ref)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(message).collect()
}

/// Messages in `state` (all channels), newest first.
pub async fn in_state(
    db: &Db,
    state: MessageState,
    limit: i64,
) -> Result<Vec<OutMessage>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {MESSAGE} FROM notify_messages WHERE state = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(state.key())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(message).collect()
}

/// Gives the inbox messages about `subject_ref` held by `from` to `to` (an application made
/// for someone else, handed to them).
pub async fn hand_over(
    conn: &mut Conn,
    subject_ref: &str,
    from: i64,
    to: i64,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE notify_messages SET account_id = $1 WHERE subject_ref = $2 AND account_id = $3 AND channel = 'inbox'",
    )
    .bind(to)
    .bind(subject_ref)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Marks a person's inbox seen.
pub async fn mark_seen(db: &Db, account: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE notify_messages SET seen = 1 WHERE account_id = $1 AND channel = 'inbox' AND seen = 0",
    )
    .bind(account)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Messages by channel and state.
pub async fn tally(db: &Db) -> Result<Tally, DbError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT channel, state, COUNT(*) FROM notify_messages GROUP BY channel, state ORDER BY channel, state",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(Tally {
        rows: rows
            .into_iter()
            .filter_map(|(c, s, n)| Some((Channel::parse(&c)?, MessageState::parse(&s)?, n)))
            .collect(),
    })
}
