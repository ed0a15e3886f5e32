//! System grants (`/admin/grants`): which department each system acts for in each scope (a
//! register, the geography registry, the case back office, the certificates), given and
//! taken back through `grants::service`, which checks the administrator itself. With a
//! register's scope the administrator also says what the system reads of the register: the
//! standing data grant given with it (every item, sensitive ones masked or in clear; or none,
//! so it reads only its department's own fields).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use grants::service::NewGrant;
use grants::{GrantError, Scope};
use maud::html;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError, PageForm};

use super::Admin;

#[derive(Debug, Default, Deserialize)]
pub(super) struct GrantForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    department: String,
    /// What the system reads of a register: `masked` (every item, sensitive ones masked; the
    /// default), `clear` or `none`.
    #[serde(default)]
    reads: String,
}

/// What a register's grant reads, as the form chose it.
const READS: [&str; 3] = ["masked", "clear", "none"];

impl GrantForm {
    fn reads(&self) -> &str {
        if READS.contains(&self.reads.as_str()) {
            &self.reads
        } else {
            "masked"
        }
    }
}

async fn view(
    state: &AppState,
    ctx: &Ctx,
    admin: &Admin,
    form: &GrantForm,
    problems: &[(String, kernel::Message)],
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = grants::service::all(&state.db, &admin.principal).await?;
    let title = ctx.t("admin-grants");
    let errors = |field: &str| -> Vec<String> {
        problems
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| ctx.fmt(m))
            .collect()
    };
    let body = html! {
        h1 { (title) }
        p { (ctx.t("admin-grants-intro")) }
        (outcome_notice(&outcome))
        @if list.is_empty() { p { (ctx.t("admin-grants-none")) } } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (ctx.t("admin-grant-client")) } th { (ctx.t("admin-grant-scope")) }
                    th { (ctx.t("admin-grant-department")) } th { (ctx.t("admin-grant-reads")) }
                    th { (ctx.t("admin-grant-by")) }
                    th { span.visually-hidden { (ctx.t("id-session-action")) } }
                } }
                tbody { @for listed in &list { @let g = &listed.grant; tr {
                    td { code { (g.client_id) } }
                    td { (ctx.t(&format!("admin-grant-scope-{}", g.scope.name()))) }
                    td { (ctx.pick(&g.department.names.zh, &g.department.names.bo, &g.department.names.en)) " " code { (g.department.code) } }
                    td { @match &listed.reads {
                        Some(d) => (ctx.fmt(&kernel::Message::new("admin-grant-reads-grant")
                            .arg("id", d.id)
                            .arg("items", d.terms.items.len() as i64)
                            .arg("masked", d.terms.items.iter().filter(|i| i.masking != grants::data::Masking::Clear).count() as i64))),
                        None if g.scope.register().is_some() => (ctx.t("admin-grant-reads-none")),
                        None => "—",
                    } }
                    td { code { (g.granted_by) } " · " (ui::layout::at(ctx, &g.granted_at)) }
                    td { form method="post" action="/admin/grants/revoke" {
                        input type="hidden" name="client_id" value=(g.client_id);
                        input type="hidden" name="scope" value=(g.scope.name());
                        button type="submit" { (ctx.t("admin-grant-revoke")) }
                    } }
                } } }
            } }
        }
        h2 { (ctx.t("admin-grant-new")) }
        form method="post" action="/admin/grants" {
            label for="g-client" { (ctx.t("admin-grant-client")) }
            input id="g-client" name="client_id" value=(form.client_id) required;
            @for e in errors("client") { p.field-error { (e) } }
            label for="g-scope" { (ctx.t("admin-grant-scope")) }
            select id="g-scope" name="scope" {
                @for s in Scope::ALL {
                    option value=(s.name()) selected[form.scope == s.name()] { (ctx.t(&format!("admin-grant-scope-{}", s.name()))) }
                }
            }
            @for e in errors("scope") { p.field-error { (e) } }
            label for="g-department" { (ctx.t("admin-grant-department")) }
            input id="g-department" name="department" value=(form.department) required aria-describedby="g-department-hint";
            p.muted id="g-department-hint" { (ctx.t("admin-grant-department-hint")) }
            @for e in errors("department") { p.field-error { (e) } }
            label for="g-reads" { (ctx.t("admin-grant-reads")) }
            select id="g-reads" name="reads" aria-describedby="g-reads-hint" {
                @for r in READS {
                    option value=(r) selected[form.reads() == r] { (ctx.t(&format!("admin-grant-reads-{r}"))) }
                }
            }
            p.muted id="g-reads-hint" { (ctx.t("admin-grant-reads-hint")) }
            @for e in errors("reads") { p.field-error { (e) } }
            button type="submit" { (ctx.t("admin-grant-give")) }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

pub(super) async fn list(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let blank = GrantForm::default();
    view(&state, &ctx, &admin, &blank, &[], None, StatusCode::OK).await
}

pub(super) async fn give(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<GrantForm>,
) -> Result<Response, PageError> {
    let new = NewGrant {
        client_id: form.client_id.clone(),
        scope: form.scope.clone(),
        department: form.department.clone(),
        reads: registry::fields::standing_reads(&form.scope, form.reads()),
    };
    let blank = GrantForm::default();
    let (shown, problems, outcome, status) =
        match grants::service::give(&state.db, &admin.principal, &new).await {
            Ok(g) => {
                let done = kernel::Message::new("admin-grant-given")
                    .arg("client", g.client_id.clone())
                    .arg("department", g.department.code.clone());
                (&blank, Vec::new(), Some(Ok(ctx.fmt(&done))), StatusCode::OK)
            }
            Err(GrantError::Invalid(problems)) => {
                (&form, problems, None, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(e) => return Err(e.into()),
        };
    view(&state, &ctx, &admin, shown, &problems, outcome, status).await
}

pub(super) async fn revoke(
    admin: Admin,
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<GrantForm>,
) -> Result<Response, PageError> {
    grants::service::revoke(&state.db, &admin.principal, &form.client_id, &form.scope).await?;
    let done =
        ctx.fmt(&kernel::Message::new("admin-grant-revoked").arg("client", form.client_id.clone()));
    let blank = GrantForm::default();
    view(
        &state,
        &ctx,
        &admin,
        &blank,
        &[],
        Some(Ok(done)),
        StatusCode::OK,
    )
    .await
}
