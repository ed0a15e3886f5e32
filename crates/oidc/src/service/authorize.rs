//! Authorization requests: checking them, consent, and issuing codes.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::Session;
use kernel::time_util::{format_instant, now};
use serde_json::json;

use super::{CODE_TTL, Provider, actor_of, token_digest, unix, valid_pkce};
use crate::clients::{Client, GrantType, USER_SCOPES};
use crate::error::OAuthError;
use crate::form::{Params, encode};
use crate::jose::random_token;
use crate::store::{self, Grant};

/// What an authorization request asks, once checked.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: Client,
    pub redirect_uri: String,
    /// The scopes granted: those asked for that the client may have.
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Vec<String>,
    pub max_age: Option<i64>,
    /// The request as received, to come back to after signing in or consenting.
    pub params: Params,
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone)]
pub enum AuthorizeError {
    /// The client or redirect address cannot be trusted: tell the person, never redirect.
    Page(&'static str),
    /// Tell the client, at its registered address.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

impl AuthorizeError {
    /// Where the browser goes with the error (RFC 6749 §4.1.2.1).
    pub fn location(
        redirect_uri: &str,
        state: Option<&str>,
        code: &str,
        description: &str,
    ) -> String {
        let mut url = format!(
            "{redirect_uri}{}error={}&error_description={}",
            if redirect_uri.contains('?') { '&' } else { '?' },
            encode(code),
            encode(description)
        );
        if let Some(s) = state {
            url.push_str(&format!("&state={}", encode(s)));
        }
        url
    }
}

impl Provider {
    /// Checks an authorization request (OIDC Core §3.1.2.1). The client and the exact
    /// redirect address come first: until both are known good, nothing redirects.
    pub async fn check_authorize(
        &self,
        db: &Db,
        params: Params,
    ) -> Result<AuthRequest, AuthorizeError> {
        let Some(client_id) = params.get("client_id") else {
            return Err(AuthorizeError::Page("oauth-page-no-client"));
        };
        let client = match self.clients.find(db, client_id).await {
            Ok(Some(c)) if !c.disabled => c,
            Ok(_) => return Err(AuthorizeError::Page("oauth-page-unknown-client")),
            Err(_) => return Err(AuthorizeError::Page("oauth-page-unavailable")),
        };
        let Some(redirect_uri) = params
            .get("redirect_uri")
            .filter(|r| client.redirect_uris.iter().any(|u| u == r))
            .map(str::to_owned)
        else {
            return Err(AuthorizeError::Page("oauth-page-bad-redirect"));
        };
        let state = params.get("state").map(str::to_owned);
        let fail = |code: &'static str, key: &'static str| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            error: OAuthError::new(code, key),
        };
        if params.get("request").is_some() || params.get("request_uri").is_some() {
            return Err(fail("request_not_supported", "oauth-no-request-objects"));
        }
        if params.get("response_type") != Some("code") {
            return Err(fail("unsupported_response_type", "oauth-response-type"));
        }
        if !client.may_use(GrantType::AuthorizationCode) {
            return Err(fail("unauthorized_client", "oauth-grant-not-allowed"));
        }
        if params.get("response_mode").is_some_and(|m| m != "query") {
            return Err(fail("invalid_request", "oauth-response-mode"));
        }
        let asked: Vec<&str> = params
            .get("scope")
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let scopes: Vec<String> = asked
            .iter()
            .filter(|s| client.allows_scope(s) && USER_SCOPES.contains(s))
            .map(|s| (*s).to_owned())
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            return Err(fail("invalid_scope", "oauth-scope-openid"));
        }
        let code_challenge = match (
            params.get("code_challenge"),
            params.get("code_challenge_method"),
        ) {
            (Some(c), Some("S256")) if valid_pkce(c) => Some(c.to_owned()),
            (Some(_), Some("S256")) => return Err(fail("invalid_request", "oauth-pkce-format")),
            (Some(_), _) => return Err(fail("invalid_request", "oauth-pkce-method")),
            (None, _) if client.is_public() => {
                return Err(fail("invalid_request", "oauth-pkce-required"));
            }
            (None, _) => None,
        };
        let max_age = match params.get("max_age") {
            Some(m) => match m.parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => return Err(fail("invalid_request", "oauth-max-age")),
            },
            None => None,
        };
        let prompt: Vec<String> = params
            .get("prompt")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if prompt.iter().any(|p| p == "none") && prompt.len() > 1 {
            return Err(fail("invalid_request", "oauth-prompt"));
        }
        Ok(AuthRequest {
            nonce: params.get("nonce").map(str::to_owned),
            client,
            redirect_uri,
            scopes,
            state,
            code_challenge,
            prompt,
            max_age,
            params,
        })
    }

    /// Whether the session is fresh enough for the request's `max_age`.
    pub fn fresh_enough(req: &AuthRequest, session: &Session) -> bool {
        req.max_age
            .is_none_or(|m| (now() - session.created_at).whole_seconds() <= m)
    }

    /// Whether the person must still be asked for consent.
    pub async fn needs_consent(
        &self,
        db: &Db,
        req: &AuthRequest,
        session: &Session,
    ) -> Result<bool, DbError> {
        if req.prompt.iter().any(|p| p == "consent") {
            return Ok(true);
        }
        if req.client.first_party {
            return Ok(false);
        }
        let given = store::consented(db, session.account.id, &req.client.client_id).await?;
        Ok(!req.scopes.iter().all(|s| given.contains(s)))
    }

    /// Records consent (when given on the consent screen) and issues a code; returns where the
    /// browser goes next.
    pub async fn issue_code(
        &self,
        db: &Db,
        req: &AuthRequest,
        session: &Session,
        consent_given: bool,
    ) -> Result<String, OAuthError> {
        let code = random_token(32)?;
        let code_hash = token_digest(&code);
        let grant = Grant {
            client_id: req.client.client_id.clone(),
            account_id: session.account.id,
            session_hash: session.token_hash.clone(),
            scope: req.scopes.join(" "),
            acr: session.acr.acr().to_owned(),
            auth_time: unix(session.created_at),
            entity_id: session.acting_for.as_ref().map(|m| m.entity.id),
        };
        store::insert_code(
            db,
            &code_hash,
            &grant,
            &req.redirect_uri,
            req.nonce.as_deref(),
            req.code_challenge.as_deref(),
            &format_instant(now() + CODE_TTL),
        )
        .await?;
        if consent_given {
            let mut tx = db.begin().await?;
            let mut scopes =
                store::consented(db, session.account.id, &req.client.client_id).await?;
            for s in &req.scopes {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
            store::put_consent(
                &mut tx,
                session.account.id,
                &req.client.client_id,
                &scopes.join(" "),
            )
            .await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor_of(&session.account),
                    action: "consent.given",
                    subject: &format!("client:{}", req.client.client_id),
                    payload: json!({ "scope": req.scopes }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
        }
        let mut url = format!(
            "{}{}code={}",
            req.redirect_uri,
            if req.redirect_uri.contains('?') {
                '&'
            } else {
                '?'
            },
            encode(&code)
        );
        if let Some(s) = &req.state {
            url.push_str(&format!("&state={}", encode(s)));
        }
        url.push_str(&format!("&iss={}", encode(&self.issuer)));
        Ok(url)
    }
}
