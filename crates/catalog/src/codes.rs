//! Item codes (GB/T 39554.1-2020 as provincial platforms use it): the 12-character basic code
//! of a standardized item (基本编码), and the implementation code (实施编码) of one body's
//! implementation of it: the implementing body's unified social credit code (18, checked), the
//! basic code (12), and a 1–6 character handling sub-item code — 31 to 36 characters in all.
//! (FACTS.md confirms the credit-code prefix and the total length; that the basic code follows
//! it is our reading of the provincial lists, and the parser says so by name when it does not.)

use kernel::{CreditCode, Message};
use serde::{Deserialize, Serialize};

fn code_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// A standardized item's basic code: 12 digits or capital letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BasicCode(String);

impl BasicCode {
    pub fn parse(s: &str) -> Result<BasicCode, Message> {
        let s = s.trim();
        if s.len() != 12 {
            return Err(Message::new("cat-basic-length").arg("length", s.chars().count()));
        }
        if !code_chars(s) {
            return Err(Message::new("cat-code-chars"));
        }
        Ok(BasicCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BasicCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BasicCode::parse(&s).map_err(|m| m.key.to_owned())
    }
}

impl From<BasicCode> for String {
    fn from(c: BasicCode) -> String {
        c.0
    }
}

impl std::fmt::Display for BasicCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An implementation code: credit code + basic code + handling sub-item code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImplementationCode(String);

impl ImplementationCode {
    pub fn parse(s: &str) -> Result<ImplementationCode, Message> {
        let s = s.trim();
        let n = s.chars().count();
        if !(31..=36).contains(&n) {
            return Err(Message::new("cat-impl-length").arg("length", n));
        }
        if !code_chars(s) {
            return Err(Message::new("cat-code-chars"));
        }
        if CreditCode::parse(&s[..18]).is_err() {
            return Err(Message::new("cat-impl-credit-code"));
        }
        Ok(ImplementationCode(s.to_owned()))
    }

    /// Makes the code for an implementing body, an item and a sub-item (`1`, `01`…).
    pub fn compose(
        body: &CreditCode,
        basic: &BasicCode,
        sub: &str,
    ) -> Result<ImplementationCode, Message> {
        ImplementationCode::parse(&format!("{}{}{}", body.as_str(), basic.as_str(), sub))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The implementing body's credit code.
    pub fn body(&self) -> &str {
        &self.0[..18]
    }

    /// The basic code inside it.
    pub fn basic(&self) -> &str {
        &self.0[18..30]
    }
}

impl TryFrom<String> for ImplementationCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ImplementationCode::parse(&s).map_err(|m| m.key.to_owned())
    }
}

impl From<ImplementationCode> for String {
    fn from(c: ImplementationCode) -> String {
        c.0
    }
}

impl std::fmt::Display for ImplementationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit() -> CreditCode {
        // A valid organ code (GB 32100 check character computed by the kernel).
        let body = "11540000MB0L38374";
        let check = kernel::credit_code::check_character(body.as_bytes()).expect("check") as char;
        CreditCode::parse(&format!("{body}{check}")).expect("credit code")
    }

    #[test]
    fn codes_are_checked_by_length_characters_and_embedded_credit_code() {
        let basic = BasicCode::parse("000105001000").expect("basic");
        assert_eq!(
            BasicCode::parse("00010500100").map_err(|m| m.key.to_owned()),
            Err("cat-basic-length".into())
        );
        assert_eq!(
            BasicCode::parse("00010500100a").map_err(|m| m.key.to_owned()),
            Err("cat-code-chars".into())
        );
        let code = ImplementationCode::compose(&credit(), &basic, "1").expect("impl");
        assert_eq!(code.as_str().len(), 31);
        assert_eq!(code.basic(), "000105001000");
        assert_eq!(code.body(), credit().as_str());
        let forged = format!("21{}", &code.as_str()[2..]);
        assert_eq!(
            ImplementationCode::parse(&forged).map_err(|m| m.key.to_owned()),
            Err("cat-impl-credit-code".into()),
            "the embedded credit code must check"
        );
        assert!(
            ImplementationCode::parse(&format!("{}1234567", code.as_str())).is_err(),
            "37 characters"
        );
    }
}
