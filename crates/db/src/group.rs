//! Group commit: callers hand an item over and wait until it is durably stored; one writer
//! task stores whatever has queued up meanwhile with one commit. Each caller still answers
//! only after its own item is committed, but many share one commit (and one fsync, or one
//! turn at SQLite's write lock instead of sleeping in its busy handler).

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

/// A group committer for items of type `T`, answering each with an `R`.
pub struct Group<T, R> {
    db: Db,
    what: &'static str,
    store: Store<T, R>,
    queue: Arc<OnceLock<Queue<T, R>>>,
}

impl<T, R> Clone for Group<T, R> {
    fn clone(&self) -> Self {
        Group {
            db: self.db.clone(),
            what: self.what,
            store: self.store,
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
            queue: Arc::default(),
        }
    }

    /// Stores `item` and returns its result once committed.
    pub async fn submit(&self, item: T) -> Result<R, DbError> {
        let stopped = || DbError::Group(format!("the {} writer has stopped", self.what));
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * Self::MAX);
            tokio::spawn(Self::writer(self.db.clone(), self.what, self.store, rx));
            tx
        });
        let (done, wait) = oneshot::channel();
        queue.send((item, done)).await.map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?.map_err(DbError::Group)
    }

    async fn writer(
        db: Db,
        what: &'static str,
        store: Store<T, R>,
        mut rx: mpsc::Receiver<(T, Waiter<R>)>,
    ) {
        let mut group = Vec::with_capacity(Self::MAX);
        while rx.recv_many(&mut group, Self::MAX).await > 0 {
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
