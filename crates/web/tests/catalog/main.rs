//! The catalogue of service items through its real API and pages, on every backend: the demo
//! catalogue, search in Chinese and Tibetan, guides, and the draft → review → publish rules
//! with their refusals.

#[path = "../common/mod.rs"]
mod common;

use axum::http::StatusCode;
use catalog::model::ItemBody;
use catalog::service::{self, CatalogError};
use common::TestApp;

mod public;
mod quality;
mod search_terms;
mod stewards;
mod translations;

/// The app on `backend` with the demo catalogue (none: the backend is not configured).
pub(crate) async fn app_on(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, None).await?;
    let n = catalog::seed::seed_demo(&app.db.db)
        .await
        .expect("catalogue seed");
    assert!(n >= 200, "{}: {n} demo items", app.name());
    Some(app)
}

pub(crate) fn encode(s: &str) -> String {
    common::form_encode(s)
}

pub(crate) async fn one_item(app: &TestApp, q: &str) -> ItemBody {
    let list = app
        .get(&format!("/api/v1/items?q={}&limit=1", encode(q)))
        .await
        .json();
    let code = list["items"][0]["code"]
        .as_str()
        .expect("an item")
        .to_owned();
    catalog::store::published(&app.db.db, &code)
        .await
        .expect("read")
        .expect("published")
}

/// A published demo item implemented in Lhasa (540100), found by `q`.
pub(crate) async fn lhasa_item(app: &TestApp, q: &str) -> ItemBody {
    let list = app
        .get(&format!(
            "/api/v1/items?q={}&division=540100&level=prefecture&limit=1",
            encode(q)
        ))
        .await
        .json();
    let code = list["items"][0]["code"].as_str().expect("an item");
    catalog::store::published(&app.db.db, code)
        .await
        .expect("read")
        .expect("published")
}

pub(crate) const PASSWORD: &str = "demo-password-2026";

/// The app on `backend` with the demo people (none: the backend is not configured).
pub(crate) async fn demo_app(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}
