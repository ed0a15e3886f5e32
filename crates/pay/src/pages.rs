//! Payment pages, thin over `service`:
//!
//! - `/pay` — enter a payment code (at home, at a kiosk, as at a bank);
//! - `/pay/{code}` — the notice (the payer's name masked for anyone but its payer and the
//!   department), printable, with its signature checked, its QR code, and a button to pay
//!   online; `POST /pay/{code}/online` sends the payer to the provider;
//! - `/me/payments` — a person's notices and receipts;
//! - `/console/pay/notices/{id}` — a notice for the department: its orders and refunds, the
//!   bank counter's receipt (`…/counter`), a refund request (`…/orders/{order}/refund`);
//! - `/console/pay` — finance staff and approvers: refunds to decide, statements to reconcile
//!   (upload, or fetch from the provider), mismatches to resolve, the day's totals.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::model::Session;
use identity::{Official, Principal};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{document_date, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{Notice, NoticeState, PayError, RefundReason, parse_yuan, yuan};
use crate::service::{self, reconcile, refunds, settle};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pay", get(enter))
        .route("/pay/{code}", get(public_notice))
        .route("/pay/{code}/online", post(online))
        .route("/me/payments", get(mine))
        .route("/console/pay", get(console))
        .route("/console/pay/notices/{id}", get(department_notice))
        .route("/console/pay/notices/{id}/counter", post(counter))
        .route("/console/pay/orders/{id}/refund", post(request_refund))
        .route("/console/pay/refunds/{id}", post(decide_refund))
        .route("/console/pay/statements", post(upload_statement))
        .route("/console/pay/statements/{id}", get(statement))
        .route("/console/pay/mismatches/{id}", post(resolve))
}

fn principal(s: Option<axum::Extension<Session>>) -> Option<Principal> {
    s.map(|axum::Extension(s)| Principal::account(s))
}

#[derive(Debug, Default, Deserialize)]
struct CodeQuery {
    #[serde(default)]
    code: String,
}

