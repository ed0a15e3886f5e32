//! The base registries' figures at the region's scale, on each backend (see `backend.rs`):
//!
//! - seeding 3.65 million synthetic people and 400,000 entities (COPY on PostgreSQL, batched
//!   inserts on SQLite), with the database's size;
//! - looking a person up by identity number through the service (masking and the read log
//!   written in the same transaction), p99;
//! - finding a person by name (Tibetan, then Chinese) as a region-wide window clerk, with
//!   each person listed written to the read log, p99 (the seeding time includes the name
//!   index);
//! - the same over HTTP from a department system (`GET /api/v1/registry/population/{id}`
//!   with a client-credentials token), requests per second, against a `yiwang demo` child;
//! - the same reads through the exchange's gateway (a data grant: projection, masking, the
//!   hash-chained access log), p99 through the service and over HTTP as a share of the direct
//!   rate measured in the same run;
//! - spatial queries returning at most 100 features from 1 million (box through the index,
//!   then exact geometry), p99; and `/ogc/collections/{id}/items?bbox=…&limit=10` over HTTP,
//!   requests per second.
//!
//! `--quick` seeds a tenth of everything.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use db::Db;
use registry::geo::{self, Area};
use registry::record::Reader;
use registry::synth::{FeatureGenerator, Generator, Rng};

use super::Row;
use super::backend::Backend;

/// People, entities and features at full scale.
const PERSONS: u64 = 3_650_000;
const ENTITIES: u64 = 400_000;
const FEATURES: u64 = 1_000_000;
const SEED: u64 = 2026;

/// Every `step`th person the seed's generator makes: numbers known to be in the registry.
fn sample_ids(persons: u64, count: usize) -> Vec<String> {
    let mut g = Generator::new(SEED, kernel::time_util::Clock::system().today());
    let step = (persons / count as u64).max(1);
    let mut out = Vec::with_capacity(count);
    for i in 0..persons {
        let Some(p) = g.next_person() else { break };
        if i % step == 0 {
            out.push(p.key);
        }
        if out.len() == count {
            break;
        }
    }
    out
}

/// Boxes of about 0.02° × 0.02° around where the seed's features lie.
pub(super) fn sample_boxes(count: usize) -> Vec<[f64; 4]> {
    let mut g = FeatureGenerator::new(SEED);
    let mut rng = Rng::new(7);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let Some(f) = g.next_feature() else { break };
        if rng.below(50) != 0 {
            continue;
        }
        let x: f64 = f.values[7].parse().unwrap_or(91.0);
        let y: f64 = f.values[8].parse().unwrap_or(29.6);
        out.push([x - 0.01, y - 0.01, x + 0.01, y + 0.01]);
    }
    out
}

use super::p99_ms as p99;

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "registry", postgres_url, async |b| {
        backend(b, quick).await
    })
    .await
}

