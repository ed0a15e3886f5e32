//! Appointments (预约): a signed-in, real-name person books a slot for an item at a hall, 1 to
//! 5 working days ahead, within the category's places per slot, one per item and day; may
//! cancel until two hours before; a booking not checked in by the end of its slot is a
//! no-show, and enough of them suspend booking for a while.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::Message;
use kernel::time_util::format_date;
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};

use super::{category_for_item, day_kind, hall, minute_of, now, random_code, stamp};
use crate::model::{
    Appointment, BOOK_FROM_DAYS, BOOK_TO_DAYS, BookingState, CANCEL_BEFORE_MINUTES,
    CHECK_IN_GRACE_MINUTES, Hall, HallError, NO_SHOW_DAYS, Period, hhmm, parse_hhmm,
};
use crate::store;

/// A slot and how many places are left in it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Slot {
    pub start: String,
    pub end: String,
    pub left: i64,
}

/// The days a booking may be made for now (1 to 5 working days ahead, the hall open), each
/// with its slots for the item's category.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Offer {
    pub item: String,
    /// The item's name in Chinese, Tibetan and English (empty where not known).
    pub item_names: [String; 3],
    pub category: org::model::WindowCategory,
    pub days: Vec<(Date, Vec<Slot>)>,
}

fn parse_day(s: &str) -> Result<Date, HallError> {
    kernel::time_util::parse_date(s.trim())
        .ok_or_else(|| HallError::field("day", "hall-day-invalid"))
}

/// Checks that `day` may be booked at the hall today; its open periods.
fn bookable(
    calendar: &kernel::calendar::Calendar,
    hall: &Hall,
    day: Date,
    today: Date,
) -> Result<Vec<Period>, HallError> {
    if day <= today {
        return Err(HallError::refused("hall-book-too-soon"));
    }
    let ahead = calendar
        .working_days_between(today, day, hall.centre.division)
        .map_err(|e| HallError::Refused(kernel::Localize::message(&e)))?
        .value;
    if ahead > BOOK_TO_DAYS {
        return Err(HallError::Refused(
            Message::new("hall-book-too-far").arg("days", BOOK_TO_DAYS.to_string()),
        ));
    }
    let (working, holiday) = day_kind(calendar, hall, day)?;
    let open = hall.settings.hours.open_on(day, working, holiday);
    if open.is_empty() || ahead < BOOK_FROM_DAYS {
        return Err(HallError::Refused(
            Message::new("hall-book-closed-day").arg("day", format_date(day)),
        ));
    }
    Ok(open)
}

/// What can be booked for an item at a hall: each bookable day of the next five working
/// days with its slots' places left. Public.
pub async fn offer(db: &Db, code: &str, item: &str) -> Result<Offer, HallError> {
    let hall = hall(db, code).await?;
    let (category, body) = category_for_item(db, &hall, item).await?;
    let capacity = hall.setup(category).map_or(0, |c| c.capacity);
    let today = now(db).date();
    let calendar = db::calendar::load(db).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let mut days = Vec::new();
    let mut day = today;
    for _ in 0..14 {
        day = day.next_day().unwrap_or(day);
        let Ok(open) = bookable(&calendar, &hall, day, today) else {
            continue;
        };
        let counts = store::slot_counts(&mut conn, hall.id, category, day).await?;
        let slots = hall
            .settings
            .slots(&open)
            .into_iter()
            .map(|s| Slot {
                start: hhmm(s.start),
                end: hhmm(s.end),
                left: capacity
                    - counts
                        .iter()
                        .find(|(m, _)| *m == s.start)
                        .map_or(0, |(_, n)| *n),
            })
            .collect();
        days.push((day, slots));
    }
    Ok(Offer {
        item: body.code.as_str().to_owned(),
        item_names: [
            body.name_zh.clone(),
            body.name_bo.clone(),
            body.name_en.clone(),
        ],
        category,
        days,
    })
}

/// A booking as asked for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BookForm {
    pub item: String,
    pub day: String,
    /// The slot's start, `HH:MM`.
    pub slot: String,
    /// One of the person's own cases for the item, sent ahead for pre-review.
    #[serde(default)]
    pub case_id: Option<i64>,
}

