//! The station's pages for applying on a villager's behalf (帮办代办): the station's clerk
//! records the villager's consent with its proof, fills the item's form for them, follows
//! their villages' open cases, answers a notice and takes the result delivered to the
//! station; the county centre sees its stations' work. Use cases and their authorization are
//! in `proxy`; these pages only say who asks.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{DefaultBodyLimit, Multipart, Path, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use identity::{Official, Principal};
use kernel::Message;
use maud::{Markup, html};
use org::model::Centre;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{CaseError, Channel};
use crate::pages::{self, BODY_LIMIT};
use crate::proxy::{self, Consent, NewConsent, Proof};
use crate::service::Missing;
use crate::state::State;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/stations", get(stations_page))
        .route("/console/stations/{code}", get(station_page))
        .route("/console/stations/{code}/consents", post(consent_send))
        .route("/console/stations/{code}/consents/{id}", get(consent_page))
        .route(
            "/console/stations/{code}/consents/{id}/confirm",
            post(confirm_send),
        )
        .route(
            "/console/stations/{code}/consents/{id}/scan",
            get(scan_file),
        )
        .route(
            "/console/stations/{code}/consents/{id}/apply",
            get(apply_page).post(apply_send),
        )
        .route("/console/stations/{code}/cases/{id}", get(case_page))
        .route(
            "/console/stations/{code}/cases/{id}/supplement",
            post(supplement_send),
        )
        .route(
            "/console/stations/{code}/cases/{id}/after",
            post(after_send),
        )
        .route("/console/workload", get(centres_page))
        .route("/console/workload/{centre}", get(workload_page))
        .route(
            "/api/v1/centres/{centre}/stations/workload",
            get(workload_api),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

fn view(
    ctx: &Ctx,
    station: &Centre,
    title: &str,
    outcome: Option<Result<String, String>>,
    body: Markup,
) -> Markup {
    page(
        ctx,
        title,
        html! {
            p.crumbs { a href={ "/console/stations/" (station.code) } { (station.names.get(ctx.lang)) } }
            h1 { (title) }
            (outcome_notice(&outcome))
            (body)
        },
    )
}

async fn stations_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let stations = proxy::stations_of(&state.db, &by, 200).await?;
    if let [only] = stations.as_slice() {
        return Ok(Redirect::to(&format!("/console/stations/{}", only.code)).into_response());
    }
    let title = ctx.t("case-proxy-stations");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if stations.is_empty() { p { (ctx.t("case-proxy-no-stations")) } } @else {
                ul { @for s in &stations { li { a href={ "/console/stations/" (s.code) } { (s.names.get(ctx.lang)) } " " code { (s.code) } } } }
            }
        },
    )
    .into_response())
}

/// What the consent form was sent with, kept on the page when it comes back.
#[derive(Debug, Default)]
struct Typed {
    person_id: String,
    person_name: String,
    item: String,
    mobile: String,
    present: bool,
    deliver: bool,
    proof: String,
}

fn consent_form(
    ctx: &Ctx,
    station: &Centre,
    t: &Typed,
    errors: &BTreeMap<String, String>,
) -> Markup {
    let err = |k: &str| errors.get(k);
    let field = |id: &str, key: &str, label: &str, value: &str, extra: &str| {
        html! {
            label for=(id) { (ctx.t(label)) }
            @if let Some(e) = err(key) { p.field-error id={ (id) "-error" } { (e) } }
            input id=(id) name=(key) value=(value) autocomplete="off" inputmode=[(!extra.is_empty()).then_some(extra)]
                aria-invalid=[err(key).map(|_| "true")] aria-describedby=[err(key).map(|_| format!("{id}-error"))];
        }
    };
    html! {
        section.card {
            h2 { (ctx.t("case-proxy-new")) }
            p.hint { (ctx.t("case-proxy-intro")) }
            @if let Some(e) = err("proof") { div.notice.error role="alert" { (e) } }
            form.form method="post" action={ "/console/stations/" (station.code) "/consents" } enctype="multipart/form-data" {
                (field("c-id", "person_id", "case-window-person-id", &t.person_id, ""))
                (field("c-name", "person_name", "case-proxy-person-name", &t.person_name, ""))
                (field("c-item", "item", "case-proxy-item", &t.item, ""))
                p.hint { (ctx.t("case-proxy-item-hint")) }
                p { label { input type="checkbox" name="present" value="1" checked[t.present]; " " (ctx.t("case-proxy-present")) } }
                p { label { input type="checkbox" name="deliver" value="1" checked[t.deliver]; " " (ctx.t("case-proxy-deliver")) } }
                fieldset {
                    legend { (ctx.t("case-proxy-proof")) }
                    p { label { input type="radio" name="proof" value="scan" checked[t.proof != "sms"]; " " (ctx.t("case-proxy-by-scan")) } }
                    label for="c-scan" { (ctx.t("case-proxy-scan")) }
                    @if let Some(e) = err("scan") { p.field-error id="c-scan-error" { (e) } }
                    input id="c-scan" type="file" name="file-0" accept="application/pdf,image/png,image/jpeg"
                        aria-invalid=[err("scan").map(|_| "true")] aria-describedby=[err("scan").map(|_| "c-scan-error")];
                    p { label { input type="radio" name="proof" value="sms" checked[t.proof == "sms"]; " " (ctx.t("case-proxy-by-sms")) } }
                    (field("c-mobile", "mobile", "case-proxy-mobile-label", &t.mobile, "tel"))
                }
                p { button type="submit" { (ctx.t("case-proxy-record")) } }
            }
        }
    }
}

