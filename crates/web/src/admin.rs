//! Administration pages: holiday calendars, township and village divisions, Tibetan names,
//! official accounts and the OpenID Connect client registry. An official signed in with the
//! administrator role for the region may use them; so may the bootstrap administrator (HTTP
//! Basic with `YIWANG_ADMIN_PASSWORD`, for setting up the first officials), and with neither
//! they are closed. Every change is an audit event naming who made it.

use axum::Router;
use axum::extract::FromRef;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page, titled};
use ui::{AppState, Ctx, PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/calendar", get(calendar_form).post(calendar_load))
        .route("/admin/bootstrap/off", axum::routing::post(bootstrap_off))
        .route(
            "/admin/divisions",
            get(divisions_form).post(divisions_import),
        )
        .route("/admin/names", get(names_form).post(names_set))
        .route(
            "/admin/officials",
            get(officials_form).post(officials_create),
        )
        .route(
            "/admin/officials/reset-totp",
            axum::routing::post(officials_reset_totp),
        )
        .route(
            "/admin/officials/roles",
            axum::routing::post(officials_set_roles),
        )
        .route("/admin/clients", get(clients::list).post(clients::create))
        .route("/admin/grants", get(grants::list).post(grants::give))
        .route("/admin/grants/revoke", axum::routing::post(grants::revoke))
        .route(
            "/admin/clients/status",
            axum::routing::post(clients::set_status),
        )
        .route(
            "/admin/clients/secret",
            axum::routing::post(clients::new_secret),
        )
        .route(
            "/admin/keys/rotate",
            axum::routing::post(clients::rotate_keys),
        )
}

mod clients;
mod grants;
mod officials;

use officials::{officials_create, officials_form, officials_reset_totp, officials_set_roles};

/// Who may administer the platform: a signed-in official holding the administrator role for
/// the whole region, or (to set up the first officials) the bootstrap administrator proven by
/// the configured password.
pub struct Admin {
    /// How the audit chain names them: `official:<id>` or `admin:bootstrap`.
    pub actor: String,
    /// Who acts, for the services this page calls.
    pub principal: identity::Principal,
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if parts.extensions.get::<identity::model::Session>().is_some() {
            let official = identity::Official::from_request_parts(parts, state).await?;
            let region = kernel::DivisionCode::parse("540000").map_err(|_| {
                PageError::new(
                    &ctx,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &Message::new("error-internal"),
                )
                .into_response()
            })?;
            let path = parts.uri.path().to_owned();
            return match official
                .require(
                    &state.db,
                    identity::model::Role::Administrator,
                    region,
                    &path,
                )
                .await
            {
                Ok(()) => Ok(Admin {
                    actor: format!("official:{}", official.0.account.id),
                    principal: identity::Principal::account(official.0),
                }),
                Err(e) => Err(PageError::from(e).into_response()),
            };
        }
        let Some(password) = AppState::from_ref(state).settings.admin_password.clone() else {
            return Err(PageError::new(
                &ctx,
                StatusCode::FORBIDDEN,
                &Message::new("admin-disabled"),
            )
            .into_response());
        };
        let refuse = |key: &'static str| {
            PageError::new(&ctx, StatusCode::FORBIDDEN, &Message::new(key)).into_response()
        };
        if identity::service::bootstrap_switched_off(&state.db)
            .await
            .map_err(|e| PageError::from(e).into_response())?
        {
            return Err(refuse("admin-bootstrap-off"));
        }
        if !crate::middleware::may_carry_password(state, &parts.headers, &parts.extensions) {
            return Err(refuse("admin-bootstrap-https"));
        }
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| decode_base64(b.trim()))
            .and_then(|raw| String::from_utf8(raw).ok());
        let mut problem = Message::new("admin-sign-in");
        if let Some(given) = given.as_deref() {
            let (user, pass) = given.split_once(':').unwrap_or((given, ""));
            let identity::pages::ClientInfo(client) =
                match identity::pages::ClientInfo::from_request_parts(parts, state).await {
                    Ok(c) => c,
                    Err(never) => match never {},
                };
            match identity::service::bootstrap_admin(
                &state.db,
                user,
                password.matches(pass),
                &client,
            )
            .await
            {
                Ok(()) => {
                    return Ok(Admin {
                        actor: "admin:bootstrap".to_owned(),
                        principal: identity::Principal::Operator("admin:bootstrap"),
                    });
                }
                Err(e) => {
                    tracing::warn!("administrator sign-in refused");
                    problem = kernel::Localize::message(&e);
                }
            }
        }
        let mut res = PageError::new(&ctx, StatusCode::UNAUTHORIZED, &problem).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Yiwang administration\", charset=\"UTF-8\""),
        );
        Err(res)
    }
}

