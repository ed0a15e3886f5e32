//! One notification service for every capability (统一消息): an event (a case accepted, a
//! payment notice, a booking's reminder …) is rendered from its template in the person's
//! language and written to the outbox in the same transaction as the change it tells about;
//! senders take it to the inbox, SMS, email (SMTP) and systems' webhooks, with retries, rate
//! limits and delivery status, and each person sees their history and keeps their channels,
//! language and quiet hours.
//!
//! - `model`: events (`data/templates.toml`), templates, channels, preferences, messages;
//! - `template`: the `{name}` template language, checked before a version is kept;
//! - `store`: every SQL statement on the `notify_*` tables;
//! - `service`: the use cases, each checking the acting principal; `service::send` the
//!   senders; `smtp` the SMTP client they use;
//! - `pages`: thin adapters.

pub mod model;
pub mod pages;
pub mod service;
pub mod smtp;
pub mod store;
pub mod template;

pub use model::NotifyError;
pub use service::{Event, Recipient, hand_over_in, tell, tell_in};

use kernel::i18n::Ftl;

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();
