//! Schema and reference-data migrations, one list for both dialects.
//!
//! Each migration runs once, in its own transaction, and is recorded with a checksum of what
//! it ran: a migration edited after it was applied is refused rather than silently skipped.
//! Reference data that ships with the program (the region's divisions, the national and
//! regional holiday calendars) is loaded by data steps in the same list. On PostgreSQL an
//! advisory lock on the schema being migrated lets several replicas start at once without
//! racing, while other schemas of the same database (other deployments, each test's own)
//! migrate at the same time.

use kernel::calendar;
use kernel::crypto::sm3_hex;
use kernel::division::{self, Level};
use sqlx::{Acquire, Executor, Row};

use crate::{Backend, Conn, Db, DbError};

enum Step {
    Sql {
        sqlite: &'static str,
        postgres: &'static str,
    },
    /// SQL that rebuilds a table SQLite cannot alter in place: on SQLite it runs with
    /// foreign-key enforcement off (the documented procedure for such changes; the setting
    /// cannot change inside a transaction) and commits only if every reference still holds.
    Rebuild {
        sqlite: &'static str,
        postgres: &'static str,
    },
    BuiltinDivisions,
    BuiltinCalendar,
    /// SQL, then every record the registers hold indexed by its names (`names`).
    RegistryNames {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

struct Migration {
    version: i64,
    name: &'static str,
    step: Step,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
            postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
        },
    },
    Migration {
        version: 2,
        name: "divisions of the Tibet Autonomous Region",
        step: Step::BuiltinDivisions,
    },
    Migration {
        version: 3,
        name: "holiday calendars 2025-2026",
        step: Step::BuiltinCalendar,
    },
    Migration {
        version: 4,
        name: "identity",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0004_identity.sql"),
            postgres: include_str!("../migrations/postgres/0004_identity.sql"),
        },
    },
    Migration {
        version: 5,
        name: "OpenID Connect provider",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0005_oidc.sql"),
            postgres: include_str!("../migrations/postgres/0005_oidc.sql"),
        },
    },
    Migration {
        version: 6,
        name: "catalogue of service items",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0006_catalog.sql"),
            postgres: include_str!("../migrations/postgres/0006_catalog.sql"),
        },
    },
    Migration {
        version: 7,
        name: "catalogue revision for search indexes",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0007_catalog_revision.sql"),
            postgres: include_str!("../migrations/postgres/0007_catalog_revision.sql"),
        },
    },
    Migration {
        version: 8,
        name: "life-event bundles",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0008_catalog_bundles.sql"),
            postgres: include_str!("../migrations/postgres/0008_catalog_bundles.sql"),
        },
    },
    Migration {
        version: 9,
        name: "base registries",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0009_registries.sql"),
            postgres: include_str!("../migrations/postgres/0009_registries.sql"),
        },
    },
    Migration {
        version: 10,
        name: "legal entities, multi-source checks, system grants, geography",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0010_registries_more.sql"),
            postgres: include_str!("../migrations/postgres/0010_registries_more.sql"),
        },
    },
    Migration {
        version: 11,
        name: "cases",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0011_cases.sql"),
            postgres: include_str!("../migrations/postgres/0011_cases.sql"),
        },
    },
    Migration {
        version: 12,
        name: "case tasks, pauses, fees and delivery",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0012_case_tasks.sql"),
            postgres: include_str!("../migrations/postgres/0012_case_tasks.sql"),
        },
    },
    Migration {
        version: 13,
        name: "the approver's inbox in deadline order",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0013_case_inbox.sql"),
            postgres: include_str!("../migrations/postgres/0013_case_inbox.sql"),
        },
    },
    Migration {
        version: 14,
        name: "a person present at a window",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0014_window_presence.sql"),
            postgres: include_str!("../migrations/postgres/0014_window_presence.sql"),
        },
    },
    Migration {
        version: 15,
        name: "life-event bundles applied for together",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0015_case_bundles.sql"),
            postgres: include_str!("../migrations/postgres/0015_case_bundles.sql"),
        },
    },
    Migration {
        version: 16,
        name: "deadline warnings and escalations",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0016_case_alerts.sql"),
            postgres: include_str!("../migrations/postgres/0016_case_alerts.sql"),
        },
    },
    Migration {
        version: 17,
        name: "electronic certificates",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0017_certificates.sql"),
            postgres: include_str!("../migrations/postgres/0017_certificates.sql"),
        },
    },
    Migration {
        version: 18,
        name: "forms kept across an ended session",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0018_kept_forms.sql"),
            postgres: include_str!("../migrations/postgres/0018_kept_forms.sql"),
        },
    },
    Migration {
        version: 19,
        name: "provisional deadlines, translated calendar notes, platform flags",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0019_provisional_deadlines.sql"),
            postgres: include_str!("../migrations/postgres/0019_provisional_deadlines.sql"),
        },
    },
    Migration {
        version: 20,
        name: "search terms, pins and counted queries",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0020_search.sql"),
            postgres: include_str!("../migrations/postgres/0020_search.sql"),
        },
    },
    Migration {
        version: 21,
        name: "translations of the catalogue's free text, guide views",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0021_translations.sql"),
            postgres: include_str!("../migrations/postgres/0021_translations.sql"),
        },
    },
    Migration {
        version: 22,
        name: "the exchange's resource catalogue",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0022_exchange_catalogue.sql"),
            postgres: include_str!("../migrations/postgres/0022_exchange_catalogue.sql"),
        },
    },
    Migration {
        version: 23,
        name: "the exchange's data requests, data grants and access log",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0023_exchange_requests.sql"),
            postgres: include_str!("../migrations/postgres/0023_exchange_requests.sql"),
        },
    },
    Migration {
        version: 24,
        name: "the change outbox and the exchange's subscriptions",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0024_change_subscriptions.sql"),
            postgres: include_str!("../migrations/postgres/0024_change_subscriptions.sql"),
        },
    },
    Migration {
        version: 25,
        name: "the access log read by grant, for quotas",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0025_access_log_by_grant.sql"),
            postgres: include_str!("../migrations/postgres/0025_access_log_by_grant.sql"),
        },
    },
    Migration {
        version: 26,
        name: "table and file resources' versions and records",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0026_exchange_datasets.sql"),
            postgres: include_str!("../migrations/postgres/0026_exchange_datasets.sql"),
        },
    },
    Migration {
        version: 27,
        name: "the access log's floor, for its retention",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0027_access_log_floor.sql"),
            postgres: include_str!("../migrations/postgres/0027_access_log_floor.sql"),
        },
    },
    Migration {
        version: 28,
        name: "registry grants become data grants and system grants",
        step: Step::Rebuild {
            sqlite: include_str!("../migrations/sqlite/0028_one_grants_model.sql"),
            postgres: include_str!("../migrations/postgres/0028_one_grants_model.sql"),
        },
    },
    Migration {
        version: 29,
        name: "halls: hours, categories, window staff, appointments and queue tickets",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0029_halls.sql"),
            postgres: include_str!("../migrations/postgres/0029_halls.sql"),
        },
    },
    Migration {
        version: 30,
        name: "proxy applications at stations (the villager's consent and its proof); cases' query codes; sign-in codes",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0030_proxy_consents.sql"),
            postgres: include_str!("../migrations/postgres/0030_proxy_consents.sql"),
        },
    },
    Migration {
        version: 31,
        name: "non-tax payments: notices, orders, callbacks, refunds, statements",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0031_payments.sql"),
            postgres: include_str!("../migrations/postgres/0031_payments.sql"),
        },
    },
    Migration {
        version: 32,
        name: "notifications: templates, preferences, webhooks, the outbox",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0032_notify.sql"),
            postgres: include_str!("../migrations/postgres/0032_notify.sql"),
        },
    },
    Migration {
        version: 33,
        name: "payment receipts claimed before they are issued",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0033_receipt_claims.sql"),
            postgres: include_str!("../migrations/postgres/0033_receipt_claims.sql"),
        },
    },
    Migration {
        version: 34,
        name: "the 12345 hotline: dispatch catalogue, tickets, parts and timelines",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0034_hotline.sql"),
            postgres: include_str!("../migrations/postgres/0034_hotline.sql"),
        },
    },
    Migration {
        version: 35,
        name: "the hotline's loop closed: ratings, one reopening, supervision",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0035_hotline_loop.sql"),
            postgres: include_str!("../migrations/postgres/0035_hotline_loop.sql"),
        },
    },
    Migration {
        version: 36,
        name: "the hotline's repeats merged into a master ticket",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0036_hotline_merging.sql"),
            postgres: include_str!("../migrations/postgres/0036_hotline_merging.sql"),
        },
    },
    Migration {
        version: 37,
        name: "Open311 GeoReport v2: keys, tokens and media",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0037_open311.sql"),
            postgres: include_str!("../migrations/postgres/0037_open311.sql"),
        },
    },
    Migration {
        version: 38,
        name: "the hotline's knowledge base",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0038_hotline_knowledge.sql"),
            postgres: include_str!("../migrations/postgres/0038_hotline_knowledge.sql"),
        },
    },
    Migration {
        version: 39,
        name: "the hotline's seats and call-backs",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0039_hotline_callbacks.sql"),
            postgres: include_str!("../migrations/postgres/0039_hotline_callbacks.sql"),
        },
    },
    Migration {
        version: 40,
        name: "the working-day calendar's revision",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0040_calendar_revision.sql"),
            postgres: include_str!("../migrations/postgres/0040_calendar_revision.sql"),
        },
    },
    Migration {
        version: 41,
        name: "the hotline figures' rollup",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0041_hotline_rollup.sql"),
            postgres: include_str!("../migrations/postgres/0041_hotline_rollup.sql"),
        },
    },
    Migration {
        version: 42,
        name: "the hotline's problem list",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0042_hotline_problems.sql"),
            postgres: include_str!("../migrations/postgres/0042_hotline_problems.sql"),
        },
    },
    Migration {
        version: 43,
        name: "the hotline's limits as settings",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0043_hotline_limits.sql"),
            postgres: include_str!("../migrations/postgres/0043_hotline_limits.sql"),
        },
    },
    Migration {
        version: 44,
        name: "the service item a hotline ticket is about",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0044_hotline_ticket_item.sql"),
            postgres: include_str!("../migrations/postgres/0044_hotline_ticket_item.sql"),
        },
    },
    Migration {
        version: 45,
        name: "the registries' name search",
        step: Step::RegistryNames {
            sqlite: include_str!("../migrations/sqlite/0045_registry_names.sql"),
            postgres: include_str!("../migrations/postgres/0045_registry_names.sql"),
        },
    },
    Migration {
        version: 46,
        name: "ratings found by when they were given",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0046_case_ratings_at.sql"),
            postgres: include_str!("../migrations/postgres/0046_case_ratings_at.sql"),
        },
    },
    Migration {
        version: 47,
        name: "the geography's R-tree searched by layer",
        step: Step::Sql {
            sqlite: include_str!("../migrations/sqlite/0047_geo_rtree_layers.sql"),
            postgres: include_str!("../migrations/postgres/0047_geo_rtree_layers.sql"),
        },
    },
];

