//! Ratings (好差评): after a result, and after a visit to a window, the applicant rates the
//! service 1–5 (非常不满意 … 非常满意) with an optional comment — once per case and channel.
//! A bad rating (1 or 2) opens a rectification task for the responsible department with a
//! deadline in working days; the department must answer the applicant. Supervisors see the
//! ratings per department.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::time_util::{format_date, format_instant};
use kernel::{DivisionCode, Message, WorkingDays};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use identity::Principal;

use crate::model::{Actor, Case, CaseError, Channel};
use crate::state::State;

/// The scores at or below which a rating is bad (不满意, 非常不满意).
pub const BAD: i64 = 2;

/// The channels a rating can be for: the online service and a window visit.
pub const CHANNELS: [Channel; 2] = [Channel::Online, Channel::Window];

/// Where a rectification stands: open until the department answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RectificationState {
    Open,
    Answered,
}

impl RectificationState {
    pub fn key(self) -> &'static str {
        match self {
            RectificationState::Open => "open",
            RectificationState::Answered => "answered",
        }
    }

    pub fn parse(s: &str) -> Option<RectificationState> {
        [RectificationState::Open, RectificationState::Answered]
            .into_iter()
            .find(|x| x.key() == s)
    }
}

/// A stored key read back as its type, or a conflict naming what was stored.
fn stored<T>(parse: impl Fn(&str) -> Option<T>, text: String) -> Result<T, DbError> {
    parse(&text).ok_or_else(|| DbError::Conflict(format!("stored value {text:?}")))
}

/// The channels the applicant may still rate for a case: online once the case has its
/// result; the window once a window served them (a window case, or a result handed out).
pub async fn open_channels(db: &Db, case: &Case) -> Result<Vec<Channel>, DbError> {
    if !(case.state.is_final() && case.state != State::Withdrawn) {
        return Ok(Vec::new());
    }
    let rated: Vec<String> =
        sqlx::query_scalar("SELECT channel FROM case_ratings WHERE case_id = $1")
            .bind(case.id)
            .fetch_all(db.pool())
            .await?;
    let at_window = case.channel == Channel::Window || case.delivery == "pickup";
    Ok(CHANNELS
        .into_iter()
        .filter(|c| *c == Channel::Online || at_window)
        .filter(|c| !rated.iter().any(|r| r == c.key()))
        .collect())
}

