//! JSON Web Tokens and keys, just as much of JOSE as OpenID Connect needs: compact JWS with
//! RS256 (RSASSA-PKCS1-v1_5, SHA-256, 2048-bit keys) and ES256 (ECDSA P-256, SHA-256), JWKs
//! of public keys, and RFC 7638 thumbprints as key ids. Signing and verifying run on
//! aws-lc-rs.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

/// A signing algorithm offered for tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    Rs256,
    Es256,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::Rs256, Alg::Es256];

    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }

    pub fn parse(s: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == s)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JoseError {
    #[error("the token is not a compact JWS")]
    Malformed,
    #[error("the token names an unknown key or algorithm")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the key could not be made or read")]
    Key,
}

/// A private key that signs tokens.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pair: Pair,
    /// The public key as a JWK (with `kid`, `alg`, `use`).
    pub jwk: Value,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new key pair; returns it with its PKCS#8 DER for storage.
    pub fn generate(alg: Alg) -> Result<(SigningKey, Vec<u8>), JoseError> {
        let der = match alg {
            Alg::Rs256 => {
                let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|_| JoseError::Key)?;
                let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> =
                    pair.as_der().map_err(|_| JoseError::Key)?;
                der.as_ref().to_vec()
            }
            Alg::Es256 => EcdsaKeyPair::generate_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(|_| JoseError::Key)?
            .as_ref()
            .to_vec(),
        };
        Ok((SigningKey::from_pkcs8(alg, &der)?, der))
    }

    /// A stored key.
    pub fn from_pkcs8(alg: Alg, der: &[u8]) -> Result<SigningKey, JoseError> {
        let (pair, mut jwk) = match alg {
            Alg::Rs256 => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| JoseError::Key)?;
                let (n, e) = rsa_public_numbers(pair.public_key().as_ref())?;
                let jwk = json!({ "kty": "RSA", "n": B64.encode(n), "e": B64.encode(e) });
                (Pair::Rsa(pair), jwk)
            }
            Alg::Es256 => {
                let pair =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
                        .map_err(|_| JoseError::Key)?;
                let point = pair.public_key().as_ref();
                if point.len() != 65 || point[0] != 4 {
                    return Err(JoseError::Key);
                }
                let jwk = json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": B64.encode(&point[1..33]),
                    "y": B64.encode(&point[33..65]),
                });
                (Pair::Ec(pair), jwk)
            }
        };
        let kid = thumbprint(&jwk);
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg.name());
        jwk["use"] = json!("sig");
        Ok(SigningKey {
            kid,
            alg,
            pair,
            jwk,
        })
    }

    /// Signs `claims` as a compact JWS with the given `typ`.
    pub fn sign(&self, typ: &str, claims: &Value) -> Result<String, JoseError> {
        let header = json!({ "alg": self.alg.name(), "kid": self.kid, "typ": typ });
        let mut out = B64.encode(header.to_string());
        out.push('.');
        out.push_str(&B64.encode(claims.to_string()));
        let rng = SystemRandom::new();
        let sig = match &self.pair {
            Pair::Rsa(pair) => {
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, out.as_bytes(), &mut sig)
                    .map_err(|_| JoseError::Key)?;
                sig
            }
            Pair::Ec(pair) => pair
                .sign(&rng, out.as_bytes())
                .map_err(|_| JoseError::Key)?
                .as_ref()
                .to_vec(),
        };
        out.push('.');
        out.push_str(&B64.encode(sig));
        Ok(out)
    }

    /// Checks a signature this key (or its public half) made.
    fn verify(&self, signed: &[u8], sig: &[u8]) -> bool {
        match &self.pair {
            Pair::Rsa(pair) => UnparsedPublicKey::new(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                pair.public_key().as_ref(),
            )
            .verify(signed, sig)
            .is_ok(),
            Pair::Ec(pair) => UnparsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                pair.public_key().as_ref(),
            )
            .verify(signed, sig)
            .is_ok(),
        }
    }
}

/// The parts of a compact JWS, before its signature is checked.
#[derive(Debug)]
pub struct Unverified<'a> {
    pub kid: Option<String>,
    pub alg: Option<Alg>,
    signed: &'a str,
    claims: &'a str,
    sig: &'a str,
}

impl<'a> Unverified<'a> {
    pub fn parse(token: &'a str) -> Result<Unverified<'a>, JoseError> {
        let mut parts = token.splitn(4, '.');
        let (Some(header), Some(claims), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JoseError::Malformed);
        };
        let header: Value = B64
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(JoseError::Malformed)?;
        if header.get("crit").is_some() {
            return Err(JoseError::Malformed);
        }
        Ok(Unverified {
            kid: header["kid"].as_str().map(str::to_owned),
            alg: header["alg"].as_str().and_then(Alg::parse),
            signed: &token[..token.len() - sig.len() - 1],
            claims,
            sig,
        })
    }

