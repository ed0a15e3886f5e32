//! A case from the applicant's form to acceptance, through the real pages and API, on every
//! backend: pre-fill, waived materials, field errors, bad uploads, a double submission, the
//! one-time notice (and the refused second one), the supplement, acceptance with its
//! working-day deadline, and the audit trail.

#[path = "../common/mod.rs"]
mod common;

use axum::http::StatusCode;
use common::{PDF, TestApp, apply_for_subsistence, file_inputs, submit_form, subsistence_item};

mod back_office;
mod lookup;
mod online;
mod problem_list;
mod proxy;
mod window;

pub(crate) const PASSWORD: &str = "Zhuoma-2024-demo";

/// The app on `backend` with the demo people (none: the backend is not configured).
pub(crate) async fn demo_app(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    db::sqlx::query_scalar(sql)
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}
