//! The person's language and the catalogue, extracted once per request.
//!
//! The language comes from `?lang=` (which the shell also remembers in a cookie), then the
//! `lang` cookie, then `Accept-Language`, and Chinese otherwise.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use kernel::i18n::{Catalog, Lang, Localize, Message};

use crate::AppState;

/// Who is signed in, as the layout shows it (the identity capability puts it in the
/// request's extensions).
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The Chinese name (or the login when there is none).
    pub name: String,
    /// The Tibetan name, empty if unknown.
    pub name_bo: String,
    pub official: bool,
    /// The entity the person acts for in this session.
    pub acting_for: Option<String>,
}

impl Viewer {
    /// The name in the page's language where known.
    pub fn name_in(&self, lang: Lang) -> (&str, Lang) {
        if (lang == Lang::Bo || self.name.is_empty()) && !self.name_bo.is_empty() {
            (&self.name_bo, Lang::Bo)
        } else {
            (&self.name, Lang::Zh)
        }
    }
}

/// Language and text for one request.
#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    /// Tibetan dates in Tibetan numerals (the platform's `numerals` setting).
    pub tibetan_numerals: bool,
    /// The hall whose self-service kiosk this browser is (`yw_kiosk` cookie, set by
    /// `/kiosk/{centre}`): pages show the kiosk's large layout and end the session when idle.
    pub kiosk: Option<String>,
    catalog: Arc<Catalog>,
    path: String,
    query: String,
}

/// The language a request asks for.
pub fn negotiate(parts: &Parts) -> Lang {
    if let Some(lang) = query_lang(parts.uri.query().unwrap_or("")) {
        return lang;
    }
    if let Some(lang) = cookie_lang(parts) {
        return lang;
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or(Lang::Zh)
}

/// `?lang=` if present and known.
pub fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .and_then(Lang::parse)
}

/// The kiosk cookie's hall code, if it is one (letters, digits and hyphens).
fn cookie_kiosk(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("yw_kiosk="))
        .filter(|c| {
            !c.is_empty()
                && c.len() <= 40
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
}

fn cookie_lang(parts: &Parts) -> Option<Lang> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(Lang::parse)
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            lang: negotiate(parts),
            viewer: parts.extensions.get::<Viewer>().cloned(),
            tibetan_numerals: !state.settings.arabic_numerals,
            kiosk: cookie_kiosk(parts),
            catalog: state.catalog.clone(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
        })
    }
}

impl Ctx {
    pub fn new(lang: Lang, catalog: Arc<Catalog>, path: &str, query: &str) -> Ctx {
        Ctx {
            lang,
            viewer: None,
            tibetan_numerals: true,
            kiosk: None,
            catalog,
            path: path.to_owned(),
            query: query.to_owned(),
        }
    }

    /// A message without arguments.
    pub fn t(&self, key: &str) -> String {
        self.catalog.text(self.lang, key)
    }

    /// A message with arguments.
    pub fn fmt(&self, message: &Message) -> String {
        self.catalog.format(self.lang, message)
    }

    /// Anything that can be told.
    pub fn tell(&self, what: &dyn Localize) -> String {
        self.catalog.tell(self.lang, what)
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// This page in another language.
    pub fn lang_link(&self, lang: Lang) -> String {
        let mut parts: Vec<&str> = self
            .query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        let pair = format!("lang={}", lang.code());
        parts.push(&pair);
        format!("{}?{}", self.path, parts.join("&"))
    }

    /// Picks the name in this language from a zh/bo/en triple; an unknown Tibetan or English
    /// name falls back to Chinese.
    pub fn pick<'a>(&self, zh: &'a str, bo: &'a str, en: &'a str) -> &'a str {
        pick(self.lang, zh, bo, en)
    }

    /// A message kept for later readers of any language ([`trilingual`]).
    pub fn kept(&self, message: &Message) -> String {
        let c = self.catalog();
        trilingual(
            &c.format(Lang::Zh, message),
            &c.format(Lang::Bo, message),
            &c.format(Lang::En, message),
        )
    }

    /// A text kept for later readers (a read's or a use's purpose written by the platform),
    /// in this reader's language when it was kept in all three ([`trilingual`]); other text
    /// (typed by a person) as it is.
    pub fn stored(&self, text: &str) -> String {
        in_lang(self.lang, text)
    }
}

/// Text the platform writes now for readers of any language later: the three versions as
/// JSON `{"zh", "bo", "en"}`, read back by [`Ctx::stored`]. Never assemble a stored sentence
/// in one language from fragments.
pub fn trilingual(zh: &str, bo: &str, en: &str) -> String {
    serde_json::json!({ "zh": zh, "bo": bo, "en": en }).to_string()
}

/// The version of a [`trilingual`] text in `lang` (Chinese where that one is empty); any
/// other text unchanged.
pub fn in_lang(lang: Lang, text: &str) -> String {
    if !text.starts_with("{\"") {
        return text.to_owned();
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if v["zh"].is_string() => pick(
            lang,
            v["zh"].as_str().unwrap_or(""),
            v["bo"].as_str().unwrap_or(""),
            v["en"].as_str().unwrap_or(""),
        )
        .to_owned(),
        _ => text.to_owned(),
    }
}

/// The name in `lang` from a zh/bo/en triple; an unknown Tibetan or English name falls back
/// to Chinese.
pub fn pick<'a>(lang: Lang, zh: &'a str, bo: &'a str, en: &'a str) -> &'a str {
    lang.pick(zh, bo, en)
}
