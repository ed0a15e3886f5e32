//! The edit form of an item's next version, and saving it as a draft.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use identity::Official;
use kernel::Message;
use serde::Deserialize;
use ui::{AppState, Ctx, PageError};

use crate::model::{Invalid, ItemBody, OnlineDepth};
use crate::service::{self, CatalogError};

use super::*;

/// The fields a steward edits on the page (materials change through import).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Edit {
    pub(super) name_zh: String,
    #[serde(default)]
    pub(super) name_bo: String,
    #[serde(default)]
    pub(super) name_en: String,
    pub(super) statutory_days: String,
    pub(super) promised_days: String,
    pub(super) visits: String,
    pub(super) online_depth: String,
    #[serde(default)]
    pub(super) fee_yuan: String,
    #[serde(default)]
    pub(super) fee_basis: String,
    #[serde(default)]
    pub(super) place: String,
    #[serde(default)]
    pub(super) hours: String,
    #[serde(default)]
    pub(super) window_category: String,
    #[serde(default)]
    pub(super) in_centre: Option<String>,
    #[serde(default)]
    pub(super) high_frequency: Option<String>,
    #[serde(default)]
    pub(super) conditions: String,
    #[serde(default)]
    pub(super) legal_basis: String,
    #[serde(default)]
    pub(super) steps: String,
}

impl Edit {
    pub(super) fn of(b: &ItemBody) -> Edit {
        Edit {
            name_zh: b.name_zh.clone(),
            name_bo: b.name_bo.clone(),
            name_en: b.name_en.clone(),
            statutory_days: b.statutory_days.to_string(),
            promised_days: b.promised_days.to_string(),
            visits: b.visits.to_string(),
            online_depth: b.online_depth.key().to_owned(),
            fee_yuan: b.fee_fen.map(yuan).unwrap_or_default(),
            fee_basis: b.fee_basis.clone(),
            place: b.place.clone(),
            hours: b.hours.clone(),
            window_category: b.window_category.clone(),
            in_centre: b.in_centre.then(|| "on".to_owned()),
            high_frequency: b.high_frequency.then(|| "on".to_owned()),
            conditions: b.conditions.clone(),
            legal_basis: b.legal_basis.clone(),
            steps: b.steps.join("\n"),
        }
    }

    /// The base body with the edits applied, or every field that cannot be read.
    pub(super) fn apply(&self, base: &ItemBody) -> Result<ItemBody, Vec<Invalid>> {
        let mut b = base.clone();
        let mut problems = Vec::new();
        let mut number = |field: &str, v: &str| -> u32 {
            v.trim().parse::<u32>().unwrap_or_else(|_| {
                problems.push(Invalid {
                    field: field.to_owned(),
                    message: Message::new("cat-not-a-number").arg("value", v.trim()),
                });
                0
            })
        };
        b.statutory_days = number("statutory_days", &self.statutory_days);
        b.promised_days = number("promised_days", &self.promised_days);
        b.visits = u8::try_from(number("visits", &self.visits)).unwrap_or(u8::MAX);
        match OnlineDepth::parse(&self.online_depth) {
            Some(d) => b.online_depth = d,
            None => problems.push(Invalid {
                field: "online_depth".into(),
                message: Message::new("cat-bad-param")
                    .arg("name", "online_depth")
                    .arg("value", self.online_depth.as_str()),
            }),
        }
        b.fee_fen = match self.fee_yuan.trim() {
            "" | "0" => None,
            v => match fen(v) {
                Some(f) => Some(f),
                None => {
                    problems.push(Invalid {
                        field: "fee_yuan".into(),
                        message: Message::new("cat-not-an-amount").arg("value", v),
                    });
                    None
                }
            },
        };
        b.name_zh = self.name_zh.trim().to_owned();
        b.name_bo = self.name_bo.trim().to_owned();
        b.name_en = self.name_en.trim().to_owned();
        b.fee_basis = self.fee_basis.trim().to_owned();
        b.place = self.place.trim().to_owned();
        b.hours = self.hours.trim().to_owned();
        b.window_category = self.window_category.trim().to_owned();
        b.in_centre = self.in_centre.is_some();
        b.high_frequency = self.high_frequency.is_some();
        b.conditions = self.conditions.trim().to_owned();
        b.legal_basis = self.legal_basis.trim().to_owned();
        b.steps = self
            .steps
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if problems.is_empty() {
            Ok(b)
        } else {
            Err(problems)
        }
    }
}

/// 1250 fen → "12.50".
pub(super) fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// "12.5" → 1250 fen; no more than two decimals, not negative.
pub(super) fn fen(yuan: &str) -> Option<i64> {
    let (whole, part) = yuan.split_once('.').unwrap_or((yuan, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || part.len() > 2 {
        return None;
    }
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{part:0<2}").parse::<i64>().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

pub(super) async fn draft(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<Edit>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    let (_, _, base) = desk.latest(&code).await?;
    let refused = |problems: Vec<Invalid>| {
        let (desk, ctx, code, form) = (&desk, &ctx, &code, &form);
        async move {
            item_view(
                desk,
                ctx,
                code,
                form,
                &problems,
                Some(Err(ctx.t("cat-invalid"))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let body = match form.apply(&base) {
        Ok(b) => b,
        Err(problems) => return refused(problems).await,
    };
    match service::save_draft(&state.db, desk.by(), &body).await {
        Ok(v) => Ok(Redirect::to(&format!("/manage/items/{code}/v/{v}")).into_response()),
        Err(CatalogError::Invalid(problems)) => refused(problems).await,
        Err(e) => Err(e.into()),
    }
}
