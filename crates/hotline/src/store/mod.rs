//! Every SQL statement on the `hotline_*` tables; rows are read by name into the model's
//! types in one place per table.

use db::{Conn, DbError};
use kernel::DivisionCode;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{Assignment, Caller, Category, Channel, Kind, Part, Rule, State, Step, Ticket};

mod callbacks;
mod knowledge;
mod kpi;
mod open311;
mod problems;
mod rollup;
pub use callbacks::*;
pub use knowledge::*;
pub use kpi::*;
pub use open311::*;
pub use problems::*;
pub use rollup::*;

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("hotline: {what} {value:?} does not read"))
}

// ---- the dispatch catalogue ----

pub async fn categories(conn: &mut Conn) -> Result<Vec<Category>, DbError> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_bo, name_en FROM hotline_categories WHERE retired = 0 ORDER BY code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(category).collect()
}

fn category(r: &AnyRow) -> Result<Category, DbError> {
    Ok(Category {
        code: r.try_get("code")?,
        name_zh: r.try_get("name_zh")?,
        name_bo: r.try_get("name_bo")?,
        name_en: r.try_get("name_en")?,
    })
}

pub async fn put_category(conn: &mut Conn, c: &Category) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_categories (code, name_zh, name_bo, name_en) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_bo = excluded.name_bo, name_en = excluded.name_en, retired = 0",
    )
    .bind(&c.code)
    .bind(&c.name_zh)
    .bind(&c.name_bo)
    .bind(&c.name_en)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const RULE: &str = "id, category, division, lead, co, since, until, changed_by";

fn rule(r: &AnyRow) -> Result<Rule, DbError> {
    let division: String = r.try_get("division")?;
    let co: String = r.try_get("co")?;
    Ok(Rule {
        id: r.try_get("id")?,
        category: r.try_get("category")?,
        division: DivisionCode::parse(&division).map_err(|_| bad("division", &division))?,
        lead: r.try_get("lead")?,
        co: co.split_whitespace().map(str::to_owned).collect(),
        since: r.try_get("since")?,
        until: r.try_get("until")?,
        by: r.try_get("changed_by")?,
    })
}

/// The current rules for `category` at any of `divisions`.
pub async fn rules_for(
    conn: &mut Conn,
    category: &str,
    divisions: &[DivisionCode],
) -> Result<Vec<Rule>, DbError> {
    let list = db::placeholders(1, divisions.len(), 2);
    let sql = format!(
        "SELECT {RULE} FROM hotline_rules WHERE category = $1 AND until IS NULL AND division IN {list}"
    );
    let mut q = sqlx::query(&sql).bind(category);
    for d in divisions {
        q = q.bind(d.to_string());
    }
    q.fetch_all(&mut *conn).await?.iter().map(rule).collect()
}

/// Every rule, current and past, newest first.
pub async fn rules(conn: &mut Conn, current_only: bool) -> Result<Vec<Rule>, DbError> {
    let filter = if current_only {
        "WHERE until IS NULL"
    } else {
        ""
    };
    let sql =
        format!("SELECT {RULE} FROM hotline_rules {filter} ORDER BY category, division, id DESC");
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(rule)
        .collect()
}

