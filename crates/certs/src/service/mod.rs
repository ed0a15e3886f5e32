//! Issuing, verifying and changing certificates, and recording their uses. Every change is
//! one transaction with its audit event.
//!
//! `types` (certificate types), `office` (who issues and manages), `issue` (issuing, by group
//! commit), `status` (suspension,
//! revocation, replacement and renewal, disclosure), `verify` (a certificate's standing and
//! signature), `file` (the exported file and its offline check) and `uses` (用证记录); the SQL
//! is in `crate::store`.

mod file;
mod issue;
mod office;
mod status;
mod types;
mod uses;
mod verify;

pub use file::*;
pub use issue::*;
pub use office::{Office, may_manage, office};
pub use status::*;
pub use types::*;
pub use uses::*;
pub use verify::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub use crate::store::{by_identifier, find, of_case, of_holder, usable_of};
