//! `/hotline/open311-keys`: a hotline manager makes a key for a system posting Open311
//! requests (shown once: only its digest is kept), lists the keys and revokes one.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Official;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{at, page};
use ui::{AppState, Ctx, PageError};

use super::Problems;
use crate::service::open311;
use crate::store::Open311Key;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/open311-keys", get(list).post(add))
        .route("/hotline/open311-keys/{id}/revoke", post(revoke))
}

fn keys_page(ctx: &Ctx, keys: &[Open311Key], made: Option<&str>, problems: &Problems) -> Markup {
    let title = ctx.t("hotline-keys-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-keys-intro")) }
            (problems.part(ctx))
            @if let Some(key) = made {
                div.notice.ok role="status" {
                    p { (ctx.t("hotline-keys-made")) }
                    p { code { (key) } }
                }
            }
            form.card.form method="post" action="/hotline/open311-keys" {
                label for="f-name" { (ctx.t("hotline-keys-name")) }
                input #f-name name="name" required maxlength="100" aria-invalid=[problems.has("name").then_some("true")];
                button type="submit" { (ctx.t("hotline-keys-add")) }
            }
            @if keys.is_empty() { p { (ctx.t("hotline-none")) } } @else {
                table {
                    thead { tr {
                        th { (ctx.t("hotline-keys-name")) } th { (ctx.t("hotline-keys-created")) } th { (ctx.t("hotline-state")) }
                        th { span.visually-hidden { (ctx.t("hotline-keys-revoke")) } }
                    } }
                    tbody { @for k in keys { tr {
                        td { (k.name) }
                        td { (at(ctx, &k.created_at)) " · " (k.created_by) }
                        td { @match &k.revoked_at {
                            Some(r) => { (ctx.t("hotline-keys-revoked")) " " (at(ctx, r)) }
                            None => (ctx.t("hotline-keys-active")),
                        } }
                        td { @if k.revoked_at.is_none() {
                            form method="post" action={ "/hotline/open311-keys/" (k.id) "/revoke" } {
                                button type="submit" aria-label={ (ctx.t("hotline-keys-revoke")) " " (k.name) } { (ctx.t("hotline-keys-revoke")) }
                            }
                        } }
                    } } }
                }
            }
        },
    )
}

async fn list(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Markup, PageError> {
    let keys = open311::keys(&state.db, &o.principal()).await?;
    Ok(keys_page(&ctx, &keys, None, &Problems::default()))
}

#[derive(Debug, Default, Deserialize)]
struct NewKey {
    #[serde(default)]
    name: String,
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageForm(f): ui::PageForm<NewKey>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let made = open311::add_key(&state.db, &by, &f.name).await;
    let (key, problems) = match made {
        Ok(key) => (Some(key), Problems::default()),
        Err(e) => (None, Problems::of(&e).ok_or(e)?),
    };
    let keys = open311::keys(&state.db, &by).await?;
    let page = keys_page(&ctx, &keys, key.as_deref(), &problems);
    Ok((problems.status(), page).into_response())
}

async fn revoke(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    open311::revoke_key(&state.db, &o.principal(), id).await?;
    Ok(Redirect::to("/hotline/open311-keys").into_response())
}