    /// Verifies the signature with `key` (which must be of the algorithm the header names)
    /// and returns the claims.
    pub fn verify(&self, key: &SigningKey) -> Result<Value, JoseError> {
        if self.alg != Some(key.alg) {
            return Err(JoseError::UnknownKey);
        }
        let sig = B64.decode(self.sig).map_err(|_| JoseError::Malformed)?;
        if !key.verify(self.signed.as_bytes(), &sig) {
            return Err(JoseError::BadSignature);
        }
        let claims = B64.decode(self.claims).map_err(|_| JoseError::Malformed)?;
        let claims: Value = serde_json::from_slice(&claims).map_err(|_| JoseError::Malformed)?;
        if !claims.is_object() {
            return Err(JoseError::Malformed);
        }
        Ok(claims)
    }
}

/// RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
fn thumbprint(jwk: &Value) -> String {
    let canonical = if jwk["kty"] == "RSA" {
        format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            jwk["e"].as_str().unwrap_or(""),
            jwk["n"].as_str().unwrap_or("")
        )
    } else {
        format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap_or(""),
            jwk["y"].as_str().unwrap_or("")
        )
    };
    B64.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref())
}

/// The left half of SHA-256 of `value`, base64url: `at_hash` and PKCE's S256 use it (PKCE the
/// whole digest).
pub fn half_sha256(value: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.as_bytes());
    B64.encode(&d.as_ref()[..16])
}

/// PKCE S256: base64url(SHA-256(verifier)).
pub fn s256(verifier: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    B64.encode(d.as_ref())
}

/// Random bytes as base64url: tokens, codes, secrets, ids.
pub fn random_token(bytes: usize) -> Result<String, JoseError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|_| JoseError::Key)?;
    Ok(B64.encode(buf))
}

/// `n` and `e` of a PKCS#1 `RSAPublicKey` DER: SEQUENCE { INTEGER n, INTEGER e }.
fn rsa_public_numbers(der: &[u8]) -> Result<(&[u8], &[u8]), JoseError> {
    fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 2 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| rest.split_at(len))
    }
    fn unsigned(int: &[u8]) -> &[u8] {
        match int {
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ => int,
        }
    }
    let (seq, _) = tlv(der, 0x30).ok_or(JoseError::Key)?;
    let (n, rest) = tlv(seq, 0x02).ok_or(JoseError::Key)?;
    let (e, _) = tlv(rest, 0x02).ok_or(JoseError::Key)?;
    Ok((unsigned(n), unsigned(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_signed_with_either_algorithm_verify_and_tampering_is_caught() {
        for alg in Alg::ALL {
            let (key, der) = SigningKey::generate(alg).expect("generate");
            let again = SigningKey::from_pkcs8(alg, &der).expect("reload");
            assert_eq!(key.kid, again.kid, "the kid is the key's thumbprint");
            let token = key
                .sign("JWT", &json!({ "sub": "abc", "n": 1 }))
                .expect("sign");
            let parsed = Unverified::parse(&token).expect("parse");
            assert_eq!(parsed.kid.as_deref(), Some(key.kid.as_str()));
            assert_eq!(parsed.verify(&again).expect("verify")["sub"], "abc");

            let mut parts: Vec<&str> = token.split('.').collect();
            let forged = B64.encode(json!({ "sub": "root", "n": 1 }).to_string());
            parts[1] = &forged;
            let tampered = parts.join(".");
            assert_eq!(
                Unverified::parse(&tampered).expect("parse").verify(&key),
                Err(JoseError::BadSignature),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn a_token_cannot_pick_another_algorithm_for_a_key() {
        let (rsa, _) = SigningKey::generate(Alg::Rs256).expect("generate");
        let (ec, _) = SigningKey::generate(Alg::Es256).expect("generate");
        let token = ec.sign("JWT", &json!({ "sub": "x" })).expect("sign");
        let parsed = Unverified::parse(&token).expect("parse");
        assert_eq!(parsed.verify(&rsa), Err(JoseError::UnknownKey));
        assert!(Unverified::parse("a.b").is_err());
        assert!(Unverified::parse("a.b.c.d").is_err());
        let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode("{}"));
        assert_eq!(
            Unverified::parse(&none).expect("parse").verify(&rsa),
            Err(JoseError::UnknownKey),
            "alg none is never accepted"
        );
    }

    #[test]
    fn pkce_and_hash_helpers_match_the_rfc_examples() {
        // RFC 7636 appendix B.
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(half_sha256("x").len(), 22);
    }

    #[test]
    fn rsa_jwks_carry_the_standard_exponent() {
        let (key, _) = SigningKey::generate(Alg::Rs256).expect("generate");
        assert_eq!(key.jwk["e"], "AQAB");
        assert_eq!(key.jwk["kty"], "RSA");
        assert_eq!(
            B64.decode(key.jwk["n"].as_str().expect("n"))
                .expect("b64")
                .len(),
            256
        );
    }
}
