//! Registered clients: the department systems that sign people in through Yiwang and the
//! systems that call its APIs. An administrator registers each with its redirect addresses
//! (matched exactly), allowed scopes and grant types. A confidential client gets a secret,
//! shown once and stored only as its SM3 digest (a 256-bit random secret needs no slow
//! hash); a public client has none and must use PKCE.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::crypto::sm3_hex;
use kernel::time_util::{format_instant, now};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::jose::{Alg, random_token};

/// An OAuth grant a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    pub const ALL: [GrantType; 3] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
    ];

    pub fn key(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(s: &str) -> Option<GrantType> {
        GrantType::ALL.into_iter().find(|g| g.key() == s)
    }
}

/// The scopes with a meaning to people (the rest are API scopes for system clients).
pub const USER_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "phone",
    "offline_access",
    "yiwang:entity",
    "yiwang:roles",
    "yiwang:id_number",
];

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub client_id: String,
    pub name_zh: String,
    pub name_bo: String,
    pub name_en: String,
    #[serde(skip)]
    secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub first_party: bool,
    #[serde(skip)]
    pub id_token_alg: Alg,
    pub created_at: String,
    pub disabled: bool,
}

impl Client {
    /// A public client has no secret and must prove possession with PKCE.
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn may_use(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether the presented secret is this client's (none for a public client), compared
    /// in time independent of where a difference lies.
    pub fn secret_matches(&self, presented: Option<&str>) -> bool {
        match (&self.secret_hash, presented) {
            (None, None) => true,
            (Some(hash), Some(secret)) => {
                kernel::crypto::same_secret(hash, &sm3_hex(secret.as_bytes()))
            }
            _ => false,
        }
    }

    pub fn id_token_alg_name(&self) -> &'static str {
        self.id_token_alg.name()
    }
}

/// What an administrator fills in.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub client_id: String,
    pub name_zh: String,
    pub name_bo: String,
    pub name_en: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub first_party: bool,
    pub id_token_alg: Option<Alg>,
}

/// A problem with a registration, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
    pub value: String,
}

fn invalid(field: &'static str, key: &'static str, value: &str) -> Invalid {
    Invalid {
        field,
        key,
        value: value.to_owned(),
    }
}

/// Whether `uri` may be registered as a redirect: absolute, no fragment, and `https` except
/// on the loopback interface (RFC 8252 §7.3) — or a private-use scheme for native apps.
pub fn acceptable_redirect(uri: &str) -> bool {
    if uri.contains('#') || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = uri.split_once("://") else {
        // A native app's private-use scheme: `cn.gov.xizang.app:/callback`.
        return uri.split_once(":/").is_some_and(|(s, _)| {
            s.contains('.')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        });
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host_only = host.rsplit_once(':').map_or(host, |(h, _)| h);
    match scheme {
        "https" => !host_only.is_empty(),
        "http" => matches!(host_only, "localhost" | "127.0.0.1" | "[::1]"),
        _ => false,
    }
}

fn valid_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
}

impl NewClient {
    /// Every problem with the registration at once.
    pub fn check(&self) -> Vec<Invalid> {
        let mut bad = Vec::new();
        let id_ok = (3..=64).contains(&self.client_id.len())
            && self.client_id.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        if !id_ok {
            bad.push(invalid("client_id", "client-error-id", &self.client_id));
        }
        if self.name_zh.trim().is_empty() {
            bad.push(invalid("name_zh", "client-error-name", ""));
        }
        if self.grant_types.is_empty() {
            bad.push(invalid("grant_types", "client-error-grants", ""));
        }
        if self.public && self.grant_types.contains(&GrantType::ClientCredentials) {
            bad.push(invalid(
                "grant_types",
                "client-error-public-credentials",
                "",
            ));
        }
        let browser = self.grant_types.contains(&GrantType::AuthorizationCode);
        if browser && self.redirect_uris.is_empty() {
            bad.push(invalid("redirect_uris", "client-error-no-redirect", ""));
        }
        for uri in self
            .redirect_uris
            .iter()
            .chain(&self.post_logout_redirect_uris)
        {
            if !acceptable_redirect(uri) {
                bad.push(invalid("redirect_uris", "client-error-redirect", uri));
            }
        }
        if self.scopes.is_empty() {
            bad.push(invalid("scopes", "client-error-scopes", ""));
        }
        for scope in &self.scopes {
            if !valid_scope_token(scope) {
                bad.push(invalid("scopes", "client-error-scope", scope));
            }
        }
        if browser && !self.scopes.iter().any(|s| s == "openid") {
            bad.push(invalid("scopes", "client-error-openid", ""));
        }
        bad
    }
}

