//! The registries for officials and people: an official looks a person (`/registry/persons`)
//! or an entity (`/registry/entities`, by credit code or any legacy code) up for a stated
//! purpose and changes the fields their department owns; a person sees their own record and
//! who looked at it (`/me/registry`).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::{Citizen, Official};
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::fields::{ENTITY_REGISTER, PERSONS, Register};
use crate::population;
use crate::record::{self, RegistryError, Source, View};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registry/persons", get(persons_form).post(persons_lookup))
        .route(
            "/registry/persons/update",
            axum::routing::post(persons_update),
        )
        .route(
            "/registry/entities",
            get(entities_form).post(entities_lookup),
        )
        .route(
            "/registry/entities/update",
            axum::routing::post(entities_update),
        )
        .route("/me/registry", get(mine))
}

use crate::shown::{field_label, kind_name};

fn key_label(reg: &Register) -> &'static str {
    if reg.name == PERSONS.name {
        "reg-person-id"
    } else {
        "reg-credit-code"
    }
}

fn key_source(reg: &Register, key: &str) -> &'static str {
    if reg.name == PERSONS.name {
        "public-security"
    } else {
        crate::fields::registrar_of(key)
    }
}

/// Values with a fixed list of choices are shown in words.
fn is_choice(reg: &Register, field: &str) -> bool {
    reg.field(field)
        .is_some_and(|f| matches!(f.kind, crate::fields::Kind::Choice(_)) && field != "ethnicity")
}

fn record(ctx: &Ctx, reg: &Register, view: &View) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr { th { (ctx.t("reg-field")) } th { (ctx.t("reg-value")) } th { (ctx.t("reg-source")) } th { (ctx.t("reg-updated")) } } }
            tbody {
                tr { th scope="row" { (ctx.t(key_label(reg))) } td { code { (view.key) } } td { (kind_name(ctx, key_source(reg, &view.key))) } td {} }
                @for f in &view.fields { tr {
                    th scope="row" { (field_label(ctx, f.field)) }
                    td {
                        @if f.value.is_empty() { span.muted { "—" } }
                        @else if f.masked { (f.value) " " span.muted { "(" (ctx.t("reg-masked")) ")" } }
                        @else if is_choice(reg, f.field) { (ctx.t(&format!("reg-choice-{}", f.value))) }
                        @else { (f.value) }
                        @if f.flagged { " " span.badge { (ctx.t("reg-flagged")) } }
                    }
                    td { (kind_name(ctx, f.source)) }
                    td { span.muted { (f.updated_at.get(..10).unwrap_or(&f.updated_at)) } }
                } }
            }
        } }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Lookup {
    /// The person's number or the entity's code, under the register's key name.
    #[serde(default, alias = "person_id", alias = "credit_code")]
    key: String,
    #[serde(default)]
    purpose: String,
}

fn base(reg: &Register) -> &'static str {
    if reg.name == PERSONS.name {
        "/registry/persons"
    } else {
        "/registry/entities"
    }
}

