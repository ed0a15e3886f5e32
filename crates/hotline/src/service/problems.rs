//! The problem list (问题清单): each department's matters ranked by what they drew over a
//! period — hotline complaints, dissatisfied ratings and reopenings by the matter of each
//! ticket (the service item it names, or else its dispatch category; from the figures'
//! rollup), joined by item and department with the items' bad service ratings (好差评) —
//! and the matters listed for rectification, tracked until the department closes each with
//! its reply.
//!
//! The hotline and supervisors see every department and list matters for rectification (a
//! hotline manager or a supervisor); a department's officials see their own and reply.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::DivisionCode;
use kernel::time_util::format_instant;
use time::Date;

use super::{department_of, due, figures_scope, refused};
use crate::model::{HotlineError, Limit, Line, Problem, ProblemState, Source, Weighed};
use crate::service::kpi;
use crate::store;

/// Working days a department has to rectify a listed matter and reply.
pub const RECTIFY_DAYS: u16 = 15;

/// Who lists matters for rectification.
const LISTERS: [Role; 2] = [Role::HotlineManager, Role::Supervisor];

/// Whether `by` may list matters for rectification (what [`list`] allows).
pub fn may_list(by: &Principal) -> bool {
    by.holds_any(&LISTERS)
}

/// The matters of the days `from` to `to` (both included), heaviest first: every department's
/// for the hotline and supervisors, their own for a department's officials; refused (audited)
/// to anyone else.
pub async fn ranked(
    db: &Db,
    by: &Principal,
    from: Date,
    to: Date,
) -> Result<Vec<Line>, HotlineError> {
    let only = figures_scope(db, by, "hotline:problems", "hotline.problems").await?;
    lines(db, from, to, only.as_deref()).await
}

