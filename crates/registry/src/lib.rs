//! The base registries (基础信息库): "one datum, one source; multi-source verification;
//! dynamic update" (一数一源、多源校核、动态更新). They let the platform fill forms and waive
//! materials instead of asking people. So far: the population registry (`population`), with
//! field ownership, change history, dates in the past, reads with a purpose, masking, and each
//! person's view of who looked.

pub mod acting;
pub mod api;
pub mod bulk;
pub mod checks;
pub mod cql2;
pub mod entities;
pub mod fields;
pub mod geo;
pub mod geo_pages;
pub mod geometry;
pub mod lookup;
pub mod mask;
pub mod names;
pub mod ogc;
pub mod pages;
pub mod population;
pub mod prefill;
pub mod readlog;
pub mod record;
pub mod seed;
pub mod shown;
pub mod synth;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// Every route of the registries: the officials' and the person's pages, the geography
/// pages, OGC API – Features, the checks and batches, and the systems' API.
pub fn router() -> axum::Router<ui::AppState> {
    pages::router()
        .merge(ogc::router())
        .merge(geo_pages::router())
        .merge(checks::router())
        .merge(api::router())
}

/// Audits an official's refused registry read (the key as they may see it).
pub(crate) async fn audit_refusal(
    conn: &mut db::Conn,
    reg: &fields::Register,
    key_shown: &str,
    reader: &record::Reader,
    purpose: &str,
) -> Result<(), db::DbError> {
    db::audit::append(
        conn,
        &db::audit::NewEvent {
            actor: &reader.actor,
            action: "registry.read.refused",
            subject: &format!("registry:{}:{key_shown}", reg.name),
            payload: serde_json::json!({ "purpose": purpose }),
        },
    )
    .await?;
    Ok(())
}
