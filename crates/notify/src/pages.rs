//! Notification pages, thin over `service`:
//!
//! - `/me/messages` — a person's messages on every channel, with how each went;
//! - `/me/messages/preferences` — language, channels, email address, quiet hours;
//! - `/console/notify` — the operators' view: messages by channel and state, the failed ones;
//! - `/console/notify/templates/{event}` — an event's template versions, a new version
//!   previewed before it is kept;
//! - `/console/notify/webhooks` — systems subscribed to events.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::{Official, Principal, SignedIn};
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{at, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{MessageState, NotifyError, OutMessage, Text};
use crate::service::{self, PreferencesForm, templates, webhooks};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/messages", get(history))
        .route(
            "/me/messages/preferences",
            get(preferences).post(save_preferences),
        )
        .route("/console/notify", get(console))
        .route(
            "/console/notify/templates/{event}",
            get(template).post(template_post),
        )
        .route("/console/notify/webhooks", get(hooks).post(add_hook))
        .route("/console/notify/webhooks/{id}/stop", post(stop_hook))
}

fn problems_part(ctx: &Ctx, problems: &[(String, Message)]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.notice.error role="alert" { ul { @for (field, m) in problems {
                li { code { (field) } " " (ctx.fmt(m)) }
            } } }
        }
    }
}

fn state_label(ctx: &Ctx, s: MessageState) -> String {
    ctx.t(&format!("notify-state-{}", s.key()))
}

fn messages_table(ctx: &Ctx, list: &[OutMessage]) -> Markup {
    html! {
        table {
            thead { tr {
                th { (ctx.t("notify-at")) } th { (ctx.t("notify-channel")) } th { (ctx.t("notify-subject")) }
                th { (ctx.t("notify-state")) } th { (ctx.t("notify-outcome")) }
            } }
            tbody { @for m in list { tr {
                td { (at(ctx, &m.created_at)) }
                td { (ctx.t(&format!("notify-channel-{}", m.channel.key()))) }
                td {
                    @if m.link.is_empty() { strong { (m.subject) } } @else { a href=(m.link) { strong { (m.subject) } } }
                    br; span.muted { (m.body) }
                }
                td { (state_label(ctx, m.state)) @if m.attempts > 1 { " (" (m.attempts) ")" } }
                td { (m.outcome) }
            } } }
        }
    }
}

async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
) -> Result<Markup, PageError> {
    let by = Principal::account(s);
    let list = service::history(&state.db, &by, 200).await?;
    let title = ctx.t("notify-history-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { a href="/me/messages/preferences" { (ctx.t("notify-preferences-title")) } }
            @if list.is_empty() { p { (ctx.t("notify-history-none")) } } @else { (messages_table(&ctx, &list)) }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct PrefsForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    email_on: Option<String>,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_until: String,
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn preferences_page(
    ctx: &Ctx,
    f: &PreferencesForm,
    problems: &[(String, Message)],
    saved: bool,
) -> Markup {
    let title = ctx.t("notify-preferences-title");
    let langs = [
        ("zh+bo", "notify-lang-zh-bo"),
        ("bo", "notify-lang-bo"),
        ("zh", "notify-lang-zh"),
        ("en", "notify-lang-en"),
    ];
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if saved { p.notice.ok role="status" { (ctx.t("notify-preferences-saved")) } }
            (problems_part(ctx, problems))
            form.card.form method="post" action="/me/messages/preferences" {
                label for="f-lang" { (ctx.t("notify-lang")) }
                select #f-lang name="lang" { @for (v, k) in langs {
                    option value=(v) selected[f.lang == v] { (ctx.t(k)) }
                } }
                p { label { input type="checkbox" name="sms" value="on" checked[f.sms]; " " (ctx.t("notify-sms-on")) } }
                label for="f-email" { (ctx.t("notify-email")) }
                input #f-email name="email" type="email" autocomplete="email" value=(f.email);
                p { label { input type="checkbox" name="email_on" value="on" checked[f.email_on]; " " (ctx.t("notify-email-on")) } }
                fieldset {
                    legend { (ctx.t("notify-quiet")) }
                    p.muted { (ctx.t("notify-quiet-hint")) }
                    label for="f-qf" { (ctx.t("notify-quiet-from")) }
                    input #f-qf name="quiet_from" type="time" value=(f.quiet_from);
                    label for="f-qu" { (ctx.t("notify-quiet-until")) }
                    input #f-qu name="quiet_until" type="time" value=(f.quiet_until);
                }
                p { button type="submit" { (ctx.t("notify-save")) } }
            }
            p { a href="/me/messages" { (ctx.t("notify-history-title")) } }
        },
    )
}

