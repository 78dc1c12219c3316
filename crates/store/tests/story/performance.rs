//! Performance facts: all-or-nothing imports, upsert semantics, sums.

use crate::support::{fresh, Engine};
use rtbcat_core::bidder::performance::report::{Device, PerformanceFact};
use rtbcat_store::{Breakdown, FactBatch, FactFilter, SharedStore};

fn fact(n: i64, clicks: i64) -> PerformanceFact {
    PerformanceFact {
        seat_id: None,
        creative_id: format!("c{}", n % 50),
        date: time::macros::date!(2026 - 01 - 11),
        hour: Some((n % 24) as u8),
        country: "BR".into(),
        device: Device::Mobile,
        placement: format!("p{}", n / 1200),
        impressions: 100,
        clicks,
        spend_micros: 1_000,
        reached_queries: None,
        bids: None,
    }
}

/// Per creative (spend, impressions, clicks) on `day`, summed from the daily rollup and
/// from the facts: every import keeps the two equal.
async fn rollup_and_facts(store: &SharedStore, day: &str) -> [Vec<(String, i64, i64, i64)>; 2] {
    let filter = FactFilter {
        start: Some(day.into()),
        end: Some(day.into()),
        country: None,
    };
    let creatives: Vec<String> = (0..50).map(|n| format!("c{n}")).collect();
    let mut sides = [Vec::new(), Vec::new()];
    for (side, by) in sides.iter_mut().zip([Breakdown::Country, Breakdown::Hour]) {
        let rows = store
            .performance_breakdown(creatives.clone(), filter.clone(), by)
            .await
            .expect("breakdown");
        let mut sums = std::collections::BTreeMap::<String, (i64, i64, i64)>::new();
        for r in rows {
            let s = sums.entry(r.creative_id).or_default();
            *s = (s.0 + r.spend_micros, s.1 + r.impressions, s.2 + r.clicks);
        }
        *side = sums.into_iter().map(|(c, (s, i, k))| (c, s, i, k)).collect();
    }
    sides
}

pub(crate) async fn import(
    store: &rtbcat_store::SharedStore,
    batches: Vec<FactBatch>,
) -> rtbcat_store::StoreResult<rtbcat_store::FactCounts> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let writer = tokio::spawn({
        let store = store.clone();
        async move { store.write_facts(rx).await }
    });
    for batch in batches {
        tx.send(batch).await.expect("send");
    }
    drop(tx);
    writer.await.expect("join")
}

/// An import cut off before its end writes nothing; running it again completes it, and a
/// re-import of the same keys replaces rather than adds.
async fn performance_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let facts = |clicks| FactBatch::Performance((0..500).map(|n| fact(n, clicks)).collect());
    assert!(
        import(store, vec![facts(1)]).await.is_err(),
        "an import without its end is refused"
    );
    assert_eq!(
        store.latest_fact_date().await.expect("latest"),
        None,
        "nothing was left behind"
    );

    let counts = import(store, vec![facts(1), FactBatch::Commit(None)])
        .await
        .expect("import");
    assert_eq!((counts.inserted, counts.updated), (500, 0));
    let counts = import(store, vec![facts(2), FactBatch::Commit(None)])
        .await
        .expect("again");
    assert_eq!((counts.inserted, counts.updated), (0, 500), "same keys replace");

    let totals = store.performance_totals(FactFilter::default()).await.expect("totals");
    assert_eq!(totals.len(), 50);
    assert_eq!(
        totals.iter().map(|t| t.clicks).sum::<i64>(),
        1000,
        "replaced, not added"
    );
    assert_eq!(totals.iter().map(|t| t.spend_micros).sum::<i64>(), 500_000);
    assert_eq!(
        store.latest_fact_date().await.expect("latest").as_deref(),
        Some("2026-01-11")
    );
    let stats = store.catalog_stats().await.expect("stats");
    assert_eq!(stats.performance.fact_rows, 500);

    // A new day (no row can conflict: the fast path on PostgreSQL) with a key twice in the
    // file: the later row wins and counts once.
    let next_day = |n: i64, clicks: i64| PerformanceFact {
        date: time::macros::date!(2026 - 01 - 12),
        ..fact(n, clicks)
    };
    let mut rows: Vec<_> = (0..100).map(|n| next_day(n, 1)).collect();
    rows.push(next_day(7, 9));
    let counts = import(store, vec![FactBatch::Performance(rows), FactBatch::Commit(None)])
        .await
        .expect("new day");
    assert_eq!(
        (counts.inserted, counts.updated),
        (100, 1),
        "one row per key; the later row replaced the earlier one"
    );
    let day = FactFilter {
        start: Some("2026-01-12".into()),
        end: Some("2026-01-12".into()),
        country: None,
    };
    let totals = store.performance_totals(day).await.expect("totals");
    assert_eq!(
        totals.iter().map(|t| t.clicks).sum::<i64>(),
        99 + 9,
        "the file's last row of a key wins"
    );
    let [rollup, facts] = rollup_and_facts(store, "2026-01-12").await;
    assert_eq!(rollup.len(), 50);
    assert_eq!(rollup, facts, "a new day's rollup is its facts summed");

    // Two imports of the same new day at once: both land, one inserts, the other replaces.
    let third_day = || {
        FactBatch::Performance(
            (0..200)
                .map(|n| PerformanceFact {
                    date: time::macros::date!(2026 - 01 - 13),
                    ..fact(n, 3)
                })
                .collect(),
        )
    };
    let (first, second) = tokio::join!(
        import(store, vec![third_day(), FactBatch::Commit(None)]),
        import(store, vec![third_day(), FactBatch::Commit(None)])
    );
    let (first, second) = (first.expect("first"), second.expect("second"));
    let mut outcomes = [(first.inserted, first.updated), (second.inserted, second.updated)];
    outcomes.sort_unstable();
    assert_eq!(outcomes, [(0, 200), (200, 0)]);
    let [rollup, facts] = rollup_and_facts(store, "2026-01-13").await;
    assert_eq!(rollup.len(), 50);
    assert_eq!(rollup, facts, "a replaced day's rollup is its facts summed");
    assert_eq!(store.catalog_stats().await.expect("stats").performance.fact_rows, 800);

    // Stored and new keys in turn (SQLite's writer guesses each row from the one before, so
    // this makes every guess wrong): each row is still counted, written and rolled up once.
    let fourth_day = |n: i64| PerformanceFact {
        date: time::macros::date!(2026 - 01 - 14),
        ..fact(n, 4)
    };
    let rows: Vec<_> = (0..100).flat_map(|n| [fact(n, 5), fourth_day(n)]).collect();
    let counts = import(store, vec![FactBatch::Performance(rows), FactBatch::Commit(None)])
        .await
        .expect("stored and new in turn");
    assert_eq!((counts.inserted, counts.updated), (100, 100));
    assert_eq!(clicks_on(store, "2026-01-11").await, 100 * 5 + 400 * 2);
    assert_eq!(clicks_on(store, "2026-01-14").await, 100 * 4);
    for day in ["2026-01-11", "2026-01-14"] {
        let [rollup, facts] = rollup_and_facts(store, day).await;
        assert_eq!(rollup, facts, "{day}: the rollup is its facts summed");
    }
    assert_eq!(store.catalog_stats().await.expect("stats").performance.fact_rows, 900);
}

