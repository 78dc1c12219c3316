//! The creative catalog: upserts by (seat, creative id) with "unchanged" detection, listing.

use crate::support::{fresh, Engine};
use rtbcat_core::bidder::catalog::creative::{normalize, parse_api_creative, DEFAULT_BUYERS_UI_TEMPLATE};
use rtbcat_store::{CreativeQuery, CreativeRecord, UpsertOutcome};

pub fn record(seat: &str, id: &str, advertiser: &str) -> CreativeRecord {
    let raw = serde_json::json!({
        "name": format!("buyers/{seat}/creatives/{id}"),
        "accountId": seat,
        "creativeId": id,
        "advertiserName": advertiser,
        "creativeFormat": "HTML",
        "declaredClickThroughUrls": ["https://play.google.com/store/apps/details?id=com.puzzle.blocks"],
        "html": {"snippet": "<a href=\"%%CLICK_URL_UNESC%%https://x.example\">x</a>", "width": 300, "height": 250},
        "creativeServingDecision": {"networkPolicyCompliance": {"status": "APPROVED"}}
    });
    let parsed = parse_api_creative(1, raw.clone()).expect("valid creative");
    let raw_json = raw.to_string();
    CreativeRecord {
        creative: normalize(&parsed, DEFAULT_BUYERS_UI_TEMPLATE),
        raw_sha256: format!("{:x}", raw_json.len()) + advertiser,
        raw_json,
    }
}

async fn catalog_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let first = vec![
        record("111", "a", "Puzzle"),
        record("111", "b", "Puzzle"),
        record("222", "a", "Other"),
    ];
    let outcomes = store.upsert_creatives(first.clone(), 10).await.expect("insert");
    assert_eq!(outcomes, vec![UpsertOutcome::Inserted; 3]);
    let again = store.upsert_creatives(first, 20).await.expect("again");
    assert_eq!(
        again,
        vec![UpsertOutcome::Unchanged; 3],
        "the same file twice changes nothing"
    );
    let changed = store
        .upsert_creatives(vec![record("111", "a", "Puzzle Blocks")], 30)
        .await
        .expect("update");
    assert_eq!(changed, vec![UpsertOutcome::Updated]);

    // A creative id is unique per seat only.
    assert_eq!(store.creatives_by_id("a".into(), None).await.expect("by id").len(), 2);
    let one = store
        .creatives_by_id("a".into(), Some("111".into()))
        .await
        .expect("by id");
    assert_eq!(one[0].summary.advertiser.as_deref(), Some("Puzzle Blocks"));

    let page = store
        .list_creatives(CreativeQuery {
            seat_id: Some("111".into()),
            page: 1,
            page_size: 10,
            ..CreativeQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].summary.creative_id, "a", "newest update first");
    let stats = store.catalog_stats().await.expect("stats");
    assert_eq!((stats.creatives, stats.seats), (3, 2));
    let sizes = store.size_counts().await.expect("sizes");
    assert_eq!(sizes.iter().map(|s| s.creatives).sum::<i64>(), 3);
}

stories! {
    catalog_story => catalog_on_sqlite, catalog_on_postgres;
}
