//! Reports users can send, over real HTTP on both engines: the PDF of a property's report
//! read back by a PDF reader; scheduled e-mail reports against a local SMTP server, the PDF
//! attached, each period sent once (not again on the next round, nor after a restart, nor
//! when a send was cut off), retried after a failure; validation by field; the page.

use crate::popups::{error_fields, impression, send, setup, visitor};
use crate::support::{config_with, smtp_server, spawn_app_configured, Backend, Received, TestApp, NOW};
use base64::Engine as _;
use rtbcat_app::clock::Clock as _;
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};

/// The text of every page of a PDF, as a reader extracts it.
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).expect("a PDF a reader opens");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).expect("text")
}

/// The PDF attached to a mail (base64 in a MIME part).
fn attached_pdf(mail: &str) -> Vec<u8> {
    let part = mail.split("Content-Type: application/pdf").nth(1).expect("a PDF part");
    let body = part.split("\n\n").nth(1).expect("the part's body");
    let encoded: String = body
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .expect("base64")
}

async fn some_traffic(app: &TestApp) {
    let client = visitor();
    for _ in 0..3 {
        let (_, served) = send(client.get(app.url("/api/offers/mff?placement=thankyou"))).await;
        impression(app, &client, &served["offer"]).await;
    }
}

fn mails(received: &Received) -> Vec<String> {
    received.lock().expect("lock").clone()
}

async fn reports_scenario(backend: Backend) {
    let (smtp, received) = smtp_server().await;
    let app = spawn_app_configured(
        backend,
        1000,
        &[
            ("RTBCAT_SMTP_URL", smtp.clone()),
            ("RTBCAT_SMTP_FROM", "reports@rtbcat.example".into()),
        ],
    )
    .await;
    let (editor, _) = setup(&app).await;
    some_traffic(&app).await;

    // The PDF of today's report: a real PDF with the property, the offer and the figures.
    let today = time::OffsetDateTime::from_unix_timestamp(NOW).expect("now").date();
    let response = editor
        .get(app.url(&format!("/api/analytics/mff/report.pdf?from={today}&to={today}")))
        .send()
        .await
        .expect("pdf");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let text = pdf_text(&response.bytes().await.expect("bytes"));
    assert!(text.contains("Popup report: ModeFreeFinds (mff)"), "{text}");
    assert!(
        text.contains("Gift card US") && text.contains("Revenue by hour"),
        "{text}"
    );
    let (status, body) = send(editor.get(app.url("/api/analytics/mff/report.pdf?from=2026-12-01&to=2026-11-01"))).await;
    assert_eq!((status, body["details"]["parameter"].as_str()), (400, Some("from")));

    // A schedule is checked by field.
    let (status, body) = send(editor.post(app.url("/api/report-schedules")).json(&json!({
        "property": "nope", "frequency": "hourly", "hour_utc": 24, "recipients": ["not an address"]
    })))
    .await;
    assert_eq!(status, 422, "{body}");
    let mut fields = error_fields(&body);
    fields.sort_unstable();
    assert_eq!(fields, ["frequency", "hour_utc", "property", "recipients"]);
    let viewer = app.client_as(Role::Viewer).await;
    let (status, _) = send(viewer.post(app.url("/api/report-schedules")).json(&json!({}))).await;
    assert_eq!(status, 403);

    let (status, schedule) = send(editor.post(app.url("/api/report-schedules")).json(&json!({
        "property": "mff", "frequency": "daily", "hour_utc": 6,
        "recipients": ["ops@example.com", " OPS@example.com", "ceo@example.com"]
    })))
    .await;
    assert_eq!(status, 201, "{schedule}");
    assert_eq!(schedule["recipients"], json!(["ops@example.com", "ceo@example.com"]));
    let id = schedule["id"].as_i64().expect("id");

    // Made today, it starts with today's report, sent tomorrow from 06:00.
    let run = |client: &reqwest::Client| send(client.post(app.url("/api/report-schedules/run")));
    let (status, round) = run(&editor).await;
    assert_eq!((status, round["sent"].clone()), (200, json!([])));
    app.clock.advance(86_400 - 7 * 3600); // 2026-11-21 05:00
    assert_eq!(run(&editor).await.1["sent"], json!([]), "not before the hour");
    app.clock.advance(3600);
    let (_, round) = run(&editor).await;
    assert_eq!(round["sent"], json!([format!("schedule {id} {today}")]), "{round}");
    let sent = mails(&received);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(&format!("Subject: [rtbcat] Popup report: ModeFreeFinds, {today}")),
        "{}",
        sent[0]
    );
    let text = pdf_text(&attached_pdf(&sent[0]));
    assert!(
        text.contains(&format!("{today} to {today}")) && text.contains("Gift card US"),
        "{text}"
    );

    // Sent once: not by the next round, nor by a restarted instance (a new holder, the same
    // database), nor an hour later.
    assert_eq!(run(&editor).await.1["sent"], json!([]));
    let restarted = config_with("sqlite://unused", 1000, &[("RTBCAT_SMTP_URL", smtp.clone())]);
    let round = rtbcat_app::popups::reports::send_due(&app.store, &restarted, app.clock.as_ref(), "after-restart")
        .await
        .expect("round");
    assert!(round.sent.is_empty() && round.failed.is_empty(), "{round:?}");
    app.clock.advance(3600);
    assert_eq!(run(&editor).await.1["sent"], json!([]));
    assert_eq!(mails(&received).len(), 1, "nothing sent twice");

    // A send cut off mid-way (claimed, never finished) is shown as interrupted and not sent
    // again by itself: the mail may have left.
    let tomorrow = today.next_day().expect("day");
    assert!(app
        .store
        .claim_report(id, tomorrow.to_string(), app.clock.unix() + 86_400)
        .await
        .expect("claim"));
    app.clock.advance(86_400 + 700);
    assert_eq!(run(&editor).await.1["sent"], json!([]));
    assert_eq!(mails(&received).len(), 1);
    let (_, schedules) = send(editor.get(app.url("/api/report-schedules"))).await;
    let deliveries = &schedules[0]["deliveries"];
    assert_eq!(deliveries[0]["period"], tomorrow.to_string());
    assert_eq!(deliveries[0]["status"], "interrupted", "{deliveries}");
    assert_eq!(deliveries[1]["status"], "sent");

    // Send now, by hand: a delivery of its own.
    let (status, delivery) = send(editor.post(app.url(&format!("/api/report-schedules/{id}/send")))).await;
    assert_eq!((status, delivery["status"].as_str()), (200, Some("sent")), "{delivery}");
    assert_eq!(mails(&received).len(), 2);

    // The page lists it; delete removes it and its log.
    let page = crate::support::browser();
    crate::auth::sign_in(&app, &page, "editor@example.com").await;
    let html = page
        .get(app.url("/app/popups/reports"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("ops@example.com, ceo@example.com") && html.contains("interrupted"),
        "{html}"
    );
    let (status, _) = send(editor.post(app.url(&format!("/api/report-schedules/{id}/delete")))).await;
    assert_eq!(status, 204);
    let (_, schedules) = send(editor.get(app.url("/api/report-schedules"))).await;
    assert_eq!(schedules, json!([]));
}

