//! The dispatch catalogue (派单目录): categories, and rules of category × division → the
//! kind of the lead department and of the co-handlers, kept by the hotline's managers with
//! their history; and finding a ticket's departments from it.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};

use super::{HOTLINE, refused};
use crate::model::{Category, HotlineError, Rule};
use crate::store;

/// The categories in use (public: the portal's form lists them).
pub async fn categories(db: &Db) -> Result<Vec<Category>, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::categories(&mut conn).await?)
}

/// The catalogue's rules, current or with their history, for the hotline.
pub async fn rules(db: &Db, by: &Principal, history: bool) -> Result<Vec<Rule>, HotlineError> {
    by.require_any_role(db, &HOTLINE, "hotline:catalogue", "hotline.rules")
        .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::rules(&mut conn, !history).await?)
}

/// A rule as a manager writes it.
#[derive(Debug, Clone, Default)]
pub struct NewRule {
    pub category: String,
    pub division: String,
    pub lead: String,
    pub co: String,
}

/// Sets the rule for a category in a division (closing the one it replaces): a hotline
/// manager of that division, or the operator.
pub async fn set_rule(db: &Db, by: &Principal, new: &NewRule) -> Result<Rule, HotlineError> {
    let division = DivisionCode::parse(new.division.trim())
        .map_err(|_| HotlineError::field("division", "hotline-division-unknown"))?;
    by.require(
        db,
        identity::model::Role::HotlineManager,
        division,
        "hotline.rule.set",
    )
    .await?;
    let subject = format!("hotline-rule:{}@{division}", new.category.trim());
    let checked = check_rule(db, new, division).await;
    let rule = match checked {
        Ok(r) => r,
        Err(e) => return Err(refused(db, by, &subject, "hotline.rule.set", e).await),
    };
    let rule = Rule {
        since: format_instant(db.clock().now()),
        by: by.id(),
        ..rule
    };
    let mut tx = db.begin().await?;
    let id = store::replace_rule(&mut tx, &rule).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.rule.set",
            subject: &subject,
            payload: serde_json::json!({ "lead": rule.lead, "co": rule.co }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(Rule { id, ..rule })
}

async fn check_rule(db: &Db, new: &NewRule, division: DivisionCode) -> Result<Rule, HotlineError> {
    let mut problems = Vec::new();
    let category = new.category.trim();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    if !store::categories(&mut conn)
        .await?
        .iter()
        .any(|c| c.code == category)
    {
        problems.push((
            "category".to_owned(),
            Message::new("hotline-category-unknown"),
        ));
    }
    if !org::store::division_exists(&mut conn, division).await? {
        problems.push((
            "division".to_owned(),
            Message::new("hotline-division-unknown"),
        ));
    }
    let lead = new.lead.trim();
    if org::topics::department_kind(lead).is_none() {
        problems.push((
            "lead".to_owned(),
            Message::new("hotline-department-kind-unknown").arg("kind", lead),
        ));
    }
    let co: Vec<String> = new
        .co
        .split([' ', ',', '，'])
        .map(str::trim)
        .filter(|k| !k.is_empty() && *k != lead)
        .map(str::to_owned)
        .collect();
    for k in &co {
        if org::topics::department_kind(k).is_none() {
            problems.push((
                "co".to_owned(),
                Message::new("hotline-department-kind-unknown").arg("kind", k.as_str()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(HotlineError::Invalid(problems));
    }
    Ok(Rule {
        id: 0,
        category: category.to_owned(),
        division,
        lead: lead.to_owned(),
        co,
        since: String::new(),
        until: None,
        by: String::new(),
    })
}

/// Where a ticket goes: the lead department's code and the co-handlers' codes, by the most
/// specific rule for its category at its place (the place's division, then upwards), each
/// kind resolved to the nearest department of that kind at or above the place. `None` when
/// no rule or no department is found: the hotline dispatches by hand.
///
/// It reads outside any transaction (taking a connection of its own), so that a caller
/// holding the write transaction never waits for a second connection.
pub(crate) async fn route(
    db: &Db,
    category: &str,
    place: DivisionCode,
) -> Result<Option<(String, Vec<String>)>, HotlineError> {
    let lineage = place.lineage();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let rules = store::rules_for(&mut conn, category, &lineage).await?;
    drop(conn);
    // The lineage runs from the region down: the last division with a rule is the nearest.
    let Some(rule) = lineage
        .iter()
        .rev()
        .find_map(|d| rules.iter().find(|r| r.division == *d))
    else {
        return Ok(None);
    };
    let Some(lead) = nearest(db, &rule.lead, place).await? else {
        return Ok(None);
    };
    let mut co = Vec::new();
    for kind in &rule.co {
        if let Some(d) = nearest(db, kind, place).await?
            && d != lead
            && !co.contains(&d)
        {
            co.push(d);
        }
    }
    Ok(Some((lead, co)))
}

/// The code of the department of `kind` at `place` or the nearest division above it.
async fn nearest(db: &Db, kind: &str, place: DivisionCode) -> Result<Option<String>, HotlineError> {
    let mut at = Some(place);
    while let Some(d) = at {
        let code = format!("{d}-{kind}");
        if org::service::department(db, &code).await?.is_some() {
            return Ok(Some(code));
        }
        at = d.parent();
    }
    Ok(None)
}
