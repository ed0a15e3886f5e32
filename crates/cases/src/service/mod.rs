//! The rules of a case: every change checks the state machine, happens in one transaction
//! with its timeline entry and its audit event, and loses to a concurrent change rather than
//! overwriting it.
//!
//! `reading` (who may read a case, and everything shown of it), `submission` (drafts and submissions, the receipt, the automatic pre-review) and `window`
//! (the one-time notice, the supplement, acceptance, refusal to accept, withdrawal: each
//! checks the acting principal itself). A change of state goes through `crate::moves`.

pub(crate) use crate::moves::{load, transition};

mod opening;
mod reading;
mod submission;
mod window;

use std::collections::{BTreeMap, BTreeSet};

use catalog::model::ItemBody;
use kernel::DivisionCode;

use crate::form::{Applicant, MaterialLine};
use crate::model::{Channel, Upload};

pub use opening::*;
pub use reading::*;
pub use submission::*;
pub use window::*;

/// The largest file a material may be.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// An application as the form or the window sends it.
#[derive(Debug, Clone)]
pub struct Application {
    pub item: ItemBody,
    pub item_version: i64,
    pub applicant: Applicant,
    pub channel: Channel,
    pub values: BTreeMap<String, String>,
    /// The form's material lines (waivers decided by the caller from the registries).
    pub materials: Vec<MaterialLine>,
    /// Conditional materials the applicant says apply.
    pub applies: BTreeSet<usize>,
    pub uploads: Vec<Upload>,
    /// The same key from the same account makes one case.
    pub idempotency_key: Option<String>,
    /// The villager's consent, when a station's clerk applies for them (帮办代办): the case
    /// and the consent are linked in the submission's transaction.
    pub consent: Option<i64>,
}

/// Each replica's copy of which division a department belongs to (`kernel::ttl`): read at
/// every submission, and departments do not move.
#[derive(Debug, Default)]
struct Divisions(kernel::ttl::TtlMap<String, Option<DivisionCode>>);
