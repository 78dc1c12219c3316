//! The demo's pretargeting: the two configs the fake Google serves, kept as snapshots by
//! `rtbcat demo` so the Pretargeting page shows them next to the demo's waste.

use serde_json::{json, Value};

/// The demo's bidder account.
pub const BIDDER: &str = "9000001";

/// Two configs: one that lists its sizes and excludes a publisher, one that targets everything.
pub fn configs(bidder_id: &str) -> Vec<Value> {
    let size = |w: u32, h: u32| json!({"width": w.to_string(), "height": h.to_string()});
    vec![
        json!({
            "name": format!("bidders/{bidder_id}/pretargetingConfigs/111"),
            "displayName": "Mobile apps",
            "billingId": "1000001",
            "state": "ACTIVE",
            "includedCreativeDimensions": [size(300, 250), size(320, 50), size(728, 90), size(300, 600)],
            "includedFormats": ["HTML", "VAST"],
            "includedPlatforms": ["PHONE", "TABLET"],
            "includedEnvironments": ["APP"],
            "publisherTargeting": {"targetingMode": "EXCLUSIVE", "values": ["pub-1"]},
            "maximumQps": "5000",
            "interstitialTargeting": "INTERSTITIAL_TARGETING_UNSPECIFIED",
            "invalidGeoIds": []
        }),
        json!({
            "name": format!("bidders/{bidder_id}/pretargetingConfigs/222"),
            "displayName": "Everything else",
            "billingId": "1000002",
            "state": "ACTIVE",
            "includedFormats": ["HTML", "NATIVE", "VAST"],
            "maximumQps": "10000"
        }),
    ]
}

/// Snapshots of the demo configs, once (a config that already has one is left alone).
pub async fn load(store: &rtbcat_store::SharedStore, now: i64) -> Result<(), rtbcat_store::StoreError> {
    for config in configs(BIDDER) {
        let name = config["name"].as_str().unwrap_or_default().to_string();
        if !store.snapshots(Some(name.clone()), 1).await?.is_empty() {
            continue;
        }
        store
            .save_snapshot(rtbcat_store::NewSnapshot {
                config_name: name,
                display_name: config["displayName"].as_str().map(str::to_string),
                reason: "demo".into(),
                config_json: config.to_string(),
                actor: "demo".into(),
                taken_at: now,
            })
            .await?;
    }
    Ok(())
}