/// Books a slot for the signed-in person.
pub async fn book(
    db: &Db,
    by: &Principal,
    code: &str,
    form: &BookForm,
) -> Result<Appointment, HallError> {
    let Some(session) = by.person() else {
        return Err(HallError::Refused(Message::new("hall-book-sign-in")));
    };
    if session.account.person_id.is_none() {
        return Err(HallError::refused("hall-book-real-name"));
    }
    let hall = hall(db, code).await?;
    place(db, by, &hall, session.account.id, form).await
}

/// Books a slot for a caller on the telephone (or a person at the front desk), by a window
/// clerk of the hall's division: the caller says their identity number and name, which must
/// be those of their own real-name account. The booking is theirs — they see it, its
/// reminders come to their phone, and a no-show counts against them; the clerk reads the
/// code out. (The 12345 hotline's agents book through this once their console exists.)
pub async fn book_for(
    db: &Db,
    by: &Principal,
    code: &str,
    person_id: &str,
    name: &str,
    form: &BookForm,
) -> Result<Appointment, HallError> {
    let hall = hall(db, code).await?;
    crate::service::require_clerk(db, by, &hall, "halls.book_for").await?;
    let id = kernel::PersonId::parse(person_id.trim()).map_err(|e| {
        HallError::Invalid(vec![("person_id".into(), kernel::Localize::message(&e))])
    })?;
    let account = identity::store::find_for_sign_in(db, &identity::store::Identifier::PersonId(id))
        .await?
        .map(|(a, _)| a)
        .filter(|a| a.kind == identity::model::AccountKind::Person)
        .ok_or_else(|| HallError::refused("hall-book-for-no-account"))?;
    if account.name_zh.trim() != name.trim() {
        return Err(HallError::field("name", "hall-book-for-name"));
    }
    if form.case_id.is_some() {
        return Err(HallError::field("case_id", "hall-case-not-yours"));
    }
    place(db, by, &hall, account.id, form).await
}

