//! The hotline's use cases. Every function takes the acting principal and checks it first;
//! every refusal is audited (`authz.refused` for who may not, `hotline.refused` for what
//! may not be done):
//!
//! - `intake`: a ticket taken by an agent (call, text), raised on the portal by a signed-in
//!   person, or from a hall's kiosk; a matter for elsewhere recognised; a consultation
//!   answered on the spot closed at once; the caller's history for the agent;
//! - `dispatch`: the dispatch catalogue (categories, rules with their history) and finding a
//!   ticket's lead and co-handling departments;
//! - `handling`: the department signs, returns with a reason, asks for one extension and
//!   replies; the hotline re-dispatches a returned ticket or insists;
//! - `knowledge`: the knowledge base's articles, drafted, approved, retired and searched;
//! - `open311`: GeoReport v2 requests posted by systems with a key, and the public list;
//! - `kpi`: the KPIs and hot topics by department, category or county, and the public's
//!   monthly totals;
//! - `merging`: repeats of an open matter proposed and merged into a master (并单);
//! - `callbacks`: the seats' languages and the call-back tasks given to them after a reply;
//! - `closing`: the caller's rating (or the agent's call back), one reopening of a
//!   dissatisfied or unsolved ticket under supervision, and the supervisors' list and urge
//!   notices.
//!
//! Who sees whom: a report's (举报) caller is shown to no one after it is taken (`view`).

pub mod callbacks;
pub mod closing;
pub mod dispatch;
pub mod handling;
pub mod intake;
pub mod knowledge;
pub mod kpi;
pub mod merging;
pub mod open311;
pub mod problems;
mod storing;

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::DivisionCode;
use kernel::calendar::WorkingDays;
use kernel::i18n::Localize;
use kernel::time_util::{CST, format_instant};
use serde::Serialize;
use time::OffsetDateTime;

use crate::model::{Assignment, HotlineError, Limit, Limits, Part, Step, Ticket};
use crate::store;

/// A ticket as its reader may see it, with the departments' parts and its timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub ticket: Ticket,
    pub parts: Vec<Assignment>,
    pub steps: Vec<Step>,
    /// What the reader may do with it now.
    pub may: Powers,
}

/// What a reader may do with a ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Powers {
    /// Sign, return, extend and reply: the lead department.
    pub handle: bool,
    /// Sign its own part: a co-handling department.
    pub co_handle: bool,
    /// Re-dispatch or insist: the hotline.
    pub dispatch: bool,
    /// Rate the reply, and reopen a dissatisfied or unsolved one once: the caller, or the
    /// hotline calling them back.
    pub rate: bool,
    /// Send an urge notice: a supervisor.
    pub urge: bool,
}

/// How a reader stands towards a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The hotline: agents and managers (and the operator).
    Hotline,
    /// An official of a department with an open part in it.
    Department(Part),
    /// Who raised it, signed in.
    Caller,
    /// A supervisor over its place (督办).
    Supervisor,
}

/// The hotline's roles.
pub(crate) const HOTLINE: [Role; 2] = [Role::HotlineAgent, Role::HotlineManager];

pub(crate) fn is_hotline(by: &Principal) -> bool {
    by.holds_any(&HOTLINE)
}

/// Whose figures `by` may read: every department's (`None`) for the hotline and
/// supervisors, their own department's for its officials; anyone else is refused (audited,
/// as `action`).
pub(crate) async fn figures_scope(
    db: &Db,
    by: &Principal,
    subject: &str,
    action: &str,
) -> Result<Option<String>, HotlineError> {
    if by.holds_any(&[Role::HotlineAgent, Role::HotlineManager, Role::Supervisor]) {
        return Ok(None);
    }
    match department_of(by) {
        Some(d) => Ok(Some(d.to_owned())),
        None => {
            by.refuse(db, subject, "hotline-figures", action).await?;
            Err(HotlineError::Forbidden)
        }
    }
}

/// The department an official works in.
pub(crate) fn department_of(by: &Principal) -> Option<&str> {
    by.official().and_then(|s| s.account.department.as_deref())
}