fn state_of(ctx: &Ctx, c: &Consent, now: time::OffsetDateTime) -> String {
    ctx.t(if c.case_id.is_some() {
        "case-proxy-state-used"
    } else if c.given_at.is_none() {
        "case-proxy-state-waiting"
    } else if c.usable(now) {
        "case-proxy-state-given"
    } else {
        "case-proxy-state-expired"
    })
}

async fn station_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    code: &str,
    typed: &Typed,
    errors: &BTreeMap<String, String>,
) -> Result<Markup, PageError> {
    let db = &state.db;
    let station = proxy::station(db, by, code, "case.proxy.read").await?;
    let consents = proxy::consents(db, by, code, 30).await?;
    let open = proxy::open_cases(db, by, code, 100).await?;
    let now = db.clock().now();
    let title = station.names.get(ctx.lang).to_owned();
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (consent_form(ctx, &station, typed, errors))
            section.card {
                h2 { (ctx.t("case-proxy-consents")) }
                @if consents.is_empty() { p { (ctx.t("case-proxy-none")) } } @else {
                    div.table-wrap { table {
                        thead { tr { th { (ctx.t("case-field-applicant_name")) } th { (ctx.t("case-proxy-item")) } th { (ctx.t("case-proxy-proof")) } th { (ctx.t("case-state")) } } }
                        tbody { @for c in &consents { tr {
                            td { a href={ "/console/stations/" (code) "/consents/" (c.id) } { (c.person_name) } }
                            td { code { (c.item_code) } }
                            td { (ctx.t(&format!("case-proxy-by-{}", c.method.key()))) }
                            td { (state_of(ctx, c, now)) }
                        } } }
                    } }
                }
            }
            section.card {
                h2 { (ctx.t("case-proxy-open")) }
                p.hint { (ctx.t("case-proxy-open-hint")) }
                @if open.is_empty() { p { (ctx.t("case-proxy-none")) } } @else {
                    div.table-wrap { table {
                        thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-field-applicant_name")) } th { (ctx.t("case-item")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } } }
                        tbody { @for (c, ours) in &open { tr {
                            td { @if *ours { a href={ "/console/stations/" (code) "/cases/" (c.id) } { code { (c.number.clone().unwrap_or_default()) } } } @else { code { (c.number.clone().unwrap_or_default()) } } }
                            td { (kernel::person_name::masked(&c.applicant_name)) @if *ours { " " span.tag { (ctx.t("case-proxy-ours")) } } }
                            td { (c.item_name) }
                            td { (ctx.t(&format!("case-state-{}", c.state.key()))) @if c.tracking == crate::workflow::AT_STATION { " · " strong { (ctx.t("case-track-at-station")) } } }
                            td { (pages::due_mark(ctx, c.due_date.as_deref(), c.due_provisional)) }
                        } } }
                    } }
                }
            }
        },
    ))
}

async fn station_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let typed = Typed {
        present: true,
        ..Typed::default()
    };
    Ok(
        station_view(&state, &ctx, &by, &code, &typed, &BTreeMap::new())
            .await?
            .into_response(),
    )
}

