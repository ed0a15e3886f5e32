//! Certificates as JSON.
//!
//! Public, without signing in:
//! - `GET /api/v1/certs/verify/{identifier}` — genuine or not, the standing, and what the
//!   holder chose to disclose
//! - `GET /api/v1/certs/keys` — every department's public keys (current and retired), PEM and
//!   SEC1, for offline verification (`yiwang cert verify FILE --keys KEYS`)
//! - `GET /api/v1/certs/types` — the certificate types
//!
//! For department systems (GB/T 36906 in spirit), with a client-credentials token and a
//! `certs` grant for their department; every call names its `purpose` and is recorded in the
//! certificate's use log (用证记录), which its holder sees:
//! - `GET /api/v1/certs/holders/{holder_code}?type=&purpose=` — the holder's usable
//!   certificates (of a type), with their data
//! - `GET /api/v1/certs/{identifier}?purpose=` — one certificate with its data, verified

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use grants::Grant;
use grants::http::{Certs, Granted};
use kernel::Message;
use serde::Deserialize;
use serde_json::{Value, json};
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::model::{CertError, Certificate};
use crate::service::{self, Verdict};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/certs/verify/{identifier}", get(verify_public))
        .route("/api/v1/certs/keys", get(keys_json))
        .route("/api/v1/certs/types", get(types_json))
        .route("/api/v1/certs/holders/{holder}", get(holder_json))
        .route("/api/v1/certs/{identifier}", get(one_json))
}

fn refused(api: &ApiCtx, e: &CertError) -> ApiError {
    api.error(e)
}

async fn verify_public(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    Path(identifier): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match service::verify(&state.db, &identifier)
        .await
        .map_err(|e| refused(&api, &e))?
    {
        Verdict::Genuine { cert, standing } => {
            let data = cert.data();
            let disclosed: serde_json::Map<String, Value> = cert
                .disclosed
                .iter()
                .filter_map(|f| data.get(f).map(|v| (f.clone(), v.clone())))
                .collect();
            let holder_shown = cert.disclosed.iter().any(|f| f == "holder");
            Ok(Json(json!({
                "identifier": cert.identifier,
                "genuine": true,
                "standing": standing,
                "type_code": cert.type_code,
                "issuer_code": cert.issuer_code,
                "issue_date": cert.issue_date,
                "valid_from": cert.valid_from,
                "valid_to": cert.valid_to,
                "holder": if holder_shown { Value::String(cert.holder_name.clone()) } else { Value::Null },
                "replaced_by": cert.replaced_by,
                "disclosed": disclosed,
            })))
        }
        Verdict::Tampered { cert } => Ok(Json(json!({
            "identifier": cert.identifier,
            "genuine": false,
            "detail": api.format(&Message::new("cert-tampered")),
        }))),
    }
}

async fn keys_json(AxState(state): AxState<AppState>) -> Result<Json<Value>, ApiError> {
    let keys = crate::keys::published(&state.db).await?;
    let items: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id,
                "department": k.department,
                "public_key": k.public_key,
                "public_key_pem": kernel::crypto::sm2_public_pem(&k.bytes()).unwrap_or_default(),
                "created_at": k.created_at,
                "retired_at": k.retired_at,
            })
        })
        .collect();
    Ok(Json(
        json!({ "keys": items, "signer_id": kernel::crypto::SM2_DEFAULT_ID }),
    ))
}

async fn types_json(AxState(state): AxState<AppState>) -> Result<Json<Value>, ApiError> {
    let types = service::cert_types(&state.db).await?;
    Ok(Json(
        json!({ "items": types, "total": types.len(), "next": null }),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct SystemQuery {
    #[serde(rename = "type")]
    type_code: Option<String>,
    purpose: Option<String>,
}

/// The system behind the token, as the use log names it, and the stated purpose.
fn system(
    api: &ApiCtx,
    grant: &Grant,
    purpose: Option<&str>,
) -> Result<(String, String, String), ApiError> {
    let purpose = purpose
        .map(str::trim)
        .filter(|p| p.chars().count() >= 2)
        .ok_or_else(|| {
            api.fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &Message::new("cert-api-purpose"),
            )
        })?;
    Ok((
        format!("client:{}", grant.client_id),
        format!("{}（{}）", grant.department.names.zh, grant.client_id),
        purpose.to_owned(),
    ))
}

fn full(c: &Certificate, verified: bool, standing: &str) -> Value {
    json!({
        "identifier": c.identifier,
        "verified": verified,
        "standing": standing,
        "type_code": c.type_code,
        "holder": c.holder_name,
        "holder_code": c.holder_code,
        "holder_code_type": c.holder_code_type,
        "issuer_code": c.issuer_code,
        "issue_date": c.issue_date,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
        "division": c.division,
        "data": c.data(),
    })
}

async fn record(
    state: &AppState,
    c: &Certificate,
    who: &(String, String, String),
) -> Result<(), db::DbError> {
    let mut conn = state.db.pool().acquire().await?;
    service::record_use(&mut conn, c.id, &who.0, &who.1, &who.2, None).await
}

async fn holder_json(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    Granted { grant, .. }: Granted<Certs>,
    Path(holder): Path<String>,
    ui::ApiQuery(q): ui::ApiQuery<SystemQuery>,
) -> Result<Response, ApiError> {
    let who = system(&api, &grant, q.purpose.as_deref())?;
    let list = service::usable_of(&state.db, holder.trim()).await?;
    let mut items = Vec::new();
    for c in list
        .iter()
        .filter(|c| q.type_code.as_deref().is_none_or(|t| t == c.type_code))
    {
        let key = crate::keys::public(&state.db, c.key_id).await?;
        let ok = key.is_some_and(|k| service::check_signature(c, &k.bytes()));
        record(&state, c, &who).await?;
        items.push(full(c, ok, "valid"));
    }
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total, "next": null })).into_response())
}

async fn one_json(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    Granted { grant, .. }: Granted<Certs>,
    Path(identifier): Path<String>,
    ui::ApiQuery(q): ui::ApiQuery<SystemQuery>,
) -> Result<Response, ApiError> {
    let who = system(&api, &grant, q.purpose.as_deref())?;
    let verdict = service::verify(&state.db, &identifier).await?;
    let (c, ok, standing) = match &verdict {
        Verdict::Genuine { cert, standing } => (cert, true, standing.key()),
        Verdict::Tampered { cert } => (cert, false, "tampered"),
    };
    record(&state, c, &who).await?;
    Ok(Json(full(c, ok, standing)).into_response())
}
