//! Waste sums: exact totals per size, funnel key and report kind, the window's ends
//! included, a seat narrowing only what has a seat.

use crate::performance::import;
use crate::support::{fresh, Engine};
use rtbcat_core::bidder::performance::report::TrafficFact;
use rtbcat_store::{FactBatch, FunnelBy, WasteFilter};
use time::macros::date;

fn traffic(day: u8, size: &str, country: &str, requests: i64) -> TrafficFact {
    TrafficFact {
        kind: "traffic",
        date: Some(time::Date::from_calendar_date(2026, time::Month::November, day).expect("date")),
        country: country.into(),
        size: size.into(),
        requests: Some(requests),
        ..Default::default()
    }
}

fn funnel(kind: &'static str, day: u8, key: &str, requests: i64, bids: i64) -> TrafficFact {
    TrafficFact {
        kind,
        date: Some(time::Date::from_calendar_date(2026, time::Month::November, day).expect("date")),
        country: if kind == "funnel_by_geo" {
            key.into()
        } else {
            "ZZ".into()
        },
        publisher: if kind == "funnel_by_publisher" {
            key.into()
        } else {
            String::new()
        },
        seat_id: "111".into(),
        bid_requests: Some(requests),
        inventory_matches: Some(requests / 2),
        successful_responses: Some(requests / 4),
        bids: Some(bids),
        bids_in_auction: Some(bids / 2),
        auctions_won: Some(bids / 4),
        impressions: Some(bids / 5),
        ..Default::default()
    }
}

async fn waste_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    assert_eq!(store.latest_traffic_date().await.expect("latest"), None);
    let facts = vec![
        traffic(10, "300x250", "BR", 1_000),
        traffic(10, "300x250", "US", 500),
        traffic(12, "320x100", "BR", 70),
        // Outside the window (10–12): not counted.
        traffic(9, "300x250", "BR", 9_999),
        traffic(13, "320x100", "BR", 9_999),
        funnel("funnel_by_geo", 10, "BR", 1_000, 100),
        funnel("funnel_by_geo", 11, "BR", 2_000, 300),
        funnel("funnel_by_geo", 11, "VN", 5_000, 0),
        funnel("funnel_by_publisher", 11, "pub-1", 800, 80),
        TrafficFact {
            kind: "quality",
            date: Some(date!(2026 - 11 - 11)),
            country: "ZZ".into(),
            publisher: "pub-1".into(),
            impressions: Some(400),
            ivt_credited_impressions: Some(90),
            ..Default::default()
        },
        TrafficFact {
            kind: "bid_filtering",
            date: Some(date!(2026 - 11 - 12)),
            country: "ZZ".into(),
            filtering_reason: "Bid below floor".into(),
            bids: Some(33),
            bids_in_auction: Some(0),
            ..Default::default()
        },
    ];
    import(store, vec![FactBatch::Traffic(facts), FactBatch::Commit(None)])
        .await
        .expect("import");
    assert_eq!(
        store.latest_traffic_date().await.expect("latest").as_deref(),
        Some("2026-11-13")
    );
    let window = WasteFilter {
        start: "2026-11-10".into(),
        end: "2026-11-12".into(),
        seat: None,
    };
    let mut sizes = store.size_requests(window.clone()).await.expect("sizes");
    sizes.sort_by(|a, b| a.size.cmp(&b.size));
    let sizes: Vec<(String, i64)> = sizes.into_iter().map(|s| (s.size, s.requests)).collect();
    assert_eq!(sizes, vec![("300x250".into(), 1_500), ("320x100".into(), 70)]);

    let all = store.funnel_sums(window.clone(), FunnelBy::All).await.expect("all");
    assert_eq!(all.len(), 1);
    assert_eq!(
        (
            all[0].counts.bid_requests,
            all[0].counts.inventory_matches,
            all[0].counts.bids,
            all[0].counts.auctions_won
        ),
        (8_000, 4_000, 400, 25 + 75)
    );
    let mut geos = store.funnel_sums(window.clone(), FunnelBy::Geo).await.expect("geos");
    geos.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        geos.iter()
            .map(|g| (g.key.as_str(), g.counts.bid_requests, g.counts.bids))
            .collect::<Vec<_>>(),
        vec![("BR", 3_000, 400), ("VN", 5_000, 0)]
    );
    let publishers = store
        .funnel_sums(window.clone(), FunnelBy::Publisher)
        .await
        .expect("publishers");
    assert_eq!(
        publishers
            .iter()
            .map(|p| (p.key.as_str(), p.counts.bid_requests))
            .collect::<Vec<_>>(),
        vec![("pub-1", 800)]
    );
    let quality = store.quality_sums(window.clone()).await.expect("quality");
    assert_eq!(
        quality
            .iter()
            .map(|q| (q.publisher.as_str(), q.impressions, q.ivt_credited_impressions))
            .collect::<Vec<_>>(),
        vec![("pub-1", 400, 90)]
    );
    let filtering = store.filtering_sums(window.clone()).await.expect("filtering");
    assert_eq!(
        filtering
            .iter()
            .map(|f| (f.reason.as_str(), f.bids))
            .collect::<Vec<_>>(),
        vec![("Bid below floor", 33)]
    );
    // Another seat: the seat-less traffic still counts, the funnel of seat 111 does not.
    let other = WasteFilter {
        seat: Some("222".into()),
        ..window.clone()
    };
    assert_eq!(store.size_requests(other.clone()).await.expect("sizes").len(), 2);
    assert!(store.funnel_sums(other, FunnelBy::Geo).await.expect("geos").is_empty());
    assert!(store.size_creatives(None).await.expect("creatives").is_empty());
}

stories! {
    waste_story => waste_on_sqlite, waste_on_postgres;
}
