//! Loading synthetic people and entities fast: `COPY` on PostgreSQL, many rows per statement and many
//! statements per transaction on SQLite. For trials and benchmarks at the region's scale
//! (`yiwang seed`); real data comes through the departments' updates.

use std::time::Instant;

use db::audit::{self, NewEvent};
use db::{Db, DbError, DbUrl};
use kernel::time_util::format_instant;
use sqlx::Connection;

use crate::fields::{ENTITY_REGISTER, PERSONS, Register};
use crate::synth::{EntityGenerator, FeatureGenerator, Generator, Row};

/// What a load did.
#[derive(Debug, Clone, Copy)]
pub struct Loaded {
    pub rows: u64,
    pub seconds: f64,
}

/// Rows per INSERT on SQLite (at most 24 values each, well under its parameter limit).
const ROWS_PER_STATEMENT: usize = 400;
/// Rows per transaction on SQLite (sorted by key first, so that each batch lands in the key
/// index in order rather than at random), and per COPY chunk on PostgreSQL.
const ROWS_PER_BATCH: usize = 250_000;

/// Where rows go: a table, its columns (the row's key first, then its values), and how many
/// time stamps the load appends to each row.
struct Target {
    name: &'static str,
    table: &'static str,
    columns: Vec<&'static str>,
    stamps: usize,
}

impl Target {
    fn register(reg: &Register) -> Target {
        Target {
            name: reg.name,
            table: reg.table,
            columns: std::iter::once(reg.key)
                .chain(reg.fields.iter().map(|f| f.key))
                .chain(["created_at", "updated_at"])
                .collect(),
            stamps: 2,
        }
    }

    fn columns(&self) -> String {
        self.columns.join(", ")
    }
}

