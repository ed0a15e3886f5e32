//! Data requests on the plan's deadlines (政务数据共享申请): a consuming department asks for
//! named items of a catalogue resource, stating purpose, legal basis, the service items it will
//! serve, division scope, retention and a period.
//!
//! The flow, every deadline in working days on the calendar of the provider's division:
//!
//! ```text
//! review (data authority, 3) ──accept, all items unconditional──▶ provisioning (provider, 3) ──▶ granted
//!        │                  └─accept, some item conditional──▶ provider-review (provider, 10) ─┬─ grant ─▶ granted
//!        └─refuse─▶ refused (final)                                                          └─ refuse ─▶ refused
//! refused by the provider ──refer (consumer)──▶ coordination (data authority, 10) ─┬─ overrule ─▶ provisioning
//!                                                                                 └─ uphold ───▶ refused (final)
//! any open state ──withdraw (consumer)──▶ withdrawn
//! ```
//!
//! - this module: the states, who holds each and its deadline, the request and its steps;
//! - `store`: every SQL statement on `exchange_requests` and `exchange_request_steps`;
//! - `service`: the use cases, each checking its principal;
//! - `grants`: the grants requests gave, listed, revoked and renewed;
//! - `alerts`: warnings before a deadline and escalation after it;
//! - `api` (`/api/v1/exchange/requests…`) and `pages` (`/exchange/requests…`).

pub mod alerts;
pub mod api;
pub mod grants;
pub mod pages;
pub mod service;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::model::Names;

kernel::keyed!(
    /// Where a request stands.
    State {
        Review = "review",
        Provisioning = "provisioning",
        ProviderReview = "provider-review",
        Coordination = "coordination",
        Granted = "granted",
        Refused = "refused",
        Withdrawn = "withdrawn",
    }
);

/// Who must act on a request next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Holder {
    /// The platform's data authority (the region's data stewards).
    Authority,
    /// The providing department.
    Provider,
    /// Nobody: the request is closed (the consumer may still refer a provider's refusal).
    Closed,
}

impl Holder {
    pub fn key(self) -> &'static str {
        match self {
            Holder::Authority => "authority",
            Holder::Provider => "provider",
            Holder::Closed => "closed",
        }
    }
}

/// The data authority reviews a request within this many working days.
pub const REVIEW_DAYS: u16 = 3;
/// Data shared without conditions is provisioned within this many working days.
pub const PROVISION_DAYS: u16 = 3;
/// The provider decides a conditional request within this many working days.
pub const DECIDE_DAYS: u16 = 10;
/// The data authority coordinates a referred refusal within this many working days (no
/// national figure: a local rule, as the provider's decision).
pub const COORDINATE_DAYS: u16 = 10;

impl State {
    pub fn holder(self) -> Holder {
        match self {
            State::Review | State::Coordination => Holder::Authority,
            State::Provisioning | State::ProviderReview => Holder::Provider,
            State::Granted | State::Refused | State::Withdrawn => Holder::Closed,
        }
    }

    /// The working days its holder has.
    pub fn days(self) -> Option<u16> {
        match self {
            State::Review => Some(REVIEW_DAYS),
            State::Provisioning => Some(PROVISION_DAYS),
            State::ProviderReview => Some(DECIDE_DAYS),
            State::Coordination => Some(COORDINATE_DAYS),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        self.holder() != Holder::Closed
    }
}

/// What the consumer asks, as the request keeps it (its JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ask {
    /// The resource's names when asked (for lists, without reading the catalogue again).
    pub resource_names: Names,
    /// Who asked, by name (an official's name, or a system's department).
    #[serde(default)]
    pub requester_name: String,
    /// Item keys, in the resource's order.
    pub items: Vec<String>,
    pub purpose: String,
    pub legal_basis: String,
    /// Standardized items (basic codes) it will serve.
    #[serde(default)]
    pub service_items: Vec<String>,
    /// The division whose records it needs (and those below it).
    pub scope: String,
    /// Days the consumer keeps what it receives.
    pub retention_days: u32,
    pub valid_from: String,
    pub valid_to: String,
    /// Some item asked for is shared only on conditions: the provider decides.
    pub conditional: bool,
    /// The grant this request renews, if it is a renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<i64>,
}

/// What the provider or the data authority decided (part of the JSON body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The items granted (all asked, or some).
    #[serde(default)]
    pub granted_items: Vec<String>,
    /// The conditions the provider grants on.
    #[serde(default)]
    pub conditions: String,
    /// Why it was refused.
    #[serde(default)]
    pub reason: String,
    /// The consumer referred the provider's refusal to the data authority (once).
    #[serde(default)]
    pub referred: bool,
    /// The grant it gave.
    #[serde(default)]
    pub grant: Option<i64>,
}

/// A request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub id: i64,
    pub resource: String,
    pub provider: String,
    pub consumer: String,
    pub requested_by: String,
    pub state: State,
    pub holder: Holder,
    /// The holder's deadline (YYYY-MM-DD) while the request is open.
    pub due_on: Option<String>,
    #[serde(flatten)]
    pub ask: Ask,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub created_at: String,
    pub updated_at: String,
}

/// One step of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub at: String,
    pub actor: String,
    /// `submitted`, `accepted`, `refused`, `granted`, `provisioned`, `referred`, `upheld`,
    /// `overruled`, `withdrawn`, `warned`, `escalated`.
    pub action: String,
    pub state: State,
    pub note: String,
    pub due_on: Option<String>,
}
