//! A replica's short-lived copy of rows that are read on every request and changed rarely
//! (OIDC clients, revoked tokens, registry grants). A change takes effect at once on the
//! replica that made it (it calls [`TtlMap::forget`]) and within [`TTL`] on the others.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a replica trusts its copy.
pub const TTL: Duration = Duration::from_secs(2);

/// At most this many entries; past it the copy starts afresh (guessing keys cannot grow it).
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct TtlMap<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        TtlMap {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    /// The copy under `key`, if it is younger than [`TTL`].
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.lock().ok()?;
        let (at, v) = entries.get(key)?;
        (at.elapsed() < TTL).then(|| v.clone())
    }

    /// Remembers `value` under `key` from now.
    pub fn put(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    /// Drops the copy under `key` (after a change made on this replica).
    pub fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_forgets_and_stays_bounded() {
        let m: TtlMap<String, Option<u32>> = TtlMap::default();
        assert_eq!(m.get("a"), None);
        m.put("a".into(), Some(1));
        m.put("b".into(), None);
        assert_eq!(m.get("a"), Some(Some(1)));
        // An absent row is remembered as such.
        assert_eq!(m.get("b"), Some(None));
        m.forget("a");
        assert_eq!(m.get("a"), None);
        for i in 0..MAX_ENTRIES + 5 {
            m.put(i.to_string(), Some(0));
        }
        assert!(m.entries.lock().expect("lock").len() <= MAX_ENTRIES);
    }
}