async fn preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
) -> Result<Markup, PageError> {
    let p = service::preferences(&state.db, &Principal::account(s)).await?;
    let f = PreferencesForm {
        lang: p.tongue.key().to_owned(),
        sms: p.sms,
        email: p.email.unwrap_or_default(),
        email_on: p.email_on,
        quiet_from: p.quiet.map(|(f, _)| hhmm(f)).unwrap_or_default(),
        quiet_until: p.quiet.map(|(_, u)| hhmm(u)).unwrap_or_default(),
    };
    Ok(preferences_page(&ctx, &f, &[], false))
}

async fn save_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    ui::PageForm(form): ui::PageForm<PrefsForm>,
) -> Result<Response, PageError> {
    let f = PreferencesForm {
        lang: form.lang,
        sms: form.sms.is_some(),
        email: form.email,
        email_on: form.email_on.is_some(),
        quiet_from: form.quiet_from,
        quiet_until: form.quiet_until,
    };
    match service::set_preferences(&state.db, &Principal::account(s), &f).await {
        Ok(_) => Ok(preferences_page(&ctx, &f, &[], true).into_response()),
        Err(NotifyError::Invalid(p)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            preferences_page(&ctx, &f, &p, false),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
) -> Result<Markup, PageError> {
    let by = o.principal();
    let all = templates::all(&state.db, &by).await?;
    let (tally, failed) = service::operations(&state.db, &by).await?;
    let title = ctx.t("notify-console-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            h2 { (ctx.t("notify-tally")) }
            table {
                thead { tr { th { (ctx.t("notify-channel")) } th { (ctx.t("notify-state")) } th { (ctx.t("notify-count")) } } }
                tbody { @for (c, s, n) in &tally.rows { tr {
                    td { (ctx.t(&format!("notify-channel-{}", c.key()))) } td { (state_label(&ctx, *s)) } td { (n) }
                } } }
            }
            h2 { (ctx.t("notify-templates")) }
            table {
                thead { tr { th { (ctx.t("notify-event")) } th { (ctx.t("notify-version")) } th { (ctx.t("notify-subject")) } } }
                tbody { @for (spec, t) in &all { tr {
                    td { a href={ "/console/notify/templates/" (spec.key) } { code { (spec.key) } } @if spec.urgent { " " span.badge { (ctx.t("notify-urgent")) } } }
                    td { (t.version) }
                    td { (t.text(ctx.lang).subject) }
                } } }
            }
            p { a href="/console/notify/webhooks" { (ctx.t("notify-webhooks")) } }
            h2 { (ctx.t("notify-failed")) }
            @if failed.is_empty() { p { (ctx.t("notify-failed-none")) } } @else { (messages_table(&ctx, &failed)) }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct TemplateForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    zh_subject: String,
    #[serde(default)]
    zh_body: String,
    #[serde(default)]
    bo_subject: String,
    #[serde(default)]
    bo_body: String,
    #[serde(default)]
    en_subject: String,
    #[serde(default)]
    en_body: String,
}

impl TemplateForm {
    fn texts(&self) -> [Text; 3] {
        let t = |s: &str, b: &str| Text {
            subject: s.to_owned(),
            body: b.to_owned(),
        };
        [
            t(&self.zh_subject, &self.zh_body),
            t(&self.bo_subject, &self.bo_body),
            t(&self.en_subject, &self.en_body),
        ]
    }
}

/// What a template page shows after a post: problems, a preview, or the version kept.
#[derive(Default)]
struct Shown {
    problems: Vec<(String, Message)>,
    preview: Vec<(kernel::Lang, String, String)>,
    saved: Option<i64>,
}

async fn template_page(
    ctx: &Ctx,
    state: &AppState,
    by: &Principal,
    key: &str,
    form: Option<&TemplateForm>,
    shown: Shown,
) -> Result<Markup, PageError> {
    let Shown {
        problems,
        preview,
        saved,
    } = shown;
    let (spec, versions) = templates::versions(&state.db, by, key).await?;
    let current = versions.first().cloned().unwrap_or_else(|| spec.builtin());
    let filled = form.map_or_else(
        || TemplateForm {
            zh_subject: current.zh.subject.clone(),
            zh_body: current.zh.body.clone(),
            bo_subject: current.bo.subject.clone(),
            bo_body: current.bo.body.clone(),
            en_subject: current.en.subject.clone(),
            en_body: current.en.body.clone(),
            ..TemplateForm::default()
        },
        |f| TemplateForm {
            action: String::new(),
            note: f.note.clone(),
            zh_subject: f.zh_subject.clone(),
            zh_body: f.zh_body.clone(),
            bo_subject: f.bo_subject.clone(),
            bo_body: f.bo_body.clone(),
            en_subject: f.en_subject.clone(),
            en_body: f.en_body.clone(),
        },
    );
    let title = format!("{} · {key}", ctx.t("notify-template-title"));
    let langs: [(&str, &str, &String, &String); 3] = [
        ("zh", "notify-lang-zh", &filled.zh_subject, &filled.zh_body),
        ("bo", "notify-lang-bo", &filled.bo_subject, &filled.bo_body),
        ("en", "notify-lang-en", &filled.en_subject, &filled.en_body),
    ];
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("notify-vars")) " " @for v in &spec.vars { code { "{" (v) "}" } " " } }
            @if let Some(v) = saved { p.notice.ok role="status" { (ctx.fmt(&Message::new("notify-template-saved").arg("version", v))) } }
            (problems_part(ctx, &problems))
            @if !preview.is_empty() {
                section.card aria-label=(ctx.t("notify-preview")) {
                    h2 { (ctx.t("notify-preview")) }
                    @for (l, s, b) in preview {
                        p lang=(l.code()) { strong { (s) } br; (b) }
                    }
                }
            }
            form.card.form method="post" action={ "/console/notify/templates/" (key) } {
                @for (code, label, s, b) in langs {
                    fieldset lang=(code) {
                        legend { (ctx.t(label)) }
                        label for={ "f-" (code) "-s" } { (ctx.t("notify-subject")) }
                        input id={ "f-" (code) "-s" } name={ (code) "_subject" } value=(s);
                        label for={ "f-" (code) "-b" } { (ctx.t("notify-body")) }
                        textarea id={ "f-" (code) "-b" } name={ (code) "_body" } rows="3" { (b) }
                    }
                }
                label for="f-note" { (ctx.t("notify-note")) }
                input #f-note name="note" value=(filled.note);
                p {
                    button type="submit" name="action" value="preview" { (ctx.t("notify-preview")) } " "
                    button type="submit" name="action" value="save" { (ctx.t("notify-save-version")) }
                }
            }
            h2 { (ctx.t("notify-versions")) }
            table {
                thead { tr { th { (ctx.t("notify-version")) } th { (ctx.t("notify-at")) } th { (ctx.t("notify-by")) } th { (ctx.t("notify-note")) } th { (ctx.t("notify-subject")) } } }
                tbody { @for t in &versions { tr {
                    td { (t.version) } td { @if !t.created_at.is_empty() { (at(ctx, &t.created_at)) } } td { (t.created_by) } td { (t.note) } td { (t.text(ctx.lang).subject) }
                } } }
            }
        },
    ))
}