/// Closes the current rule for (category, division), if any, and opens `new` in its place.
pub async fn replace_rule(conn: &mut Conn, new: &Rule) -> Result<i64, DbError> {
    sqlx::query(
        "UPDATE hotline_rules SET until = $1 WHERE category = $2 AND division = $3 AND until IS NULL",
    )
    .bind(&new.since)
    .bind(&new.category)
    .bind(new.division.to_string())
    .execute(&mut *conn)
    .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO hotline_rules (category, division, lead, co, since, changed_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&new.category)
    .bind(new.division.to_string())
    .bind(&new.lead)
    .bind(new.co.join(" "))
    .bind(&new.since)
    .bind(&new.by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

// ---- tickets ----

const TICKET: &str = "id, number, kind, category, division, address, lon, lat, description, channel, lang, urgent, \
     caller_name, caller_phone, caller_account, state, lead, sign_due, handle_due, extended, reply, \
     created_at, created_by, signed_at, replied_at, closed_at, rating, solved, reopened, supervised, urged, master_id, token, media_url, item";

/// Tickets from their rows.
fn tickets(rows: &[AnyRow]) -> Result<Vec<Ticket>, DbError> {
    rows.iter().map(ticket).collect()
}

fn ticket(r: &AnyRow) -> Result<Ticket, DbError> {
    let kind: String = r.try_get("kind")?;
    let division: String = r.try_get("division")?;
    let channel: String = r.try_get("channel")?;
    let state: String = r.try_get("state")?;
    let lon: Option<f64> = r.try_get("lon")?;
    let rating: String = r.try_get("rating")?;
    let lat: Option<f64> = r.try_get("lat")?;
    Ok(Ticket {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        kind: Kind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        category: r.try_get("category")?,
        division: DivisionCode::parse(&division).map_err(|_| bad("division", &division))?,
        address: r.try_get("address")?,
        point: lon.zip(lat),
        description: r.try_get("description")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
        lang: r.try_get("lang")?,
        urgent: r.try_get::<i64, _>("urgent")? != 0,
        caller: Some(Caller {
            name: r.try_get("caller_name")?,
            phone: r.try_get("caller_phone")?,
            account_id: r.try_get("caller_account")?,
        }),
        state: State::parse(&state).ok_or_else(|| bad("state", &state))?,
        lead: r.try_get("lead")?,
        sign_due: r.try_get("sign_due")?,
        handle_due: r.try_get("handle_due")?,
        extended: r.try_get::<i64, _>("extended")? != 0,
        reply: r.try_get("reply")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        signed_at: r.try_get("signed_at")?,
        replied_at: r.try_get("replied_at")?,
        closed_at: r.try_get("closed_at")?,
        rating: crate::model::Rating::parse(&rating),
        solved: r.try_get::<Option<i64>, _>("solved")?.map(|s| s != 0),
        reopened: r.try_get::<i64, _>("reopened")? != 0,
        supervised: r.try_get::<i64, _>("supervised")? != 0,
        urged: r.try_get("urged")?,
        master_id: r.try_get("master_id")?,
        token: r.try_get("token")?,
        media_url: r.try_get("media_url")?,
        item: r.try_get("item")?,
    })
}

/// Stores new tickets in one statement; their ids, in the order given (matched by their
/// numbers, which are unique).
pub async fn insert_tickets(conn: &mut Conn, list: &[Ticket]) -> Result<Vec<i64>, DbError> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO hotline_tickets (number, kind, category, division, address, lon, lat, description, channel, lang, urgent, \
         caller_name, caller_phone, caller_account, state, lead, sign_due, handle_due, extended, reply, created_at, created_by, closed_at, token, media_url, item) \
         VALUES {} RETURNING id, number",
        db::placeholders(list.len(), 26, 1)
    );
    let mut q = sqlx::query(&sql);
    for t in list {
        let caller = t.caller.clone().unwrap_or(Caller {
            name: String::new(),
            phone: String::new(),
            account_id: None,
        });
        q = q
            .bind(t.number.clone())
            .bind(t.kind.key())
            .bind(t.category.clone())
            .bind(t.division.to_string())
            .bind(t.address.clone())
            .bind(t.point.map(|p| p.0))
            .bind(t.point.map(|p| p.1))
            .bind(t.description.clone())
            .bind(t.channel.key())
            .bind(t.lang.clone())
            .bind(i64::from(t.urgent))
            .bind(caller.name)
            .bind(caller.phone)
            .bind(caller.account_id)
            .bind(t.state.key())
            .bind(t.lead.clone())
            .bind(t.sign_due.clone())
            .bind(t.handle_due.clone())
            .bind(i64::from(t.extended))
            .bind(t.reply.clone())
            .bind(t.created_at.clone())
            .bind(t.created_by.clone())
            .bind(t.closed_at.clone())
            .bind(t.token.clone())
            .bind(t.media_url.clone())
            .bind(t.item.clone());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut ids = std::collections::HashMap::with_capacity(rows.len());
    for r in &rows {
        ids.insert(
            r.try_get::<String, _>("number")?,
            r.try_get::<i64, _>("id")?,
        );
    }
    let ids: Vec<i64> = list
        .iter()
        .map(|t| {
            ids.get(&t.number)
                .copied()
                .ok_or_else(|| bad("number", &t.number))
        })
        .collect::<Result<_, _>>()?;
    // Taken together, at the last of their instants.
    let now = list.iter().map(|t| t.created_at.as_str()).max();
    taken(conn, &ids, now.unwrap_or_default()).await?;
    Ok(ids)
}

/// Takes the next `n` numbers of a day's serial at once; the last of them.
pub async fn next_serials(conn: &mut Conn, day: &str, n: i64) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hotline_serials (day, last) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET last = hotline_serials.last + $2 RETURNING last",
    )
    .bind(day)
    .bind(n)
    .fetch_one(&mut *conn)
    .await?)
}

