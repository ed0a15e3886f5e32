//! The gateway's access log (X-Road's message log, made tamper-evident): every call through
//! the gateway — answered or refused — is a line with the consumer, its system, the resource,
//! the items, the purpose, the key asked (as its SM3 digest and masked, so an inspector can
//! find a person's lines without the log holding their number), records returned, bytes,
//! status, latency and the provider's status; each line carries the hash of the one before,
//! so an edited or removed line breaks the chain, and the head row remembers the newest hash,
//! so cutting lines off the end is noticed too. Lines are written by group commit (one
//! transaction for whatever has gathered), and a call is answered only once its line is
//! committed. `yiwang audit verify` walks this chain as well as the audit chain.

use db::group::Group;
use db::{Db, DbError};
use kernel::crypto::sm3_hex;
use sqlx::Row;

/// The hash before the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One call, as the log keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    pub consumer: String,
    /// The consumer's system (`client:…`) or official.
    pub caller: String,
    /// The resource's provider (empty when the call was refused before the resource was
    /// found).
    pub provider: String,
    pub resource: String,
    /// The items answered, comma-separated.
    pub items: String,
    pub purpose: String,
    /// SM3 of the key asked.
    pub key_digest: String,
    /// The key as a log reader may see it.
    pub key_shown: String,
    pub records: i64,
    pub bytes: i64,
    /// The HTTP status answered.
    pub status: i64,
    pub latency_us: i64,
    /// The provider's HTTP status, for a forwarded call (0: answered by the platform).
    pub provider_status: i64,
    /// Why it was refused (a message key), empty when answered.
    pub refusal: String,
    pub grant_id: Option<i64>,
}

/// A stored line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stored {
    pub seq: i64,
    pub at: String,
    #[serde(flatten)]
    pub line: Line,
    pub prev_hash: String,
    pub hash: String,
}

impl Line {
    /// Every field as text, in the order the hash reads them and the export writes them.
    pub fn fields(&self) -> [String; 15] {
        [
            self.consumer.clone(),
            self.caller.clone(),
            self.provider.clone(),
            self.resource.clone(),
            self.items.clone(),
            self.purpose.clone(),
            self.key_digest.clone(),
            self.key_shown.clone(),
            self.records.to_string(),
            self.bytes.to_string(),
            self.status.to_string(),
            self.latency_us.to_string(),
            self.provider_status.to_string(),
            self.refusal.clone(),
            self.grant_id.map(|g| g.to_string()).unwrap_or_default(),
        ]
    }
}

/// The hash of a line: SM3 over the previous hash, its number, its time and every field, one
/// per line.
pub fn line_hash(prev_hash: &str, seq: i64, at: &str, l: &Line) -> String {
    let mut text = format!("{prev_hash}\n{seq}\n{at}");
    for f in l.fields() {
        text.push('\n');
        text.push_str(&f);
    }
    sm3_hex(text.as_bytes())
}

const COLUMNS: &str = "seq, at, consumer, caller, provider, resource, items, purpose, key_digest, key_shown, records, bytes, status, latency_us, provider_status, refusal, grant_id, prev_hash, hash";
const PER_ROW: usize = 19;
/// Rows per statement (well under both databases' parameter limits).
const PER_STATEMENT: usize = 256;

/// A line to write: the call, when, and the registry read it answered with (its read-log
/// entry is written in the same transaction, so the person's read log and the access log
/// commit together).
type Pending = (Line, String, Option<registry::readlog::Entry>);

