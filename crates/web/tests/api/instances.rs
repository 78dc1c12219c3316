//! Two instances on one PostgreSQL database, each with its own memory (rate limiters,
//! caches, the holder name of its jobs), as two `rtbcat serve` behind a load balancer:
//! a session made on one works on the other and ends on both; a visitor is one visitor
//! whichever instance counts it (the daily salt is shared); a total cap holds when serves
//! and impressions alternate between them; a scheduled report due on both is sent once.
//! (`crates/cli/tests/cli/instances.rs` runs two real processes under load and kills one.)

use crate::auth::sign_in;
use crate::popups::{impression, offer_body, send, setup, visitor};
use crate::support::{browser, smtp_server, spawn_app_configured, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::json;

async fn me(app: &TestApp, client: &reqwest::Client) -> u16 {
    client
        .get(app.url("/api/me"))
        .send()
        .await
        .expect("me")
        .status()
        .as_u16()
}

#[tokio::test]
#[ignore = "needs PostgreSQL (RTBCAT_TEST_POSTGRES_URL); CI runs it"]
async fn two_instances_share_sessions_visitors_caps_and_jobs() {
    let (smtp, received) = smtp_server().await;
    let settings = [
        ("RTBCAT_SMTP_URL", smtp),
        ("RTBCAT_TRACKING_REQUESTS_PER_MINUTE", "100000".to_string()),
    ];
    let a = spawn_app_configured(Backend::Postgres, 1000, &settings).await;
    let b = a.another_instance(&settings).await;

    // A session made on A works on B, and signing out on B ends it on A.
    a.add_user("viewer@example.com", Role::Viewer).await;
    let person = browser();
    sign_in(&a, &person, "viewer@example.com").await;
    assert_eq!((me(&a, &person).await, me(&b, &person).await), (200, 200));
    let response = person
        .post(b.url("/logout"))
        .header("Origin", &b.base)
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 303);
    assert_eq!((me(&a, &person).await, me(&b, &person).await), (401, 401));

    // An offer capped at 5 impressions in all, served and counted by both in turn.
    let (editor, _) = setup(&a).await;
    let mut capped = offer_body("Five in all", 10);
    capped["total_impression_cap"] = json!(5);
    let (status, capped) = send(editor.post(b.url("/api/campaigns")).json(&capped)).await;
    assert_eq!(status, 201, "{capped}");
    let capped_id = capped["id"].as_i64().expect("id");
    let phone = visitor();
    // The draw is weighted by priority (10 against the other offer's 5), so the capped offer
    // wins 2 rounds in 3 until its cap: 40 rounds reach the cap but for a 1e-13 chance (12
    // rounds missed it about once in 50 runs), and the rounds after it show that it holds.
    let mut counted = 0;
    for round in 0..40 {
        let (serving, counting) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (status, served) = send(phone.get(serving.url("/api/offers/mff?placement=thankyou"))).await;
        assert_eq!(status, 200, "{served}");
        if served["offer"]["offer_id"].as_i64() == Some(capped_id) {
            impression(counting, &phone, &served["offer"]).await;
            counted += 1;
        }
    }
    assert_eq!(counted, 5, "the cap holds across instances");

    // One visitor, whichever instance hashed it: the analytics count one unique visitor.
    let (status, lines) = send(editor.get(a.url("/api/analytics/mff?group_by=offer"))).await;
    assert_eq!(status, 200, "{lines}");
    let impressions: i64 = lines
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["key"] == json!(capped_id.to_string()))
        .map(|l| l["impressions"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(impressions, 5, "{lines}");
    let (database, connection) = tokio_postgres::connect(&a.database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let row = database
        .query_one(
            "SELECT COUNT(*), COUNT(DISTINCT visitor_hash) FROM popup_events WHERE offer_id = $1",
            &[&capped_id],
        )
        .await
        .expect("events");
    let (stored, visitors): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(
        (stored, visitors),
        (5, 1),
        "five impressions of one visitor, hashed by both"
    );

    // A report due on both instances at once is sent once.
    let (status, schedule) = send(editor.post(a.url("/api/report-schedules")).json(&json!({
        "property": "mff", "frequency": "daily", "hour_utc": 6, "recipients": ["ops@example.com"]
    })))
    .await;
    assert_eq!(status, 201, "{schedule}");
    for app in [&a, &b] {
        app.clock.advance(86_400);
    }
    let (first, second) = tokio::join!(
        send(editor.post(a.url("/api/report-schedules/run"))),
        send(editor.post(b.url("/api/report-schedules/run")))
    );
    assert_eq!((first.0, second.0), (200, 200));
    let sent: usize = [&first.1, &second.1]
        .iter()
        .map(|round| round["sent"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(sent, 1, "{} / {}", first.1, second.1);
    assert_eq!(received.lock().expect("lock").len(), 1);
}