/// `keys` facts on each of `days` (placements make every key distinct), with `clicks` each.
fn facts_on(days: &[time::Date], keys: std::ops::Range<i64>, clicks: i64) -> Vec<PerformanceFact> {
    days.iter()
        .flat_map(|&date| {
            keys.clone().map(move |n| PerformanceFact {
                date,
                placement: format!("p{n}"),
                ..fact(n, clicks)
            })
        })
        .collect()
}

async fn clicks_on(store: &SharedStore, day: &str) -> i64 {
    let filter = FactFilter {
        start: Some(day.into()),
        end: Some(day.into()),
        country: None,
    };
    let totals = store.performance_totals(filter).await.expect("totals");
    totals.iter().map(|t| t.clicks).sum()
}

/// Days imported whole, then sent again in part, in small, with a gap filled, with a key
/// twice: on PostgreSQL each takes its way (a new partition; a partition replaced with the
/// stored facts the file does not hold; the upsert through the parent), and every way keeps
/// the same upsert semantics, counts and rollups as on SQLite.
async fn slices_story(engine: Engine) {
    use time::macros::date;
    let db = fresh(engine).await;
    let store = &db.store;
    let write = |rows: Vec<PerformanceFact>| import(store, vec![FactBatch::Performance(rows), FactBatch::Commit(None)]);
    let counted = |c: rtbcat_store::FactCounts| (c.inserted, c.updated);
    let (first, second, third) = (date!(2026 - 02 - 01), date!(2026 - 02 - 02), date!(2026 - 02 - 03));

    let counts = write(facts_on(&[first, second, third], 0..300, 1))
        .await
        .expect("new days");
    assert_eq!(counted(counts), (900, 0));
    // Part of a stored day again, with keys new and old: the day's other facts stay.
    let counts = write(facts_on(&[second], 200..500, 2)).await.expect("again");
    assert_eq!(counted(counts), (200, 100));
    assert_eq!(
        [
            clicks_on(store, "2026-02-01").await,
            clicks_on(store, "2026-02-02").await,
            clicks_on(store, "2026-02-03").await
        ],
        [300, 200 + 300 * 2, 300]
    );
    // A few facts of a large stored slice.
    let counts = write(facts_on(&[third], 0..10, 5)).await.expect("a few");
    assert_eq!(counted(counts), (0, 10));
    assert_eq!(clicks_on(store, "2026-02-03").await, 290 + 10 * 5);

    // Two days with a gap, then the day between them.
    let (tenth, eleventh, twelfth) = (date!(2026 - 02 - 10), date!(2026 - 02 - 11), date!(2026 - 02 - 12));
    let counts = write(facts_on(&[tenth, twelfth], 0..100, 1)).await.expect("gap");
    assert_eq!(counted(counts), (200, 0));
    let counts = write(facts_on(&[eleventh], 0..100, 1)).await.expect("between");
    assert_eq!(counted(counts), (100, 0));
    // The day again with a key twice: the later row wins.
    let mut rows = facts_on(&[eleventh], 0..100, 3);
    rows.push(PerformanceFact {
        date: eleventh,
        placement: "p5".into(),
        ..fact(5, 9)
    });
    let counts = write(rows).await.expect("key twice");
    assert_eq!(counted(counts), (0, 101), "the later row replaced the earlier one");
    assert_eq!(clicks_on(store, "2026-02-11").await, 99 * 3 + 9);
    assert_eq!(
        [
            clicks_on(store, "2026-02-10").await,
            clicks_on(store, "2026-02-12").await
        ],
        [100, 100]
    );

    for day in [
        "2026-02-01",
        "2026-02-02",
        "2026-02-03",
        "2026-02-10",
        "2026-02-11",
        "2026-02-12",
    ] {
        let [rollup, facts] = rollup_and_facts(store, day).await;
        assert_eq!(rollup.len(), 50, "{day}");
        assert_eq!(rollup, facts, "{day}: the rollup is the facts summed");
    }
    assert_eq!(store.catalog_stats().await.expect("stats").performance.fact_rows, 1400);
}

