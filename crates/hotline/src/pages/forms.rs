//! The hotline's forms: a ticket as an agent or a person writes it, the acts on a ticket its
//! reader may do, and the problems shown beside them.

use axum::http::StatusCode;
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::Ctx;

use crate::model::{Category, HotlineError, Kind, Rating, State};
use crate::service::TicketView;
use crate::service::intake::NewTicket;

/// What the reader can fix: problems by field, or a refusal's reason.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<(String, Message)>,
    status: Option<StatusCode>,
}

impl Problems {
    /// The problems of a refusal the reader can act on; `None` for anything else (not found,
    /// forbidden, a fault), which the error page tells.
    pub fn of(e: &HotlineError) -> Option<Problems> {
        match e {
            HotlineError::Invalid(list) => Some(Problems {
                list: list.clone(),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            }),
            HotlineError::Refused(m) => Some(Problems {
                list: vec![(String::new(), m.clone())],
                status: Some(StatusCode::CONFLICT),
            }),
            _ => None,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or(StatusCode::OK)
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.list.iter().any(|(f, _)| f == field)
    }

    pub fn part(&self, ctx: &Ctx) -> Markup {
        html! {
            @if !self.list.is_empty() {
                div.notice.error role="alert" { ul { @for (_, m) in &self.list { li { (ctx.fmt(m)) } } } }
            }
        }
    }
}

/// A ticket as the form posts it.
#[derive(Debug, Default, Deserialize)]
pub struct TicketForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    division: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    urgent: Option<String>,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    #[serde(default)]
    in_scope: Option<String>,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    item: String,
}

impl TicketForm {
    pub fn into_new(self) -> NewTicket {
        NewTicket {
            kind: self.kind,
            category: self.category,
            division: self.division,
            address: self.address,
            lon: None,
            lat: None,
            description: self.description,
            channel: self.channel,
            lang: self.lang,
            urgent: self.urgent.is_some(),
            caller_name: self.caller_name,
            caller_phone: self.caller_phone,
            in_scope: self.in_scope.is_some(),
            answer: self.answer,
            media_url: String::new(),
            item: self.item,
        }
    }
}

/// The ticket form: the agent's (channel, caller, language, urgency, an answer on the spot)
/// or the portal's (the person raises it in their own name).
pub fn ticket_form(
    ctx: &Ctx,
    action: &str,
    f: &NewTicket,
    categories: &[Category],
    places: &[(DivisionCode, String)],
    problems: &Problems,
    agent: bool,
) -> Markup {
    let invalid = |field: &str| if problems.has(field) { "true" } else { "false" };
    html! {
        (problems.part(ctx))
        form.card.form method="post" action=(action) {
            @if agent {
                label for="f-channel" { (ctx.t("hotline-channel")) }
                select #f-channel name="channel" { @for c in ["phone", "sms", "kiosk"] {
                    option value=(c) selected[f.channel == c] { (ctx.t(&format!("hotline-channel-{c}"))) }
                } }
                label for="f-phone" { (ctx.t("hotline-caller-phone")) }
                input #f-phone name="caller_phone" type="tel" inputmode="numeric" required value=(f.caller_phone) aria-invalid=(invalid("caller_phone"));
                label for="f-name" { (ctx.t("hotline-caller-name")) }
                input #f-name name="caller_name" value=(f.caller_name);
                label for="f-lang" { (ctx.t("hotline-lang")) }
                select #f-lang name="lang" { @for (v, k) in [("zh", "hotline-lang-zh"), ("bo", "hotline-lang-bo"), ("en", "hotline-lang-en")] {
                    option value=(v) selected[f.lang == v] { (ctx.t(k)) }
                } }
            }
            label for="f-kind" { (ctx.t("hotline-kind")) }
            select #f-kind name="kind" required aria-invalid=(invalid("kind")) {
                option value="" { "—" }
                @for k in Kind::ALL { option value=(k.key()) selected[f.kind == k.key()] { (ctx.t(&format!("hotline-kind-{}", k.key()))) } }
            }
            label for="f-category" { (ctx.t("hotline-category")) }
            select #f-category name="category" required aria-invalid=(invalid("category")) {
                option value="" { "—" }
                @for c in categories { option value=(c.code) selected[f.category == c.code] { (c.name(ctx.lang)) } }
            }
            label for="f-division" { (ctx.t("hotline-place")) }
            select #f-division name="division" required aria-invalid=(invalid("division")) {
                option value="" { "—" }
                @for (code, name) in places { option value=(code.to_string()) selected[f.division == code.to_string()] { (name) } }
            }
            @if agent {
                label for="f-item" { (ctx.t("hotline-item")) }
                input #f-item name="item" value=(f.item) aria-invalid=(invalid("item")) aria-describedby="f-item-hint" autocomplete="off";
                p.muted #f-item-hint { (ctx.t("hotline-item-hint")) }
            }
            label for="f-address" { (ctx.t("hotline-address")) }
            input #f-address name="address" value=(f.address) aria-invalid=(invalid("address"));
            label for="f-description" { (ctx.t("hotline-description")) }
            textarea #f-description name="description" rows="5" required aria-invalid=(invalid("description")) { (f.description) }
            @if agent {
                p { label { input type="checkbox" name="urgent" value="on" checked[f.urgent]; " " (ctx.t("hotline-urgent")) } }
                p { label { input type="checkbox" name="in_scope" value="on" checked[f.in_scope]; " " (ctx.t("hotline-in-scope")) } }
                label for="f-answer" { (ctx.t("hotline-answer")) }
                textarea #f-answer name="answer" rows="3" aria-describedby="f-answer-hint" { (f.answer) }
                p.muted #f-answer-hint { (ctx.t("hotline-answer-hint")) }
            }
            p { button type="submit" { (ctx.t("hotline-submit")) } }
        }
    }
}

