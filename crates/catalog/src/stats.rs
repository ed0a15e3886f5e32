//! Catalogue statistics, computed live from the published catalogue, per department, level
//! or division: how many items, what share can be handled online (online application or fully
//! online), fully online, with at most one visit, in the service centre, materials per item,
//! and the share of materials the platform can obtain itself — the basis of the plan's
//! "materials reduced by 30% / 60%" targets. JSON at `/api/v1/items/stats`, a page at
//! `/items/stats`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use db::{Db, DbError};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ui::error::ApiCtx;
use ui::layout::page;
use ui::{ApiError, AppState, Ctx, Listing, PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/items/stats", get(stats_json))
        .route("/items/stats", get(stats_page))
        .route("/api/v1/items/stats/in-cases", get(in_cases_json))
}

/// One group's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// The department code, level key or division code.
    pub key: String,
    pub items: i64,
    pub online_share: f64,
    pub fully_online_share: f64,
    pub one_trip_share: f64,
    pub in_centre_share: f64,
    pub materials_per_item: f64,
    pub obtainable_material_share: f64,
}

#[derive(Debug, Default, Deserialize)]
struct StatsParams {
    by: Option<String>,
    division: Option<String>,
}

fn share(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

/// Figures grouped by `by` (`department`, `level` or `division`), within a division's subtree
/// when given.
pub async fn figures(db: &Db, by: &str, within: Option<&str>) -> Result<Vec<Figures>, DbError> {
    let column = match by {
        "department" => "department_code",
        "level" => "level",
        _ => "division_code",
    };
    let filter = if within.is_some() {
        " AND division_code LIKE $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {column} AS by_key, COUNT(*) AS items, \
         CAST(SUM(CASE WHEN online_depth IN ('online-application', 'fully-online') THEN 1 ELSE 0 END) AS BIGINT) AS online, \
         CAST(SUM(CASE WHEN online_depth = 'fully-online' THEN 1 ELSE 0 END) AS BIGINT) AS fully_online, \
         CAST(SUM(CASE WHEN visits <= 1 THEN 1 ELSE 0 END) AS BIGINT) AS one_trip, CAST(SUM(in_centre) AS BIGINT) AS in_centre, \
         CAST(SUM(materials) AS BIGINT) AS materials, CAST(SUM(obtainable_materials) AS BIGINT) AS obtainable \
         FROM catalog_items WHERE status = 'published'{filter} GROUP BY {column} ORDER BY {column}"
    );
    let mut q = sqlx::query(&sql);
    if let Some(w) = within {
        q = q.bind(format!("{w}%"));
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("items")?;
            let materials: i64 = r.try_get("materials")?;
            Ok(Figures {
                key: r.try_get("by_key")?,
                items: n,
                online_share: share(r.try_get("online")?, n),
                fully_online_share: share(r.try_get("fully_online")?, n),
                one_trip_share: share(r.try_get("one_trip")?, n),
                in_centre_share: share(r.try_get("in_centre")?, n),
                materials_per_item: share(materials, n),
                obtainable_material_share: share(r.try_get("obtainable")?, materials),
            })
        })
        .collect()
}

/// The materials of submitted cases as they were actually met: how many the applicants did
/// not bring because an electronic certificate or a base registry stood in for them (the
/// plan's "fewer materials" in practice, beside the catalogue's promise above).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InCases {
    pub materials: i64,
    pub by_certificate: i64,
    pub by_registry: i64,
    pub certificate_share: f64,
    pub registry_share: f64,
}

