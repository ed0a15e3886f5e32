//! A ticket in its departments' hands: the lead signs for it (签收), may return it with a
//! reason within its limit (退单), asks once for an extension, and replies; a co-handler
//! signs its own part. A returned ticket goes back to the hotline, which re-dispatches it
//! or insists. Each move is one conditional UPDATE, so two clicks move a ticket once.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::time_util::{CST, format_instant, parse_instant};

use super::{HOTLINE, Standing, department_of, due, limits, refused, shown, subject, ticket_for};
use crate::model::{HotlineError, Limit, Part, State, Ticket};
use crate::store::{self, Changes};

/// The open tickets of the official's department, soonest due first.
pub async fn queue(db: &Db, by: &Principal) -> Result<Vec<Ticket>, HotlineError> {
    let Some(department) = department_of(by) else {
        by.refuse(db, "hotline:queue", "department", "hotline.queue")
            .await?;
        return Err(HotlineError::Forbidden);
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let part = Standing::Department(Part::Lead);
    Ok(store::of_department(&mut conn, department)
        .await?
        .into_iter()
        .map(|t| shown(t, part))
        .collect())
}

/// Tickets with the hotline to dispatch: returned by a department, or found no rule.
pub async fn to_dispatch(db: &Db, by: &Principal) -> Result<Vec<Ticket>, HotlineError> {
    by.require_any_role(db, &HOTLINE, "hotline:returned", "hotline.returned")
        .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::returned(&mut conn)
        .await?
        .into_iter()
        .map(|t| shown(t, Standing::Hotline))
        .collect())
}

/// What a department does with a ticket.
#[derive(Debug, Clone)]
pub enum Act {
    /// 签收.
    Sign,
    /// 退单, with the reason.
    Return(String),
    /// One extension: working days and the reason.
    Extend(u16, String),
    /// 回复: the answer the caller is given.
    Reply(String),
}

impl Act {
    fn key(&self) -> &'static str {
        match self {
            Act::Sign => "signed",
            Act::Return(_) => "returned",
            Act::Extend(..) => "extended",
            Act::Reply(_) => "replied",
        }
    }
}

