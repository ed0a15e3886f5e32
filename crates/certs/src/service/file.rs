//! The exported certificate file (`yiwang-ecert/2`) and its offline check.

use base64::Engine;
use kernel::Message;
use kernel::cert_id::CertId;
use kernel::crypto::{SM2_DEFAULT_ID, sm2_verify_der, sm3, sm3_hex};
use serde_json::{Value, json};

use crate::canon::canonical;
use crate::keys;
use crate::model::Certificate;

use super::*;

/// The format of an exported certificate file: the signature is SM2 with SM3 over the
/// canonical text itself (GB/T 32918.2; e = SM3(Z_A ‖ text), Z_A over the signer ID stated in
/// the file), so any standard verifier checks it over the document: `openssl pkeyutl -verify
/// -rawin -digest sm3 -pkeyopt distid:1234567812345678`, gmssl, GB/T 35275 implementations.
pub const FILE_FORMAT: &str = "yiwang-ecert/2";

/// The earlier format (certificates issued before 2026-12): the signature is over the text's
/// 32-byte SM3 digest. Still exported for those certificates, and still verified.
pub const FILE_FORMAT_V1: &str = "yiwang-ecert/1";

/// The canonical text a file's signature covers: the `certificate` object serialized with
/// keys sorted, no whitespace, UTF-8 unescaped (what `json.dumps(doc, sort_keys=True,
/// separators=(",", ":"), ensure_ascii=False)` writes).
pub const SIGNED_DATA: &str = "the certificate object as canonical JSON: keys sorted, no whitespace, UTF-8 (json.dumps(certificate, sort_keys=True, separators=(',', ':'), ensure_ascii=False))";

/// The signed JSON file a holder downloads: the signed document itself, its digest, and the
/// signature with the key that made it.
pub fn export(c: &Certificate) -> Value {
    let doc: Value = serde_json::from_str(&c.signed).unwrap_or(Value::Null);
    let (format, signed_over) = if c.signature_format >= 2 {
        (FILE_FORMAT, "canonical-text")
    } else {
        (FILE_FORMAT_V1, "sm3-digest-of-canonical-text")
    };
    json!({
        "format": format,
        "certificate": doc,
        "digest_sm3": c.digest,
        "signature": {
            "algorithm": "SM2-with-SM3",
            "standard": "GB/T 32918.2-2016, GB/T 35276-2017",
            "signer_id": SM2_DEFAULT_ID,
            "signed_over": signed_over,
            "signed_data": SIGNED_DATA,
            "key_id": c.key_id,
            "issuer_department": c.issuer_department,
            "value_der_base64": c.signature,
        },
        "verify_at": format!("/v/{}", c.identifier),
    })
}

/// Why a certificate file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("this is not a Yiwang certificate file")]
    Format,
    #[error("the identifier is malformed or its check character is wrong")]
    Identifier,
    #[error("the certificate's content was altered: its SM3 digest does not match")]
    Digest,
    #[error("the key that signed it is not among the published keys")]
    UnknownKey,
    #[error("the signature does not verify with the issuer's published key")]
    Signature,
}

impl kernel::Localize for FileProblem {
    fn message(&self) -> Message {
        Message::new(match self {
            FileProblem::Format => "cert-file-format",
            FileProblem::Identifier => "cert-file-identifier",
            FileProblem::Digest => "cert-file-digest",
            FileProblem::UnknownKey => "cert-file-key",
            FileProblem::Signature => "cert-file-signature",
        })
    }
}

/// Verifies an exported file offline against published public keys: the document is
/// canonicalized again, digested, and its signature checked with the key it names. The
/// certificate's current status needs the platform (or its verification page).
pub fn verify_file(file: &Value, keys: &[keys::PublicKey]) -> Result<Value, FileProblem> {
    let signature_format = match file["format"].as_str() {
        Some(FILE_FORMAT) => 2,
        Some(FILE_FORMAT_V1) => 1,
        _ => return Err(FileProblem::Format),
    };
    if file["signature"]["signer_id"]
        .as_str()
        .is_some_and(|id| id != SM2_DEFAULT_ID)
    {
        return Err(FileProblem::Signature);
    }
    let doc = &file["certificate"];
    if !doc.is_object() {
        return Err(FileProblem::Format);
    }
    let identifier = doc["identifier"].as_str().ok_or(FileProblem::Format)?;
    CertId::parse(identifier).map_err(|_| FileProblem::Identifier)?;
    let text = canonical(doc);
    let digest = sm3(text.as_bytes());
    if file["digest_sm3"].as_str() != Some(sm3_hex(text.as_bytes()).as_str()) {
        return Err(FileProblem::Digest);
    }
    let key_id = file["signature"]["key_id"]
        .as_i64()
        .ok_or(FileProblem::Format)?;
    let key = keys
        .iter()
        .find(|k| k.id == key_id)
        .ok_or(FileProblem::UnknownKey)?;
    let der = file["signature"]["value_der_base64"]
        .as_str()
        .and_then(|s| B64.decode(s).ok())
        .ok_or(FileProblem::Format)?;
    let message = signed_message(signature_format, &text, &digest);
    sm2_verify_der(SM2_DEFAULT_ID, &key.bytes(), message, &der)
        .map_err(|_| FileProblem::Signature)?;
    Ok(doc.clone())
}
