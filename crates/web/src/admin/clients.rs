//! The client registry (`/admin/clients`): department systems registered with the OpenID
//! provider, each with exact redirect addresses, allowed scopes and grant types; their
//! secrets (shown once), switching them off and on, and rotating the signing keys.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::Message;
use maud::html;
use oidc::clients::{self, GrantType, Invalid, NewClient, RegisterError};
use oidc::jose::Alg;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use super::Admin;

/// The registration form as posted: lists are one per line (addresses) or space-separated
/// (scopes); each grant type is a checkbox.
#[derive(Debug, Deserialize, Default)]
pub(super) struct ClientForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    scopes: String,
    grant_authorization_code: Option<String>,
    grant_refresh_token: Option<String>,
    grant_client_credentials: Option<String>,
    first_party: Option<String>,
    #[serde(default)]
    id_token_alg: String,
}

impl ClientForm {
    fn to_new(&self) -> NewClient {
        let lines = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_owned).collect() };
        let mut grant_types = Vec::new();
        for (on, g) in [
            (&self.grant_authorization_code, GrantType::AuthorizationCode),
            (&self.grant_refresh_token, GrantType::RefreshToken),
            (&self.grant_client_credentials, GrantType::ClientCredentials),
        ] {
            if on.is_some() {
                grant_types.push(g);
            }
        }
        NewClient {
            client_id: self.client_id.trim().to_owned(),
            name_zh: self.name_zh.clone(),
            name_bo: self.name_bo.clone(),
            name_en: self.name_en.clone(),
            public: self.kind == "public",
            redirect_uris: lines(&self.redirect_uris),
            post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
            scopes: lines(&self.scopes),
            grant_types,
            first_party: self.first_party.is_some(),
            id_token_alg: Alg::parse(&self.id_token_alg),
        }
    }

    fn blank() -> ClientForm {
        ClientForm {
            scopes: "openid profile".into(),
            grant_authorization_code: Some("on".into()),
            grant_refresh_token: Some("on".into()),
            ..ClientForm::default()
        }
    }
}