async fn index(admin: Admin, State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    index_page(&state, &ctx, &admin, None).await
}

async fn index_page(
    state: &AppState,
    ctx: &Ctx,
    admin: &Admin,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let title = ctx.t("admin-title");
    let db = &state.db;
    let off = identity::service::bootstrap_switched_off(db).await?;
    let may_switch = admin.actor.starts_with("official:")
        && state.settings.admin_password.is_some()
        && !off
        && identity::service::administrator_official_exists(db).await?;
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
            ul {
                li { a href="/admin/calendar" { (ctx.t("admin-calendar")) } }
                li { a href="/admin/divisions" { (ctx.t("admin-divisions")) } }
                li { a href="/admin/names" { (ctx.t("admin-names")) } }
                li { a href="/admin/officials" { (ctx.t("admin-officials")) } }
                li { a href="/admin/clients" { (ctx.t("admin-clients")) } }
                li { a href="/admin/grants" { (ctx.t("admin-grants")) } }
            }
            @if off {
                p.muted { (ctx.t("admin-bootstrap-off")) }
            } @else if may_switch {
                form.card method="post" action="/admin/bootstrap/off" {
                    p { (ctx.t("admin-bootstrap-explain")) }
                    button type="submit" { (ctx.t("admin-bootstrap-switch")) }
                }
            }
        },
    ))
}

