//! Results computed from the stored data, kept until the data changes. The store's data
//! version (the newest import and audit entry) moves with every import and every audited
//! edit, so a hit is never stale; other instances' changes move it too.

use std::future::Future;
use std::sync::{Arc, Mutex};

/// Up to `CAPACITY` results of the current data version, each under its own key (a period,
/// a window, a query's settings). A newer version drops every older result.
pub struct VersionedCache<T, const CAPACITY: usize> {
    /// (data version, key, result), oldest first.
    entries: Mutex<Vec<(String, String, Arc<T>)>>,
}

impl<T, const CAPACITY: usize> Default for VersionedCache<T, CAPACITY> {
    fn default() -> Self {
        VersionedCache {
            entries: Mutex::default(),
        }
    }
}

impl<T, const CAPACITY: usize> VersionedCache<T, CAPACITY> {
    /// Whether a result for `key` at `version` is kept.
    pub fn holds(&self, version: &str, key: &str) -> bool {
        self.entries
            .lock()
            .is_ok_and(|entries| entries.iter().any(|(v, k, _)| v == version && k == key))
    }

    /// The result for `key` at `version`, computed by `compute` when not kept. A failed
    /// computation keeps nothing. Two requests that miss at once both compute; the later
    /// one's result is kept.
    pub async fn get_or_compute<E, F, Fut>(&self, version: &str, key: String, compute: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let kept = self.entries.lock().ok().and_then(|entries| {
            entries
                .iter()
                .find(|(v, k, _)| v == version && *k == key)
                .map(|(_, _, result)| result.clone())
        });
        if let Some(result) = kept {
            return Ok(result);
        }
        let result = Arc::new(compute().await?);
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(v, k, _)| v == version && *k != key);
            if entries.len() >= CAPACITY {
                entries.remove(0);
            }
            entries.push((version.to_string(), key, result.clone()));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test]
    async fn a_result_is_kept_per_key_until_the_version_moves() {
        let cache: VersionedCache<u32, 2> = VersionedCache::default();
        let computed = Cell::new(0);
        let get = |version: &'static str, key: &'static str, value: u32| {
            let computed = &computed;
            let cache = &cache;
            async move {
                cache
                    .get_or_compute(version, key.to_string(), || async {
                        computed.set(computed.get() + 1);
                        Ok::<_, ()>(value)
                    })
                    .await
                    .map(|v| *v)
            }
        };
        assert_eq!(get("v1", "7d", 1).await, Ok(1));
        assert_eq!(get("v1", "7d", 99).await, Ok(1), "kept");
        assert!(cache.holds("v1", "7d") && !cache.holds("v2", "7d") && !cache.holds("v1", "30d"));
        assert_eq!(get("v1", "30d", 2).await, Ok(2));
        assert_eq!(computed.get(), 2);
        assert_eq!(get("v1", "all", 3).await, Ok(3), "a third key drops the oldest");
        assert_eq!(get("v1", "7d", 4).await, Ok(4));
        assert_eq!(get("v2", "30d", 5).await, Ok(5), "a new version computes again");
        assert_eq!(computed.get(), 5);
        let failed = cache
            .get_or_compute("v2", "x".into(), || async { Err::<u32, _>("no") })
            .await;
        assert_eq!(failed, Err("no"));
        assert_eq!(get("v2", "x", 6).await, Ok(6), "a failure keeps nothing");
    }
}
