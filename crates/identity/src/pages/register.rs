//! Registering a personal account.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kernel::Message;
use maud::{Markup, html};
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::IdentityError;
use crate::service::{self, Registration, SignInStep};

use super::{ClientInfo, input, signed_in_response};

pub(super) fn register_page(
    ctx: &Ctx,
    form: &Registration,
    errors: &[(&'static str, Message)],
    problem: Option<String>,
) -> Markup {
    let title = ctx.t("id-register-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.muted { (ctx.t("id-register-intro")) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            @if !errors.is_empty() { p.notice.error role="alert" { (ctx.t("id-form-invalid")) } }
            form.card.form method="post" action="/register" novalidate {
                (input(ctx, errors, "person_id", "text", &form.person_id, "off"))
                (input(ctx, errors, "name", "text", &form.name, "name"))
                (input(ctx, errors, "mobile", "tel", &form.mobile, "tel"))
                (input(ctx, errors, "password", "password", "", "new-password"))
                p.muted { (ctx.fmt(&Message::new("id-password-rule").arg("min", service::MIN_PASSWORD))) }
                (input(ctx, errors, "password_again", "password", "", "new-password"))
                p { button type="submit" { (ctx.t("nav-register")) } }
            }
        },
    )
}

pub(super) async fn register_form(ctx: Ctx) -> Markup {
    register_page(&ctx, &Registration::default(), &[], None)
}

pub(super) async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    ui::PageForm(form): ui::PageForm<Registration>,
) -> Result<Response, PageError> {
    match service::register(&state.db, &form).await {
        Ok(_) => {
            let next = "/me?welcome=1";
            match service::sign_in(&state.db, &form.person_id, &form.password, next, &client).await
            {
                Ok(SignInStep::Done(done)) => Ok(signed_in_response(&headers, &done.token, next)),
                Ok(SignInStep::SecondFactor { .. }) => Ok(Redirect::to("/signin").into_response()),
                Err(e) => Err(e.into()),
            }
        }
        Err(IdentityError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            register_page(&ctx, &form, &errors, None),
        )
            .into_response()),
        Err(e @ IdentityError::AlreadyRegistered(_)) => Ok((
            e.status(),
            register_page(&ctx, &form, &[], Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
