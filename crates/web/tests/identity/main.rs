//! Accounts, sign-in, sessions and guards through the real pages, on every backend.

#[path = "../common/mod.rs"]
mod common;

use axum::http::StatusCode;
use common::{TestApp, code_now, form_encode, pending_cookie, secret_on};

mod entities;
mod officials;
mod registration;
mod sign_in;
mod sms;

pub(crate) const PASSWORD: &str = "demo-password-2026";

/// The app on `backend` with the demo people (none: the backend is not configured).
pub(crate) async fn app_on(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}

/// Signs an official in through the password and TOTP pages; returns the session cookie and
/// the TOTP secret they enrolled.
pub(crate) async fn official_sign_in(app: &TestApp, login: &str) -> (String, String) {
    app.official_sign_in(login, PASSWORD).await
}

pub(crate) async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.audit_actions().await
}

pub(crate) fn registration(person_id: &str, name: &str, mobile: &str, password: &str) -> String {
    format!(
        "person_id={}&name={}&mobile={mobile}&password={}&password_again={}",
        form_encode(person_id),
        form_encode(name),
        form_encode(password),
        form_encode(password)
    )
}

pub(crate) fn demo_id(division: &str, birth: &str, seq: &str) -> String {
    identity::seed::demo_person_id(division, birth, seq)
        .expect("valid")
        .to_string()
}
