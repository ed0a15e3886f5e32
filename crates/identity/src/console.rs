//! The officials' workbench pages of this capability: a window clerk verifies a person in
//! person (real-name level 3).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::{Localize, Message, PersonId};
use maud::{Markup, html};
use serde::Deserialize;
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::guard::Official;
use crate::model::Role;
use crate::{IdentityError, service};

pub fn router() -> Router<AppState> {
    Router::new().route("/console/verify", get(verify_form).post(verify))
}

#[derive(Debug, Deserialize, Default)]
struct VerifyForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    checked_card: Option<String>,
}

fn verify_page(ctx: &Ctx, value: &str, outcome: Option<Result<String, String>>) -> Markup {
    let title = ctx.t("id-verify-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.muted { (ctx.t("id-verify-intro")) }
            (ui::layout::outcome_notice(&outcome))
            form.card.form method="post" action="/console/verify" {
                label for="f-person_id" { (ctx.t("id-field-person_id")) }
                input id="f-person_id" name="person_id" value=(value) required autocomplete="off";
                p {
                    input id="f-checked" name="checked_card" type="checkbox" value="yes" required;
                    " "
                    label for="f-checked" style="display:inline" { (ctx.t("id-verify-checked")) }
                }
                p { button type="submit" { (ctx.t("id-verify-confirm")) } }
            }
        },
    )
}

async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    official: Official,
) -> Result<Markup, PageError> {
    official
        .require_role(&state.db, Role::WindowClerk, "account.verify_in_person")
        .await?;
    Ok(verify_page(&ctx, "", None))
}

async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    official: Official,
    ui::PageForm(form): ui::PageForm<VerifyForm>,
) -> Result<Response, PageError> {
    official
        .require_role(&state.db, Role::WindowClerk, "account.verify_in_person")
        .await?;
    if form.checked_card.as_deref() != Some("yes") {
        let msg = ctx.t("id-verify-must-check");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            verify_page(&ctx, &form.person_id, Some(Err(msg))),
        )
            .into_response());
    }
    let person = match PersonId::parse(&form.person_id) {
        Ok(p) => p,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                verify_page(&ctx, &form.person_id, Some(Err(ctx.tell(&e)))),
            )
                .into_response());
        }
    };
    match service::verify_in_person(&state.db, &official.0.account, &person).await {
        Ok(account) => {
            let msg = ctx.fmt(&Message::new("id-verified").arg(
                "who",
                format!("{} {}", account.display_name(ctx.lang), person.masked()),
            ));
            Ok(verify_page(&ctx, "", Some(Ok(msg))).into_response())
        }
        Err(e @ IdentityError::NoSuchPerson) => Ok((
            e.status(),
            verify_page(&ctx, &form.person_id, Some(Err(ctx.fmt(&e.message())))),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
