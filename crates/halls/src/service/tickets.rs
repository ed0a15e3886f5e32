//! Queue tickets: a walk-in ticket at the kiosk or the front desk (by item or category,
//! identity optional), or a booking checked in with its code; where a ticket stands.

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use org::model::WindowCategory;
use time::OffsetDateTime;

use super::{board, category_for_item, hall, minute_of, now, open_on, random_code};
use crate::live;
use crate::model::{
    BookingState, CHECK_IN_GRACE_MINUTES, Hall, HallError, Priority, Ticket, TicketState,
};
use crate::store;

/// What a walk-in asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WalkIn {
    /// An item's implementation code; or
    #[serde(default)]
    pub item: Option<String>,
    /// a category's key.
    #[serde(default)]
    pub category: Option<String>,
    /// A priority the front desk confirmed (only a clerk may give one).
    #[serde(default)]
    pub priority: Option<String>,
    /// A mobile number for the "three ahead" message, if the person wants it.
    #[serde(default)]
    pub mobile: Option<String>,
}

/// A ticket just issued, with its place in the queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    #[serde(flatten)]
    pub ticket: Ticket,
    /// The hall's centre code.
    pub centre: String,
    /// Tickets of its queue that will be called before it.
    pub ahead: i64,
    /// Minutes it may wait, from today's service times.
    pub wait_minutes: i64,
    /// The secret that lets the holder follow it (`/halls/tickets/{id}?k=`).
    pub key: String,
}