async fn template(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(key): Path<String>,
) -> Result<Markup, PageError> {
    template_page(&ctx, &state, &o.principal(), &key, None, Shown::default()).await
}

async fn template_post(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(key): Path<String>,
    ui::PageForm(form): ui::PageForm<TemplateForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let outcome = if form.action == "save" {
        templates::save(&state.db, &by, &key, form.texts(), &form.note)
            .await
            .map(|v| Shown {
                saved: Some(v),
                ..Shown::default()
            })
    } else {
        templates::preview(&state.db, &by, &key, form.texts())
            .await
            .map(|preview| Shown {
                preview,
                ..Shown::default()
            })
    };
    match outcome {
        Ok(shown) => Ok(template_page(&ctx, &state, &by, &key, Some(&form), shown)
            .await?
            .into_response()),
        Err(NotifyError::Invalid(problems)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            template_page(
                &ctx,
                &state,
                &by,
                &key,
                Some(&form),
                Shown {
                    problems,
                    ..Shown::default()
                },
            )
            .await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct HookForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: String,
}

fn hooks_page(
    ctx: &Ctx,
    list: &[crate::model::Webhook],
    f: &HookForm,
    problems: &[(String, Message)],
    secret: Option<&str>,
) -> Markup {
    let title = ctx.t("notify-webhooks");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("notify-webhooks-intro")) }
            @if let Some(s) = secret { p.notice.ok role="status" { (ctx.t("notify-webhook-secret")) " " code { (s) } } }
            (problems_part(ctx, problems))
            table {
                thead { tr { th { "#" } th { (ctx.t("notify-webhook-client")) } th { "URL" } th { (ctx.t("notify-event")) } th {} } }
                tbody { @for h in list { tr {
                    td { (h.id) } td { (h.client_id) } td { code { (h.url) } } td { (h.events.join(" ")) }
                    td { @if h.active {
                        form method="post" action={ "/console/notify/webhooks/" (h.id) "/stop" } { button type="submit" { (ctx.t("notify-webhook-stop")) } }
                    } @else { (ctx.t("notify-webhook-stopped")) } }
                } } }
            }
            form.card.form method="post" action="/console/notify/webhooks" {
                label for="f-client" { (ctx.t("notify-webhook-client")) }
                input #f-client name="client_id" value=(f.client_id) required;
                label for="f-url" { "URL" }
                input #f-url name="url" type="url" value=(f.url) required;
                label for="f-events" { (ctx.t("notify-webhook-events-label")) }
                input #f-events name="events" value=(f.events) placeholder="case-accepted pay-paid" required;
                p { button type="submit" { (ctx.t("notify-webhook-add")) } }
            }
        },
    )
}

async fn hooks(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Markup, PageError> {
    let list = webhooks::all(&state.db, &o.principal()).await?;
    Ok(hooks_page(&ctx, &list, &HookForm::default(), &[], None))
}

async fn add_hook(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageForm(f): ui::PageForm<HookForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    match webhooks::add(&state.db, &by, &f.client_id, &f.url, &f.events).await {
        Ok((_, secret)) => {
            let list = webhooks::all(&state.db, &by).await?;
            Ok(hooks_page(&ctx, &list, &HookForm::default(), &[], Some(&secret)).into_response())
        }
        Err(NotifyError::Invalid(p)) => {
            let list = webhooks::all(&state.db, &by).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                hooks_page(&ctx, &list, &f, &p, None),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn stop_hook(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Redirect, PageError> {
    webhooks::stop(&state.db, &o.principal(), id).await?;
    Ok(Redirect::to("/console/notify/webhooks"))
}
