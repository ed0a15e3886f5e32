//! Life-event bundles (一件事一次办): the items one event of life or business takes — opening
//! a restaurant, a baby being born, retiring — gathered so a person finds them together, sees
//! what the whole event takes (materials once each, the longest time limit, the most visits),
//! and, once cases land, applies for them with one form.
//!
//! A bundle names standardized items by basic code; for a place (`?division=`), each resolves
//! to the implementation that serves it: the county's own, else the prefecture's, else the
//! region's.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use db::{Db, DbError};
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use ui::error::ApiCtx;
use ui::layout::page;
use ui::{ApiError, AppState, Ctx, PageError};

use crate::codes::BasicCode;
use crate::model::Invalid;
use crate::search::Searcher;
use crate::service::CatalogError;
use crate::store::{Filter, Summary};

/// A bundle as stewards define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// `open-restaurant`, `baby-born`, …
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_bo: String,
    #[serde(default)]
    pub description_en: String,
    /// The standardized items, in the order a person does them.
    pub items: Vec<BasicCode>,
}

impl Bundle {
    /// Every problem the bundle has on its own.
    pub fn check(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        let bad = |field: &str, key: &'static str| Invalid {
            field: field.to_owned(),
            message: Message::new(key),
        };
        if self.code.len() < 2
            || self.code.len() > 40
            || !self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            out.push(bad("code", "cat-bundle-code"));
        }
        if self.name_zh.trim().is_empty() {
            out.push(bad("name_zh", "cat-name-missing"));
        }
        if self.items.len() < 2 {
            out.push(bad("items", "cat-bundle-too-few"));
        }
        let distinct: BTreeSet<&BasicCode> = self.items.iter().collect();
        if distinct.len() != self.items.len() {
            out.push(bad("items", "cat-bundle-repeated"));
        }
        out
    }
}

/// Saves a bundle after checking it and that every item it names is published.
pub async fn save(db: &Db, bundle: &Bundle, actor: &str) -> Result<(), CatalogError> {
    let mut problems = bundle.check();
    for (i, basic) in bundle.items.iter().enumerate() {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM catalog_items WHERE basic_code = $1 AND status = 'published'",
        )
        .bind(basic.as_str())
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
        if n == 0 {
            problems.push(Invalid {
                field: format!("items[{i}]"),
                message: Message::new("cat-bundle-unknown-item").arg("code", basic.as_str()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(CatalogError::Invalid(problems));
    }
    let body = serde_json::to_string(bundle).map_err(|e| DbError::Conflict(e.to_string()))?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO catalog_bundles (code, body, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
    )
    .bind(&bundle.code)
    .bind(body)
    .bind(kernel::time_util::format_instant(db.clock().now()))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor,
            action: "bundle.saved",
            subject: &format!("bundle:{}", bundle.code),
            payload: serde_json::json!({ "items": bundle.items.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

fn parse(code: &str, body: &str) -> Result<Bundle, DbError> {
    serde_json::from_str(body).map_err(|e| DbError::Conflict(format!("stored bundle {code}: {e}")))
}

/// Every bundle, by code.
pub async fn all(db: &Db) -> Result<Vec<Bundle>, DbError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, body FROM catalog_bundles ORDER BY code")
            .fetch_all(db.pool())
            .await?;
    rows.iter().map(|(code, body)| parse(code, body)).collect()
}

pub async fn one(db: &Db, code: &str) -> Result<Option<Bundle>, DbError> {
    let body: Option<String> =
        sqlx::query_scalar("SELECT body FROM catalog_bundles WHERE code = $1")
            .bind(code)
            .fetch_optional(db.pool())
            .await?;
    body.map(|b| parse(code, &b)).transpose()
}

/// One item of a bundle as a place sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub basic_code: String,
    /// The implementation serving the place asked about, or any one when none was asked.
    pub item: Option<Summary>,
    /// How many implementations there are in all.
    pub places: i64,
}

/// A bundle resolved for a place, with what the whole event takes.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub code: String,
    pub name: String,
    pub description: String,
    pub division: Option<String>,
    pub steps: Vec<Step>,
    /// Materials over all items, each counted once however many items ask for it.
    pub materials: usize,
    /// Of those, how many the platform obtains itself.
    pub obtainable_materials: usize,
    /// The longest promised time limit (the items run side by side).
    pub promised_days: i64,
    /// The most visits any one item needs.
    pub visits: i64,
}

/// Resolves each item of a bundle for `division` (or, without one, shows one
/// implementation of each).
pub async fn resolve(
    db: &Db,
    searcher: &Searcher,
    bundle: &Bundle,
    division: Option<DivisionCode>,
    pick: impl Fn(&str, &str, &str) -> String,
) -> Result<Resolved, DbError> {
    let mut steps = Vec::new();
    let mut materials = BTreeSet::new();
    let mut obtainable = BTreeSet::new();
    let (mut days, mut visits) = (0, 0);
    for basic in &bundle.items {
        let found = searcher
            .search(
                db,
                &Filter {
                    basic: Some(basic.as_str().to_owned()),
                    limit: 5000,
                    ..Filter::default()
                },
            )
            .await?;
        let (all, places) = (found.items, found.total);
        // The implementation nearest the place: its own division, else the closest above.
        let serving = match division {
            Some(d) => all
                .iter()
                .filter_map(|s| {
                    let at = DivisionCode::parse(&s.division).ok()?;
                    d.is_within(at).then_some((at.level(), s))
                })
                .max_by_key(|(level, _)| *level)
                .map(|(_, s)| s.clone()),
            None => all.first().cloned(),
        };
        if let Some(s) = &serving
            && let Some(body) = crate::store::published(db, &s.code).await?
        {
            for m in &body.materials {
                materials.insert(m.name_zh.clone());
                if m.source.obtainable() {
                    obtainable.insert(m.name_zh.clone());
                }
            }
            days = days.max(s.promised_days);
            visits = visits.max(s.visits);
        }
        let item = serving.map(|mut s| {
            s.name = pick(&s.name_zh, &s.name_bo, &s.name_en);
            s
        });
        steps.push(Step {
            basic_code: basic.as_str().to_owned(),
            item,
            places,
        });
    }
    Ok(Resolved {
        code: bundle.code.clone(),
        name: pick(&bundle.name_zh, &bundle.name_bo, &bundle.name_en),
        description: pick(
            &bundle.description_zh,
            &bundle.description_bo,
            &bundle.description_en,
        ),
        division: division.map(|d| d.to_string()),
        steps,
        materials: materials.len(),
        obtainable_materials: obtainable.len(),
        promised_days: days,
        visits,
    })
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bundles", get(list_page))
        .route("/bundles/{code}", get(bundle_page))
        .route("/api/v1/bundles", get(list_json))
        .route("/api/v1/bundles/{code}", get(bundle_json))
}

#[derive(Debug, Default, Deserialize)]
struct Place {
    division: Option<String>,
}

fn place(p: &Place) -> Result<Option<DivisionCode>, (&'static str, String)> {
    match p
        .division
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Ok(None),
        Some(d) => DivisionCode::parse(d)
            .map(Some)
            .map_err(|_| ("division", d.to_owned())),
    }
}

async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    let bundles = all(&state.db).await?;
    let title = ctx.t("cat-bundles");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("cat-bundles-intro")) }
            ul.results { @for b in &bundles { li {
                a href={ "/bundles/" (b.code) } { (ctx.pick(&b.name_zh, &b.name_bo, &b.name_en)) }
                br; span.muted { (ctx.fmt(&Message::new("cat-bundle-items").arg("count", b.items.len()))) }
            } } }
        },
    ))
}

