//! Catalogue management for officials (`/manage/items`): data stewards draft new versions and
//! send them for review; approvers publish them, send them back with a reason, or withdraw an
//! item. Every version is kept, with a readable difference from the version published before
//! it. Each action needs the role for the item's division; a refusal is audited.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Official;
use identity::model::Role;
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::diff::{Change, diff};
use crate::model::{Invalid, ItemBody, OnlineDepth, Status};
use crate::service::{self, CatalogError};
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manage/items", get(overview))
        .route(
            "/manage/import",
            get(import_form)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/manage/items/{code}", get(item).post(draft))
        .route("/manage/items/{code}/retire", post(retire))
        .route("/manage/items/{code}/v/{version}", get(version))
        .route("/manage/items/{code}/v/{version}/{action}", post(act))
}

/// The largest import file (a province's whole catalogue is a few megabytes).
const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

fn actor(o: &Official) -> String {
    format!("official:{}", o.0.account.id)
}

/// Stewards and approvers may look; anyone else is refused (and the refusal audited).
async fn may_look(state: &AppState, o: &Official) -> Result<(), PageError> {
    if o.0
        .account
        .grants
        .iter()
        .any(|g| matches!(g.role, Role::DataSteward | Role::Approver))
    {
        return Ok(());
    }
    o.require_role(&state.db, Role::DataSteward, "catalog.view")
        .await
        .map_err(PageError::from)
}

/// The role for the item's own division.
async fn may_act(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    body: &ItemBody,
    role: Role,
    action: &str,
) -> Result<(), PageError> {
    let Some(division) = body.divisions.first() else {
        return Err(PageError::new(
            ctx,
            StatusCode::CONFLICT,
            &Message::new("cat-divisions-missing"),
        ));
    };
    o.require(&state.db, role, *division, action)
        .await
        .map_err(PageError::from)
}

/// How a page names whoever the audit chain calls `official:<id>`: their name and login.
async fn who(state: &AppState, ctx: &Ctx, actor: &str) -> String {
    let Some(id) = actor
        .strip_prefix("official:")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return actor.to_owned();
    };
    match identity::store::account(&state.db, id).await {
        Ok(Some(a)) => match &a.login {
            Some(login) => format!("{} ({login})", a.display_name(ctx.lang)),
            None => a.display_name(ctx.lang).to_owned(),
        },
        _ => actor.to_owned(),
    }
}

/// Names for every actor in a list, each looked up once.
async fn names(
    state: &AppState,
    ctx: &Ctx,
    actors: Vec<String>,
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let mut actors = actors;
    actors.sort();
    actors.dedup();
    for a in actors {
        let name = who(state, ctx, &a).await;
        out.insert(a, name);
    }
    out
}

fn status_label(ctx: &Ctx, status: &str) -> String {
    ctx.t(&format!("cat-status-{status}"))
}

#[derive(Debug, Default, Deserialize)]
struct Find {
    code: Option<String>,
}