/// An administrator official switches the bootstrap login off for good.
async fn bootstrap_off(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    match identity::service::switch_off_bootstrap(&state.db, &admin.principal).await {
        Ok(()) => {
            let ok = Some(Ok(ctx.t("admin-bootstrap-switched")));
            Ok(index_page(&state, &ctx, &admin, ok).await?.into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
struct UploadForm {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    content: String,
}

fn upload_form(ctx: &Ctx, action: &str, form: &UploadForm, hint: &str) -> Markup {
    html! {
        form.card method="post" action=(action) {
            label for="file_name" { (ctx.t("admin-file-name")) }
            input id="file_name" name="file_name" value=(form.file_name) required maxlength="200";
            label for="content" { (ctx.t("admin-content")) }
            textarea id="content" name="content" required aria-describedby="content-hint" { (form.content) }
            p.muted id="content-hint" { (hint) }
            p { button type="submit" { (ctx.t("admin-load")) } }
        }
    }
}

async fn calendar_view(
    state: &AppState,
    ctx: &Ctx,
    form: &UploadForm,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let calendar = db::calendar::load(&state.db).await?;
    let title = ctx.t("admin-calendar");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        (crate::calendar::years_table(ctx, &calendar))
        h2 { (ctx.t("admin-calendar-propose")) }
        form.card.form method="get" action="/admin/calendar" {
            p.muted { (ctx.t("admin-calendar-propose-hint")) }
            label for="propose" { (ctx.t("admin-calendar-propose-year")) }
            input id="propose" name="propose" type="number" min="2000" max="2100" required value=(state.db.clock().today().year() + 1);
            label for="losar_from" { (ctx.t("admin-calendar-losar-from")) }
            input id="losar_from" name="losar_from" type="number" min="-3" max="3" value="-1";
            label for="losar_days" { (ctx.t("admin-calendar-losar-days")) }
            input id="losar_days" name="losar_days" type="number" min="1" max="15" value="6";
            label for="shoton_days" { (ctx.t("admin-calendar-shoton-days")) }
            input id="shoton_days" name="shoton_days" type="number" min="1" max="15" value="3";
            p { button type="submit" { (ctx.t("admin-calendar-propose-go")) } }
        }
        h2 { (ctx.t("admin-calendar-load")) }
        (upload_form(ctx, "/admin/calendar", form, &ctx.t("admin-calendar-hint")))
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

/// A year to propose from the Tibetan calendar, with the region's arrangement.
#[derive(Debug, Default, Deserialize)]
struct Propose {
    propose: Option<i32>,
    losar_from: Option<i8>,
    losar_days: Option<u8>,
    shoton_days: Option<u8>,
}

async fn calendar_form(
    _: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<Propose>,
) -> Result<Response, PageError> {
    use kernel::calendar::tibetan::{Arrangement, propose};
    let Some(year) = p.propose else {
        return calendar_view(&state, &ctx, &UploadForm::default(), None, StatusCode::OK).await;
    };
    let base = Arrangement::default();
    let arrangement = Arrangement {
        losar_from: p.losar_from.unwrap_or(base.losar_from),
        losar_days: p.losar_days.unwrap_or(base.losar_days),
        shoton_days: p.shoton_days.unwrap_or(base.shoton_days),
    };
    match propose("540000", year, &arrangement) {
        Ok(content) => {
            let form = UploadForm {
                file_name: format!("{year}-540000.toml"),
                content,
            };
            let msg = ctx.fmt(&Message::new("admin-calendar-proposed").arg("year", year));
            calendar_view(&state, &ctx, &form, Some(Ok(msg)), StatusCode::OK).await
        }
        Err(e) => {
            let msg = ctx.fmt(&kernel::Localize::message(&e));
            calendar_view(
                &state,
                &ctx,
                &UploadForm::default(),
                Some(Err(msg)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn calendar_load(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<UploadForm>,
) -> Result<Response, PageError> {
    let name = if form.file_name.trim().is_empty() {
        "calendar.toml"
    } else {
        form.file_name.trim()
    };
    let year = match kernel::calendar::parse_file(name, &form.content) {
        Ok(year) => year,
        Err(e) => {
            return calendar_view(
                &state,
                &ctx,
                &form,
                Some(Err(ctx.tell(&e))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let redated = cases::deadlines::load_year(&state.db, &admin.principal, &year).await?;
    let msg = ctx.fmt(
        &Message::new("admin-calendar-loaded")
            .arg("year", year.year)
            .arg("division", year.division.to_string())
            .arg("days", year.days.len())
            .arg("reckoned", redated.reckoned)
            .arg("moved", redated.moved),
    );
    calendar_view(
        &state,
        &ctx,
        &UploadForm::default(),
        Some(Ok(msg)),
        StatusCode::OK,
    )
    .await
}

fn divisions_view(
    ctx: &Ctx,
    form: &UploadForm,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Response {
    let title = ctx.t("admin-divisions");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        (upload_form(ctx, "/admin/divisions", form, &ctx.t("admin-divisions-hint")))
    };
    (status, page(ctx, &title, body)).into_response()
}

async fn divisions_form(_: Admin, ctx: Ctx) -> Response {
    divisions_view(&ctx, &UploadForm::default(), None, StatusCode::OK)
}

async fn divisions_import(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<UploadForm>,
) -> Result<Response, PageError> {
    let name = if form.file_name.trim().is_empty() {
        "divisions.csv"
    } else {
        form.file_name.trim()
    };
    match org::import::import(&state.db, &admin.principal, name, &form.content).await {
        Ok(report) => {
            let msg = ctx.fmt(
                &Message::new("admin-divisions-imported")
                    .arg("inserted", report.inserted)
                    .arg("updated", report.updated),
            );
            Ok(divisions_view(
                &ctx,
                &UploadForm::default(),
                Some(Ok(msg)),
                StatusCode::OK,
            ))
        }
        Err(org::OrgError::File(e)) => Ok(divisions_view(
            &ctx,
            &form,
            Some(Err(ctx.tell(&e))),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_credentials_decode() {
        assert_eq!(
            super::decode_base64("YWRtaW46c2VjcmV0").as_deref(),
            Some(&b"admin:secret"[..])
        );
        assert_eq!(super::decode_base64("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(super::decode_base64("!!"), None);
    }
}

#[derive(Debug, Deserialize, Default)]
struct NameForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_bo: String,
}

async fn names_view(
    state: &AppState,
    ctx: &Ctx,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let missing = org::service::missing_tibetan_names(&state.db).await?;
    let title = ctx.t("admin-names");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p.muted { (ctx.fmt(&Message::new("admin-names-count").arg("count", missing.len()))) }
        @for d in &missing {
            form.card method="post" action="/admin/names" {
                input type="hidden" name="code" value=(d.code);
                label for={ "bo-" (d.code) } { (d.names.zh) " · " (d.names.en) " · " (d.code) }
                input id={ "bo-" (d.code) } name="name_bo" lang="bo" required maxlength="100";
                p { button type="submit" { (ctx.t("admin-save")) } }
            }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn names_form(
    _: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    names_view(&state, &ctx, None, StatusCode::OK).await
}

async fn names_set(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<NameForm>,
) -> Result<Response, PageError> {
    let code = match kernel::DivisionCode::parse(&form.code) {
        Ok(code) => code,
        Err(e) => {
            return names_view(
                &state,
                &ctx,
                Some(Err(ctx.tell(&e))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match org::service::set_tibetan_name(&state.db, &admin.principal, code, &form.name_bo).await {
        Ok(()) => {
            let msg = ctx.fmt(&Message::new("admin-names-saved").arg("code", code.to_string()));
            names_view(&state, &ctx, Some(Ok(msg)), StatusCode::OK).await
        }
        Err(e @ (org::OrgError::BadTibetanName(_) | org::OrgError::NoDivision(_))) => {
            let status = ui::error::HttpError::status(&e);
            names_view(&state, &ctx, Some(Err(ctx.tell(&e))), status).await
        }
        Err(e) => Err(e.into()),
    }
}
