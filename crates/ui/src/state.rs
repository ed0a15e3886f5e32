use std::fmt;
use std::sync::Arc;

use kernel::i18n::Catalog;

/// A secret whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares in time independent of where the first difference lies.
    pub fn matches(&self, candidate: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), candidate.as_bytes());
        let mut diff = a.len() ^ b.len();
        for i in 0..a.len().max(b.len()) {
            diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
        }
        diff == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How one-time codes reach people's phones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SmsMode {
    /// No sender configured: sign-in by SMS code is not offered.
    #[default]
    Disabled,
    /// Development: messages go to the `/dev/sms` inbox page and the log, never to a phone.
    DevInbox,
    /// Production: each message is POSTed as JSON (`{"mobile": …, "text": …}`) to the SMS
    /// gateway at `url` (plain HTTP to a gateway agent on the government network, which
    /// holds the carrier credentials and the TLS), with `Authorization: Bearer <token>` when
    /// a token is configured. Any 2xx answer within five seconds counts as sent.
    HttpGateway { url: String, token: Option<Secret> },
}

/// Settings the web layer reads at run time.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// The bootstrap administrator's password (until official accounts exist); admin pages
    /// are closed while it is unset.
    pub admin_password: Option<Secret>,
    pub sms: SmsMode,
    /// Reverse proxies whose `X-Forwarded-For` is believed; without them every client behind a
    /// proxy would share one address for throttling.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The address people and systems reach the platform at (`https://zwfw.example.gov.cn`),
    /// without a trailing slash: the OpenID Connect issuer. `None` in tests: `http://localhost`.
    pub public_url: Option<String>,
    /// Working days a department has to answer a bad rating (`None`: 15).
    pub rectification_days: Option<u16>,
    /// Working days a window has to accept or refuse a submitted case (`None`: 2).
    pub prereview_days: Option<u16>,
    /// Tibetan dates on Tibetan pages in Arabic digits instead of Tibetan numerals.
    pub arabic_numerals: bool,
}

impl WebSettings {
    /// Working days a department has to answer a bad rating.
    pub fn rectification_days(&self) -> u16 {
        self.rectification_days.unwrap_or(15)
    }

    /// Working days a window has to accept or refuse a submitted case.
    pub fn prereview_days(&self) -> u16 {
        self.prereview_days.unwrap_or(2)
    }

    /// The public base address, never ending in `/`.
    pub fn public_url(&self) -> &str {
        self.public_url
            .as_deref()
            .map_or("http://localhost", |u| u.trim_end_matches('/'))
    }
}

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub catalog: Arc<Catalog>,
    pub settings: Arc<WebSettings>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn secrets_compare_whole_and_never_print() {
        let s = Secret::new("tashi-delek");
        assert!(s.matches("tashi-delek"));
        assert!(!s.matches("tashi-delej"));
        assert!(!s.matches("tashi"));
        assert!(!s.matches(""));
        assert_eq!(format!("{s:?}"), "***");
    }
}
