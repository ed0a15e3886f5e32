//! Multi-source checks (多源校核) and batch updates.
//!
//! A department that holds a value it does not own reports it as an observation. Where it
//! agrees with the source it is kept as corroboration; where it disagrees the record is
//! flagged and the observation waits in the owning department's queue (`/registry/checks`)
//! until an official there keeps the source's value or adopts the observed one, which then
//! becomes a change like any other (reference `check:{id}`).
//!
//! A batch is a CSV file of updates from one department (`/registry/batches`): the register's
//! key, then one column per field. Every row is checked before anything is written; a batch
//! with any bad row changes nothing and names every bad row.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use db::{Db, DbError};
use identity::Official;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Localize, Message, PersonId};
use maud::html;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::fields::{ENTITY_REGISTER, PERSONS, Register};
use crate::record::{self, RegistryError, Source};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registry/checks", get(queue_page))
        .route("/registry/checks/{id}", post(resolve_form))
        .route("/registry/observations", post(observe_form))
        .route("/registry/batches", get(batch_page).post(batch_upload))
}

/// What became of an observation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// Disagreed with the source: flagged for the owner.
    pub flagged: usize,
    /// Agreed with the source.
    pub agreed: usize,
}

/// The division a record belongs to, for the owner's queue.
fn division_field(reg: &Register) -> &'static str {
    if reg.name == PERSONS.name {
        "household_division"
    } else {
        "division"
    }
}

