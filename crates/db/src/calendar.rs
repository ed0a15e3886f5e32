//! Storage of the working-day calendar: one row per division-year, one per special day, and
//! a revision every stored year raises; each replica holds the calendar it last read and reads
//! it again only when the revision has moved on (a ticket's or a case's limits read it).

use kernel::DivisionCode;
use kernel::calendar::{Calendar, CalendarDay, CalendarYear, DayKind};
use kernel::time_util::{format_date, format_instant, now, parse_date};
use sqlx::Row;

use crate::audit::{self, NewEvent};
use crate::{Conn, Db, DbError};

/// Stores one division-year, replacing what was there, with its audit event, and raises the
/// calendar's revision so that every replica reads it again.
pub async fn save_year(conn: &mut Conn, year: &CalendarYear, actor: &str) -> Result<(), DbError> {
    write_year(conn, year, actor).await?;
    sqlx::query("UPDATE calendar_revision SET revision = revision + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// [`save_year`] without the revision: for migration 3, which loads the built-in years before
/// the revision exists (migration 40 starts it, and a replica's first read loads it all).
pub(crate) async fn write_year(
    conn: &mut Conn,
    year: &CalendarYear,
    actor: &str,
) -> Result<(), DbError> {
    let division = year.division.to_string();
    let replaced = sqlx::query("DELETE FROM calendar_days WHERE division_code = $1 AND year = $2")
        .bind(&division)
        .bind(i64::from(year.year))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM calendar_years WHERE division_code = $1 AND year = $2")
        .bind(&division)
        .bind(i64::from(year.year))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_years (division_code, year, complete, note, source, loaded_at, loaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&division)
    .bind(i64::from(year.year))
    .bind(i64::from(year.complete))
    .bind(&year.note)
    .bind(&year.source)
    .bind(format_instant(now()))
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    // The translated notes came with migration 19, after the built-in years were loaded by
    // migration 3 with this same function: only a year that has them writes them.
    if !year.note_bo.is_empty() || !year.note_en.is_empty() {
        sqlx::query(
            "UPDATE calendar_years SET note_bo = $1, note_en = $2 WHERE division_code = $3 AND year = $4",
        )
        .bind(&year.note_bo)
        .bind(&year.note_en)
        .bind(&division)
        .bind(i64::from(year.year))
        .execute(&mut *conn)
        .await?;
    }
    for day in &year.days {
        sqlx::query("INSERT INTO calendar_days (division_code, year, day, kind, name, name_bo, name_en) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&division)
            .bind(i64::from(year.year))
            .bind(format_date(day.date))
            .bind(match day.kind {
                DayKind::Off => "off",
                DayKind::Workday => "workday",
            })
            .bind(&day.name)
            .bind(&day.name_bo)
            .bind(&day.name_en)
            .execute(&mut *conn)
            .await?;
    }
    audit::append(
        conn,
        &NewEvent {
            actor,
            action: "calendar.load",
            subject: &format!("calendar:{division}:{}", year.year),
            payload: serde_json::json!({
                "days": year.days.len(),
                "replaced_days": replaced,
                "complete": year.complete,
                "source": year.source,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Stores one division-year in its own transaction (for the command line and the admin page).
pub async fn store_year(db: &Db, year: &CalendarYear, actor: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    save_year(&mut tx, year, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// The calendar as this replica last read it.
#[derive(Default)]
struct Held(std::sync::Mutex<Option<(i64, std::sync::Arc<Calendar>)>>);

/// The whole calendar as committed: this replica's copy while the revision has not moved on,
/// else read again (a few hundred rows per year).
pub async fn load(db: &Db) -> Result<Calendar, DbError> {
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM calendar_revision WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let held = db.shared(|_| Held::default());
    {
        let copy = held
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((r, calendar)) = copy.as_ref()
            && *r == revision
        {
            return Ok(calendar.as_ref().clone());
        }
    }
    let calendar = read(db).await?;
    *held
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some((revision, std::sync::Arc::new(calendar.clone())));
    Ok(calendar)
}

/// Reads the whole calendar from the database.
async fn read(db: &Db) -> Result<Calendar, DbError> {
    let years = sqlx::query("SELECT division_code, year, complete, note, source, note_bo, note_en FROM calendar_years ORDER BY division_code, year")
        .fetch_all(db.pool())
        .await?;
    let days = sqlx::query("SELECT division_code, year, day, kind, name, name_bo, name_en FROM calendar_days ORDER BY division_code, day")
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::new();
    for y in &years {
        let division: String = y.try_get("division_code")?;
        let year: i64 = y.try_get("year")?;
        let code = DivisionCode::parse(&division).map_err(|e| {
            DbError::Conflict(format!("calendar_years.division_code {division}: {e}"))
        })?;
        let mut list = Vec::new();
        for d in &days {
            let (dd, dy): (String, i64) = (d.try_get("division_code")?, d.try_get("year")?);
            if dd != division || dy != year {
                continue;
            }
            let text: String = d.try_get("day")?;
            let kind: String = d.try_get("kind")?;
            list.push(CalendarDay {
                date: parse_date(&text)
                    .ok_or_else(|| DbError::Conflict(format!("calendar_days.day {text}")))?,
                kind: if kind == "workday" {
                    DayKind::Workday
                } else {
                    DayKind::Off
                },
                name: d.try_get("name")?,
                name_bo: d.try_get("name_bo")?,
                name_en: d.try_get("name_en")?,
            });
        }
        out.push(CalendarYear {
            division: code,
            year: i32::try_from(year).unwrap_or_default(),
            complete: y.try_get::<i64, _>("complete")? != 0,
            provisional: false,
            note: y.try_get("note")?,
            note_bo: y.try_get("note_bo")?,
            note_en: y.try_get("note_en")?,
            source: y.try_get("source")?,
            days: list,
        });
    }
    Ok(Calendar::new(out))
}

#[cfg(test)]
mod tests {
    use kernel::WorkingDays;
    use kernel::calendar::parse_file;
    use time::macros::date;

    use crate::testing;

    crate::on_each_backend! {
        async fn the_stored_calendar_reckons_like_the_shipped_files(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            let cal = crate::calendar::load(&t.db).await.expect("load");
            let lhasa = kernel::DivisionCode::parse("540102").expect("code");
            let due = cal
                .add_working_days(date!(2026 - 02 - 13), WorkingDays(2), lhasa)
                .expect("loaded");
            assert_eq!(due.value, date!(2026 - 02 - 27), "{}", t.name());
            t.close().await;
        }
    }

    crate::on_each_backend! {
        async fn loading_a_new_year_makes_it_reckonable(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            let text = "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"test\"\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-04\"\n";
            let year = parse_file("2027.toml", text).expect("parse");
            // Read once before: the replica's copy is read again once the year is stored.
            let before = crate::calendar::load(&t.db).await.expect("load");
            let code = kernel::DivisionCode::parse("110102").expect("code");
            let guessed = before.add_working_days(date!(2026 - 12 - 31), WorkingDays(1), code).map(|r| r.value).ok();
            assert_ne!(guessed, Some(date!(2027 - 01 - 05)), "{}", t.name());
            let mut tx = t.db.begin().await.expect("begin");
            crate::calendar::save_year(&mut tx, &year, "official:test")
                .await
                .expect("save");
            tx.commit().await.expect("commit");
            let cal = crate::calendar::load(&t.db).await.expect("load");
            let due = cal
                .add_working_days(
                    date!(2026 - 12 - 31),
                    WorkingDays(1),
                    kernel::DivisionCode::parse("110102").expect("code"),
                )
                .expect("2027 loaded");
            assert_eq!(due.value, date!(2027 - 01 - 05), "{}", t.name());
            t.close().await;
        }
    }
}
