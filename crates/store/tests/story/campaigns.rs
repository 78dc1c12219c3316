//! Campaigns of creatives: saved by cluster key, members moved between runs, sums from the
//! daily rollup.

use crate::performance::import;
use crate::support::{fresh, Engine};
use rtbcat_core::bidder::performance::report::{Device, PerformanceFact};
use rtbcat_store::{AuditNote, CampaignDimension, CampaignEdit, ClusterToSave, FactBatch, Mode, StoreError};

fn note() -> AuditNote {
    AuditNote {
        actor: "story".into(),
        action: "campaigns.cluster".into(),
    }
}

fn cluster(key: &str, members: &[&str]) -> ClusterToSave {
    ClusterToSave {
        key: key.into(),
        source: "rule".into(),
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
            Mode::Recluster,
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
            Mode::Recluster,
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
            Mode::Recluster,
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
    // Per campaign (every fact is in BR, so one country row each).
    let sums = store
        .campaign_cuts(CampaignDimension::Country, None, None, None)
        .await
        .expect("sums");
    let a_id = campaigns.iter().find(|c| c.key == "web:a").expect("a").id;
    let by = |id: i64| sums.iter().find(|s| s.campaign_id == id).cloned().expect("sum");
    assert_eq!(sums.len(), 2);
    assert_eq!((by(a_id).spend_micros, by(a_id).clicks), (5_000_000, 10));
    assert_eq!((by(b.id).spend_micros, by(b.id).impressions), (3_000_000, 2_000));
    let one_day = store
        .campaign_cuts(
            CampaignDimension::Country,
            None,
            Some("2026-11-02".into()),
            Some("2026-11-02".into()),
        )
        .await
        .expect("one day");
    assert_eq!(one_day.iter().map(|s| s.spend_micros).sum::<i64>(), 1_000_000);
    assert_eq!(
        store.campaign_inputs().await.expect("inputs").len(),
        0,
        "no creatives in the catalog"
    );
    let devices = store
        .campaign_cuts(CampaignDimension::Device, Some(a_id), None, None)
        .await
        .expect("devices");
    assert_eq!(
        devices
            .iter()
            .map(|c| (c.value.as_str(), c.spend_micros))
            .collect::<Vec<_>>(),
        vec![("mobile", 5_000_000)]
    );
    let days = store
        .campaign_cuts(CampaignDimension::Date, None, None, None)
        .await
        .expect("days");
    assert_eq!(days.len(), 3, "{days:?}");
    assert_eq!(days[0].value, "2026-11-01");
}

/// A user's edits (rename, lock, move, merge, split) are kept by every later run, audited,
/// and refused on a locked campaign.
async fn edits_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let ids = ["c1", "c2", "c3", "c4", "c5", "c6"];
    store
        .upsert_creatives(
            ids.iter().map(|id| crate::catalog::record("1", id, "Adv")).collect(),
            10,
        )
        .await
        .expect("creatives");
    let clusters = || {
        vec![
            cluster("web:a", &["c1", "c2"]),
            cluster("web:b", &["c3"]),
            cluster("web:c", &["c4"]),
        ]
    };
    store
        .apply_clustering(clusters(), Mode::Recluster, note(), 100)
        .await
        .expect("cluster");
    let campaigns = store.list_creative_campaigns().await.expect("list");
    let id = |key: &str| campaigns.iter().find(|c| c.key == key).expect("campaign").id;
    let (a, b, c) = (id("web:a"), id("web:b"), id("web:c"));
    let pair = |m: &str| ("1".to_string(), m.to_string());

    store
        .edit_campaign(
            CampaignEdit::Rename {
                id: a,
                name: "Mine".into(),
            },
            "ed".into(),
            110,
        )
        .await
        .expect("rename");
    store
        .edit_campaign(
            CampaignEdit::Move {
                id: b,
                members: vec![pair("c2")],
            },
            "ed".into(),
            120,
        )
        .await
        .expect("move");
    store
        .edit_campaign(CampaignEdit::Merge { into: b, from: vec![c] }, "ed".into(), 130)
        .await
        .expect("merge");
    store
        .edit_campaign(CampaignEdit::Lock { id: a, locked: true }, "ed".into(), 140)
        .await
        .expect("lock");
    // The rules run again with two newcomers: c5 of product a (locked: held out), c6 of
    // product c (merged into b: joins b). c2 stays where the user put it.
    let counts = store
        .apply_clustering(
            vec![
                cluster("web:a", &["c1", "c2", "c5"]),
                cluster("web:b", &["c3"]),
                cluster("web:c", &["c4", "c6"]),
            ],
            Mode::Recluster,
            note(),
            150,
        )
        .await
        .expect("again");
    assert_eq!((counts.formed, counts.assigned, counts.kept, counts.held), (0, 1, 1, 1));
    let campaigns = store.list_creative_campaigns().await.expect("list");
    let by_id = |id: i64| campaigns.iter().find(|c| c.id == id).expect("campaign");
    assert_eq!(by_id(a).name, "Mine", "a rename survives");
    assert!(by_id(a).locked);
    let members = |id: i64| by_id(id).members.iter().map(|m| m.1.clone()).collect::<Vec<_>>();
    assert_eq!(members(a), vec!["c1"]);
    assert_eq!(members(b), vec!["c2", "c3", "c4", "c6"]);
    assert!(campaigns.iter().all(|x| x.id != c), "a merged campaign is not listed");

    // Locked: no moves in or out; a rename and unlocking are allowed.
    let refused = store
        .edit_campaign(
            CampaignEdit::Move {
                id: b,
                members: vec![pair("c1")],
            },
            "ed".into(),
            160,
        )
        .await
        .expect_err("locked source");
    assert!(
        matches!(&refused, StoreError::Refused(m) if m.contains("\"Mine\" is locked")),
        "{refused:?}"
    );
    assert!(matches!(
        store
            .edit_campaign(
                CampaignEdit::Move {
                    id: a,
                    members: vec![pair("c3")]
                },
                "ed".into(),
                160
            )
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store.edit_campaign(CampaignEdit::Move { id: b, members: vec![pair("nope")] }, "ed".into(), 160).await,
        Err(StoreError::NotFound(m)) if m == "creative 1/nope"
    ));
    assert!(
        matches!(
            store
                .edit_campaign(
                    CampaignEdit::Rename {
                        id: c,
                        name: "x".into()
                    },
                    "ed".into(),
                    160
                )
                .await,
            Err(StoreError::NotFound(_))
        ),
        "a merged campaign is gone"
    );

    // Split: c3 and c4 into a campaign of their own, kept there by the rules.
    let split = store
        .edit_campaign(
            CampaignEdit::Split {
                name: "Hand-made".into(),
                members: vec![pair("c3"), pair("c4")],
            },
            "ed".into(),
            170,
        )
        .await
        .expect("split");
    store
        .apply_clustering(clusters(), Mode::Recluster, note(), 180)
        .await
        .expect("again");
    let campaigns = store.list_creative_campaigns().await.expect("list");
    let made = campaigns.iter().find(|x| x.id == split).expect("split campaign");
    assert_eq!(
        (made.name.as_str(), made.source.as_str(), made.key.clone()),
        ("Hand-made", "manual", format!("manual:{split}"))
    );
    assert_eq!(made.members.len(), 2);

    // Placing only newcomers moves nothing.
    let newcomers = store
        .apply_clustering(vec![cluster("web:b", &["c3", "c5"])], Mode::NewOnly, note(), 190)
        .await
        .expect("new only");
    assert_eq!((newcomers.assigned, newcomers.kept), (1, 0));
    let campaigns = store.list_creative_campaigns().await.expect("list");
    let placed = campaigns
        .iter()
        .find(|x| x.members.iter().any(|m| m.1 == "c5"))
        .expect("c5 placed");
    assert_eq!(placed.id, split, "c5 joins where its product's creative c3 now is");
    let audit = store.recent_audit(50).await.expect("audit");
    for action in [
        "campaigns.rename",
        "campaigns.move",
        "campaigns.merge",
        "campaigns.lock",
        "campaigns.split",
    ] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
}

stories! {
    campaigns_story => campaigns_on_sqlite, campaigns_on_postgres;
    edits_story => campaign_edits_on_sqlite, campaign_edits_on_postgres;
}
