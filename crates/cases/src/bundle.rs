//! Life-event bundles applied for at once (一件事一次办): the catalogue's bundle resolved for
//! the applicant's place gives one merged form — the applicant's fields once, each material
//! once however many items ask for it — that makes one linked case per item, tracked
//! together on one page.
//!
//! The cases are written one by one through the ordinary submission, each with its own
//! idempotency key derived from the form's: a form sent twice, or sent again after a failure
//! half-way, completes the bundle without making any case twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use catalog::bundles::{self as catalog_bundles, Bundle};
use catalog::search::Searcher;
use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Citizen;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;
use ui::layout::{page, titled};
use ui::{AppState, Ctx, PageError};

use crate::form::{Applicant, MaterialLine, Need};
use crate::model::{Actor, Case, CaseError, Channel, Upload};
use crate::pages::{self, BODY_LIMIT, Opened, Sent};
use crate::service::{self, Application, Submitted};
use crate::{prefill, store};

/// One material of the merged form and the items' materials it stands for.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The line as the form shows it (its `index` is the merged one).
    pub line: MaterialLine,
    /// `(part, index of the material in that part's item)`.
    pub uses: Vec<(usize, usize)>,
}

/// Merges the parts' materials by name: one line per distinct material, asked for when any
/// item asks for it, conditional when every asking item makes it so, waived when every item
/// can read it.
pub fn merge(parts: &[Opened]) -> Vec<Merged> {
    let mut out: Vec<Merged> = Vec::new();
    for (pi, part) in parts.iter().enumerate() {
        for m in &part.p.materials {
            match out.iter_mut().find(|x| x.line.name_zh == m.name_zh) {
                Some(x) => {
                    x.uses.push((pi, m.index));
                    x.line.need = match (&x.line.need, &m.need) {
                        (Need::Submit, _) | (_, Need::Submit) => Need::Submit,
                        (Need::IfApplies { .. }, _) => x.line.need.clone(),
                        (_, Need::IfApplies { .. }) => m.need.clone(),
                        (Need::Waived { .. }, Need::Waived { .. }) => x.line.need.clone(),
                    };
                }
                None => out.push(Merged {
                    line: MaterialLine {
                        index: out.len(),
                        ..m.clone()
                    },
                    uses: vec![(pi, m.index)],
                }),
            }
        }
    }
    out
}

/// Each part's application from the merged form.
fn applications(
    parts: &[Opened],
    merged: &[Merged],
    sent: &Sent,
    channel: Channel,
    key: Option<&str>,
) -> Vec<Application> {
    parts
        .iter()
        .enumerate()
        .map(|(pi, part)| {
            let mut applies = BTreeSet::new();
            let mut uploads = Vec::new();
            for m in merged {
                for &(p, index) in &m.uses {
                    if p != pi {
                        continue;
                    }
                    if sent.applies.contains(&m.line.index) {
                        applies.insert(index);
                    }
                    if let Some(u) = sent.uploads.iter().find(|u| u.index == m.line.index) {
                        uploads.push(Upload { index, ..u.clone() });
                    }
                }
            }
            Application {
                item: part.item.clone(),
                item_version: part.version,
                applicant: part.applicant.clone(),
                channel,
                values: sent.values.clone(),
                materials: part.p.materials.clone(),
                applies,
                uploads,
                idempotency_key: key.map(|k| format!("{k}:{pi}")),
                consent: None,
            }
        })
        .collect()
}

/// Every problem of every part at once, named as the merged form names them.
fn problems(apps: &[Application], merged: &[Merged]) -> Vec<(String, Message)> {
    let mut out: Vec<(String, Message)> = Vec::new();
    for (pi, app) in apps.iter().enumerate() {
        let Err(CaseError::Invalid(found)) = service::check_application(app) else {
            continue;
        };
        for (key, message) in found {
            let key = match key
                .strip_prefix("materials.")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) => merged
                    .iter()
                    .find(|m| m.uses.contains(&(pi, n)))
                    .map_or(key.clone(), |m| format!("materials.{}", m.line.index)),
                None => key,
            };
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, message));
            }
        }
    }
    out
}

/// A bundle's application as written.
#[derive(Debug, Clone)]
pub struct Applied {
    pub id: i64,
    pub cases: Vec<Submitted>,
}

