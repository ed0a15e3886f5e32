//! Housekeeping every replica runs: deleting sessions, sign-in challenges, throttle counters,
//! authorization codes, refresh tokens and revoked token ids that can no longer be used, and
//! the exchange's delivered events and access-log lines past their keeping, so the tables stay the size of what is
//! live. Each statement is an idempotent DELETE, so
//! replicas running it at the same time do no harm.

use std::time::Duration;

/// How often the replica tidies up.
pub const EVERY: Duration = Duration::from_secs(600);

/// One round; returns how many rows went.
pub async fn run_once(db: &db::Db) -> Result<u64, db::DbError> {
    Ok(identity::service::purge_expired(db).await?
        + oidc::service::purge_expired(db).await?
        + exchange::subscriptions::deliver::purge(db).await?
        + exchange::access_log::purge(db).await?)
}

/// Runs a round now and then every [`EVERY`], for as long as the runtime lives.
pub fn spawn(db: db::Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match run_once(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "housekeeping: expired rows deleted"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will try again"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::time_util::{format_instant, now};

    db::on_each_backend! {
        async fn only_what_can_no_longer_be_used_is_deleted(backend: Backend) {
            let Some(t) = db::testing::fresh(backend).await else { return };
            let old = format_instant(now() - time::Duration::days(2));
            let live = format_instant(now() + time::Duration::minutes(5));
            for (jti, at) in [("old", &old), ("live", &live)] {
                db::sqlx::query("INSERT INTO oidc_revoked (jti, expires_at) VALUES ($1, $2)")
                    .bind(jti)
                    .bind(at)
                    .execute(t.db.pool())
                    .await
                    .expect("insert");
            }
            db::sqlx::query("INSERT INTO sign_in_throttle (key, failures, window_start, locked_until) VALUES ('login:a', 3, $1, NULL), ('login:b', 5, $1, $2)")
                .bind(&old)
                .bind(&live)
                .execute(t.db.pool())
                .await
                .expect("insert");
            assert_eq!(run_once(&t.db).await.expect("purge"), 2, "{}", t.name());
            let left: Vec<String> = db::sqlx::query_scalar("SELECT jti FROM oidc_revoked")
                .fetch_all(t.db.pool())
                .await
                .expect("left");
            assert_eq!(left, ["live"]);
            let locked: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_throttle")
                .fetch_one(t.db.pool())
                .await
                .expect("count");
            assert_eq!(locked, 1, "a lock still running stays");
            t.close().await;
        }
    }
}
