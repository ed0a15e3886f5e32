//! Group commit: callers hand an item over and wait until it is durably stored; one writer
//! task stores whatever has queued up meanwhile with one commit. Each caller still answers
//! only after its own item is committed, but many share one commit (and one fsync, or one
//! turn at SQLite's write lock instead of sleeping in its busy handler).
//!
//! A committer may have several lanes: writers taking turns at the one queue, each storing
//! its own group in its own transaction. On PostgreSQL, where transactions run side by side,
//! one lane's statements overlap another's commit; on SQLite one lane is right (one writer
//! at a time whatever is asked).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::{Db, DbError};

/// Stores a group and returns one result per item, in order.
pub type Store<T, R> =
    for<'a> fn(
        &'a Db,
        &'a [T],
    ) -> Pin<Box<dyn Future<Output = Result<Vec<R>, DbError>> + Send + 'a>>;

type Waiter<R> = oneshot::Sender<Result<R, String>>;
type Queue<T, R> = mpsc::Sender<(T, Waiter<R>)>;
/// The receiving end of a queue, shared by its lanes.
type Shared<T, R> = Arc<tokio::sync::Mutex<mpsc::Receiver<(T, Waiter<R>)>>>;

/// A group committer for items of type `T`, answering each with an `R`.
pub struct Group<T, R> {
    db: Db,
    what: &'static str,
    store: Store<T, R>,
    lanes: usize,
    queue: Arc<OnceLock<Queue<T, R>>>,
}

impl<T, R> Clone for Group<T, R> {
    fn clone(&self) -> Self {
        Group {
            db: self.db.clone(),
            what: self.what,
            store: self.store,
            lanes: self.lanes,
            queue: self.queue.clone(),
        }
    }
}

impl<T, R> std::fmt::Debug for Group<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").field("what", &self.what).finish()
    }
}

impl<T: Send + 'static, R: Send + 'static> Group<T, R> {
    /// The most items one commit takes.
    pub const MAX: usize = 512;

    /// A committer of `what` (named in logs and errors) that stores groups with `store`.
    pub fn new(db: Db, what: &'static str, store: Store<T, R>) -> Group<T, R> {
        Group {
            db,
            what,
            store,
            lanes: 1,
            queue: Arc::default(),
        }
    }

    /// The same committer with `lanes` writers (at least one) taking turns at its queue.
    /// A group's store must then take its locks in one order (sort its items), so two lanes
    /// never wait on each other.
    #[must_use]
    pub fn with_lanes(mut self, lanes: usize) -> Group<T, R> {
        self.lanes = lanes.max(1);
        self
    }

    /// Stores `item` and returns its result once committed.
    pub async fn submit(&self, item: T) -> Result<R, DbError> {
        let stopped = || DbError::Group(format!("the {} writer has stopped", self.what));
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * Self::MAX);
            let rx = Arc::new(tokio::sync::Mutex::new(rx));
            for _ in 0..self.lanes {
                tokio::spawn(Self::writer(
                    self.db.clone(),
                    self.what,
                    self.store,
                    rx.clone(),
                ));
            }
            tx
        });
        let (done, wait) = oneshot::channel();
        queue.send((item, done)).await.map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?.map_err(DbError::Group)
    }

    async fn writer(db: Db, what: &'static str, store: Store<T, R>, rx: Shared<T, R>) {
        let mut group = Vec::with_capacity(Self::MAX);
        // A lane holds the queue only while it takes a group, not while it stores it.
        while rx.lock().await.recv_many(&mut group, Self::MAX).await > 0 {
            let (items, waiters): (Vec<T>, Vec<Waiter<R>>) = group.drain(..).unzip();
            match store(&db, &items).await {
                Ok(results) => {
                    for (done, r) in waiters.into_iter().zip(results) {
                        let _ = done.send(Ok(r));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, items = items.len(), what, "group commit failed");
                    let text = e.to_string();
                    for done in waiters {
                        let _ = done.send(Err(text.clone()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn store_squares<'a>(
        db: &'a Db,
        items: &'a [i64],
    ) -> Pin<Box<dyn Future<Output = Result<Vec<i64>, DbError>> + Send + 'a>> {
        Box::pin(async move {
            let mut tx = db.begin().await?;
            for &i in items {
                sqlx::query("INSERT INTO squares (n, square) VALUES ($1, $2)")
                    .bind(i)
                    .bind(i * i)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(items.iter().map(|i| i * i).collect())
        })
    }

    crate::on_each_backend! {
        async fn lanes_answer_each_item_with_its_own_result_once_it_is_committed(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            sqlx::query("CREATE TABLE squares (n BIGINT PRIMARY KEY, square BIGINT NOT NULL)")
                .execute(t.db.pool())
                .await
                .expect("table");
            let lanes = match backend {
                crate::Backend::Sqlite => 1,
                crate::Backend::Postgres => 4,
            };
            let group = Group::new(t.db.clone(), "squares", store_squares).with_lanes(lanes);
            let writers: Vec<_> = (0..400_i64)
                .map(|i| {
                    let group = group.clone();
                    tokio::spawn(async move { (i, group.submit(i).await) })
                })
                .collect();
            for w in writers {
                let (i, got) = w.await.expect("join");
                assert_eq!(got.expect("stored"), i * i, "{}: item {i}", t.name());
            }
            let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM squares")
                .fetch_one(t.db.pool())
                .await
                .expect("count");
            assert_eq!(stored, 400, "{}: every item committed once", t.name());
        }
    }
}