/// Submits every part, linked under one bundle application; nothing is written while any
/// part has a problem.
pub async fn submit(
    db: &Db,
    bundle: &Bundle,
    division: DivisionCode,
    apps: &[Application],
    merged: &[Merged],
    actor: &Actor,
) -> Result<Applied, CaseError> {
    let found = problems(apps, merged);
    if !found.is_empty() {
        return Err(CaseError::Invalid(found));
    }
    let first = apps.first().ok_or(CaseError::NotFound)?;
    let account = first.applicant.account();
    let key = first
        .idempotency_key
        .as_deref()
        .and_then(|k| k.rsplit_once(':'))
        .map(|(k, _)| k.to_owned());
    let existing: Option<i64> = match &key {
        Some(k) => sqlx::query_scalar(
            "SELECT id FROM case_bundles WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(account)
        .bind(k)
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::from)?,
        None => None,
    };
    let id = match existing {
        Some(id) => id,
        None => {
            let mut tx = db.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO case_bundles (bundle_code, name_zh, account_id, division, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&bundle.code)
            .bind(&bundle.name_zh)
            .bind(account)
            .bind(division.to_string())
            .bind(&key)
            .bind(format_instant(db.clock().now()))
            .fetch_one(&mut *tx)
            .await
            .map_err(DbError::from)?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor.id,
                    action: "case.bundle_applied",
                    subject: &format!("bundle:{id}"),
                    payload: json!({ "bundle": bundle.code, "items": apps.len() }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            id
        }
    };
    let mut cases = Vec::with_capacity(apps.len());
    for app in apps {
        let s = service::submit(db, app, actor).await?;
        sqlx::query("UPDATE cases SET bundle_id = $1 WHERE id = $2 AND bundle_id IS NULL")
            .bind(id)
            .bind(s.id)
            .execute(db.pool())
            .await
            .map_err(DbError::from)?;
        cases.push(s);
    }
    Ok(Applied { id, cases })
}

/// A bundle application: its owner, name, place and cases.
pub struct Tracked {
    pub account_id: i64,
    pub bundle_code: String,
    pub name_zh: String,
    pub division: String,
    pub created_at: String,
    pub cases: Vec<Case>,
}

pub async fn tracked(db: &Db, id: i64) -> Result<Option<Tracked>, CaseError> {
    let Some(row) = sqlx::query(
        "SELECT account_id, bundle_code, name_zh, division, created_at FROM case_bundles WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?
    else {
        return Ok(None);
    };
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE bundle_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(db.pool())
        .await
        .map_err(DbError::from)?;
    let mut cases = Vec::with_capacity(ids.len());
    for c in ids {
        if let Some(found) = store::find(db, c).await? {
            cases.push(found);
        }
    }
    Ok(Some(Tracked {
        account_id: row.try_get("account_id").map_err(DbError::from)?,
        bundle_code: row.try_get("bundle_code").map_err(DbError::from)?,
        name_zh: row.try_get("name_zh").map_err(DbError::from)?,
        division: row.try_get("division").map_err(DbError::from)?,
        created_at: row.try_get("created_at").map_err(DbError::from)?,
        cases,
    }))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply/bundle/{code}", get(apply_page).post(apply_send))
        .route("/me/bundles/{id}", get(tracked_page))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Debug, Default, Deserialize)]
struct Place {
    division: Option<String>,
}

/// The bundle's form for the signed-in applicant at a place: the parts (one per item served
/// there) and the items not served there.
struct BundleForm {
    bundle: Bundle,
    division: DivisionCode,
    parts: Vec<Opened>,
    /// Items not applied for here, with why.
    missing: Vec<(String, String)>,
    merged: Vec<Merged>,
}

async fn open_bundle(
    state: &AppState,
    ctx: &Ctx,
    searcher: &Searcher,
    session: &identity::model::Session,
    code: &str,
    place: &Place,
) -> Result<BundleForm, PageError> {
    let bundle = catalog_bundles::one(&state.db, code)
        .await?
        .ok_or_else(|| {
            PageError::new(
                ctx,
                StatusCode::NOT_FOUND,
                &Message::new("cat-bundle-not-found"),
            )
        })?;
    let typed = place.division.as_deref().map(str::trim).unwrap_or("");
    let division = DivisionCode::parse(typed).map_err(|_| {
        PageError::new(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &Message::new("case-bundle-place"),
        )
    })?;
    let resolved = catalog_bundles::resolve(
        &state.db,
        searcher,
        &bundle,
        Some(division),
        |zh, bo, en| ctx.pick(zh, bo, en).to_owned(),
    )
    .await?;
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    let applicant =
        prefill::applicant(session).map_err(|m| PageError::new(ctx, StatusCode::FORBIDDEN, &m))?;
    for step in resolved.steps {
        let Some(item) = step.item else {
            missing.push((step.basic_code, ctx.t("cat-bundle-not-here")));
            continue;
        };
        // Items for the other kind of applicant (an entity's, for a person) are listed, not
        // offered: they are applied for while acting for the entity.
        if catalog::model::ServiceObject::parse(&item.service_object)
            .is_some_and(|o| !applicant.may_apply(o))
        {
            missing.push((item.name.clone(), ctx.t("case-object-mismatch")));
            continue;
        }
        let by = identity::Principal::account(session.clone());
        let online = crate::service::Applying::Online(&by);
        let (opened, _) = pages::open_form(state, online, &item.code, false).await?;
        parts.push(opened);
    }
    if parts.is_empty() {
        return Err(PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("cat-bundle-not-here"),
        ));
    }
    let merged = merge(&parts);
    Ok(BundleForm {
        bundle,
        division,
        parts,
        missing,
        merged,
    })
}

