//! The registries' name index: each record's name terms (`kernel::name_terms`) in
//! `registry_name_terms`, and each Tibetan term's sounds in `registry_name_sounds`, kept in
//! the transaction that writes the record. It lives here, below the registries, because the
//! migration that builds it for the records a database already holds runs here; the
//! registries write and read it through these functions.

use std::collections::BTreeSet;

use kernel::name_terms;

use crate::{Conn, DbError, placeholders};

/// Rows per multi-row statement (three values each).
const PER_STATEMENT: usize = 500;

/// The terms of a record's names, each once.
pub fn terms_of<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().flat_map(name_terms::terms).collect()
}

/// Keeps `subject`'s terms in `registry` as its names change from `old` to `new` (`old`
/// empty for a new record).
pub async fn reindex(
    conn: &mut Conn,
    registry: &str,
    subject: &str,
    old: &[&str],
    new: &[&str],
) -> Result<(), DbError> {
    let before = terms_of(old.iter().copied());
    let after = terms_of(new.iter().copied());
    let gone: Vec<&String> = before.difference(&after).collect();
    if !gone.is_empty() {
        let sql = format!(
            "DELETE FROM registry_name_terms WHERE registry = $1 AND subject = $2 AND term IN {}",
            placeholders(1, gone.len(), 3)
        );
        let mut q = sqlx::query(&sql).bind(registry).bind(subject);
        for t in gone {
            q = q.bind(t);
        }
        q.execute(&mut *conn).await?;
    }
    let added: Vec<(&str, String)> = after
        .difference(&before)
        .map(|t| (subject, t.clone()))
        .collect();
    insert(conn, registry, &added).await
}

/// Indexes records newly loaded in bulk: `(subject, names)` each.
pub async fn index_many(
    conn: &mut Conn,
    registry: &str,
    records: &[(&str, Vec<&str>)],
) -> Result<(), DbError> {
    let rows: Vec<(&str, String)> = records
        .iter()
        .flat_map(|(subject, names)| {
            terms_of(names.iter().copied())
                .into_iter()
                .map(move |t| (*subject, t))
        })
        .collect();
    insert(conn, registry, &rows).await
}

async fn insert(conn: &mut Conn, registry: &str, rows: &[(&str, String)]) -> Result<(), DbError> {
    for chunk in rows.chunks(PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO registry_name_terms (registry, term, subject) VALUES {} ON CONFLICT DO NOTHING",
            placeholders(chunk.len(), 3, 1)
        );
        let mut q = sqlx::query(&sql);
        for (subject, term) in chunk {
            q = q.bind(registry).bind(term).bind(*subject);
        }
        q.execute(&mut *conn).await?;
    }
    let tibetan: BTreeSet<&str> = rows
        .iter()
        .map(|(_, t)| t.as_str())
        .filter(|t| name_terms::is_tibetan(t))
        .collect();
    add_sounds(conn, &tibetan).await
}

/// Keeps the sounds of Tibetan terms (those already kept are left as they are).
pub async fn add_sounds(conn: &mut Conn, tibetan: &BTreeSet<&str>) -> Result<(), DbError> {
    let sounds: Vec<(String, &str)> = tibetan
        .iter()
        .flat_map(|&t| name_terms::sounds(t).into_iter().map(move |s| (s, t)))
        .collect();
    for chunk in sounds.chunks(PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO registry_name_sounds (sound, term) VALUES {} ON CONFLICT DO NOTHING",
            placeholders(chunk.len(), 2, 1)
        );
        let mut q = sqlx::query(&sql);
        for (sound, term) in chunk {
            q = q.bind(sound).bind(*term);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The registers and their name columns, as the migration indexes what they already hold.
const REGISTERS: [(&str, &str, &str, &[&str]); 2] = [
    (
        "population",
        "registry_persons",
        "person_id",
        &["name_zh", "name_bo"],
    ),
    ("entities", "registry_entities", "credit_code", &["name"]),
];

/// Records read per page while indexing what a register holds.
const PAGE: i64 = 5_000;

/// Indexes the records of `registry` after the key `after` (`""` for the first), one page of
/// them; the last key indexed, or `None` when none is left. For what is already stored: the
/// migration that brings the index, and a bulk load.
pub async fn index_page(
    conn: &mut Conn,
    registry: &str,
    after: &str,
) -> Result<Option<String>, DbError> {
    let Some((_, table, key, columns)) = REGISTERS.iter().find(|r| r.0 == registry) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {key} AS subject, {} FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2",
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS name{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows: Vec<Vec<String>> = {
        use sqlx::Row;
        sqlx::query(&sql)
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                std::iter::once("subject".to_owned())
                    .chain((0..columns.len()).map(|i| format!("name{i}")))
                    .map(|c| r.try_get::<String, _>(c.as_str()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<_, _>>()?
    };
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    let records: Vec<(&str, Vec<&str>)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1..].iter().map(String::as_str).collect()))
        .collect();
    index_many(conn, registry, &records).await?;
    Ok(Some(last[0].clone()))
}

/// Indexes every record the registers hold (the migration that brings the name index).
pub(crate) async fn index_existing(conn: &mut Conn) -> Result<(), DbError> {
    for (registry, ..) in REGISTERS {
        let mut after = String::new();
        while let Some(last) = index_page(conn, registry, &after).await? {
            after = last;
        }
    }
    Ok(())
}
