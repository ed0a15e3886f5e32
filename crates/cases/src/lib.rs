//! Cases (办件) from application to result: "the front desk accepts, the back office
//! approves, one window hands out" (前台综合受理、后台分类审批、综合窗口出件), and the same
//! case whether it started online or at a window.
//!
//! The lifecycle as a type (`state`); one form per item with pre-fill from the account, the
//! registries and earlier forms (`form`, `prefill`); drafts; submission by group commit
//! (`intake`); the one-time notice, acceptance with its working-day deadline and the
//! automatic pre-review (`service`); the comprehensive window for a person present
//! (`presence`, `window`); applying on a villager's behalf at a station (`proxy`, 帮办代办);
//! life-event bundles (`bundle`); the back office by stages, pauses,
//! fees and delivery (`workflow`); deadline warnings and escalation (`alerts`); notifications
//! (`notify`); ratings and rectification (`ratings`); who may act on a case and who may read
//! it (`authority`, `access`); pages, the JSON API and the department
//! systems' API (`pages`, `api`, `system_api`).

pub mod access;
pub mod alerts;
pub mod api;
pub mod authority;
pub mod bundle;
pub mod consent;
pub mod deadlines;
pub mod form;
pub mod intake;
pub mod kept;
pub mod lookup;
pub mod model;
mod moves;
pub mod notify;
mod otp;
pub mod pages;
pub mod payment;
pub mod prefill;
pub mod presence;
pub mod proxy;
pub mod ratings;
pub mod result;
pub mod service;
pub mod state;
pub mod station;
pub mod store;
pub mod system_api;
pub mod window;
pub mod workflow;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();
