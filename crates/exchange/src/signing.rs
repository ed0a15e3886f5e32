//! How the exchange signs what it sends (webhook deliveries, and requests forwarded to a
//! provider): an SM2-with-SM3 signature (GB/T 32918, signer identity `1234567812345678`) by
//! the data authority's published key over the canonical request —
//!
//! ```text
//! POST\n/hooks/civil-affairs\n1796515200\n<SM3 of the body, hex>
//! ```
//!
//! — method, path (with its query), the time in Unix seconds and the body's digest, one per
//! line. The header `Yiwang-Signature: key=12, time=1796515200, signature=<base64 DER>` names
//! the key (published at `/api/v1/certs/keys`), so a receiver verifies with standard tools
//! (`openssl pkeyutl -verify -pkeyopt distid:1234567812345678`, gmssl) and refuses a time
//! far from its own clock.

use base64::Engine;
use db::Db;
use kernel::Message;
use kernel::crypto::{SM2_DEFAULT_ID, Sm2Signer};
use std::sync::Arc;

use crate::caller::AUTHORITY_DEPARTMENT;
use crate::model::ExchangeError;

/// The header that carries the signature.
pub const HEADER: &str = "yiwang-signature";

/// The text that is signed.
pub fn canonical(method: &str, path: &str, time: i64, body: &[u8]) -> String {
    format!(
        "{method}\n{path}\n{time}\n{}",
        kernel::crypto::sm3_hex(body)
    )
}

/// The signature header's value for a request, signed now (by the database's clock).
pub async fn sign(db: &Db, method: &str, path: &str, body: &[u8]) -> Result<String, ExchangeError> {
    let (key, signer) = signer(db).await?;
    let time = db.clock().now().unix_timestamp();
    Ok(header(key, &signer, time, method, path, body))
}

/// The data authority's current key, for many signatures at once.
pub async fn signer(db: &Db) -> Result<(i64, Arc<Sm2Signer>), ExchangeError> {
    certs::keys::signer(db, AUTHORITY_DEPARTMENT)
        .await
        .map_err(|e| {
            ExchangeError::Refused(
                Message::new("xc-signing-failed").arg("detail", kernel::Localize::message(&e).key),
            )
        })
}

/// The signature header's value: `key`'s signature over the canonical request at `time`.
pub fn header(
    key: i64,
    signer: &Sm2Signer,
    time: i64,
    method: &str,
    path: &str,
    body: &[u8],
) -> String {
    let signature = signer.sign_der(canonical(method, path, time, body).as_bytes());
    format!(
        "key={key}, time={time}, signature={}",
        base64::engine::general_purpose::STANDARD.encode(signature)
    )
}

/// Headers for many bodies sent to one path at one time, signed on every core.
pub async fn headers_for(
    db: &Db,
    method: &'static str,
    path: &str,
    bodies: Vec<String>,
) -> Result<Vec<(String, String)>, ExchangeError> {
    let (key, signer) = signer(db).await?;
    let time = db.clock().now().unix_timestamp();
    let path = path.to_owned();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    tokio::task::spawn_blocking(move || {
        let chunk = bodies.len().div_ceil(cores).max(1);
        std::thread::scope(|s| {
            let parts: Vec<_> = bodies
                .chunks(chunk)
                .map(|part| {
                    let (signer, path) = (&signer, &path);
                    s.spawn(move || {
                        part.iter()
                            .map(|b| {
                                (
                                    header(key, signer, time, method, path, b.as_bytes()),
                                    b.clone(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_default())
                .collect()
        })
    })
    .await
    .map_err(|e| {
        ExchangeError::Refused(Message::new("xc-signing-failed").arg("detail", e.to_string()))
    })
}

/// A signature header taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub key: i64,
    pub time: i64,
    pub der: Vec<u8>,
}

/// Reads a signature header.
pub fn parse(header: &str) -> Option<Signature> {
    let mut key = None;
    let mut time = None;
    let mut der = None;
    for part in header.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name {
            "key" => key = value.parse().ok(),
            "time" => time = value.parse().ok(),
            "signature" => der = base64::engine::general_purpose::STANDARD.decode(value).ok(),
            _ => {}
        }
    }
    Some(Signature {
        key: key?,
        time: time?,
        der: der?,
    })
}

/// Verifies a signed request by the signer's public key (SEC1), as a receiver does.
pub fn verify(public_key: &[u8], method: &str, path: &str, body: &[u8], header: &str) -> bool {
    parse(header).is_some_and(|s| {
        kernel::crypto::sm2_verify_der(
            SM2_DEFAULT_ID,
            public_key,
            canonical(method, path, s.time, body).as_bytes(),
            &s.der,
        )
        .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_over_the_canonical_request_and_nothing_else() {
        let signer = kernel::crypto::Sm2Signer::generate(SM2_DEFAULT_ID).expect("key");
        let body = br#"{"events":[]}"#;
        let der = signer.sign_der(canonical("POST", "/hook", 1_796_515_200, body).as_bytes());
        let header = format!(
            "key=3, time=1796515200, signature={}",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        let public = signer.public_key();
        assert!(verify(&public, "POST", "/hook", body, &header));
        assert!(!verify(&public, "POST", "/hook", b"{}", &header));
        assert!(!verify(&public, "POST", "/other", body, &header));
        assert!(!verify(
            &public,
            "POST",
            "/hook",
            body,
            &header.replace("1796515200", "1796515201")
        ));
        assert_eq!(
            parse(&header).map(|s| (s.key, s.time)),
            Some((3, 1_796_515_200))
        );
        assert!(parse("key=3").is_none());
    }
}
