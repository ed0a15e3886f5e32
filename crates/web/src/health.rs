//! Liveness, readiness (the database answers) and metrics.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use ui::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n".to_owned()),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}\n"),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database did not answer within 2 s\n".to_owned(),
        ),
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.db.pool();
    let up = tokio::time::timeout(Duration::from_secs(2), state.db.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let extra = format!(
        "# HELP yiwang_db_up Whether the database answered.\n# TYPE yiwang_db_up gauge\nyiwang_db_up{{backend=\"{}\"}} {}\n\
         # HELP yiwang_db_pool_connections Open database connections.\n# TYPE yiwang_db_pool_connections gauge\nyiwang_db_pool_connections {}\n\
         # HELP yiwang_db_pool_idle Idle database connections.\n# TYPE yiwang_db_pool_idle gauge\nyiwang_db_pool_idle {}\n\
         # HELP yiwang_build_info Build of the running program.\n# TYPE yiwang_build_info gauge\nyiwang_build_info{{version=\"{}\"}} 1\n",
        state.db.backend().name(),
        u8::from(up),
        pool.size(),
        pool.num_idle(),
        env!("CARGO_PKG_VERSION"),
    );
    // The hall's figures need the database; without it they are left out.
    let halls = tokio::time::timeout(
        Duration::from_secs(2),
        halls::service::stats::metrics(&state.db),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::Metrics::shared().render(&(extra + &exchange::monitor::render() + &halls)),
    )
}
