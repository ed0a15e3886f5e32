//! Table and file resources' versions as JSON: `GET /api/v1/exchange/resources/{code}/versions`
//! (the list) and `POST` to it (a new version: the body is the CSV or JSON file, its
//! `Content-Type` saying which; `?note=` optional), for the provider's system or a data
//! steward.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use kernel::Message;
use serde::Deserialize;
use ui::{ApiError, AppState};

use super::{Format, Version, service};
use crate::caller::Caller;
use crate::model::ExchangeError;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/exchange/resources/{code}/versions",
        get(list)
            .post(upload)
            .layer(DefaultBodyLimit::max(super::MAX_BYTES)),
    )
}

async fn list(
    State(state): State<AppState>,
    Caller(by): Caller,
    Path(code): Path<String>,
) -> Result<Json<Vec<Version>>, ApiError> {
    Ok(Json(service::versions(&state.db, &by, &code).await?))
}

#[derive(Debug, Default, Deserialize)]
struct UploadParams {
    note: Option<String>,
}

async fn upload(
    State(state): State<AppState>,
    api: ui::error::ApiCtx,
    Caller(by): Caller,
    Path(code): Path<String>,
    ui::ApiQuery(p): ui::ApiQuery<UploadParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let invalid =
        |key: &'static str| ExchangeError::Invalid(vec![("file".into(), Message::new(key))]);
    let kept = match Format::of(content_type, "") {
        None => Err(invalid("xc-ds-format")),
        Some(format) => match std::str::from_utf8(&body) {
            Err(_) => Err(invalid("xc-ds-not-utf8")),
            Ok(text) => {
                let note = p.note.as_deref().unwrap_or("");
                service::upload(&state.db, &by, &code, format, text, note).await
            }
        },
    };
    match kept {
        Ok(v) => Ok((StatusCode::CREATED, Json(v)).into_response()),
        // Every problem of the file, each with its line, at once.
        Err(ExchangeError::Invalid(problems)) => {
            Ok(api.invalid_fields(&Message::new("xc-ds-invalid"), &problems))
        }
        Err(e) => Err(e.into()),
    }
}
