//! Electronic certificate identifiers (GB/T 36904):
//! `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`, where the type code
//! is the defining authority's credit code and three digits, the issuer code the issuing
//! body's credit code, the serial eleven digits (the year and a seven-digit sequence), the
//! version three digits, and the check character ISO 7064 MOD 37,36 (hybrid system, M = 36,
//! alphabet `0-9A-Z` valued 0–35) over exactly the concatenation, without the dots, of the
//! type code (21 characters), the issuer code (18), the serial (11) and the version (3
//! digits, zero-padded): 53 characters. The arc `1.2.156.3005.2` and the separating dots are
//! not part of it. For `1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U`
//! the check runs over `11100000000013338W01111430000006122244L20230000403001` and is `U`.

use std::fmt;

use crate::{CreditCode, Message};

/// The arc every identifier starts with.
pub const PREFIX: &str = "1.2.156.3005.2";

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The ISO 7064 MOD 37,36 check character (hybrid system) over digits and capital letters;
/// `None` if a character is neither.
pub fn mod37_36(text: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for b in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == b)? as u32;
        p = (p + v) % M;
        if p == 0 {
            p = M;
        }
        p = (p * 2) % (M + 1);
    }
    Some(char::from(ALPHABET[((M + 1 - p) % M) as usize]))
}

/// A parsed, checked identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertId {
    type_code: String,
    issuer: String,
    serial: String,
    version: u16,
}

/// Why an identifier is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertIdError {
    #[error("not an e-certificate identifier (1.2.156.3005.2.…)")]
    Shape,
    #[error("the type code must be a credit code and three digits")]
    TypeCode,
    #[error("the issuer code must be a credit code")]
    Issuer,
    #[error("the serial must be eleven digits")]
    Serial,
    #[error("the version must be three digits")]
    Version,
    #[error("the check character does not match: mistyped or altered")]
    Check,
}

impl crate::Localize for CertIdError {
    fn message(&self) -> Message {
        Message::new(match self {
            CertIdError::Shape => "certid-shape",
            CertIdError::TypeCode => "certid-type",
            CertIdError::Issuer => "certid-issuer",
            CertIdError::Serial => "certid-serial",
            CertIdError::Version => "certid-version",
            CertIdError::Check => "certid-check",
        })
    }
}

/// Whether `code` is a certificate type code: a valid credit code and three digits.
pub fn valid_type_code(code: &str) -> bool {
    code.len() == 21
        && code.is_char_boundary(18)
        && CreditCode::parse(&code[..18]).is_ok()
        && code[18..].bytes().all(|b| b.is_ascii_digit())
}

impl CertId {
    /// A new identifier; the parts are checked.
    pub fn new(
        type_code: &str,
        issuer: &str,
        year: i32,
        sequence: u32,
        version: u16,
    ) -> Result<CertId, CertIdError> {
        if !valid_type_code(type_code) {
            return Err(CertIdError::TypeCode);
        }
        if CreditCode::parse(issuer).is_err() {
            return Err(CertIdError::Issuer);
        }
        if !(1000..=9999).contains(&year) || sequence > 9_999_999 {
            return Err(CertIdError::Serial);
        }
        if !(1..=999).contains(&version) {
            return Err(CertIdError::Version);
        }
        Ok(CertId {
            type_code: type_code.to_owned(),
            issuer: issuer.to_owned(),
            serial: format!("{year:04}{sequence:07}"),
            version,
        })
    }

    /// Reads an identifier as printed (spaces around it and lower-case letters forgiven).
    pub fn parse(text: &str) -> Result<CertId, CertIdError> {
        let t = text.trim().to_ascii_uppercase();
        let rest = t
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(CertIdError::Shape)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts[..] else {
            return Err(CertIdError::Shape);
        };
        if !valid_type_code(type_code) {
            return Err(CertIdError::TypeCode);
        }
        if CreditCode::parse(issuer).is_err() {
            return Err(CertIdError::Issuer);
        }
        if serial.len() != 11 || !serial.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CertIdError::Serial);
        }
        let version_n: u16 = match version.parse() {
            Ok(v) if version.len() == 3 && (1..=999).contains(&v) => v,
            _ => return Err(CertIdError::Version),
        };
        let id = CertId {
            type_code: type_code.to_owned(),
            issuer: issuer.to_owned(),
            serial: serial.to_owned(),
            version: version_n,
        };
        if check.len() != 1 || !check.starts_with(id.check()) {
            return Err(CertIdError::Check);
        }
        Ok(id)
    }

    fn check(&self) -> char {
        // Every part is digits and capitals, checked on the way in.
        mod37_36(&format!(
            "{}{}{}{:03}",
            self.type_code, self.issuer, self.serial, self.version
        ))
        .unwrap_or('0')
    }

    pub fn type_code(&self) -> &str {
        &self.type_code
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn serial(&self) -> &str {
        &self.serial
    }

    pub fn version(&self) -> u16 {
        self.version
    }

    /// The same certificate's next version (a replacement or a renewal).
    pub fn next_version(&self) -> Result<CertId, CertIdError> {
        if self.version >= 999 {
            return Err(CertIdError::Version);
        }
        Ok(CertId {
            version: self.version + 1,
            ..self.clone()
        })
    }
}

impl fmt::Display for CertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}.{}.{}.{}.{:03}.{}",
            self.type_code,
            self.issuer,
            self.serial,
            self.version,
            self.check()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of ../shared/FACTS.md.
    const EXAMPLE: &str =
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";

    #[test]
    fn the_standard_example_validates_and_round_trips() {
        let id = CertId::parse(EXAMPLE).expect("valid");
        assert_eq!(id.type_code(), "11100000000013338W011");
        assert_eq!(id.issuer(), "11430000006122244L");
        assert_eq!(id.serial(), "20230000403");
        assert_eq!(id.version(), 1);
        assert_eq!(id.to_string(), EXAMPLE);
        let made =
            CertId::new("11100000000013338W011", "11430000006122244L", 2023, 403, 1).expect("made");
        assert_eq!(made.to_string(), EXAMPLE);
        // What the check character covers, exactly (the module's documentation).
        assert_eq!(
            mod37_36("11100000000013338W01111430000006122244L20230000403001"),
            Some('U')
        );
        assert_eq!(
            CertId::parse(&EXAMPLE.to_lowercase()).map(|i| i.to_string()),
            Ok(EXAMPLE.to_owned())
        );
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let start = PREFIX.len() + 1;
        for (i, c) in EXAMPLE.char_indices().skip(start) {
            if c == '.' {
                continue;
            }
            for r in alphabet.chars().filter(|r| *r != c) {
                let mut s = EXAMPLE.to_owned();
                s.replace_range(i..i + 1, &r.to_string());
                assert!(CertId::parse(&s).is_err(), "{s} passed");
            }
        }
    }

    #[test]
    fn malformed_identifiers_say_what_is_wrong() {
        assert_eq!(CertId::parse("hello"), Err(CertIdError::Shape));
        assert_eq!(
            CertId::parse("1.2.156.3005.2.111.11430000006122244L.20230000403.001.U"),
            Err(CertIdError::TypeCode)
        );
        assert_eq!(
            CertId::parse("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.001.U"),
            Err(CertIdError::Serial)
        );
        assert_eq!(
            CertId::parse(
                "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.V"
            ),
            Err(CertIdError::Check)
        );
        assert_eq!(
            CertId::parse(
                "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.000.U"
            ),
            Err(CertIdError::Version)
        );
    }
}