async fn consent_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = pages::read_multipart(&ctx, multipart).await?;
    let by = Principal::account(session);
    let v = |k: &str| sent.values.get(k).cloned().unwrap_or_default();
    let typed = Typed {
        person_id: v("person_id"),
        person_name: v("person_name"),
        item: v("item"),
        mobile: v("mobile"),
        present: v("present") == "1",
        deliver: v("deliver") == "1",
        proof: v("proof"),
    };
    let proof = match typed.proof.as_str() {
        "sms" => Proof::Sms {
            mobile: typed.mobile.clone(),
        },
        _ => match sent.uploads.into_iter().next() {
            Some(u) => Proof::Scan(u),
            None => Proof::None,
        },
    };
    let new = NewConsent {
        person_id: typed.person_id.clone(),
        person_name: typed.person_name.clone(),
        item_code: typed.item.clone(),
        present: typed.present,
        deliver_to_station: typed.deliver,
        proof,
    };
    match proxy::record(&state.db, &state.settings.sms, &by, &code, &new).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/console/stations/{code}/consents/{id}")).into_response())
        }
        Err(e @ (CaseError::Invalid(_) | CaseError::Refused(_))) => {
            let status = ui::error::HttpError::status(&e);
            let errors: BTreeMap<String, String> = match &e {
                CaseError::Invalid(p) => p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect(),
                other => [("proof".to_owned(), ctx.tell(other))].into(),
            };
            let body = station_view(&state, &ctx, &by, &code, &typed, &errors).await?;
            Ok((status, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn consent_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    code: &str,
    id: i64,
    errors: &BTreeMap<String, String>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let station = proxy::station(db, by, code, "case.proxy.read").await?;
    let c = proxy::consent(db, by, id).await?;
    if c.station != code {
        return Err(CaseError::NotFound.into());
    }
    let now = db.clock().now();
    let item = catalog::store::latest_published(db, &c.item_code).await?;
    let title = ctx.t("case-proxy-consent");
    let body = html! {
        section.card { dl.facts {
            dt { (ctx.t("case-field-applicant_name")) } dd { (c.person_name) }
            dt { (ctx.t("case-window-person-id")) } dd { (kernel::PersonId::parse(&c.person_id).map_or_else(|_| c.person_id.clone(), |p| p.masked())) }
            dt { (ctx.t("case-proxy-item")) } dd { @if let Some((it, _)) = &item { (ctx.pick(&it.name_zh, &it.name_bo, &it.name_en)) " " } code { (c.item_code) } }
            dt { (ctx.t("case-proxy-agent")) } dd { (c.agent_name) }
            dt { (ctx.t("case-proxy-proof")) } dd {
                (ctx.t(&format!("case-proxy-by-{}", c.method.key())))
                @if !c.mobile.is_empty() { " · " (c.mobile) }
                @if !c.scan_sm3.is_empty() { " · " a href={ "/console/stations/" (code) "/consents/" (c.id) "/scan" } { (c.scan_name) } " · SM3 " code { (c.scan_sm3.get(..16).unwrap_or(&c.scan_sm3)) "…" } }
                @if c.present { " · " (ctx.t("case-proxy-present")) }
            }
            @if c.deliver_to_station { dt { (ctx.t("case-delivery-title")) } dd { (ctx.t("case-proxy-deliver")) } }
            dt { (ctx.t("case-state")) } dd { strong { (state_of(ctx, &c, now)) } }
            dt { (ctx.t("case-window-until")) } dd { (ui::layout::at(ctx, &c.expires_at)) }
        } }
        @if c.given_at.is_none() {
            section.card {
                p { (ctx.fmt(&Message::new("case-window-code-sent").arg("mobile", c.mobile.clone()))) }
                form.form method="post" action={ "/console/stations/" (code) "/consents/" (c.id) "/confirm" } {
                    label for="p-code" { (ctx.t("case-window-code")) }
                    @if let Some(e) = errors.get("code") { p.field-error id="p-code-error" { (e) } }
                    input id="p-code" name="code" inputmode="numeric" autocomplete="off" required
                        aria-invalid=[errors.get("code").map(|_| "true")] aria-describedby=[errors.get("code").map(|_| "p-code-error")];
                    p { button type="submit" { (ctx.t("case-window-verify")) } }
                }
            }
        } @else if let Some(case_id) = c.case_id {
            p { a href={ "/console/stations/" (code) "/cases/" (case_id) } { (ctx.t("case-proxy-see-case")) } }
        } @else if c.usable(now) {
            p { a.button href={ "/console/stations/" (code) "/consents/" (c.id) "/apply" } { (ctx.t("case-proxy-apply")) } }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, view(ctx, &station, &title, None, body)).into_response())
}

async fn consent_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    consent_view(
        &state,
        &ctx,
        &Principal::account(session),
        &code,
        id,
        &BTreeMap::new(),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    code: String,
}

async fn confirm_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    ui::PageForm(f): ui::PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    match proxy::confirm(&state.db, &by, id, &f.code).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/console/stations/{code}/consents/{id}")).into_response())
        }
        Err(CaseError::Invalid(p)) => {
            let errors = p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect();
            consent_view(&state, &ctx, &by, &code, id, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn scan_file(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    Path((_code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let (name, kind, bytes) = proxy::scan(&state.db, &Principal::account(session), id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"consent-{id}{}\"", extension(&name)),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The file's extension if it is a plain one (the typed name stays out of the header).
fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| ["pdf", "png", "jpg", "jpeg"].contains(&e.as_str()))
        .map_or_else(String::new, |e| format!(".{e}"))
}

async fn apply_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let consent = proxy::usable(&state.db, &by, id).await?;
    let who = crate::service::Applying::ByProxy {
        by: &by,
        consent: &consent,
    };
    let (form, resumed) = pages::open_form(&state, who, &consent.item_code, true).await?;
    let action = format!("/console/stations/{code}/consents/{id}/apply");
    let body = pages::apply_form(&ctx, &form, &action, &BTreeMap::new(), &BTreeSet::new());
    let outcome = resumed.then(|| Ok(ctx.t("case-draft-resumed")));
    Ok(pages::apply_view(&ctx, &form.item, body, outcome).into_response())
}

async fn apply_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = pages::read_multipart(&ctx, multipart).await?;
    let by = Principal::account(session);
    let consent = proxy::usable(&state.db, &by, id).await?;
    let who = crate::service::Applying::ByProxy {
        by: &by,
        consent: &consent,
    };
    let (form, _) = pages::open_form(&state, who, &consent.item_code, false).await?;
    let action = format!("/console/stations/{code}/consents/{id}/apply");
    let actor = crate::consent::actor(&by, &consent);
    let submitted =
        match pages::send_form(&state, &ctx, form, sent, Channel::Window, &actor, &action).await? {
            Ok(s) => s,
            Err(shown) => return Ok(shown),
        };
    Ok(Redirect::to(&format!(
        "/console/stations/{code}/cases/{}?submitted=1",
        submitted.id
    ))
    .into_response())
}

async fn case_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    code: &str,
    id: i64,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let db = &state.db;
    let station = proxy::station(db, by, code, "case.proxy.read").await?;
    let file = proxy::station_case(db, by, code, id).await?;
    let body = pages::case_body(state, ctx, &file).await?;
    let c = &file.case;
    let missing: Vec<Missing> = if c.state == State::Supplementing {
        file.documents()
            .await?
            .into_iter()
            .rev()
            .find(|d| d.kind == "notice")
            .and_then(|d| serde_json::from_value(d.body["missing"].clone()).ok())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let materials = file.materials().await?;
    let action = format!("/console/stations/{code}/cases/{id}/after");
    let title = format!("{} · {}", ctx.t("case-title"), c.item_name);
    Ok(view(
        ctx,
        &station,
        &title,
        outcome,
        html! {
            (pages::supplement_part(ctx, c, &missing, &materials, &format!("/console/stations/{code}/cases/{id}/supplement")))
            @if c.state == State::Approved && c.delivery.is_empty() {
                section.card {
                    h2 { (ctx.t("case-delivery-title")) }
                    form method="post" action=(action) {
                        button type="submit" name="do" value="station" { (ctx.t("case-proxy-deliver")) }
                    }
                }
            }
            @if c.delivery == "station" && !c.pickup_code.is_empty() && c.state == State::Approved {
                p { (ctx.t("case-pickup-code")) ": " strong { (c.pickup_code) } }
            }
            @if c.state == State::Delivering && c.tracking == crate::workflow::AT_STATION {
                section.card {
                    h2 { (ctx.t("case-proxy-hand-over")) }
                    form.form method="post" action=(action) {
                        label for="h-code" { (ctx.t("case-pickup-code")) }
                        input id="h-code" name="code" inputmode="numeric" autocomplete="off" required;
                        p { button type="submit" name="do" value="hand-over" { (ctx.t("case-hand-out")) } }
                    }
                }
            }
            (body)
        },
    ))
}

#[derive(Debug, Deserialize)]
struct Submitted {
    #[serde(default)]
    submitted: Option<String>,
}

async fn case_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    ui::PageQuery(q): ui::PageQuery<Submitted>,
) -> Result<Response, PageError> {
    let outcome = q.submitted.map(|_| Ok(ctx.t("case-submitted")));
    Ok(case_view(
        &state,
        &ctx,
        &Principal::account(session),
        &code,
        id,
        outcome,
    )
    .await?
    .into_response())
}

async fn supplement_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = pages::read_multipart(&ctx, multipart).await?;
    let by = Principal::account(session);
    proxy::station_case(&state.db, &by, &code, id).await?;
    let r = crate::service::supplement(&state.db, &by, id, &sent.values, &sent.uploads)
        .await
        .map(|()| ctx.t("case-supplemented"));
    after(&state, &ctx, &by, &code, id, r).await
}

