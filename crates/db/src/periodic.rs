//! Work each replica repeats on a timer (deadline alerts, tidying): one loop for all of it, so
//! a round that fails is logged and simply tried again at the next tick.

use std::future::Future;
use std::time::Duration;

use crate::{Db, DbError};

/// Runs `round` now and then every `period` for as long as the runtime lives; `what` names it
/// in the log. A round returns how many things it did.
pub fn every<F, Fut>(
    db: Db,
    period: Duration,
    what: &'static str,
    round: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Db) -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, DbError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            match round(db.clone()).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(what, n, "done"),
                Err(e) => tracing::warn!(what, error = %e, "failed; will try again"),
            }
        }
    })
}
