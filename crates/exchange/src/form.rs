//! What the exchange's pages share: reading a form with repeated fields, and telling the
//! outcome of a step.

use axum::http::StatusCode;
use grants::data::Masking;
use kernel::Message;
use ui::{Ctx, PageError};

use crate::ExchangeError;

/// A form's fields, repeated ones kept (the form extractor keeps only one of each).
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    pub(crate) fn read(body: &str) -> Fields {
        Fields(
            form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// `mask-{item}` choices.
    pub(crate) fn masking(&self) -> Vec<(String, Masking)> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("mask-")?.to_owned(), Masking::parse(v)?)))
            .collect()
    }
}

/// A step's answer as the page tells it: what was done (200), or why not — the problems
/// (422) or a step no longer possible (409); anything else is the error page.
pub(crate) fn told<T>(
    ctx: &Ctx,
    done: Result<T, ExchangeError>,
    said: impl FnOnce(T) -> Message,
) -> Result<(Result<String, String>, StatusCode), PageError> {
    match done {
        Ok(v) => Ok((Ok(ctx.fmt(&said(v))), StatusCode::OK)),
        Err(ExchangeError::Invalid(p)) => Ok((
            Err(p
                .iter()
                .map(|(_, m)| ctx.fmt(m))
                .collect::<Vec<_>>()
                .join(" · ")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(ExchangeError::Refused(m)) => Ok((Err(ctx.fmt(&m)), StatusCode::CONFLICT)),
        Err(e) => Err(e.into()),
    }
}
