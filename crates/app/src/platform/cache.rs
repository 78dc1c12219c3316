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

/// A copy of something read from the store, trusted for a short time, reloaded by one caller
/// at a time. Without it every request in flight when the copy expired read the store at
/// once: 64 connections of tracking traffic sent up to 64 identical queries every two seconds,
/// and at a cold start that many new database connections and salt writes, a stall of
/// 40-70 ms at the first second of load.
///
/// A stale copy is answered at once while one caller reloads it; only when there is no copy
/// (at the start, or after `forget`) do callers wait, for that one load. Times are
/// milliseconds on whatever clock the caller reads (`now_ms`), so a test clock can age it.
pub struct Refreshing<T> {
    slot: Mutex<Slot<T>>,
    loading: tokio::sync::Mutex<()>,
}

struct Slot<T> {
    /// (when loaded, the copy).
    copy: Option<(i64, T)>,
    /// Moved by `forget`: a load that began before it does not keep its result.
    generation: u64,
}

impl<T> Default for Refreshing<T> {
    fn default() -> Self {
        Refreshing {
            slot: Mutex::new(Slot {
                copy: None,
                generation: 0,
            }),
            loading: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T: Clone> Refreshing<T> {
    /// The copy when it is younger than `ttl_ms`; else, when this caller is the one to
    /// reload, `load`'s result (kept unless `forget` came in between); else the stale copy.
    /// A failed load keeps what there was and is this caller's error alone.
    pub async fn get<E, F, Fut>(&self, now_ms: i64, ttl_ms: i64, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let (copy, _) = self.read();
        let guard = match copy {
            Some((at, value)) if now_ms - at < ttl_ms => return Ok(value),
            Some((_, stale)) => match self.loading.try_lock() {
                Ok(guard) => guard,
                // Someone else is reloading: the copy we have will do until then.
                Err(_) => return Ok(stale),
            },
            None => self.loading.lock().await,
        };
        // Another caller may have loaded while this one waited for the lock.
        let (copy, generation) = self.read();
        if let Some((at, value)) = copy {
            if now_ms - at < ttl_ms {
                return Ok(value);
            }
        }
        let loaded = load().await?;
        if let Ok(mut slot) = self.slot.lock() {
            if slot.generation == generation {
                slot.copy = Some((now_ms, loaded.clone()));
            }
        }
        drop(guard);
        Ok(loaded)
    }

    /// Drops the copy (after a change in this process): the next caller loads afresh.
    pub fn forget(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.copy = None;
        slot.generation += 1;
    }

    fn read(&self) -> (Option<(i64, T)>, u64) {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        (slot.copy.clone(), slot.generation)
    }
}

/// A `Refreshing` copy per key (a property, a placement), each reloaded on its own.
pub struct RefreshingMap<K, T> {
    entries: Mutex<std::collections::HashMap<K, Arc<Refreshing<T>>>>,
}

impl<K, T> Default for RefreshingMap<K, T> {
    fn default() -> Self {
        RefreshingMap {
            entries: Mutex::default(),
        }
    }
}

impl<K: std::hash::Hash + Eq, T: Clone> RefreshingMap<K, T> {
    /// `Refreshing::get` for `key`'s copy.
    pub async fn get<E, F, Fut>(&self, key: K, now_ms: i64, ttl_ms: i64, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let entry = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key)
            .or_default()
            .clone();
        entry.get(now_ms, ttl_ms, load).await
    }

    /// Drops every key's copy.
    pub fn forget(&self) {
        for entry in self.entries.lock().unwrap_or_else(|p| p.into_inner()).values() {
            entry.forget();
        }
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

    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A load that counts itself and answers `value` once `go` is notified.
    fn gated_load(
        loads: &Arc<AtomicUsize>,
        go: &Arc<tokio::sync::Notify>,
        value: u32,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u32, ()>> + Send>> {
        let (loads, go) = (loads.clone(), go.clone());
        move || {
            Box::pin(async move {
                loads.fetch_add(1, Ordering::SeqCst);
                go.notified().await;
                Ok(value)
            })
        }
    }

    fn counted(loads: &Arc<AtomicUsize>, value: u32) -> impl Future<Output = Result<u32, ()>> {
        let loads = loads.clone();
        async move {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(value)
        }
    }

    #[tokio::test]
    async fn callers_with_no_copy_wait_for_one_load() {
        let cache = Arc::new(Refreshing::<u32>::default());
        let (loads, go) = (Arc::new(AtomicUsize::new(0)), Arc::new(tokio::sync::Notify::new()));
        let callers: Vec<_> = (0..8)
            .map(|n| {
                let (cache, load) = (cache.clone(), gated_load(&loads, &go, 10 + n));
                tokio::spawn(async move { cache.get(0, 2000, load).await })
            })
            .collect();
        tokio::task::yield_now().await;
        go.notify_one();
        let mut answers = Vec::new();
        for caller in callers {
            answers.push(caller.await.expect("the caller ran"));
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1, "one load for all eight");
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    }

    #[tokio::test]
    async fn a_stale_copy_is_answered_while_one_caller_reloads() {
        let cache = Arc::new(Refreshing::<u32>::default());
        let loads = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get(0, 2000, || counted(&loads, 1)).await, Ok(1));
        assert_eq!(cache.get(1999, 2000, || counted(&loads, 9)).await, Ok(1), "fresh");
        let go = Arc::new(tokio::sync::Notify::new());
        let reloading = {
            let (cache, load) = (cache.clone(), gated_load(&loads, &go, 2));
            tokio::spawn(async move { cache.get(5000, 2000, load).await })
        };
        tokio::task::yield_now().await;
        assert_eq!(loads.load(Ordering::SeqCst), 2, "the reload has begun");
        assert_eq!(
            cache.get(5000, 2000, || counted(&loads, 9)).await,
            Ok(1),
            "the stale copy, without a second load"
        );
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        go.notify_one();
        assert_eq!(reloading.await.expect("the reload ran"), Ok(2));
        assert_eq!(
            cache.get(5001, 2000, || counted(&loads, 9)).await,
            Ok(2),
            "the reloaded copy"
        );
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_load_begun_before_forget_is_not_kept() {
        let cache = Arc::new(Refreshing::<u32>::default());
        let (loads, go) = (Arc::new(AtomicUsize::new(0)), Arc::new(tokio::sync::Notify::new()));
        let loading = {
            let (cache, load) = (cache.clone(), gated_load(&loads, &go, 1));
            tokio::spawn(async move { cache.get(0, 2000, load).await })
        };
        tokio::task::yield_now().await;
        cache.forget();
        go.notify_one();
        assert_eq!(
            loading.await.expect("the load ran"),
            Ok(1),
            "its caller gets what it read"
        );
        assert_eq!(
            cache.get(1, 2000, || counted(&loads, 2)).await,
            Ok(2),
            "but it was not kept"
        );
        assert_eq!(cache.get(2, 2000, || counted(&loads, 9)).await, Ok(2));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_reload_keeps_the_copy_for_others() {
        let cache = Refreshing::<u32>::default();
        let loads = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get(0, 2000, || counted(&loads, 1)).await, Ok(1));
        assert_eq!(
            cache.get(5000, 2000, || async { Err::<u32, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            cache.get(1000, 2000, || counted(&loads, 9)).await,
            Ok(1),
            "the copy is kept"
        );
        assert_eq!(
            cache.get(5000, 2000, || counted(&loads, 3)).await,
            Ok(3),
            "and reloaded next time"
        );
    }

    #[tokio::test]
    async fn each_key_refreshes_on_its_own_and_forget_drops_them_all() {
        let map = RefreshingMap::<i64, u32>::default();
        let loads = Arc::new(AtomicUsize::new(0));
        assert_eq!(map.get(1, 0, 2000, || counted(&loads, 10)).await, Ok(10));
        assert_eq!(map.get(2, 0, 2000, || counted(&loads, 20)).await, Ok(20));
        assert_eq!(map.get(1, 1, 2000, || counted(&loads, 99)).await, Ok(10));
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        map.forget();
        assert_eq!(map.get(1, 2, 2000, || counted(&loads, 11)).await, Ok(11));
        assert_eq!(map.get(2, 2, 2000, || counted(&loads, 21)).await, Ok(21));
    }
}
