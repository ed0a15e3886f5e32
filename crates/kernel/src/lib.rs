//! The shared kernel of Yiwang: the domain's value types that every capability reuses.
//!
//! Identifiers parse once into types (GB 11643-1999 resident identity numbers, GB 32100-2015
//! unified social credit codes, GB/T 2260 division codes), deadlines are reckoned in working
//! days from a calendar that is data, every error can be told in zh/bo/en, and the audit chain
//! and e-certificates rest on the SM2/SM3/SM4 wrappers here. Nothing in this crate does I/O.

pub mod audit;
pub mod calendar;
pub mod cert_id;
pub mod credit_code;
pub mod crypto;
pub mod division;
pub mod file_error;
pub mod i18n;
pub mod likeness;
pub mod name_terms;
pub mod numerals;
pub mod person_id;
pub mod person_name;
pub mod tibetan;
pub mod time_util;
pub mod ttl;

pub use calendar::{Calendar, WorkingDays};

/// An error with each of its causes after it (`a: b: c`), for a log line or a delivery log
/// that must say why (a TLS refusal's reason is two causes down).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

pub use credit_code::CreditCode;
pub use division::DivisionCode;
pub use file_error::FileError;
pub use i18n::{Lang, Localize, Message};
pub use numerals::chinese_number;
pub use person_id::PersonId;

/// A closed set of named values stored and typed by their key: `keyed!(Colour { Red = "red" })`
/// makes `enum Colour` with `ALL`, `key()` and `parse()`, serialized as its keys. The calling
/// crate depends on `serde`.
#[macro_export]
macro_rules! keyed {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $k:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $k)] $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The name stored, typed and used in message keys.
            pub fn key(self) -> &'static str {
                match self { $($name::$v => $k),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.key() == s.trim())
            }
        }
    };
}
