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

/// A copy of something read from the store, trusted for a while, reloaded by one caller at a
/// time. Without it every request in flight when the copy expired read the store at once: 64
/// connections of tracking traffic sent up to 64 identical queries every two seconds, and at a
/// cold start that many new database connections and salt writes.
///
/// `get` answers a stale copy at once while one caller reloads it; `get_current` (for a copy
/// that must not be used once it is old, such as a day's salt) waits for that reload. With no
/// copy (at the start, or after `forget`) callers of both wait for the one load. Ages are
/// `now - loaded at` in a unit of the caller's choosing (milliseconds of a real or test clock,
/// or days); a copy from the caller's future counts as old.
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
    /// The copy when it is younger than `ttl`; else, when this caller is the one to reload,
    /// `load`'s result (kept unless `forget` came in between); else the stale copy. A failed
    /// load keeps what there was and is this caller's error alone.
    pub async fn get<E, F, Fut>(&self, now: i64, ttl: i64, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.fetch(now, ttl, true, load).await
    }

    /// As `get`, but never a stale copy: callers wait for the one reload.
    pub async fn get_current<E, F, Fut>(&self, now: i64, ttl: i64, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.fetch(now, ttl, false, load).await
    }

    /// Drops the copy (after a change in this process): the next caller loads afresh.
    pub fn forget(&self) {
        let mut slot = self.lock_slot();
        slot.copy = None;
        slot.generation += 1;
    }

    async fn fetch<E, F, Fut>(&self, now: i64, ttl: i64, stale_ok: bool, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let (copy, _) = self.read(now, ttl);
        // Held until the load is kept, so the next caller finds it.
        let _loading = match copy {
            Some(Held::Fresh(value)) => return Ok(value),
            Some(Held::Stale(stale)) if stale_ok => match self.loading.try_lock() {
                Ok(guard) => guard,
                // Someone else is reloading: the copy we have will do until then.
                Err(_) => return Ok(stale),
            },
            _ => self.loading.lock().await,
        };
        // Another caller may have loaded while this one waited for the lock.
        let (copy, generation) = self.read(now, ttl);
        if let Some(Held::Fresh(value)) = copy {
            return Ok(value);
        }
        let loaded = load().await?;
        let mut slot = self.lock_slot();
        if slot.generation == generation {
            slot.copy = Some((now, loaded.clone()));
        }
        Ok(loaded)
    }

    fn read(&self, now: i64, ttl: i64) -> (Option<Held<T>>, u64) {
        let slot = self.lock_slot();
        let copy = slot.copy.as_ref().map(|(at, value)| {
            if (0..ttl).contains(&(now - at)) {
                Held::Fresh(value.clone())
            } else {
                Held::Stale(value.clone())
            }
        });
        (copy, slot.generation)
    }

    fn lock_slot(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A kept copy, by age.
enum Held<T> {
    Fresh(T),
    Stale(T),
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
    pub async fn get<E, F, Fut>(&self, key: K, now: i64, ttl: i64, load: F) -> Result<T, E>
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
        entry.get(now, ttl, load).await
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

    /// A load that counts itself and answers `value` once the gate is open (and at once for
    /// every load after that, so a broken cache fails its count rather than hanging).
    type GatedLoad = Box<dyn FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u32, ()>> + Send>> + Send>;

    fn gated_load(loads: &Arc<AtomicUsize>, gate: &tokio::sync::watch::Receiver<bool>, value: u32) -> GatedLoad {
        let (loads, mut gate) = (loads.clone(), gate.clone());
        Box::new(move || {
            Box::pin(async move {
                loads.fetch_add(1, Ordering::SeqCst);
                gate.wait_for(|open| *open).await.map_err(|_| ())?;
                Ok(value)
            })
        })
    }

    fn gate() -> (tokio::sync::watch::Sender<bool>, tokio::sync::watch::Receiver<bool>) {
        tokio::sync::watch::channel(false)
    }

    /// One caller per value at once, each asking `ask` with a gated load of its value; the
    /// gate opens once they all wait. Their answers, in order.
    async fn callers_at_once<Ask, Answer>(
        cache: &Arc<Refreshing<u32>>,
        loads: &Arc<AtomicUsize>,
        values: std::ops::Range<u32>,
        ask: Ask,
    ) -> Vec<Result<u32, ()>>
    where
        Ask: Fn(Arc<Refreshing<u32>>, GatedLoad) -> Answer,
        Answer: Future<Output = Result<u32, ()>> + Send + 'static,
    {
        let (open, waiting) = gate();
        let callers: Vec<_> = values
            .map(|value| tokio::spawn(ask(cache.clone(), gated_load(loads, &waiting, value))))
            .collect();
        tokio::task::yield_now().await;
        open.send(true).expect("the gate has loads waiting");
        let mut answers = Vec::new();
        for caller in callers {
            answers.push(caller.await.expect("the caller ran"));
        }
        answers
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
        let loads = Arc::new(AtomicUsize::new(0));
        let answers = callers_at_once(&cache, &loads, 10..18, |cache, load| async move {
            cache.get(0, 2000, load).await
        })
        .await;
        assert_eq!(loads.load(Ordering::SeqCst), 1, "one load for all eight");
        assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    }

    #[tokio::test]
    async fn a_stale_copy_is_answered_while_one_caller_reloads() {
        let cache = Arc::new(Refreshing::<u32>::default());
        let loads = Arc::new(AtomicUsize::new(0));
        assert_eq!(cache.get(0, 2000, || counted(&loads, 1)).await, Ok(1));
        assert_eq!(cache.get(1999, 2000, || counted(&loads, 9)).await, Ok(1), "fresh");
        let (open, go) = gate();
        let reloading = {
            let (cache, load) = (cache.clone(), gated_load(&loads, &go, 2));
            tokio::spawn(async move { cache.get(5000, 2000, load).await })
        };
        tokio::task::yield_now().await;
        assert_eq!(loads.load(Ordering::SeqCst), 2, "the reload has begun");
        // Answered on its first poll: it neither loads nor waits for the reload.
        let mut stale = std::pin::pin!(cache.get(5000, 2000, || counted(&loads, 9)));
        let first_poll = stale
            .as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
        assert_eq!(first_poll, std::task::Poll::Ready(Ok(1)), "the stale copy, at once");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        open.send(true).expect("the gate has loads waiting");
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
        let (loads, (open, go)) = (Arc::new(AtomicUsize::new(0)), gate());
        let loading = {
            let (cache, load) = (cache.clone(), gated_load(&loads, &go, 1));
            tokio::spawn(async move { cache.get(0, 2000, load).await })
        };
        tokio::task::yield_now().await;
        cache.forget();
        open.send(true).expect("the gate has loads waiting");
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
    async fn a_current_copy_is_never_a_stale_one() {
        let cache = Arc::new(Refreshing::<u32>::default());
        let loads = Arc::new(AtomicUsize::new(0));
        // Days as the unit, a day's copy: good on its day only.
        assert_eq!(cache.get_current(100, 1, || counted(&loads, 1)).await, Ok(1));
        assert_eq!(cache.get_current(100, 1, || counted(&loads, 9)).await, Ok(1));
        let answers = callers_at_once(&cache, &loads, 2..6, |cache, load| async move {
            cache.get_current(101, 1, load).await
        })
        .await;
        assert_eq!(answers, [Ok(2); 4], "the new day's copy, after one load");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert_eq!(
            cache.get_current(99, 1, || counted(&loads, 3)).await,
            Ok(3),
            "a copy from the caller's future is old"
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
