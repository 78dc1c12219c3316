//! Alerts against a local webhook receiver and a local SMTP server: a condition is sent once
//! to each channel until it clears, clearing is sent too, a failing webhook is retried and
//! logged, rules are validated; on both engines.

use crate::support::{smtp_server, spawn_app_configured, Backend, Received};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};
use std::sync::Arc;

/// A webhook receiver: `/ok` keeps the bodies, `/broken` answers 500.
async fn webhook_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    async fn ok(State(r): State<Received>, Json(body): Json<Value>) -> StatusCode {
        r.lock()
            .expect("lock")
            .push(body["text"].as_str().unwrap_or("").to_string());
        StatusCode::OK
    }
    async fn broken(State(r): State<Received>) -> StatusCode {
        r.lock().expect("lock").push("broken".into());
        StatusCode::INTERNAL_SERVER_ERROR
    }
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/broken", post(broken))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), received)
}

async fn alerts_scenario(backend: Backend) {
    let (hooks, webhook_bodies) = webhook_receiver().await;
    let (smtp, mails) = smtp_server().await;
    let app = spawn_app_configured(
        backend,
        1000,
        &[
            ("RTBCAT_SMTP_URL", smtp),
            ("RTBCAT_SMTP_FROM", "rtbcat <alerts@example.com>".into()),
        ],
    )
    .await;
    app.load_demo(rtbcat_app::bidder::demo::DEFAULT_SEED, 652, 200_000)
        .await;
    let editor = app.client_as(Role::Editor).await;
    let send = crate::popups::send;

    // Validation names the fields.
    let (status, body) = send(editor.post(app.url("/alerts/rules")).json(&json!({
        "name": "", "kind": "moon_phase", "webhook_url": "ftp://x", "email": "not-an-address"
    })))
    .await;
    assert_eq!(status, 422, "{body}");
    let fields = crate::popups::error_fields(&body);
    assert_eq!(fields, vec!["name", "kind", "webhook_url", "email"]);
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        send(
            viewer
                .post(app.url("/alerts/rules"))
                .json(&json!({"name": "x", "kind": "cpc_spike"}))
        )
        .await
        .0,
        403
    );

    let (status, rule) = send(editor.post(app.url("/alerts/rules")).json(&json!({
        "name": "New pockets", "kind": "new_opportunity",
        "webhook_url": format!("{hooks}/ok"), "email": "ops@example.com"
    })))
    .await;
    assert_eq!(status, 201, "{rule}");
    let (status, broken) = send(editor.post(app.url("/alerts/rules")).json(&json!({
        "name": "Broken hook", "kind": "new_opportunity", "webhook_url": format!("{hooks}/broken")
    })))
    .await;
    assert_eq!(status, 201, "{broken}");

    // The demo's three planted opportunities: sent once to each channel.
    let (status, report) = send(editor.post(app.url("/alerts/evaluate"))).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ran"].as_bool(), report["fired"].as_u64()),
        (Some(true), Some(6)),
        "{report}"
    );
    assert_eq!(report["deliveries"], 9, "3 webhook + 3 e-mail + 3 to the broken hook");
    assert_eq!(report["failed_deliveries"], 3);
    {
        let hooks = webhook_bodies.lock().expect("lock");
        let ok: Vec<&String> = hooks
            .iter()
            .filter(|b| b.starts_with("[rtbcat] New pockets: New opportunity"))
            .collect();
        assert_eq!(ok.len(), 3, "{hooks:?}");
        assert_eq!(
            hooks.iter().filter(|b| *b == "broken").count(),
            9,
            "three attempts for each of three"
        );
    }
    assert_eq!(mails.lock().expect("lock").len(), 3);
    assert!(mails.lock().expect("lock")[0].contains("Subject: [rtbcat] New pockets"));

    // Again: nothing new.
    let (_, again) = send(editor.post(app.url("/alerts/evaluate"))).await;
    assert_eq!(
        (again["fired"].as_u64(), again["deliveries"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );

    // One opportunity is dismissed: that condition clears, and the clearing is sent.
    let (_, list) = send(viewer.get(app.url("/opportunities"))).await;
    let id = list["opportunities"][0]["id"].as_str().expect("id").to_string();
    send(
        editor
            .post(app.url(&format!("/opportunities/{id}/state")))
            .json(&json!({"state": "dismissed"})),
    )
    .await;
    let (_, cleared) = send(editor.post(app.url("/alerts/evaluate"))).await;
    assert_eq!(cleared["cleared"], 2, "{cleared}");
    assert!(webhook_bodies
        .lock()
        .expect("lock")
        .iter()
        .any(|b| b.starts_with("[rtbcat] New pockets: Cleared: New opportunity")));

    // The rules show what fires; the log keeps every attempt.
    let (_, rules) = send(viewer.get(app.url("/alerts/rules"))).await;
    assert_eq!(rules[0]["active"].as_array().map(Vec::len), Some(2));
    let (_, log) = send(viewer.get(app.url("/alerts/deliveries"))).await;
    let failed = log
        .as_array()
        .expect("log")
        .iter()
        .find(|d| d["status"] == "failed")
        .expect("a failed delivery");
    assert_eq!(failed["attempts"], 3);
    assert!(failed["error"].as_str().expect("error").contains("500"));
    let (status, _) = send(editor.post(app.url(&format!("/alerts/rules/{}/delete", broken["id"])))).await;
    assert_eq!(status, 204);
    let audit = app.store.recent_audit(50).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "alerts.delete"));

    // One evaluator at a time: while another instance holds the lease, this one waits.
    let now = crate::support::NOW;
    let taken = app
        .store
        .take_lease("alerts".into(), "another-instance".into(), now, now + 60)
        .await;
    assert!(taken.expect("lease"));
    let (_, skipped) = send(editor.post(app.url("/alerts/evaluate"))).await;
    assert_eq!(skipped["ran"], false, "{skipped}");
}

#[tokio::test]
async fn alerts_on_sqlite() {
    alerts_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn alerts_on_postgres() {
    alerts_scenario(Backend::Postgres).await;
}