/// How `by` stands towards `t` (with its open parts), or `None` if not at all.
pub(crate) fn standing(by: &Principal, t: &Ticket, parts: &[Assignment]) -> Option<Standing> {
    if is_hotline(by) {
        return Some(Standing::Hotline);
    }
    if let Some(dep) = department_of(by)
        && let Some(p) = parts
            .iter()
            .find(|p| p.ended_at.is_none() && p.department == dep)
    {
        return Some(Standing::Department(p.part));
    }
    let own = by.person().map(|s| s.account.id);
    if own.is_some() && t.caller.as_ref().and_then(|c| c.account_id) == own {
        return Some(Standing::Caller);
    }
    if by
        .official()
        .is_some_and(|s| s.account.may(Role::Supervisor, t.division))
    {
        return Some(Standing::Supervisor);
    }
    None
}

/// Reads a ticket, its parts and how `by` stands towards it, refusing (audited, as `action`)
/// anyone `allowed` refuses.
pub(crate) async fn ticket_for(
    db: &Db,
    by: &Principal,
    id: i64,
    action: &str,
    allowed: impl Fn(Standing) -> bool,
) -> Result<(Ticket, Vec<Assignment>, Standing), HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    let parts = store::parts(&mut conn, id).await?;
    drop(conn);
    match standing(by, &t, &parts) {
        Some(s) if allowed(s) => Ok((t, parts, s)),
        _ => {
            by.refuse(db, &subject(&t), "hotline", action).await?;
            Err(HotlineError::Forbidden)
        }
    }
}

/// A ticket for `by`: refused (and audited) unless they stand towards it; who raised a
/// report is left out for everyone but the caller.
pub async fn view(db: &Db, by: &Principal, id: i64) -> Result<TicketView, HotlineError> {
    let (ticket, parts, standing) = ticket_for(db, by, id, "hotline.view", |_| true).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let steps = store::steps(&mut conn, id).await?;
    drop(conn);
    let may = Powers {
        handle: standing == Standing::Department(Part::Lead),
        co_handle: standing == Standing::Department(Part::Co),
        dispatch: standing == Standing::Hotline,
        rate: matches!(standing, Standing::Hotline | Standing::Caller),
        urge: standing == Standing::Supervisor,
    };
    Ok(TicketView {
        ticket: shown(ticket, standing),
        parts,
        steps,
        may,
    })
}

/// A ticket with its caller left out where `standing` may not see them.
pub(crate) fn shown(mut t: Ticket, standing: Standing) -> Ticket {
    if t.kind.confidential() && standing != Standing::Caller {
        t.caller = None;
    }
    t
}

/// The audit subject of a ticket.
pub(crate) fn subject(t: &Ticket) -> String {
    format!("hotline:{}", t.number)
}

/// Records a refusal of what `by` asked (`hotline.refused`, with the reason's key) and
/// returns it, so every refusal is in the audit chain.
pub(crate) async fn refused(
    db: &Db,
    by: &Principal,
    subject: &str,
    action: &str,
    e: HotlineError,
) -> HotlineError {
    refused_as(db, &by.id(), subject, action, e).await
}

/// [`refused`] for an actor known by name only (an Open311 key).
pub(crate) async fn refused_as(
    db: &Db,
    actor: &str,
    subject: &str,
    action: &str,
    e: HotlineError,
) -> HotlineError {
    let key = e.message().key;
    let recorded = async {
        let mut tx = db.begin().await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor,
                action: "hotline.refused",
                subject,
                payload: serde_json::json!({ "action": action, "reason": key }),
            },
        )
        .await?;
        tx.commit().await.map_err(db::DbError::from)
    };
    if let Err(db_error) = recorded.await {
        return HotlineError::Db(db_error);
    }
    e
}

/// The time limits in force: the defaults, with what the hotline's managers set.
pub async fn limits(db: &Db) -> Result<Limits, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(Limits::from_values(&store::limit_values(&mut conn).await?))
}