async fn overview(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(find): ui::PageQuery<Find>,
) -> Result<Response, PageError> {
    may_look(&state, &o).await?;
    if let Some(code) = find
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        return Ok(Redirect::to(&format!(
            "/manage/items/{}",
            identity::guard::percent_encode(code)
        ))
        .into_response());
    }
    let pending = store::pending(&state.db, 200).await?;
    let authors: Vec<String> = pending.iter().map(|v| v.author.clone()).collect();
    let named = names(&state, &ctx, authors).await;
    let title = ctx.t("cat-manage-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/manage/items" {
                label for="code" { (ctx.t("cat-manage-find")) }
                input id="code" name="code" autocomplete="off" spellcheck="false";
                p.muted { (ctx.t("cat-manage-find-hint")) }
                p { button type="submit" { (ctx.t("cat-manage-open")) } }
            }
            p { a href="/manage/import" { (ctx.t("cat-import-title")) } " · "
                a href="/api/v1/catalog/export?format=csv" { (ctx.t("cat-export-csv")) } " · "
                a href="/api/v1/catalog/export?format=json" { (ctx.t("cat-export-json")) } }
            h2 { (ctx.t("cat-manage-pending")) }
            @if pending.is_empty() {
                p { (ctx.t("cat-manage-none-pending")) }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("cat-items-title")) } th { (ctx.t("cat-version")) } th { (ctx.t("cat-status")) } th { (ctx.t("cat-author")) } } }
                    tbody { @for v in &pending { tr {
                        td { a href={ "/manage/items/" (v.code) "/v/" (v.version) } { (v.name_zh) } br; code.muted { (v.code) } }
                        td { (v.version) }
                        td { (status_label(&ctx, &v.status)) }
                        td { (named.get(&v.author).unwrap_or(&v.author)) br; span.muted { (v.created_at) } }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

/// The fields a steward edits on the page (materials change through import).
#[derive(Debug, Default, Deserialize)]
struct Edit {
    name_zh: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    name_en: String,
    statutory_days: String,
    promised_days: String,
    visits: String,
    online_depth: String,
    #[serde(default)]
    fee_yuan: String,
    #[serde(default)]
    fee_basis: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    window_category: String,
    #[serde(default)]
    in_centre: Option<String>,
    #[serde(default)]
    high_frequency: Option<String>,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    steps: String,
}

impl Edit {
    fn of(b: &ItemBody) -> Edit {
        Edit {
            name_zh: b.name_zh.clone(),
            name_bo: b.name_bo.clone(),
            name_en: b.name_en.clone(),
            statutory_days: b.statutory_days.to_string(),
            promised_days: b.promised_days.to_string(),
            visits: b.visits.to_string(),
            online_depth: b.online_depth.key().to_owned(),
            fee_yuan: b.fee_fen.map(yuan).unwrap_or_default(),
            fee_basis: b.fee_basis.clone(),
            place: b.place.clone(),
            hours: b.hours.clone(),
            window_category: b.window_category.clone(),
            in_centre: b.in_centre.then(|| "on".to_owned()),
            high_frequency: b.high_frequency.then(|| "on".to_owned()),
            conditions: b.conditions.clone(),
            legal_basis: b.legal_basis.clone(),
            steps: b.steps.join("\n"),
        }
    }

    /// The base body with the edits applied, or every field that cannot be read.
    fn apply(&self, base: &ItemBody) -> Result<ItemBody, Vec<Invalid>> {
        let mut b = base.clone();
        let mut problems = Vec::new();
        let mut number = |field: &str, v: &str| -> u32 {
            v.trim().parse::<u32>().unwrap_or_else(|_| {
                problems.push(Invalid {
                    field: field.to_owned(),
                    message: Message::new("cat-not-a-number").arg("value", v.trim()),
                });
                0
            })
        };
        b.statutory_days = number("statutory_days", &self.statutory_days);
        b.promised_days = number("promised_days", &self.promised_days);
        b.visits = u8::try_from(number("visits", &self.visits)).unwrap_or(u8::MAX);
        match OnlineDepth::parse(&self.online_depth) {
            Some(d) => b.online_depth = d,
            None => problems.push(Invalid {
                field: "online_depth".into(),
                message: Message::new("cat-bad-param")
                    .arg("name", "online_depth")
                    .arg("value", self.online_depth.as_str()),
            }),
        }
        b.fee_fen = match self.fee_yuan.trim() {
            "" | "0" => None,
            v => match fen(v) {
                Some(f) => Some(f),
                None => {
                    problems.push(Invalid {
                        field: "fee_yuan".into(),
                        message: Message::new("cat-not-an-amount").arg("value", v),
                    });
                    None
                }
            },
        };
        b.name_zh = self.name_zh.trim().to_owned();
        b.name_bo = self.name_bo.trim().to_owned();
        b.name_en = self.name_en.trim().to_owned();
        b.fee_basis = self.fee_basis.trim().to_owned();
        b.place = self.place.trim().to_owned();
        b.hours = self.hours.trim().to_owned();
        b.window_category = self.window_category.trim().to_owned();
        b.in_centre = self.in_centre.is_some();
        b.high_frequency = self.high_frequency.is_some();
        b.conditions = self.conditions.trim().to_owned();
        b.legal_basis = self.legal_basis.trim().to_owned();
        b.steps = self
            .steps
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if problems.is_empty() {
            Ok(b)
        } else {
            Err(problems)
        }
    }
}

/// 1250 fen → "12.50".
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// "12.5" → 1250 fen; no more than two decimals, not negative.
fn fen(yuan: &str) -> Option<i64> {
    let (whole, part) = yuan.split_once('.').unwrap_or((yuan, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || part.len() > 2 {
        return None;
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{part:0<2}").parse::<i64>().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

async fn item(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    may_look(&state, &o).await?;
    let (_, _, body) = latest_or_404(&state, &code).await?;
    item_view(
        &state,
        &ctx,
        &code,
        &Edit::of(&body),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

async fn latest_or_404(state: &AppState, code: &str) -> Result<(i64, Status, ItemBody), PageError> {
    store::latest(&state.db, code)
        .await?
        .ok_or_else(|| PageError::from(CatalogError::NotFound))
}

async fn item_view(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    form: &Edit,
    problems: &[Invalid],
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let versions = store::versions(&state.db, code).await?;
    let name = versions
        .first()
        .map(|v| v.name_zh.clone())
        .unwrap_or_default();
    let actors: Vec<String> = versions
        .iter()
        .flat_map(|v| std::iter::once(v.author.clone()).chain(v.reviewer.clone()))
        .collect();
    let named = names(state, ctx, actors).await;
    let published = versions.iter().any(|v| v.status == "published");
    let title = ctx.fmt(&Message::new("cat-manage-item").arg("name", name.as_str()));
    let error_of = |field: &str| {
        problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| ctx.fmt(&p.message))
    };
    let input = |field: &str, value: &str, kind: &str| {
        let id = format!("f-{field}");
        let error = error_of(field);
        html! {
            label for=(id) { (ctx.t(&format!("cat-field-{field}"))) }
            input id=(id) name=(field) type=(kind) value=(value)
                aria-invalid=[error.is_some().then_some("true")]
                aria-describedby=[error.is_some().then(|| format!("{id}-error"))];
            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
        }
    };
    let area = |field: &str, value: &str| {
        let id = format!("f-{field}");
        let error = error_of(field);
        html! {
            label for=(id) { (ctx.t(&format!("cat-field-{field}"))) }
            textarea.prose id=(id) name=(field) rows="4"
                aria-invalid=[error.is_some().then_some("true")]
                aria-describedby=[error.is_some().then(|| format!("{id}-error"))] { (value) }
            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
        }
    };
    // Problems with fields the page does not edit are still shown, by name.
    let shown = [
        "name_zh",
        "name_bo",
        "name_en",
        "statutory_days",
        "promised_days",
        "visits",
        "online_depth",
        "fee_yuan",
        "fee_basis",
        "place",
        "hours",
        "window_category",
        "conditions",
        "legal_basis",
        "steps",
    ];
    let other: Vec<&Invalid> = problems
        .iter()
        .filter(|p| !shown.contains(&p.field.as_str()))
        .collect();
    let body = html! {
        h1 { (title) }
        p { code { (code) } " · "
            @if published { a href={ "/items/" (code) } { (ctx.t("cat-manage-see-guide")) } }
        }
        (outcome_notice(&outcome))
        h2 { (ctx.t("cat-history")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("cat-version")) } th { (ctx.t("cat-status")) } th { (ctx.t("cat-author")) } th { (ctx.t("cat-reviewer")) } } }
            tbody { @for v in &versions { tr {
                td { a href={ "/manage/items/" (code) "/v/" (v.version) } { (v.version) } }
                td { (status_label(ctx, &v.status)) }
                td { (named.get(&v.author).unwrap_or(&v.author)) br; span.muted { (v.created_at) } }
                td { @if let Some(r) = &v.reviewer { (named.get(r).unwrap_or(r)) } br; span.muted { (v.published_at.clone().unwrap_or_default()) } }
            } } }
        } }
        h2 { (ctx.t("cat-manage-new-draft")) }
        p.muted { (ctx.t("cat-manage-draft-hint")) }
        @if !other.is_empty() {
            ul.field-error { @for p in &other { li { code { (p.field) } " — " (ctx.fmt(&p.message)) } } }
        }
        form.card.form method="post" action={ "/manage/items/" (code) } {
            (input("name_zh", &form.name_zh, "text"))
            (input("name_bo", &form.name_bo, "text"))
            (input("name_en", &form.name_en, "text"))
            (input("statutory_days", &form.statutory_days, "text"))
            (input("promised_days", &form.promised_days, "text"))
            (input("visits", &form.visits, "text"))
            label for="f-online_depth" { (ctx.t("cat-field-online_depth")) }
            select id="f-online_depth" name="online_depth" {
                @for d in OnlineDepth::ALL {
                    option value=(d.key()) selected[form.online_depth == d.key()] { (ctx.t(&format!("cat-depth-{}", d.key()))) }
                }
            }
            (input("fee_yuan", &form.fee_yuan, "text"))
            (input("fee_basis", &form.fee_basis, "text"))
            (input("place", &form.place, "text"))
            (input("hours", &form.hours, "text"))
            label { input type="checkbox" name="in_centre" checked[form.in_centre.is_some()]; " " (ctx.t("cat-field-in_centre")) }
            (input("window_category", &form.window_category, "text"))
            label { input type="checkbox" name="high_frequency" checked[form.high_frequency.is_some()]; " " (ctx.t("cat-field-high_frequency")) }
            (area("conditions", &form.conditions))
            (area("legal_basis", &form.legal_basis))
            (area("steps", &form.steps))
            p { button type="submit" { (ctx.t("cat-manage-save-draft")) } }
        }
        @if published {
            h2 { (ctx.t("cat-manage-retire")) }
            form.card.form method="post" action={ "/manage/items/" (code) "/retire" } {
                label for="retire-reason" { (ctx.t("cat-reason")) }
                input id="retire-reason" name="reason" required;
                p { button type="submit" { (ctx.t("cat-manage-retire")) } }
            }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn draft(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<Edit>,
) -> Result<Response, PageError> {
    let (_, _, base) = latest_or_404(&state, &code).await?;
    may_act(&state, &ctx, &o, &base, Role::DataSteward, "catalog.draft").await?;
    let refused = |problems: Vec<Invalid>| {
        let (state, ctx, code, form) = (&state, &ctx, &code, &form);
        async move {
            item_view(
                state,
                ctx,
                code,
                form,
                &problems,
                Some(Err(ctx.t("cat-invalid"))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let body = match form.apply(&base) {
        Ok(b) => b,
        Err(problems) => return refused(problems).await,
    };
    match service::save_draft(&state.db, &body, &actor(&o)).await {
        Ok(v) => Ok(Redirect::to(&format!("/manage/items/{code}/v/{v}")).into_response()),
        Err(CatalogError::Invalid(problems)) => refused(problems).await,
        Err(e) => Err(e.into()),
    }
}

async fn version(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    may_look(&state, &o).await?;
    version_view(&state, &ctx, &code, version, None, StatusCode::OK).await
}

/// The version to compare with: the one published before it, else the one before it.
async fn baseline(
    state: &AppState,
    code: &str,
    version: i64,
) -> Result<Option<(i64, ItemBody)>, db::DbError> {
    let versions = store::versions(&state.db, code).await?;
    let earlier = versions.iter().filter(|v| v.version < version);
    let pick = earlier
        .clone()
        .find(|v| v.status == "published" || v.published_at.is_some())
        .or_else(|| earlier.clone().next());
    let Some(p) = pick else { return Ok(None) };
    let mut conn = state.db.pool().acquire().await?;
    Ok(store::version(&mut conn, code, p.version)
        .await?
        .map(|(_, b, _)| (p.version, b)))
}

async fn version_view(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    version: i64,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let db_err = <PageError as From<db::DbError>>::from;
    let mut conn = state
        .db
        .pool()
        .acquire()
        .await
        .map_err(|e| db_err(e.into()))?;
    let (st, body, author) = store::version(&mut conn, code, version)
        .await
        .map_err(db_err)?
        .ok_or_else(|| PageError::from(CatalogError::NotFound))?;
    drop(conn);
    let base = baseline(state, code, version).await.map_err(db_err)?;
    let changes: Vec<Change> = base
        .as_ref()
        .map(|(_, b)| diff(b, &body))
        .unwrap_or_default();
    let author = who(state, ctx, &author).await;
    let title = ctx.fmt(
        &Message::new("cat-version-of")
            .arg("name", body.name_zh.as_str())
            .arg("version", version),
    );
    let action = |name: &str, label: &str, reason: bool| {
        html! {
            form.card.form method="post" action={ "/manage/items/" (code) "/v/" (version) "/" (name) } {
                @if reason {
                    label for={ "reason-" (name) } { (ctx.t("cat-reason")) }
                    input id={ "reason-" (name) } name="reason" required;
                }
                p { button type="submit" { (ctx.t(label)) } }
            }
        }
    };
    let page_body = html! {
        h1 { (title) }
        p { (ctx.t("cat-status")) ": " strong { (status_label(ctx, st.key())) } " · " (ctx.t("cat-author")) ": " (author)
            " · " a href={ "/manage/items/" (code) } { (ctx.t("cat-history")) } }
        (outcome_notice(&outcome))
        h2 { (ctx.t("cat-diff")) }
        @match &base {
            None => p { (ctx.t("cat-diff-first")) },
            Some((v, _)) => {
                p.muted { (ctx.fmt(&Message::new("cat-diff-against").arg("version", *v))) }
                (changes_table(ctx, &changes))
            }
        }
        @match st {
            Status::Draft => (action("submit", "cat-manage-submit", false)),
            Status::InReview => {
                (action("publish", "cat-manage-publish", false))
                (action("send-back", "cat-manage-send-back", true))
            }
            _ => {}
        }
    };
    Ok((status, page(ctx, &title, page_body)).into_response())
}

/// The changes as a table a person reads: field, before, after.
pub fn changes_table(ctx: &Ctx, changes: &[Change]) -> Markup {
    html! {
        @if changes.is_empty() {
            p { (ctx.t("cat-diff-none")) }
        } @else {
            div.table-wrap { table.diff {
                thead { tr { th { (ctx.t("cat-diff-field")) } th { (ctx.t("cat-diff-before")) } th { (ctx.t("cat-diff-after")) } } }
                tbody { @for c in changes { tr {
                    th scope="row" { (ctx.t(&format!("cat-field-{}", c.key)))
                        @if c.field != c.key { br; code.muted { (c.field) } } }
                    td { @match &c.before { Some(v) => del { (v) }, None => span.muted { "—" } } }
                    td { @match &c.after { Some(v) => ins { (v) }, None => span.muted { "—" } } }
                } } }
            } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
}

async fn act(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version, action)): Path<(String, i64, String)>,
    ui::PageForm(form): ui::PageForm<Reason>,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool().acquire().await.map_err(db::DbError::from)?;
    let (_, body, _) = store::version(&mut conn, &code, version)
        .await?
        .ok_or_else(|| PageError::from(CatalogError::NotFound))?;
    drop(conn);
    let who = actor(&o);
    let (done, result) = match action.as_str() {
        "submit" => {
            may_act(&state, &ctx, &o, &body, Role::DataSteward, "catalog.submit").await?;
            (
                "cat-submitted",
                service::submit(&state.db, &code, version, &who).await,
            )
        }
        "publish" => {
            may_act(&state, &ctx, &o, &body, Role::Approver, "catalog.publish").await?;
            (
                "cat-published",
                service::publish(&state.db, &code, version, &who).await,
            )
        }
        "send-back" => {
            may_act(&state, &ctx, &o, &body, Role::Approver, "catalog.send_back").await?;
            (
                "cat-sent-back",
                service::send_back(&state.db, &code, version, &who, &form.reason).await,
            )
        }
        _ => return Err(PageError::from(CatalogError::NotFound)),
    };
    match result {
        Ok(()) => {
            version_view(
                &state,
                &ctx,
                &code,
                version,
                Some(Ok(ctx.t(done))),
                StatusCode::OK,
            )
            .await
        }
        Err(
            e @ (CatalogError::Invalid(_)
            | CatalogError::NotInReview
            | CatalogError::NotDraft
            | CatalogError::OwnReview),
        ) => {
            let status = ui::error::HttpError::status(&e);
            version_view(
                &state,
                &ctx,
                &code,
                version,
                Some(Err(ctx.fmt(&kernel::Localize::message(&e)))),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn retire(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<Reason>,
) -> Result<Response, PageError> {
    let (_, _, body) = latest_or_404(&state, &code).await?;
    may_act(&state, &ctx, &o, &body, Role::Approver, "catalog.retire").await?;
    let outcome = match service::retire(&state.db, &code, &actor(&o), &form.reason).await {
        Ok(()) => (Some(Ok(ctx.t("cat-retired"))), StatusCode::OK),
        Err(CatalogError::Invalid(_)) => (
            Some(Err(ctx.t("cat-reason-missing"))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    item_view(
        &state,
        &ctx,
        &code,
        &Edit::of(&body),
        &[],
        outcome.0,
        outcome.1,
    )
    .await
}

async fn import_form(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    may_look(&state, &o).await?;
    Ok(import_view(&ctx, None, &[], StatusCode::OK))
}

fn import_view(
    ctx: &Ctx,
    outcome: Option<Result<String, String>>,
    problems: &[crate::transfer::Problem],
    status: StatusCode,
) -> Response {
    const SHOWN: usize = 500;
    let title = ctx.t("cat-import-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        @if !problems.is_empty() {
            h2 { (ctx.t("cat-import-problems")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("cat-import-where")) } th { (ctx.t("cat-diff-field")) } th { (ctx.t("cat-reason")) } } }
                tbody { @for p in problems.iter().take(SHOWN) { tr {
                    td { @match p.at.line {
                        Some(l) => (ctx.fmt(&Message::new("cat-import-line").arg("line", l as i64))),
                        None => (ctx.fmt(&Message::new("cat-import-record-n").arg("record", p.at.record))),
                    } }
                    td { code { (p.field) } }
                    td { (ctx.fmt(&p.message)) }
                } } }
            } }
            @if problems.len() > SHOWN {
                p { (ctx.fmt(&Message::new("cat-import-more").arg("count", problems.len() - SHOWN))) }
            }
        }
        form.card.form method="post" action="/manage/import" enctype="multipart/form-data" {
            label for="file" { (ctx.t("cat-import-file")) }
            input id="file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required aria-describedby="file-hint";
            p.muted id="file-hint" { (ctx.t("cat-import-hint")) }
            p { button type="submit" { (ctx.t("cat-import-submit")) } }
        }
    };
    (status, page(ctx, &title, body)).into_response()
}

async fn import(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    may_look(&state, &o).await?;
    let bad = |detail: String| {
        PageError::new(
            &ctx,
            StatusCode::BAD_REQUEST,
            &Message::new("error-bad-request").arg("detail", detail),
        )
    };
    let mut file: Option<(String, String)> = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        if field.name() == Some("file") {
            let hint = format!(
                "{} {}",
                field.content_type().unwrap_or(""),
                field.file_name().unwrap_or("")
            );
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            let text =
                String::from_utf8(bytes.to_vec()).map_err(|_| bad(ctx.t("cat-import-not-utf8")))?;
            file = Some((hint, text));
        }
    }
    let Some((hint, text)) = file else {
        return Ok(import_view(
            &ctx,
            Some(Err(ctx.t("cat-import-empty"))),
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let format = crate::transfer::Format::guess(&hint, &text);
    let refused = |problems: Vec<crate::transfer::Problem>| {
        let msg = ctx.fmt(&Message::new("cat-import-refused").arg("count", problems.len()));
        import_view(
            &ctx,
            Some(Err(msg)),
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let read = crate::transfer::read(&text, format);
    let account = &o.0.account;
    let allowed = |b: &ItemBody| {
        b.divisions
            .first()
            .is_some_and(|d| account.may(Role::DataSteward, *d))
    };
    match service::import(
        &state.db,
        &read,
        &actor(&o),
        service::Landing::Review,
        &allowed,
    )
    .await
    {
        Ok(r) => Ok(import_view(
            &ctx,
            Some(Ok(ctx.fmt(
                &Message::new("cat-import-done")
                    .arg("versions", r.versions)
                    .arg("unchanged", r.unchanged),
            ))),
            &[],
            StatusCode::OK,
        )),
        Err(CatalogError::Rows(problems)) => Ok(refused(problems)),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_in_yuan_become_fen_exactly() {
        assert_eq!(super::fen("12.5"), Some(1250));
        assert_eq!(super::fen("0.05"), Some(5));
        assert_eq!(super::fen("300"), Some(30000));
        for bad in ["-1", "1.234", "a", ".5", "1.x", ""] {
            assert_eq!(super::fen(bad), None, "{bad}");
        }
        assert_eq!(super::yuan(1250), "12.50");
    }
}
