//! The base registries (基础信息库): "one datum, one source; multi-source verification;
//! dynamic update" (一数一源、多源校核、动态更新). They let the platform fill forms and waive
//! materials instead of asking people. So far: the population registry (`population`), with
//! field ownership, change history, dates in the past, reads with a purpose, masking, and each
//! person's view of who looked.

pub mod api;
pub mod bulk;
pub mod checks;
pub mod entities;
pub mod fields;
pub mod geo;
pub mod geo_pages;
pub mod geometry;
pub mod lookup;
pub mod mask;
pub mod ogc;
pub mod pages;
pub mod population;
pub mod prefill;
pub mod readlog;
pub mod record;
pub mod seed;
pub mod synth;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();
