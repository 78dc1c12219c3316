//! Campaigns of creatives over HTTP, on both engines: the demo catalog clusters into a
//! believable set, every creative lands in exactly one campaign, a campaign's numbers are
//! its creatives' numbers, and re-clustering changes nothing.

use crate::support::{spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, Value) {
    let response = client.get(app.url(path)).send().await.expect("get");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn campaigns_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    app.load_demo(rtbcat_app::bidder::demo::DEFAULT_SEED, 200, 3_000).await;
    let viewer = app.client_as(Role::Viewer).await;
    let (status, campaigns) = get(&viewer, &app, "/campaigns?period=all").await;
    assert_eq!(status, 200, "{campaigns}");
    let campaigns = campaigns.as_array().expect("list").clone();
    assert!((10..=25).contains(&campaigns.len()), "{} campaigns", campaigns.len());

    // Every creative in exactly one campaign.
    let (_, listing) = get(&viewer, &app, "/creatives?slim=true&page_size=1000&period=all").await;
    let creatives = listing["items"].as_array().expect("items");
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for c in &campaigns {
        for id in c["creative_ids"].as_array().expect("ids") {
            assert!(seen.insert(id.as_str().expect("id").to_string()), "{id} twice");
        }
        assert_eq!(c["creative_count"], c["creative_ids"].as_array().expect("ids").len());
    }
    assert_eq!(seen.len(), creatives.len());

    // Never two products in one campaign: one app or one landing domain each.
    let by_id: BTreeMap<String, &Value> = creatives
        .iter()
        .map(|c| {
            (
                format!(
                    "{}/{}",
                    c["seat_id"].as_str().expect("seat"),
                    c["creative_id"].as_str().expect("id")
                ),
                c,
            )
        })
        .collect();
    for c in &campaigns {
        let products: BTreeSet<String> = c["creative_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|id| {
                let creative = by_id[id.as_str().expect("id")];
                match creative["app_id"].as_str() {
                    Some(app) => format!("app {app}"),
                    None => format!("web {}", creative["primary_domain"].as_str().unwrap_or("")),
                }
            })
            .collect();
        let cross_store = c["name"].as_str().expect("name").contains("Android + iOS");
        assert!(
            products.len() == 1 || (cross_store && products.len() == 2),
            "{}: {products:?}",
            c["name"]
        );
        // Its numbers are its creatives' numbers.
        let spend: i64 = c["creative_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|id| {
                by_id[id.as_str().expect("id")]["performance"]["spend_micros"]
                    .as_i64()
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(c["spend_micros"], spend, "{}", c["name"]);
    }

    // Re-clustering by an editor changes nothing; viewers may not.
    let (status, _) = crate::popups::send(viewer.post(app.url("/campaigns/cluster"))).await;
    assert_eq!(status, 403);
    let editor = app.client_as(Role::Editor).await;
    let (status, report) = crate::popups::send(editor.post(app.url("/campaigns/cluster"))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["formed"].clone(), report["assigned"].clone()),
        (Value::from(0), Value::from(0))
    );
    assert_eq!(report["provider"], "rule");
    assert_eq!(report["campaigns"], campaigns.len());

    let first = campaigns[0]["id"].as_i64().expect("id");
    let (status, one) = get(&viewer, &app, &format!("/campaigns/{first}?period=all")).await;
    assert_eq!((status, one["id"].as_i64()), (200, Some(first)));
    let (status, _) = get(&viewer, &app, "/campaigns/999999").await;
    assert_eq!(status, 404);
    let (status, body) = get(&viewer, &app, "/campaigns?period=9y").await;
    assert_eq!(
        (status, body["details"]["parameter"].clone()),
        (400, Value::from("period"))
    );
    let (status, _) = get(&viewer, &app, "/campaigns?perid=7d").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn campaigns_on_sqlite() {
    campaigns_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn campaigns_on_postgres() {
    campaigns_scenario(Backend::Postgres).await;
}
