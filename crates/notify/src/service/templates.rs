//! The administrators' templates: each event's versions (the newest in force, version 0 built
//! in), a new version checked before it is kept (all three languages, only the event's
//! variables, every required one), and a preview with sample values.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Lang};

use crate::model::{EventSpec, NotifyError, Template, Text, Tongue, event, events};
use crate::store;
use crate::template::check;

use super::{forget_cached, render_in};

fn region() -> Result<DivisionCode, NotifyError> {
    DivisionCode::parse("540000").map_err(|_| NotifyError::Db(DbError::Conflict("region".into())))
}

/// Templates are kept by the region's administrators.
async fn keeper(db: &Db, by: &Principal, action: &str) -> Result<(), NotifyError> {
    by.require(db, Role::Administrator, region()?, action)
        .await?;
    Ok(())
}

/// Every event with the template in force.
pub async fn all(
    db: &Db,
    by: &Principal,
) -> Result<Vec<(&'static EventSpec, Template)>, NotifyError> {
    keeper(db, by, "notify.templates.read").await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let kept = store::current_templates_in(&mut conn).await?;
    Ok(events()
        .values()
        .map(|spec| {
            let t = kept
                .iter()
                .find(|t| t.event == spec.key)
                .cloned()
                .unwrap_or_else(|| spec.builtin());
            (spec, t)
        })
        .collect())
}

/// An event and its versions, newest first (the built-in one last).
pub async fn versions(
    db: &Db,
    by: &Principal,
    key: &str,
) -> Result<(&'static EventSpec, Vec<Template>), NotifyError> {
    keeper(db, by, "notify.templates.read").await?;
    let spec = event(key)?;
    let mut all = store::template_versions(db, key).await?;
    all.push(spec.builtin());
    Ok((spec, all))
}

/// `texts` as a checked version of `key`'s template (numbered when kept).
fn draft(
    key: &str,
    texts: [Text; 3],
    note: &str,
    by: &str,
    at: &str,
) -> Result<(&'static EventSpec, Template), NotifyError> {
    let spec = event(key)?;
    let [zh, bo, en] = texts;
    let t = Template {
        event: key.to_owned(),
        version: 0,
        zh,
        bo,
        en,
        note: note.trim().to_owned(),
        created_by: by.to_owned(),
        created_at: at.to_owned(),
    };
    check(spec, &t).map_err(NotifyError::Invalid)?;
    Ok((spec, t))
}

/// Keeps a new version of `key`'s template, in force at once; returns its number.
pub async fn save(
    db: &Db,
    by: &Principal,
    key: &str,
    texts: [Text; 3],
    note: &str,
) -> Result<i64, NotifyError> {
    keeper(db, by, "notify.template.saved").await?;
    let (_, t) = draft(
        key,
        texts,
        note,
        &by.id(),
        &format_instant(db.clock().now()),
    )?;
    let mut tx = db.begin().await?;
    let version = store::add_template(&mut tx, &t).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "notify.template.saved",
            subject: &format!("template:{key}"),
            payload: serde_json::json!({ "version": version, "note": t.note }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    forget_cached(db);
    Ok(version)
}

/// A sample value for each variable, as a preview shows it.
fn sample(name: &str) -> String {
    match name {
        "number" => "YW5401022026000123".into(),
        "item" => "最低生活保障审核确认".into(),
        "code" => "54010226000000001238".into(),
        "amount" => "20.00".into(),
        "due" | "day" => "2026-06-25".into(),
        "receipt" => "540000-2026-000001".into(),
        "centre" => "城关区政务服务中心".into(),
        "slot" => "10:00".into(),
        "count" => "3".into(),
        "minutes" => "12".into(),
        other => format!("‹{other}›"),
    }
}

/// What `texts` would send for `key`, in each language, with sample values; or every problem
/// with them, by field.
pub async fn preview(
    db: &Db,
    by: &Principal,
    key: &str,
    texts: [Text; 3],
) -> Result<Vec<(Lang, String, String)>, NotifyError> {
    keeper(db, by, "notify.templates.read").await?;
    let (spec, t) = draft(key, texts, "", "", "")?;
    let owned: Vec<(String, String)> = spec.vars.iter().map(|v| (v.clone(), sample(v))).collect();
    let vars: Vec<(&str, String)> = owned.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    Ok(Lang::ALL
        .into_iter()
        .map(|l| {
            let (s, b) = render_in(&t, Tongue::One(l), &vars);
            (l, s, b)
        })
        .collect())
}