async fn bundle_page(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageQuery(p): ui::PageQuery<Place>,
) -> Result<Markup, PageError> {
    let division = place(&p).map_err(|e| crate::api::bad_param_page(&ctx, e))?;
    let bundle = one(&state.db, &code).await?.ok_or_else(|| {
        PageError::new(
            &ctx,
            StatusCode::NOT_FOUND,
            &Message::new("cat-bundle-not-found"),
        )
    })?;
    let r = resolve(&state.db, &searcher, &bundle, division, |zh, bo, en| {
        ctx.pick(zh, bo, en).to_owned()
    })
    .await?;
    Ok(page(
        &ctx,
        &r.name,
        html! {
            h1 { (r.name) }
            p { (r.description) }
            form.card.form method="get" action={ "/bundles/" (r.code) } {
                label for="division" { (ctx.t("cat-bundle-where")) }
                input id="division" name="division" inputmode="numeric" value=(r.division.clone().unwrap_or_default()) aria-describedby="division-hint";
                p.muted id="division-hint" { (ctx.t("cat-bundle-where-hint")) }
                p { button type="submit" { (ctx.t("cat-bundle-show")) } }
            }
            // Applying for all at once is the cases capability's page (its text lives there).
            @if let Some(d) = &r.division {
                p { a.button href={ "/apply/bundle/" (r.code) "?division=" (d) } { (ctx.t("case-bundle-apply")) } }
            }
            dl.facts {
                dt { (ctx.t("cat-materials")) } dd { (ctx.fmt(&Message::new("cat-bundle-materials").arg("count", r.materials).arg("obtainable", r.obtainable_materials))) }
                dt { (ctx.t("cat-time")) } dd { (ctx.fmt(&Message::new("cat-days").arg("count", r.promised_days))) }
                dt { (ctx.t("cat-visits-label")) } dd { (ctx.fmt(&Message::new("cat-visits").arg("count", r.visits))) }
            }
            ol.results { @for s in &r.steps { li {
                @match &s.item {
                    Some(i) => {
                        a href={ "/items/" (i.code) } { (i.name) }
                        br; span.muted {
                            (ctx.t(&format!("cat-depth-{}", i.online_depth))) " · "
                            (ctx.fmt(&Message::new("cat-visits").arg("count", i.visits))) " · "
                            @if r.division.is_some() { (i.department) } @else {
                                a href={ "/items?basic=" (s.basic_code) } { (ctx.fmt(&Message::new("cat-places").arg("count", s.places))) }
                            }
                        }
                    }
                    None => { code { (s.basic_code) } " " span.muted { (ctx.t("cat-bundle-not-here")) } }
                }
            } } }
        },
    ))
}

async fn list_json(State(state): State<AppState>) -> Result<Json<Vec<Bundle>>, ApiError> {
    Ok(Json(all(&state.db).await?))
}

async fn bundle_json(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    api: ApiCtx,
    Path(code): Path<String>,
    ui::ApiQuery(p): ui::ApiQuery<Place>,
) -> Result<Json<Resolved>, ApiError> {
    let division = place(&p).map_err(|e| crate::api::bad_param(&api, e))?;
    let bundle = one(&state.db, &code).await?.ok_or_else(|| {
        api.fail(
            StatusCode::NOT_FOUND,
            "not-found",
            &Message::new("cat-bundle-not-found"),
        )
    })?;
    let resolved = resolve(&state.db, &searcher, &bundle, division, |zh, bo, en| {
        api.pick(zh, bo, en).to_owned()
    })
    .await?;
    Ok(Json(resolved))
}
