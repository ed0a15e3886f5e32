//! Localized text: Chinese (primary), Tibetan and English, from Project Fluent files.
//!
//! Every user-facing message — page text and every error — is a [`Message`]: a Fluent key and
//! its arguments. Each crate ships its own `.ftl` files; the web layer builds one [`Catalog`]
//! from all of them. A key missing in Tibetan or English falls back to Chinese, never to the
//! bare key, and a test checks that no key is missing at all.

use std::borrow::Cow;
use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the platform speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese, the primary language.
    Zh,
    /// Tibetan (Standard Tibetan in Tibetan script).
    Bo,
    /// English.
    En,
}

impl Lang {
    /// The text in this language from a zh/bo/en triple; an unknown (empty) Tibetan or English
    /// text falls back to Chinese.
    pub fn pick<'a>(self, zh: &'a str, bo: &'a str, en: &'a str) -> &'a str {
        let chosen = match self {
            Lang::Zh => zh,
            Lang::Bo => bo,
            Lang::En => en,
        };
        if chosen.is_empty() { zh } else { chosen }
    }

    /// Every language, the primary one first.
    pub const ALL: [Lang; 3] = [Lang::Zh, Lang::Bo, Lang::En];

    /// The short code used in `?lang=` and the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::Bo => "bo",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag for the HTML `lang` attribute and `Content-Language`.
    pub fn bcp47(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::Bo => "bo",
            Lang::En => "en",
        }
    }

    /// The language's own name for itself (for the language switch).
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::Bo => "བོད་ཡིག",
            Lang::En => "English",
        }
    }

    /// Parses a short code or a BCP 47 tag (`zh`, `zh-CN`, `zh-Hans`, `bo-CN`, `en-GB`…).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "bo" => Some(Lang::Bo),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the best language from an `Accept-Language` header by its q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && q > 0.0
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((lang, q));
            }
        }
        best.map(|(lang, _)| lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// Data-given text in zh, bo and en (a note from a file, a name): the reader's language,
    /// Chinese where that one is empty. Never assemble a message from untranslated fragments.
    PerLang(Box<[String; 3]>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<char> for Arg {
    fn from(c: char) -> Self {
        Arg::Text(c.to_string())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Number(i64::from(n))
    }
}
impl From<i32> for Arg {
    fn from(n: i32) -> Self {
        Arg::Number(i64::from(n))
    }
}

/// A message to show a person: a Fluent key and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Message {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

/// Anything that can be told to a person in their language.
pub trait Localize {
    fn message(&self) -> Message;
}

/// One crate's Fluent source for one language.
#[derive(Debug, Clone, Copy)]
pub struct Ftl {
    pub lang: Lang,
    pub source: &'static str,
}

/// The kernel's own messages (identifier and calendar errors).
pub const FTL: &[Ftl] = crate::ftl_sources!();

/// The calling crate's Fluent files, `locales/{zh,bo,en}.ftl` beside its `Cargo.toml`, as the
/// `&[Ftl]` every crate exports for the catalogue.
#[macro_export]
macro_rules! ftl_sources {
    () => {
        &[
            $crate::i18n::Ftl {
                lang: $crate::i18n::Lang::Zh,
                source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh.ftl")),
            },
            $crate::i18n::Ftl {
                lang: $crate::i18n::Lang::Bo,
                source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/bo.ftl")),
            },
            $crate::i18n::Ftl {
                lang: $crate::i18n::Lang::En,
                source: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en.ftl")),
            },
        ]
    };
}

/// An error in a Fluent file, found when the catalogue is built.
#[derive(Debug, thiserror::Error)]
#[error("Fluent source for {lang} is invalid: {detail}")]
pub struct CatalogError {
    pub lang: Lang,
    pub detail: String,
}

/// All messages of the platform in every language.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

impl Catalog {
    /// Builds the catalogue from every crate's Fluent sources.
    pub fn new(sources: &[&[Ftl]]) -> Result<Catalog, CatalogError> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang.bcp47().parse().map_err(|e| CatalogError {
                lang,
                detail: format!("{e:?}"),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks around arguments would end up inside HTML attributes and logs.
            bundle.set_use_isolating(false);
            for ftl in sources
                .iter()
                .flat_map(|s| s.iter())
                .filter(|f| f.lang == lang)
            {
                let resource =
                    FluentResource::try_new(ftl.source.to_owned()).map_err(|(_, errs)| {
                        CatalogError {
                            lang,
                            detail: format!("{errs:?}"),
                        }
                    })?;
                bundle.add_resource(resource).map_err(|errs| CatalogError {
                    lang,
                    detail: format!("{errs:?}"),
                })?;
            }
            bundles.push((lang, bundle));
        }
        Ok(Catalog { bundles })
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    /// Whether `key` has a translation in `lang` itself (no fallback).
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).is_some_and(|b| b.has_message(key))
    }

    /// A plain message without arguments.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.render(lang, key, None)
    }

    /// A message with its arguments.
    pub fn format(&self, lang: Lang, message: &Message) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in &message.args {
            match value {
                Arg::Text(s) => args.set(*name, FluentValue::from(s.as_str())),
                Arg::PerLang(texts) => {
                    let [zh, bo, en] = &**texts;
                    args.set(*name, FluentValue::from(lang.pick(zh, bo, en)))
                }
                Arg::Number(n) => args.set(*name, FluentValue::from(*n)),
            }
        }
        self.render(lang, message.key, Some(&args))
    }

    /// Localizes anything that can be told.
    pub fn tell(&self, lang: Lang, what: &dyn Localize) -> String {
        self.format(lang, &what.message())
    }

    fn render(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for candidate in [lang, Lang::Zh, Lang::En] {
            let Some(bundle) = self.bundle(candidate) else {
                continue;
            };
            let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
                continue;
            };
            let mut errors = Vec::new();
            let text: Cow<'_, str> = bundle.format_pattern(pattern, args, &mut errors);
            return text.into_owned();
        }
        key.to_owned()
    }
}

