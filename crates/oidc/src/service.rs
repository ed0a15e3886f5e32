//! The provider's rules: checking an authorization request, issuing codes, and the token
//! endpoint's three grants (authorization code with PKCE, refresh with rotation and replay
//! detection, client credentials), userinfo, revocation and introspection. Every token issued
//! is an audit event stored before the answer leaves; client-credentials issuance, the
//! high-rate path, shares commits through [`db::audit::GroupCommit`].

use std::sync::Arc;

use db::audit::{self, GroupCommit, NewEvent, OwnedEvent};
use db::{Db, DbError};
use identity::model::{Account, AccountKind, Session};
use kernel::crypto::sm3_hex;
use kernel::time_util::{format_instant, now};
use serde_json::{Map, Value, json};
use time::Duration;

use crate::clients::{self, Client, GrantType, USER_SCOPES};
use crate::error::OAuthError;
use crate::form::{Params, encode};
use crate::jose::{Alg, half_sha256, random_token, s256};
use crate::keys::{KeyRing, Keys};
use crate::store::{self, Grant};

pub const CODE_TTL: Duration = Duration::seconds(60);
pub const ACCESS_TTL: Duration = Duration::minutes(10);
pub const ID_TTL: Duration = Duration::hours(1);
pub const REFRESH_TTL: Duration = Duration::days(30);

