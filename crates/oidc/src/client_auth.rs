//! How a client proves who it is at the token, revocation and introspection endpoints, and
//! each replica's short-lived copy of the registry that those checks read.

use axum::http::{HeaderMap, header};
use base64::Engine;
use db::{Db, DbError};

use crate::OAuthError;
use crate::clients::{Client, find};

/// The credentials a request to the token, revocation or introspection endpoint presents:
/// HTTP Basic (`client_secret_basic`), form fields (`client_secret_post`), or a bare
/// `client_id` (a public client, `none`).
#[derive(Debug, Default)]
pub struct Presented {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    /// Both Basic and form credentials were given (RFC 6749 §2.3: only one method).
    pub ambiguous: bool,
}

fn form_decode(s: &str) -> String {
    crate::form::decode(s)
}

impl Presented {
    pub fn read(
        headers: &HeaderMap,
        form_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Presented {
        let basic = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| {
                pair.split_once(':')
                    .map(|(id, secret)| (form_decode(id), form_decode(secret)))
            });
        match basic {
            Some((id, secret)) => Presented {
                ambiguous: form_secret.is_some() || form_id.is_some_and(|f| f != id),
                client_id: Some(id),
                secret: Some(secret),
            },
            None => Presented {
                client_id: form_id.map(str::to_owned),
                secret: form_secret.map(str::to_owned),
                ambiguous: false,
            },
        }
    }
}

/// Each replica's short-lived copy of the registry: the token endpoint reads a client on every
/// call, and at thousands of calls a second the round trip to the database would cost more
/// than the signature.
#[derive(Debug, Default)]
pub struct Cache {
    clients: kernel::ttl::TtlMap<String, Option<Client>>,
    /// Access tokens (by `jti`) known not to be revoked.
    live: kernel::ttl::TtlMap<String, ()>,
}

impl Cache {
    /// A client by id (enabled or not), from the copy when it is fresh.
    pub async fn find(&self, db: &Db, client_id: &str) -> Result<Option<Client>, DbError> {
        if let Some(c) = self.clients.get(client_id) {
            return Ok(c);
        }
        let found = find(db, client_id).await?;
        // Unknown ids are remembered too (briefly), so guessing cannot flood the database.
        self.clients.put(client_id.to_owned(), found.clone());
        Ok(found)
    }

    /// Drops this replica's copy (after a change made here).
    pub fn forget(&self, client_id: &str) {
        self.clients.forget(client_id);
    }

    /// Whether an access token was revoked (RFC 7009). A system presents one token thousands
    /// of times a second; a revocation takes effect at once on the replica that took it and
    /// within the copy's lifetime (`kernel::ttl::TTL`) on the others, as for clients.
    pub async fn is_revoked(
        &self,
        db: &Db,
        jti: &str,
        family: Option<&str>,
    ) -> Result<bool, DbError> {
        if self.live.get(jti).is_some() {
            return Ok(false);
        }
        let revoked = crate::store::is_revoked(db, jti, family).await?;
        if !revoked {
            self.live.put(jti.to_owned(), ());
        }
        Ok(revoked)
    }

    /// Forgets that a token was live (after revoking it here).
    pub fn revoked(&self, jti: &str) {
        self.live.forget(jti);
    }
}

/// Authenticates the calling client; every failure is the same `invalid_client`.
pub async fn authenticate(
    cache: &Cache,
    db: &Db,
    presented: &Presented,
) -> Result<Client, OAuthError> {
    if presented.ambiguous {
        return Err(OAuthError::invalid_request("oauth-two-auth-methods"));
    }
    let Some(id) = presented.client_id.as_deref() else {
        return Err(OAuthError::invalid_client());
    };
    let client = cache
        .find(db, id)
        .await?
        .filter(|c| !c.disabled)
        .ok_or_else(OAuthError::invalid_client)?;
    if client.secret_matches(presented.secret.as_deref()) {
        Ok(client)
    } else {
        Err(OAuthError::invalid_client())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded_and_a_second_method_is_refused() {
        let mut h = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("my%20app:s%2Bcret");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().expect("header"),
        );
        let p = Presented::read(&h, None, None);
        assert_eq!(p.client_id.as_deref(), Some("my app"));
        assert_eq!(p.secret.as_deref(), Some("s+cret"));
        assert!(!p.ambiguous);
        assert!(Presented::read(&h, None, Some("x")).ambiguous);
    }
}
