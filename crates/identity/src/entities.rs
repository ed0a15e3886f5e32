//! Acting for a legal entity: the legal representative claims the entity (checked against the
//! legal-entity registry), authorises agents (经办人) with an optional end date, and any of
//! them chooses, per session, to act for it. Nobody shares a password; every change is an
//! audit event.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::time_util::{format_date, parse_date};
use kernel::{CreditCode, Localize, Message, PersonId};
use maud::html;
use serde::Deserialize;
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::IdentityError;
use crate::guard::Citizen;
use crate::model::{MemberRole, Membership, Session};
use crate::store::{self, Identifier};

fn today(db: &Db) -> String {
    format_date(db.clock().today())
}

fn actor(session: &Session) -> String {
    format!("person:{}", session.account.id)
}

/// The account's standing with one entity today, if it may still act for it.
pub async fn membership(db: &Db, account: i64, entity: i64) -> Result<Option<Membership>, DbError> {
    let mut conn = db.pool().acquire().await?;
    Ok(store::memberships_of(&mut conn, account, &today(db))
        .await?
        .into_iter()
        .find(|m| m.entity.id == entity))
}

/// Claims an entity as its legal representative, as the registry records them.
pub async fn claim(
    db: &Db,
    session: &Session,
    credit_code: &str,
) -> Result<Membership, IdentityError> {
    let code = CreditCode::parse(credit_code)
        .map_err(|e| IdentityError::Invalid(vec![("credit_code", e.message())]))?;
    let person = session.account.person_id.ok_or(IdentityError::Forbidden)?;
    let mut tx = db.begin().await?;
    let Some((name, legal_rep)) = store::registry_entity(&mut tx, code.as_str()).await? else {
        return Err(IdentityError::NotLegalRepresentative);
    };
    if legal_rep != person.as_str() {
        return Err(IdentityError::NotLegalRepresentative);
    }
    let entity = match store::entity_by_code(&mut tx, code.as_str()).await? {
        Some(e) => e.id,
        None => store::insert_entity(&mut tx, code.as_str(), &name).await?,
    };
    store::put_member(
        &mut tx,
        entity,
        session.account.id,
        MemberRole::LegalRepresentative,
        None,
        session.account.id,
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor(session),
            action: "entity.claimed",
            subject: &format!("entity:{code}"),
            payload: serde_json::json!({ "role": "legal-representative" }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    store::memberships_of(&mut conn, session.account.id, &today(db))
        .await?
        .into_iter()
        .find(|m| m.entity.credit_code == code.as_str())
        .ok_or(IdentityError::NotLegalRepresentative)
}

async fn as_legal_rep(
    db: &Db,
    session: &Session,
    credit_code: &str,
) -> Result<Membership, IdentityError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    store::memberships_of(&mut conn, session.account.id, &today(db))
        .await?
        .into_iter()
        .find(|m| m.entity.credit_code == credit_code && m.role == MemberRole::LegalRepresentative)
        .ok_or(IdentityError::Forbidden)
}

/// The legal representative authorises a registered person as agent, until `expires_on`.
pub async fn add_agent(
    db: &Db,
    session: &Session,
    credit_code: &str,
    person_id: &str,
    expires_on: &str,
) -> Result<(), IdentityError> {
    let rep = as_legal_rep(db, session, credit_code).await?;
    let mut errors = Vec::new();
    let person = PersonId::parse(person_id)
        .map_err(|e| errors.push(("person_id", e.message())))
        .ok();
    let until = match expires_on.trim() {
        "" => None,
        d => match parse_date(d) {
            Some(date) if format_date(date) >= today(db) => Some(format_date(date)),
            Some(_) => {
                errors.push(("expires_on", Message::new("id-agent-past")));
                None
            }
            None => {
                errors.push((
                    "expires_on",
                    Message::new("calendar-bad-date").arg("field", "expires_on"),
                ));
                None
            }
        },
    };
    let Some(person) = person.filter(|_| errors.is_empty()) else {
        return Err(IdentityError::Invalid(errors));
    };
    let Some((agent, _)) = store::find_for_sign_in(db, &Identifier::PersonId(person)).await? else {
        return Err(IdentityError::NoSuchPerson);
    };
    if agent.id == session.account.id {
        return Err(IdentityError::Invalid(vec![(
            "person_id",
            Message::new("id-agent-self"),
        )]));
    }
    let mut tx = db.begin().await?;
    store::put_member(
        &mut tx,
        rep.entity.id,
        agent.id,
        MemberRole::Agent,
        until.as_deref(),
        session.account.id,
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor(session),
            action: "entity.agent_added",
            subject: &format!("entity:{credit_code}"),
            payload: serde_json::json!({ "agent": agent.id, "until": until }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The legal representative withdraws an agent's authorisation.
pub async fn remove_agent(
    db: &Db,
    session: &Session,
    credit_code: &str,
    agent: i64,
) -> Result<bool, IdentityError> {
    let rep = as_legal_rep(db, session, credit_code).await?;
    let mut tx = db.begin().await?;
    let done = store::remove_member(&mut tx, rep.entity.id, agent).await?;
    if done {
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor(session),
                action: "entity.agent_removed",
                subject: &format!("entity:{credit_code}"),
                payload: serde_json::json!({ "agent": agent }),
            },
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(done)
}

/// Chooses the entity this session acts for (or none).
pub async fn act_for(
    db: &Db,
    session: &Session,
    credit_code: Option<&str>,
) -> Result<(), IdentityError> {
    let mut tx = db.begin().await?;
    let entity = match credit_code {
        None => None,
        Some(code) => Some(
            store::memberships_of(&mut tx, session.account.id, &today(db))
                .await?
                .into_iter()
                .find(|m| m.entity.credit_code == code)
                .ok_or(IdentityError::Forbidden)?
                .entity,
        ),
    };
    store::set_acting_for(&mut tx, &session.token_hash, entity.as_ref().map(|e| e.id)).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor(session),
            action: "session.acting_for",
            subject: &format!("account:{}", session.account.id),
            payload: serde_json::json!({ "entity": entity.map(|e| e.credit_code) }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/entities", get(list))
        .route("/me/entities/claim", post(claim_page))
        .route("/me/entities/act-for", post(act_for_page))
        .route("/me/entities/{code}", get(detail))
        .route("/me/entities/{code}/agents", post(add_agent_page))
        .route("/me/entities/{code}/agents/remove", post(remove_agent_page))
}

fn role_text(ctx: &Ctx, m: &Membership) -> String {
    match (&m.role, &m.expires_on) {
        (MemberRole::LegalRepresentative, _) => ctx.t("id-role-legal-rep"),
        (MemberRole::Agent, None) => ctx.t("id-role-agent"),
        (MemberRole::Agent, Some(d)) => {
            ctx.fmt(&Message::new("id-role-agent-until").arg("date", d.as_str()))
        }
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut conn = state.db.pool().acquire().await.map_err(db::DbError::from)?;
    let list = store::memberships_of(&mut conn, session.account.id, &today(&state.db)).await?;
    let title = ctx.t("id-entities-title");
    let body = html! {
        h1 { (title) }
        (ui::layout::outcome_notice(&outcome))
        @if let Some(m) = &session.acting_for {
            p.notice.ok { (ctx.fmt(&Message::new("id-acting-for").arg("name", m.entity.name.as_str()))) }
            form method="post" action="/me/entities/act-for" { p { button type="submit" { (ctx.t("id-act-for-self")) } } }
        }
        @if list.is_empty() { p { (ctx.t("id-entities-none")) } }
        @for m in &list {
            article.card {
                h2 { (m.entity.name) }
                p { code { (m.entity.credit_code) } " · " (role_text(ctx, m)) }
                form method="post" action="/me/entities/act-for" {
                    input type="hidden" name="credit_code" value=(m.entity.credit_code);
                    button type="submit" { (ctx.t("id-act-for")) }
                }
                @if m.role == MemberRole::LegalRepresentative { p { a href={ "/me/entities/" (m.entity.credit_code) } { (ctx.t("id-manage-agents")) } } }
            }
        }
        h2 { (ctx.t("id-claim-title")) }
        form.card.form method="post" action="/me/entities/claim" {
            label for="f-credit_code" { (ctx.t("id-field-credit_code")) }
            input id="f-credit_code" name="credit_code" required autocomplete="off" aria-describedby="f-credit_code-hint";
            p.muted id="f-credit_code-hint" { (ctx.t("id-claim-hint")) }
            p { button type="submit" { (ctx.t("id-claim")) } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
) -> Result<Response, PageError> {
    list_page(&state, &ctx, &session, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    credit_code: String,
}

async fn claim_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    ui::PageForm(form): ui::PageForm<CodeForm>,
) -> Result<Response, PageError> {
    match claim(&state.db, &session, &form.credit_code).await {
        Ok(m) => {
            list_page(
                &state,
                &ctx,
                &session,
                Some(Ok(ctx.fmt(
                    &Message::new("id-claimed").arg("name", m.entity.name.as_str()),
                ))),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (IdentityError::Invalid(_) | IdentityError::NotLegalRepresentative)) => {
            list_page(
                &state,
                &ctx,
                &session,
                Some(Err(e.as_line(&ctx))),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn act_for_page(
    State(state): State<AppState>,
    Citizen(session): Citizen,
    ui::PageForm(form): ui::PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let code = Some(form.credit_code.trim()).filter(|c| !c.is_empty());
    act_for(&state.db, &session, code).await?;
    Ok(Redirect::to("/me").into_response())
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    code: &str,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let rep = as_legal_rep(&state.db, session, code).await?;
    let mut conn = state.db.pool().acquire().await.map_err(db::DbError::from)?;
    let members = store::members_of(&mut conn, rep.entity.id).await?;
    let title = rep.entity.name.clone();
    let body = html! {
        h1 { (title) }
        p { code { (rep.entity.credit_code) } }
        (ui::layout::outcome_notice(&outcome))
        h2 { (ctx.t("id-agents")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("id-field-name")) } th { (ctx.t("id-field-person_id")) } th { (ctx.t("id-member-role")) } th { span.visually-hidden { (ctx.t("id-session-action")) } } } }
            tbody { @for m in &members { tr {
                td { (if (ctx.lang == kernel::Lang::Bo || m.name_zh.is_empty()) && !m.name_bo.is_empty() { &m.name_bo } else { &m.name_zh }) }
                td { (m.person_id.as_deref().and_then(|p| PersonId::parse(p).ok()).map(|p| p.masked()).unwrap_or_default()) }
                td { @match (&m.role, &m.expires_on) {
                    (MemberRole::LegalRepresentative, _) => { (ctx.t("id-role-legal-rep")) }
                    (MemberRole::Agent, None) => { (ctx.t("id-role-agent")) }
                    (MemberRole::Agent, Some(d)) => { (ctx.fmt(&Message::new("id-role-agent-until").arg("date", d.as_str()))) }
                } }
                td { @if m.role == MemberRole::Agent {
                    form method="post" action={ "/me/entities/" (rep.entity.credit_code) "/agents/remove" } {
                        input type="hidden" name="agent" value=(m.account);
                        button type="submit" { (ctx.t("id-agent-remove")) }
                    }
                } }
            } } }
        } }
        h2 { (ctx.t("id-agent-add")) }
        form.card.form method="post" action={ "/me/entities/" (rep.entity.credit_code) "/agents" } {
            label for="f-person_id" { (ctx.t("id-field-person_id")) }
            input id="f-person_id" name="person_id" required autocomplete="off";
            label for="f-expires_on" { (ctx.t("id-field-expires_on")) }
            input id="f-expires_on" name="expires_on" type="date" aria-describedby="f-expires_on-hint";
            p.muted id="f-expires_on-hint" { (ctx.t("id-agent-expiry-hint")) }
            p { button type="submit" { (ctx.t("id-agent-add")) } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, &session, &code, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
struct AgentForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    expires_on: String,
}

async fn add_agent_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<AgentForm>,
) -> Result<Response, PageError> {
    match add_agent(
        &state.db,
        &session,
        &code,
        &form.person_id,
        &form.expires_on,
    )
    .await
    {
        Ok(()) => {
            detail_page(
                &state,
                &ctx,
                &session,
                &code,
                Some(Ok(ctx.t("id-agent-added"))),
                StatusCode::OK,
            )
            .await
        }
        Err(e @ (IdentityError::Invalid(_) | IdentityError::NoSuchPerson)) => {
            detail_page(
                &state,
                &ctx,
                &session,
                &code,
                Some(Err(e.as_line(&ctx))),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
struct RemoveForm {
    #[serde(default)]
    agent: i64,
}

async fn remove_agent_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<RemoveForm>,
) -> Result<Response, PageError> {
    let done = remove_agent(&state.db, &session, &code, form.agent).await?;
    let msg = ctx.t(if done {
        "id-agent-removed"
    } else {
        "id-agent-gone"
    });
    detail_page(&state, &ctx, &session, &code, Some(Ok(msg)), StatusCode::OK).await
}
