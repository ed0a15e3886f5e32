//! A case's printable documents and material files, for whoever may read the case.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::Message;
use maud::html;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use identity::Principal;

use crate::service;

use super::*;

pub(super) async fn document_page(
    identity::SignedIn(session): identity::SignedIn,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let file = service::case_file(&state.db, &Principal::account(session), id).await?;
    let docs = file.documents().await?;
    let d = docs.into_iter().find(|d| d.id == doc).ok_or_else(|| {
        PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
    })?;
    let c = &file.case;
    let department = file.department().await?.map_or_else(
        || c.department.clone(),
        |x| ctx.pick(&x.names.zh, &x.names.bo, &x.names.en).to_owned(),
    );
    // The item's and its materials' names in the reader's language, as published now (the
    // document keeps the Chinese it was issued with; a name no longer published shows so).
    let item = catalog::service::published(&state.db, &c.item_code).await?;
    let item_name = item.as_ref().map_or(c.item_name.as_str(), |i| {
        ctx.pick(&i.name_zh, &i.name_bo, &i.name_en)
    });
    let material_name = |zh: &str| -> String {
        item.as_ref()
            .and_then(|i| i.materials.iter().find(|m| m.name_zh == zh))
            .map_or(zh, |m| ctx.pick(&m.name_zh, &m.name_bo, &m.name_en))
            .to_owned()
    };
    let title = ctx.t(&format!("case-doc-{}", d.kind));
    let b = &d.body;
    Ok(page(
        &ctx,
        &title,
        html! {
            article.document {
                h1 { (title) }
                p { (ctx.t("case-number")) ": " code { (c.number.as_deref().unwrap_or("")) } }
                p { (ctx.t("case-applicant")) ": " (c.applicant_name) }
                p { (ctx.t("case-item")) ": " (item_name) }
                @match d.kind.as_str() {
                    "receipt" => {
                        p { (ctx.t("case-submitted-at")) ": " (ui::layout::at(&ctx, b["submitted_at"].as_str().unwrap_or(""))) " " (ui::layout::document_date(&ctx, b["submitted_at"].as_str().unwrap_or(""))) }
                        p { (ctx.t("case-promised")) ": " (b["promised_days"]) " " (ctx.t("case-working-days")) }
                        @if let Some(q) = b["query_code"].as_str() {
                            p { (ctx.t("case-query-code")) ": " strong.code-text { (q) } br; small.hint { (ctx.t("case-query-code-hint")) } }
                        }
                        ul { @for m in b["materials"].as_array().into_iter().flatten() {
                            li { (material_name(m["name"].as_str().unwrap_or(""))) " · " (ctx.t(&format!("case-material-status-{}", m["status"].as_str().unwrap_or("missing")))) }
                        } }
                    }
                    "notice" => {
                        p { (ctx.t("case-notice-intro")) }
                        ol { @for m in b["missing"].as_array().into_iter().flatten() {
                            li { (m["what"].as_str().unwrap_or("")) " — " (m["reason"].as_str().unwrap_or("")) }
                        } }
                    }
                    "acceptance" => {
                        p { (ctx.t("case-accepted-at")) ": " (ui::layout::document_date(&ctx, b["accepted_at"].as_str().unwrap_or(""))) }
                        p { (ctx.t("case-due")) ": " strong { (ui::layout::document_date(&ctx, b["due_date"].as_str().unwrap_or(""))) } " (" (b["promised_days"]) " " (ctx.t("case-working-days")) ")" }
                        @if b["due_provisional"].as_bool() == Some(true) { p.hint { (provisional_text(&ctx, b["due_date"].as_str().unwrap_or(""))) } }
                    }
                    "decision" => {
                        p { (ctx.t("case-decision")) ": " strong { (ctx.t(&format!("case-decision-{}", b["outcome"].as_str().unwrap_or("approved")))) } }
                        p { (ctx.t("case-opinion")) ": " (b["opinion"].as_str().unwrap_or("")) }
                        @if b["outcome"] == "refused" { p { (ctx.t("case-remedy")) } }
                    }
                    "not-accepted" => {
                        p { (ctx.t("case-reason")) ": " (ctx.t(&format!("case-reason-{}", b["reason"].as_str().unwrap_or("other")))) }
                        p { (b["text"].as_str().unwrap_or("")) }
                        p { (ctx.t("case-remedy")) }
                    }
                    _ => {}
                }
                p.signature { (department) " · " (ui::layout::document_date(&ctx, &d.issued_at)) }
                p.no-print { (ctx.t("case-print")) " " a href={ "/me/cases/" (c.id) } { (ctx.t("case-back")) } }
            }
        },
    )
    .into_response())
}

pub(super) async fn material_file(
    identity::SignedIn(session): identity::SignedIn,
    AxState(state): AxState<AppState>,
    Path((id, idx)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let file = service::case_file(&state.db, &Principal::account(session), id).await?;
    let (name, content_type, bytes) = file.material_file(idx).await?;
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    if safe.is_empty() {
                        "material".to_owned()
                    } else {
                        safe
                    }
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
