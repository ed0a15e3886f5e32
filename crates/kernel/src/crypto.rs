//! Chinese commercial cryptography (商用密码) wrappers: SM3 hashes (GM/T 0004), SM4 block
//! encryption (GM/T 0002) and SM2 signatures (GM/T 0003) on the recommended curve sm2p256v1.
//!
//! The SM2 implementation is RustCrypto's `sm2` crate, which has not been independently
//! audited; our tests check sign/verify round trips and rejection of altered data. Fields at
//! rest are sealed with [`Sealer`]: SM4 in counter mode, then HMAC-SM3 over the context, nonce
//! and ciphertext (encrypt-then-MAC), with keys derived from one master key.

use sm2::dsa::signature::{Signer, Verifier};
use sm2::elliptic_curve::Generate;
use sm3::Digest;
use sm4::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

/// The default SM2 signer identity (GM/T 0009; unconfirmed default, configurable by callers).
pub const DEFAULT_SIGNER_ID: &str = "1234567812345678";

/// SM3 digest of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(data).into()
}

/// SM3 digest of `data`, lower-case hex.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(sm3(data))
}

/// Encrypts one 16-byte block with SM4.
pub fn sm4_encrypt_block(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = sm4::Sm4::new(&(*key).into());
    let mut b = (*block).into();
    cipher.encrypt_block(&mut b);
    b.into()
}

/// Decrypts one 16-byte block with SM4.
pub fn sm4_decrypt_block(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = sm4::Sm4::new(&(*key).into());
    let mut b = (*block).into();
    cipher.decrypt_block(&mut b);
    b.into()
}

/// HMAC (RFC 2104) with SM3.
pub fn hmac_sm3(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sm3(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = sm3::Sm3::new();
    inner.update(k.map(|b| b ^ 0x36));
    for part in message {
        inner.update(part);
    }
    let mut outer = sm3::Sm3::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The signature of one message of the payment channels' HTTP protocol (`docs/PAYMENTS.md`),
/// in both directions (the platform's requests, the provider's callbacks): HMAC-SM3 with the
/// merchant's key over `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY`, in lower-case hex.
pub fn channel_signature(
    key: &[u8],
    method: &str,
    path: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> String {
    hex::encode(hmac_sm3(
        key,
        &[
            method.as_bytes(),
            b"\n",
            path.as_bytes(),
            b"\n",
            timestamp.as_bytes(),
            b"\n",
            nonce.as_bytes(),
            b"\n",
            body,
        ],
    ))
}

/// The headers that sign one message of the payment channels' protocol from `merchant_id`
/// with its key: merchant, timestamp (Unix seconds, now), a fresh nonce and the signature.
pub fn channel_headers(
    merchant_id: &str,
    key: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let mut n = [0u8; 12];
    let _ = getrandom::fill(&mut n);
    let nonce = hex::encode(n);
    let signature = channel_signature(key.as_bytes(), method, path, &ts, &nonce, body);
    vec![
        ("x-pay-merchant", merchant_id.to_owned()),
        ("x-pay-timestamp", ts),
        ("x-pay-nonce", nonce),
        ("x-pay-signature", signature),
    ]
}

/// Whether two texts are equal, in time that does not depend on where they differ (secrets,
/// signatures).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The prefix of a sealed value: `sm4$` then hex of nonce (16 bytes), ciphertext and tag (32).
pub const SEALED_PREFIX: &str = "sm4$";

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value was altered, belongs elsewhere, or needs another master key")]
    Tampered,
}

/// Seals short secrets for storage (TOTP secrets, private keys): confidentiality and integrity
/// bound to a context (table, column and row), so a value copied to another row does not open.
#[derive(Clone)]
pub struct Sealer {
    enc: [u8; 16],
    mac: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// Derives the encryption and MAC keys from a 128-bit master key.
    pub fn new(master: &[u8; 16]) -> Sealer {
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&hmac_sm3(master, &[b"yiwang seal: sm4 key"])[..16]);
        Sealer {
            enc,
            mac: hmac_sm3(master, &[b"yiwang seal: hmac key"]),
        }
    }

    /// A master key written as 32 hex digits.
    pub fn from_hex(text: &str) -> Option<Sealer> {
        let bytes = hex::decode(text.trim()).ok()?;
        let key: [u8; 16] = bytes.try_into().ok()?;
        Some(Sealer::new(&key))
    }

    fn keystream(&self, nonce: &[u8; 16], data: &mut [u8]) {
        let counter0 = u128::from_be_bytes(*nonce);
        for (i, chunk) in data.chunks_mut(16).enumerate() {
            let block =
                sm4_encrypt_block(&self.enc, &counter0.wrapping_add(i as u128).to_be_bytes());
            for (d, k) in chunk.iter_mut().zip(block) {
                *d ^= k;
            }
        }
    }

    /// Seals `plain` for `context` with a fresh random `nonce` (never reuse one).
    pub fn seal(&self, plain: &[u8], context: &str, nonce: [u8; 16]) -> String {
        let mut body = plain.to_vec();
        self.keystream(&nonce, &mut body);
        let tag = hmac_sm3(&self.mac, &[context.as_bytes(), &[0], &nonce, &body]);
        format!(
            "{SEALED_PREFIX}{}{}{}",
            hex::encode(nonce),
            hex::encode(&body),
            hex::encode(tag)
        )
    }

    /// Opens a value sealed for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SealError> {
        let raw = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|r| r.len() >= 48)
            .ok_or(SealError::Malformed)?;
        let (nonce, rest) = raw.split_at(16);
        let (body, tag) = rest.split_at(rest.len() - 32);
        let want = hmac_sm3(&self.mac, &[context.as_bytes(), &[0], nonce, body]);
        let same = want.iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Err(SealError::Tampered);
        }
        let mut nonce16 = [0u8; 16];
        nonce16.copy_from_slice(nonce);
        let mut plain = body.to_vec();
        self.keystream(&nonce16, &mut plain);
        Ok(plain)
    }
}