/// Every limit that may be set, with its value in force; for the hotline's staff.
pub async fn limit_settings(
    db: &Db,
    by: &Principal,
) -> Result<Vec<(crate::model::Setting, u16)>, HotlineError> {
    by.require_any_role(db, &HOTLINE, "hotline:limits", "hotline.limits")
        .await?;
    let l = limits(db).await?;
    Ok(crate::model::SETTINGS
        .into_iter()
        .map(|s| (s, l.value(&s)))
        .collect())
}

/// A hotline manager sets a limit (a whole number from 1 to its setting's most); tickets
/// taken from then on keep it. Refused (audited) to anyone else, or for a bad value.
pub async fn set_limit(
    db: &Db,
    by: &Principal,
    name: &str,
    value: &str,
) -> Result<u16, HotlineError> {
    let target = format!("hotline-limit:{name}");
    let action = "hotline.limit.set";
    by.require_any_role(db, &[Role::HotlineManager], &target, action)
        .await?;
    let Some(setting) = crate::model::Setting::named(name) else {
        return Err(refused(
            db,
            by,
            &target,
            action,
            HotlineError::field("name", "hotline-limit-unknown"),
        )
        .await);
    };
    let Some(v) = value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|v| (1..=setting.max).contains(v))
    else {
        let e = HotlineError::Invalid(vec![(
            "value".into(),
            kernel::Message::new("hotline-limit-range").arg("max", i64::from(setting.max)),
        )]);
        return Err(refused(db, by, &target, action, e).await);
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    store::set_limit(&mut tx, name, v, &at, &by.id()).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &target,
            payload: serde_json::json!({ "value": v, "unit": setting.unit }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(v)
}

/// When a limit started at `from` ends, for a place in `division`: the close of the n-th
/// working day (23:59:59 China Standard Time), or n clock hours on.
pub(crate) async fn due(
    db: &Db,
    from: OffsetDateTime,
    limit: Limit,
    division: DivisionCode,
) -> Result<String, HotlineError> {
    let [at] = dues(db, from, [limit], division).await?;
    Ok(at)
}

/// [`due`] for several limits from one start, reading the calendar (its revision) once.
pub(crate) async fn dues<const N: usize>(
    db: &Db,
    from: OffsetDateTime,
    limits: [Limit; N],
    division: DivisionCode,
) -> Result<[String; N], HotlineError> {
    let calendar = if limits.iter().any(|l| matches!(l, Limit::WorkingDays(_))) {
        Some(db::calendar::load(db).await?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(N);
    for limit in limits {
        out.push(match limit {
            Limit::Hours(h) => format_instant(from + time::Duration::hours(i64::from(h))),
            Limit::WorkingDays(n) => {
                let calendar = calendar
                    .as_ref()
                    .ok_or_else(|| HotlineError::Db(db::DbError::Conflict("no calendar".into())))?;
                let start = from.to_offset(CST).date();
                let day = calendar
                    .add_working_days(start, WorkingDays(n), division)?
                    .value;
                // The last second of that day, so that it reads as the day itself (23:59).
                let end = day
                    .next_day()
                    .ok_or(kernel::calendar::CalendarError::TooLong)?
                    .midnight()
                    .assume_offset(CST)
                    - time::Duration::seconds(1);
                format_instant(end)
            }
        });
    }
    out.try_into()
        .map_err(|_| HotlineError::Db(db::DbError::Conflict("limits".into())))
}

/// The counties and districts of the region, for a ticket's place, named in `lang` (public).
pub async fn places(
    db: &Db,
    lang: kernel::Lang,
) -> Result<Vec<(DivisionCode, String)>, HotlineError> {
    let (list, _) = org::service::divisions(
        db,
        &org::service::DivisionFilter {
            parent: None,
            level: Some(kernel::division::Level::County),
            include_retired: false,
            after: None,
            limit: 500,
        },
    )
    .await?;
    Ok(list
        .into_iter()
        .map(|d| (d.code, d.names.get(lang).to_owned()))
        .collect())
}

/// Tells a department's officials of a ticket (`hotline-dispatched`, `hotline-urged`), in
/// the transaction that made it so.
pub(crate) async fn tell_department(
    conn: &mut db::Conn,
    db: &Db,
    t: &Ticket,
    department: &str,
    kind: &'static str,
) -> Result<(), HotlineError> {
    if let Some(event) = department_event(conn, t, department, kind).await? {
        notify::service::tell_in(conn, db, &event)
            .await
            .map_err(notify_failed)?;
    }
    Ok(())
}

/// Tells a department of its ticket put under supervision (urged, or reopened), in the
/// transaction that did it: its leaders (the officials who approve) that it is under
/// supervision (`hotline-supervised`), its other officials to handle it now
/// (`hotline-urged`).
pub(crate) async fn tell_supervised(
    conn: &mut db::Conn,
    db: &Db,
    t: &Ticket,
    department: &str,
) -> Result<(), HotlineError> {
    let officials = store::officials_of(conn, department).await?;
    let leaders = store::leaders_of(conn, department).await?;
    let (lead, handle): (Vec<_>, Vec<_>) = officials
        .into_iter()
        .partition(|(id, _)| leaders.contains(id));
    for (kind, to) in [("hotline-supervised", lead), ("hotline-urged", handle)] {
        if let Some(event) = event_to(t, kind, to) {
            notify::service::tell_in(conn, db, &event)
                .await
                .map_err(notify_failed)?;
        }
    }
    Ok(())
}

/// What a department's officials are told of a ticket; `None` when it has no officials.
pub(crate) async fn department_event(
    conn: &mut db::Conn,
    t: &Ticket,
    department: &str,
    kind: &'static str,
) -> Result<Option<notify::Event>, HotlineError> {
    let officials = store::officials_of(conn, department).await?;
    Ok(event_to(t, kind, officials))
}

/// What `officials` (account ids and mobiles) are told of a ticket; `None` for no one.
pub(crate) fn event_to(
    t: &Ticket,
    kind: &'static str,
    officials: Vec<(i64, Option<String>)>,
) -> Option<notify::Event> {
    let to = notify::Recipient::accounts(officials);
    if to.is_empty() {
        return None;
    }
    Some(notify::Event {
        kind,
        subject: subject(t),
        vars: vec![
            ("number", t.number.clone()),
            ("category", t.category.clone()),
            (
                "due",
                kernel::time_util::local_minute(if kind == "hotline-dispatched" {
                    &t.sign_due
                } else {
                    &t.handle_due
                }),
            ),
        ],
        to,
        link: format!("/hotline/tickets/{}", t.id),
        once: None,
    })
}

/// Tells the caller the department's reply (`hotline-replied`): in their inbox if they
/// raised it signed in, by text to the number they called from.
pub(crate) async fn tell_caller(
    conn: &mut db::Conn,
    db: &Db,
    t: &Ticket,
    reply: &str,
) -> Result<(), HotlineError> {
    let Some(c) = &t.caller else {
        return Ok(());
    };
    let recipient = notify::Recipient {
        account_id: c.account_id,
        mobile: Some(c.phone.clone()).filter(|p| !p.is_empty()),
    };
    if recipient.account_id.is_none() && recipient.mobile.is_none() {
        return Ok(());
    }
    let event = notify::Event {
        kind: "hotline-replied",
        subject: subject(t),
        vars: vec![("number", t.number.clone()), ("reply", reply.to_owned())],
        to: vec![recipient],
        link: format!("/hotline/tickets/{}", t.id),
        once: Some(format!("hotline-replied:{}:{}", t.number, t.reopened)),
    };
    notify::service::tell_in(conn, db, &event)
        .await
        .map_err(notify_failed)?;
    Ok(())
}

pub(crate) fn notify_failed(e: notify::NotifyError) -> HotlineError {
    match e {
        notify::NotifyError::Db(e) => HotlineError::Db(e),
        other => HotlineError::Refused(other.message()),
    }
}