/// Whether the hall is open at `at` (tickets are issued only then).
async fn require_open(db: &Db, hall: &Hall, at: OffsetDateTime) -> Result<(), HallError> {
    let minute = minute_of(at);
    let open = open_on(db, hall, at.date()).await?;
    if open.iter().any(|p| p.contains(minute)) {
        return Ok(());
    }
    Err(HallError::Refused(
        Message::new("hall-closed-now").arg(
            "hours",
            open.iter()
                .map(|p| {
                    format!(
                        "{}–{}",
                        crate::model::hhmm(p.start),
                        crate::model::hhmm(p.end)
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ))
}

/// The priority a ticket gets: what the front desk confirmed, else 70 or older by the
/// identity number of a signed-in person; a priority claimed by anyone but a clerk is refused.
async fn priority_of(
    by: Option<&Principal>,
    hall: &Hall,
    claimed: Option<&str>,
    at: OffsetDateTime,
) -> Result<Option<Priority>, HallError> {
    if let Some(p) = claimed.map(str::trim).filter(|p| !p.is_empty()) {
        let p = Priority::parse(p)
            .filter(|p| *p != Priority::Appointment)
            .ok_or_else(|| HallError::field("priority", "hall-priority-unknown"))?;
        let clerk = by
            .and_then(Principal::official)
            .is_some_and(|s| s.account.may(Role::WindowClerk, hall.centre.division));
        if !clerk {
            return Err(HallError::refused("hall-priority-at-desk"));
        }
        return Ok(Some(p));
    }
    let person = by
        .and_then(Principal::person)
        .and_then(|s| s.account.person_id.as_ref());
    Ok(elderly(person, at))
}

/// [`Priority::Elderly`] for a person 70 or older at `at`, by their identity number.
fn elderly(person: Option<&kernel::PersonId>, at: OffsetDateTime) -> Option<Priority> {
    let born = person?.birth_date();
    let today = at.date();
    let mut age = today.year() - born.year();
    if (u8::from(today.month()), today.day()) < (u8::from(born.month()), born.day()) {
        age -= 1;
    }
    (age >= 70).then_some(Priority::Elderly)
}

/// Checks a mobile number typed for messages: 11 digits starting with 1.
fn mobile(typed: Option<&str>) -> Result<Option<String>, HallError> {
    let Some(m) = typed.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    if m.len() == 11 && m.starts_with('1') && m.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(m.to_owned()))
    } else {
        Err(HallError::field("mobile", "hall-mobile-invalid"))
    }
}

/// A walk-in ticket. Anyone may take one while the hall is open (the kiosk acts for nobody);
/// a signed-in person's ticket carries their masked name.
pub async fn walk_in(
    db: &Db,
    by: Option<&Principal>,
    code: &str,
    ask: &WalkIn,
) -> Result<Issued, HallError> {
    let hall = hall(db, code).await?;
    let at = now(db);
    let (category, item) = match (
        ask.item.as_deref().map(str::trim).filter(|i| !i.is_empty()),
        ask.category.as_deref(),
    ) {
        (Some(item), _) => {
            let (c, body) = category_for_item(db, &hall, item).await?;
            (c, Some(body.code.as_str().to_owned()))
        }
        (None, Some(c)) => {
            let c = WindowCategory::parse(c.trim())
                .filter(|c| hall.setup(*c).is_some())
                .ok_or_else(|| HallError::field("category", "hall-category-not-here"))?;
            (c, None)
        }
        (None, None) => return Err(HallError::field("item", "hall-ticket-what")),
    };
    let mobile = mobile(ask.mobile.as_deref())?;
    let priority = priority_of(by, &hall, ask.priority.as_deref(), at).await?;
    require_open(db, &hall, at).await?;
    let person = by.and_then(Principal::person);
    let mut ticket = Ticket::waiting(hall.id, category, at, random_code(16)?);
    ticket.item = item;
    ticket.account_id = person.map(|s| s.account.id);
    ticket.masked_name = person.map_or_else(String::new, |s| {
        kernel::person_name::masked(&s.account.name_zh)
    });
    ticket.mobile = mobile.or_else(|| person.and_then(|s| s.account.mobile.clone()));
    ticket.priority = priority;
    ticket.priority_rank = hall.settings.rank(priority);
    issue(db, by, &hall, ticket, None).await
}

/// Checks in a booking with its code at the kiosk or the front desk: today, at this hall,
/// not after its slot's grace; the ticket is called first inside the slot.
pub async fn check_in(
    db: &Db,
    by: Option<&Principal>,
    code: &str,
    booking: &str,
) -> Result<Issued, HallError> {
    let hall = hall(db, code).await?;
    let at = now(db);
    let typed = booking.trim().to_uppercase();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let a = store::appointment_by_code(&mut conn, &typed)
        .await?
        .ok_or_else(|| HallError::NotFound(Message::new("hall-code-unknown")))?;
    drop(conn);
    if a.centre_id != hall.id {
        return Err(HallError::refused("hall-code-other-centre"));
    }
    match a.state {
        BookingState::Booked => {}
        BookingState::Arrived => return Err(HallError::refused("hall-code-used")),
        BookingState::Cancelled | BookingState::NoShow => {
            return Err(HallError::refused("hall-code-expired"));
        }
    }
    if a.day < at.date()
        || (a.day == at.date() && minute_of(at) > a.slot.end + CHECK_IN_GRACE_MINUTES)
    {
        return Err(HallError::refused("hall-code-expired"));
    }
    if a.day > at.date() {
        return Err(HallError::Refused(
            Message::new("hall-code-not-today").arg("day", kernel::time_util::format_date(a.day)),
        ));
    }
    require_open(db, &hall, at).await?;
    let account = identity::service::account(db, a.account_id).await?;
    let rank_of_other = hall.settings.rank(elderly(
        account.as_ref().and_then(|acc| acc.person_id.as_ref()),
        at,
    ));
    let mut ticket = Ticket::waiting(hall.id, a.category, at, random_code(16)?);
    ticket.item = Some(a.item.clone());
    ticket.appointment_id = Some(a.id);
    ticket.account_id = Some(a.account_id);
    ticket.masked_name = account
        .as_ref()
        .map_or_else(String::new, |acc| kernel::person_name::masked(&acc.name_zh));
    ticket.mobile = account.and_then(|acc| acc.mobile);
    ticket.priority = Some(Priority::Appointment);
    ticket.priority_rank = rank_of_other;
    ticket.slot = Some(a.slot);
    ticket.case_number = a.case_number.clone();
    issue(db, by, &hall, ticket, Some(a.id)).await
}

/// Numbers and stores a ticket (and marks its booking arrived) in one transaction, with the
/// board sent to the screens.
async fn issue(
    db: &Db,
    by: Option<&Principal>,
    hall: &Hall,
    mut ticket: Ticket,
    booking: Option<i64>,
) -> Result<Issued, HallError> {
    let actor = by.map_or_else(|| "kiosk".to_owned(), Principal::id);
    let mut tx = db.begin().await?;
    if let Some(id) = booking
        && !store::set_appointment_state(
            &mut tx,
            id,
            BookingState::Booked,
            BookingState::Arrived,
            &ticket.issued_at,
        )
        .await?
    {
        return Err(HallError::refused("hall-code-used"));
    }
    let n = store::next_number(&mut tx, hall.id, ticket.day, ticket.category).await?;
    ticket.number = format!("{}{n:03}", ticket.category.letter());
    ticket.id = store::insert_ticket(&mut tx, &ticket).await?;
    store::event(
        &mut tx,
        ticket.id,
        &ticket.issued_at,
        "issued",
        None,
        &actor,
        "",
    )
    .await?;
    let ahead = store::ahead_of(&mut tx, &ticket).await?;
    let board = board::staged(&mut tx, db, hall, ticket.day).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    live::sent(db, hall.id, board);
    let wait_minutes = board::wait_estimate(db, hall, ticket.category, ahead).await?;
    let key = ticket.secret.clone();
    Ok(Issued {
        ticket,
        centre: hall.centre.code.clone(),
        ahead,
        wait_minutes,
        key,
    })
}

/// Where a ticket stands, for whoever holds it (its number and key).
pub async fn follow(db: &Db, id: i64, key: &str) -> Result<Issued, HallError> {
    let not_found = || HallError::NotFound(Message::new("hall-ticket-unknown"));
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let ticket = store::ticket(&mut conn, id).await?.ok_or_else(not_found)?;
    // Ticket numbers are on the screens anyway: a wrong key says so rather than hide it.
    if !ui::state::Secret::new(ticket.secret.clone()).matches(key.trim()) {
        return Err(HallError::Forbidden);
    }
    let ahead = if ticket.state == TicketState::Waiting {
        store::ahead_of(&mut conn, &ticket).await?
    } else {
        0
    };
    drop(conn);
    let code = org::service::centre_code_of(db, ticket.centre_id)
        .await?
        .ok_or_else(not_found)?;
    let hall = hall(db, &code).await?;
    let wait_minutes = if ticket.state == TicketState::Waiting {
        board::wait_estimate(db, &hall, ticket.category, ahead).await?
    } else {
        0
    };
    let key = ticket.secret.clone();
    Ok(Issued {
        ticket,
        centre: code,
        ahead,
        wait_minutes,
        key,
    })
}
