//! The catalog story, run on both backends: import → list/filter over HTTP → detail.

use crate::support::{demo_document, spawn_app, Backend};
use rtbcat_core::platform::accounts::Role;
use serde_json::Value;
use std::collections::HashSet;

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let response = client.get(&url).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn catalog_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.client_as(Role::Editor).await;
    let document = demo_document(120);
    let expected: Value = serde_json::from_str(&document).expect("demo json");
    let expected = expected["creatives"].as_array().expect("creatives").clone();
    let count_format = |format: &str| expected.iter().filter(|c| c["creativeFormat"] == format).count() as i64;

    // Import, then import again: the second changes nothing.
    let response = editor
        .post(app.url("/api/creatives/import?name=demo.json"))
        .body(document.clone())
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("report");
    assert_eq!(report["inserted"], 120);
    assert_eq!(report["by_format"]["VIDEO"]["creatives"], count_format("VIDEO"));
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(document.clone())
        .send()
        .await
        .expect("import");
    let report: Value = response.json().await.expect("report");
    assert_eq!(
        (
            report["inserted"].as_i64(),
            report["updated"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(120))
    );

    // A changed creative is an update.
    let mut changed = expected[0].clone();
    changed["advertiserName"] = Value::String("Renamed Advertiser".into());
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(changed.to_string())
        .send()
        .await
        .expect("import");
    let report: Value = response.json().await.expect("report");
    assert_eq!(report["updated"], 1);

    // A malformed file names element and field, and imports nothing from it.
    let bad = serde_json::json!({"creatives": [
        {"name": "buyers/999/creatives/new-good-one", "creativeFormat": "HTML"},
        {"name": "buyers/999/creatives/bad-one", "html": {"width": "wide"}}
    ]});
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(bad.to_string())
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("error body");
    assert_eq!(body["error"], "invalid_file");
    assert_eq!(body["details"]["errors"][0]["index"], 2);
    assert_eq!(body["details"]["errors"][0]["field"], "html.width");
    let (_, stats) = get_json(&editor, app.url("/stats")).await;
    assert_eq!(stats["creatives"], 120, "nothing from the bad file landed");
    assert_eq!(stats["seats"], 2);

    // List and filter.
    let (status, page) = get_json(&editor, app.url("/creatives")).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 120);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(100), "default page size");
    assert!(
        page["items"][0].get("html_snippet").is_some(),
        "full listing carries content"
    );

    let (_, video) = get_json(&editor, app.url("/creatives?format=video&page_size=500")).await;
    assert_eq!(video["total"].as_i64(), Some(count_format("VIDEO")));
    assert!(video["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|c| c["format"] == "VIDEO"));

    let (_, slim) = get_json(&editor, app.url("/creatives?slim=true&page_size=1000")).await;
    let items = slim["items"].as_array().expect("items");
    assert_eq!(items.len(), 120);
    assert!(
        items
            .iter()
            .all(|c| c.get("html_snippet").is_none() && c.get("vast_xml").is_none()),
        "slim omits content"
    );

    let (_, first) = get_json(
        &editor,
        app.url("/creatives?slim=true&page_size=10&page=1&sort=creative_id"),
    )
    .await;
    let (_, second) = get_json(
        &editor,
        app.url("/creatives?slim=true&page_size=10&page=2&sort=creative_id"),
    )
    .await;
    let ids = |v: &Value| -> HashSet<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["creative_id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&first).len(), 10);
    assert!(ids(&first).is_disjoint(&ids(&second)), "pages do not overlap");

    let (_, sizes) = get_json(&editor, app.url("/sizes")).await;
    let top_size = sizes[0]["canonical_size"].as_str().expect("size").to_string();
    let top_count = sizes[0]["creatives"].as_i64();
    let (_, by_size) = get_json(
        &editor,
        app.url(&format!("/creatives?size={}&slim=true", url_encode(&top_size))),
    )
    .await;
    assert_eq!(by_size["total"].as_i64(), top_count);

    let (_, approved) = get_json(&editor, app.url("/creatives?status=approved&slim=true&page_size=1000")).await;
    let expected_approved = expected
        .iter()
        .filter(|c| c["creativeServingDecision"]["networkPolicyCompliance"]["status"] == "APPROVED")
        .count();
    assert_eq!(approved["total"].as_u64(), Some(expected_approved as u64));

    let (_, portuguese) = get_json(&editor, app.url("/creatives?language=pt&slim=true&page_size=1000")).await;
    let expected_pt = expected
        .iter()
        .filter(|c| {
            c["creativeServingDecision"]["detectedLanguages"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x == "pt"))
        })
        .count();
    assert_eq!(portuguese["total"].as_u64(), Some(expected_pt as u64));
    assert!(expected_pt > 0);

    let (_, search) = get_json(&editor, app.url("/creatives?search=RENAMED%20advertiser&slim=true")).await;
    assert_eq!(search["total"], 1, "search is case-insensitive over the advertiser");
    let (_, wildcard) = get_json(&editor, app.url("/creatives?search=%25&slim=true")).await;
    assert_eq!(wildcard["total"], 0, "LIKE wildcards in a search are literal");

    let (_, seat) = get_json(&editor, app.url("/creatives?seat=7654321&slim=true&page_size=1000")).await;
    assert!(seat["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|c| c["seat_id"] == "7654321"));
    let (_, seats) = get_json(&editor, app.url("/seats")).await;
    let seat_total: i64 = seats
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s["creative_count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(seat_total, 120);

    // Bad parameters are named.
    for (query, parameter) in [
        ("format=GIF", "format"),
        ("status=MAYBE", "status"),
        ("page=0", "page"),
        ("page_size=501", "page_size"),
        ("sort=spendiest", "sort"),
    ] {
        let (status, body) = get_json(&editor, app.url(&format!("/creatives?{query}"))).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["details"]["parameter"], parameter, "{query}: {body}");
    }
    let (status, body) = get_json(&editor, app.url("/creatives?page=abc")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_parameter")));

    // Detail.
    let creative_id = expected[1]["creativeId"].as_str().expect("id");
    let (status, detail) = get_json(&editor, app.url(&format!("/creatives/{creative_id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(detail["creative_id"], creative_id);
    assert_eq!(detail["raw"]["creativeId"], creative_id, "raw JSON kept");
    assert!(detail["destinations"].as_array().is_some_and(|d| !d.is_empty()));
    assert!(detail["google_buyers_url"]
        .as_str()
        .is_some_and(|u| u.contains(creative_id)));
    let (status, body) = get_json(&editor, app.url("/creatives/does-not-exist")).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    // The same creative id in a second seat is ambiguous without ?seat=.
    let mut twin = expected[1].clone();
    twin["name"] = Value::String(format!("buyers/5555555/creatives/{creative_id}"));
    twin["accountId"] = Value::String("5555555".into());
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(twin.to_string())
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 200);
    let (status, body) = get_json(&editor, app.url(&format!("/creatives/{creative_id}"))).await;
    assert_eq!(status, 409);
    assert_eq!(body["details"]["seats"].as_array().map(Vec::len), Some(2));
    let (status, detail) = get_json(&editor, app.url(&format!("/creatives/{creative_id}?seat=5555555"))).await;
    assert_eq!((status, detail["seat_id"].as_str()), (200, Some("5555555")));

    // Stats.
    let (_, stats) = get_json(&editor, app.url("/stats")).await;
    assert_eq!(stats["creatives"], 121);
    assert_eq!(stats["seats"], 3);
    let by_format: i64 = stats["by_format"]
        .as_array()
        .expect("formats")
        .iter()
        .map(|f| f["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(by_format, 121);
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn catalog_scenario_on_sqlite() {
    catalog_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn catalog_scenario_on_postgres() {
    catalog_scenario(Backend::Postgres).await;
}

#[tokio::test]
async fn health_reports_the_schema_without_auth() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, health) = get_json(&reqwest::Client::new(), app.url("/health")).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["backend"], "sqlite");
    assert_eq!(health["schema_version"], health["binary_schema_version"]);
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, spec) = get_json(&reqwest::Client::new(), app.url("/openapi.json")).await;
    assert_eq!(status, 200);
    for path in [
        "/health",
        "/stats",
        "/sizes",
        "/seats",
        "/creatives",
        "/creatives/{creative_id}",
        "/api/creatives/import",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
    let docs = reqwest::get(app.url("/docs/")).await.expect("docs");
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.expect("html");
    assert!(html.contains("swagger"), "Swagger UI served from the binary");
    assert!(!html.contains("cdn."), "no CDN links");
}

#[tokio::test]
async fn creative_pages_render_escaped_and_previews_are_sandboxed() {
    let app = spawn_app(Backend::Sqlite).await;
    let editor = app.client_as(Role::Editor).await;
    let hostile = serde_json::json!({
        "name": "buyers/1/creatives/xss",
        "advertiserName": "<script>alert(1)</script>",
        "creativeFormat": "HTML",
        "html": {"snippet": "<b>ad</b><script>parent.document.title='owned'</script>", "width": 300, "height": 250}
    });
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(hostile.to_string())
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 200);

    let browser = crate::support::browser();
    crate::auth::sign_in(&app, &browser, "editor@example.com").await;
    let page = browser.get(app.url("/app/creatives")).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let html = page.text().await.expect("html");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "advertiser escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("sandbox=\"\""), "thumbnails are sandboxed iframes");

    let preview = browser
        .get(app.url("/app/seats/1/creatives/xss/preview"))
        .send()
        .await
        .expect("preview");
    let csp = preview
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.starts_with("sandbox;") && csp.contains("default-src 'none'"),
        "preview CSP: {csp}"
    );
    assert!(!csp.contains("script-src"), "no scripts in previews");

    let detail = browser
        .get(app.url("/app/seats/1/creatives/xss"))
        .send()
        .await
        .expect("detail");
    assert_eq!(detail.status(), 200);
    let missing = browser
        .get(app.url("/app/seats/1/creatives/nope"))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);
}
