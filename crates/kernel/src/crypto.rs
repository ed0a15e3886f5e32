//! Chinese commercial cryptography (商用密码) wrappers: SM3 hashes (GM/T 0004), SM4 block
//! encryption (GM/T 0002) and SM2 signatures (GM/T 0003) on the recommended curve sm2p256v1.
//!
//! The SM2 implementation is RustCrypto's `sm2` crate, which has not been independently
//! audited; our tests check sign/verify round trips and rejection of altered data. SM4 is
//! exposed as a block primitive only: the authenticated mode for encrypting fields at rest is
//! to be chosen by the capability that first stores such a field.

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