async fn lines(
    db: &Db,
    from: Date,
    to: Date,
    only: Option<&str>,
) -> Result<Vec<Line>, HotlineError> {
    kpi::check_period(from, to)?;
    kpi::refresh(db, from, to).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let mut out = Vec::new();
    // Each ticket's matter: the service item it names, or else its category.
    for (department, t) in store::by_department_and_matter(&mut conn, from, to, only).await? {
        let weighed = Weighed {
            complaints: t.complaints,
            dissatisfied: t.dissatisfied,
            reopened: t.reopened,
            bad_ratings: 0,
        };
        let (source, subject) = match t.key.split_once(':') {
            Some(("item", code)) => (Source::Item, code.to_owned()),
            Some((_, code)) => (Source::Category, code.to_owned()),
            None => (Source::Category, t.key.clone()),
        };
        if weighed.weight() > 0 && !department.is_empty() {
            out.push(Line {
                department,
                source,
                subject,
                title: String::new(),
                weighed,
                open: None,
            });
        }
    }
    // Joined by item and department with the items' bad ratings.
    let (start, end) = (store::day_bounds(from).0, store::day_bounds(to).1);
    for r in cases::ratings::bad_by_item(db, &start, &end, only).await? {
        let found = out.iter_mut().find(|l| {
            l.source == Source::Item && l.department == r.department && l.subject == r.item_code
        });
        match found {
            Some(l) => {
                l.weighed.bad_ratings = r.bad;
                l.title = r.item_name;
            }
            None => out.push(Line {
                department: r.department,
                source: Source::Item,
                subject: r.item_code,
                title: r.item_name,
                weighed: Weighed {
                    bad_ratings: r.bad,
                    ..Weighed::default()
                },
                open: None,
            }),
        }
    }
    // Items complained about but not rated: named as the catalogue names them.
    for l in out
        .iter_mut()
        .filter(|l| l.source == Source::Item && l.title.is_empty())
    {
        if let Some(item) = catalog::service::published(db, &l.subject).await? {
            l.title = item.name_zh;
        }
    }
    let open = store::problems(&mut conn, only).await?;
    for line in &mut out {
        line.open = open
            .iter()
            .find(|p| {
                p.state == ProblemState::Open
                    && p.department == line.department
                    && p.source == line.source
                    && p.subject == line.subject
            })
            .map(|p| p.id);
    }
    out.sort_by(|a, b| {
        b.weighed
            .weight()
            .cmp(&a.weighed.weight())
            .then_with(|| a.department.cmp(&b.department))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    Ok(out)
}

/// What the hotline asks to list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Listing {
    pub department: String,
    pub source: String,
    pub subject: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub note: String,
}

/// Lists a ranked matter for rectification, with the period's figures that put it there and
/// a limit of [`RECTIFY_DAYS`] working days; a hotline manager's or a supervisor's to do.
/// Refused (audited) when the matter is not on the period's list, or already listed and open.
pub async fn list(db: &Db, by: &Principal, what: &Listing) -> Result<Problem, HotlineError> {
    let target = format!("hotline-problem:{}:{}", what.department, what.subject);
    let action = "hotline.problem.listed";
    by.require_any_role(db, &LISTERS, &target, action).await?;
    let read = |s: &str| kernel::time_util::parse_date(s.trim());
    let (Some(from), Some(to)) = (read(&what.from), read(&what.to)) else {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::field("to", "hotline-figures-period"),
        )
        .await);
    };
    let source = Source::parse(&what.source);
    let lines = match lines(db, from, to, Some(&what.department)).await {
        Ok(l) => l,
        Err(e) => return Err(refused(db, by, &target, action, e).await),
    };
    let Some(line) = lines
        .into_iter()
        .find(|l| Some(l.source) == source && l.subject == what.subject)
    else {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::field("subject", "hotline-problem-unknown"),
        )
        .await);
    };
    if line.open.is_some() {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::refused("hotline-problem-listed"),
        )
        .await);
    }
    let now = db.clock().now();
    let division = what
        .department
        .split('-')
        .next()
        .and_then(|d| DivisionCode::parse(d).ok())
        .or_else(|| DivisionCode::parse("540000").ok())
        .ok_or_else(|| HotlineError::field("department", "hotline-department-unknown"))?;
    let due_at = due(db, now, Limit::WorkingDays(RECTIFY_DAYS), division).await?;
    let mut p = Problem {
        id: 0,
        department: line.department,
        source: line.source,
        subject: line.subject,
        title: line.title,
        from: from.to_string(),
        to: to.to_string(),
        weight: line.weighed.weight(),
        weighed: line.weighed,
        note: what.note.trim().to_owned(),
        state: ProblemState::Open,
        due_at,
        listed_by: by.id(),
        listed_at: format_instant(now),
        reply: String::new(),
        replied_by: String::new(),
        replied_at: None,
    };
    let mut tx = db.begin().await?;
    let Some(id) = store::insert_problem(&mut tx, &p).await? else {
        drop(tx);
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::refused("hotline-problem-listed"),
        )
        .await);
    };
    p.id = id;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &format!("hotline-problem:{id}"),
            payload: serde_json::json!({
                "department": p.department, "source": p.source.key(), "subject": p.subject,
                "weight": p.weight, "due": p.due_at,
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(p)
}

/// The listed problems: every department's for the hotline and supervisors, their own for a
/// department's officials; open ones first, soonest due.
pub async fn tracked(db: &Db, by: &Principal) -> Result<Vec<Problem>, HotlineError> {
    let only = figures_scope(db, by, "hotline:problems", "hotline.problems").await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::problems(&mut conn, only.as_deref()).await?)
}

/// The department closes an open problem with its reply (what it changed, at least five
/// characters): its own officials only; refused (audited) to anyone else, or when closed.
pub async fn rectify(
    db: &Db,
    by: &Principal,
    id: i64,
    reply: &str,
) -> Result<Problem, HotlineError> {
    let target = format!("hotline-problem:{id}");
    let action = "hotline.problem.rectified";
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let found = store::problem_by_id(&mut conn, id).await?;
    drop(conn);
    let Some(mut p) = found else {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::NotFound(kernel::Message::new("hotline-problem-unknown")),
        )
        .await);
    };
    if department_of(by) != Some(p.department.as_str()) {
        by.refuse(db, &target, "department", action).await?;
        return Err(HotlineError::Forbidden);
    }
    let reply = reply.trim();
    if reply.chars().count() < 5 {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::field("reply", "hotline-problem-reply-missing"),
        )
        .await);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    if !store::rectify(&mut tx, id, reply, &by.id(), &at).await? {
        drop(tx);
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::refused("hotline-problem-closed"),
        )
        .await);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &target,
            payload: serde_json::json!({ "reply": reply }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    p.state = ProblemState::Rectified;
    p.reply = reply.to_owned();
    p.replied_by = by.id();
    p.replied_at = Some(at);
    Ok(p)
}