/// Appends lines in one transaction, bumping the head once.
async fn write(db: &Db, lines: &[Pending]) -> Result<Vec<i64>, DbError> {
    let n = i64::try_from(lines.len()).map_err(|_| DbError::Group("too many lines".into()))?;
    let mut tx = db.begin().await?;
    let head = sqlx::query(
        "UPDATE exchange_access_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
    )
    .bind(n)
    .fetch_one(&mut *tx)
    .await?;
    let last: i64 = head.try_get("seq")?;
    let mut prev: String = head.try_get("hash")?;
    let mut seqs = Vec::with_capacity(lines.len());
    let mut rows: Vec<Stored> = Vec::with_capacity(lines.len());
    for (i, (line, at, _)) in lines.iter().enumerate() {
        let seq = last - n + 1 + i64::try_from(i).unwrap_or(0);
        let hash = line_hash(&prev, seq, at, line);
        rows.push(Stored {
            seq,
            at: at.clone(),
            line: line.clone(),
            prev_hash: prev.clone(),
            hash: hash.clone(),
        });
        seqs.push(seq);
        prev = hash;
    }
    for chunk in rows.chunks(PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO exchange_access_log ({COLUMNS}) VALUES {}",
            db::placeholders(chunk.len(), PER_ROW, 1)
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            let l = &s.line;
            q = q
                .bind(s.seq)
                .bind(&s.at)
                .bind(&l.consumer)
                .bind(&l.caller)
                .bind(&l.provider)
                .bind(&l.resource)
                .bind(&l.items)
                .bind(&l.purpose)
                .bind(&l.key_digest)
                .bind(&l.key_shown)
                .bind(l.records)
                .bind(l.bytes)
                .bind(l.status)
                .bind(l.latency_us)
                .bind(l.provider_status)
                .bind(&l.refusal)
                .bind(l.grant_id)
                .bind(&s.prev_hash)
                .bind(&s.hash);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE exchange_access_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *tx)
        .await?;
    let reads: Vec<registry::readlog::Entry> =
        lines.iter().filter_map(|(_, _, r)| r.clone()).collect();
    registry::readlog::insert_in(&mut tx, &reads).await?;
    tx.commit().await?;
    Ok(seqs)
}

/// This database's access-log writer.
struct Writer(Group<Pending, i64>);

/// Logs a call; returns its sequence number once it is committed.
pub async fn log(db: &Db, line: Line) -> Result<i64, DbError> {
    log_with_read(db, line, None).await
}

/// Logs a call with the registry read it answered with (written in the same transaction);
/// returns its sequence number once both are committed.
pub async fn log_with_read(
    db: &Db,
    line: Line,
    read: Option<registry::readlog::Entry>,
) -> Result<i64, DbError> {
    let at = kernel::time_util::format_instant(db.clock().now());
    let w = db.shared(|db| {
        Writer(Group::new(db.clone(), "access log", |db, lines| {
            Box::pin(write(db, lines))
        }))
    });
    w.0.submit((line, at, read)).await
}

fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, DbError> {
    Ok(Stored {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        line: Line {
            consumer: r.try_get("consumer")?,
            caller: r.try_get("caller")?,
            provider: r.try_get("provider")?,
            resource: r.try_get("resource")?,
            items: r.try_get("items")?,
            purpose: r.try_get("purpose")?,
            key_digest: r.try_get("key_digest")?,
            key_shown: r.try_get("key_shown")?,
            records: r.try_get("records")?,
            bytes: r.try_get("bytes")?,
            status: r.try_get("status")?,
            latency_us: r.try_get("latency_us")?,
            provider_status: r.try_get("provider_status")?,
            refusal: r.try_get("refusal")?,
            grant_id: r.try_get("grant_id")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Lines after `after`, oldest first, at most `limit`: a department's, as consumer or as
/// provider (`None`: all).
pub async fn lines(
    db: &Db,
    after: i64,
    limit: i64,
    department: Option<&str>,
) -> Result<Vec<Stored>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_access_log WHERE seq > $1 AND ($2 = '' OR consumer = $2 OR provider = $2) ORDER BY seq LIMIT $3"
    ))
    .bind(after)
    .bind(department.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(stored)
    .collect()
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub lines: i64,
    /// The first line whose hash or link does not hold, or the head's disagreement (a line
    /// number past the end: lines were cut off).
    pub first_break: Option<i64>,
}

/// The newest `limit` lines (newest first): a department's, as consumer or as provider
/// (`None`: all).
pub async fn newest(db: &Db, limit: i64, department: Option<&str>) -> Result<Vec<Stored>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_access_log WHERE $1 = '' OR consumer = $1 OR provider = $1 ORDER BY seq DESC LIMIT $2"
    ))
    .bind(department.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(stored)
    .collect()
}

