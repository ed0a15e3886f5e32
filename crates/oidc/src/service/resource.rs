//! What is asked of tokens after issue: their claims, userinfo, introspection (RFC 7662),
//! revocation (RFC 7009), ID token hints and RP-initiated logout.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::Session;
use kernel::time_util::{format_instant, now};
use serde_json::{Map, Value, json};

use super::claims::{entity_of_token, person_claims};
use super::{Provider, actor_of, token_digest, unix};
use crate::clients::Client;
use crate::error::OAuthError;
use crate::store;

impl Provider {
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
        if self
            .clients
            .is_revoked(db, jti, claims["fam"].as_str())
            .await?
        {
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
        let mut revoked_jti = None;
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
            revoked_jti = Some(jti.to_owned());
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
        // Only once committed: a check in between would otherwise remember it live again.
        if let Some(jti) = revoked_jti {
            self.clients.revoked(&jti);
        }
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