/// A timeline's step, to store with others: ticket, at, actor, action, note.
pub type NewStep<'a> = (i64, &'a str, &'a str, &'a str, &'a str);

/// Stores steps of many tickets in one statement per 1,000.
pub async fn insert_steps(conn: &mut Conn, list: &[NewStep<'_>]) -> Result<(), DbError> {
    for chunk in list.chunks(1000) {
        let sql = format!(
            "INSERT INTO hotline_steps (ticket_id, at, actor, action, note) VALUES {}",
            db::placeholders(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for (ticket, at, actor, action, note) in chunk {
            q = q
                .bind(*ticket)
                .bind(*at)
                .bind(*actor)
                .bind(*action)
                .bind(*note);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Stores departments' parts of many tickets in one statement per 1,000: ticket, department,
/// part, assigned at.
pub async fn insert_parts(
    conn: &mut Conn,
    list: &[(i64, &str, Part, &str)],
) -> Result<(), DbError> {
    for chunk in list.chunks(1000) {
        let sql = format!(
            "INSERT INTO hotline_assignments (ticket_id, department, part, assigned_at) VALUES {}",
            db::placeholders(chunk.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for (ticket, department, part, at) in chunk {
            q = q.bind(*ticket).bind(*department).bind(part.key()).bind(*at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn ticket_by_id(conn: &mut Conn, id: i64) -> Result<Option<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hotline_tickets WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(ticket)
        .transpose()
}

pub async fn ticket_by_number(conn: &mut Conn, number: &str) -> Result<Option<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hotline_tickets WHERE number = $1");
    sqlx::query(&sql)
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(ticket)
        .transpose()
}

/// Whose tickets to list.
#[derive(Debug, Clone, Copy)]
pub enum CallerKey<'a> {
    /// Everything raised from a number (the agent's caller history).
    Phone(&'a str),
    /// Everything a person raised signed in.
    Account(i64),
}

/// A caller's tickets, newest first.
pub async fn of_caller(
    conn: &mut Conn,
    key: CallerKey<'_>,
    limit: i64,
) -> Result<Vec<Ticket>, DbError> {
    let column = match key {
        CallerKey::Phone(_) => "caller_phone",
        CallerKey::Account(_) => "caller_account",
    };
    let sql = format!(
        "SELECT {TICKET} FROM hotline_tickets WHERE {column} = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let q = match key {
        CallerKey::Phone(p) => sqlx::query(&sql).bind(p),
        CallerKey::Account(a) => sqlx::query(&sql).bind(a),
    };
    q.bind(limit)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// The tickets a department has a part in that are still open, soonest due first.
pub async fn of_department(conn: &mut Conn, department: &str) -> Result<Vec<Ticket>, DbError> {
    let cols = TICKET
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM hotline_tickets t WHERE t.state IN ('dispatched', 'signed', 'returned') \
         AND EXISTS (SELECT 1 FROM hotline_assignments a WHERE a.ticket_id = t.id AND a.department = $1 AND a.ended_at IS NULL) \
         ORDER BY t.handle_due, t.id LIMIT 500"
    );
    sqlx::query(&sql)
        .bind(department)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// Tickets sent back by their departments, waiting for the hotline, oldest first.
pub async fn returned(conn: &mut Conn) -> Result<Vec<Ticket>, DbError> {
    let sql = format!(
        "SELECT {TICKET} FROM hotline_tickets WHERE state = 'returned' ORDER BY created_at, id LIMIT 500"
    );
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// Moves a ticket from `from` to `to` (with its new lead and times where given); false if it
/// was no longer in `from` (someone else moved it first).
pub async fn move_ticket(
    conn: &mut Conn,
    id: i64,
    from: State,
    to: State,
    set: &Changes<'_>,
    now: &str,
) -> Result<bool, DbError> {
    let before = changing(conn, &[id], now).await?;
    let moved = sqlx::query_scalar::<_, String>(
        "UPDATE hotline_tickets SET state = $1, \
           lead = COALESCE($2, lead), handle_due = COALESCE($3, handle_due), sign_due = COALESCE($4, sign_due), \
           extended = CASE WHEN $5 = 1 THEN 1 ELSE extended END, reply = COALESCE($6, reply), \
           signed_at = COALESCE($7, signed_at), replied_at = COALESCE($8, replied_at), closed_at = COALESCE($9, closed_at) \
         WHERE id = $10 AND state = $11 RETURNING created_at",
    )
    .bind(to.key())
    .bind(set.lead)
    .bind(set.handle_due)
    .bind(set.sign_due)
    .bind(i64::from(set.extended))
    .bind(set.reply)
    .bind(set.signed_at)
    .bind(set.replied_at)
    .bind(set.closed_at)
    .bind(id)
    .bind(from.key())
    .fetch_optional(&mut *conn)
    .await?;
    applied(conn, before, moved).await
}

/// Records the caller's rating and closes the replied ticket; false if it was not replied.
pub async fn rate(
    conn: &mut Conn,
    id: i64,
    rating: crate::model::Rating,
    solved: bool,
    at: &str,
) -> Result<bool, DbError> {
    let before = changing(conn, &[id], at).await?;
    let n = sqlx::query_scalar::<_, String>(
        "UPDATE hotline_tickets SET state = 'closed', rating = $1, solved = $2, closed_at = $3 WHERE id = $4 AND state = 'replied' RETURNING created_at",
    )
    .bind(rating.key())
    .bind(i64::from(solved))
    .bind(at)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    applied(conn, before, n).await
}

/// Reopens a closed ticket once, under supervision, back in its lead's hands with a new
/// handling limit; false if it was not closed or was reopened before.
pub async fn reopen(
    conn: &mut Conn,
    id: i64,
    handle_due: &str,
    now: &str,
) -> Result<bool, DbError> {
    let before = changing(conn, &[id], now).await?;
    let n = sqlx::query_scalar::<_, String>(
        "UPDATE hotline_tickets SET state = 'signed', reopened = 1, supervised = 1, handle_due = $1, \
           reply = '', replied_at = NULL, closed_at = NULL \
         WHERE id = $2 AND state = 'closed' AND reopened = 0 RETURNING created_at",
    )
    .bind(handle_due)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    applied(conn, before, n).await
}

/// Counts an urge notice and puts the ticket under supervision.
pub async fn urge(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE hotline_tickets SET urged = urged + 1, supervised = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Open tickets under supervision or past a limit at `now`, soonest due first.
pub async fn for_supervision(conn: &mut Conn, now: &str) -> Result<Vec<Ticket>, DbError> {
    let sql = format!(
        "SELECT {TICKET} FROM hotline_tickets WHERE state IN ('dispatched', 'signed', 'returned') \
         AND (supervised = 1 OR handle_due < $1 OR (state = 'dispatched' AND sign_due < $1)) \
         ORDER BY handle_due, id LIMIT 500"
    );
    sqlx::query(&sql)
        .bind(now)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// The officials of a department, each with their mobile: who is told of its tickets.
pub async fn officials_of(
    conn: &mut Conn,
    department: &str,
) -> Result<Vec<(i64, Option<String>)>, DbError> {
    let rows = sqlx::query(
        "SELECT id, mobile FROM accounts WHERE department_code = $1 AND kind = 'official' ORDER BY id",
    )
    .bind(department)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("mobile")?)))
        .collect()
}

/// The leaders of a department: its officials who approve (审批), told when one of its
/// tickets is put under supervision.
pub async fn leaders_of(conn: &mut Conn, department: &str) -> Result<Vec<i64>, DbError> {
    sqlx::query_scalar(
        "SELECT DISTINCT a.id FROM accounts a JOIN official_roles r ON r.account_id = a.id \
         WHERE a.department_code = $1 AND a.kind = 'official' AND r.role = 'approver' ORDER BY a.id",
    )
    .bind(department)
    .fetch_all(&mut *conn)
    .await
    .map_err(DbError::from)
}

/// Open tickets that may repeat one: raised from `phone` or of `category`, since `since`,
/// newest first.
pub async fn repeat_candidates(
    conn: &mut Conn,
    id: i64,
    phone: &str,
    category: &str,
    since: &str,
) -> Result<Vec<Ticket>, DbError> {
    let sql = format!(
        "SELECT {TICKET} FROM hotline_tickets WHERE id <> $1 AND master_id IS NULL \
           AND state IN ('dispatched', 'signed', 'returned') AND created_at >= $2 \
           AND ((caller_phone = $3 AND caller_phone <> '') OR category = $4) \
         ORDER BY created_at DESC, id DESC LIMIT 500"
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(since)
        .bind(phone)
        .bind(category)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// Closes an open ticket into its master; false if it was no longer open or merged already.
pub async fn merge_into(conn: &mut Conn, id: i64, master: i64, at: &str) -> Result<bool, DbError> {
    let before = changing(conn, &[id], at).await?;
    let n = sqlx::query_scalar::<_, String>(
        "UPDATE hotline_tickets SET master_id = $1, state = 'closed', closed_at = $2 \
         WHERE id = $3 AND master_id IS NULL AND state IN ('dispatched', 'signed', 'returned') RETURNING created_at",
    )
    .bind(master)
    .bind(at)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    applied(conn, before, n).await
}

/// The tickets merged into `master`.
pub async fn merged_into(conn: &mut Conn, master: i64) -> Result<Vec<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hotline_tickets WHERE master_id = $1 ORDER BY id");
    sqlx::query(&sql)
        .bind(master)
        .fetch_all(&mut *conn)
        .await
        .map(|rows| tickets(&rows))?
}

/// Gives the merged tickets their master's reply.
pub async fn reply_merged(
    conn: &mut Conn,
    master: i64,
    reply: &str,
    at: &str,
) -> Result<(), DbError> {
    let merged: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM hotline_tickets WHERE master_id = $1 ORDER BY id")
            .bind(master)
            .fetch_all(&mut *conn)
            .await?;
    let before = changing(conn, &merged, at).await?;
    let replied: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE hotline_tickets SET reply = $1, replied_at = $2 WHERE master_id = $3 RETURNING id, created_at",
    )
    .bind(reply)
    .bind(at)
    .bind(master)
    .fetch_all(&mut *conn)
    .await?;
    changed(conn, before).await?;
    // A repeat merged meanwhile (committed after the list was read) was not counted before:
    // its day is counted again.
    let late = replied.iter().filter(|(id, _)| !merged.contains(id));
    touch(conn, late.map(|(_, created)| created.as_str())).await
}

/// What a move changes besides the state.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub lead: Option<&'a str>,
    pub handle_due: Option<&'a str>,
    pub sign_due: Option<&'a str>,
    pub extended: bool,
    pub reply: Option<&'a str>,
    pub signed_at: Option<&'a str>,
    pub replied_at: Option<&'a str>,
    pub closed_at: Option<&'a str>,
}

// ---- parts and timeline ----

pub async fn assign(
    conn: &mut Conn,
    ticket: i64,
    department: &str,
    part: Part,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_assignments (ticket_id, department, part, assigned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(ticket)
    .bind(department)
    .bind(part.key())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends every open part of a ticket (a re-dispatch), or one department's (a return, with
/// its reason).
pub async fn end_parts(
    conn: &mut Conn,
    ticket: i64,
    department: Option<&str>,
    at: &str,
    reason: &str,
) -> Result<(), DbError> {
    // A return counts in the figures of the ticket's day.
    let before = if reason.is_empty() {
        None
    } else {
        Some(changing(conn, &[ticket], at).await?)
    };
    sqlx::query(
        "UPDATE hotline_assignments SET ended_at = $1, return_reason = $2 \
         WHERE ticket_id = $3 AND ended_at IS NULL AND ($4 = '' OR department = $4)",
    )
    .bind(at)
    .bind(reason)
    .bind(ticket)
    .bind(department.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    if let Some(before) = before {
        changed(conn, before).await?;
    }
    Ok(())
}

pub async fn sign_part(
    conn: &mut Conn,
    ticket: i64,
    department: &str,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE hotline_assignments SET signed_at = $1 WHERE ticket_id = $2 AND department = $3 AND ended_at IS NULL AND signed_at IS NULL",
    )
    .bind(at)
    .bind(ticket)
    .bind(department)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn parts(conn: &mut Conn, ticket: i64) -> Result<Vec<Assignment>, DbError> {
    let rows = sqlx::query(
        "SELECT a.department, COALESCE(d.name_zh, a.department) AS department_name, a.part, a.assigned_at, a.signed_at, a.ended_at, a.return_reason \
         FROM hotline_assignments a LEFT JOIN departments d ON d.code = a.department WHERE a.ticket_id = $1 ORDER BY a.id",
    )
    .bind(ticket)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let part: String = r.try_get("part")?;
            Ok(Assignment {
                department: r.try_get("department")?,
                department_name: r.try_get("department_name")?,
                part: Part::parse(&part).ok_or_else(|| bad("part", &part))?,
                assigned_at: r.try_get("assigned_at")?,
                signed_at: r.try_get("signed_at")?,
                ended_at: r.try_get("ended_at")?,
                return_reason: r.try_get("return_reason")?,
            })
        })
        .collect()
}

pub async fn step(
    conn: &mut Conn,
    ticket: i64,
    at: &str,
    actor: &str,
    action: &str,
    note: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_steps (ticket_id, at, actor, action, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn steps(conn: &mut Conn, ticket: i64) -> Result<Vec<Step>, DbError> {
    let rows = sqlx::query(
        "SELECT at, actor, action, note FROM hotline_steps WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Step {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}