/// The applicant rates their case. Returns the rectification task a bad rating opened.
pub async fn rate(
    db: &Db,
    by: &Principal,
    case_id: i64,
    channel: &str,
    score: i64,
    comment: &str,
    days: u16,
) -> Result<Option<i64>, CaseError> {
    let case = &crate::authority::case_of(db, case_id).await?;
    crate::authority::applicant_only(by, case)?;
    let actor = &Actor::from_principal(by);
    let comment = comment.trim();
    let mut problems = Vec::new();
    if !(1..=5).contains(&score) {
        problems.push(("score".to_owned(), Message::new("case-rating-score")));
    }
    if comment.chars().count() > 500 {
        problems.push((
            "comment".to_owned(),
            Message::new("case-value-too-long").arg("max", 500),
        ));
    }
    if score <= BAD && comment.chars().count() < 2 {
        problems.push(("comment".to_owned(), Message::new("case-rating-why")));
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let open = open_channels(db, case).await?;
    let Some(channel) = Channel::parse(channel).filter(|c| open.contains(c)) else {
        return Err(CaseError::Refused(Message::new("case-rating-not-open")));
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let id: i64 = match sqlx::query_scalar(
        "INSERT INTO case_ratings (case_id, channel, account_id, score, comment, department, division, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(case.id)
    .bind(channel.key())
    .bind(case.account_id)
    .bind(score)
    .bind(comment)
    .bind(&case.department)
    .bind(&case.division)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await
    {
        Ok(id) => id,
        Err(e) => {
            return Err(match DbError::from(e) {
                // The same case and channel rated twice at once: the other one won.
                DbError::Conflict(_) => CaseError::Refused(Message::new("case-rating-not-open")),
                other => other.into(),
            });
        }
    };
    let mut task = None;
    if score <= BAD {
        let calendar = db::calendar::load(db).await?;
        let division = DivisionCode::parse(&case.division)
            .map_err(|_| DbError::Conflict(format!("case {} has a bad division", case.id)))?;
        let due = calendar
            .add_working_days(db.clock().today(), WorkingDays(days), division)
            .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?
            .value;
        let t: i64 = sqlx::query_scalar(
            "INSERT INTO case_rectifications (rating_id, case_id, department, division, due_date, state, opened_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id",
        )
        .bind(id)
        .bind(case.id)
        .bind(&case.department)
        .bind(&case.division)
        .bind(format_date(due))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(DbError::from)?;
        task = Some(t);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor.id,
            action: "case.rated",
            subject: &format!("case:{}", case.id),
            payload: json!({ "channel": channel.key(), "score": score, "rectification": task }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(task)
}

/// A rating with what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Rating {
    pub id: i64,
    pub case_id: i64,
    pub channel: Channel,
    pub score: i64,
    pub comment: String,
    pub at: String,
    pub department: String,
    /// The rectification task, if the rating was bad.
    pub rectification: Option<Rectification>,
}

/// A department's answer to a bad rating.
#[derive(Debug, Clone, Serialize)]
pub struct Rectification {
    pub id: i64,
    pub case_id: i64,
    pub department: String,
    pub division: String,
    pub due_date: String,
    pub state: RectificationState,
    pub reply: String,
    pub replied_at: Option<String>,
    pub score: i64,
    pub comment: String,
    pub number: String,
}

const RECT_COLUMNS: &str = "r.id AS id, r.case_id AS case_id, r.department AS department, r.division AS division, \
     r.due_date AS due_date, r.state AS state, r.reply AS reply, r.replied_at AS replied_at, g.score AS score, \
     g.comment AS comment, c.number AS number";

fn rectification(r: &sqlx::any::AnyRow) -> Result<Rectification, DbError> {
    let number: Option<String> = r.try_get("number")?;
    Ok(Rectification {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        department: r.try_get("department")?,
        division: r.try_get("division")?,
        due_date: r.try_get("due_date")?,
        state: stored(RectificationState::parse, r.try_get("state")?)?,
        reply: r.try_get("reply")?,
        replied_at: r.try_get("replied_at")?,
        score: r.try_get("score")?,
        comment: r.try_get("comment")?,
        number: number.unwrap_or_default(),
    })
}

const RECT_FROM: &str = "FROM case_rectifications r JOIN case_ratings g ON g.id = r.rating_id JOIN cases c ON c.id = r.case_id";

/// A case's ratings.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Rating>, DbError> {
    let rows = sqlx::query("SELECT id, case_id, channel, score, comment, at, department FROM case_ratings WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(db.pool())
        .await?;
    let rects = sqlx::query(&format!(
        "SELECT {RECT_COLUMNS}, r.rating_id AS rating_id {RECT_FROM} WHERE r.case_id = $1"
    ))
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let mut rect = None;
        for x in &rects {
            let rating: i64 = x.try_get("rating_id")?;
            if rating == id {
                rect = Some(rectification(x)?);
            }
        }
        out.push(Rating {
            id,
            case_id: r.try_get("case_id")?,
            channel: stored(Channel::parse, r.try_get("channel")?)?,
            score: r.try_get("score")?,
            comment: r.try_get("comment")?,
            at: r.try_get("at")?,
            department: r.try_get("department")?,
            rectification: rect,
        });
    }
    Ok(out)
}

/// Rectification tasks of a department kind in a division's subtree, open ones first.
pub async fn rectifications(
    db: &Db,
    kind: &str,
    prefix: &str,
    limit: i64,
) -> Result<Vec<Rectification>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {RECT_COLUMNS} {RECT_FROM} WHERE r.department LIKE $1 AND r.division LIKE $2 \
         ORDER BY CASE WHEN r.state = 'open' THEN 0 ELSE 1 END, r.due_date, r.id LIMIT $3"
    ))
    .bind(format!("%-{kind}"))
    .bind(format!("{prefix}%"))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(rectification).collect()
}

pub async fn rectification_by_id(db: &Db, id: i64) -> Result<Option<Rectification>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {RECT_COLUMNS} {RECT_FROM} WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(rectification).transpose()
}

