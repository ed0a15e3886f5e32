//! The pages of a case: the applicant's form (`/apply/{code}`), their cases (`/me/cases`),
//! printable documents, and the window clerk's pre-review (`/console/cases`). They work
//! without JavaScript.
//!
//! One module per audience: `apply` (the form), `mine` (the applicant's cases), `documents`,
//! `clerk` (the window), `approver` (tasks) and `supervisor`.

mod apply;
mod approver;
mod clerk;
mod documents;
mod lookup;
mod mine;
mod supervisor;

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::StatusCode;
use axum::routing::{get, post};
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::{AppState, Ctx, PageError};

use crate::form::MaterialLine;
use crate::model::{CaseError, Upload};
use crate::service;
use crate::state::State;

pub(crate) use crate::service::Opened;
use apply::*;
pub(crate) use apply::{
    applicant_fields, apply_form, apply_view, errors_summary, idempotency_key, material_fields,
    open_form, send_form,
};
use approver::*;
use clerk::*;
use documents::*;
use lookup::*;
use mine::*;
pub(crate) use mine::{case_body, supplement_part};
use supervisor::*;

/// The largest form with its files: a few materials at the largest size each.
pub const BODY_LIMIT: usize = 6 * service::MAX_UPLOAD;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply/{code}", get(apply_page).post(apply_send))
        .route("/me/cases", get(my_cases))
        .route("/me/inbox", get(inbox_of_mine))
        .route("/me/cases/{id}", get(my_case))
        .route("/me/cases/{id}/supplement", post(supplement_send))
        .route("/me/cases/{id}/withdraw", post(withdraw_send))
        .route("/cases/lookup", get(lookup_page).post(lookup_send))
        .route("/cases/{id}/documents/{doc}", get(document_page))
        .route("/cases/{id}/materials/{idx}", get(material_file))
        .route("/console/cases", get(queue_page))
        .route("/console/cases/{id}", get(review_page))
        .route("/console/cases/{id}/notice", post(notice_send))
        .route("/console/cases/{id}/accept", post(accept_send))
        .route("/console/cases/{id}/refuse", post(refuse_send))
        .route("/console/cases/{id}/after", post(after_send))
        .route("/console/tasks", get(inbox_page))
        .route("/console/tasks/{id}", get(task_page).post(task_send))
        .route("/console/supervision", get(supervision_page))
        .route("/console/cases/{id}/trail", get(trail_page))
        .route("/me/cases/{id}/delivery", post(delivery_send))
        .route("/me/cases/{id}/rating", post(rating_send))
        .route("/console/rectifications", get(rectifications_page))
        .route("/console/rectifications/{id}", post(rectification_send))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// What the multipart form of an application or a supplement carried.
#[derive(Debug, Default)]
pub struct Sent {
    pub values: BTreeMap<String, String>,
    pub applies: BTreeSet<usize>,
    pub uploads: Vec<Upload>,
}

pub(crate) async fn read_multipart(ctx: &Ctx, mut m: Multipart) -> Result<Sent, PageError> {
    let unreadable = |_| {
        PageError::new(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            &Message::new("case-upload-unreadable").arg("max_mb", (BODY_LIMIT >> 20) as i64),
        )
    };
    let mut sent = Sent::default();
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "csrf" {
            // The session's form token, checked before any handler (web::middleware).
            continue;
        }
        if let Some(idx) = name.strip_prefix("file-") {
            let index: usize = idx.parse().unwrap_or(usize::MAX);
            let file_name = field.file_name().unwrap_or("").to_owned();
            let content_type = field.content_type().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            // An empty file input sends an empty part: nothing chosen.
            if !bytes.is_empty() || !file_name.is_empty() {
                sent.uploads.push(Upload {
                    index,
                    file_name,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else if name == "applies" {
            let v = field.text().await.map_err(unreadable)?;
            if let Ok(i) = v.trim().parse() {
                sent.applies.insert(i);
            }
        } else {
            let v = field.text().await.map_err(unreadable)?;
            sent.values.insert(name, v);
        }
    }
    Ok(sent)
}

/// A department by kind and division, in the page's language (`540102` + `health` → the
/// Chengguan health bureau).
fn department_name(ctx: &Ctx, kind: &str, division: &str) -> String {
    let place = DivisionCode::parse(division)
        .ok()
        .and_then(|c| kernel::division::builtin().iter().find(|d| d.code == c))
        .map(|d| ctx.pick(d.name_zh, d.name_bo, d.name_en).to_owned())
        .unwrap_or_else(|| division.to_owned());
    let office = org::topics::department_kind(kind).map_or_else(
        || kind.to_owned(),
        |k| ctx.pick(k.zh_local, k.bo, k.en).to_owned(),
    );
    format!("{place} {office}")
}

/// A form field's label, or the key itself for what has no label (a material's place).
fn field_label_or_key(ctx: &Ctx, key: &str) -> String {
    let label = field_label(ctx, key);
    if label.starts_with("case-field-") {
        key.to_owned()
    } else {
        label
    }
}

pub(crate) fn field_label(ctx: &Ctx, key: &str) -> String {
    ctx.t(&format!("case-field-{key}"))
}

fn material_name(ctx: &Ctx, m: &MaterialLine) -> String {
    ctx.pick(&m.name_zh, &m.name_bo, &m.name_en).to_owned()
}

fn state_label(ctx: &Ctx, s: State) -> String {
    ctx.t(&format!("case-state-{}", s.key()))
}

/// What an official's action did, as the page shows it: a refusal the official can act on
/// (bad input, the case's state, a concurrent change, a rule) is shown with its status;
/// anything else is an error page.
pub(crate) fn outcome_of(
    ctx: &Ctx,
    r: Result<String, CaseError>,
) -> Result<(StatusCode, Result<String, String>), PageError> {
    Ok(match r {
        Ok(msg) => (StatusCode::OK, Ok(msg)),
        Err(
            e @ (CaseError::Invalid(_)
            | CaseError::Conflict { .. }
            | CaseError::Stale
            | CaseError::Refused(_)),
        ) => {
            let text = match &e {
                CaseError::Invalid(p) => p
                    .iter()
                    .map(|(_, m)| ctx.fmt(m))
                    .collect::<Vec<_>>()
                    .join("; "),
                e => ctx.tell(e),
            };
            (ui::error::HttpError::status(&e), Err(text))
        }
        Err(e) => return Err(e.into()),
    })
}

/// The words that say a due date is provisional, with the year it waits for.
fn provisional_text(ctx: &Ctx, due: &str) -> String {
    let year: i32 = due
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or_default();
    ctx.fmt(&Message::new("calendar-provisional").arg("year", year))
}

/// A due date as shown, marked when provisional.
pub(crate) fn due_mark(ctx: &Ctx, due: Option<&str>, provisional: bool) -> Markup {
    html! {
        @match due {
            None => "—",
            Some(d) => {
                (d)
                @if provisional {
                    " " span.tag.provisional title=(provisional_text(ctx, d)) { (ctx.t("calendar-provisional-tag")) }
                }
            }
        }
    }
}

/// What a page was told after a redirect (`?submitted=1`).
#[derive(Debug, Deserialize)]
struct Shown {
    #[serde(default)]
    submitted: Option<String>,
}