async fn view(
    state: &AppState,
    ctx: &Ctx,
    form: &ClientForm,
    errors: &[Invalid],
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = clients::all(&state.db).await?;
    let title = ctx.t("admin-clients");
    let error_of = |field: &str| -> Vec<String> {
        errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| {
                let text = ctx.t(e.key);
                if e.value.is_empty() {
                    text
                } else {
                    format!("{text} ({})", e.value)
                }
            })
            .collect()
    };
    let text_field = |name: &str, value: &str, multiline: bool| {
        let id = format!("c-{name}");
        let errs = error_of(name);
        let hint = ctx.t(&format!("admin-client-{name}-hint"));
        html! {
            label for=(id) { (ctx.t(&format!("admin-client-{name}"))) }
            @if multiline {
                textarea id=(id) name=(name) rows="2" aria-invalid=[(!errs.is_empty()).then_some("true")] aria-describedby={ (id) "-hint" } { (value) }
            } @else {
                input id=(id) name=(name) value=(value) aria-invalid=[(!errs.is_empty()).then_some("true")] aria-describedby={ (id) "-hint" };
            }
            p.muted id={ (id) "-hint" } { (hint) }
            @for e in &errs { p.field-error { (e) } }
        }
    };
    let checked = |v: &Option<String>| v.is_some();
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        div.table-wrap { table {
            thead { tr {
                th { (ctx.t("admin-client-client_id")) } th { (ctx.t("admin-client-name_zh")) }
                th { (ctx.t("admin-client-kind")) } th { (ctx.t("admin-client-grants")) }
                th { (ctx.t("admin-client-scopes")) } th { (ctx.t("admin-client-redirect_uris")) }
                th { span.visually-hidden { (ctx.t("id-session-action")) } }
            } }
            tbody { @for c in &list { tr {
                td { code { (c.client_id) } }
                td { (ctx.pick(&c.name_zh, &c.name_bo, &c.name_en)) @if c.disabled { " " strong { (ctx.t("admin-client-disabled")) } } }
                td { (ctx.t(if c.is_public() { "admin-client-public" } else { "admin-client-confidential" }))
                     @if c.first_party { br; (ctx.t("admin-client-first_party")) } }
                td { @for g in &c.grant_types { (g.key()) br; } }
                td { (c.scopes.join(" ")) }
                td { @for u in &c.redirect_uris { (u) br; } }
                td {
                    form method="post" action="/admin/clients/status" {
                        input type="hidden" name="client_id" value=(c.client_id);
                        input type="hidden" name="disable" value=(if c.disabled { "no" } else { "yes" });
                        button type="submit" { (ctx.t(if c.disabled { "admin-client-enable" } else { "admin-client-disable" })) }
                    }
                    @if !c.is_public() {
                        form method="post" action="/admin/clients/secret" {
                            input type="hidden" name="client_id" value=(c.client_id);
                            button type="submit" { (ctx.t("admin-client-new-secret")) }
                        }
                    }
                }
            } } }
        } }
        h2 { (ctx.t("admin-client-new")) }
        form.card.form method="post" action="/admin/clients" {
            (text_field("client_id", &form.client_id, false))
            (text_field("name_zh", &form.name_zh, false))
            (text_field("name_bo", &form.name_bo, false))
            (text_field("name_en", &form.name_en, false))
            fieldset {
                legend { (ctx.t("admin-client-kind")) }
                label { input type="radio" name="kind" value="confidential" checked[form.kind != "public"]; " " (ctx.t("admin-client-confidential")) }
                label { input type="radio" name="kind" value="public" checked[form.kind == "public"]; " " (ctx.t("admin-client-public")) }
            }
            fieldset {
                legend { (ctx.t("admin-client-grants")) }
                label { input type="checkbox" name="grant_authorization_code" checked[checked(&form.grant_authorization_code)]; " authorization_code" }
                label { input type="checkbox" name="grant_refresh_token" checked[checked(&form.grant_refresh_token)]; " refresh_token" }
                label { input type="checkbox" name="grant_client_credentials" checked[checked(&form.grant_client_credentials)]; " client_credentials" }
                @for e in error_of("grant_types") { p.field-error { (e) } }
            }
            (text_field("redirect_uris", &form.redirect_uris, true))
            (text_field("post_logout_redirect_uris", &form.post_logout_redirect_uris, true))
            (text_field("scopes", &form.scopes, false))
            label { input type="checkbox" name="first_party" checked[checked(&form.first_party)]; " " (ctx.t("admin-client-first_party")) }
            label for="c-alg" { (ctx.t("admin-client-alg")) }
            select id="c-alg" name="id_token_alg" {
                @for a in Alg::ALL { option value=(a.name()) selected[form.id_token_alg == a.name()] { (a.name()) } }
            }
            p { button type="submit" { (ctx.t("admin-save")) } }
        }
        h2 { (ctx.t("admin-keys")) }
        form.card method="post" action="/admin/keys/rotate" {
            p.muted { (ctx.t("admin-keys-hint")) }
            p { button type="submit" { (ctx.t("admin-keys-rotate")) } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

pub(super) async fn list(
    _: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    view(
        &state,
        &ctx,
        &ClientForm::blank(),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

pub(super) async fn create(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<ClientForm>,
) -> Result<Response, PageError> {
    let new = form.to_new();
    match clients::register(&state.db, &admin.principal, &new).await {
        Ok(secret) => {
            let msg = match secret {
                Some(s) => Message::new("admin-client-created-secret")
                    .arg("client", new.client_id.as_str())
                    .arg("secret", s),
                None => Message::new("admin-client-created").arg("client", new.client_id.as_str()),
            };
            let msg = ctx.fmt(&msg);
            view(
                &state,
                &ctx,
                &ClientForm::blank(),
                &[],
                Some(Ok(msg)),
                StatusCode::OK,
            )
            .await
        }
        Err(RegisterError::Invalid(errors)) => {
            let msg = Some(Err(ctx.t("id-form-invalid")));
            view(
                &state,
                &ctx,
                &form,
                &errors,
                msg,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(RegisterError::Taken) => {
            let errors = [Invalid {
                field: "client_id",
                key: "admin-client-taken",
                value: new.client_id.clone(),
            }];
            let msg = Some(Err(ctx.t("id-form-invalid")));
            view(&state, &ctx, &form, &errors, msg, StatusCode::CONFLICT).await
        }
        Err(RegisterError::Refused(e)) => Err(PageError::from(e)),
        Err(RegisterError::Db(e)) => Err(PageError::from(e)),
    }
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct StatusForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    disable: String,
}

/// The registry page after an action on one client: its outcome, or "not found" when the
/// client does not exist (`None`).
async fn after_action(
    state: &AppState,
    ctx: &Ctx,
    done: Option<Message>,
) -> Result<Response, PageError> {
    let (outcome, status) = match done {
        Some(m) => (Ok(ctx.fmt(&m)), StatusCode::OK),
        None => (Err(ctx.t("error-not-found")), StatusCode::NOT_FOUND),
    };
    view(state, ctx, &ClientForm::blank(), &[], Some(outcome), status).await
}

pub(super) async fn set_status(
    admin: Admin,
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<StatusForm>,
) -> Result<Response, PageError> {
    let disable = form.disable == "yes";
    let changed =
        clients::set_disabled(&state.db, &admin.principal, &form.client_id, disable).await?;
    provider.clients.forget(&form.client_id);
    let key = if disable {
        "admin-client-was-disabled"
    } else {
        "admin-client-was-enabled"
    };
    let done = changed.then(|| Message::new(key).arg("client", form.client_id.as_str()));
    after_action(&state, &ctx, done).await
}

pub(super) async fn new_secret(
    admin: Admin,
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<StatusForm>,
) -> Result<Response, PageError> {
    let secret = clients::rotate_secret(&state.db, &admin.principal, &form.client_id).await?;
    provider.clients.forget(&form.client_id);
    let done = secret.map(|s| {
        Message::new("admin-client-secret")
            .arg("client", form.client_id.as_str())
            .arg("secret", s)
    });
    after_action(&state, &ctx, done).await
}

pub(super) async fn rotate_keys(
    admin: Admin,
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let kids = oidc::keys::rotate(&state.db, &admin.principal).await?;
    // This replica signs with the new keys at once; the others within a minute.
    provider.keys.forget();
    let done = Message::new("admin-keys-rotated").arg("kids", kids.join(", "));
    after_action(&state, &ctx, Some(done)).await
}
