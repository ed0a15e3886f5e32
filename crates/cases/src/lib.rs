//! Cases (办件) from application to result: "the front desk accepts, the back office
//! approves, one window hands out" (前台综合受理、后台分类审批、综合窗口出件), and the same
//! case whether it started online or at a window.
//!
//! So far: the lifecycle as a type (`state`), one form per item with pre-fill from the
//! account, the registries and earlier forms (`form`), drafts, submission with materials and
//! their SM3 digests, a case number and a receipt, the one-time notice and the one
//! supplement, acceptance with its working-day deadline, refusal to accept, withdrawal, the
//! applicant's pages and the window clerk's pre-review (`pages`), and the JSON API (`api`).

pub mod alerts;
pub mod api;
pub mod bundle;
pub mod form;
pub mod intake;
pub mod model;
pub mod notify;
pub mod pages;
pub mod prefill;
pub mod presence;
pub mod ratings;
pub mod service;
pub mod state;
pub mod store;
pub mod window;
pub mod workflow;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();