/// Reports values of fields the source does not own. All or nothing: every field must exist,
/// every value be valid, and none be the source's own (that is an update).
pub async fn observe(
    db: &Db,
    reg: &Register,
    key: &str,
    observations: &[(String, String)],
    source: &Source,
) -> Result<Observed, RegistryError> {
    let checked = record::check(db, reg, key, observations, None).await?;
    let own: Vec<(String, Message)> = checked
        .iter()
        .filter(|(f, _)| reg.owner(f, key) == source.kind)
        .map(|(f, _)| (f.key.to_owned(), Message::new("reg-observe-own")))
        .collect();
    if !own.is_empty() {
        return Err(RegistryError::Invalid(own));
    }
    let mut tx = db.begin().await?;
    let current = record::values(&mut tx, reg, key)
        .await?
        .ok_or(RegistryError::NotFound)?
        .values;
    let at = format_instant(db.clock().now());
    let index = |k: &str| reg.fields.iter().position(|f| f.key == k).unwrap_or(0);
    let division = current[index(division_field(reg))].clone();
    let mut out = Observed::default();
    for (field, value) in &checked {
        let source_value = &current[index(field.key)];
        let status = if source_value == value {
            out.agreed += 1;
            "agreed"
        } else {
            out.flagged += 1;
            "open"
        };
        sqlx::query(
            "INSERT INTO registry_observations (registry, subject, field, owner, division, source_value, observed_value, \
             department, actor, reference, at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(reg.name)
        .bind(key)
        .bind(field.key)
        .bind(reg.owner(field, key))
        .bind(&division)
        .bind(source_value)
        .bind(value)
        .bind(&source.department)
        .bind(&source.actor)
        .bind(&source.reference)
        .bind(&at)
        .bind(status)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(out)
}

/// An observation waiting for its owner.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub id: i64,
    pub registry: String,
    pub subject: String,
    pub field: String,
    pub source_value: String,
    pub observed_value: String,
    pub department: String,
    pub reference: String,
    pub at: String,
}

/// The open observations of fields a department kind owns, in its division and below,
/// oldest first.
pub async fn queue(
    db: &Db,
    owner: &str,
    division: DivisionCode,
    limit: i64,
) -> Result<Vec<Observation>, DbError> {
    let rows = sqlx::query(
        "SELECT id, registry, subject, field, source_value, observed_value, department, reference, at \
         FROM registry_observations WHERE status = 'open' AND owner = $1 AND division LIKE $2 ORDER BY at, id LIMIT $3",
    )
    .bind(owner)
    .bind(format!("{}%", division.subtree_prefix()))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Observation {
                id: r.try_get("id")?,
                registry: r.try_get("registry")?,
                subject: r.try_get("subject")?,
                field: r.try_get("field")?,
                source_value: r.try_get("source_value")?,
                observed_value: r.try_get("observed_value")?,
                department: r.try_get("department")?,
                reference: r.try_get("reference")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// The owner's decision on an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The source's value stands.
    Keep,
    /// The source takes the observed value.
    Adopt,
}

/// Resolves an open observation; only the owning department may, and adopting changes the
/// record in the same transaction.
pub async fn resolve(
    db: &Db,
    id: i64,
    decision: Decision,
    note: &str,
    source: &Source,
) -> Result<(), RegistryError> {
    let mut tx = db.begin().await?;
    let row: Option<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT registry, subject, field, owner, observed_value FROM registry_observations WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let Some((registry, subject, field, owner, observed)) = row else {
        return Err(RegistryError::NotFound);
    };
    if owner != source.kind {
        return Err(RegistryError::invalid(
            &field,
            Message::new("reg-not-owner")
                .arg("field", field.as_str())
                .arg("owner", owner.as_str()),
        ));
    }
    let reg = Register::by_name(&registry).ok_or(RegistryError::NotFound)?;
    if !record::may_change(&mut tx, reg, &subject, source).await? {
        drop(tx);
        return record::refuse_change(db, reg, &subject, source).await;
    }
    if decision == Decision::Adopt {
        let f = reg.field(&field).ok_or(RegistryError::NotFound)?;
        let mut adopted = source.clone();
        adopted.reference = format!("check:{id}");
        let at = format_instant(db.clock().now());
        record::apply(&mut tx, reg, &subject, &[(f, observed)], &adopted, &at).await?;
    }
    sqlx::query(
        "UPDATE registry_observations SET status = $1, resolved_by = $2, resolved_at = $3, note = $4 WHERE id = $5",
    )
    .bind(match decision {
        Decision::Keep => "kept",
        Decision::Adopt => "adopted",
    })
    .bind(&source.actor)
    .bind(format_instant(db.clock().now()))
    .bind(note.trim())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// One bad row of a batch: its line, field and what is wrong.
#[derive(Debug, Clone)]
pub struct BatchProblem {
    pub line: usize,
    pub field: String,
    pub message: Message,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BatchDone {
    pub rows: usize,
    pub changed: usize,
}

/// A batch row that passed its checks: line, key, changes.
type CheckedRow = (usize, String, Vec<(&'static crate::fields::Field, String)>);

/// The most rows one batch may have.
pub const MAX_BATCH_ROWS: usize = 50_000;

/// Applies a CSV batch of updates from one department: the header names the register's key
/// and the fields; every row is checked first, and one bad row means nothing is written.
pub async fn batch(
    db: &Db,
    reg: &Register,
    text: &str,
    source: &Source,
) -> Result<BatchDone, Vec<BatchProblem>> {
    let problem = |line: usize, field: &str, message: Message| BatchProblem {
        line,
        field: field.to_owned(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(_) => return Err(vec![problem(1, "", Message::new("reg-batch-csv"))]),
    };
    if header.first().map(String::as_str) != Some(reg.key) || header.len() < 2 {
        return Err(vec![problem(
            1,
            "",
            Message::new("reg-batch-header").arg("key", reg.key),
        )]);
    }
    let mut problems = Vec::new();
    for name in &header[1..] {
        if reg.field(name).is_none() {
            problems.push(problem(
                1,
                name,
                Message::new("reg-field-unknown").arg("field", name.as_str()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows: Vec<CheckedRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                problems.push(problem(line, "", Message::new("reg-batch-csv")));
                continue;
            }
        };
        if rows.len() + problems.len() >= MAX_BATCH_ROWS {
            problems.push(problem(
                line,
                "",
                Message::new("reg-batch-too-long").arg("max", MAX_BATCH_ROWS as i64),
            ));
            break;
        }
        let key_text = record.get(0).unwrap_or("").trim();
        let key = if reg.name == PERSONS.name {
            PersonId::parse(key_text)
                .map(|id| id.as_str().to_owned())
                .map_err(|e| e.message())
        } else {
            kernel::CreditCode::parse(key_text)
                .map(|c| c.as_str().to_owned())
                .map_err(|e| e.message())
        };
        let key = match key {
            Ok(k) => k,
            Err(m) => {
                problems.push(problem(line, reg.key, m));
                continue;
            }
        };
        if let Some(first) = seen.insert(key.clone(), line) {
            problems.push(problem(
                line,
                reg.key,
                Message::new("reg-batch-repeated").arg("line", first as i64),
            ));
            continue;
        }
        let changes: Vec<(String, String)> = header[1..]
            .iter()
            .zip(record.iter().skip(1))
            .map(|(k, v)| (k.clone(), v.to_owned()))
            .collect();
        match record::check(db, reg, &key, &changes, Some(&source.kind)).await {
            Ok(checked) => {
                // An official's batch changes only records their work gives them business
                // with; a record that does not exist is reported when it is applied.
                let mut conn = db
                    .pool()
                    .acquire()
                    .await
                    .map_err(|e| vec![problem(line, "", DbError::from(e).message())])?;
                match record::may_change(&mut conn, reg, &key, source).await {
                    Ok(false) => {
                        problems.push(problem(line, reg.key, Message::new("reg-read-forbidden")));
                        continue;
                    }
                    Ok(true) | Err(RegistryError::NotFound) => {}
                    Err(e) => {
                        problems.push(problem(line, "", e.message()));
                        continue;
                    }
                }
                rows.push((line, key, checked));
            }
            Err(RegistryError::Invalid(p)) => {
                problems.extend(p.into_iter().map(|(f, m)| problem(line, &f, m)));
            }
            Err(e) => problems.push(problem(line, "", e.message())),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let db_problem = |e: DbError| vec![problem(0, "", e.message())];
    let mut tx = db.begin().await.map_err(db_problem)?;
    let at = format_instant(db.clock().now());
    let mut changed = 0;
    let mut missing = Vec::new();
    for (line, key, checked) in &rows {
        match record::apply(&mut tx, reg, key, checked, source, &at).await {
            Ok(n) => changed += n,
            Err(RegistryError::NotFound) => {
                missing.push(problem(*line, reg.key, Message::new("reg-not-found")));
            }
            Err(e) => return Err(vec![problem(*line, "", e.message())]),
        }
    }
    if !missing.is_empty() {
        // Dropping the transaction rolls every row back.
        return Err(missing);
    }
    tx.commit()
        .await
        .map_err(|e| db_problem(DbError::from(e)))?;
    Ok(BatchDone {
        rows: rows.len(),
        changed,
    })
}

/// The official's department as a source, or a refusal: only a department's officials
/// report, resolve and send batches.
async fn department_source(
    state: &AppState,
    o: &Official,
    reference: String,
) -> Result<(Source, org::model::Department), PageError> {
    Ok(crate::acting::source(&state.db, &o.principal(), &reference).await?)
}

/// A subject as the queue shows it: a person's number masked unless the owner is public
/// security; a credit code whole.
fn subject_shown(registry: &str, subject: &str, owner: &str) -> String {
    if registry == PERSONS.name && owner != "public-security" {
        PersonId::parse(subject).map_or_else(|_| subject.to_owned(), |id| id.masked())
    } else {
        subject.to_owned()
    }
}

async fn queue_page(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    queue_view(&state, &ctx, &o, None).await
}

async fn queue_view(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    outcome: Option<Result<String, String>>,
) -> Result<Response, PageError> {
    let (source, department) = department_source(state, o, String::new()).await?;
    let open = queue(&state.db, &source.kind, department.division, 200).await?;
    let title = ctx.t("reg-checks-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("reg-checks-intro")) }
            (outcome_notice(&outcome))
            @if open.is_empty() { p { (ctx.t("reg-checks-none")) } } @else {
                @for ob in &open {
                    section.card {
                        h2 { (crate::shown::field_label(ctx, &ob.field)) " · " code { (subject_shown(&ob.registry, &ob.subject, &source.kind)) } }
                        dl {
                            dt { (ctx.t("reg-checks-source-value")) } dd { (ob.source_value) }
                            dt { (ctx.t("reg-checks-observed")) } dd { strong { (ob.observed_value) } }
                            dt { (ctx.t("reg-checks-by")) } dd { code { (ob.department) } @if !ob.reference.is_empty() { " · " (ob.reference) } " · " (ob.at.get(..10).unwrap_or(&ob.at)) }
                        }
                        form.form method="post" action={ "/registry/checks/" (ob.id) } {
                            label for={ "n-" (ob.id) } { (ctx.t("reg-checks-note")) }
                            input id={ "n-" (ob.id) } name="note" autocomplete="off";
                            p {
                                button type="submit" name="decision" value="keep" { (ctx.t("reg-checks-keep")) }
                                " "
                                button type="submit" name="decision" value="adopt" { (ctx.t("reg-checks-adopt")) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

#[derive(Debug, Deserialize)]
struct ResolveForm {
    decision: Decision,
    #[serde(default)]
    note: String,
}

async fn resolve_form(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<ResolveForm>,
) -> Result<Response, PageError> {
    let (source, _) = department_source(&state, &o, String::new()).await?;
    let outcome = match resolve(&state.db, id, form.decision, &form.note, &source).await {
        Ok(()) => Ok(ctx.t(match form.decision {
            Decision::Keep => "reg-checks-kept",
            Decision::Adopt => "reg-checks-adopted",
        })),
        Err(RegistryError::Invalid(p)) => Err(p
            .iter()
            .map(|(_, m)| ctx.fmt(m))
            .collect::<Vec<_>>()
            .join("; ")),
        Err(RegistryError::NotFound) => Err(ctx.t("reg-checks-gone")),
        Err(e) => return Err(PageError::from(e)),
    };
    queue_view(&state, &ctx, &o, Some(outcome)).await
}

#[derive(Debug, Deserialize)]
struct ObserveForm {
    registry: String,
    key: String,
    field: String,
    value: String,
    #[serde(default)]
    reference: String,
}

/// An observation from the lookup page; answers with the queue-independent outcome page.
async fn observe_form(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<ObserveForm>,
) -> Result<Response, PageError> {
    let reg = Register::by_name(&form.registry).ok_or_else(|| {
        PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("reg-not-found"))
    })?;
    let (source, _) = department_source(&state, &o, form.reference.trim().to_owned()).await?;
    let title = ctx.t("reg-observe-title");
    let (status, outcome) = match observe(
        &state.db,
        reg,
        form.key.trim(),
        &[(form.field.clone(), form.value.clone())],
        &source,
    )
    .await
    {
        Ok(o) if o.flagged > 0 => (StatusCode::OK, Ok(ctx.t("reg-observe-flagged"))),
        Ok(_) => (StatusCode::OK, Ok(ctx.t("reg-observe-agreed"))),
        Err(RegistryError::Invalid(p)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err(p
                .iter()
                .map(|(f, m)| format!("{}: {}", crate::shown::field_label(&ctx, f), ctx.fmt(m)))
                .collect::<Vec<_>>()
                .join("; ")),
        ),
        Err(RegistryError::NotFound) => (StatusCode::NOT_FOUND, Err(ctx.t("reg-not-found"))),
        Err(e) => return Err(PageError::from(e)),
    };
    let back = if reg.name == PERSONS.name {
        "/registry/persons"
    } else {
        "/registry/entities"
    };
    Ok((
        status,
        page(
            &ctx,
            &title,
            html! {
                h1 { (title) }
                (outcome_notice(&Some(outcome)))
                p { a href=(back) { (ctx.t("reg-observe-back")) } }
            },
        ),
    )
        .into_response())
}

fn batch_form(
    ctx: &Ctx,
    problems: &[BatchProblem],
    outcome: Option<Result<String, String>>,
) -> maud::Markup {
    html! {
        h1 { (ctx.t("reg-batch-title")) }
        p { (ctx.t("reg-batch-intro")) }
        (outcome_notice(&outcome))
        @if !problems.is_empty() {
            div.table-wrap { table {
                caption { (ctx.t("reg-batch-problems")) }
                thead { tr { th { (ctx.t("reg-batch-line")) } th { (ctx.t("reg-field")) } th { (ctx.t("reg-batch-why")) } } }
                tbody { @for p in problems { tr {
                    td { (p.line) }
                    td { @if !p.field.is_empty() { code { (p.field) } } }
                    td { (ctx.fmt(&p.message)) }
                } } }
            } }
        }
        form.card.form method="post" action="/registry/batches" enctype="multipart/form-data" {
            label for="b-registry" { (ctx.t("reg-batch-registry")) }
            select id="b-registry" name="registry" {
                option value=(PERSONS.name) { (ctx.t("reg-lookup-title-population")) }
                option value=(ENTITY_REGISTER.name) { (ctx.t("reg-lookup-title-entities")) }
            }
            label for="b-reference" { (ctx.t("reg-form-reference")) }
            input id="b-reference" name="reference" required autocomplete="off";
            label for="b-file" { (ctx.t("reg-batch-file")) }
            input id="b-file" name="file" type="file" accept=".csv,text/csv" required;
            p { button type="submit" { (ctx.t("reg-batch-send")) } }
        }
    }
}

async fn batch_page(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    department_source(&state, &o, String::new()).await?;
    let title = ctx.t("reg-batch-title");
    Ok(page(&ctx, &title, batch_form(&ctx, &[], None)).into_response())
}

/// The most bytes a batch file may have.
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

async fn batch_upload(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut registry = String::new();
    let mut reference = String::new();
    let mut text = None;
    let unreadable =
        |ctx: &Ctx| PageError::new(ctx, StatusCode::BAD_REQUEST, &Message::new("reg-batch-csv"));
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable(&ctx))? {
        match field.name().unwrap_or("") {
            "registry" => registry = field.text().await.map_err(|_| unreadable(&ctx))?,
            "reference" => reference = field.text().await.map_err(|_| unreadable(&ctx))?,
            "file" => {
                let bytes = field.bytes().await.map_err(|_| unreadable(&ctx))?;
                if bytes.len() > MAX_BATCH_BYTES {
                    return Err(PageError::new(
                        &ctx,
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &Message::new("reg-batch-too-big")
                            .arg("max", (MAX_BATCH_BYTES / 1024 / 1024) as i64),
                    ));
                }
                text = Some(String::from_utf8(bytes.to_vec()).map_err(|_| unreadable(&ctx))?);
            }
            _ => {}
        }
    }
    let title = ctx.t("reg-batch-title");
    let reference = reference.trim().to_owned();
    let reg = Register::by_name(registry.trim());
    let (Some(reg), Some(text), false) = (reg, text, reference.is_empty()) else {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                &title,
                batch_form(&ctx, &[], Some(Err(ctx.t("reg-batch-incomplete")))),
            ),
        )
            .into_response());
    };
    let (source, _) = department_source(&state, &o, format!("batch:{reference}")).await?;
    match batch(&state.db, reg, &text, &source).await {
        Ok(done) => Ok(page(
            &ctx,
            &title,
            batch_form(
                &ctx,
                &[],
                Some(Ok(ctx.fmt(
                    &Message::new("reg-batch-done")
                        .arg("rows", done.rows as i64)
                        .arg("changed", done.changed as i64),
                ))),
            ),
        )
        .into_response()),
        Err(problems) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(
                &ctx,
                &title,
                batch_form(
                    &ctx,
                    &problems,
                    Some(Err(ctx.fmt(
                        &Message::new("reg-batch-refused").arg("count", problems.len() as i64),
                    ))),
                ),
            ),
        )
            .into_response()),
    }
}

/// Where the lookup page sends observations from.
pub(crate) fn observe_markup(
    ctx: &Ctx,
    reg: &Register,
    key: &str,
    fields: &[&'static str],
) -> maud::Markup {
    html! {
        @if !fields.is_empty() {
            h2 { (ctx.t("reg-observe-title")) }
            p.muted { (ctx.t("reg-observe-hint")) }
            form.card.form method="post" action="/registry/observations" {
                input type="hidden" name="registry" value=(reg.name);
                input type="hidden" name="key" value=(key);
                label for="o-field" { (ctx.t("reg-field")) }
                select id="o-field" name="field" {
                    @for f in fields { option value=(f) { (crate::shown::field_label(ctx, f)) } }
                }
                label for="o-value" { (ctx.t("reg-observe-value")) }
                input id="o-value" name="value" required autocomplete="off";
                label for="o-reference" { (ctx.t("reg-form-reference")) }
                input id="o-reference" name="reference" required autocomplete="off";
                p { button type="submit" { (ctx.t("reg-observe-send")) } }
            }
        }
    }
}
