//! Opportunities over HTTP on both engines: the demo's planted pockets (an undervalued
//! geo, an efficient campaign starved of budget, a neglected creative) are found among
//! its noise and nothing else is; the numbers hold together; CSV export; dismiss, snooze
//! and done survive recomputation; bad parameters are named.

use crate::support::{spawn_app, Backend};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};

async fn opportunities_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    app.load_demo(rtbcat_app::bidder::demo::DEFAULT_SEED, 652, 200_000)
        .await;
    let viewer = app.client_as(Role::Viewer).await;
    let get = |path: &str| {
        let request = viewer.get(app.url(path));
        async move { crate::popups::send(request).await }
    };
    let (status, list) = get("/opportunities").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["days"], 14);
    let found = list["opportunities"].as_array().expect("list").clone();
    let kinds: Vec<(&str, &str)> = found
        .iter()
        .map(|o| {
            (
                o["type"].as_str().expect("type"),
                o["campaign_name"].as_str().expect("name"),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "only the planted pockets: {kinds:?}");
    let of = |kind: &str| {
        found
            .iter()
            .find(|o| o["type"] == kind)
            .unwrap_or_else(|| panic!("{kind}: {kinds:?}"))
    };
    let geo = of("undervalued_geo");
    assert_eq!(
        (geo["geography"].as_str(), geo["campaign_name"].as_str()),
        (Some("AO"), Some("FinWallet · en"))
    );
    assert!(of("efficient_low_spend")["campaign_name"]
        .as_str()
        .expect("name")
        .starts_with("FitCoach"));
    assert!(of("neglected_creative")["creative_id"]
        .as_str()
        .expect("creative")
        .contains("puzzle_blocks"));
    let potentials: Vec<i64> = found
        .iter()
        .map(|o| o["potential_weekly_micros"].as_i64().expect("potential"))
        .collect();
    assert!(potentials.windows(2).all(|w| w[0] >= w[1]), "biggest first");
    for o in &found {
        assert!(o["confidence"].as_f64().expect("confidence") >= 0.9);
        let (segment, baseline) = (&o["segment"], &o["baseline"]);
        let cpc = segment["spend_micros"].as_i64().expect("spend") / segment["clicks"].as_i64().expect("clicks");
        assert_eq!(o["current_cpc_micros"].as_i64(), Some(cpc));
        let base = baseline["spend_micros"].as_i64().expect("spend") / baseline["clicks"].as_i64().expect("clicks");
        assert_eq!(o["baseline_cpc_micros"].as_i64(), Some(base));
        let (low, high) = (
            o["cpc_ratio_interval"][0].as_f64().expect("low"),
            o["cpc_ratio_interval"][1].as_f64().expect("high"),
        );
        let ratio = o["cpc_ratio"].as_f64().expect("ratio");
        assert!(low < ratio && ratio < high && high < 0.8, "{o}");
        let potential = o["potential_weekly_micros"].as_i64().expect("potential");
        let range = &o["potential_weekly_interval"];
        assert!(range[0].as_i64().expect("low") <= potential && potential <= range[1].as_i64().expect("high"));
        assert!(o["evidence"].as_str().expect("evidence").contains("clicks for $"));
    }
    let (status, one) = get(&format!("/opportunities/{}", geo["id"].as_str().expect("id"))).await;
    assert_eq!((status, one["id"].clone()), (200, geo["id"].clone()));
    let (status, filtered) = get("/opportunities?type=undervalued_geo").await;
    assert_eq!(
        (status, filtered["opportunities"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    let campaign = geo["campaign_id"].as_i64().expect("campaign");
    let (_, by_campaign) = get(&format!("/opportunities?campaign_id={campaign}")).await;
    assert!(by_campaign["opportunities"]
        .as_array()
        .expect("list")
        .iter()
        .all(|o| o["campaign_id"] == campaign));

    // Geography: the matrix, and the one cell that stands out from its row and column.
    let (status, geo_report) = get("/insights/geographic").await;
    assert_eq!(status, 200, "{geo_report}");
    let patterns: Vec<(String, String)> = geo_report["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| {
            (
                p["segment"].as_str().expect("segment").to_string(),
                p["country"].as_str().expect("country").to_string(),
            )
        })
        .collect();
    assert_eq!(patterns, vec![("FinWallet · en".to_string(), "AO".to_string())]);
    let rows = geo_report["rows"].as_array().expect("rows");
    assert!(rows.len() >= 10 && geo_report["countries"].as_array().map(Vec::len) == Some(10));
    for row in rows {
        let spend: i64 = row["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .map(|c| c["spend_micros"].as_i64().expect("spend"))
            .sum();
        assert!(
            spend <= row["spend_micros"].as_i64().expect("row spend"),
            "cells are within the row"
        );
    }
    let (status, by_format) = get("/insights/geographic?segment=format&days=30").await;
    assert_eq!((status, by_format["segment"].as_str()), (200, Some("format")));
    let (status, body) = get("/insights/geographic?segment=genre").await;
    assert_eq!((status, body["details"]["parameter"].as_str()), (400, Some("segment")));

    // A spreadsheet of the same.
    let response = viewer
        .get(app.url("/opportunities?format=csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), 200);
    let csv = response.text().await.expect("text");
    assert!(csv.starts_with("id,type,campaign_id,campaign,"));
    assert_eq!(csv.lines().count(), 4, "{csv}");

    // Stricter confidence, shorter window, bad parameters.
    for (path, parameter) in [
        ("/opportunities?days=0", "days"),
        ("/opportunities?type=gold", "type"),
        ("/opportunities?as_of=yesterday", "as_of"),
        ("/opportunities?confidence=2", "confidence"),
        ("/opportunities?state=maybe", "state"),
    ] {
        let (status, body) = get(path).await;
        assert_eq!(
            (status, body["details"]["parameter"].as_str()),
            (400, Some(parameter)),
            "{path}: {body}"
        );
    }

    // Decisions stick, and are audited; viewers may not make them.
    let editor = app.client_as(Role::Editor).await;
    let id = geo["id"].as_str().expect("id");
    let send = |client: &reqwest::Client, body: Value| {
        crate::popups::send(client.post(app.url(&format!("/opportunities/{id}/state"))).json(&body))
    };
    assert_eq!(send(&viewer, json!({"state": "dismissed"})).await.0, 403);
    assert_eq!(send(&editor, json!({"state": "maybe"})).await.0, 400);
    assert_eq!(send(&editor, json!({"state": "snoozed", "days": 7})).await.0, 204);
    let (_, open) = get("/opportunities").await;
    assert_eq!(open["opportunities"].as_array().map(Vec::len), Some(2));
    let (_, all) = get("/opportunities?state=all").await;
    let snoozed = all["opportunities"]
        .as_array()
        .expect("all")
        .iter()
        .find(|o| o["id"] == id)
        .expect("still listed with state=all")
        .clone();
    assert_eq!(snoozed["state"], "snoozed");
    assert_eq!(
        snoozed["snoozed_until"].as_i64(),
        Some(crate::support::NOW + 7 * 86_400)
    );
    // Recomputed after new data (a re-cluster is a change): the decision holds.
    crate::popups::send(editor.post(app.url("/campaigns/cluster"))).await;
    let (_, again) = get("/opportunities").await;
    assert!(again["opportunities"]
        .as_array()
        .expect("list")
        .iter()
        .all(|o| o["id"] != id));
    assert_eq!(send(&editor, json!({"state": "open"})).await.0, 204);
    let (_, reopened) = get("/opportunities").await;
    assert_eq!(reopened["opportunities"].as_array().map(Vec::len), Some(3));
    let audit = app.store.recent_audit(20).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "opportunities.snoozed"));
}

#[tokio::test]
async fn opportunities_on_sqlite() {
    opportunities_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn opportunities_on_postgres() {
    opportunities_scenario(Backend::Postgres).await;
}