/// A department official acts on a ticket their department has a part in. Signing another
/// department's ticket, a return without reason or too late, a second extension: refused,
/// audited, and nothing changes.
pub async fn act(db: &Db, by: &Principal, id: i64, act: &Act) -> Result<Ticket, HotlineError> {
    let action = format!("hotline.{}", act.key());
    let (t, parts, standing) = ticket_for(db, by, id, &action, |s| {
        matches!(s, Standing::Department(_))
    })
    .await?;
    let Standing::Department(part) = standing else {
        return Err(HotlineError::Forbidden);
    };
    let department = department_of(by).unwrap_or_default().to_owned();
    let planned = plan(db, &t, &parts, part, act).await;
    let (to, note) = match planned {
        Ok(p) => p,
        Err(e) => return Err(refused(db, by, &subject(&t), &action, e).await),
    };
    let now = db.clock().now();
    let at = format_instant(now);
    // An extension counts from the day the limit ended on; reckoned before the transaction.
    let extended_due = match act {
        Act::Extend(days, _) => {
            let last_day = parse_instant(&t.handle_due).unwrap_or(now).to_offset(CST);
            Some(due(db, last_day, Limit::WorkingDays(*days), t.division).await?)
        }
        _ => None,
    };
    // The call-back's limit, reckoned before the transaction (it reads the calendar).
    let callback_due = if let Act::Reply(_) = act {
        Some(super::due(db, db.clock().now(), limits(db).await?.callback, t.division).await?)
    } else {
        None
    };
    let mut tx = db.begin().await?;
    let mut changes = Changes::default();
    match act {
        Act::Sign if part == Part::Co => {
            store::sign_part(&mut tx, id, &department, &at).await?;
        }
        Act::Sign => {
            changes.signed_at = Some(&at);
            store::sign_part(&mut tx, id, &department, &at).await?;
        }
        Act::Return(reason) => {
            changes.lead = Some("");
            // The returning department's part ends with its reason, the co-handlers' with it.
            store::end_parts(&mut tx, id, Some(&department), &at, reason.trim()).await?;
            store::end_parts(&mut tx, id, None, &at, "").await?;
        }
        Act::Extend(..) => {
            changes.handle_due = extended_due.as_deref();
            changes.extended = true;
        }
        Act::Reply(_) => {
            // The reply as checked (`plan` trims it).
            changes.reply = Some(&note);
            changes.replied_at = Some(&at);
        }
    }
    let moved = if part == Part::Co {
        true
    } else {
        store::move_ticket(&mut tx, id, t.state, to, &changes, &at).await?
    };
    if !moved {
        // Another hand moved it first: nothing of this one is kept.
        drop(tx);
        return Err(refused(
            db,
            by,
            &subject(&t),
            &action,
            HotlineError::refused("hotline-moved-meanwhile"),
        )
        .await);
    }
    store::step(&mut tx, id, &at, &by.id(), act.key(), &note).await?;
    if let Act::Reply(_) = act {
        if let Some(due) = &callback_due {
            super::callbacks::open_in(&mut tx, &t, due, &at).await?;
        }
        super::tell_caller(&mut tx, db, &t, &note).await?;
        super::merging::reply_to_merged(&mut tx, db, id, &note, &at).await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: &action,
            subject: &subject(&t),
            payload: serde_json::json!({ "department": department, "part": part.key(), "note": note }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    Ok(shown(t, Standing::Department(part)))
}

/// Checks an act against the ticket's state and the rules; the state it moves to and the
/// timeline's note.
async fn plan(
    db: &Db,
    t: &Ticket,
    parts: &[crate::model::Assignment],
    part: Part,
    act: &Act,
) -> Result<(State, String), HotlineError> {
    let reason_of = |text: &str, field: &str, key: &'static str| {
        let text = text.trim();
        if text.chars().count() < 4 {
            Err(HotlineError::field(field, key))
        } else if text.chars().count() > super::intake::DESCRIPTION_MAX {
            Err(HotlineError::field(field, "hotline-description-long"))
        } else {
            Ok(text.to_owned())
        }
    };
    if part == Part::Co && !matches!(act, Act::Sign) {
        return Err(HotlineError::refused("hotline-lead-only"));
    }
    match act {
        Act::Sign => match (part, t.state) {
            (Part::Lead, State::Dispatched) => Ok((State::Signed, String::new())),
            (Part::Co, State::Dispatched | State::Signed) => Ok((t.state, String::new())),
            _ => Err(HotlineError::refused("hotline-not-to-sign")),
        },
        Act::Return(reason) => {
            if !matches!(t.state, State::Dispatched | State::Signed) {
                return Err(HotlineError::refused("hotline-not-to-return"));
            }
            let reason = reason_of(reason, "reason", "hotline-reason-missing")?;
            // Within the limit of its dispatch to this department.
            let assigned = parts
                .iter()
                .rev()
                .find(|p| p.part == Part::Lead && p.ended_at.is_none())
                .and_then(|p| parse_instant(&p.assigned_at));
            if let Some(assigned) = assigned {
                let until = due(db, assigned, limits(db).await?.return_within, t.division).await?;
                if format_instant(db.clock().now()) > until {
                    return Err(HotlineError::refused("hotline-return-too-late"));
                }
            }
            Ok((State::Returned, reason))
        }
        Act::Extend(days, reason) => {
            if t.state != State::Signed {
                return Err(HotlineError::refused("hotline-not-to-extend"));
            }
            if t.extended {
                return Err(HotlineError::refused("hotline-extension-once"));
            }
            let max = limits(db).await?.extension_max_days;
            if *days == 0 || *days > max {
                return Err(HotlineError::Invalid(vec![(
                    "days".to_owned(),
                    kernel::Message::new("hotline-extension-days").arg("max", i64::from(max)),
                )]));
            }
            let reason = reason_of(reason, "reason", "hotline-reason-missing")?;
            Ok((State::Signed, format!("+{days} · {reason}")))
        }
        Act::Reply(text) => {
            if t.state != State::Signed {
                return Err(HotlineError::refused("hotline-not-to-reply"));
            }
            Ok((
                State::Replied,
                reason_of(text, "reply", "hotline-reply-missing")?,
            ))
        }
    }
}

/// The hotline sends a ticket with it (returned, or never routed) to `lead` with `co`, by
/// department codes: to another department, or back to the one that returned it (insisting,
/// with a note). The signing and handling limits start again.
pub async fn redispatch(
    db: &Db,
    by: &Principal,
    id: i64,
    lead: &str,
    co: &[String],
    note: &str,
) -> Result<Ticket, HotlineError> {
    by.require_any_role(
        db,
        &HOTLINE,
        &format!("hotline-ticket:{id}"),
        "hotline.redispatch",
    )
    .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    drop(conn);
    let checked = async {
        if t.state != State::Returned {
            return Err(HotlineError::refused("hotline-not-to-dispatch"));
        }
        let lead = lead.trim();
        if org::service::department(db, lead).await?.is_none() {
            return Err(HotlineError::field("lead", "hotline-department-unknown"));
        }
        let mut codes = Vec::new();
        for c in co
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty() && *c != lead)
        {
            if org::service::department(db, c).await?.is_none() {
                return Err(HotlineError::field("co", "hotline-department-unknown"));
            }
            if !codes.iter().any(|x: &String| x == c) {
                codes.push(c.to_owned());
            }
        }
        Ok((lead.to_owned(), codes))
    }
    .await;
    let (lead, co) = match checked {
        Ok(x) => x,
        Err(e) => return Err(refused(db, by, &subject(&t), "hotline.redispatch", e).await),
    };
    let now = db.clock().now();
    let at = format_instant(now);
    let l = limits(db).await?;
    let sign_due = due(db, now, l.sign_for(t.urgent), t.division).await?;
    let handle_due = due(db, now, l.handle(t.kind, t.urgent), t.division).await?;
    let mut tx = db.begin().await?;
    let moved = store::move_ticket(
        &mut tx,
        id,
        State::Returned,
        State::Dispatched,
        &Changes {
            lead: Some(&lead),
            sign_due: Some(&sign_due),
            handle_due: Some(&handle_due),
            ..Changes::default()
        },
        &at,
    )
    .await?;
    if !moved {
        drop(tx);
        return Err(refused(
            db,
            by,
            &subject(&t),
            "hotline.redispatch",
            HotlineError::refused("hotline-moved-meanwhile"),
        )
        .await);
    }
    store::end_parts(&mut tx, id, None, &at, "").await?;
    store::assign(&mut tx, id, &lead, Part::Lead, &at).await?;
    for c in &co {
        store::assign(&mut tx, id, c, Part::Co, &at).await?;
    }
    let note = note.trim();
    store::step(
        &mut tx,
        id,
        &at,
        &by.id(),
        "dispatched",
        format!("{lead} {note}").trim(),
    )
    .await?;
    let sent = Ticket {
        lead: lead.clone(),
        sign_due: sign_due.clone(),
        ..t.clone()
    };
    super::tell_department(&mut tx, db, &sent, &lead, "hotline-dispatched").await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.redispatched",
            subject: &subject(&t),
            payload: serde_json::json!({ "lead": lead, "co": co, "note": note }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    Ok(shown(t, Standing::Hotline))
}
