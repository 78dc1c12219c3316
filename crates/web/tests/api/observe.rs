//! Observability over real HTTP: a request id on every response (a caller's plain one kept,
//! anything else replaced), `/metrics` for administrators or the metrics token only, and the
//! numbers in it moving with real traffic: requests by route pattern, tracking batches and
//! commits, imports, bot requests.

use crate::popups::{send, setup, visitor};
use crate::support::{spawn_app_configured, Backend};
use rtbcat_core::platform::accounts::Role;

const METRICS_TOKEN: &str = "scraper-token-0123456789";

/// The value of a sample line (`name{labels} value`) in the text format; 0 when absent.
fn sample(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn request_ids_and_metrics() {
    let app = spawn_app_configured(
        Backend::Sqlite,
        1000,
        &[("RTBCAT_METRICS_TOKEN", METRICS_TOKEN.to_string())],
    )
    .await;
    let anonymous = reqwest::Client::new();

    // Request ids: made when missing, kept when plain, replaced when not.
    let made = anonymous.get(app.url("/health")).send().await.expect("health");
    let id = made.headers()["x-request-id"].to_str().expect("text").to_string();
    assert!(id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let kept = anonymous
        .get(app.url("/health"))
        .header("x-request-id", "lb-7f3a.01")
        .send()
        .await
        .expect("health");
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a.01");
    let replaced = anonymous
        .get(app.url("/health"))
        .header("x-request-id", "<script>alert(1)</script>")
        .send()
        .await
        .expect("health");
    assert_ne!(replaced.headers()["x-request-id"], "<script>alert(1)</script>");
    let (_, missing) = send(anonymous.get(app.url("/api/campaigns"))).await;
    assert!(missing["error"].is_string(), "an error answer has an id too");

    // Who may read /metrics.
    let status =
        |request: reqwest::RequestBuilder| async move { request.send().await.expect("metrics").status().as_u16() };
    assert_eq!(status(anonymous.get(app.url("/metrics"))).await, 401);
    assert_eq!(
        status(anonymous.get(app.url("/metrics")).bearer_auth("wrong-token-0123456789")).await,
        401
    );
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(status(viewer.get(app.url("/metrics"))).await, 403);
    let admin = app.client_as(Role::Admin).await;
    assert_eq!(status(admin.get(app.url("/metrics"))).await, 200);
    let scrape = || async {
        let response = reqwest::Client::new()
            .get(app.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("metrics");
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain")));
        response.text().await.expect("text")
    };
    let before = scrape().await;
    assert!(
        before.contains("rtbcat_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 3"),
        "{before}"
    );
    assert!(
        before.contains("rtbcat_db_pool_connections{state=\"max\"} 8"),
        "{before}"
    );
    assert!(before.contains("rtbcat_tracking_queue_depth 0"), "{before}");

    // Real traffic moves the numbers: a serve and its impression, a bot's request for an
    // offer, an import.
    let (editor, _) = setup(&app).await;
    let client = visitor();
    let (_, served) = send(client.get(app.url("/api/offers/mff?placement=thankyou"))).await;
    let token = served["offer"]["token"].as_str().expect("token").to_string();
    let beacon = client
        .post(app.url("/api/impression"))
        .body(token)
        .send()
        .await
        .expect("beacon");
    assert_eq!(beacon.status(), 204);
    let (_, bot) = send(
        anonymous
            .get(app.url("/api/offers/mff"))
            .header("user-agent", "curl/8.1"),
    )
    .await;
    assert!(bot["offer"].is_null());
    let report =
        "#Day,Creative ID,Creative Size,Country,Impressions,Clicks,Spend\n11/20/26,cr-1,300x250,Brazil,100,2,$1.00\n";
    let (status_code, _) = crate::performance::upload(&app, &editor, "report.csv", report.as_bytes().to_vec()).await;
    assert_eq!(status_code, 200);
    let after = scrape().await;
    let offers_route = "rtbcat_http_requests_total{method=\"GET\",route=\"/api/offers/{property}\",status=\"200\"}";
    assert_eq!(
        sample(&after, offers_route),
        2.0,
        "the route's pattern, never the raw path"
    );
    assert!(!after.contains("route=\"/api/offers/mff\""));
    assert!(
        sample(&after, "rtbcat_tracking_batch_events_count") >= 2.0,
        "the impression and the bot request"
    );
    assert!(sample(&after, "rtbcat_tracking_commit_seconds_count") >= 2.0);
    assert!(sample(&after, "rtbcat_import_rows_total") >= 1.0, "{after}");
    assert!(
        sample(
            &after,
            "rtbcat_http_request_duration_seconds_count{method=\"POST\",route=\"/api/impression\"}"
        ) >= 1.0
    );
    // The bot's request is counted as a bot hit of the property.
    let (_, day) = send(editor.get(app.url("/api/analytics/mff?group_by=day"))).await;
    assert_eq!(day[0]["bot_hits"], 1, "{day}");
}