fn join(v: &[String]) -> String {
    v.join(" ")
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Client, DbError> {
    let grants: String = row.try_get("grant_types")?;
    let alg: String = row.try_get("id_token_alg")?;
    let disabled: Option<String> = row.try_get("disabled_at")?;
    Ok(Client {
        client_id: row.try_get("client_id")?,
        name_zh: row.try_get("name_zh")?,
        name_bo: row.try_get("name_bo")?,
        name_en: row.try_get("name_en")?,
        secret_hash: row.try_get("secret_hash")?,
        redirect_uris: split(&row.try_get::<String, _>("redirect_uris")?),
        post_logout_redirect_uris: split(&row.try_get::<String, _>("post_logout_redirect_uris")?),
        scopes: split(&row.try_get::<String, _>("scopes")?),
        grant_types: grants
            .split_whitespace()
            .filter_map(GrantType::parse)
            .collect(),
        first_party: row.try_get::<i64, _>("first_party")? != 0,
        id_token_alg: Alg::parse(&alg).unwrap_or(Alg::Rs256),
        created_at: row.try_get("created_at")?,
        disabled: disabled.is_some(),
    })
}

const COLUMNS: &str = "client_id, name_zh, name_bo, name_en, secret_hash, redirect_uris, \
    post_logout_redirect_uris, scopes, grant_types, first_party, id_token_alg, created_at, disabled_at";

/// A client by id, enabled or not.
pub async fn find(db: &Db, client_id: &str) -> Result<Option<Client>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oidc_clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every client, by id.
pub async fn all(db: &Db) -> Result<Vec<Client>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oidc_clients ORDER BY client_id"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Why a registration was not made.
#[derive(Debug)]
pub enum RegisterError {
    Invalid(Vec<Invalid>),
    Taken,
    /// The principal may not register clients (the refusal is audited).
    Refused(identity::IdentityError),
    Db(DbError),
}

/// Registers a client; returns its secret (shown once) for a confidential client. An
/// administrator or the operator may.
pub async fn register(
    db: &Db,
    by: &identity::Principal,
    new: &NewClient,
) -> Result<Option<String>, RegisterError> {
    by.require_administrator(db, "client.create")
        .await
        .map_err(RegisterError::Refused)?;
    let actor = &by.id();
    let bad = new.check();
    if !bad.is_empty() {
        return Err(RegisterError::Invalid(bad));
    }
    let secret = if new.public {
        None
    } else {
        Some(random_token(32).map_err(|e| RegisterError::Db(DbError::Group(e.to_string())))?)
    };
    let mut tx = db.begin().await.map_err(RegisterError::Db)?;
    let inserted = sqlx::query(
        "INSERT INTO oidc_clients (client_id, name_zh, name_bo, name_en, secret_hash, redirect_uris, \
         post_logout_redirect_uris, scopes, grant_types, first_party, id_token_alg, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&new.client_id)
    .bind(new.name_zh.trim())
    .bind(new.name_bo.trim())
    .bind(new.name_en.trim())
    .bind(secret.as_deref().map(|s| sm3_hex(s.as_bytes())))
    .bind(join(&new.redirect_uris))
    .bind(join(&new.post_logout_redirect_uris))
    .bind(join(&new.scopes))
    .bind(
        new.grant_types
            .iter()
            .map(|g| g.key())
            .collect::<Vec<_>>()
            .join(" "),
    )
    .bind(i64::from(new.first_party))
    .bind(new.id_token_alg.unwrap_or(Alg::Rs256).name())
    .bind(format_instant(now()))
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) => {
            return Err(match DbError::from(e) {
                DbError::Conflict(_) => RegisterError::Taken,
                e => RegisterError::Db(e),
            });
        }
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "client.created",
            subject: &format!("client:{}", new.client_id),
            payload: json!({
                "public": new.public,
                "redirect_uris": new.redirect_uris,
                "scopes": new.scopes,
                "grant_types": new.grant_types,
                "first_party": new.first_party,
            }),
        },
    )
    .await
    .map_err(RegisterError::Db)?;
    tx.commit().await.map_err(|e| RegisterError::Db(e.into()))?;
    Ok(secret)
}

