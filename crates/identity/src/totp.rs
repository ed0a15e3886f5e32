//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1, 30-second steps,
//! 6 digits): the second factor every official must use, as authenticator apps implement it.
//! A code is accepted one step early or late (clock drift), and never twice: the step of the
//! last accepted code is remembered.

use hmac::{Hmac, KeyInit, Mac};

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps read).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0);
    for b in bytes {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive, spaces and padding ignored).
pub fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b' ' && *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A new 160-bit secret, base32.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    Ok(base32(&bytes))
}

/// The HOTP value of `counter` (RFC 4226 §5.3), `digits` long.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The time step of a Unix time.
pub fn step_of(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECONDS)
}

/// The code for a step, zero-padded.
pub fn code_at(secret_b32: &str, step: i64) -> Option<String> {
    let secret = unbase32(secret_b32)?;
    Some(format!(
        "{:0width$}",
        hotp(&secret, u64::try_from(step).ok()?, DIGITS),
        width = DIGITS as usize
    ))
}

/// Checks a typed code at `unix` time; returns the step it matched, if it is newer than
/// `last_step` (a code is good once).
pub fn verify(secret_b32: &str, typed: &str, unix: i64, last_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|s| last_step.is_none_or(|last| *s > last))
        .find(|s| code_at(secret_b32, *s).is_some_and(|c| c == typed))
}

/// The `otpauth://` URI authenticator apps import.
pub fn otpauth_uri(secret_b32: &str, account: &str) -> String {
    let label: String = account
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "otpauth://totp/Yiwang:{label}?secret={secret_b32}&issuer=Yiwang&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let secret = b"12345678901234567890";
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(hotp(secret, counter as u64, 6), want, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        let secret = b"12345678901234567890";
        for (unix, want) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(hotp(secret, step_of(unix) as u64, 8), want, "time {unix}");
        }
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(
            unbase32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert_eq!(unbase32("0189"), None);
    }

    #[test]
    fn a_code_is_accepted_within_one_step_and_only_once() {
        let secret = base32(b"12345678901234567890");
        let code = code_at(&secret, step_of(1_000_000)).expect("code");
        assert_eq!(
            verify(&secret, &code, 1_000_000, None),
            Some(step_of(1_000_000))
        );
        assert_eq!(
            verify(&secret, &code, 1_000_000 + 30, None),
            Some(step_of(1_000_000)),
            "one step late"
        );
        assert_eq!(
            verify(&secret, &code, 1_000_000 + 90, None),
            None,
            "three steps late"
        );
        assert_eq!(
            verify(&secret, &code, 1_000_000, Some(step_of(1_000_000))),
            None,
            "replayed"
        );
        assert_eq!(verify(&secret, "12345", 1_000_000, None), None);
    }
}