#[derive(Debug, Deserialize)]
struct AfterForm {
    #[serde(rename = "do")]
    action: String,
    #[serde(default)]
    code: String,
}

async fn after_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    ui::PageForm(f): ui::PageForm<AfterForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    proxy::station_case(&state.db, &by, &code, id).await?;
    let r = match f.action.as_str() {
        "station" => crate::workflow::choose_station(&state.db, &by, id)
            .await
            .map(|_| ctx.t("case-proxy-deliver-chosen")),
        "hand-over" => crate::workflow::hand_over_at_station(&state.db, &by, id, &f.code)
            .await
            .map(|()| ctx.t("case-handed-out")),
        _ => Err(CaseError::Invalid(vec![(
            "do".into(),
            Message::new("error-bad-request").arg("detail", f.action.clone()),
        )])),
    };
    after(&state, &ctx, &by, &code, id, r).await
}

async fn after(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    code: &str,
    id: i64,
    r: Result<String, CaseError>,
) -> Result<Response, PageError> {
    let (status, outcome) = pages::outcome_of(ctx, r)?;
    Ok((
        status,
        case_view(state, ctx, by, code, id, Some(outcome)).await?,
    )
        .into_response())
}

/// The centres whose stations' work the official may see, to choose one.
async fn centres_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let centres = proxy::overseen(&state.db, &Principal::account(session), 200).await?;
    let title = ctx.t("case-proxy-workload");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if centres.is_empty() { p { (ctx.t("case-proxy-no-centres")) } } @else {
                ul { @for c in &centres { li { a href={ "/console/workload/" (c.code) } { (c.names.get(ctx.lang)) } " " code { (c.code) } } } }
            }
        },
    )
    .into_response())
}

