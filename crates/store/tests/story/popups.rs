//! The popup wing: properties, offers and networks written with their audit line in one
//! transaction, tracked events counted once, analytics from the hourly rollup, secrets.

use crate::support::{fresh, Engine};
use rtbcat_core::popups::{NetworkInput, OfferInput, PropertyInput};
use rtbcat_store::{AnalyticsFilter, AnalyticsGroup, AuditNote, PopupEvent, PopupEventKind, StoreError};

fn note(action: &str) -> AuditNote {
    AuditNote {
        actor: "ed@x.io".into(),
        action: action.into(),
    }
}

fn property(code: &str) -> rtbcat_core::popups::PropertySpec {
    PropertyInput {
        code: code.into(),
        name: format!("Site {code}"),
        domains: vec![format!("{code}.example")],
        ..PropertyInput::default()
    }
    .validate()
    .expect("valid property")
}

fn offer(name: &str, properties: &[&str]) -> rtbcat_core::popups::OfferSpec {
    OfferInput {
        network_campaign_id: "1234".into(),
        affiliate_id: "55".into(),
        name: name.into(),
        display_title: "Win a gift card".into(),
        description: "Answer three questions.".into(),
        click_url: "https://track.example/aff_c?offer_id=1".into(),
        payout: Some(serde_json::json!("2.50")),
        properties: properties.iter().map(|p| p.to_string()).collect(),
        ..OfferInput::default()
    }
    .validate()
    .expect("valid offer")
}

fn event(kind: PopupEventKind, key: &str, property_id: i64, offer_id: i64, revenue_micros: i64) -> PopupEvent {
    PopupEvent {
        kind,
        event_key: key.into(),
        occurred_at_ms: 1_795_262_400_000,
        property_id: Some(property_id),
        offer_id: Some(offer_id),
        placement: "thankyou".into(),
        visitor_hash: "v".into(),
        session_id: "s".into(),
        country: "BR".into(),
        device: "mobile".into(),
        click_id: (kind == PopupEventKind::Click).then(|| format!("click-{key}")),
        revenue_micros,
        transaction_id: None,
        attributed: true,
        arm_id: None,
    }
}

async fn audit_actions(store: &rtbcat_store::SharedStore) -> Vec<String> {
    store
        .recent_audit(100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.subject.unwrap_or_default()))
        .collect()
}

async fn popups_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let mff = store
        .save_property(None, property("mff"), Some(note("property.create")), 10)
        .await
        .expect("property");
    assert!(matches!(
        store
            .save_property(None, property("mff"), Some(note("property.create")), 11)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // An offer naming an unknown property is refused whole: no offer, no audit line.
    assert!(matches!(
        store
            .save_offer(None, offer("Lost", &["nope"]), note("campaign.create"), 12)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let gift = store
        .save_offer(None, offer("Gift", &["mff"]), note("campaign.create"), 13)
        .await
        .expect("offer");
    assert_eq!(gift.properties, vec!["mff"]);
    assert_eq!(store.list_offers().await.expect("offers").len(), 1);
    assert_eq!(
        audit_actions(store).await,
        vec![
            format!("campaign.create {} Gift", gift.id),
            "property.create mff".to_string()
        ],
        "exactly one audit line per change that happened"
    );

    let network = NetworkInput {
        name: "tune".into(),
        postback_secret: Some("a-long-network-secret".into()),
        ..NetworkInput::default()
    }
    .validate(false)
    .expect("valid network");
    let saved = store
        .save_network(None, network, note("network.create"), 14)
        .await
        .expect("network");
    assert!(saved.has_secret);
    assert_eq!(
        store.list_networks().await.expect("networks")[0]
            .postback_secret
            .as_deref(),
        Some("a-long-network-secret")
    );

    // Events count once per key; the rollup follows.
    let written = store
        .record_popup_events(vec![
            event(PopupEventKind::Impression, "i:1", mff.id, gift.id, 0),
            event(PopupEventKind::Impression, "i:2", mff.id, gift.id, 0),
            event(PopupEventKind::Click, "c:1", mff.id, gift.id, 0),
        ])
        .await
        .expect("events");
    assert_eq!(written, vec![true, true, true]);
    let again = store
        .record_popup_events(vec![
            event(PopupEventKind::Impression, "i:1", mff.id, gift.id, 0),
            event(PopupEventKind::Conversion, "v:1", mff.id, gift.id, 2_500_000),
        ])
        .await
        .expect("events");
    assert_eq!(again, vec![false, true], "a replayed event is not counted again");
    // In one batch: a key twice is new once; a bot's hit is counted apart (its key is never
    // stored); a conversion no click explains is stored but adds to no rollup.
    let unattributed = PopupEvent {
        attributed: false,
        ..event(PopupEventKind::Conversion, "v:2", mff.id, gift.id, 9_000_000)
    };
    let mixed = store
        .record_popup_events(vec![
            event(PopupEventKind::Impression, "i:3", mff.id, gift.id, 0),
            event(PopupEventKind::Bot, "i:1", mff.id, gift.id, 0),
            event(PopupEventKind::Impression, "i:3", mff.id, gift.id, 0),
            unattributed,
        ])
        .await
        .expect("events");
    assert_eq!(mixed, vec![true, true, false, true]);
    let click = store
        .click_record("click-c:1".into())
        .await
        .expect("click")
        .expect("found");
    assert_eq!(click.offer_id, gift.id);
    let rows = store
        .popup_analytics(AnalyticsFilter {
            property_id: Some(mff.id),
            offer_id: None,
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: AnalyticsGroup::Offer,
        })
        .await
        .expect("analytics");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].impressions,
            rows[0].clicks,
            rows[0].conversions,
            rows[0].revenue_micros
        ),
        (3, 1, 1, 2_500_000)
    );
    assert_eq!(rows[0].bot_hits, 1);
    let minutes = store.popup_minutes(Some(mff.id), 0).await.expect("minutes");
    let summed = minutes.iter().fold((0, 0, 0, 0), |(i, c, v, r), m| {
        (i + m.impressions, c + m.clicks, v + m.conversions, r + m.revenue_micros)
    });
    assert_eq!(
        summed,
        (3, 1, 1, 2_500_000),
        "the per-minute rollup agrees with the hourly one"
    );
    let candidates = store
        .offer_candidates(mff.id, "2026-11-01T00".into(), "2026-11-30T23".into())
        .await
        .expect("candidates");
    let lifetime = candidates
        .iter()
        .find(|c| c.offer.id == gift.id)
        .expect("the offer is a candidate");
    assert_eq!((lifetime.impressions_total, lifetime.clicks_total), (3, 1));

    // A server secret is made once and then read back, whoever asks first.
    let key = store
        .server_secret("k".into(), "first".into(), 1)
        .await
        .expect("secret");
    let again = store
        .server_secret("k".into(), "second".into(), 2)
        .await
        .expect("secret");
    assert_eq!((key.as_str(), again.as_str()), ("first", "first"));
}

