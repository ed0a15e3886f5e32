//! The applicant's own cases (`/me/cases`, `/me/inbox`): the timeline, the one supplement,
//! withdrawal, the choice of delivery and the rating.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Citizen;
use identity::Principal;
use identity::model::Session;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{page, titled};
use ui::{AppState, Ctx, PageError};

use crate::model::{Case, CaseError};
use crate::service::{self, Missing};
use crate::state::State;

use super::*;

pub(super) async fn my_cases(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let cases = service::mine(&state.db, &Principal::account(session), 200).await?;
    let title = ctx.t("case-mine-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if cases.is_empty() { p { (ctx.t("case-mine-none")) " " a href="/items" { (ctx.t("case-find-service")) } } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } } }
                    tbody { @for c in &cases { tr {
                        td { a href={ "/me/cases/" (c.id) } { @if let Some(n) = &c.number { code { (n) } } @else { (ctx.t("case-draft")) } } }
                        td { (c.item_name) }
                        td { (state_label(&ctx, c.state)) }
                        td { (due_mark(&ctx, c.due_date.as_deref(), c.due_provisional)) }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

/// The parts of a case page both the applicant and the clerk see.
pub(crate) async fn case_body(
    state: &AppState,
    ctx: &Ctx,
    file: &service::CaseFile,
) -> Result<Markup, PageError> {
    let db = &state.db;
    let (c, official) = (&file.case, file.official());
    let materials = file.materials().await?;
    let events = file.events().await?;
    let docs = file.documents().await?;
    let department = file.department().await?.map_or_else(
        || c.department.clone(),
        |d| ctx.pick(&d.names.zh, &d.names.bo, &d.names.en).to_owned(),
    );
    let tasks = file.tasks().await?;
    let holders: Vec<String> = tasks
        .iter()
        .filter(|t| t.state == crate::workflow::TaskState::Open)
        .map(|t| department_name(ctx, &t.kind, &t.division))
        .collect();
    let fields = if c.applicant_kind == "entity" {
        crate::form::ENTITY
    } else {
        crate::form::PERSON
    };
    // Officials see the certified data of each certificate used instead of a material, as
    // verified now (its signature and its standing).
    let mut certified = BTreeMap::new();
    if official {
        for m in &materials {
            if let Some(identifier) = m.waived_by.strip_prefix(crate::form::CERT_WAIVER) {
                let shown = match certs::service::verify(db, identifier).await {
                    Ok(certs::service::Verdict::Genuine { cert, standing }) => Ok((cert, standing)),
                    Ok(certs::service::Verdict::Tampered { .. }) => Err(ctx.t("cert-tampered")),
                    Err(e) => Err(ctx.tell(&e)),
                };
                certified.insert(m.index, shown);
            }
        }
    }
    let results = certs::service::of_case(db, c.id).await?;
    let proxy = file.proxy().await?;
    let station = match &proxy {
        Some(p) => org::store::centre(db, &p.station).await?,
        None => None,
    };
    Ok(html! {
        dl.facts {
            dt { (ctx.t("case-number")) } dd { @if let Some(n) = &c.number { code { (n) } } @else { (ctx.t("case-draft")) } }
            dt { (ctx.t("case-item")) } dd { (c.item_name) }
            dt { (ctx.t("case-state")) } dd { strong { (state_label(ctx, c.state)) } }
            dt { (ctx.t("case-holder")) } dd { @if holders.is_empty() { (department) } @else { (holders.join("、")) } }
            dt { (ctx.t("case-channel")) } dd { (ctx.t(&format!("case-channel-{}", c.channel.key()))) }
            @if let Some(p) = &proxy {
                dt { (ctx.t("case-proxy-applicant")) } dd { (c.applicant_name) }
                dt { (ctx.t("case-proxy-agent")) } dd {
                    (p.agent_name) " · " (station.as_ref().map_or(p.station.as_str(), |s| s.names.get(ctx.lang)))
                    br; small { (ctx.t(&format!("case-proxy-by-{}", p.method.key()))) @if p.present { " · " (ctx.t("case-proxy-present")) } }
                }
            }
            @if let Some(at) = &c.submitted_at { dt { (ctx.t("case-submitted-at")) } dd { (ui::layout::at(ctx, at)) } }
            dt { (ctx.t("case-due")) } dd { @if let Some(d) = &c.due_date { (due_mark(ctx, Some(d), c.due_provisional)) @if c.due_provisional { br; small.hint { (provisional_text(ctx, d)) } } } @else { (ctx.t("case-due-after-acceptance")) " (" (c.promised_days) " " (ctx.t("case-working-days")) ")" } }
        }
        h2 { (ctx.t("case-form-applicant")) }
        dl.facts { @for f in fields {
            @let v = c.form.get(f.key).map(String::as_str).unwrap_or("");
            dt { (field_label(ctx, f.key)) }
            dd { @if f.kind == crate::form::Kind::PersonId && !official { (kernel::PersonId::parse(v).map_or_else(|_| v.to_owned(), |p| p.masked())) } @else { (v) } }
        } }
        h2 { (ctx.t("case-form-materials")) }
        @if materials.is_empty() { p { (ctx.t("case-no-materials")) } } @else {
            ul { @for m in &materials { li id={ "m-" (m.index) } {
                (m.name) " · " (ctx.t(&format!("case-material-status-{}", m.status)))
                @if let Some(identifier) = m.waived_by.strip_prefix(crate::form::CERT_WAIVER) {
                    " (" (ctx.t("case-waived-by-cert")) " " a href={ "/v/" (identifier) } { code.wrap { (identifier) } } ")"
                } @else if !m.waived_by.is_empty() { " (" code { (m.waived_by) } ")" }
                @match certified.get(&m.index) {
                    Some(Ok((cert, standing))) => {
                        div.certified {
                            strong.{ "standing-" (standing.key()) } { (ctx.t(&format!("cert-standing-{}", standing.key()))) } " · " (ctx.t("cert-genuine"))
                            dl { dt { (ctx.t("cert-holder")) } dd { (cert.holder_name) " " code { (cert.holder_code) } }
                                 dt { (ctx.t("cert-validity")) } dd { (ui::layout::document_date(ctx, &cert.valid_from)) " – " @match cert.valid_to.as_deref() { Some(to) => (ui::layout::document_date(ctx, to)), None => (ctx.t("cert-long-term")) } }
                                 @for (k, v) in cert.data() { dt { (k) } dd { (v.as_str().unwrap_or_default()) } } }
                        }
                    }
                    Some(Err(why)) => { p.field-error { (why) } }
                    None => {}
                }
                @if m.size > 0 { " · " a href={ "/cases/" (c.id) "/materials/" (m.index) } { (m.file_name) } " · " small { "SM3 " code { (m.sm3.get(..16).unwrap_or(&m.sm3)) "…" } } }
            } } }
        }
        @if !results.is_empty() {
            h2 { (ctx.t("case-result-certificates")) }
            ul { @for r in &results { li {
                @if official { a href={ "/v/" (r.identifier) } { code.wrap { (r.identifier) } } } @else { a href={ "/me/certs/" (r.id) } { code.wrap { (r.identifier) } } }
                " · " (r.issue_date)
            } } }
        }
        @if !docs.is_empty() {
            h2 { (ctx.t("case-documents")) }
            ul { @for d in &docs { li { a href={ "/cases/" (c.id) "/documents/" (d.id) } { (ctx.t(&format!("case-doc-{}", d.kind))) } " · " (ui::layout::document_date(ctx, &d.issued_at)) } } }
        }
        @if !tasks.is_empty() {
            h2 { (ctx.t("case-tasks")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("case-stage")) } th { (ctx.t("case-department")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } @if official { th { (ctx.t("case-opinion")) } } } }
                tbody { @for t in &tasks { tr {
                    td { (t.stage + 1) }
                    td { (department_name(ctx, &t.kind, &t.division)) }
                    td { (ctx.t(&format!("case-task-{}", t.state.key()))) }
                    td { (due_mark(ctx, t.due_date.as_deref(), t.due_provisional)) }
                    @if official { td { (t.opinion) } }
                } } }
            } }
        }
        h2 { (ctx.t("case-timeline")) }
        ol.timeline { @for e in &events { li {
            (ui::layout::at(ctx, &e.at)) " · " (ctx.t(&format!("case-action-{}", e.action)))
            " → " (State::parse(&e.to_state).map_or_else(|| e.to_state.clone(), |s| state_label(ctx, s)))
            @if official { " · " (e.actor_name) }
            @if let Some((_, used)) = e.note.split_once("; 用证 ") { br; small { (ctx.t("case-certs-used")) " " code.wrap { (used) } } }
            @if e.action == "redated" { br; small { (ctx.t("case-due")) " " (e.note.trim_end_matches(" ✓")) @if e.note.ends_with(" ✓") { " · " (ctx.t("case-due-final")) } } }
        } } }
    })
}

pub(super) async fn own_case(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<service::CaseFile, PageError> {
    Ok(service::own_case(&state.db, &Principal::account(session.clone()), id).await?)
}

pub(super) async fn my_case_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    outcome: Option<Result<String, String>>,
    errors: &BTreeMap<String, String>,
) -> Result<Markup, PageError> {
    let file = own_case(state, session, id).await?;
    let body = case_body(state, ctx, &file).await?;
    let c = &file.case;
    let notice = if c.state == State::Supplementing {
        file.documents()
            .await?
            .into_iter()
            .rev()
            .find(|d| d.kind == "notice")
    } else {
        None
    };
    let missing: Vec<Missing> = notice
        .as_ref()
        .and_then(|d| serde_json::from_value(d.body["missing"].clone()).ok())
        .unwrap_or_default();
    let materials = file.materials().await?;
    let channels = crate::ratings::open_channels(&state.db, c).await?;
    let ratings = crate::ratings::of_case(&state.db, c.id).await?;
    let bundle = file.bundle().await?;
    let fee =
        pay::service::notice_of_case(&state.db, &Principal::account(session.clone()), c.id).await?;
    let title = format!("{} · {}", ctx.t("case-title"), c.item_name);
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
            @if let Some((b, name)) = &bundle {
                p { (ctx.t("case-bundle-part")) " " a href={ "/me/bundles/" (b) } { (name) } }
            }
            @if !errors.is_empty() {
                div.notice.error role="alert" { ul { @for (k, m) in errors { li { (field_label_or_key(ctx, k)) ": " (m) } } } }
            }
            (supplement_part(ctx, c, &missing, &materials, &format!("/me/cases/{}/supplement", c.id)))
            (payment_part(ctx, fee.as_ref()))
            (delivery_part(ctx, c))
            (ratings_part(ctx, c, &channels, &ratings))
            (body)
            @if c.state.after(crate::state::Action::Withdraw).is_some() {
                form.form method="post" action={ "/me/cases/" (c.id) "/withdraw" } {
                    label for="w-reason" { (ctx.t("case-withdraw-reason")) }
                    input id="w-reason" name="reason" autocomplete="off";
                    p { button.secondary type="submit" { (ctx.t("case-withdraw")) } }
                }
            }
        },
    ))
}