/// One provider per process: the issuer, the cached keys and the audit group committer.
#[derive(Debug)]
pub struct Provider {
    pub issuer: String,
    pub keys: Keys,
    pub clients: clients::Cache,
    audit: GroupCommit,
}

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
            clients: clients::Cache::default(),
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

    /// The token endpoint, after the client has authenticated.
    pub async fn token(
        &self,
        db: &Db,
        client: &Client,
        params: &Params,
    ) -> Result<Value, OAuthError> {
        let grant_type = params
            .get("grant_type")
            .ok_or_else(|| OAuthError::invalid_request("oauth-no-grant-type"))?;
        let grant = GrantType::parse(grant_type)
            .ok_or_else(|| OAuthError::new("unsupported_grant_type", "oauth-grant-type"))?;
        if !client.may_use(grant) {
            return Err(OAuthError::new(
                "unauthorized_client",
                "oauth-grant-not-allowed",
            ));
        }
        match grant {
            GrantType::AuthorizationCode => self.exchange_code(db, client, params).await,
            GrantType::RefreshToken => self.refresh(db, client, params).await,
            GrantType::ClientCredentials => self.client_credentials(db, client, params).await,
        }
    }

    async fn exchange_code(
        &self,
        db: &Db,
        client: &Client,
        params: &Params,
    ) -> Result<Value, OAuthError> {
        let code = params
            .get("code")
            .ok_or_else(|| OAuthError::invalid_request("oauth-no-code"))?;
        let code_hash = token_digest(code);
        // Keys first: on a fresh database they are made in a transaction of their own.
        let ring = self.ring(db).await?;
        let mut tx = db.begin().await?;
        let Some(found) = store::take_code(&mut tx, &code_hash).await? else {
            return Err(OAuthError::invalid_grant("oauth-code-unknown"));
        };
        let actor = format!("client:{}", client.client_id);
        if found.used {
            // A replayed code: whatever was issued from it is revoked (RFC 6749 §4.1.2).
            let family = store::family_of_code(&code_hash);
            let replay = Replay {
                actor: &actor,
                family: &family,
                account_id: found.grant.account_id,
                action: "code.replayed",
            };
            return Err(replay.refuse(tx, "oauth-code-used").await);
        }
        let problem = if found.expired {
            Some("oauth-code-expired")
        } else if found.grant.client_id != client.client_id {
            Some("oauth-code-client")
        } else if params.get("redirect_uri") != Some(found.redirect_uri.as_str()) {
            Some("oauth-code-redirect")
        } else {
            match (&found.code_challenge, params.get("code_verifier")) {
                (Some(challenge), Some(verifier))
                    if valid_pkce(verifier) && s256(verifier) == *challenge =>
                {
                    None
                }
                (Some(_), _) => Some("oauth-pkce-mismatch"),
                (None, Some(_)) => Some("oauth-pkce-unexpected"),
                (None, None) => None,
            }
        };
        if let Some(key) = problem {
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor,
                    action: "token.refused",
                    subject: &format!("account:{}", found.grant.account_id),
                    payload: json!({ "grant": "authorization_code", "reason": key }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            return Err(OAuthError::invalid_grant(key));
        }
        let Some(session) =
            identity::service::session_by_digest(db, &found.grant.session_hash).await?
        else {
            tx.commit().await.map_err(DbError::from)?;
            return Err(OAuthError::invalid_grant("oauth-session-ended"));
        };
        let family = store::family_of_code(&code_hash);
        let answer = self
            .issue_for_person(
                db,
                &ring,
                &mut tx,
                client,
                &found.grant,
                &session.account,
                found.nonce.as_deref(),
                &family,
                "authorization_code",
            )
            .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(answer)
    }

    async fn refresh(
        &self,
        db: &Db,
        client: &Client,
        params: &Params,
    ) -> Result<Value, OAuthError> {
        let token = params
            .get("refresh_token")
            .ok_or_else(|| OAuthError::invalid_request("oauth-no-refresh"))?;
        let ring = self.ring(db).await?;
        let mut tx = db.begin().await?;
        let Some(found) = store::take_refresh(&mut tx, &token_digest(token)).await? else {
            return Err(OAuthError::invalid_grant("oauth-refresh-unknown"));
        };
        let actor = format!("client:{}", client.client_id);
        if found.grant.client_id != client.client_id {
            return Err(OAuthError::invalid_grant("oauth-refresh-unknown"));
        }
        if found.used && !found.revoked {
            // Reuse of a rotated token: someone holds a copy. The whole family goes.
            let replay = Replay {
                actor: &actor,
                family: &found.family,
                account_id: found.grant.account_id,
                action: "token.refresh_reused",
            };
            return Err(replay.refuse(tx, "oauth-refresh-reused").await);
        }
        if found.revoked || found.expired {
            return Err(OAuthError::invalid_grant("oauth-refresh-expired"));
        }
        let offline = found
            .grant
            .scope
            .split_whitespace()
            .any(|s| s == "offline_access");
        let live = identity::service::session_by_digest(db, &found.grant.session_hash).await?;
        if !offline && live.is_none() {
            store::revoke_family(&mut tx, &found.family).await?;
            tx.commit().await.map_err(DbError::from)?;
            return Err(OAuthError::invalid_grant("oauth-session-ended"));
        }
        let Some(account) = identity::service::account(db, found.grant.account_id).await? else {
            return Err(OAuthError::invalid_grant("oauth-refresh-unknown"));
        };
        let mut grant = found.grant.clone();
        if let Some(narrower) = params.get("scope") {
            let had: Vec<&str> = grant.scope.split_whitespace().collect();
            let asked: Vec<&str> = narrower.split_whitespace().collect();
            if !asked.iter().all(|s| had.contains(s)) {
                return Err(OAuthError::new("invalid_scope", "oauth-scope-wider"));
            }
            grant.scope = asked.join(" ");
        }
        let answer = self
            .issue_for_person(
                db,
                &ring,
                &mut tx,
                client,
                &grant,
                &account,
                None,
                &found.family,
                "refresh_token",
            )
            .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(answer)
    }

    /// Access, ID and (when the client may refresh) refresh tokens for a person, audited in
    /// the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn issue_for_person(
        &self,
        db: &Db,
        ring: &KeyRing,
        tx: &mut db::Conn,
        client: &Client,
        grant: &Grant,
        account: &Account,
        nonce: Option<&str>,
        family: &str,
        how: &str,
    ) -> Result<Value, OAuthError> {
        let sub = store::subject(tx, account.id).await?;
        let at = now();
        let jti = random_token(16)?;
        let sid = sid_of(&grant.session_hash);
        let scopes: Vec<&str> = grant.scope.split_whitespace().collect();
        let access_claims = json!({
            "iss": self.issuer,
            "sub": sub,
            "aud": self.api_audience(),
            "client_id": client.client_id,
            "scope": grant.scope,
            "acr": grant.acr,
            "auth_time": grant.auth_time,
            "sid": sid,
            "iat": unix(at),
            "exp": unix(at + ACCESS_TTL),
            "jti": jti,
        });
        let mut access_claims = access_claims;
        if let Some(e) = grant.entity_id {
            access_claims["ent"] = json!(e);
        }
        let rs = ring
            .active(Alg::Rs256)
            .ok_or_else(OAuthError::server_error)?;
        let access = rs.sign("at+jwt", &access_claims)?;
        let mut id = Map::new();
        id.insert("iss".into(), json!(self.issuer));
        id.insert("sub".into(), json!(sub));
        id.insert("aud".into(), json!(client.client_id));
        id.insert("azp".into(), json!(client.client_id));
        id.insert("iat".into(), json!(unix(at)));
        id.insert("exp".into(), json!(unix(at + ID_TTL)));
        id.insert("auth_time".into(), json!(grant.auth_time));
        id.insert("acr".into(), json!(grant.acr));
        id.insert("sid".into(), json!(sid));
        id.insert("at_hash".into(), json!(half_sha256(&access)));
        if let Some(n) = nonce {
            id.insert("nonce".into(), json!(n));
        }
        for (k, v) in person_claims(db, account, &scopes, grant.entity_id).await? {
            id.insert(k, v);
        }
        let id_key = ring
            .active(client.id_token_alg)
            .ok_or_else(OAuthError::server_error)?;
        let id_token = id_key.sign("JWT", &Value::Object(id))?;
        let mut answer = json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL.whole_seconds(),
            "id_token": id_token,
            "scope": grant.scope,
        });
        let refresh = if client.may_use(GrantType::RefreshToken) {
            let token = random_token(32)?;
            store::insert_refresh(
                tx,
                &token_digest(&token),
                family,
                grant,
                &format_instant(at + REFRESH_TTL),
            )
            .await?;
            answer["refresh_token"] = json!(token);
            true
        } else {
            false
        };
        audit::append(
            tx,
            &NewEvent {
                actor: &format!("client:{}", client.client_id),
                action: "token.issued",
                subject: &format!("account:{}", account.id),
                payload: json!({ "grant": how, "jti": jti, "scope": grant.scope, "refresh": refresh }),
            },
        )
        .await?;
        Ok(answer)
    }

    async fn client_credentials(
        &self,
        db: &Db,
        client: &Client,
        params: &Params,
    ) -> Result<Value, OAuthError> {
        if client.is_public() {
            return Err(OAuthError::new(
                "unauthorized_client",
                "oauth-grant-not-allowed",
            ));
        }
        let api_scopes = || {
            client
                .scopes
                .iter()
                .filter(|s| !USER_SCOPES.contains(&s.as_str()))
        };
        let scope = match params.get("scope") {
            Some(asked) => {
                let asked: Vec<&str> = asked.split_whitespace().collect();
                if !asked.iter().all(|a| api_scopes().any(|s| s == a)) {
                    return Err(OAuthError::new("invalid_scope", "oauth-scope-not-allowed"));
                }
                asked.join(" ")
            }
            None => api_scopes().cloned().collect::<Vec<_>>().join(" "),
        };
        let ring = self.ring(db).await?;
        let at = now();
        let jti = random_token(16)?;
        let claims = json!({
            "iss": self.issuer,
            "sub": client.client_id,
            "aud": self.api_audience(),
            "client_id": client.client_id,
            "scope": scope,
            "iat": unix(at),
            "exp": unix(at + ACCESS_TTL),
            "jti": jti,
        });
        let key = ring
            .active(Alg::Rs256)
            .ok_or_else(OAuthError::server_error)?;
        let token = key.sign("at+jwt", &claims)?;
        self.audit
            .append(OwnedEvent {
                actor: format!("client:{}", client.client_id),
                action: "token.issued".into(),
                subject: format!("client:{}", client.client_id),
                payload: json!({ "grant": "client_credentials", "jti": jti, "scope": scope }),
            })
            .await?;
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL.whole_seconds(),
            "scope": scope,
        }))
    }

    /// The claims of a live access token this provider issued: signature, issuer, audience,
    /// expiry and revocation checked.
    pub async fn access_claims(&self, db: &Db, token: &str) -> Result<Option<Value>, OAuthError> {
        let ring = self.ring(db).await?;
        let Some(claims) = ring.verify(token) else {
            return Ok(None);
        };
        let live = claims["iss"] == self.issuer.as_str()
            && claims["aud"] == self.api_audience().as_str()
            && claims["exp"].as_i64().is_some_and(|e| e > unix(now()));
        if !live {
            return Ok(None);
        }
        let Some(jti) = claims["jti"].as_str() else {
            return Ok(None);
        };
        if store::is_revoked(db, jti).await? {
            return Ok(None);
        }
        if let Some(c) = claims["client_id"].as_str() {
            match self.clients.find(db, c).await? {
                Some(client) if !client.disabled => {}
                _ => return Ok(None),
            }
        }
        Ok(Some(claims))
    }

    /// `/oauth2/userinfo` for a bearer token.
    pub async fn userinfo(&self, db: &Db, token: &str) -> Result<Value, OAuthError> {
        let invalid = || OAuthError::new("invalid_token", "oauth-token-invalid");
        let claims = self.access_claims(db, token).await?.ok_or_else(invalid)?;
        let scope = claims["scope"].as_str().unwrap_or("");
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        if !scopes.contains(&"openid") {
            return Err(OAuthError::new("insufficient_scope", "oauth-scope-openid"));
        }
        let sub = claims["sub"].as_str().unwrap_or("");
        let account_id = store::account_of(db, sub).await?.ok_or_else(invalid)?;
        let account = identity::service::account(db, account_id)
            .await?
            .ok_or_else(invalid)?;
        let entity = entity_of_token(&claims);
        let mut out = Map::new();
        out.insert("sub".into(), json!(sub));
        out.insert("acr".into(), claims["acr"].clone());
        for (k, v) in person_claims(db, &account, &scopes, entity).await? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }

    /// RFC 7662. Access tokens may be introspected by any authenticated confidential client
    /// (resource servers); refresh tokens only by the client they were issued to.
    pub async fn introspect(
        &self,
        db: &Db,
        client: &Client,
        token: &str,
    ) -> Result<Value, OAuthError> {
        if client.is_public() {
            return Err(OAuthError::invalid_client());
        }
        if let Some(claims) = self.access_claims(db, token).await? {
            let mut out = json!({ "active": true, "token_type": "Bearer" });
            for k in [
                "scope",
                "client_id",
                "sub",
                "exp",
                "iat",
                "iss",
                "aud",
                "jti",
                "acr",
                "sid",
            ] {
                if !claims[k].is_null() {
                    out[k] = claims[k].clone();
                }
            }
            return Ok(out);
        }
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        if let Some(r) = store::refresh(&mut conn, &token_digest(token)).await?
            && r.grant.client_id == client.client_id
            && !r.used
            && !r.revoked
            && !r.expired
        {
            let sub = store::subject(&mut conn, r.grant.account_id).await?;
            return Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": r.grant.scope,
                "client_id": r.grant.client_id,
                "sub": sub,
                "iss": self.issuer,
            }));
        }
        Ok(json!({ "active": false }))
    }

    /// RFC 7009: revokes a refresh token (and its family) or an access token of this client.
    /// Unknown tokens are not an error.
    pub async fn revoke(&self, db: &Db, client: &Client, token: &str) -> Result<(), OAuthError> {
        let ring = self.ring(db).await?;
        let mut tx = db.begin().await?;
        let actor = format!("client:{}", client.client_id);
        if let Some(r) = store::refresh(&mut tx, &token_digest(token)).await? {
            if r.grant.client_id != client.client_id {
                return Ok(());
            }
            let n = store::revoke_family(&mut tx, &r.family).await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor,
                    action: "token.revoked",
                    subject: &format!("account:{}", r.grant.account_id),
                    payload: json!({ "kind": "refresh_token", "revoked": n }),
                },
            )
            .await?;
        } else if let Some(claims) = ring.verify(token)
            && claims["client_id"] == client.client_id.as_str()
            && let (Some(jti), Some(exp)) = (claims["jti"].as_str(), claims["exp"].as_i64())
        {
            let exp = time::OffsetDateTime::from_unix_timestamp(exp).unwrap_or_else(|_| now());
            store::revoke_jti(&mut tx, jti, &format_instant(exp)).await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor,
                    action: "token.revoked",
                    subject: &format!("jti:{jti}"),
                    payload: json!({ "kind": "access_token" }),
                },
            )
            .await?;
        }
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// The claims of an ID token this provider signed (expired or not): for `id_token_hint`.
    pub async fn id_token_hint(&self, db: &Db, token: &str) -> Result<Option<Value>, OAuthError> {
        let ring = self.ring(db).await?;
        Ok(ring
            .verify(token)
            .filter(|c| c["iss"] == self.issuer.as_str() && c["aud"].is_string()))
    }

    /// RP-initiated logout: ends the sign-in session and the refresh tokens bound to it.
    pub async fn end_session(
        &self,
        db: &Db,
        session: &Session,
        client_id: Option<&str>,
    ) -> Result<(), OAuthError> {
        identity::service::sign_out(db, session, &session.token_hash)
            .await
            .map_err(|_| OAuthError::server_error())?;
        let mut tx = db.begin().await?;
        let n = store::revoke_for_session(&mut tx, &session.token_hash).await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor_of(&session.account),
                action: "session.logout",
                subject: &format!("account:{}", session.account.id),
                payload: json!({ "client": client_id, "refresh_tokens_revoked": n }),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
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

/// The entity a person acted for when the token was issued (the `ent` claim). The claims
/// about it are read afresh, so an agent whose authority has ended no longer speaks for it.
fn entity_of_token(claims: &Value) -> Option<i64> {
    claims["ent"].as_i64()
}

/// The claims about a person that the granted scopes release.
async fn person_claims(
    db: &Db,
    account: &Account,
    scopes: &[&str],
    entity_id: Option<i64>,
) -> Result<Vec<(String, Value)>, DbError> {
    let mut out = Vec::new();
    if scopes.contains(&"profile") {
        out.push(("name".into(), json!(account.display_name(kernel::Lang::Zh))));
        if !account.name_bo.is_empty() {
            out.push(("name#bo".into(), json!(account.name_bo)));
        }
        if let Some(login) = &account.login {
            out.push(("preferred_username".into(), json!(login)));
        }
    }
    if scopes.contains(&"phone")
        && let Some(m) = &account.mobile
    {
        out.push(("phone_number".into(), json!(format!("+86{m}"))));
    }
    if scopes.contains(&"yiwang:id_number")
        && let Some(pid) = &account.person_id
    {
        out.push(("id_number".into(), json!(pid.as_str())));
    }
    if scopes.contains(&"yiwang:roles") && account.kind == AccountKind::Official {
        let roles: Vec<Value> = account
            .grants
            .iter()
            .map(|g| json!({ "role": g.role.key(), "division": g.division.to_string() }))
            .collect();
        out.push(("roles".into(), json!(roles)));
        if let Some(d) = &account.department {
            out.push(("department".into(), json!(d)));
        }
    }
    if scopes.contains(&"yiwang:entity")
        && let Some(entity) = entity_id
        && let Some(m) = identity::entities::membership(db, account.id, entity).await?
    {
        out.push((
            "entity".into(),
            json!({
                "credit_code": m.entity.credit_code,
                "name": m.entity.name,
                "role": m.role.key(),
                "until": m.expires_on,
            }),
        ));
    }
    Ok(out)
}
