//! Certificates on every backend: issued with standard identifiers and verifiable SM2
//! signatures; tampering, bad identifiers, unknown keys and status changes detected; keys
//! rotated without breaking old signatures; an exported file verified by an independent
//! implementation (Python's json for the canonical text, OpenSSL 3 for SM3 and SM2).

use std::collections::BTreeMap;

use db::Db;
use kernel::DivisionCode;
use yiwang_certs::model::CertError;
use yiwang_certs::service::{self, Change, FileProblem, NewCert, Reissue, Standing, Verdict};
use yiwang_certs::{keys, seed};

/// The operator: the services' own rules, not who may act, are under test here.
const TEST: identity::Principal = identity::Principal::Operator("system:test");

fn sealed(db: &Db) -> Db {
    db.clone().with_sealer(
        kernel::crypto::Sealer::from_hex("00112233445566778899aabbccddeeff").expect("key"),
    )
}

async fn standing(db: &Db, identifier: &str) -> Standing {
    match service::verify(db, identifier).await.expect("verified") {
        Verdict::Genuine { standing, .. } => standing,
        Verdict::Tampered { .. } => panic!("{identifier} reads as tampered"),
    }
}

db::on_each_backend! {
    async fn issued_verified_changed_and_exported(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let plain = &t.db;
        org::seed::seed_demo(plain).await.expect("org");
        // Without a master key no issuing key is made, so nothing is issued.
        seed::seed_types(plain).await.expect("types");
        let types = service::cert_types(plain).await.expect("types");
        assert!(types.len() >= 10, "{}", types.len());
        let id_card = seed::type_code(plain, "public-security", 1)
            .await
            .expect("code")
            .expect("an identity card type");
        let (person, ..) = identity::seed::demo_people()[0];
        let new = NewCert {
            type_code: id_card.clone(),
            holder_name: "扎西顿珠".into(),
            holder_code: person.as_str().into(),
            data: BTreeMap::from([("ethnicity".to_owned(), "藏族".to_owned())]),
            division: DivisionCode::parse("540102").expect("division"),
            case_id: None,
            valid_from: None,
        };
        assert!(matches!(
            service::issue(plain, &TEST, &new).await,
            Err(CertError::Refused(_))
        ));

        let db = &sealed(plain);
        let issued = seed::seed_demo(db).await.expect("demo certificates");
        assert!(issued >= 10, "{issued}");
        let c = service::issue(db, &TEST, &new).await.expect("issued");
        assert!(c.identifier.starts_with("1.2.156.3005.2."));
        assert!(kernel::cert_id::CertId::parse(&c.identifier).is_ok());
        assert_eq!(standing(db, &c.identifier).await, Standing::Valid);
        // The secret is sealed at rest.
        let secret: String = db::sqlx::query_scalar("SELECT secret FROM cert_keys WHERE id = $1")
            .bind(c.key_id)
            .fetch_one(db.pool())
            .await
            .expect("key");
        assert!(
            secret.starts_with(kernel::crypto::SEALED_PREFIX),
            "{secret}"
        );

        // Bad input is refused before anything is looked up or written.
        let mut wrong = new.clone();
        wrong.holder_code = "540102199001011234".into();
        wrong.data.insert("colour".into(), "red".into());
        let Err(CertError::Invalid(problems)) = service::issue(db, &TEST, &wrong).await else {
            panic!("a bad holder code was accepted");
        };
        assert_eq!(problems.len(), 1, "the holder code first: {problems:?}");
        let mut last = c.identifier.clone();
        let check = last.pop().expect("check");
        last.push(if check == 'A' { 'B' } else { 'A' });
        assert!(matches!(
            service::verify(db, &last).await,
            Err(CertError::Invalid(_))
        ));
        assert!(matches!(
            service::verify(db, "1.2.156.3005.2.nonsense").await,
            Err(CertError::Invalid(_))
        ));

        // An exported file verifies offline with the published keys, and nothing altered
        // does.
        let published = keys::published(db).await.expect("keys");
        let file = service::export(&c);
        assert!(service::verify_file(&file, &published).is_ok());
        let mut altered = file.clone();
        altered["certificate"]["holder"] = "某人".into();
        assert_eq!(
            service::verify_file(&altered, &published),
            Err(FileProblem::Digest)
        );
        let mut forged = file.clone();
        forged["certificate"]["holder"] = "某人".into();
        forged["digest_sm3"] = yiwang_certs::canon::canonical(&forged["certificate"])
            .as_bytes()
            .pipe_sm3();
        assert_eq!(
            service::verify_file(&forged, &published),
            Err(FileProblem::Signature),
            "a recomputed digest does not carry the signature"
        );
        assert_eq!(
            service::verify_file(&file, &[]),
            Err(FileProblem::UnknownKey)
        );

        // Tampering with the stored text is caught.
        let other = service::issue(db, &TEST, &new).await.expect("issued");
        db::sqlx::query(
            "UPDATE certificates SET signed = REPLACE(signed, '藏族', '汉族') WHERE id = $1",
        )
        .bind(other.id)
        .execute(db.pool())
        .await
        .expect("tamper");
        assert!(matches!(
            service::verify(db, &other.identifier).await,
            Ok(Verdict::Tampered { .. })
        ));

        // Rotation: new certificates use the new key; old ones still verify.
        let department = c.issuer_department.clone();
        // Only an administrator or the operator rotates, whatever adapter asks.
        let system = identity::Principal::System {
            client_id: "dept-system".into(),
            department: department.clone(),
            department_name: "部门系统".into(),
        };
        assert!(matches!(
            keys::rotate(db, &system, &department).await,
            Err(CertError::Forbidden(_))
        ));
        let new_key = keys::rotate(db, &identity::Principal::Operator("system:test"), &department)
            .await
            .expect("rotated");
        let after = service::issue(db, &TEST, &new).await.expect("issued");
        assert_eq!(after.key_id, new_key);
        assert_ne!(after.key_id, c.key_id);
        assert_eq!(standing(db, &c.identifier).await, Standing::Valid);
        assert_eq!(standing(db, &after.identifier).await, Standing::Valid);

        // Status changes, each with a reason, shown at once; illegal ones refused.
        service::change(db, &TEST, c.id, Change::Suspend, "挂失")
            .await
            .expect("suspended");
        assert_eq!(standing(db, &c.identifier).await, Standing::Suspended);
        service::change(db, &TEST, c.id, Change::Resume, "找回")
            .await
            .expect("resumed");
        let replaced = service::reissue(
            db,
            &TEST,
            c.id,
            Reissue::Replace,
            &BTreeMap::new(),
            "损坏补领",
        )
        .await
        .expect("replaced");
        assert!(
            replaced.identifier.contains(".002."),
            "{}",
            replaced.identifier
        );
        assert_eq!(standing(db, &c.identifier).await, Standing::Replaced);
        assert_eq!(standing(db, &replaced.identifier).await, Standing::Valid);
        service::change(db, &TEST, replaced.id, Change::Revoke, "依法注销")
            .await
            .expect("revoked");
        assert_eq!(standing(db, &replaced.identifier).await, Standing::Revoked);
        assert!(matches!(
            service::change(db, &TEST, replaced.id, Change::Revoke, "再次").await,
            Err(CertError::Refused(_))
        ));
        assert!(matches!(
            service::change(db, &TEST, replaced.id, Change::Resume, "x").await,
            Err(CertError::Invalid(_))
        ));
        // Expired: a validity in the past.
        db::sqlx::query("UPDATE certificates SET valid_to = '2020-01-01' WHERE id = $1")
            .bind(after.id)
            .execute(db.pool())
            .await
            .expect("expire");
        assert_eq!(standing(db, &after.identifier).await, Standing::Expired);
        // A certificate used today may be any valid, unexpired one of the holder's.
        let usable = service::usable_of(db, person.as_str())
            .await
            .expect("usable");
        assert!(
            usable
                .iter()
                .all(|u| u.status == yiwang_certs::model::Status::Valid)
        );
    }
}

