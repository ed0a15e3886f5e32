//! The provider's rules: checking an authorization request and issuing codes
//! ([`authorize`]), the token endpoint's three grants ([`token`]: authorization code with
//! PKCE, refresh with rotation and replay detection, client credentials), and what resource
//! servers and people ask of tokens afterwards ([`resource`]: userinfo, introspection,
//! revocation, logout). Every token issued is an audit event stored before the answer leaves;
//! client-credentials issuance, the high-rate path, shares commits through
//! [`db::audit::GroupCommit`].

use std::sync::Arc;

use db::audit::{self, GroupCommit, NewEvent, OwnedEvent};
use db::{Db, DbError};
use identity::model::Account;
use kernel::crypto::sm3_hex;
use serde_json::{Value, json};
use time::Duration;

use crate::clients::{GrantType, USER_SCOPES};
use crate::error::OAuthError;
use crate::jose::Alg;
use crate::keys::{KeyRing, Keys};
use crate::store;

mod authorize;
mod claims;
mod consents;
mod resource;
mod token;

pub use authorize::{AuthRequest, AuthorizeError};
pub use consents::{consents, is_subject, purge_expired, withdraw};

pub const CODE_TTL: Duration = Duration::seconds(60);
pub const ACCESS_TTL: Duration = Duration::minutes(10);
pub const ID_TTL: Duration = Duration::hours(1);
pub const REFRESH_TTL: Duration = Duration::days(30);

/// One provider per process: the issuer, the cached keys and the audit group committer.
#[derive(Debug)]
pub struct Provider {
    pub issuer: String,
    pub keys: Keys,
    pub clients: crate::client_auth::Cache,
    audit: GroupCommit,
}

fn token_digest(token: &str) -> String {
    sm3_hex(token.as_bytes())
}

fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

impl Provider {
    pub fn new(db: Db, issuer: &str) -> Arc<Provider> {
        Arc::new(Provider {
            issuer: issuer.trim_end_matches('/').to_owned(),
            keys: Keys::default(),
            clients: crate::client_auth::Cache::default(),
            audit: GroupCommit::new(db),
        })
    }

    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The audience of access tokens: the platform's APIs.
    pub fn api_audience(&self) -> String {
        self.endpoint("/api")
    }

    /// `/.well-known/openid-configuration`.
    pub fn discovery(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("/oauth2/authorize"),
            "token_endpoint": self.endpoint("/oauth2/token"),
            "userinfo_endpoint": self.endpoint("/oauth2/userinfo"),
            "jwks_uri": self.endpoint("/oauth2/jwks"),
            "end_session_endpoint": self.endpoint("/oauth2/logout"),
            "revocation_endpoint": self.endpoint("/oauth2/revoke"),
            "introspection_endpoint": self.endpoint("/oauth2/introspect"),
            "scopes_supported": USER_SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": GrantType::ALL.map(GrantType::key),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": Alg::ALL.map(Alg::name),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["urn:yiwang:acr:l1", "urn:yiwang:acr:l2", "urn:yiwang:acr:l3"],
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "sid", "azp",
                "name", "name#bo", "preferred_username", "phone_number", "entity", "roles",
                "department", "id_number"
            ],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "ui_locales_supported": ["zh-CN", "bo", "en"],
            "authorization_response_iss_parameter_supported": true,
        })
    }

    /// Stores an audit event through the group committer.
    pub async fn audit_event(&self, event: OwnedEvent) -> Result<i64, OAuthError> {
        Ok(self.audit.append(event).await?)
    }

    pub async fn ring(&self, db: &Db) -> Result<Arc<KeyRing>, OAuthError> {
        Ok(self.keys.ring(db).await?)
    }
}

/// A code or refresh token presented a second time: every token of its family is revoked
/// and the replay recorded.
struct Replay<'a> {
    actor: &'a str,
    family: &'a str,
    account_id: i64,
    action: &'a str,
}

impl Replay<'_> {
    async fn refuse(&self, mut tx: db::Tx<'static>, key: &'static str) -> OAuthError {
        let done = async {
            let revoked = store::revoke_family(&mut tx, self.family).await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: self.actor,
                    action: self.action,
                    subject: &format!("account:{}", self.account_id),
                    payload: json!({ "family_tokens_revoked": revoked }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)
        }
        .await;
        match done {
            Ok(()) => OAuthError::invalid_grant(key),
            Err(e) => e.into(),
        }
    }
}

/// The `sid` claim: names the sign-in session without revealing its cookie's digest.
pub fn sid_of(session_hash: &str) -> String {
    sm3_hex(format!("sid:{session_hash}").as_bytes())[..32].to_owned()
}

fn actor_of(account: &Account) -> String {
    format!("{}:{}", account.kind.key(), account.id)
}

/// PKCE verifiers and challenges: 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
fn valid_pkce(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}