async fn backend(b: &Backend, quick: bool) -> anyhow::Result<Vec<Row>> {
    let scale = if quick { 10 } else { 1 };
    let (persons, entities, features) = (PERSONS / scale, ENTITIES / scale, FEATURES / scale);
    let db = &b.db;
    let start = Instant::now();
    registry::bulk::load_persons(db, persons, SEED, |_| {}).await?;
    registry::bulk::load_entities(db, entities, SEED, |_| {}).await?;
    let seeding = start.elapsed().as_secs_f64();
    registry::bulk::load_features(db, features, SEED, |_| {}).await?;
    let size = b.size().await?;

    // Lookups through the service, as an official of civil affairs reads.
    let ids = sample_ids(persons, 2_000);
    let reader = Reader {
        actor: "official:bench".into(),
        name: "基准测试".into(),
        department_kind: Some("civil-affairs".into()),
        person: None,
        clear_sensitive: false,
        data: None,
        official: None,
    };
    let rounds = if quick { 1 } else { 3 };
    let mut times = Vec::with_capacity(ids.len() * rounds);
    for _ in 0..rounds {
        for id in &ids {
            let id = kernel::PersonId::parse(id).context("a generated number")?;
            let t = Instant::now();
            registry::population::read(db, &id, &reader, "性能基准").await?;
            times.push(t.elapsed());
        }
    }
    let lookup = p99(times);

    // Name searches through the service, as a window clerk over the whole region (the widest
    // scope): each of 200 sampled people by their Tibetan name, then by their Chinese name.
    let region = Reader {
        official: Some(vec![identity::model::Grant {
            role: identity::model::Role::WindowClerk,
            division: kernel::DivisionCode::parse("540000000000").context("the region")?,
        }]),
        ..reader.clone()
    };
    let mut times = Vec::new();
    let mut listed = 0;
    for id in ids.iter().step_by((ids.len() / 200).max(1)) {
        let (zh, bo): (String, String) =
            sqlx::query_as("SELECT name_zh, name_bo FROM registry_persons WHERE person_id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await?;
        for name in [&bo, &zh].into_iter().filter(|n| !n.is_empty()) {
            let t = Instant::now();
            let found =
                registry::names::search(db, &registry::fields::PERSONS, &region, name, "性能基准")
                    .await
                    .map_err(|e| anyhow::anyhow!("name search {name}: {e:?}"))?;
            times.push(t.elapsed());
            anyhow::ensure!(!found.matches.is_empty(), "{name} is in the registry");
            listed = listed.max(found.matches.len());
        }
    }
    let by_name = p99(times);

    // The same reads through the exchange's gateway (grant, projection, masking, access log),
    // as civil affairs' system holding a data grant.
    let grant = data_grant(db).await?;
    let system = identity::Principal::System {
        client_id: "bench-registry".into(),
        department: "540102-civil-affairs".into(),
        department_name: "城关区民政局".into(),
    };
    let catalog = web::catalog()?;
    let mut times = Vec::with_capacity(ids.len() * rounds);
    for _ in 0..rounds {
        for id in &ids {
            let t = Instant::now();
            exchange::gateway::read(db, &catalog, &system, "101001/000001", id, GATEWAY_PURPOSE)
                .await
                .map_err(|e| anyhow::anyhow!("gateway read (grant {grant}): {e:?}"))?;
            times.push(t.elapsed());
        }
    }
    let gateway = p99(times);

    // Spatial queries through the index.
    let boxes = sample_boxes(1_000);
    let mut times = Vec::with_capacity(boxes.len());
    let mut most = 0;
    for b in &boxes {
        let t = Instant::now();
        let page = geo::query(db, "land-parcels", &Area::BBox(*b), None, 100, 0).await?;
        times.push(t.elapsed());
        most = most.max(page.features.len());
    }
    let spatial = p99(times);

    // Over HTTP, against the demo on the same database.
    let addr: SocketAddr = format!("127.0.0.1:{}", super::free_port()?).parse()?;
    let mut child = b.spawn_demo(addr, &[])?;
    let http = async {
        tokio::task::spawn_blocking(move || super::wait_ready(addr, Duration::from_secs(120)))
            .await?
            .context("the demo did not start")?;
        let token = system_token(db, addr).await?;
        let duration = Duration::from_secs(if quick { 2 } else { 5 });
        let lookups: Vec<String> = ids
            .iter()
            .map(|id| format!("/api/v1/registry/population/{id}?purpose=%E5%9F%BA%E5%87%86"))
            .collect();
        let lookup_rate = super::oidc::request_rate(
            addr,
            "GET",
            lookups,
            vec![("Authorization".into(), format!("Bearer {token}"))],
            "",
            16,
            duration,
        )
        .await?;
        let gated: Vec<String> = ids
            .iter()
            .map(|id| {
                format!("/api/v1/exchange/101001~000001/{id}?purpose={GATEWAY_PURPOSE_QUERY}")
            })
            .collect();
        let gateway_rate = super::oidc::request_rate(
            addr,
            "GET",
            gated,
            vec![("Authorization".into(), format!("Bearer {token}"))],
            "",
            16,
            duration,
        )
        .await?;
        let ogc: Vec<String> = boxes
            .iter()
            .map(|b| {
                format!(
                    "/ogc/collections/land-parcels/items?bbox={:.5},{:.5},{:.5},{:.5}&limit=10",
                    b[0], b[1], b[2], b[3]
                )
            })
            .collect();
        let ogc_rate =
            super::oidc::request_rate(addr, "GET", ogc, Vec::new(), "", 16, duration).await?;
        anyhow::Ok((lookup_rate, gateway_rate, ogc_rate))
    }
    .await;
    super::stop(&mut child)?;
    let (lookup_rate, gateway_rate, ogc_rate) = http?;
    let label = |full: &str, tenth: &str| b.label(if quick { tenth } else { full });
    Ok(vec![
        Row {
            figure: label(
                "seed 3.65M persons + 400k entities, s",
                "seed 365k persons + 40k entities, s",
            ),
            target: if quick { "< 18" } else { "< 180" }.into(),
            measured: format!("{seeding:.1}"),
            ratio: 180.0 / scale as f64 / seeding,
        },
        Row {
            figure: label(
                "  database size with 1M features, MB",
                "  database size with 100k features, MB",
            ),
            target: "-".into(),
            measured: format!("{}", size / 1_000_000),
            ratio: 1.0,
        },
        Row {
            figure: b.label("person lookup with masking + read log p99, ms"),
            target: "< 2".into(),
            measured: format!("{lookup:.2}"),
            ratio: 2.0 / lookup,
        },
        Row {
            figure: b.label("person name search, region-wide, read log p99, ms"),
            target: "< 50".into(),
            measured: format!("{by_name:.2} ({listed} max listed)"),
            ratio: 50.0 / by_name,
        },
        Row {
            figure: b.label("person lookups over HTTP (system token), /s"),
            target: ">= 5000".into(),
            measured: format!("{lookup_rate:.0}"),
            ratio: lookup_rate / 5000.0,
        },
        Row {
            figure: b.label("person lookup through the exchange gateway p99, ms"),
            target: "< 5".into(),
            measured: format!("{gateway:.2}"),
            ratio: 5.0 / gateway,
        },
        Row {
            figure: b.label("  gateway lookups over HTTP vs direct, % (same run)"),
            target: ">= 50".into(),
            measured: format!(
                "{:.0} ({gateway_rate:.0}/s)",
                100.0 * gateway_rate / lookup_rate.max(1.0)
            ),
            ratio: gateway_rate / lookup_rate.max(1.0) / 0.5,
        },
        Row {
            figure: label(
                "spatial bbox query <= 100 of 1M features p99, ms",
                "spatial bbox query <= 100 of 100k features p99, ms",
            ),
            target: "< 10".into(),
            measured: format!("{spatial:.2} ({most} max)"),
            ratio: 10.0 / spatial,
        },
        Row {
            figure: b.label("OGC items?bbox&limit=10 over HTTP, /s"),
            target: ">= 2000".into(),
            measured: format!("{ogc_rate:.0}"),
            ratio: ogc_rate / 2000.0,
        },
    ])
}

/// The purpose the bench's data grant was given for (and URL-encoded).
pub(super) const GATEWAY_PURPOSE: &str = "性能基准";
const GATEWAY_PURPOSE_QUERY: &str = "%E6%80%A7%E8%83%BD%E5%9F%BA%E5%87%86";

/// A data grant to civil affairs for names, birth dates, ethnicity (as a pseudonym) and
/// income band of the whole region, as a granted request leaves it (written directly: the
/// bench has no officials to review it).
pub(super) async fn data_grant(db: &Db) -> anyhow::Result<i64> {
    use grants::data::Masking;
    grant_of(
        db,
        "101001/000001",
        &[
            ("person_id", Masking::Clear),
            ("name_zh", Masking::Masked),
            ("birth_date", Masking::Clear),
            ("ethnicity", Masking::Pseudonym),
            ("income_band", Masking::Clear),
        ],
    )
    .await
}

/// A data grant to civil affairs for `items` of public security's `resource`, for
/// [`GATEWAY_PURPOSE`] over the whole region.
pub(super) async fn grant_of(
    db: &Db,
    resource: &str,
    items: &[(&str, grants::data::Masking)],
) -> anyhow::Result<i64> {
    let ask = exchange::requests::Ask {
        resource_names: exchange::model::Names {
            zh: "基准资源".into(),
            ..exchange::model::Names::default()
        },
        requester_name: "基准测试".into(),
        items: items.iter().map(|(k, _)| (*k).to_owned()).collect(),
        purpose: GATEWAY_PURPOSE.into(),
        legal_basis: "基准".into(),
        service_items: Vec::new(),
        scope: "540000".into(),
        retention_days: 1,
        valid_from: "2000-01-01".into(),
        valid_to: "2099-12-31".into(),
        conditional: true,
        renews: None,
    };
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let request = exchange::requests::store::insert(
        &mut tx,
        &exchange::requests::store::New {
            resource,
            provider: "540000-public-security",
            consumer: "540102-civil-affairs",
            requested_by: "system:bench",
            ask: &ask,
            due_on: "2000-01-06",
            at: &at,
        },
    )
    .await?;
    let terms = grants::data::Terms {
        items: items
            .iter()
            .map(|(key, masking)| grants::data::GrantedItem {
                key: (*key).to_owned(),
                masking: *masking,
            })
            .collect(),
        purpose: GATEWAY_PURPOSE.into(),
        scope: "540000".into(),
        conditions: String::new(),
        quota: 0,
        renews: None,
        salt: grants::data::new_salt(db, request)?,
        systems: Vec::new(),
    };
    let id = grants::data::give_in(
        &mut tx,
        &grants::data::NewDataGrant {
            request_id: Some(request),
            consumer: "540102-civil-affairs",
            provider: "540000-public-security",
            resource,
            terms: &terms,
            valid_from: "2000-01-01",
            valid_to: "2099-12-31",
            granted_by: "system:bench",
            granted_at: &at,
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(id)
}

/// Registers a department system with a population grant and gets its token.
pub(super) async fn system_token(db: &Db, addr: SocketAddr) -> anyhow::Result<String> {
    let client = oidc::clients::NewClient {
        client_id: "bench-registry".into(),
        name_zh: "基础库压测".into(),
        scopes: vec!["registry".into()],
        grant_types: vec![oidc::clients::GrantType::ClientCredentials],
        ..oidc::clients::NewClient::default()
    };
    let secret =
        oidc::clients::register(db, &identity::Principal::Operator("system:bench"), &client)
            .await
            .map_err(|e| anyhow::anyhow!("registering the bench client: {e:?}"))?
            .context("a secret")?;
    grants::service::give(
        db,
        &identity::Principal::Operator("system:bench"),
        &grants::service::NewGrant {
            client_id: "bench-registry".into(),
            scope: "population".into(),
            department: "540102-civil-affairs".into(),
            reads: registry::fields::standing_reads("population", "masked"),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("granting: {e:?}"))?;
    grants::service::give(
        db,
        &identity::Principal::Operator("system:bench"),
        &grants::service::NewGrant {
            client_id: "bench-registry".into(),
            scope: "exchange".into(),
            department: "540102-civil-affairs".into(),
            reads: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("granting the exchange: {e:?}"))?;
    super::oidc::client_token(addr, "bench-registry", &secret).await
}