trait Sm3Hex {
    fn pipe_sm3(&self) -> serde_json::Value;
}

impl Sm3Hex for [u8] {
    fn pipe_sm3(&self) -> serde_json::Value {
        kernel::crypto::sm3_hex(self).into()
    }
}

/// The exported file checked with nothing of ours: Python's `json` rebuilds the canonical
/// text, OpenSSL 3 checks its SM3 digest and verifies the SM2 signature over the text itself
/// (SM2 with SM3 as GB/T 32918.2 defines it, Z_A over the stated signer ID) with the PEM
/// public key as published.
#[tokio::test]
async fn an_exported_certificate_verifies_with_openssl() {
    let t = db::testing::sqlite().await;
    let db = &sealed(&t.db);
    org::seed::seed_demo(db).await.expect("org");
    seed::seed_demo(db).await.expect("demo");
    let (person, ..) = identity::seed::demo_people()[1];
    let c = service::usable_of(db, person.as_str())
        .await
        .expect("certs")
        .into_iter()
        .next()
        .expect("an identity card");
    let key = keys::public(db, c.key_id)
        .await
        .expect("key")
        .expect("found");
    let dir = std::env::temp_dir().join(format!("yiwang-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("cert.json"),
        serde_json::to_string_pretty(&service::export(&c)).expect("json"),
    )
    .expect("file");
    std::fs::write(
        dir.join("pub.pem"),
        kernel::crypto::sm2_public_pem(&key.bytes()).expect("pem"),
    )
    .expect("pem");
    let script = r#"
import base64, json, subprocess, sys
f = json.load(open("cert.json", encoding="utf-8"))
text = json.dumps(f["certificate"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
digest = subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=text, capture_output=True, check=True).stdout
assert digest.hex() == f["digest_sm3"], "digest differs"
assert f["format"] == "yiwang-ecert/2" and f["signature"]["signed_over"] == "canonical-text", f["format"]
# The standard's SM2 with SM3 over the document itself: OpenSSL computes e = SM3(Z_A || text).
open("text.bin", "wb").write(text)
open("sig.der", "wb").write(base64.b64decode(f["signature"]["value_der_base64"]))
r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
                    "-pkeyopt", "distid:" + f["signature"]["signer_id"], "-in", "text.bin", "-sigfile", "sig.der"],
                   capture_output=True)
sys.stdout.write(r.stdout.decode() + r.stderr.decode())
sys.exit(r.returncode)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .current_dir(&dir)
        .output()
        .expect("python3 and openssl (OpenSSL 3) are needed for this check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully"));
    std::fs::remove_dir_all(&dir).ok();
}