/// Files in key order, as the importer hands them to SQLite: runs of one (creative, date)
/// that are new days (SQLite writes those as multi-row inserts), next to a stored day, a run
/// with a key twice and a run too short for a multi-row insert. Every way keeps the upsert
/// semantics, counts and rollups.
async fn sorted_runs_story(engine: Engine) {
    use rtbcat_core::bidder::performance::report::sort_by_fact_key;
    use time::macros::date;
    let db = fresh(engine).await;
    let store = &db.store;
    let (first, second) = (date!(2026 - 03 - 01), date!(2026 - 03 - 02));
    // `keys` facts of creative `creative` on `date`, `clicks` each (placements tell them apart).
    let run = |creative: i64, date: time::Date, keys: std::ops::Range<i64>, clicks: i64| -> Vec<PerformanceFact> {
        keys.map(|n| PerformanceFact {
            creative_id: format!("c{creative}"),
            date,
            placement: format!("p{n:03}"),
            ..fact(n, clicks)
        })
        .collect()
    };
    let write = |mut rows: Vec<PerformanceFact>| {
        sort_by_fact_key(&mut rows);
        import(store, vec![FactBatch::Performance(rows), FactBatch::Commit(None)])
    };
    let counted = |c: rtbcat_store::FactCounts| (c.inserted, c.updated);

    let stored: Vec<_> = (0..3).flat_map(|c| run(c, first, 0..70, 1)).collect();
    assert_eq!(counted(write(stored).await.expect("first day")), (210, 0));

    let mut rows = run(0, first, 0..70, 2); // stored: 70 updates
    rows.extend(run(0, second, 0..70, 3)); // new: two multi-row inserts and 6 rows
    rows.extend(run(1, second, 0..70, 4)); // new, with one key twice: the later row wins
    rows.push(PerformanceFact {
        creative_id: "c1".into(),
        date: second,
        placement: "p005".into(),
        ..fact(5, 9)
    });
    rows.extend(run(2, second, 0..31, 5)); // new, shorter than a multi-row insert
    rows.extend(run(3, second, 0..64, 6)); // new, exactly two multi-row inserts
    assert_eq!(
        counted(write(rows).await.expect("second file")),
        (70 + 70 + 31 + 64, 70 + 1)
    );

    assert_eq!(clicks_on(store, "2026-03-01").await, 70 * 2 + 140);
    assert_eq!(
        clicks_on(store, "2026-03-02").await,
        70 * 3 + 69 * 4 + 9 + 31 * 5 + 64 * 6
    );
    for day in ["2026-03-01", "2026-03-02"] {
        let [rollup, facts] = rollup_and_facts(store, day).await;
        assert_eq!(rollup, facts, "{day}: the rollup is the facts summed");
    }
    assert_eq!(
        store.catalog_stats().await.expect("stats").performance.fact_rows,
        210 + 70 + 70 + 31 + 64
    );
    // The same second file again: every row is stored now, nothing new.
    let mut again = run(0, second, 0..70, 3);
    again.extend(run(3, second, 0..64, 7));
    assert_eq!(counted(write(again).await.expect("again")), (0, 134));
    assert_eq!(
        clicks_on(store, "2026-03-02").await,
        70 * 3 + 69 * 4 + 9 + 31 * 5 + 64 * 7
    );
    let [rollup, facts] = rollup_and_facts(store, "2026-03-02").await;
    assert_eq!(rollup, facts, "a replaced day's rollup is its facts summed");
}

stories! {
    performance_story => performance_on_sqlite, performance_on_postgres;
    slices_story => slices_on_sqlite, slices_on_postgres;
    sorted_runs_story => sorted_runs_on_sqlite, sorted_runs_on_postgres;
}
