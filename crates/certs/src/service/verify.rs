//! Verification: the identifier checked before any lookup, the digest recomputed, the
//! signature checked with the key that made it, the standing today.

use base64::Engine;
use db::Db;
use kernel::cert_id::CertId;
use kernel::crypto::{SM2_DEFAULT_ID, sm2_verify_der, sm3};
use kernel::time_util::format_date;
use serde::Serialize;

use crate::keys;
use crate::model::{CertError, Certificate, Status};

use super::*;

/// Where a genuine certificate stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    Valid,
    Expired,
    Suspended,
    Revoked,
    Replaced,
}

impl Standing {
    pub fn key(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expired => "expired",
            Standing::Suspended => "suspended",
            Standing::Revoked => "revoked",
            Standing::Replaced => "replaced",
        }
    }

    /// Where the certificate stands on `today` (`YYYY-MM-DD`).
    pub fn of(c: &Certificate, today: &str) -> Standing {
        match c.status {
            Status::Revoked => Standing::Revoked,
            Status::Suspended => Standing::Suspended,
            Status::Replaced => Standing::Replaced,
            Status::Valid if c.expired_on(today) => Standing::Expired,
            Status::Valid => Standing::Valid,
        }
    }
}

/// What checking a certificate found.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Signed by its issuer's key over exactly what it says.
    Genuine {
        cert: Box<Certificate>,
        standing: Standing,
    },
    /// The stored text, digest or signature does not agree: never to be trusted.
    Tampered { cert: Box<Certificate> },
}

/// What an SM2 signature of `format` was made over: the canonical text itself (2, the
/// standard's SM2-with-SM3), or its SM3 digest (1, certificates issued before).
pub(super) fn signed_message<'a>(format: i64, text: &'a str, digest: &'a [u8; 32]) -> &'a [u8] {
    if format >= 2 { text.as_bytes() } else { digest }
}

/// Checks the signature of a stored certificate against its issuer's published key.
pub fn check_signature(c: &Certificate, public_key: &[u8]) -> bool {
    let digest = sm3(c.signed.as_bytes());
    let message = signed_message(c.signature_format, &c.signed, &digest);
    hex::encode(digest) == c.digest
        && B64
            .decode(&c.signature)
            .is_ok_and(|der| sm2_verify_der(SM2_DEFAULT_ID, public_key, message, &der).is_ok())
}

/// Looks a certificate up by its identifier (checked first: a malformed one or a bad check
/// character is refused before any lookup) and checks its signature.
pub async fn verify(db: &Db, identifier: &str) -> Result<Verdict, CertError> {
    let id = CertId::parse(identifier).map_err(|e| {
        CertError::Invalid(vec![("identifier".into(), kernel::Localize::message(&e))])
    })?;
    let c = by_identifier(db, &id.to_string())
        .await?
        .ok_or(CertError::NotFound)?;
    let key = keys::public(db, c.key_id).await?;
    let genuine = key.is_some_and(|k| check_signature(&c, &k.bytes()));
    Ok(if genuine {
        let standing = Standing::of(&c, &format_date(db.clock().today()));
        Verdict::Genuine {
            cert: Box::new(c),
            standing,
        }
    } else {
        Verdict::Tampered { cert: Box::new(c) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Certificate, Status};
    use base64::Engine;
    use kernel::crypto::Sm2Signer;
    use kernel::crypto::{SM2_DEFAULT_ID, sm3, sm3_hex};

    fn cert(signed: &str, signature: Vec<u8>, format: i64) -> Certificate {
        Certificate {
            id: 1,
            identifier: String::new(),
            type_code: String::new(),
            version: 1,
            holder_name: String::new(),
            holder_code: String::new(),
            holder_code_type: String::new(),
            issuer_department: String::new(),
            issuer_code: String::new(),
            issue_date: String::new(),
            valid_from: String::new(),
            valid_to: None,
            division: String::new(),
            signed: signed.to_owned(),
            digest: sm3_hex(signed.as_bytes()),
            signature: B64.encode(signature),
            signature_format: format,
            key_id: 1,
            status: Status::Valid,
            status_reason: String::new(),
            status_at: None,
            disclosed: Vec::new(),
            case_id: None,
            replaced_by: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn signatures_over_the_text_verify_and_those_over_the_digest_still_do() {
        let key = Sm2Signer::generate(SM2_DEFAULT_ID).expect("key");
        let text = r#"{"holder":"扎西顿珠","identifier":"x"}"#;
        let digest = sm3(text.as_bytes());
        let now = cert(text, key.sign_der(text.as_bytes()), 2);
        let before = cert(text, key.sign_der(&digest), 1);
        assert!(check_signature(&now, &key.public_key()));
        assert!(check_signature(&before, &key.public_key()));
        // Each is checked by its own format only.
        assert!(!check_signature(
            &cert(text, key.sign_der(&digest), 2),
            &key.public_key()
        ));
        assert!(!check_signature(
            &cert(text, key.sign_der(text.as_bytes()), 1),
            &key.public_key()
        ));
    }
}