/// Walks the whole chain kept, from the floor (the last line deleted past its keeping, or the
/// start).
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let head = sqlx::query(
        "SELECT seq, hash, floor_seq, floor_hash FROM exchange_access_head WHERE id = 1",
    )
    .fetch_one(db.pool())
    .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let floor_seq: i64 = head.try_get("floor_seq")?;
    let mut prev: String = head.try_get("floor_hash")?;
    let mut expected = floor_seq + 1;
    let mut count = 0;
    loop {
        let batch = lines(db, expected - 1, 5000, None).await?;
        if batch.is_empty() {
            break;
        }
        for s in batch {
            count += 1;
            if s.seq != expected
                || s.prev_hash != prev
                || line_hash(&prev, s.seq, &s.at, &s.line) != s.hash
            {
                return Ok(Verification {
                    lines: count,
                    first_break: Some(expected),
                });
            }
            prev = s.hash;
            expected += 1;
        }
    }
    let intact = head_seq == expected - 1 && head_hash == prev;
    Ok(Verification {
        lines: count,
        first_break: (!intact).then_some(expected),
    })
}

/// Calls a grant answered (status 200) since `since` (an instant): what its daily quota
/// counts.
pub async fn answered_since(db: &Db, grant: i64, since: &str) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM exchange_access_log WHERE grant_id = $1 AND at >= $2 AND status = 200",
    )
    .bind(grant)
    .bind(since)
    .fetch_one(db.pool())
    .await?)
}

/// Days the access log is kept when the configuration does not say: three years (the law asks
/// for at least six months of audit records, 网络安全法 art. 21).
pub const DEFAULT_KEEP_DAYS: u32 = 1_096;
/// The fewest days it may be set to keep.
pub const MIN_KEEP_DAYS: u32 = 183;

/// How long this platform keeps the access log.
struct Keeping(std::sync::atomic::AtomicU32);

/// Sets how many days the access log is kept (the configuration's `access_log_days`; at least
/// [`MIN_KEEP_DAYS`], which a smaller value becomes).
pub fn keep_days(db: &Db, days: u32) {
    db.shared(|_| Keeping(std::sync::atomic::AtomicU32::new(DEFAULT_KEEP_DAYS)))
        .0
        .store(
            days.max(MIN_KEEP_DAYS),
            std::sync::atomic::Ordering::Relaxed,
        );
}

fn kept_days(db: &Db) -> u32 {
    db.shared(|_| Keeping(std::sync::atomic::AtomicU32::new(DEFAULT_KEEP_DAYS)))
        .0
        .load(std::sync::atomic::Ordering::Relaxed)
}

/// Deletes the lines older than the keeping (from the oldest on, so what stays is one
/// unbroken chain), moving the head's floor to the last line deleted and recording the purge
/// in the audit chain, in one transaction; how many lines went.
pub async fn purge(db: &Db) -> Result<u64, DbError> {
    let cutoff = kernel::time_util::format_instant(
        db.clock().now() - time::Duration::days(i64::from(kept_days(db))),
    );
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM exchange_access_log WHERE at < $1")
            .bind(&cutoff)
            .fetch_one(db.pool())
            .await?;
    let Some(last) = last else {
        return Ok(0);
    };
    let mut tx = db.begin().await?;
    let floor: Option<(i64, String)> =
        sqlx::query("SELECT seq, hash FROM exchange_access_log WHERE seq = $1")
            .bind(last)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Ok::<_, DbError>((r.try_get("seq")?, r.try_get("hash")?)))
            .transpose()?;
    // Another replica purged first.
    let Some((seq, hash)) = floor else {
        return Ok(0);
    };
    let gone = sqlx::query("DELETE FROM exchange_access_log WHERE seq <= $1")
        .bind(seq)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Ok(0);
    }
    sqlx::query("UPDATE exchange_access_head SET floor_seq = $1, floor_hash = $2 WHERE id = 1 AND floor_seq < $1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: "system:housekeeping",
            action: "exchange.access_log.purged",
            subject: "exchange:access-log",
            payload: serde_json::json!({ "through": seq, "hash": hash, "lines": gone, "before": cutoff }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(gone)
}
