//! An index a replica holds in memory and builds again when what it indexes has moved on.

use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

/// An index of `T` as of a revision (a counter every change to the indexed data raises in its
/// own transaction). Readers share the index; when the revision they read has moved on, one
/// of them builds it again while the others wait, so every replica answers from what is
/// committed.
#[derive(Debug)]
pub struct Held<T> {
    current: RwLock<Option<(i64, Arc<T>)>>,
    building: tokio::sync::Mutex<()>,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held {
            current: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> Held<T> {
    fn at(&self, revision: i64) -> Option<Arc<T>> {
        let held = self.current.read().unwrap_or_else(PoisonError::into_inner);
        held.as_ref()
            .filter(|(r, _)| *r == revision)
            .map(|(_, t)| t.clone())
    }

    /// The index as of `revision` (read before the data `build` reads, so a change committed
    /// meanwhile only makes the next call build again).
    pub async fn get<E, F, Fut>(&self, revision: i64, build: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(t) = self.at(revision) {
            return Ok(t);
        }
        let _one_at_a_time = self.building.lock().await;
        if let Some(t) = self.at(revision) {
            return Ok(t);
        }
        let fresh = Arc::new(build().await?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Some((revision, fresh.clone()));
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::Held;

    #[tokio::test]
    async fn an_index_is_built_once_per_revision() {
        let held: Held<i64> = Held::default();
        let mut builds = 0;
        for revision in [1, 1, 2, 2, 1] {
            let got = held
                .get(revision, || {
                    builds += 1;
                    async move { Ok::<_, ()>(revision * 10) }
                })
                .await
                .expect("built");
            assert_eq!(*got, revision * 10);
        }
        assert_eq!(builds, 3);
        let failed = held.get(3, || async { Err::<i64, _>("down") }).await;
        assert_eq!(failed.expect_err("failed"), "down");
        let again = held.get(1, || async { Err::<i64, ()>(()) }).await;
        assert_eq!(*again.expect("held"), 10);
    }
}
