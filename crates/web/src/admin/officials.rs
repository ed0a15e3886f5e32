//! Official accounts (`/admin/officials`): creating them with a one-time initial password,
//! changing their roles, and making them enrol a new authenticator.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::Message;
use maud::html;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use super::Admin;

async fn officials_view(
    state: &AppState,
    by: &identity::Principal,
    ctx: &Ctx,
    form: &identity::officials::NewOfficial,
    errors: &[(&'static str, Message)],
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = identity::officials::all(&state.db, by).await?;
    let title = ctx.t("admin-officials");
    let field = |name: &str, value: &str, hint: Option<String>| {
        let error = errors
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| ctx.fmt(m));
        let id = format!("f-{name}");
        html! {
            label for=(id) { (ctx.t(&format!("id-field-{name}"))) }
            @if let Some(e) = &error {
                input id=(id) name=(name) value=(value) aria-invalid="true" aria-describedby={ (id) "-error" };
                p.field-error id={ (id) "-error" } { (e) }
            } @else {
                input id=(id) name=(name) value=(value);
            }
            @if let Some(h) = hint { p.muted { (h) } }
        }
    };
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        div.table-wrap { table {
            thead { tr { th { (ctx.t("id-field-login")) } th { (ctx.t("id-field-name_zh")) } th { (ctx.t("id-roles")) } th { span.visually-hidden { (ctx.t("id-session-action")) } } } }
            tbody { @for a in &list { tr {
                td { (a.login.clone().unwrap_or_default()) }
                td { (a.display_name(ctx.lang)) }
                td {
                    @for g in &a.grants { (ctx.t(&format!("role-{}", g.role.key()))) "@" (g.division) br; }
                    form.inline method="post" action="/admin/officials/roles" {
                        input type="hidden" name="login" value=(a.login.clone().unwrap_or_default());
                        input name="roles" aria-label=(ctx.fmt(&Message::new("admin-roles-of").arg("login", a.login.clone().unwrap_or_default())))
                            value=(a.grants.iter().map(|g| format!("{}@{}", g.role.key(), g.division)).collect::<Vec<_>>().join(", "));
                        " " button type="submit" { (ctx.t("admin-roles-save")) }
                    }
                }
                td { form method="post" action="/admin/officials/reset-totp" {
                    input type="hidden" name="login" value=(a.login.clone().unwrap_or_default());
                    button type="submit" { (ctx.t("admin-totp-reset")) }
                } }
            } } }
        } }
        h2 { (ctx.t("admin-official-new")) }
        form.card.form method="post" action="/admin/officials" {
            (field("login", &form.login, None))
            (field("name_zh", &form.name_zh, None))
            (field("name_bo", &form.name_bo, None))
            (field("department", &form.department, Some(ctx.t("id-department-hint"))))
            (field("roles", &form.roles, Some(ctx.t("id-roles-hint"))))
            p { button type="submit" { (ctx.t("admin-save")) } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

pub(super) async fn officials_form(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    officials_view(
        &state,
        &admin.principal,
        &ctx,
        &identity::officials::NewOfficial::default(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

pub(super) async fn officials_create(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<identity::officials::NewOfficial>,
) -> Result<Response, PageError> {
    let blank = identity::officials::NewOfficial::default();
    let (shown, errors, outcome, status) =
        match identity::officials::create(&state.db, &admin.principal, &form).await {
            Ok((_, password)) => {
                let msg = Message::new("admin-official-created")
                    .arg("login", form.login.trim().to_lowercase())
                    .arg("password", password);
                (&blank, Vec::new(), Ok(ctx.fmt(&msg)), StatusCode::OK)
            }
            Err(identity::IdentityError::Invalid(errors)) => (
                &form,
                errors,
                Err(ctx.t("id-form-invalid")),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e) => return Err(e.into()),
        };
    let by = &admin.principal;
    officials_view(&state, by, &ctx, shown, &errors, Some(outcome), status).await
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct LoginForm {
    #[serde(default)]
    login: String,
}

pub(super) async fn officials_reset_totp(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let (outcome, status) =
        match identity::officials::reset_totp(&state.db, &admin.principal, &form.login).await {
            Ok(()) => {
                let msg = Message::new("admin-totp-was-reset").arg("login", form.login.as_str());
                (Ok(ctx.fmt(&msg)), StatusCode::OK)
            }
            Err(e @ identity::IdentityError::NoSuchPerson) => {
                (Err(ctx.tell(&e)), StatusCode::NOT_FOUND)
            }
            Err(e) => return Err(e.into()),
        };
    let blank = identity::officials::NewOfficial::default();
    let by = &admin.principal;
    officials_view(&state, by, &ctx, &blank, &[], Some(outcome), status).await
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct RolesForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    roles: String,
}

pub(super) async fn officials_set_roles(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<RolesForm>,
) -> Result<Response, PageError> {
    let (outcome, status) =
        match identity::officials::set_roles(&state.db, &admin.principal, &form.login, &form.roles)
            .await
        {
            Ok(_) => {
                let msg = Message::new("admin-roles-saved").arg("login", form.login.as_str());
                (Ok(ctx.fmt(&msg)), StatusCode::OK)
            }
            Err(identity::IdentityError::Invalid(errors)) => {
                let text = errors
                    .iter()
                    .map(|(_, m)| ctx.fmt(m))
                    .collect::<Vec<_>>()
                    .join(" ");
                (Err(text), StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(e @ identity::IdentityError::NoSuchPerson) => {
                (Err(ctx.tell(&e)), StatusCode::NOT_FOUND)
            }
            Err(e) => return Err(PageError::from(e)),
        };
    let blank = identity::officials::NewOfficial::default();
    let by = &admin.principal;
    officials_view(&state, by, &ctx, &blank, &[], Some(outcome), status).await
}