#[allow(clippy::too_many_arguments)]
fn lookup_view(
    ctx: &Ctx,
    reg: &'static Register,
    observer: bool,
    form: &Lookup,
    error: Option<(&str, String)>,
    found: Option<(&View, &[&'static str], &str)>,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Response {
    let title = ctx.t(&format!("reg-lookup-title-{}", reg.name));
    let err = |name: &str| {
        error
            .as_ref()
            .filter(|(f, _)| *f == name)
            .map(|(_, m)| m.clone())
    };
    let input = |name: &str, value: &str| {
        let id = format!("f-{name}");
        let e = err(name);
        html! {
            label for=(id) { (ctx.t(&format!("reg-form-{name}"))) }
            input id=(id) name=(name) value=(value) autocomplete="off"
                aria-invalid=[e.is_some().then_some("true")]
                aria-describedby=[e.is_some().then(|| format!("{id}-error"))];
            @if let Some(e) = e { p.field-error id={ (id) "-error" } { (e) } }
        }
    };
    let body = html! {
        h1 { (title) }
        p { (ctx.t("reg-lookup-intro")) }
        (outcome_notice(&outcome))
        form.card.form method="post" action=(base(reg)) {
            (input(reg.key, &form.key))
            (input("purpose", &ctx.stored(&form.purpose)))
            p { button type="submit" { (ctx.t("reg-lookup")) } }
        }
        @if let Some((view, owned, key)) = found {
            h2 { (ctx.t("reg-record")) }
            (record(ctx, reg, view))
            @if !owned.is_empty() {
                h2 { (ctx.t("reg-update-title")) }
                p.muted { (ctx.t("reg-update-hint")) }
                form.card.form method="post" action={ (base(reg)) "/update" } {
                    input type="hidden" name=(reg.key) value=(form.key.trim());
                    @for key in owned.iter() {
                        @let current = view.fields.iter().find(|f| f.field == *key).map(|f| f.value.clone()).unwrap_or_default();
                        label for={ "u-" (key) } { (field_label(ctx, key)) }
                        input id={ "u-" (key) } name=(key) value=(current);
                    }
                    label for="u-reference" { (ctx.t("reg-form-reference")) }
                    input id="u-reference" name="reference" required;
                    p { button type="submit" { (ctx.t("reg-update")) } }
                }
            }
            @if observer {
                (crate::checks::observe_markup(ctx, reg, key, &reg.fields.iter().map(|f| f.key).filter(|k| !owned.contains(k)).collect::<Vec<_>>()))
            }
        }
    };
    (status, page(ctx, &title, body)).into_response()
}

async fn persons_form(o: Official, ctx: Ctx) -> Result<Response, PageError> {
    lookup_form(&PERSONS, o, ctx)
}

async fn entities_form(o: Official, ctx: Ctx) -> Result<Response, PageError> {
    lookup_form(&ENTITY_REGISTER, o, ctx)
}

fn lookup_form(reg: &'static Register, _: Official, ctx: Ctx) -> Result<Response, PageError> {
    Ok(lookup_view(
        &ctx,
        reg,
        false,
        &Lookup::default(),
        None,
        None,
        None,
        StatusCode::OK,
    ))
}

/// The key a form names, as the register stores it; or why it is not one. An entity may be
/// named by any of its legacy codes.
async fn key_of(state: &AppState, reg: &Register, text: &str) -> Result<String, Message> {
    crate::lookup::key(&state.db, reg, text)
        .await
        .map_err(crate::lookup::first_problem)
}

async fn show(
    state: &AppState,
    ctx: &Ctx,
    reg: &'static Register,
    o: &Official,
    form: &Lookup,
    outcome: Option<Result<String, String>>,
) -> Result<Response, PageError> {
    let (reader, _) = crate::acting::official(&state.db, &o.0, ctx.lang).await?;
    let key = match key_of(state, reg, &form.key).await {
        Ok(k) => k,
        Err(m) => {
            return Ok(lookup_view(
                ctx,
                reg,
                false,
                form,
                Some((reg.key, ctx.fmt(&m))),
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    match crate::lookup::read(&state.db, reg, &key, &reader, &form.purpose).await {
        Ok(view) => {
            let owned = reg.owned_by(reader.department_kind.as_deref(), &key);
            Ok(lookup_view(
                ctx,
                reg,
                reader.department_kind.is_some(),
                form,
                None,
                Some((&view, &owned, &key)),
                outcome,
                StatusCode::OK,
            ))
        }
        Err(RegistryError::NoPurpose) => Ok(lookup_view(
            ctx,
            reg,
            false,
            form,
            Some(("purpose", ctx.t("reg-purpose-missing"))),
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(RegistryError::NotFound) => Ok(lookup_view(
            ctx,
            reg,
            false,
            form,
            Some((reg.key, ctx.t("reg-not-found"))),
            None,
            None,
            StatusCode::NOT_FOUND,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn persons_lookup(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<Lookup>,
) -> Result<Response, PageError> {
    show(&state, &ctx, &PERSONS, &o, &form, None).await
}

async fn entities_lookup(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<Lookup>,
) -> Result<Response, PageError> {
    show(&state, &ctx, &ENTITY_REGISTER, &o, &form, None).await
}

async fn persons_update(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    update(&PERSONS, o, state, ctx, form).await
}

async fn entities_update(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    update(&ENTITY_REGISTER, o, state, ctx, form).await
}

async fn update(
    reg: &'static Register,
    o: Official,
    state: AppState,
    ctx: Ctx,
    form: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (source, _) = crate::acting::source(&state.db, &o.principal(), "").await?;
    let key = key_of(&state, reg, &get(reg.key))
        .await
        .map_err(|m| PageError::new(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &m))?;
    let reference = get("reference");
    let lookup = Lookup {
        key: key.clone(),
        purpose: ctx
            .kept(&Message::new("reg-purpose-after-update").arg("reference", reference.as_str())),
    };
    if reference.is_empty() {
        return show(
            &state,
            &ctx,
            reg,
            &o,
            &lookup,
            Some(Err(ctx.t("reg-reference-missing"))),
        )
        .await;
    }
    // Only what the page offered: the department's own fields (a forged field is refused
    // by the service all the same).
    let changes: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| k != reg.key && k != "reference")
        .cloned()
        .collect();
    let source = Source {
        reference: reference.clone(),
        ..source
    };
    let outcome = match record::update(&state.db, reg, &key, &changes, &source).await {
        Ok(n) => Ok(ctx.fmt(&Message::new("reg-updated-n").arg("count", n as i64))),
        Err(RegistryError::Invalid(problems)) => Err(problems
            .iter()
            .map(|(f, m)| format!("{}: {}", field_label(&ctx, f), ctx.fmt(m)))
            .collect::<Vec<_>>()
            .join("; ")),
        Err(e) => return Err(PageError::from(e)),
    };
    show(&state, &ctx, reg, &o, &lookup, Some(outcome)).await
}

async fn mine(c: Citizen, State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let account = &c.0.account;
    let title = ctx.t("reg-mine-title");
    let Some(id) = account.person_id else {
        return Ok(page(
            &ctx,
            &title,
            html! { h1 { (title) } p { (ctx.t("reg-not-found")) } },
        )
        .into_response());
    };
    let Some(reader) = crate::acting::own(&c.0, ctx.lang) else {
        return Err(PageError::from(RegistryError::NotFound));
    };
    let view = match population::read(&state.db, &id, &reader, &ctx.t("reg-purpose-own")).await {
        Ok(v) => Some(v),
        Err(RegistryError::NotFound) => None,
        Err(e) => return Err(PageError::from(e)),
    };
    let reads = population::reads_of(&state.db, &id, 100).await?;
    let others: Vec<_> = reads
        .iter()
        .filter(|r| r.reader_name != reader.name || r.purpose != ctx.t("reg-purpose-own"))
        .collect();
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @match &view {
                Some(v) => (record(&ctx, &PERSONS, v)),
                None => p { (ctx.t("reg-not-found")) },
            }
            h2 { (ctx.t("reg-reads-title")) }
            @if others.is_empty() { p { (ctx.t("reg-reads-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("reg-read-when")) } th { (ctx.t("reg-read-who")) } th { (ctx.t("reg-read-why")) } } }
                    tbody { @for r in &others { tr {
                        td { (ui::layout::at(&ctx, &r.at)) }
                        td { (r.reader_name) }
                        td { (ctx.stored(&r.purpose)) }
                    } } }
                } }
            }
        },
    )
    .into_response())
}