/// The message keys defined in a Fluent source (for completeness checks in tests).
pub fn keys_of(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

/// Checks that every key of every crate's Fluent files exists in all three languages, and
/// returns the ones that are missing as `lang:key`.
pub fn missing_translations(sources: &[&[Ftl]]) -> Vec<String> {
    let mut missing = Vec::new();
    for set in sources {
        let keys_in = |lang: Lang| -> Vec<String> {
            set.iter()
                .filter(|f| f.lang == lang)
                .flat_map(|f| keys_of(f.source))
                .collect()
        };
        let zh = keys_in(Lang::Zh);
        for lang in Lang::ALL {
            let have = keys_in(lang);
            for key in zh.iter().filter(|k| !have.contains(k)) {
                missing.push(format!("{lang}:{key}"));
            }
            for key in have.iter().filter(|k| !zh.contains(k)) {
                missing.push(format!("zh:{key}"));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_quality_known_language() {
        assert_eq!(
            Lang::from_accept_language("fr;q=1, bo;q=0.8, en;q=0.5"),
            Some(Lang::Bo)
        );
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,zh-CN;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("zh;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }

    #[test]
    fn every_kernel_message_exists_in_every_language() {
        assert_eq!(missing_translations(&[FTL]), Vec::<String>::new());
        Catalog::new(&[FTL]).expect("kernel Fluent files parse");
    }

    #[test]
    fn messages_take_arguments_in_each_language() {
        let catalog = Catalog::new(&[FTL]).expect("catalog");
        let msg = Message::new("person-id-length").arg("len", 17usize);
        assert!(catalog.format(Lang::Zh, &msg).contains("17"));
        assert!(catalog.format(Lang::En, &msg).contains("17"));
        assert!(catalog.format(Lang::Bo, &msg).contains("17"));
    }
}