#[tokio::test]
async fn reports_on_sqlite() {
    reports_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn reports_on_postgres() {
    reports_scenario(Backend::Postgres).await;
}

/// A server that cannot be reached: the delivery fails with the reason, is not retried
/// before ten minutes, then is, three times in all.
#[tokio::test]
async fn a_failed_report_is_retried_three_times() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = closed.local_addr().expect("addr");
    drop(closed);
    let app = spawn_app_configured(
        Backend::Sqlite,
        1000,
        &[("RTBCAT_SMTP_URL", format!("smtp://{address}"))],
    )
    .await;
    let (editor, _) = setup(&app).await;
    let (_, schedule) = send(editor.post(app.url("/api/report-schedules")).json(&json!({
        "frequency": "daily", "hour_utc": 0, "recipients": ["ops@example.com"]
    })))
    .await;
    assert_eq!(schedule["property"], Value::Null, "every property");
    app.clock.advance(86_400);
    let attempts = |schedules: &Value| schedules[0]["deliveries"][0]["attempts"].as_i64();
    for attempt in 1..=3 {
        let (_, round) = send(editor.post(app.url("/api/report-schedules/run"))).await;
        assert_eq!(round["failed"].as_array().map(Vec::len), Some(1), "{round}");
        let (_, schedules) = send(editor.get(app.url("/api/report-schedules"))).await;
        assert_eq!(attempts(&schedules), Some(attempt));
        assert_eq!(schedules[0]["deliveries"][0]["status"], "failed");
        assert!(schedules[0]["deliveries"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("SMTP") && !e.contains(&address.to_string())));
        let (_, again) = send(editor.post(app.url("/api/report-schedules/run"))).await;
        assert_eq!(again["failed"], json!([]), "not again within ten minutes");
        app.clock.advance(601);
    }
    let (_, round) = send(editor.post(app.url("/api/report-schedules/run"))).await;
    assert_eq!(round["failed"], json!([]), "three attempts in all");
}