pub(super) async fn my_case(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Shown>,
) -> Result<Response, PageError> {
    let outcome = q.submitted.map(|_| Ok(ctx.t("case-submitted")));
    Ok(
        my_case_view(&state, &ctx, &session, id, outcome, &BTreeMap::new())
            .await?
            .into_response(),
    )
}

pub(super) async fn supplement_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    own_case(&state, &session, id).await?;
    let sent = read_multipart(&ctx, multipart).await?;
    let r = service::supplement(
        &state.db,
        &Principal::account(session.clone()),
        id,
        &sent.values,
        &sent.uploads,
    )
    .await
    .map(|()| ctx.t("case-supplemented"));
    after_mine(&state, &ctx, &session, id, r).await
}

/// What an applicant's action did, on their case page: its message; their input's problems
/// (422); or why the case refused it — its state, a change made meanwhile, a rule (409).
pub(super) async fn after_mine(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    r: Result<String, CaseError>,
) -> Result<Response, PageError> {
    let (status, outcome, errors) = match r {
        Ok(msg) => (StatusCode::OK, Some(Ok(msg)), BTreeMap::new()),
        Err(CaseError::Invalid(p)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect(),
        ),
        Err(e @ (CaseError::Conflict { .. } | CaseError::Stale | CaseError::Refused(_))) => (
            StatusCode::CONFLICT,
            Some(Err(ctx.tell(&e))),
            BTreeMap::new(),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok((
        status,
        my_case_view(state, ctx, session, id, outcome, &errors).await?,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn withdraw_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<WithdrawForm>,
) -> Result<Response, PageError> {
    own_case(&state, &session, id).await?;
    let r = service::withdraw(
        &state.db,
        &Principal::account(session.clone()),
        id,
        &form.reason,
    )
    .await
    .map(|()| ctx.t("case-withdrawn"));
    after_mine(&state, &ctx, &session, id, r).await
}

#[derive(Debug, Deserialize)]
pub(super) struct DeliveryForm {
    how: String,
    #[serde(default)]
    address: String,
}

pub(super) async fn delivery_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<DeliveryForm>,
) -> Result<Response, PageError> {
    own_case(&state, &session, id).await?;
    let by = Principal::account(session.clone());
    let r = if form.how == "express" {
        crate::workflow::choose_express(&state.db, &by, id, &form.address)
            .await
            .map(|()| ctx.t("case-express-chosen"))
    } else {
        crate::workflow::choose_pickup(&state.db, &by, id)
            .await
            .map(|_| ctx.t("case-pickup-chosen"))
    };
    after_mine(&state, &ctx, &session, id, r).await
}

/// The one-time notice's answer: each thing it asks for, a file or a field, posted to
/// `action` (the applicant's own page, or the station that applied for them).
pub(crate) fn supplement_part(
    ctx: &Ctx,
    c: &Case,
    missing: &[Missing],
    materials: &[crate::model::StoredMaterial],
    action: &str,
) -> Markup {
    html! {
    @if !missing.is_empty() {
        section.card {
            h2 { (ctx.t("case-notice-title")) }
            p { (ctx.t("case-notice-intro")) }
            form.form method="post" action=(action) enctype="multipart/form-data" {
                @for m in missing {
                    @match m.what.strip_prefix("materials.") {
                        Some(n) => {
                            @let name = n.parse::<i64>().ok().and_then(|n| materials.iter().find(|x| x.index == n)).map_or(m.what.clone(), |x| x.name.clone());
                            label for={ "s-" (n) } { (name) " — " (m.reason) }
                            input id={ "s-" (n) } type="file" name={ "file-" (n) } accept="application/pdf,image/png,image/jpeg" required;
                        }
                        None => {
                            label for={ "s-" (m.what) } { (field_label(ctx, &m.what)) " — " (m.reason) }
                            input id={ "s-" (m.what) } name=(m.what) value=(c.form.get(&m.what).map(String::as_str).unwrap_or("")) required;
                        }
                    }
                }
                p { button type="submit" { (ctx.t("case-supplement-send")) } }
            }
        }
    }
    }
}

/// The applicant's choice of how the result comes, once approved; then the pickup code or
/// the tracking.
/// The case's fee as its payer sees it: the notice's code, amount, due date and state, the
/// way to pay it while it is due, and the electronic receipt once paid.
fn payment_part(ctx: &Ctx, notice: Option<&pay::model::Notice>) -> Markup {
    use pay::model::NoticeState;
    let Some(n) = notice else {
        return html! {};
    };
    html! {
        section.card.case-fee {
            h2 { (ctx.t("pay-notice-title")) }
            dl.facts {
                dt { (ctx.t("pay-code")) } dd { a href={ "/pay/" (n.code) } { (n.code.grouped()) } }
                dt { (ctx.t("pay-total")) } dd { (pay::model::yuan(n.amount_fen)) " " (ctx.t("case-yuan")) }
                dt { (ctx.t("pay-due")) } dd { (ui::layout::document_date(ctx, &n.due_on)) }
                dt { (ctx.t("pay-state")) } dd.fee-state { (ctx.t(&format!("pay-state-{}", n.state.key()))) }
                @if !n.receipt.is_empty() {
                    dt { (ctx.t("pay-receipt")) } dd { a href={ "/v/" (n.receipt) } { (n.receipt) } }
                }
            }
            @if n.state == NoticeState::Issued {
                p { a.button #case-pay href={ "/pay/" (n.code) } { (ctx.t("pay-online")) } }
            }
        }
    }
}

pub(super) fn delivery_part(ctx: &Ctx, c: &Case) -> Markup {
    html! {
        @if c.state == State::Approved && c.delivery.is_empty() {
            section.card {
                h2 { (ctx.t("case-delivery-title")) }
                form method="post" action={ "/me/cases/" (c.id) "/delivery" } {
                    input type="hidden" name="how" value="pickup";
                    button type="submit" { (ctx.t("case-choose-pickup")) }
                }
                form.form method="post" action={ "/me/cases/" (c.id) "/delivery" } {
                    input type="hidden" name="how" value="express";
                    label for="d-address" { (ctx.t("case-express-address")) }
                    textarea id="d-address" name="address" rows="2" required { (c.form.get("address").map(String::as_str).unwrap_or("")) }
                    p { button type="submit" { (ctx.t("case-choose-express")) } }
                }
            }
        }
        @if !c.pickup_code.is_empty() && c.state == State::Approved {
            section.card {
                h2 { (ctx.t("case-pickup-code")) }
                p.pickup-code { strong { (c.pickup_code) } }
                p.hint { (ctx.t("case-pickup-hint")) }
            }
        }
        @if c.delivery == "express" && !c.tracking.is_empty() {
            p { (ctx.t("case-tracking")) ": " strong { (ctx.t(&format!("case-track-{}", c.tracking))) } }
        }
    }
}

pub(super) async fn inbox_of_mine(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let list = crate::notify::inbox(&state.db, session.account.id, 200).await?;
    crate::notify::mark_seen(&state.db, session.account.id).await?;
    let title = ctx.t("case-inbox-mine-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if list.is_empty() { p { (ctx.t("case-inbox-mine-none")) } } @else {
                ul.notifications { @for n in &list { li {
                    @if !n.seen { strong { (ctx.t("case-new")) } " " }
                    (ui::layout::at(&ctx, &n.at)) " · "
                    a href={ "/me/cases/" (n.case_id) } { (n.item_name) } " "
                    @if !n.number.is_empty() { code { (n.number) } " " }
                    "→ " (State::parse(&n.to_state).map_or_else(|| n.to_state.clone(), |s| state_label(&ctx, s)))
                } } }
            }
        },
    )
    .into_response())
}

/// The applicant's rating forms for the channels still open, and their ratings with the
/// department's answers.
pub(super) fn ratings_part(
    ctx: &Ctx,
    c: &Case,
    channels: &[crate::model::Channel],
    ratings: &[crate::ratings::Rating],
) -> Markup {
    html! {
        @for r in ratings {
            section.card {
                h2 { (ctx.t(&format!("case-rating-channel-{}", r.channel.key()))) }
                p { (ctx.t(&format!("case-score-{}", r.score))) @if !r.comment.is_empty() { " · " (r.comment) } }
                @if let Some(x) = &r.rectification {
                    @if x.reply.is_empty() { p.hint { (ctx.t("case-rectification-pending")) " " (x.due_date) } }
                    @else { p { strong { (ctx.t("case-rectification-reply")) } " " (x.reply) } }
                }
            }
        }
        @for ch in channels.iter().map(|c| c.key()) {
            section.card {
                h2 { (ctx.t(&format!("case-rating-channel-{ch}"))) }
                form.form method="post" action={ "/me/cases/" (c.id) "/rating" } {
                    input type="hidden" name="channel" value=(ch);
                    fieldset.rating {
                        legend { (ctx.t("case-rating-legend")) }
                        @for score in (1..=5).rev() {
                            label.check { input type="radio" name="score" value=(score) required; " " (ctx.t(&format!("case-score-{score}"))) }
                        }
                    }
                    label for={ "r-comment-" (ch) } { (ctx.t("case-rating-comment")) }
                    textarea id={ "r-comment-" (ch) } name="comment" rows="2" {}
                    p { button type="submit" { (ctx.t("case-rating-send")) } }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RatingForm {
    channel: String,
    score: Option<i64>,
    #[serde(default)]
    comment: String,
}

pub(super) async fn rating_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RatingForm>,
) -> Result<Response, PageError> {
    own_case(&state, &session, id).await?;
    let days = state.settings.rectification_days();
    let r = crate::ratings::rate(
        &state.db,
        &Principal::account(session.clone()),
        id,
        &form.channel,
        form.score.unwrap_or(0),
        &form.comment,
        days,
    )
    .await
    .map(|task| {
        ctx.t(if task.is_some() {
            "case-rated-bad"
        } else {
            "case-rated"
        })
    });
    after_mine(&state, &ctx, &session, id, r).await
}