/// The department answers a bad rating; the applicant sees the answer on the case.
/// Only the responsible department's own officials, over its division, may; anyone else is
/// told the rectification does not exist.
pub async fn answer(db: &Db, by: &Principal, id: i64, reply: &str) -> Result<(), CaseError> {
    let r = rectification_by_id(db, id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let Some(session) = by.official() else {
        return Err(CaseError::NotFound);
    };
    let kind_ok =
        crate::workflow::kind_of(session).is_some_and(|k| r.department.ends_with(&format!("-{k}")));
    let place_ok = kernel::DivisionCode::parse(&r.division).is_ok_and(|d| {
        session
            .account
            .grants
            .iter()
            .any(|g| d.is_within(g.division))
    });
    if !(kind_ok && place_ok) {
        return Err(CaseError::NotFound);
    }
    let actor = &Actor::from_principal(by);
    let reply = reply.trim();
    if reply.chars().count() < 5 {
        return Err(CaseError::Invalid(vec![(
            "reply".into(),
            Message::new("case-reply-missing"),
        )]));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE case_rectifications SET state = 'answered', reply = $1, replied_by = $2, replied_at = $3 WHERE id = $4 AND state = 'open'",
    )
    .bind(reply)
    .bind(&actor.id)
    .bind(&at)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?
    .rows_affected();
    if n != 1 {
        return Err(CaseError::Refused(Message::new(
            "case-rectification-closed",
        )));
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor.id,
            action: "case.rectification.answered",
            subject: &format!("rectification:{id}"),
            payload: json!({ "reply": reply }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Ratings of one department through one channel (its windows, or online).
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub department: String,
    pub channel: Channel,
    pub count: i64,
    pub average: f64,
    pub bad: i64,
}

/// Ratings per department and channel within a division's subtree (`prefix` from
/// `subtree_prefix`): what supervisors compare.
pub async fn per_department(db: &Db, prefix: &str) -> Result<Vec<Tally>, DbError> {
    let rows = sqlx::query(
        "SELECT department, channel, COUNT(*) AS n, CAST(SUM(score) AS BIGINT) AS total, \
         CAST(SUM(CASE WHEN score <= 2 THEN 1 ELSE 0 END) AS BIGINT) AS bad FROM case_ratings \
         WHERE division LIKE $1 GROUP BY department, channel ORDER BY department, channel",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n")?;
            let sum: i64 = r.try_get("total")?;
            Ok(Tally {
                department: r.try_get("department")?,
                channel: stored(Channel::parse, r.try_get("channel")?)?,
                count: n,
                average: if n > 0 { sum as f64 / n as f64 } else { 0.0 },
                bad: r.try_get("bad")?,
            })
        })
        .collect()
}

/// An item's ratings at one department over a period: how many, and how many bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRatings {
    pub department: String,
    pub item_code: String,
    /// The item's name as its cases carry it.
    pub item_name: String,
    pub rated: i64,
    pub bad: i64,
}

/// The items rated badly in `[from, to)` (instants) — at one department only when
/// `department` is given —, with their ratings: what the hotline's problem list weighs.
pub async fn bad_by_item(
    db: &Db,
    from: &str,
    to: &str,
    department: Option<&str>,
) -> Result<Vec<ItemRatings>, DbError> {
    let rows = sqlx::query(
        "SELECT g.department AS department, c.item_code AS item_code, MIN(c.item_name) AS item_name, \
         COUNT(*) AS rated, CAST(SUM(CASE WHEN g.score <= $4 THEN 1 ELSE 0 END) AS BIGINT) AS bad \
         FROM case_ratings g JOIN cases c ON c.id = g.case_id \
         WHERE g.at >= $1 AND g.at < $2 AND ($3 = '' OR g.department = $3) \
         GROUP BY g.department, c.item_code",
    )
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .bind(BAD)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let bad: i64 = r.try_get("bad")?;
        if bad > 0 {
            out.push(ItemRatings {
                department: r.try_get("department")?,
                item_code: r.try_get("item_code")?,
                item_name: r.try_get("item_name")?,
                rated: r.try_get("rated")?,
                bad,
            });
        }
    }
    Ok(out)
}
