//! Password hashing: Argon2id (RFC 9106) with the OWASP-recommended minimum of 19 MiB of
//! memory, 2 passes and 1 lane — about 24 ms per hash on the project's 2-core machines, so a
//! guess costs an attacker the same. Hashing runs on the blocking pool, at most one hash per
//! core at a time (Argon2 is memory-bound; more in flight only thrash the caches).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory in KiB, passes, lanes.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> Result<String, String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// Spends the time of one verification, for an account that does not exist (so that timing
/// does not tell which accounts exist).
pub fn verify_nobody(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not-a-real-password-x").unwrap_or_default());
    let _ = verify(password, phc);
}

/// At most one hash per core at a time: Argon2id is memory-bound, and more hashes in flight
/// than cores only thrash the caches and slow every sign-in down.
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// Runs a verification on the blocking pool.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    let Ok(_permit) = permits().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_nobody(&password);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Hashes on the blocking pool.
pub async fn hash_blocking(password: String) -> Result<String, String> {
    let _permit = permits().acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = super::hash("tashi delek 2026").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(super::verify("tashi delek 2026", &phc));
        assert!(!super::verify("tashi delek 2027", &phc));
        assert!(!super::verify("tashi delek 2026", "garbage"));
    }
}
