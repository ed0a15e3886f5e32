//! Change subscriptions (issue 21, item 6): a consuming department subscribes, under a data
//! grant in force, to changes of the granted resource — a death or a move of a person, an
//! entity's status — and its webhook receives them.
//!
//! - A change writes its event to the outbox in its own transaction (`db::outbox`), so an
//!   event exists exactly when its change commits.
//! - `deliver::fan_out` gives each new event one delivery row per matching subscription: the
//!   same resource, a watched item among those changed, a division within the grant's scope
//!   (before or after a move), the grant in force.
//! - `deliver::deliver_due` posts a subscription's pending deliveries, oldest first, in
//!   batches, signed (`crate::signing`), to its webhook: at least once, in order per
//!   subscription (and so per record). A failure waits and retries (doubling from 2 s to an
//!   hour); a webhook down for `Policy::suspend_after` (3 days) suspends the subscription,
//!   its deliveries kept pending until the consumer resumes it; a batch the webhook keeps
//!   rejecting (4xx) becomes dead letters after 5 tries, and delivery moves on. The consumer
//!   redelivers dead letters when it has fixed its side.
//! - Values are handed over exactly as the grant says (clear, masked, pseudonym), as the
//!   gateway hands them.
//! - `service`: the use cases, each checking its principal; `store`: the SQL; `api`
//!   (`/api/v1/exchange/subscriptions…`) and `pages` (`/exchange/subscriptions…`).

pub mod api;
pub mod deliver;
pub mod pages;
pub mod service;
pub mod store;

use serde::Serialize;

kernel::keyed!(
    /// Where a subscription stands.
    State {
        Active = "active",
        /// Its webhook failed for too long; deliveries wait until the consumer resumes it.
        Suspended = "suspended",
        /// Ended by the consumer, or its grant ended.
        Ended = "ended",
    }
);

kernel::keyed!(
    /// Where one delivery stands.
    DeliveryState {
        Pending = "pending",
        Delivered = "delivered",
        /// Rejected by the webhook too often: kept for the consumer to redeliver.
        Dead = "dead",
    }
);

/// A subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: i64,
    pub consumer: String,
    pub grant_id: i64,
    pub resource: String,
    /// The items whose changes it hears of (a subset of the grant's).
    pub items: Vec<String>,
    pub url: String,
    pub state: State,
    /// Why it is suspended or ended.
    pub state_note: String,
    pub created_by: String,
    pub created_at: String,
    /// Failed tries of the current batch.
    pub attempts: i64,
    pub next_attempt_at: String,
    pub failing_since: Option<String>,
    pub last_error: String,
    /// Events delivered so far.
    pub delivered: i64,
    /// The newest event when it was made: it hears of later ones only.
    pub from_seq: i64,
}

/// One event's delivery to one subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub seq: i64,
    pub state: DeliveryState,
    pub attempts: i64,
    /// The webhook's last HTTP status (0: no answer).
    pub last_status: i64,
    pub last_error: String,
    pub delivered_at: Option<String>,
    /// The event's kind and time.
    pub kind: String,
    pub at: String,
}