/// The acts the reader may do on the ticket now.
pub fn actions(ctx: &Ctx, v: &TicketView) -> Markup {
    let t = &v.ticket;
    let to = format!("/hotline/tickets/{}/act", t.id);
    html! {
        @if (v.may.dispatch || v.may.handle) && t.kind == Kind::Consult && t.state == State::Closed && !t.reply.is_empty() {
            form method="post" action={ "/hotline/tickets/" (t.id) "/article" } { button type="submit" { (ctx.t("hotline-article-from-ticket")) } }
        }
        @if v.may.co_handle && t.state.open() {
            form method="post" action=(to) { input type="hidden" name="action" value="sign"; button type="submit" { (ctx.t("hotline-act-sign-part")) } }
        }
        @if v.may.handle {
            @if t.state == State::Dispatched {
                form method="post" action=(to) { input type="hidden" name="action" value="sign"; button type="submit" { (ctx.t("hotline-act-sign")) } }
            }
            @if matches!(t.state, State::Dispatched | State::Signed) {
                form.card.form method="post" action=(to) {
                    input type="hidden" name="action" value="return";
                    label for="f-return" { (ctx.t("hotline-return-reason")) }
                    textarea #f-return name="text" rows="2" required {}
                    button type="submit" { (ctx.t("hotline-act-return")) }
                }
            }
            @if t.state == State::Signed {
                @if !t.extended {
                    form.card.form method="post" action=(to) {
                        input type="hidden" name="action" value="extend";
                        label for="f-days" { (ctx.t("hotline-extend-days")) }
                        input #f-days name="days" type="number" min="1" max="10" required;
                        label for="f-extend" { (ctx.t("hotline-extend-reason")) }
                        textarea #f-extend name="text" rows="2" required {}
                        button type="submit" { (ctx.t("hotline-act-extend")) }
                    }
                }
                form.card.form method="post" action=(to) {
                    input type="hidden" name="action" value="reply";
                    label for="f-reply" { (ctx.t("hotline-reply")) }
                    textarea #f-reply name="text" rows="4" required {}
                    button type="submit" { (ctx.t("hotline-act-reply")) }
                }
            }
        }
        @if v.may.rate && t.state == State::Replied {
            form.card.form method="post" action={ "/hotline/tickets/" (t.id) "/rate" } {
                fieldset {
                    legend { (ctx.t("hotline-rating")) }
                    @for r in Rating::ALL {
                        p { label { input type="radio" name="rating" value=(r.key()) required; " " (ctx.t(&format!("hotline-rating-{}", r.key()))) } }
                    }
                }
                p { label { input type="checkbox" name="solved" value="on" checked; " " (ctx.t("hotline-solved")) } }
                button type="submit" { (ctx.t("hotline-act-rate")) }
            }
            @if v.may.dispatch {
                form method="post" action={ "/hotline/tickets/" (t.id) "/unreachable" } {
                    button type="submit" { (ctx.t("hotline-act-unreachable")) }
                }
            }
        }
        @if v.may.rate && t.state == State::Closed && !t.reopened && (t.rating == Some(Rating::Dissatisfied) || t.solved == Some(false)) {
            form.card.form method="post" action={ "/hotline/tickets/" (t.id) "/reopen" } {
                label for="f-reopen" { (ctx.t("hotline-reopen-reason")) }
                textarea #f-reopen name="reason" rows="2" required {}
                button type="submit" { (ctx.t("hotline-act-reopen")) }
            }
        }
        @if v.may.urge && t.state.open() && !t.lead.is_empty() {
            form.card.form method="post" action={ "/hotline/tickets/" (t.id) "/urge" } {
                label for="f-urge" { (ctx.t("hotline-urge-note")) }
                input #f-urge name="note";
                button type="submit" { (ctx.t("hotline-act-urge")) }
            }
        }
        @if v.may.dispatch && t.state == State::Returned {
            form.card.form method="post" action={ "/hotline/tickets/" (t.id) "/dispatch" } {
                label for="f-lead" { (ctx.t("hotline-lead-code")) }
                input #f-lead name="lead" required placeholder="540102-civil-affairs";
                label for="f-co" { (ctx.t("hotline-co-codes")) }
                input #f-co name="co";
                label for="f-note" { (ctx.t("hotline-dispatch-note")) }
                input #f-note name="note";
                button type="submit" { (ctx.t("hotline-act-dispatch")) }
            }
        }
    }
}
