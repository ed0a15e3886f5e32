//! The read log (查询记录), written by group commit. Every read of a record is logged before
//! its answer goes out; written one by one, concurrent reads would queue for SQLite's write
//! lock and sleep in its busy handler. Instead each database has one writer: reads hand it
//! their entry and wait; it writes whatever has gathered as one multi-row INSERT (one
//! statement: all or nothing) and answers each waiter.

use db::group::Group;
use db::{Db, DbError};

/// One read, as the log keeps it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub registry: &'static str,
    pub subject: String,
    pub reader: String,
    pub reader_name: String,
    pub fields: String,
    pub purpose: String,
    pub at: String,
}

/// The most entries one statement writes (7 values each, well under both databases'
/// parameter limits).
const PER_STATEMENT: usize = 512;

async fn write(db: &Db, batch: &[Entry]) -> Result<Vec<()>, DbError> {
    let mut conn = db.pool().acquire().await?;
    insert_in(&mut conn, batch).await?;
    Ok(vec![(); batch.len()])
}

/// Writes entries on the caller's connection or in its transaction (the exchange's access log
/// writes a gateway read's entry with the call's own line, one write for both).
pub async fn insert_in(conn: &mut db::Conn, batch: &[Entry]) -> Result<(), DbError> {
    for chunk in batch.chunks(PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO registry_reads (registry, subject, reader, reader_name, fields, purpose, at) VALUES {}",
            rows.join(",")
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.registry)
                .bind(&e.subject)
                .bind(&e.reader)
                .bind(&e.reader_name)
                .bind(&e.fields)
                .bind(&e.purpose)
                .bind(&e.at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// This database's read-log writer.
struct ReadLog(Group<Entry, ()>);

/// Logs a read; returns once it is committed.
pub async fn log(db: &Db, entry: Entry) -> Result<(), DbError> {
    let log = db.shared(|db| {
        ReadLog(Group::new(db.clone(), "read log", |db, entries| {
            Box::pin(write(db, entries))
        }))
    });
    log.0.submit(entry).await
}
