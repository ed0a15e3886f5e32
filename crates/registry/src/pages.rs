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
        .route(
            "/registry/persons/names",
            axum::routing::post(persons_names),
        )
        .route(
            "/registry/entities/names",
            axum::routing::post(entities_names),
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
    /// Picked from a name search: the key is not shown in the lookup form.
    #[serde(skip)]
    picked: bool,
}

fn base(reg: &Register) -> &'static str {
    if reg.name == PERSONS.name {
        "/registry/persons"
    } else {
        "/registry/entities"
    }
}

/// The name search's empty form.
fn blank_name_search(ctx: &Ctx, reg: &Register) -> Markup {
    name_search(
        ctx,
        reg,
        &NameForm::default(),
        None,
        None,
        &Default::default(),
    )
}

/// The lookup page refusing what `form` asked, with `message` at `field`.
fn refused_lookup(
    ctx: &Ctx,
    reg: &'static Register,
    form: &Lookup,
    field: &str,
    message: String,
    status: StatusCode,
) -> Response {
    let names = blank_name_search(ctx, reg);
    lookup_view(
        ctx,
        reg,
        false,
        form,
        Some((field, message)),
        None,
        None,
        status,
        names,
    )
}

/// A labelled text input (id `{form}-{name}`) with the error `error` names it by, tied to it
/// for screen readers.
fn text_input(
    form: &str,
    name: &str,
    label: &str,
    value: &str,
    error: &Option<(&str, String)>,
) -> Markup {
    let id = format!("{form}-{name}");
    let e = error.as_ref().filter(|(f, _)| *f == name).map(|(_, m)| m);
    html! {
        label for=(id) { (label) }
        input id=(id) name=(name) value=(value) autocomplete="off"
            aria-invalid=[e.is_some().then_some("true")]
            aria-describedby=[e.is_some().then(|| format!("{id}-error"))];
        @if let Some(e) = e { p.field-error id={ (id) "-error" } { (e) } }
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
    names: Markup,
) -> Response {
    let title = ctx.t(&format!("reg-lookup-title-{}", reg.name));
    let input = |name: &str, value: &str| {
        let label = ctx.t(&format!("reg-form-{name}"));
        text_input("f", name, &label, value, &error)
    };
    let body = html! {
        h1 { (title) }
        p { (ctx.t("reg-lookup-intro")) }
        (outcome_notice(&outcome))
        form.card.form method="post" action=(base(reg)) {
            (input(reg.key, if form.picked { "" } else { &form.key }))
            (input("purpose", &ctx.stored(&form.purpose)))
            p { button type="submit" { (ctx.t("reg-lookup")) } }
        }
        (names)
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
        blank_name_search(&ctx, reg),
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
            return Ok(refused_lookup(
                ctx,
                reg,
                form,
                reg.key,
                ctx.fmt(&m),
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
                blank_name_search(ctx, reg),
            ))
        }
        Err(RegistryError::NoPurpose) => Ok(refused_lookup(
            ctx,
            reg,
            form,
            "purpose",
            ctx.t("reg-purpose-missing"),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(RegistryError::NotFound) => Ok(refused_lookup(
            ctx,
            reg,
            form,
            reg.key,
            ctx.t("reg-not-found"),
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
        picked: false,
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

/// The name search form (`/registry/{persons,entities}/names`): a name as people type it, the
/// purpose, and (to read one record found in full) the record picked from the list.
#[derive(Debug, Default, Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    pick: String,
}

/// The name search: its form, what it found and a button to read each record in full.
fn name_search(
    ctx: &Ctx,
    reg: &Register,
    form: &NameForm,
    error: Option<(&str, String)>,
    found: Option<(&crate::names::Found, &str)>,
    places: &std::collections::HashMap<String, String>,
) -> Markup {
    let action = format!("{}/names", base(reg));
    let input =
        |name: &str, label: String, value: &str| text_input("n", name, &label, value, &error);
    let division = |code: &str| places.get(code).map_or(code, String::as_str).to_owned();
    html! {
        section aria-labelledby="names-title" {
            h2 #names-title { (ctx.t("reg-name-search-title")) }
            p.muted { (ctx.t(&format!("reg-name-search-hint-{}", reg.name))) }
            form.card.form method="post" action=(action) {
                (input("name", ctx.t(&format!("reg-name-search-name-{}", reg.name)), &form.name))
                (input("purpose", ctx.t("reg-form-purpose"), &ctx.stored(&form.purpose)))
                p { button type="submit" { (ctx.t("reg-name-search")) } }
            }
            @if let Some((found, secret)) = found {
                @if let Some(read_as) = &found.read_as {
                    p { (ctx.fmt(&Message::new(match found.via {
                        crate::names::Via::Wylie => "reg-name-search-read-wylie",
                        _ => "reg-name-search-read-sound",
                    }).arg("read", read_as.as_str()))) }
                }
                @if found.matches.is_empty() {
                    p role="status" { (ctx.t("reg-name-search-none")) }
                } @else {
                    p role="status" { (ctx.fmt(&Message::new("reg-name-search-count").arg("count", found.matches.len() as i64))) }
                    div.table-wrap { table {
                        thead { tr {
                            th { (ctx.t(key_label(reg))) }
                            th { (ctx.t("reg-name-search-names")) }
                            th { (ctx.t(&format!("reg-name-search-detail-{}", reg.name))) }
                            th { (ctx.t("reg-name-search-division")) }
                            th { span.visually-hidden { (ctx.t("reg-name-search-read")) } }
                        } }
                        tbody { @for m in in_reading_order(ctx, &found.matches) { tr {
                            td { code { (m.key) } }
                            td { @for (i, n) in m.names.iter().filter(|n| !n.is_empty()).enumerate() {
                                @if i > 0 { br; }
                                @if n.chars().any(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c)) { span lang="bo" { (n) } } @else { span lang="zh" { (n) } }
                            } }
                            td { @if reg.name == PERSONS.name { (m.detail) } @else { (ctx.t(&format!("reg-choice-{}", m.detail))) } }
                            td { (division(&m.division)) }
                            td { form method="post" action=(action) {
                                input type="hidden" name="name" value=(form.name);
                                input type="hidden" name="purpose" value=(form.purpose);
                                input type="hidden" name="pick" value=(m.pick(secret));
                                button type="submit" { (ctx.t("reg-name-search-read")) }
                            } }
                        } } }
                    } }
                    @if found.more { p.muted { (ctx.fmt(&Message::new("reg-name-search-more").arg("count", crate::names::SHOWN as i64))) } }
                }
            }
        }
    }
}

/// Records found by name, in the page's reading order (Tibetan dictionary order by the
/// Tibetan name on Tibetan pages, else by the Chinese name).
fn in_reading_order<'a>(
    ctx: &Ctx,
    matches: &'a [crate::names::Match],
) -> Vec<&'a crate::names::Match> {
    fn tibetan(m: &crate::names::Match) -> &str {
        m.names.get(1).map_or("", String::as_str)
    }
    if ctx.lang == kernel::Lang::Bo && matches.iter().any(|m| !tibetan(m).is_empty()) {
        kernel::tibetan::sorted_by_name(matches.iter().collect(), |m| tibetan(m))
    } else {
        let mut all: Vec<&crate::names::Match> = matches.iter().collect();
        all.sort_by(|a, b| a.names.cmp(&b.names));
        all
    }
}

async fn persons_names(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<NameForm>,
) -> Result<Response, PageError> {
    names(&state, &ctx, &PERSONS, &o, &form).await
}

async fn entities_names(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<NameForm>,
) -> Result<Response, PageError> {
    names(&state, &ctx, &ENTITY_REGISTER, &o, &form).await
}

/// Searches by name, or reads in full the record picked from what a search found.
async fn names(
    state: &AppState,
    ctx: &Ctx,
    reg: &'static Register,
    o: &Official,
    form: &NameForm,
) -> Result<Response, PageError> {
    let (reader, _) = crate::acting::official(&state.db, &o.0, ctx.lang).await?;
    let secret = o.0.token_hash.as_str();
    let refused = |field: &str, message: String| {
        Ok(lookup_view(
            ctx,
            reg,
            false,
            &Lookup::default(),
            None,
            None,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            name_search(
                ctx,
                reg,
                form,
                Some((field, message)),
                None,
                &Default::default(),
            ),
        ))
    };
    let pick = form.pick.trim();
    let result = if pick.is_empty() {
        crate::names::search(&state.db, reg, &reader, &form.name, &form.purpose)
            .await
            .map(Ok)
    } else {
        crate::names::picked(
            &state.db,
            reg,
            &reader,
            &form.name,
            &form.purpose,
            secret,
            pick,
        )
        .await
        .map(Err)
    };
    let found = match result {
        Ok(Ok(found)) => found,
        // Picked: the record read in full, as a lookup by its key is.
        Ok(Err(key)) => {
            let lookup = Lookup {
                key,
                purpose: form.purpose.clone(),
                picked: true,
            };
            return show(state, ctx, reg, o, &lookup, None).await;
        }
        Err(RegistryError::Invalid(problems)) => {
            let message = problems
                .into_iter()
                .next()
                .map_or_else(|| ctx.t("reg-invalid"), |(_, m)| ctx.fmt(&m));
            return refused("name", message);
        }
        Err(RegistryError::NoPurpose) => {
            return refused("purpose", ctx.t("reg-purpose-missing"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut places = std::collections::HashMap::new();
    for m in &found.matches {
        if places.contains_key(&m.division) {
            continue;
        }
        if let Ok(code) = kernel::DivisionCode::parse(&m.division)
            && let Some(d) = org::service::division(&state.db, code).await?
        {
            let n = &d.names;
            places.insert(m.division.clone(), ctx.pick(&n.zh, &n.bo, &n.en).to_owned());
        }
    }
    Ok(lookup_view(
        ctx,
        reg,
        false,
        &Lookup::default(),
        None,
        None,
        None,
        StatusCode::OK,
        name_search(ctx, reg, form, None, Some((&found, secret)), &places),
    ))
}
