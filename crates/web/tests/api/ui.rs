//! The UI pass (issue 9) as HTTP sees it: typed and strict request bodies, pages that keep
//! the navigation on bad input and unknown addresses, exports, deleting an offer, the docs'
//! way back. Layout, contrast and scripts are tested in Chromium (tests/browser).

use crate::popups::{offer_body, send, setup};
use crate::support::{browser, spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

pub(crate) async fn signed_in(app: &TestApp, role: Role) -> reqwest::Client {
    let client = browser();
    let email = format!("{}-ui@example.com", role.as_str());
    app.add_user(&email, role).await;
    crate::auth::sign_in(app, &client, &email).await;
    client
}

#[tokio::test]
async fn request_bodies_are_typed_in_the_spec_and_unknown_fields_are_named() {
    let app = spawn_app(Backend::Sqlite).await;
    let (editor, id) = setup(&app).await;

    // The name the response uses is not an input field: 422 naming it, nothing saved.
    let mut body = offer_body("Wrong key", 5);
    body.as_object_mut().expect("object").remove("payout");
    body["payout_micros"] = json!(2_500_000);
    let (status, answer) = send(editor.post(app.url("/api/campaigns")).json(&body)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["details"]["errors"][0]["field"], "payout_micros", "{answer}");
    assert!(answer["message"].as_str().expect("message").contains("unknown field"));
    // Without a payout at all: required, not a silent 0.00.
    body.as_object_mut().expect("object").remove("payout_micros");
    let (status, answer) = send(editor.post(app.url("/api/campaigns")).json(&body)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["details"]["errors"][0]["field"], "payout", "{answer}");
    let (_, offers) = send(editor.get(app.url("/api/campaigns"))).await;
    assert_eq!(
        offers.as_array().expect("offers").len(),
        1,
        "nothing was saved: {offers}"
    );
    // Properties and networks are strict too.
    let (status, answer) = send(editor.put(app.url("/api/properties/1")).json(&json!({
        "code": "mff", "name": "ModeFreeFinds", "domains": ["modefreefinds.com"], "colour": "red"
    })))
    .await;
    assert_eq!(
        (status, answer["details"]["errors"][0]["field"].clone()),
        (422, json!("colour")),
        "{answer}"
    );

    let spec: Value = reqwest::get(app.url("/openapi.json"))
        .await
        .expect("spec")
        .json()
        .await
        .expect("json");
    for (path, method, schema) in [
        ("/api/campaigns", "post", "OfferInput"),
        ("/api/campaigns/{id}", "put", "OfferInput"),
        ("/api/properties", "post", "PropertyInput"),
        ("/api/networks", "post", "NetworkInput"),
    ] {
        let reference = &spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(
            reference,
            &json!(format!("#/components/schemas/{schema}")),
            "{path} {method}"
        );
    }
    let offer_input = &spec["components"]["schemas"]["OfferInput"]["properties"];
    for field in ["name", "click_url", "payout", "properties", "daily_click_cap"] {
        assert!(offer_input.get(field).is_some(), "OfferInput.{field} in {offer_input}");
    }
    assert!(offer_input.get("payout_micros").is_none());
    let _ = id;
}

#[tokio::test]
async fn an_offer_that_never_served_can_be_deleted_one_that_served_cannot() {
    let app = spawn_app(Backend::Sqlite).await;
    let (editor, served_id) = setup(&app).await;
    let (status, fresh) = send(
        editor
            .post(app.url("/api/campaigns"))
            .json(&offer_body("Never shown", 3)),
    )
    .await;
    assert_eq!(status, 201);
    let fresh_id = fresh["id"].as_i64().expect("id");
    // Serve the first offer once (an impression) through the public route.
    let visitor = crate::popups::visitor();
    let (status, served) = send(visitor.get(app.url("/api/offers/mff"))).await;
    assert_eq!(status, 200, "{served}");
    let token = served["offer"]["token"].as_str().expect("token").to_string();
    let served_offer = served["offer"]["offer_id"].as_i64().expect("offer id");
    let response = visitor
        .post(app.url("/api/impression"))
        .body(json!({ "token": token }).to_string())
        .send()
        .await
        .expect("impression");
    assert_eq!(response.status(), 204);

    let viewer = app.client_as(Role::Viewer).await;
    let (status, _) = send(viewer.post(app.url(&format!("/api/campaigns/{fresh_id}/delete")))).await;
    assert_eq!(status, 403, "viewers cannot delete");
    let never = if served_offer == fresh_id { served_id } else { fresh_id };
    let (status, _) = send(editor.post(app.url(&format!("/api/campaigns/{never}/delete")))).await;
    assert_eq!(status, 204);
    let (status, answer) = send(editor.post(app.url(&format!("/api/campaigns/{served_offer}/delete")))).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["message"]
        .as_str()
        .expect("message")
        .contains("pause it instead"));
    let (_, offers) = send(editor.get(app.url("/api/campaigns"))).await;
    let ids: Vec<i64> = offers
        .as_array()
        .expect("list")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![served_offer]);
    let admin = app.client_as(Role::Admin).await;
    let (_, audit) = send(admin.get(app.url("/api/audit"))).await;
    assert!(audit.to_string().contains("campaign.delete"), "{audit}");
}

