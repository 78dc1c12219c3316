//! Campaigns of creatives: saved by cluster key, members moved between runs, sums from the
//! daily rollup.

use crate::performance::import;
use crate::support::{fresh, Engine};
use rtbcat_core::bidder::performance::report::{Device, PerformanceFact};
use rtbcat_store::{AuditNote, ClusterToSave, FactBatch};

fn note() -> AuditNote {
    AuditNote {
        actor: "story".into(),
        action: "campaigns.cluster".into(),
    }
}

fn cluster(key: &str, members: &[&str]) -> ClusterToSave {
    ClusterToSave {
        key: key.into(),
        name: format!("{key} name"),
        rule: "same landing domain".into(),
        confidence_permille: 900,
        members: members.iter().map(|m| ("1".to_string(), m.to_string())).collect(),
    }
}

fn spend(creative: &str, day: u8, micros: i64) -> PerformanceFact {
    PerformanceFact {
        seat_id: None,
        creative_id: creative.into(),
        date: time::Date::from_calendar_date(2026, time::Month::November, day).expect("date"),
        hour: None,
        country: "BR".into(),
        device: Device::Mobile,
        placement: String::new(),
        impressions: 1_000,
        clicks: 10,
        spend_micros: micros,
        reached_queries: None,
        bids: None,
    }
}

async fn campaigns_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let counts = store
        .apply_clustering(
            vec![cluster("web:a", &["c1", "c2"]), cluster("web:b", &["c3"])],
            note(),
            100,
        )
        .await
        .expect("cluster");
    assert_eq!((counts.formed, counts.assigned, counts.kept), (2, 3, 0));
    // The same clusters again: nothing changes.
    let again = store
        .apply_clustering(
            vec![cluster("web:a", &["c1", "c2"]), cluster("web:b", &["c3"])],
            note(),
            200,
        )
        .await
        .expect("again");
    assert_eq!((again.formed, again.assigned), (0, 0));
    // c2 moves to b; a new creative c4 joins b.
    let moved = store
        .apply_clustering(
            vec![cluster("web:a", &["c1"]), cluster("web:b", &["c2", "c3", "c4"])],
            note(),
            300,
        )
        .await
        .expect("moved");
    assert_eq!((moved.formed, moved.assigned), (0, 2));
    let campaigns = store.list_creative_campaigns().await.expect("list");
    let members = |key: &str| {
        campaigns
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.members.iter().map(|m| m.1.as_str()).collect::<Vec<_>>())
            .expect("campaign")
    };
    assert_eq!(members("web:a"), vec!["c1"]);
    assert_eq!(members("web:b"), vec!["c2", "c3", "c4"]);
    let b = campaigns.iter().find(|c| c.key == "web:b").expect("b");
    assert_eq!(
        (b.source.as_str(), b.confidence_permille, b.locked),
        ("rule", 900, false)
    );

    import(
        store,
        vec![
            FactBatch::Performance(vec![
                spend("c1", 1, 5_000_000),
                spend("c2", 1, 2_000_000),
                spend("c3", 2, 1_000_000),
            ]),
            FactBatch::Commit(None),
        ],
    )
    .await
    .expect("facts");
    let mut sums = store.campaign_sums(None, None).await.expect("sums");
    sums.sort_by_key(|s| s.campaign_id);
    let a_id = campaigns.iter().find(|c| c.key == "web:a").expect("a").id;
    let by = |id: i64| sums.iter().find(|s| s.campaign_id == id).cloned().expect("sum");
    assert_eq!((by(a_id).spend_micros, by(a_id).clicks), (5_000_000, 10));
    assert_eq!((by(b.id).spend_micros, by(b.id).impressions), (3_000_000, 2_000));
    let one_day = store
        .campaign_sums(Some("2026-11-02".into()), Some("2026-11-02".into()))
        .await
        .expect("one day");
    assert_eq!(one_day.iter().map(|s| s.spend_micros).sum::<i64>(), 1_000_000);
    assert_eq!(
        store.campaign_inputs().await.expect("inputs").len(),
        0,
        "no creatives in the catalog"
    );
}

stories! {
    campaigns_story => campaigns_on_sqlite, campaigns_on_postgres;
}