async fn enter(
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<CodeQuery>,
) -> Result<Response, PageError> {
    if !q.code.trim().is_empty() {
        let code = crate::model::PaymentCode::parse(&q.code)
            .map_err(|p| PayError::field("code", p.key()))?;
        return Ok(Redirect::to(&format!("/pay/{code}")).into_response());
    }
    let title = ctx.t("pay-enter-title");
    let body = html! {
        h1 { (title) }
        form method="get" action="/pay" {
            label for="code" { (ctx.t("pay-code")) }
            input #code name="code" inputmode="numeric" autocomplete="off" required;
            button type="submit" { (ctx.t("pay-look-up")) }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

fn state_label(ctx: &Ctx, s: NoticeState) -> String {
    ctx.t(&format!("pay-state-{}", s.key()))
}

/// A notice's item and collecting department in the reader's language, as the catalogue and
/// the departments name them now (the notice keeps, and is signed over, the Chinese it was
/// issued with).
struct Named {
    item: String,
    department: String,
}

async fn named(db: &db::Db, ctx: &Ctx, n: &Notice) -> Result<Named, PageError> {
    let item = item_named(db, ctx, n).await?;
    let department = org::service::department(db, &n.department)
        .await?
        .map_or_else(
            || n.department_name.clone(),
            |d| d.names.get(ctx.lang).to_owned(),
        );
    Ok(Named { item, department })
}

async fn item_named(db: &db::Db, ctx: &Ctx, n: &Notice) -> Result<String, PageError> {
    Ok(catalog::service::published(db, &n.item_code)
        .await?
        .map_or_else(
            || n.item_name.clone(),
            |i| ctx.pick(&i.name_zh, &i.name_bo, &i.name_en).to_owned(),
        ))
}

/// The notice as printed: the department, the payer, the fee lines, the amount, the due
/// date, the code (grouped) and its QR code, the signature's standing.
fn notice_sheet(ctx: &Ctx, n: &Notice, names: &Named, holds: bool, link: &str) -> Markup {
    html! {
        section.pay-notice {
            h1 { (ctx.t("pay-notice-title")) }
            dl {
                dt { (ctx.t("pay-code")) } dd #pay-code { (n.code.grouped()) }
                dt { (ctx.t("pay-collector")) } dd { (names.department) }
                dt { (ctx.t("pay-payer")) } dd { (n.payer_name) " (" (n.payer_code) ")" }
                dt { (ctx.t("pay-item")) } dd { (names.item) }
                dt { (ctx.t("pay-issued")) } dd { (document_date(ctx, &n.issued_at)) }
                dt { (ctx.t("pay-due")) } dd { (document_date(ctx, &n.due_on)) }
                dt { (ctx.t("pay-state")) } dd #pay-state { (state_label(ctx, n.state)) }
            }
            table {
                thead { tr { th { (ctx.t("pay-revenue-code")) } th { (ctx.t("pay-line")) } th { (ctx.t("pay-basis")) } th { (ctx.t("pay-amount")) } } }
                tbody { @for l in &n.lines { tr { td { (l.revenue_code) } td { (l.name) } td { (l.basis) } td { (yuan(l.amount_fen)) } } } }
                tfoot { tr { th colspan="3" { (ctx.t("pay-total")) } td #pay-total { (yuan(n.amount_fen)) } } }
            }
            p.signature {
                @if holds { (ctx.t("pay-signature-holds")) } @else { strong { (ctx.t("pay-signature-fails")) } }
            }
            @if let Some(qr) = ui::qr::svg(link, &ctx.t("pay-qr-label")) { (qr) }
            @if !n.receipt.is_empty() {
                p { (ctx.t("pay-receipt")) ": " a href={ "/v/" (n.receipt) } { (n.receipt) } }
            }
        }
    }
}

async fn public_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let full = service::find_by_code(db, &code).await?;
    let holds = service::signature_holds(db, &full).await?;
    let shown = match principal(s) {
        Some(p) if service::may_read(&p, &full)? => full,
        _ => service::masked(&full),
    };
    let link = format!("{}/pay/{}", state.settings.public_url(), shown.code);
    let late = service::past_due(db, &shown) && !service::settings(db).accept_late;
    let body = html! {
        (notice_sheet(&ctx, &shown, &named(db, &ctx, &shown).await?, holds, &link))
        @if shown.state == NoticeState::Issued {
            @if late {
                p.error { (ctx.t("pay-notice-late")) }
            } @else {
                form method="post" action={ "/pay/" (shown.code) "/online" } {
                    button #pay-online type="submit" { (ctx.t("pay-online")) }
                }
                p { (ctx.t("pay-at-bank")) }
            }
        }
        p.no-print { (ui::layout::print_button(&ctx.t("pay-print"))) }
    };
    let mut res = page(&ctx, &ctx.t("pay-notice-title"), body).into_response();
    // The online form is answered by a redirect to the provider's checkout, which the page's
    // policy must allow as the form's destination.
    if shown.state == NoticeState::Issued
        && !late
        && let Some(csp) = crate::provider::checkout_origin(db)
            .as_deref()
            .and_then(ui::csp_with_form_target)
        && let Ok(v) = axum::http::HeaderValue::from_str(&csp)
    {
        res.headers_mut()
            .insert(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
    Ok(res)
}

async fn online(
    State(state): State<AppState>,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let by = principal(s);
    let back = format!("{}/pay/{code}", state.settings.public_url());
    let order = settle::start_online(&state.db, by.as_ref(), &code, &back).await?;
    Ok(Redirect::to(&order.pay_url).into_response())
}

async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    identity::Citizen(s): identity::Citizen,
) -> Result<Response, PageError> {
    let notices = service::mine(&state.db, &Principal::account(s)).await?;
    let mut items = std::collections::BTreeMap::new();
    for n in &notices {
        if !items.contains_key(&n.item_code) {
            items.insert(n.item_code.clone(), item_named(&state.db, &ctx, n).await?);
        }
    }
    let title = ctx.t("pay-mine-title");
    let body = html! {
        h1 { (title) }
        @if notices.is_empty() { p { (ctx.t("pay-mine-none")) } }
        @else {
            table {
                thead { tr { th { (ctx.t("pay-code")) } th { (ctx.t("pay-item")) } th { (ctx.t("pay-amount")) } th { (ctx.t("pay-due")) } th { (ctx.t("pay-state")) } th { (ctx.t("pay-receipt")) } } }
                tbody { @for n in &notices { tr {
                    td { a href={ "/pay/" (n.code) } { (n.code.grouped()) } }
                    td { (items.get(&n.item_code).unwrap_or(&n.item_name)) } td { (yuan(n.amount_fen)) } td { (document_date(&ctx, &n.due_on)) }
                    td { (state_label(&ctx, n.state)) }
                    td { @if !n.receipt.is_empty() { a href={ "/v/" (n.receipt) } { (n.receipt) } } }
                } } }
            }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

async fn department_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let by = o.principal();
    let n = service::notice(db, &by, id).await?;
    let orders = settle::orders(db, &by, id).await?;
    let refunds = refunds::of_notice(db, &by, id).await?;
    let holds = service::signature_holds(db, &n).await?;
    let link = format!("{}/pay/{}", state.settings.public_url(), n.code);
    let body = html! {
        (notice_sheet(&ctx, &n, &named(db, &ctx, &n).await?, holds, &link))
        @if n.state == NoticeState::Issued {
            h2 { (ctx.t("pay-counter-title")) }
            form method="post" action={ "/console/pay/notices/" (n.id) "/counter" } {
                label for="receipt" { (ctx.t("pay-counter-receipt")) }
                input #receipt name="receipt" required maxlength="32";
                label for="amount" { (ctx.t("pay-amount")) }
                input #amount name="amount" inputmode="decimal" required value=(yuan(n.amount_fen));
                button type="submit" { (ctx.t("pay-counter-record")) }
            }
        }
        h2 { (ctx.t("pay-orders")) }
        table {
            thead { tr { th { (ctx.t("pay-order")) } th { (ctx.t("pay-channel")) } th { (ctx.t("pay-amount")) } th { (ctx.t("pay-state")) } th { (ctx.t("pay-reference")) } th {} } }
            tbody { @for o in &orders { tr {
                td { (o.out_trade_no) } td { (ctx.t(&format!("pay-channel-{}", o.channel.key()))) }
                td { (yuan(o.paid_fen.max(o.amount_fen))) } td { (ctx.t(&format!("pay-order-{}", o.state.key()))) @if o.settled { " ✓" } }
                td { (o.provider_ref) }
                td { @if o.state == crate::model::OrderState::Paid {
                    form method="post" action={ "/console/pay/orders/" (o.id) "/refund" } {
                        select name="reason" { @for r in RefundReason::ALL { option value=(r.key()) { (ctx.t(&format!("pay-reason-{}", r.key()))) } } }
                        input name="amount" inputmode="decimal" required aria-label=(ctx.t("pay-amount"));
                        input name="note" required aria-label=(ctx.t("pay-note"));
                        button type="submit" { (ctx.t("pay-refund-request")) }
                    }
                } }
            } } }
        }
        (refund_table(&ctx, &refunds))
    };
    Ok(page(&ctx, &ctx.t("pay-notice-title"), body).into_response())
}

fn refund_table(ctx: &Ctx, refunds: &[crate::model::Refund]) -> Markup {
    html! {
        h2 { (ctx.t("pay-refunds")) }
        @if refunds.is_empty() { p { (ctx.t("pay-refunds-none")) } }
        @else {
            table {
                thead { tr { th { (ctx.t("pay-refund-no")) } th { (ctx.t("pay-amount")) } th { (ctx.t("pay-reason")) } th { (ctx.t("pay-note")) } th { (ctx.t("pay-state")) } th {} } }
                tbody { @for r in refunds { tr {
                    td { (r.out_refund_no) } td { (yuan(r.amount_fen)) }
                    td { (ctx.t(&format!("pay-reason-{}", r.reason.key()))) } td { (r.note) }
                    td { (ctx.t(&format!("pay-refund-{}", r.state.key()))) @if !r.failure.is_empty() { " · " (r.failure) } }
                    td { @if matches!(r.state, crate::model::RefundState::Requested | crate::model::RefundState::Failed) {
                        form method="post" action={ "/console/pay/refunds/" (r.id) } {
                            input type="hidden" name="revision" value=(r.revision);
                            input name="note" aria-label=(ctx.t("pay-note"));
                            button name="decision" value="approve" { (ctx.t("pay-refund-approve")) }
                            button name="decision" value="refuse" { (ctx.t("pay-refund-refuse")) }
                        }
                    } }
                } } }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct CounterForm {
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    amount: String,
}

async fn counter(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<CounterForm>,
) -> Result<Response, PageError> {
    let amount =
        parse_yuan(&f.amount).ok_or_else(|| PayError::field("amount", "pay-amount-bad"))?;
    settle::record_counter(&state.db, &o.principal(), id, &f.receipt, amount).await?;
    Ok(Redirect::to(&format!("/console/pay/notices/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct RefundForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

async fn request_refund(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<RefundForm>,
) -> Result<Response, PageError> {
    let amount =
        parse_yuan(&f.amount).ok_or_else(|| PayError::field("amount", "pay-amount-bad"))?;
    let reason = RefundReason::parse(&f.reason)
        .ok_or_else(|| PayError::field("reason", "pay-reason-bad"))?;
    let r = refunds::request(&state.db, &o.principal(), id, amount, reason, &f.note).await?;
    Ok(Redirect::to(&format!("/console/pay/notices/{}", r.notice_id)).into_response())
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide_refund(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let approve = match f.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(PayError::field("decision", "pay-decision-bad").into()),
    };
    let r = refunds::decide(&state.db, &o.principal(), id, f.revision, approve, &f.note).await?;
    Ok(Redirect::to(&format!("/console/pay/notices/{}", r.notice_id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct DayQuery {
    #[serde(default)]
    day: String,
}

async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageQuery(q): ui::PageQuery<DayQuery>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let by = o.principal();
    let region = kernel::DivisionCode::parse("540000").map_err(|_| PayError::Forbidden)?;
    let division =
        o.0.account
            .grants
            .iter()
            .map(|g| g.division)
            .find(|d| region.is_within(*d) || d.is_within(region))
            .unwrap_or(region);
    let waiting = refunds::waiting(db, &by, division)
        .await
        .unwrap_or_default();
    let statements = reconcile::statements(db, &by).await.ok();
    let day = if q.day.is_empty() {
        kernel::time_util::format_date(db.clock().today() - time::Duration::days(1))
    } else {
        q.day.clone()
    };
    let totals = match &statements {
        Some(_) => reconcile::totals(db, &by, &day).await?,
        None => Vec::new(),
    };
    let title = ctx.t("pay-console-title");
    let body = html! {
        h1 { (title) }
        (refund_table(&ctx, &waiting))
        @if let Some(statements) = &statements {
            h2 { (ctx.t("pay-statements")) }
            form method="post" action="/console/pay/statements" enctype="multipart/form-data" {
                label for="day" { (ctx.t("pay-day")) }
                input #day name="day" type="date" required value=(day);
                label for="file" { (ctx.t("pay-statement-file")) }
                input #file name="file" type="file" accept=".csv,text/csv";
                button type="submit" { (ctx.t("pay-reconcile")) }
            }
            table {
                thead { tr { th { (ctx.t("pay-day")) } th { (ctx.t("pay-lines")) } th { (ctx.t("pay-matched")) } th { (ctx.t("pay-total")) } } }
                tbody { @for s in statements { tr {
                    td { a href={ "/console/pay/statements/" (s.id) } { (s.day) } }
                    td { (s.lines) } td { (s.matched) } td { (yuan(s.total_fen)) }
                } } }
            }
            h2 { (ctx.t("pay-totals")) " " (day) }
            table {
                thead { tr { th { (ctx.t("pay-collector")) } th { (ctx.t("pay-revenue-code")) } th { (ctx.t("pay-line")) } th { (ctx.t("pay-notices")) } th { (ctx.t("pay-amount")) } } }
                tbody { @for t in &totals { tr {
                    td { (t.department_name) } td { (t.revenue_code) } td { (t.revenue_name) } td { (t.notices) } td { (yuan(t.amount_fen)) }
                } } }
            }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

async fn upload_statement(
    State(state): State<AppState>,
    o: Official,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let mut day = String::new();
    let mut file = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("day") => day = field.text().await.unwrap_or_default(),
            Some("file") => file = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    let by = o.principal();
    let report = if file.is_empty() {
        reconcile::fetch_and_reconcile(&state.db, &by, day.trim()).await?
    } else {
        reconcile::reconcile(
            &state.db,
            &by,
            crate::model::Channel::Online,
            day.trim(),
            &file,
        )
        .await?
    };
    Ok(Redirect::to(&format!("/console/pay/statements/{}", report.statement.id)).into_response())
}

async fn statement(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let list = reconcile::mismatches(&state.db, &o.principal(), id).await?;
    let title = ctx.t("pay-mismatches");
    let fen = |f: Option<i64>| f.map(yuan).unwrap_or_default();
    let body = html! {
        h1 { (title) }
        @if list.is_empty() { p #pay-all-matched { (ctx.t("pay-all-matched")) } }
        table {
            thead { tr { th { (ctx.t("pay-order")) } th { (ctx.t("pay-mismatch-kind")) } th { (ctx.t("pay-ours")) } th { (ctx.t("pay-theirs")) } th { (ctx.t("pay-resolution")) } } }
            tbody { @for m in &list { tr {
                td { (m.out_trade_no) } td { (ctx.t(&format!("pay-mismatch-{}", m.kind.key()))) }
                td { (fen(m.ours_fen)) } td { (fen(m.theirs_fen)) }
                td { @if m.resolved_at.is_some() { (m.resolution) } @else {
                    form method="post" action={ "/console/pay/mismatches/" (m.id) } {
                        input name="reason" required aria-label=(ctx.t("pay-resolution"));
                        input type="hidden" name="statement" value=(id);
                        button type="submit" { (ctx.t("pay-resolve")) }
                    }
                } }
            } } }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

#[derive(Debug, Deserialize)]
struct ResolveForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    statement: i64,
}

async fn resolve(
    State(state): State<AppState>,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ResolveForm>,
) -> Result<Response, PageError> {
    reconcile::resolve(&state.db, &o.principal(), id, &f.reason).await?;
    Ok(Redirect::to(&format!("/console/pay/statements/{}", f.statement)).into_response())
}