/// Places a booking held by `account_id` (a real-name person's account).
async fn place(
    db: &Db,
    by: &Principal,
    hall: &Hall,
    account_id: i64,
    form: &BookForm,
) -> Result<Appointment, HallError> {
    let (category, body) = category_for_item(db, hall, &form.item).await?;
    let at = now(db);
    let today = at.date();
    let day = parse_day(&form.day)?;
    let calendar = db::calendar::load(db).await?;
    let open = bookable(&calendar, hall, day, today)?;
    let start =
        parse_hhmm(&form.slot).ok_or_else(|| HallError::field("slot", "hall-slot-invalid"))?;
    let slot = hall
        .settings
        .slots(&open)
        .into_iter()
        .find(|s| s.start == start)
        .ok_or_else(|| {
            HallError::Refused(
                Message::new("hall-slot-outside-hours").arg("slot", form.slot.trim()),
            )
        })?;
    let capacity = hall.setup(category).map_or(0, |c| c.capacity);
    if capacity == 0 {
        return Err(HallError::refused("hall-category-no-booking"));
    }
    let case_number = match form.case_id {
        None => None,
        Some(id) => {
            let file = cases::service::own_case(db, by, id)
                .await
                .map_err(|_| HallError::field("case_id", "hall-case-not-yours"))?;
            if file.case.item_code != body.code.as_str() || file.case.number.is_none() {
                return Err(HallError::field("case_id", "hall-case-other-item"));
            }
            file.case.number
        }
    };
    let mut tx = db.begin().await?;
    let (missed, last) =
        store::no_shows(&mut tx, account_id, today - Duration::days(NO_SHOW_DAYS)).await?;
    if let Some(last) = last
        && missed >= hall.settings.no_show_limit
    {
        let until = last + Duration::days(hall.settings.suspend_days);
        if until >= today {
            return Err(HallError::Refused(
                Message::new("hall-book-suspended")
                    .arg("count", missed.to_string())
                    .arg("until", format_date(until)),
            ));
        }
    }
    if !store::take_slot(&mut tx, hall.id, category, day, slot.start, capacity).await? {
        return Err(HallError::Refused(
            Message::new("hall-slot-full").arg("slot", hhmm(slot.start)),
        ));
    }
    let mut a = Appointment {
        id: 0,
        code: random_code(8)?,
        centre: hall.centre.code.clone(),
        centre_id: hall.id,
        category,
        item: body.code.as_str().to_owned(),
        account_id,
        day,
        slot,
        state: BookingState::Booked,
        case_number,
        booked_at: stamp(at),
    };
    let Some(id) = store::insert_appointment(&mut tx, &a).await? else {
        return Err(HallError::refused("hall-book-twice"));
    };
    a.id = id;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.booked",
            subject: &format!("appointment:{id}"),
            payload: json!({ "centre": a.centre, "item": a.item, "day": format_date(day), "slot": hhmm(slot.start), "case": a.case_number }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(a)
}

/// The signed-in person's bookings, newest first.
pub async fn mine(db: &Db, by: &Principal) -> Result<Vec<Appointment>, HallError> {
    let Some(session) = by.person() else {
        return Err(HallError::refused("hall-book-sign-in"));
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::appointments_of(&mut conn, session.account.id, 50).await?)
}

/// One of the signed-in person's bookings by its code.
pub async fn own(db: &Db, by: &Principal, code: &str) -> Result<Appointment, HallError> {
    let Some(session) = by.person() else {
        return Err(HallError::refused("hall-book-sign-in"));
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    store::appointment_by_code(&mut conn, code.trim())
        .await?
        .filter(|a| a.account_id == session.account.id)
        .ok_or_else(|| HallError::NotFound(Message::new("hall-code-unknown")))
}

/// Cancels one of the person's bookings, up to two hours before its slot.
pub async fn cancel(db: &Db, by: &Principal, code: &str) -> Result<(), HallError> {
    let a = own(db, by, code).await?;
    if a.state != BookingState::Booked {
        return Err(HallError::refused("hall-booking-not-open"));
    }
    let at = now(db);
    let starts = a
        .day
        .with_hms(0, 0, 0)
        .map_err(|_| HallError::refused("hall-day-invalid"))?
        .assume_offset(kernel::time_util::CST)
        + Duration::minutes(i64::from(a.slot.start));
    if at + Duration::minutes(CANCEL_BEFORE_MINUTES) > starts {
        return Err(HallError::refused("hall-cancel-too-late"));
    }
    let mut tx = db.begin().await?;
    if !store::set_appointment_state(
        &mut tx,
        a.id,
        BookingState::Booked,
        BookingState::Cancelled,
        &stamp(at),
    )
    .await?
    {
        return Err(HallError::refused("hall-booking-not-open"));
    }
    store::release_slot(&mut tx, a.centre_id, a.category, a.day, a.slot.start).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.cancelled",
            subject: &format!("appointment:{}", a.id),
            payload: json!({ "centre": a.centre, "day": format_date(a.day), "slot": hhmm(a.slot.start) }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

/// Marks as no-shows the bookings whose slot (with its check-in grace) has passed.
pub(crate) async fn mark_no_shows(db: &Db, at: OffsetDateTime) -> Result<usize, HallError> {
    let minute = minute_of(at).saturating_sub(CHECK_IN_GRACE_MINUTES);
    let mut tx = db.begin().await?;
    let missed = store::missed(&mut tx, at.date(), minute).await?;
    let mut marked = Vec::new();
    for a in &missed {
        if store::set_appointment_state(
            &mut tx,
            a.id,
            BookingState::Booked,
            BookingState::NoShow,
            &stamp(at),
        )
        .await?
        {
            marked.push(a.id);
        }
    }
    if !marked.is_empty() {
        audit::append(
            &mut tx,
            &NewEvent {
                actor: "system:halls",
                action: "halls.no_show",
                subject: "appointments",
                payload: json!({ "appointments": marked }),
            },
        )
        .await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(marked.len())
}
