//! The token endpoint: authorization code with PKCE, refresh rotation with replay
//! detection, client credentials.

use db::audit::{self, NewEvent, OwnedEvent};
use db::{Db, DbError};
use identity::model::Account;
use kernel::time_util::{format_instant, now};
use serde_json::{Map, Value, json};

use super::claims::person_claims;
use super::{
    ACCESS_TTL, ID_TTL, Provider, REFRESH_TTL, Replay, sid_of, token_digest, unix, valid_pkce,
};
use crate::clients::{Client, GrantType, USER_SCOPES};
use crate::error::OAuthError;
use crate::form::Params;
use crate::jose::{Alg, half_sha256, random_token, s256};
use crate::keys::KeyRing;
use crate::store::{self, Grant};

impl Provider {
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
            "fam": store::family_digest(family),
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
}