/// [`InCases`] over the cases handled within a division's subtree (or everywhere).
pub async fn in_cases(db: &Db, within: Option<&str>) -> Result<InCases, DbError> {
    let filter = if within.is_some() {
        " AND c.division LIKE $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT COUNT(*) AS materials, CAST(COALESCE(SUM(CASE WHEN m.waived_by LIKE 'cert:%' THEN 1 ELSE 0 END), 0) AS BIGINT) AS by_certificate, \
         CAST(COALESCE(SUM(CASE WHEN m.waived_by LIKE 'registry:%' THEN 1 ELSE 0 END), 0) AS BIGINT) AS by_registry \
         FROM case_materials m JOIN cases c ON c.id = m.case_id WHERE c.state <> 'draft'{filter}"
    );
    let mut q = sqlx::query(&sql);
    if let Some(w) = within {
        q = q.bind(format!("{w}%"));
    }
    let r = q.fetch_one(db.pool()).await?;
    let materials: i64 = r.try_get("materials")?;
    let by_certificate: i64 = r.try_get("by_certificate")?;
    let by_registry: i64 = r.try_get("by_registry")?;
    Ok(InCases {
        materials,
        by_certificate,
        by_registry,
        certificate_share: share(by_certificate, materials),
        registry_share: share(by_registry, materials),
    })
}

async fn in_cases_json(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<StatsParams>,
) -> Result<Json<InCases>, ApiError> {
    let (_, within) = read(&p).map_err(|e| crate::api::bad_param(&api, e))?;
    Ok(Json(in_cases(&state.db, within.as_deref()).await?))
}

/// The parameters, checked: (`by`, the subtree prefix) or the parameter that is wrong.
fn read(p: &StatsParams) -> Result<(String, Option<String>), (&'static str, String)> {
    let by = p.by.clone().unwrap_or_else(|| "department".to_owned());
    if !matches!(by.as_str(), "department" | "level" | "division") {
        return Err(("by", by));
    }
    let within = match p.division.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(
            kernel::DivisionCode::parse(d)
                .map_err(|_| ("division", d.to_owned()))?
                .subtree_prefix(),
        ),
        None => None,
    };
    Ok((by, within))
}

async fn stats_json(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<StatsParams>,
) -> Result<Json<Listing<Figures>>, ApiError> {
    let (by, within) = read(&p).map_err(|e| crate::api::bad_param(&api, e))?;
    let items = figures(&state.db, &by, within.as_deref()).await?;
    let total = items.len() as i64;
    Ok(Json(Listing {
        items,
        total,
        next: None,
    }))
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

async fn stats_page(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<StatsParams>,
) -> Result<Markup, PageError> {
    let (by, within) = read(&p).map_err(|e| crate::api::bad_param_page(&ctx, e))?;
    let rows = figures(&state.db, &by, within.as_deref()).await?;
    let met = in_cases(&state.db, within.as_deref()).await?;
    let title = ctx.t("cat-stats-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            nav aria-label=(ctx.t("cat-stats-by")) { ul.plain {
                @for b in ["department", "level", "division"] {
                    li { a href={ "/items/stats?by=" (b) } aria-current=[(b == by).then_some("page")] { (ctx.t(&format!("cat-stats-by-{b}"))) } }
                }
            } }
            p.card { (ctx.fmt(&kernel::Message::new("cat-stats-in-cases")
                .arg("materials", met.materials)
                .arg("certificates", percent(met.certificate_share))
                .arg("registries", percent(met.registry_share)))) }
            div.table-wrap { table {
                thead { tr {
                    th { (ctx.t(&format!("cat-stats-by-{by}"))) }
                    th { (ctx.t("cat-stats-items")) }
                    th { (ctx.t("cat-stats-online")) }
                    th { (ctx.t("cat-stats-fully-online")) }
                    th { (ctx.t("cat-one-trip")) }
                    th { (ctx.t("cat-stats-in-centre")) }
                    th { (ctx.t("cat-stats-materials")) }
                    th { (ctx.t("cat-stats-obtainable")) }
                } }
                tbody { @for r in &rows { tr {
                    td { (r.key) }
                    td { (r.items) }
                    td { (percent(r.online_share)) }
                    td { (percent(r.fully_online_share)) }
                    td { (percent(r.one_trip_share)) }
                    td { (percent(r.in_centre_share)) }
                    td { (format!("{:.1}", r.materials_per_item)) }
                    td { (percent(r.obtainable_material_share)) }
                } } }
            } }
        },
    ))
}