/// Turns a client off (or on again): at once on this replica (after [`crate::client_auth::Cache::forget`]) and
/// within the copy's lifetime (`kernel::ttl::TTL`) on the others.
pub async fn set_disabled(
    db: &Db,
    by: &identity::Principal,
    client_id: &str,
    disabled: bool,
) -> Result<bool, identity::IdentityError> {
    by.require_administrator(db, "client.status").await?;
    Ok(write_disabled(db, client_id, disabled, &by.id()).await?)
}

async fn write_disabled(
    db: &Db,
    client_id: &str,
    disabled: bool,
    actor: &str,
) -> Result<bool, DbError> {
    let mut tx = db.begin().await?;
    let at = disabled.then(|| format_instant(now()));
    let changed = sqlx::query("UPDATE oidc_clients SET disabled_at = $1 WHERE client_id = $2")
        .bind(at)
        .bind(client_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: if disabled {
                "client.disabled"
            } else {
                "client.enabled"
            },
            subject: &format!("client:{client_id}"),
            payload: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A new secret for a confidential client; the old one stops working as a switch-off does.
pub async fn rotate_secret(
    db: &Db,
    by: &identity::Principal,
    client_id: &str,
) -> Result<Option<String>, identity::IdentityError> {
    by.require_administrator(db, "client.secret").await?;
    Ok(write_secret(db, client_id, &by.id()).await?)
}

async fn write_secret(db: &Db, client_id: &str, actor: &str) -> Result<Option<String>, DbError> {
    let secret = random_token(32).map_err(|e| DbError::Group(e.to_string()))?;
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE oidc_clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash IS NOT NULL",
    )
    .bind(sm3_hex(secret.as_bytes()))
    .bind(client_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "client.secret_rotated",
            subject: &format!("client:{client_id}"),
            payload: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_redirects_can_be_registered() {
        assert!(acceptable_redirect("https://rp.example.gov.cn/cb"));
        assert!(acceptable_redirect("http://127.0.0.1:8765/cb"));
        assert!(acceptable_redirect("http://localhost/cb"));
        assert!(acceptable_redirect("cn.gov.xizang.app:/oauth"));
        assert!(
            !acceptable_redirect("http://rp.example.gov.cn/cb"),
            "plain http off loopback"
        );
        assert!(!acceptable_redirect("https://rp.example/cb#frag"));
        assert!(!acceptable_redirect("javascript:alert(1)"));
        assert!(!acceptable_redirect("/relative"));
        assert!(!acceptable_redirect("https:///nohost"));
    }

    #[test]
    fn a_registration_reports_every_problem_at_once() {
        let bad = NewClient {
            client_id: "A!".into(),
            public: true,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::ClientCredentials],
            redirect_uris: vec!["http://evil.example/cb".into()],
            scopes: vec!["profile".into()],
            ..NewClient::default()
        }
        .check();
        let fields: Vec<&str> = bad.iter().map(|b| b.key).collect();
        assert_eq!(
            fields,
            [
                "client-error-id",
                "client-error-name",
                "client-error-public-credentials",
                "client-error-redirect",
                "client-error-openid"
            ]
        );
    }
}