/// The default signer ID of GM/T 0009, which OpenSSL and GmSSL also use by default.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// Why an SM2 key or signature could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Sm2Error {
    #[error("the SM2 key is not valid")]
    Key,
    #[error("the SM2 signature does not verify")]
    Signature,
}

/// An SM2 signing key with its signer identity.
pub struct Sm2Signer {
    key: sm2::dsa::SigningKey,
}

impl std::fmt::Debug for Sm2Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sm2Signer(***)")
    }
}

impl Sm2Signer {
    /// A new random key.
    pub fn generate(signer_id: &str) -> Result<Sm2Signer, Sm2Error> {
        let secret = sm2::SecretKey::generate();
        let key = sm2::dsa::SigningKey::new(signer_id, &secret).map_err(|_| Sm2Error::Key)?;
        Ok(Sm2Signer { key })
    }

    /// A key from its 32 secret bytes.
    pub fn from_bytes(signer_id: &str, secret: &[u8]) -> Result<Sm2Signer, Sm2Error> {
        let key = sm2::dsa::SigningKey::from_slice(signer_id, secret).map_err(|_| Sm2Error::Key)?;
        Ok(Sm2Signer { key })
    }

    /// The secret scalar (to be stored encrypted by whoever keeps keys).
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The public key, SEC1 uncompressed.
    pub fn public_key(&self) -> Vec<u8> {
        self.key.verifying_key().to_sec1_bytes().to_vec()
    }

    /// Signs `message`: 64 bytes, r ‖ s.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: sm2::dsa::Signature = self.key.sign(message);
        signature.to_bytes().to_vec()
    }

    /// Signs `message`, DER-encoded (`SEQUENCE { r, s }`) as OpenSSL and GmSSL write it.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let signature: sm2::dsa::Signature = self.key.sign(message);
        signature.to_der().as_bytes().to_vec()
    }
}

/// Verifies a DER-encoded SM2 signature by a SEC1 public key.
pub fn sm2_verify_der(
    signer_id: &str,
    public_key: &[u8],
    message: &[u8],
    der: &[u8],
) -> Result<(), Sm2Error> {
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(signer_id, public_key)
        .map_err(|_| Sm2Error::Key)?;
    let signature = sm2::dsa::Signature::from_der(der).map_err(|_| Sm2Error::Signature)?;
    key.verify(message, &signature)
        .map_err(|_| Sm2Error::Signature)
}

/// A SEC1 public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo on the SM2 curve), the form
/// OpenSSL reads.
pub fn sm2_public_pem(public_key: &[u8]) -> Result<String, Sm2Error> {
    use sm2::pkcs8::EncodePublicKey;
    let key = sm2::PublicKey::from_sec1_bytes(public_key).map_err(|_| Sm2Error::Key)?;
    key.to_public_key_pem(sm2::pkcs8::LineEnding::LF)
        .map_err(|_| Sm2Error::Key)
}

/// Verifies an SM2 signature (r ‖ s) by a SEC1 public key.
pub fn sm2_verify(
    signer_id: &str,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), Sm2Error> {
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(signer_id, public_key)
        .map_err(|_| Sm2Error::Key)?;
    let signature = sm2::dsa::Signature::from_slice(signature).map_err(|_| Sm2Error::Signature)?;
    key.verify(message, &signature)
        .map_err(|_| Sm2Error::Signature)
}

#[cfg(test)]
mod tests {

