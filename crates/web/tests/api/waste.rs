//! Waste over HTTP from files imported the way users do: totals equal a recomputation from
//! the files, to the request, on both engines; planted waste is found; noise is not.

use crate::performance::upload;
use crate::support::{spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::Value;
use std::collections::BTreeMap;

const SIZES: &[(&str, &str, &str)] = &[
    // (as written in the file, device, canonical)
    ("300x250", "mobile", "300x250"),
    ("300 X 250", "desktop", "300x250"),
    ("320×100", "mobile", "320x100"),
    ("970x90", "mobile", "970x90"),
    ("728x90", "tablet", "728x90"),
];

fn requests(day: u32, size: usize, country: usize) -> i64 {
    1_000 + i64::from(day) * 37 + size as i64 * 1_311 + country as i64 * 211
}

fn traffic_csv() -> String {
    let mut out = String::from("date,size,format,country,device,requests\n");
    for day in 1..=14u32 {
        for (s, (spelled, device, _)) in SIZES.iter().enumerate() {
            for (c, country) in ["BR", "US"].iter().enumerate() {
                out.push_str(&format!(
                    "2026-11-{day:02},{spelled},HTML,{country},{device},{}\n",
                    requests(day, s, c)
                ));
            }
        }
    }
    out
}

/// (country, requests per day, bids per day): VN is sent a lot and never bid on.
const GEOS: &[(&str, i64, i64)] = &[("BR", 400_000, 60_000), ("US", 300_000, 50_000), ("VN", 250_000, 0)];

fn funnel_csv() -> String {
    let mut out = String::from(
        "Day,Country,Buyer account ID,Bid requests,Inventory matches,Successful responses,Bids,Bids in auction,Auctions won,Impressions\n",
    );
    for day in 1..=14u32 {
        for (country, requests, bids) in GEOS {
            out.push_str(&format!(
                "2026-11-{day:02},{country},7654321,{requests},{},{},{bids},{},{},{}\n",
                requests * 8 / 10,
                requests * 6 / 10,
                bids * 9 / 10,
                bids / 5,
                bids / 6
            ));
        }
    }
    out.push_str("Total,,,1,1,1,1,1,1,1\n");
    out
}

fn quality_csv() -> String {
    let mut out = String::from("Day,Publisher ID,Publisher name,Country,Impressions,IVT credited impressions\n");
    for day in 1..=14u32 {
        out.push_str(&format!("2026-11-{day:02},pub-good,Good News,BR,20000,100\n"));
        out.push_str(&format!("2026-11-{day:02},pub-bad,Click Farm,BR,20000,7000\n"));
        // Tiny and noisy: must not be blocked.
        out.push_str(&format!("2026-11-{day:02},pub-tiny,Tiny,BR,3,2\n"));
    }
    out
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.expect("get");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn waste_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.client_as(Role::Editor).await;
    let document = crate::support::demo_document(40);
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(document)
        .send()
        .await
        .expect("creatives");
    assert_eq!(response.status(), 200);
    // Before any traffic: an empty report that says what is missing.
    let (status, empty) = get(&editor, &app, "/analytics/waste").await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(empty["total_requests"], 0);
    assert_eq!(empty["sources"]["traffic"], false);

    for (name, text) in [
        ("traffic.csv", traffic_csv()),
        ("funnel.csv", funnel_csv()),
        ("quality.csv", quality_csv()),
    ] {
        let (status, report) = upload(&app, &editor, name, text.into_bytes()).await;
        assert_eq!(status, 200, "{name}: {report}");
        assert_eq!(report["skipped"], 0, "{name}: {report}");
    }

    // Approved creatives per size, from the catalog API.
    let (_, listing) = get(&editor, &app, "/creatives?status=APPROVED&slim=true&page_size=1000").await;
    let mut approved: BTreeMap<String, i64> = BTreeMap::new();
    for c in listing["items"].as_array().expect("items") {
        *approved
            .entry(c["canonical_size"].as_str().expect("size").to_string())
            .or_default() += 1;
    }
    // The window: 7 days ending at the newest traffic day (11-14): 11-08 … 11-14.
    let mut expected: BTreeMap<&str, i64> = BTreeMap::new();
    for day in 8..=14u32 {
        for (s, (_, _, canonical)) in SIZES.iter().enumerate() {
            for c in 0..2 {
                *expected.entry(canonical).or_default() += requests(day, s, c);
            }
        }
    }
    let (status, waste) = get(&editor, &app, "/analytics/waste").await;
    assert_eq!(status, 200, "{waste}");
    assert_eq!(waste["window"]["start"], "2026-11-08");
    assert_eq!(waste["window"]["end"], "2026-11-14");
    assert_eq!(waste["window"]["seconds"], 7 * 86_400);
    let total: i64 = expected.values().sum();
    let wasted: i64 = expected
        .iter()
        .filter(|(size, _)| approved.get(**size).copied().unwrap_or(0) == 0)
        .map(|(_, r)| r)
        .sum();
    assert!(wasted > 0, "some traffic has no creative ({approved:?})");
    assert_eq!(waste["total_requests"], total);
    assert_eq!(waste["wasted_requests"], wasted);
    let qps = waste["wasted_qps"].as_f64().expect("qps");
    assert!((qps - wasted as f64 / 604_800.0).abs() < 1e-9);
    for (size, requests) in &expected {
        let row = waste["sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .find(|r| r["size"] == *size)
            .unwrap_or_else(|| panic!("{size} in {waste}"));
        assert_eq!(row["requests"], *requests, "{size}");
        assert_eq!(row["creatives"], approved.get(*size).copied().unwrap_or(0), "{size}");
        let no_creative = approved.get(*size).copied().unwrap_or(0) == 0;
        assert_eq!(
            row["wasted_requests"],
            if no_creative { *requests } else { 0 },
            "{size}"
        );
    }
    // Creatives whose size nobody asks for are listed as dead inventory.
    let dead = approved
        .keys()
        .find(|s| !expected.contains_key(s.as_str()))
        .expect("a size without traffic");
    let row = waste["sizes"]
        .as_array()
        .expect("sizes")
        .iter()
        .find(|r| r["size"] == dead.as_str())
        .expect("dead size");
    assert_eq!(row["coverage"], "no_traffic");

    // Planted waste is found, with evidence and the exact change; noise is not.
    let recommendations = waste["recommendations"].as_array().expect("recommendations");
    let find = |kind: &str, value: &str| {
        recommendations
            .iter()
            .find(|r| r["kind"] == kind && r["change"]["values"][0] == value)
            .cloned()
    };
    let vn = find("exclude_geo", "VN").expect("VN is excluded");
    assert_eq!(vn["evidence"]["requests"], 250_000 * 7);
    assert_eq!(vn["change"]["field"], "geoTargeting.excludedIds");
    assert_eq!(vn["confidence"], "high");
    assert!(find("exclude_geo", "BR").is_none() && find("exclude_geo", "US").is_none());
    let bad = find("block_publisher", "pub-bad").expect("the click farm is blocked");
    assert_eq!(bad["evidence"]["ivt_credited_impressions"], 7_000 * 7);
    assert!(find("block_publisher", "pub-tiny").is_none() && find("block_publisher", "pub-good").is_none());
    for size in expected.keys().filter(|s| approved.get(**s).copied().unwrap_or(0) == 0) {
        let r = find("exclude_size", size).unwrap_or_else(|| panic!("exclude {size}"));
        assert_eq!(r["change"]["field"], "includedCreativeDimensions");
    }
    let shares: f64 = recommendations
        .iter()
        .map(|r| r["share_of_waste"].as_f64().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);

    // The funnel: the file's sums in the window, the totals line ignored.
    let (_, funnel) = get(&editor, &app, "/analytics/funnel?by=geo").await;
    let requests_total: i64 = GEOS.iter().map(|g| g.1 * 7).sum();
    let bids_total: i64 = GEOS.iter().map(|g| g.2 * 7).sum();
    assert_eq!(funnel["steps"][0]["count"], requests_total);
    assert_eq!(funnel["steps"][3]["count"], bids_total);
    assert_eq!(funnel["groups"][0]["key"], "BR", "largest first: {funnel}");
    assert_eq!(funnel["groups"].as_array().expect("groups").len(), 3);
    let (_, config) = get(&editor, &app, "/analytics/funnel?by=config").await;
    assert!(config["note"].as_str().expect("note").contains("Billing ID"));
    assert!(config["groups"].as_array().expect("groups").is_empty());

    // A longer window and a date of one's own; CSV.
    let (_, month) = get(&editor, &app, "/analytics/waste?days=30&as_of=2026-11-14").await;
    assert_eq!(month["window"]["start"], "2026-10-16");
    let all_days: i64 = (1..=14u32)
        .flat_map(|d| (0..SIZES.len()).flat_map(move |s| (0..2).map(move |c| requests(d, s, c))))
        .sum();
    assert_eq!(month["total_requests"], all_days);
    let csv = editor
        .get(app.url("/analytics/size-coverage?format=csv"))
        .send()
        .await
        .expect("csv");
    assert!(csv.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("size,category,requests,creatives,impressions,wasted_requests,wasted_qps,coverage\n"));
    assert!(text.contains("\"970x90\""));
    let geo_csv = editor
        .get(app.url("/analytics/funnel?by=geo&format=csv"))
        .send()
        .await
        .expect("csv");
    assert!(geo_csv
        .text()
        .await
        .expect("text")
        .contains("\"VN\",\"Vietnam (VN)\",1750000"));

    // Bad parameters are named.
    for (path, parameter) in [
        ("/analytics/waste?days=0", "days"),
        ("/analytics/waste?days=lots", "days"),
        ("/analytics/waste?as_of=yesterday", "as_of"),
        ("/analytics/funnel?by=planet", "by"),
        ("/analytics/waste?format=pdf", "format"),
    ] {
        let (status, body) = get(&editor, &app, path).await;
        assert_eq!(
            (status, body["details"]["parameter"].clone()),
            (400, Value::from(parameter)),
            "{path}: {body}"
        );
    }
    let (status, _) = get(&editor, &app, "/analytics/waste?dayz=7").await;
    assert_eq!(status, 400, "unknown parameters are refused");
    let (status, _) = get(&crate::support::TestApp::bearer("nope"), &app, "/analytics/waste").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn waste_on_sqlite() {
    waste_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn waste_on_postgres() {
    waste_scenario(Backend::Postgres).await;
}

#[tokio::test]
async fn a_row_that_does_not_match_its_header_is_refused_by_line() {
    let app = spawn_app(Backend::Sqlite).await;
    let editor = app.client_as(Role::Editor).await;
    let text = "date,size,format,country,device,requests\n2026-11-01,300x250,HTML,BR,mobile,100\n2026-11-01,300x250,HTML,US,500\n2026-11-01,728x90,HTML,BR,mobile,7,9\n";
    let (status, report) = upload(&app, &editor, "short.csv", text.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["imported"], 1);
    assert_eq!(report["skipped"], 2);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["line"], 3);
    assert!(errors[0]["reason"]
        .as_str()
        .expect("reason")
        .contains("5 fields, but the header has 6"));
    assert_eq!(errors[1]["line"], 4);
    assert!(errors[1]["reason"].as_str().expect("reason").contains("7 fields"));
}