#[tokio::test]
async fn bad_input_and_unknown_pages_keep_the_navigation() {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = signed_in(&app, Role::Viewer).await;
    for (path, status, says) in [
        ("/app/creatives?geo=Atlantis", 200, "— type a code like BR"),
        ("/app/creatives?page=0", 200, "whole number"),
        ("/app/creatives?period=9y", 200, "is not one of"),
        (
            "/app/popups/analytics?from=2026-11-20&to=2026-11-01",
            200,
            "Showing the last 30 days",
        ),
        ("/app/popups/analytics?property=nope", 200, "There is no property"),
        ("/app/no-such-page", 404, "There is no page at /app/no-such-page"),
        ("/app/offers/999", 404, "there is no offer 999"),
        ("/app/import/999", 404, "no import 999"),
        ("/app/users", 403, "admin role"),
    ] {
        let (got, html) = page(&viewer, &app, path).await;
        assert_eq!(got, status, "{path}: {html}");
        assert!(html.contains("class=\"sidebar\""), "{path} keeps the navigation");
        assert!(html.contains("banner banner-error"), "{path} shows an in-page error");
        assert!(html.contains(says), "{path} says {says:?}: {html}");
    }
    let (_, html) = page(&viewer, &app, "/app/creatives?geo=Atlantis").await;
    assert!(html.contains("Country: unknown country"), "named by the form's label");
    assert!(
        html.contains("class=\"geo-input\" aria-invalid=\"true\""),
        "the bad filter is marked"
    );
    // A tier that matches nothing is not "No creatives yet" under a full catalog.
    app.load_demo(1, 10, 30).await;
    let (_, html) = page(&viewer, &app, "/app/creatives?search=zzzz-nothing").await;
    assert!(html.contains("No creative matches these filters") && !html.contains("No creatives yet"));
}

#[tokio::test]
async fn creatives_export_every_match_and_tables_have_totals() {
    let app = spawn_app(Backend::Sqlite).await;
    app.load_demo(2, 60, 30).await;
    let viewer = signed_in(&app, Role::Viewer).await;
    let response = viewer
        .get(app.url("/app/creatives/export.csv?period=30d&sort=spend"))
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .expect("cd")
        .contains("creatives.csv"));
    let text = response.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[0], "creative_id");
    let spend_at = headers.iter().position(|h| h == "spend").expect("spend column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    // Every creative, not one page of 48.
    let (_, stats) = send(app.client_as(Role::Viewer).await.get(app.url("/stats"))).await;
    assert_eq!(
        rows.len() as i64,
        stats["creatives"].as_i64().expect("count"),
        "all creatives exported"
    );
    let spends: Vec<f64> = rows.iter().map(|r| r[spend_at].parse::<f64>().unwrap_or(0.0)).collect();
    assert!(
        spends.windows(2).all(|w| w[0] >= w[1]),
        "sorted by spend, highest first"
    );

    let (_, html) = page(&viewer, &app, "/app/creatives?view=table&period=30d&order=asc").await;
    assert!(html.contains("id=\"creatives-table\"") && html.contains("class=\"totals\""));
    assert!(html.contains("<option value=\"asc\" selected>"), "the order is kept");
    let (_, sample) = page(&viewer, &app, "/app/import/sample.csv").await;
    assert!(sample.starts_with("creative_id,date,impressions,clicks,spend"));
}

#[tokio::test]
async fn the_docs_page_leads_back_to_the_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let html = reqwest::get(app.url("/docs"))
        .await
        .expect("docs")
        .text()
        .await
        .expect("html");
    assert!(html.contains("href=\"/app/creatives\"") && html.contains("Back to the app"));
    let script = reqwest::get(app.url("/docs/ui/swagger-ui-bundle.js"))
        .await
        .expect("bundle");
    assert_eq!(script.status(), 200);
}

#[tokio::test]
async fn the_start_page_is_waste_once_traffic_exists() {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = signed_in(&app, Role::Viewer).await;
    let location = |response: reqwest::Response| {
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let first = viewer.get(app.url("/app")).send().await.expect("start");
    assert_eq!(
        location(first).as_deref(),
        Some("/app/creatives"),
        "no traffic yet: the catalog"
    );
    app.load_demo(1, 10, 30).await;
    let then = viewer.get(app.url("/app")).send().await.expect("start");
    assert_eq!(location(then).as_deref(), Some("/app/waste"));
    let (status, html) = page(&viewer, &app, "/app/waste").await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"chart funnel\"") && html.contains("id=\"sizes-table\""));
    assert!(html.contains("data-kind=\"exclude_geo\"") && html.contains("geoTargeting.excludedIds: exclude VN"));
    let (_, bad) = page(&viewer, &app, "/app/waste?days=0").await;
    assert!(
        bad.contains("banner-error") && bad.contains("Showing the last 7 days"),
        "{bad}"
    );
}