fn bundle_view(
    ctx: &Ctx,
    f: &BundleForm,
    applicant: &Applicant,
    errors: &BTreeMap<String, String>,
    applies: &BTreeSet<usize>,
) -> Markup {
    let title = format!(
        "{} · {}",
        ctx.t("case-bundle-apply"),
        ctx.pick(&f.bundle.name_zh, &f.bundle.name_bo, &f.bundle.name_en)
    );
    let lines: Vec<MaterialLine> = f.merged.iter().map(|m| m.line.clone()).collect();
    let first = &f.parts[0];
    let key = pages::idempotency_key(applicant, &format!("bundle:{}", f.bundle.code));
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("case-bundle-intro")) }
            ol { @for p in &f.parts { li { (ctx.pick(&p.item.name_zh, &p.item.name_bo, &p.item.name_en)) " " code { (p.item.code.as_str()) } } } }
            @if !f.missing.is_empty() {
                div.notice { p { (ctx.t("case-bundle-missing")) } ul { @for (what, why) in &f.missing { li { (what) " — " (why) } } } }
            }
            (pages::errors_summary(ctx, errors, &lines))
            form.form method="post" action={ "/apply/bundle/" (f.bundle.code) "?division=" (f.division) } enctype="multipart/form-data" {
                input type="hidden" name="idempotency_key" value=(key);
                (pages::applicant_fields(ctx, applicant, &first.p, errors))
                (pages::material_fields(ctx, &lines, errors, applies))
                p { button type="submit" name="action" value="submit" { (ctx.t("case-bundle-submit")) } }
            }
        },
    )
}

async fn apply_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageQuery(place): ui::PageQuery<Place>,
) -> Result<Response, PageError> {
    let f = open_bundle(&state, &ctx, &searcher, &session, &code, &place).await?;
    let applicant = f.parts[0].applicant.clone();
    Ok(bundle_view(&ctx, &f, &applicant, &BTreeMap::new(), &BTreeSet::new()).into_response())
}

async fn apply_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageQuery(place): ui::PageQuery<Place>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = pages::read_multipart(&ctx, multipart).await?;
    let mut f = open_bundle(&state, &ctx, &searcher, &session, &code, &place).await?;
    let key = sent.values.get("idempotency_key").cloned();
    let apps = applications(&f.parts, &f.merged, &sent, Channel::Online, key.as_deref());
    let applicant = f.parts[0].applicant.clone();
    match submit(
        &state.db,
        &f.bundle,
        f.division,
        &apps,
        &f.merged,
        &Actor::of(&session),
    )
    .await
    {
        Ok(a) => Ok(Redirect::to(&format!("/me/bundles/{}?submitted=1", a.id)).into_response()),
        Err(CaseError::Invalid(found)) => {
            let errors = found.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect();
            // What was typed stays on the form.
            for field in applicant.fields().iter().filter(|x| !x.fixed) {
                if let Some(v) = sent.values.get(field.key) {
                    f.parts[0].p.values.insert(field.key.to_owned(), v.clone());
                    f.parts[0].p.from.remove(field.key);
                }
            }
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                bundle_view(&ctx, &f, &applicant, &errors, &sent.applies),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Shown {
    submitted: Option<String>,
}

async fn tracked_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Shown>,
) -> Result<Response, PageError> {
    let t = tracked(&state.db, id)
        .await?
        .filter(|t| t.account_id == session.account.id)
        .ok_or_else(|| {
            PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
        })?;
    let outcome = q.submitted.map(|_| Ok(ctx.t("case-bundle-submitted")));
    let done = t.cases.iter().filter(|c| c.state.is_final()).count();
    let title = t.name_zh.clone();
    Ok(titled(
        &ctx,
        &title,
        &outcome,
        html! {
            p { (ctx.fmt(&Message::new("case-bundle-progress").arg("done", done).arg("count", t.cases.len()))) }
            p.hint { code { (t.bundle_code) } " · " (t.division) " · " (ui::layout::at(&ctx, &t.created_at)) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } } }
                tbody { @for c in &t.cases { tr {
                    td { a href={ "/me/cases/" (c.id) } { code { (c.number.as_deref().unwrap_or("")) } } }
                    td { (c.item_name) }
                    td { (ctx.t(&format!("case-state-{}", c.state.key()))) }
                    td { (crate::pages::due_mark(&ctx, c.due_date.as_deref(), c.due_provisional)) }
                } } }
            } }
        },
    )
    .into_response())
}
