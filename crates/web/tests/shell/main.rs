//! The platform shell, through its real router and middleware, on every database backend.

#[path = "../common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, form_encode};
use db::testing;
use tower::ServiceExt;
use ui::state::WebSettings;
use yiwang_web as web;

mod edges;
mod pages;
