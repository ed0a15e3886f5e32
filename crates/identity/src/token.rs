//! Session tokens: 32 random bytes from the operating system, shown to the browser as hex,
//! stored only as their SM3 digest so that a copy of the database opens no session.

/// A new random token.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// What is stored for a token.
pub fn digest(token: &str) -> String {
    kernel::crypto::sm3_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let a = super::new_token().expect("random");
        let b = super::new_token().expect("random");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(super::digest(&a), a);
        assert_eq!(super::digest(&a), super::digest(&a));
    }
}