    /// An independent implementation (OpenSSL 3's `pkeyutl`, SM2 with SM3 and the default
    /// signer ID) verifies our DER signature with our PEM public key, and refuses it for an
    /// altered message.
    #[test]
    fn openssl_verifies_our_sm2_signatures() {
        let signer = super::Sm2Signer::generate(super::SM2_DEFAULT_ID).expect("key");
        let dir = std::env::temp_dir().join(format!("yiwang-sm2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let message = "电子证照 1.2.156.3005.2".as_bytes();
        std::fs::write(dir.join("msg"), message).expect("msg");
        std::fs::write(dir.join("bad"), b"altered").expect("bad");
        std::fs::write(dir.join("sig"), signer.sign_der(message)).expect("sig");
        std::fs::write(
            dir.join("pub.pem"),
            super::sm2_public_pem(&signer.public_key()).expect("pem"),
        )
        .expect("pem");
        let verify = |file: &str| {
            std::process::Command::new("openssl")
                .args([
                    "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
                ])
                .args(["-pkeyopt", &format!("distid:{}", super::SM2_DEFAULT_ID)])
                .args(["-in", file, "-sigfile", "sig"])
                .current_dir(&dir)
                .output()
                .expect("the openssl command (OpenSSL 3) is needed for this check")
        };
        let good = verify("msg");
        assert!(
            good.status.success(),
            "{}{}",
            String::from_utf8_lossy(&good.stdout),
            String::from_utf8_lossy(&good.stderr)
        );
        assert!(!verify("bad").status.success(), "an altered message fails");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn hmac_sm3_agrees_with_openssl() {
        // Expected values from an independent implementation (OpenSSL's HMAC with SM3, via
        // Python's hmac module), including a key longer than the block.
        let mac = super::hmac_sm3(b"key", &[b"The quick brown fox jumps over the lazy dog"]);
        assert_eq!(
            hex::encode(mac),
            "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398"
        );
        let long: Vec<u8> = (0..100).collect();
        assert_eq!(
            hex::encode(super::hmac_sm3(&long, &[b"a", b"bc"])),
            "efa0b8554e9475092d2f978d8855627a45325381b7f478f6e164faa04fd5c844"
        );
    }

    #[test]
    fn sealed_values_open_only_in_their_context_and_untouched() {
        let sealer = super::Sealer::new(&[7u8; 16]);
        let sealed = sealer.seal(b"JBSWY3DPEHPK3PXP", "accounts.totp:1", [1u8; 16]);
        assert!(sealed.starts_with(super::SEALED_PREFIX));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            sealer.open(&sealed, "accounts.totp:1").expect("open"),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_eq!(
            sealer.open(&sealed, "accounts.totp:2"),
            Err(super::SealError::Tampered),
            "moved to another row"
        );
        let mut flipped = sealed.clone().into_bytes();
        let at = super::SEALED_PREFIX.len() + 40;
        flipped[at] = if flipped[at] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("utf8");
        assert_eq!(
            sealer.open(&flipped, "accounts.totp:1"),
            Err(super::SealError::Tampered)
        );
        let other = super::Sealer::new(&[8u8; 16]);
        assert_eq!(
            other.open(&sealed, "accounts.totp:1"),
            Err(super::SealError::Tampered)
        );
        assert_eq!(sealer.open("plain", "x"), Err(super::SealError::Malformed));
        assert!(super::Sealer::from_hex("00112233445566778899aabbccddeeff").is_some());
        assert!(super::Sealer::from_hex("0011").is_none());
    }

    use super::*;

    fn hex16(s: &str) -> [u8; 16] {
        let v = hex::decode(s).expect("hex");
        let mut a = [0u8; 16];
        a.copy_from_slice(&v);
        a
    }

    #[test]
    fn sm3_matches_the_gmt_0004_examples() {
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            sm3_hex(&b"abcd".repeat(16)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn sm4_matches_the_gmt_0002_examples() {
        let key = hex16("0123456789abcdeffedcba9876543210");
        let cipher = sm4_encrypt_block(&key, &key);
        assert_eq!(hex::encode(cipher), "681edf34d206965e86b3e94f536e4246");
        assert_eq!(sm4_decrypt_block(&key, &cipher), key);
    }

    #[test]
    fn sm4_a_million_rounds_matches_the_standard() {
        let key = hex16("0123456789abcdeffedcba9876543210");
        let cipher = sm4::Sm4::new(&key.into());
        let mut b = key.into();
        for _ in 0..1_000_000 {
            cipher.encrypt_block(&mut b);
        }
        let out: [u8; 16] = b.into();
        assert_eq!(hex::encode(out), "595298c7c6fd271f0402f804c33d3f66");
    }

    #[test]
    fn sm2_signatures_verify_and_altered_data_does_not() {
        let signer = Sm2Signer::generate(DEFAULT_SIGNER_ID).expect("key");
        let sig = signer.sign(b"certificate body");
        assert_eq!(sig.len(), 64);
        let pk = signer.public_key();
        assert!(sm2_verify(DEFAULT_SIGNER_ID, &pk, b"certificate body", &sig).is_ok());
        assert!(sm2_verify(DEFAULT_SIGNER_ID, &pk, b"certificate bodY", &sig).is_err());
        assert!(sm2_verify("another-id", &pk, b"certificate body", &sig).is_err());
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert!(sm2_verify(DEFAULT_SIGNER_ID, &pk, b"certificate body", &bad).is_err());
        let again =
            Sm2Signer::from_bytes(DEFAULT_SIGNER_ID, &signer.secret_bytes()).expect("same key");
        assert_eq!(again.public_key(), pk);
    }
}