/// The newest migration this program knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

fn checksum(step: &Step, backend: Backend) -> String {
    match step {
        Step::Sql { sqlite, postgres }
        | Step::Rebuild { sqlite, postgres }
        | Step::RegistryNames { sqlite, postgres } => sm3_hex(match backend {
            Backend::Sqlite => sqlite.as_bytes(),
            Backend::Postgres => postgres.as_bytes(),
        }),
        Step::BuiltinDivisions => sm3_hex(division::REGION_CSV.as_bytes()),
        Step::BuiltinCalendar => {
            let all: String = calendar::BUILTIN_FILES
                .iter()
                .map(|(_, text)| *text)
                .collect();
            sm3_hex(all.as_bytes())
        }
    }
}

/// What `run` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    pub applied: Vec<(i64, &'static str)>,
    pub current: i64,
}

/// The seed of the migration lock's key, which is this hashed with the schema's name.
const LOCK_KEY: i64 = 0x5969_7761_6e67; // "Yiwang"

/// Brings the database up to date.
pub async fn run(db: &Db) -> Result<MigrateReport, DbError> {
    run_to(db, latest()).await
}

/// Brings the database up to migration `last` and no further (a migration's own test starts
/// from the one before it).
pub async fn run_to(db: &Db, last: i64) -> Result<MigrateReport, DbError> {
    let mut conn = db.pool().acquire().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock(hashtextextended(current_schema(), $1))")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = run_locked(&mut conn, db.backend(), last).await;
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock(hashtextextended(current_schema(), $1))")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn run_locked(
    conn: &mut Conn,
    backend: Backend,
    last: i64,
) -> Result<MigrateReport, DbError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    let rows = sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await?;
    let applied: Vec<(i64, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("version")?, r.try_get("checksum")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    if let Some((found, _)) = applied.last()
        && *found > latest()
    {
        return Err(DbError::TooNew {
            found: *found,
            known: latest(),
        });
    }
    let mut report = MigrateReport {
        applied: Vec::new(),
        current: 0,
    };
    for m in MIGRATIONS.iter().take_while(|m| m.version <= last) {
        let sum = checksum(&m.step, backend);
        if let Some((_, recorded)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *recorded != sum {
                return Err(DbError::MigrationChanged {
                    version: m.version,
                    name: m.name.to_owned(),
                });
            }
            report.current = m.version;
            continue;
        }
        let rebuild = matches!(m.step, Step::Rebuild { .. }) && backend == Backend::Sqlite;
        if rebuild {
            conn.execute("PRAGMA foreign_keys = OFF").await?;
        }
        let applied = apply(conn, m, backend, sum, rebuild).await;
        if rebuild {
            conn.execute("PRAGMA foreign_keys = ON").await?;
        }
        applied?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        report.applied.push((m.version, m.name));
        report.current = m.version;
    }
    Ok(report)
}

