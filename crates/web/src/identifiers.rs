//! Checking identifiers for forms and department systems: a resident identity number or a
//! unified social credit code in, exactly what is wrong with it (in the caller's language) out.
//! POST with a JSON body, so that numbers never appear in URLs or request logs.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use kernel::{CreditCode, Message, PersonId};
use serde::{Deserialize, Serialize};
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/identifiers/check", post(check))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    person_id: Option<String>,
    credit_code: Option<String>,
}

#[derive(Debug, Serialize)]
struct Problem {
    code: &'static str,
    message: String,
}

#[derive(Debug, Serialize, Default)]
struct CheckResponse {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalized: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<kernel::person_id::Gender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    division: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Problem>,
}

async fn check(
    api: ApiCtx,
    body: Result<Json<CheckRequest>, JsonRejection>,
) -> Result<Json<CheckResponse>, ApiError> {
    let Json(req) = body.map_err(|e| {
        api.fail(
            StatusCode::BAD_REQUEST,
            "invalid-json",
            &Message::new("error-bad-request").arg("detail", e.body_text()),
        )
    })?;
    match (req.person_id, req.credit_code) {
        (Some(id), None) => Ok(Json(match PersonId::parse(&id) {
            Ok(p) => CheckResponse {
                valid: true,
                normalized: Some(p.to_string()),
                gender: Some(p.gender()),
                birth_date: Some(kernel::time_util::format_date(p.birth_date())),
                division: Some(p.division().to_string()),
                ..CheckResponse::default()
            },
            Err(e) => CheckResponse {
                error: Some(Problem {
                    code: "invalid-person-id",
                    message: api.tell(&e),
                }),
                ..CheckResponse::default()
            },
        })),
        (None, Some(code)) => Ok(Json(match CreditCode::parse(&code) {
            Ok(c) => CheckResponse {
                valid: true,
                normalized: Some(c.to_string()),
                division: Some(c.division().to_owned()),
                org_type: Some(c.org_type().to_owned()),
                ..CheckResponse::default()
            },
            Err(e) => CheckResponse {
                error: Some(Problem {
                    code: "invalid-credit-code",
                    message: api.tell(&e),
                }),
                ..CheckResponse::default()
            },
        })),
        _ => Err(api.fail(
            StatusCode::BAD_REQUEST,
            "one-identifier",
            &Message::new("identifiers-one"),
        )),
    }
}
