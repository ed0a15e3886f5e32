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
    /// The register whose name index (`db::names`) the load keeps (a row's values are its
    /// fields in order).
    names: Option<&'static Register>,
}

impl Target {
    fn register(reg: &'static Register) -> Target {
        Target {
            name: reg.name,
            table: reg.table,
            columns: std::iter::once(reg.key)
                .chain(reg.fields.iter().map(|f| f.key))
                .chain(["created_at", "updated_at"])
                .collect(),
            stamps: 2,
            names: Some(reg),
        }
    }

    /// The name-index rows of a batch, `(term, subject)`, sorted (so that they land in the
    /// index's order), and the Tibetan terms among them added to `tibetan`.
    fn terms<'a>(
        &self,
        rows: &'a [Row],
        tibetan: &mut std::collections::BTreeSet<String>,
    ) -> Vec<(String, &'a str)> {
        let Some(reg) = self.names else {
            return Vec::new();
        };
        let mut out: Vec<(String, &str)> = rows
            .iter()
            .flat_map(|r| {
                db::names::terms_of(reg.names_in(&r.values))
                    .into_iter()
                    .map(move |t| (t, r.key.as_str()))
            })
            .collect();
        out.sort_unstable();
        for (t, _) in &out {
            if kernel::name_terms::is_tibetan(t) && !tibetan.contains(t) {
                tibetan.insert(t.clone());
            }
        }
        out
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

/// Name-index rows per INSERT on SQLite (three values each).
const TERMS_PER_STATEMENT: usize = 2_000;
/// Name-index rows per transaction on SQLite.
const TERMS_PER_TRANSACTION: usize = 1_000_000;

/// A SQLite load's name index, gathered in memory and written once the records are in, in
/// the index's own order: written batch by batch, each batch's terms land all over an index
/// far larger than the page cache (3.65 million people make some 22 million terms), and the
/// load took twice as long. Each term and each subject is kept once; a pair is two numbers
/// (some 500 MB at the peak, while sorting, for the region's 3.65 million people). A load
/// stopped before its end leaves its records unindexed, as it leaves them partly loaded: a
/// trial load starts again from an empty registry.
#[derive(Default)]
struct SortedTerms {
    ids: std::collections::HashMap<String, u32>,
    terms: Vec<String>,
    subjects: Vec<String>,
    pairs: Vec<(u32, u32)>,
}

impl SortedTerms {
    fn add(&mut self, reg: &Register, rows: &[Row]) {
        for r in rows {
            let subject = self.subjects.len() as u32;
            self.subjects.push(r.key.clone());
            for t in db::names::terms_of(reg.names_in(&r.values)) {
                let next = self.terms.len() as u32;
                let id = *self.ids.entry(t).or_insert_with_key(|t| {
                    self.terms.push(t.clone());
                    next
                });
                self.pairs.push((id, subject));
            }
        }
    }

    /// The Tibetan terms gathered.
    fn tibetan(&self) -> impl Iterator<Item = &String> {
        self.terms
            .iter()
            .filter(|t| kernel::name_terms::is_tibetan(t))
    }

    /// Writes the gathered index in its key order.
    async fn write(
        mut self,
        conn: &mut sqlx::SqliteConnection,
        registry: &str,
    ) -> Result<(), DbError> {
        let (by_term, term_rank) = ordered(&self.terms);
        let (by_subject, subject_rank) = ordered(&self.subjects);
        let mut keys: Vec<u64> = std::mem::take(&mut self.pairs)
            .into_iter()
            .map(|(t, s)| {
                (u64::from(term_rank[t as usize]) << 32) | u64::from(subject_rank[s as usize])
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for transaction in keys.chunks(TERMS_PER_TRANSACTION) {
            let mut tx = conn.begin().await?;
            for chunk in transaction.chunks(TERMS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO registry_name_terms (registry, term, subject) VALUES {} ON CONFLICT DO NOTHING",
                    vec!["(?,?,?)"; chunk.len()].join(",")
                );
                let mut q = sqlx::query::<sqlx::Sqlite>(&sql);
                for key in chunk {
                    let term = &self.terms[by_term[(key >> 32) as usize] as usize];
                    let subject = &self.subjects[by_subject[(key & 0xffff_ffff) as usize] as usize];
                    q = q.bind(registry).bind(term.as_str()).bind(subject.as_str());
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}

/// The strings' indexes in the strings' byte order, and each string's place in that order.
fn ordered(strings: &[String]) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..strings.len() as u32).collect();
    order.sort_unstable_by(|a, b| strings[*a as usize].cmp(&strings[*b as usize]));
    let mut rank = vec![0u32; strings.len()];
    for (place, id) in order.iter().enumerate() {
        rank[*id as usize] = place as u32;
    }
    (order, rank)
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
    load(
        db,
        &Target::register(&PERSONS),
        persons,
        seed,
        || generator.next_person(),
        progress,
    )
    .await
}

/// Generates `entities` legal entities from `seed` and loads them, as [`load_persons`].
pub async fn load_entities(
    db: &Db,
    entities: u64,
    seed: u64,
    progress: impl FnMut(u64),
) -> Result<Loaded, DbError> {
    let mut generator = EntityGenerator::new(seed, db.clock().today());
    load(
        db,
        &Target::register(&ENTITY_REGISTER),
        entities,
        seed,
        || generator.next_entity(),
        progress,
    )
    .await
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
        names: None,
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
            let number = crate::geo::layer_number_sql("layer");
            format!(
                "INSERT INTO geo_features_rtree (id, min_x, max_x, min_y, max_y, min_layer, max_layer, division) \
                 SELECT id, min_x, max_x, min_y, max_y, {number}, {number} + 0.5, division FROM geo_features"
            )
        }
        // The ids were given: move the identity past them.
        DbUrl::Postgres(_) => {
            "SELECT setval(pg_get_serial_sequence('geo_features', 'id'), (SELECT MAX(id) FROM geo_features))".to_owned()
        }
    };
    sqlx::query(&index).execute(db.pool()).await?;
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
    // The Tibetan terms the load's names hold, whose sounds are kept once it is done.
    let mut tibetan = std::collections::BTreeSet::new();
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
            // The name index, copied beside the records on a connection of its own.
            let mut names_conn = match target.names {
                Some(_) => Some(sqlx::postgres::PgConnection::connect(url).await?),
                None => None,
            };
            let mut names_copy = match names_conn.as_mut() {
                Some(c) => Some(
                    c.copy_in_raw(
                            "COPY registry_name_terms (registry, term, subject) FROM STDIN WITH (FORMAT csv)",
                        )
                        .await?,
                ),
                None => None,
            };
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
                if let (Some(names_copy), Some(reg)) = (&mut names_copy, target.names) {
                    let mut text = String::new();
                    for (term, subject) in target.terms(&batch, &mut tibetan) {
                        text.push_str(reg.name);
                        text.push(',');
                        csv_field(&mut text, &term);
                        text.push(',');
                        csv_field(&mut text, subject);
                        text.push('\n');
                    }
                    names_copy.send(text.into_bytes()).await?;
                }
                done += batch.len() as u64;
                progress(done);
            }
            copy.finish().await?;
            conn.close().await?;
            if let Some(names_copy) = names_copy.take() {
                names_copy.finish().await?;
            }
            drop(names_copy);
            if let Some(c) = names_conn {
                c.close().await?;
            }
            // The planner's statistics still describe an empty table: refresh them now
            // rather than when autovacuum comes round to it.
            sqlx::query(&format!("ANALYZE {}", target.table))
                .execute(db.pool())
                .await?;
            if target.names.is_some() {
                sqlx::query("ANALYZE registry_name_terms")
                    .execute(db.pool())
                    .await?;
            }
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
            let mut index = SortedTerms::default();
            while done < count {
                batch = next_batch(done);
                if batch.is_empty() {
                    break;
                }
                batch.sort_unstable_by(|a, b| a.key.cmp(&b.key));
                let mut tx = conn.begin().await?;
                insert_sqlite(&mut tx, target, &batch, &at).await?;
                tx.commit().await?;
                if let Some(reg) = target.names {
                    index.add(reg, &batch);
                }
                done += batch.len() as u64;
                progress(done);
            }
            if let Some(reg) = target.names {
                tibetan.extend(index.tibetan().cloned());
                index.write(&mut conn, reg.name).await?;
            }
            conn.close().await?;
        }
    }
    drop(batch);
    let mut tx = db.begin().await?;
    db::names::add_sounds(&mut tx, &tibetan.iter().map(String::as_str).collect()).await?;
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
