//! The catalogue of government service items (政务服务事项): "same item, same name, same
//! standard, same code". Items with the national standard fields and codes, versions that go
//! from draft through review to published, the implementation lists per level and division,
//! guides, and search. Every application, window, KPI and guide reads it.

pub mod api;
pub mod bundles;
pub mod codes;
pub mod diff;
pub mod figures;
pub mod lists;
pub mod manage;
pub mod model;
pub mod pages;
pub mod search;
pub mod seed;
pub mod service;
pub mod stats;
pub mod store;
pub mod transfer;
pub mod translation;
pub mod vocab;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();