/// The property "mff", without an audit line; its id.
async fn save_site(store: &rtbcat_store::SharedStore) -> i64 {
    store
        .save_property(None, property("mff"), None, 10)
        .await
        .expect("property")
        .id
}

/// Event batches written at once, as by server instances sharing one database, sharing keys in
/// opposite orders (a retried beacon lands in two batches): every batch is written, each key
/// counts once, and the rollup holds exactly the new events.
async fn concurrent_batches_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let site_id = save_site(store).await;
    let gift = store
        .save_offer(None, offer("Gift", &["mff"]), note("campaign.create"), 11)
        .await
        .expect("offer");
    // A lock-order mistake shows as a deadlock only when the batches interleave badly, so
    // several rounds, each with its own keys.
    const ROUNDS: usize = 5;
    const KEYS: usize = 60;
    for round in 0..ROUNDS {
        let keys: Vec<String> = (0..KEYS).map(|n| format!("burst:{round}:{n:02}")).collect();
        let burst_event = |n: usize| {
            let mut e = event(PopupEventKind::Impression, &keys[n], site_id, gift.id, 0);
            // Several rollup rows per batch, so the batches' rollup upserts overlap too.
            e.country = ["BR", "US", "DE", "FR"][n % 4].into();
            e.device = ["mobile", "desktop"][n % 2].into();
            e
        };
        let batches: Vec<Vec<usize>> = (0..6)
            .map(|b| {
                let mut picked: Vec<usize> = (0..KEYS).filter(|n| (n + b) % 3 != 0).collect();
                if b % 2 == 1 {
                    picked.reverse();
                }
                picked
            })
            .collect();
        let writes: Vec<_> = batches
            .iter()
            .map(|picked| {
                let store = store.clone();
                let events: Vec<PopupEvent> = picked.iter().map(|&n| burst_event(n)).collect();
                tokio::spawn(async move { store.record_popup_events(events).await })
            })
            .collect();
        let mut counted = vec![0; KEYS];
        for (picked, write) in batches.iter().zip(writes) {
            let outcomes = write.await.expect("task").expect("a concurrent batch is written");
            for (&n, new) in picked.iter().zip(outcomes) {
                counted[n] += i32::from(new);
            }
        }
        assert_eq!(
            counted,
            vec![1; KEYS],
            "round {round}: each key is new in exactly one batch"
        );
    }
    let rows = store
        .popup_analytics(AnalyticsFilter {
            property_id: Some(site_id),
            offer_id: Some(gift.id),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: AnalyticsGroup::Offer,
        })
        .await
        .expect("analytics");
    assert_eq!(rows.iter().map(|r| r.impressions).sum::<i64>(), (ROUNDS * KEYS) as i64);
}

/// A batch the database refuses keeps nothing, and the connection it ran on serves the next
/// batches (PostgreSQL refuses NUL characters; SQLite stores them).
async fn refused_batch_story(engine: Engine) {
    let db = fresh(engine).await;
    let store = &db.store;
    let site_id = save_site(store).await;
    let mut refused = event(PopupEventKind::Impression, "bad:1", site_id, 1, 0);
    refused.session_id = "s\0x".into();
    let written = store
        .record_popup_events(vec![event(PopupEventKind::Impression, "ok:1", site_id, 1, 0), refused])
        .await;
    let postgres = matches!(engine, Engine::Postgres);
    assert_eq!(written.is_err(), postgres, "{written:?}");
    for n in 0..20 {
        let key = format!("next:{n}");
        let next = store
            .record_popup_events(vec![event(PopupEventKind::Impression, &key, site_id, 1, 0)])
            .await
            .expect("the batches after a refused one are written");
        assert_eq!(next, vec![true]);
    }
    let again = store
        .record_popup_events(vec![event(PopupEventKind::Impression, "ok:1", site_id, 1, 0)])
        .await
        .expect("events");
    assert_eq!(
        again,
        vec![postgres],
        "the refused batch kept nothing of its other events"
    );
}

stories! {
    popups_story => popups_on_sqlite, popups_on_postgres;
    refused_batch_story => refused_batch_on_sqlite, refused_batch_on_postgres;
    concurrent_batches_story => concurrent_batches_on_sqlite, concurrent_batches_on_postgres;
}