async fn workload_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(centre): Path<String>,
) -> Result<Response, PageError> {
    let w = proxy::workload(&state.db, &Principal::account(session), &centre).await?;
    let title = format!(
        "{} · {}",
        w.centre.names.get(ctx.lang),
        ctx.t("case-proxy-workload")
    );
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p.hint { (ctx.fmt(&Message::new("case-proxy-workload-since").arg("days", proxy::WORKLOAD_DAYS))) }
            @if w.stations.is_empty() { p { (ctx.t("case-proxy-no-stations")) } } @else {
                div.table-wrap { table {
                    thead { tr {
                        th { (ctx.t("case-proxy-station")) }
                        th { (ctx.t("case-proxy-consents")) }
                        th { (ctx.t("case-proxy-applied")) }
                        th { (ctx.t("case-proxy-open")) }
                        th { (ctx.t("case-proxy-overdue")) }
                        th { (ctx.t("case-track-at-station")) }
                    } }
                    tbody { @for (s, l) in &w.stations { tr {
                        td { (s.names.get(ctx.lang)) " " small { code { (s.code) } } }
                        td { (l.consents) } td { (l.applied) } td { (l.open) }
                        td { @if l.overdue > 0 { strong { (l.overdue) } } @else { "0" } }
                        td { (l.waiting) }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

/// The county's view of its stations' proxy work as JSON: `{centre, since, stations:
/// [{code, name, consents, applied, open, overdue, waiting}]}`.
async fn workload_api(
    identity::SignedIn(session): identity::SignedIn,
    AxState(state): AxState<AppState>,
    Path(centre): Path<String>,
) -> Result<Json<serde_json::Value>, ui::ApiError> {
    let w = proxy::workload(&state.db, &Principal::account(session), &centre).await?;
    Ok(Json(serde_json::json!({
        "centre": w.centre.code,
        "since": w.since,
        "stations": w.stations.iter().map(|(s, l)| serde_json::json!({
            "code": s.code,
            "name": s.names.zh,
            "consents": l.consents,
            "applied": l.applied,
            "open": l.open,
            "overdue": l.overdue,
            "waiting": l.waiting,
        })).collect::<Vec<_>>(),
    })))
}