/// Runs one migration and records it, in one transaction; a rebuild on SQLite commits only
/// if no foreign key is left dangling.
async fn apply(
    conn: &mut Conn,
    m: &Migration,
    backend: Backend,
    sum: String,
    rebuild: bool,
) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    match &m.step {
        Step::Sql { sqlite, postgres } | Step::Rebuild { sqlite, postgres } => {
            let sql = if backend == Backend::Sqlite {
                sqlite
            } else {
                postgres
            };
            tx.execute(*sql).await?;
        }
        Step::RegistryNames { sqlite, postgres } => {
            tx.execute(if backend == Backend::Sqlite {
                *sqlite
            } else {
                *postgres
            })
            .await?;
            crate::names::index_existing(&mut tx).await?;
        }
        Step::BuiltinDivisions => load_builtin_divisions(&mut tx).await?,
        Step::BuiltinCalendar => {
            let years = calendar::builtin_years().map_err(|e| DbError::Conflict(e.to_string()))?;
            for year in &years {
                crate::calendar::write_year(&mut tx, year, "system:migrate").await?;
            }
        }
    }
    sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(sum)
            .bind(kernel::time_util::format_instant(kernel::time_util::now()))
            .execute(&mut *tx)
            .await?;
    if rebuild {
        let dangling = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *tx)
            .await?;
        if !dangling.is_empty() {
            return Err(DbError::Conflict(format!(
                "migration {} would leave {} references dangling",
                m.version,
                dangling.len()
            )));
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn load_builtin_divisions(conn: &mut Conn) -> Result<(), DbError> {
    let mut rows: Vec<&division::BuiltinDivision> = division::builtin().iter().collect();
    rows.sort_by_key(|d| (d.code.level(), d.code));
    for d in rows {
        let level: Level = d.code.level();
        sqlx::query(
            "INSERT INTO divisions (code, parent_code, level, name_zh, name_bo, name_en, retired_in, successor_code, origin) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'builtin')",
        )
        .bind(d.code.to_string())
        .bind(d.parent.map(|p| p.to_string()))
        .bind(level.key())
        .bind(d.name_zh)
        .bind(d.name_bo)
        .bind(d.name_en)
        .bind(d.retired_in.map(i64::from))
        .bind(d.successor.map(|s| s.to_string()))
        .execute(&mut *conn)
        .await?;
    }
    crate::audit::append(
        conn,
        &crate::audit::NewEvent {
            actor: "system:migrate",
            action: "divisions.load",
            subject: "division:540000",
            payload: serde_json::json!({ "rows": division::builtin().len(), "source": "data/divisions/540000.csv" }),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