/// A CSV field for COPY: quoted when it must be, and an empty string quoted so that COPY
/// does not read it as NULL.
fn csv_field(out: &mut String, v: &str) {
    if v.is_empty() || v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

async fn insert_sqlite(
    conn: &mut sqlx::SqliteConnection,
    target: &Target,
    rows: &[Row],
    at: &str,
) -> Result<(), DbError> {
    let per_row = target.columns.len();
    let one = format!("({})", vec!["?"; per_row].join(","));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            target.table,
            target.columns(),
            vec![one.as_str(); chunk.len()].join(",")
        );
        let mut q = sqlx::query::<sqlx::Sqlite>(&sql);
        for p in chunk {
            q = q.bind(p.key.as_str());
            for v in &p.values {
                q = q.bind(v.as_str());
            }
            for _ in 0..target.stamps {
                q = q.bind(at);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Generates `persons` people from `seed` and loads them; `progress` hears the count after
/// each batch. Refused when the registry already holds people (a trial load is for an empty
/// registry).
pub async fn load_persons(
    db: &Db,
    persons: u64,
    seed: u64,
    progress: impl FnMut(u64),
) -> Result<Loaded, DbError> {
    let mut generator = Generator::new(seed, db.clock().today());
    let loaded = load(
        db,
        &Target::register(&PERSONS),
        persons,
        seed,
        || generator.next_person(),
        progress,
    )
    .await?;
    index_names(db, &PERSONS, loaded).await
}

/// Generates `entities` legal entities from `seed` and loads them, as [`load_persons`].
pub async fn load_entities(
    db: &Db,
    entities: u64,
    seed: u64,
    progress: impl FnMut(u64),
) -> Result<Loaded, DbError> {
    let mut generator = EntityGenerator::new(seed, db.clock().today());
    let loaded = load(
        db,
        &Target::register(&ENTITY_REGISTER),
        entities,
        seed,
        || generator.next_entity(),
        progress,
    )
    .await?;
    index_names(db, &ENTITY_REGISTER, loaded).await
}

/// Pages of records indexed per transaction.
const PAGES_PER_INDEX_TX: usize = 10;

/// Indexes what a load stored by its names (`db::names`), so that the name search finds it;
/// its time is counted in the load's.
async fn index_names(db: &Db, reg: &Register, loaded: Loaded) -> Result<Loaded, DbError> {
    let started = Instant::now();
    let mut after = String::new();
    let mut more = true;
    while more {
        let mut tx = db.begin().await?;
        for _ in 0..PAGES_PER_INDEX_TX {
            match db::names::index_page(&mut tx, reg.name, &after).await? {
                Some(last) => after = last,
                None => {
                    more = false;
                    break;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(Loaded {
        rows: loaded.rows,
        seconds: loaded.seconds + started.elapsed().as_secs_f64(),
    })
}

/// Generates `features` synthetic geographic features from `seed` in every county and
/// loads them with their spatial index, as [`load_persons`].
pub async fn load_features(
    db: &Db,
    features: u64,
    seed: u64,
    progress: impl FnMut(u64),
) -> Result<Loaded, DbError> {
    let mut generator = FeatureGenerator::new(seed);
    let target = Target {
        name: "geography",
        table: "geo_features",
        columns: vec![
            "id",
            "layer",
            "code",
            "name",
            "division",
            "department",
            "properties",
            "geometry",
            "min_x",
            "min_y",
            "max_x",
            "max_y",
            "updated_at",
        ],
        stamps: 1,
    };
    let loaded = load(
        db,
        &target,
        features,
        seed,
        || generator.next_feature(),
        progress,
    )
    .await?;
    let index = match db.url() {
        DbUrl::Sqlite(_) => {
            "INSERT INTO geo_features_rtree (id, min_x, max_x, min_y, max_y, layer, division) \
             SELECT id, min_x, max_x, min_y, max_y, layer, division FROM geo_features"
        }
        // The ids were given: move the identity past them.
        DbUrl::Postgres(_) => {
            "SELECT setval(pg_get_serial_sequence('geo_features', 'id'), (SELECT MAX(id) FROM geo_features))"
        }
    };
    sqlx::query(index).execute(db.pool()).await?;
    Ok(Loaded {
        rows: loaded.rows,
        seconds: loaded.seconds,
    })
}

async fn load(
    db: &Db,
    target: &Target,
    count: u64,
    seed: u64,
    mut next: impl FnMut() -> Option<Row>,
    mut progress: impl FnMut(u64),
) -> Result<Loaded, DbError> {
    let existing: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", target.table))
        .fetch_one(db.pool())
        .await?;
    if existing > 0 {
        return Err(DbError::Conflict(format!(
            "the {} registry already holds {existing} records",
            target.name
        )));
    }
    let started = Instant::now();
    let at = format_instant(db.clock().now());
    let mut done = 0u64;
    let mut batch: Vec<Row> = Vec::with_capacity(ROWS_PER_BATCH);
    let mut next_batch = |done: u64| -> Vec<Row> {
        let n = (count - done).min(ROWS_PER_BATCH as u64);
        (0..n).filter_map(|_| next()).collect()
    };
    match db.url() {
        DbUrl::Postgres(url) => {
            let mut conn = sqlx::postgres::PgConnection::connect(url).await?;
            let mut copy = conn
                .copy_in_raw(&format!(
                    "COPY {} ({}) FROM STDIN WITH (FORMAT csv)",
                    target.table,
                    target.columns()
                ))
                .await?;
            while done < count {
                batch = next_batch(done);
                if batch.is_empty() {
                    break;
                }
                let mut text = String::with_capacity(batch.len() * 256);
                for p in &batch {
                    text.push_str(&p.key);
                    for v in &p.values {
                        text.push(',');
                        csv_field(&mut text, v);
                    }
                    for _ in 0..target.stamps {
                        text.push(',');
                        text.push_str(&at);
                    }
                    text.push('\n');
                }
                copy.send(text.into_bytes()).await?;
                done += batch.len() as u64;
                progress(done);
            }
            copy.finish().await?;
            conn.close().await?;
            // The planner's statistics still describe an empty table: refresh them now
            // rather than when autovacuum comes round to it.
            sqlx::query(&format!("ANALYZE {}", target.table))
                .execute(db.pool())
                .await?;
        }
        DbUrl::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(5));
            let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&options).await?;
            // Identity numbers arrive in no order, so each insert lands somewhere in the
            // primary-key index: keep all of it in memory for the load (the default 2 MB
            // cache turns the load into random disk reads).
            sqlx::query("PRAGMA cache_size = -1048576")
                .execute(&mut conn)
                .await?;
            while done < count {
                batch = next_batch(done);
                if batch.is_empty() {
                    break;
                }
                batch.sort_unstable_by(|a, b| a.key.cmp(&b.key));
                let mut tx = conn.begin().await?;
                insert_sqlite(&mut tx, target, &batch, &at).await?;
                tx.commit().await?;
                done += batch.len() as u64;
                progress(done);
            }
            conn.close().await?;
        }
    }
    drop(batch);
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system:seed",
            action: "registry.seeded",
            subject: &format!("registry:{}", target.name),
            payload: serde_json::json!({ "records": done, "seed": seed, "synthetic": true }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Loaded {
        rows: done,
        seconds: started.elapsed().as_secs_f64(),
    })
}
