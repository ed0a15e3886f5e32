//! The centre's manager sets up the hall: hours and settings, categories with their items
//! and appointment capacity, each window's category and staff.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::Message;
use org::model::WindowCategory;
use serde_json::json;

use super::{hall, now, require_manager, stamp};
use crate::model::{CategorySetup, HallError, Hours, Priority, Settings};
use crate::store;

/// The settings as typed on the manager's page or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SettingsForm {
    pub hours: String,
    pub slot_minutes: String,
    /// Priority rules in calling order, comma-separated keys.
    pub priorities: String,
    pub no_show_limit: String,
    pub suspend_days: String,
}

impl SettingsForm {
    pub fn of(s: &Settings) -> SettingsForm {
        SettingsForm {
            hours: s.hours.text(),
            slot_minutes: s.slot_minutes.to_string(),
            priorities: s
                .priorities
                .iter()
                .map(|p| p.key())
                .collect::<Vec<_>>()
                .join(","),
            no_show_limit: s.no_show_limit.to_string(),
            suspend_days: s.suspend_days.to_string(),
        }
    }

    /// Every problem at once, or the settings.
    pub fn parse(&self) -> Result<Settings, HallError> {
        let mut problems = Vec::new();
        let hours = Hours::parse(&self.hours).map_err(|m| problems.push(("hours".to_owned(), m)));
        let number =
            |field: &str, text: &str, lo: i64, hi: i64, problems: &mut Vec<(String, Message)>| {
                match text.trim().parse::<i64>() {
                    Ok(n) if (lo..=hi).contains(&n) => Some(n),
                    _ => {
                        problems.push((
                            field.to_owned(),
                            Message::new("hall-number-range")
                                .arg("min", lo.to_string())
                                .arg("max", hi.to_string()),
                        ));
                        None
                    }
                }
            };
        let slot = number("slot_minutes", &self.slot_minutes, 10, 120, &mut problems);
        let limit = number("no_show_limit", &self.no_show_limit, 1, 20, &mut problems);
        let days = number("suspend_days", &self.suspend_days, 1, 365, &mut problems);
        let mut priorities = Vec::new();
        for p in self
            .priorities
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Priority::parse(p) {
                Some(p) if !priorities.contains(&p) => priorities.push(p),
                _ => problems.push((
                    "priorities".to_owned(),
                    Message::new("hall-priority-unknown").arg("priority", p),
                )),
            }
        }
        match (hours, slot, limit, days) {
            (Ok(hours), Some(slot), Some(limit), Some(days)) if problems.is_empty() => {
                Ok(Settings {
                    hours,
                    slot_minutes: u16::try_from(slot).unwrap_or(30),
                    priorities,
                    no_show_limit: limit,
                    suspend_days: days,
                })
            }
            _ => Err(HallError::Invalid(problems)),
        }
    }
}

/// Saves the hall's settings.
pub async fn save_settings(
    db: &Db,
    by: &Principal,
    code: &str,
    form: &SettingsForm,
) -> Result<(), HallError> {
    let hall = hall(db, code).await?;
    require_manager(db, by, &hall, "halls.setup").await?;
    let settings = form.parse()?;
    let mut tx = db.begin().await?;
    store::save_settings(&mut tx, hall.id, &settings, &stamp(now(db)), &by.id()).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.setup",
            subject: &format!("centre:{code}"),
            payload: json!({ "hours": settings.hours.text(), "slot_minutes": settings.slot_minutes, "priorities": form.priorities, "no_show_limit": settings.no_show_limit, "suspend_days": settings.suspend_days }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

/// Sets what a category serves: its appointments per slot and the items it lists (codes
/// separated by spaces, commas or lines; each must be a published item). A capacity
/// below zero removes the category.
pub async fn save_category(
    db: &Db,
    by: &Principal,
    code: &str,
    category: &str,
    capacity: &str,
    items: &str,
) -> Result<(), HallError> {
    let hall = hall(db, code).await?;
    require_manager(db, by, &hall, "halls.setup").await?;
    let category = WindowCategory::parse(category.trim())
        .ok_or_else(|| HallError::field("category", "hall-category-unknown"))?;
    let mut problems = Vec::new();
    let capacity = match capacity.trim().parse::<i64>() {
        Ok(n) if (0..=100).contains(&n) => n,
        _ => {
            problems.push((
                "capacity".to_owned(),
                Message::new("hall-number-range")
                    .arg("min", "0")
                    .arg("max", "100"),
            ));
            0
        }
    };
    let mut listed = Vec::new();
    for item in items
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|i| !i.is_empty())
    {
        match catalog::service::published(db, item).await? {
            Some(b) if !listed.contains(&b.code.as_str().to_owned()) => {
                listed.push(b.code.as_str().to_owned());
            }
            Some(_) => {}
            None => problems.push((
                "items".to_owned(),
                Message::new("hall-item-unknown").arg("item", item),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(HallError::Invalid(problems));
    }
    let setup = CategorySetup {
        category,
        capacity,
        items: listed,
    };
    let mut tx = db.begin().await?;
    // The first change writes down the defaults of every other category, so they stay.
    if store::categories(&mut tx, hall.id).await?.is_empty() {
        for c in hall.categories.iter().filter(|c| c.category != category) {
            store::save_category(&mut tx, hall.id, c).await?;
        }
    }
    store::save_category(&mut tx, hall.id, &setup).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.category",
            subject: &format!("centre:{code}"),
            payload: json!({ "category": category.key(), "capacity": capacity, "items": setup.items }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

/// Gives a window its category and staff (officials' account ids; none: any window clerk of
/// the centre). Each must be an official who is a window clerk for the centre's division.
pub async fn save_window(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    category: &str,
    staff: &[i64],
) -> Result<(), HallError> {
    let hall = hall(db, code).await?;
    require_manager(db, by, &hall, "halls.setup").await?;
    let window = hall.window(number.trim()).ok_or_else(|| {
        HallError::NotFound(Message::new("hall-window-unknown").arg("window", number))
    })?;
    let category = WindowCategory::parse(category.trim())
        .ok_or_else(|| HallError::field("category", "hall-category-unknown"))?;
    let mut problems = Vec::new();
    for id in staff {
        let ok = identity::service::account(db, *id)
            .await?
            .is_some_and(|a| a.may(identity::model::Role::WindowClerk, hall.centre.division));
        if !ok {
            problems.push((
                "staff".to_owned(),
                Message::new("hall-staff-not-clerk").arg("account", id.to_string()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(HallError::Invalid(problems));
    }
    let mut tx = db.begin().await?;
    org::service::set_window_category(&mut tx, window.id, category).await?;
    store::set_staff(&mut tx, window.id, staff).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.window",
            subject: &format!("centre:{code}"),
            payload: json!({ "window": window.number, "category": category.key(), "staff": staff }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}
