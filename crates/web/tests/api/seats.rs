//! Live Authorized Buyers against the local fake Google (`rtbcat_web::dev::fake_google`),
//! which checks every JWT it gets: discovery, paged creative syncs into the catalog, 429
//! with Retry-After, an expired token, a page that keeps failing and the resumed sync, the
//! seat lease, keys that never come back out; on both engines.

use crate::support::{spawn_app_configured, Backend, TestApp, NOW};
use rtbcat_core::platform::accounts::Role;
use rtbcat_web::dev::fake_google::{state_with, FakeGoogle, Fault};
use serde_json::Value;

const SEAT_A: &str = "1234567";
const SEAT_B: &str = "7654321";

async fn fake_with_demo(creatives: usize) -> (FakeGoogle, usize, usize) {
    let document = rtbcat_app::bidder::demo::creatives_document(7, creatives);
    let list = document["creatives"].as_array().cloned().expect("creatives");
    let count = |seat: &str| {
        list.iter()
            .filter(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("buyers/{seat}/")))
            })
            .count()
    };
    let (a, b) = (count(SEAT_A), count(SEAT_B));
    let state = state_with("9000001", &rtbcat_app::bidder::demo::SEATS, list);
    let (fake, _) = FakeGoogle::start("127.0.0.1:0", state).await.expect("fake google");
    (fake, a, b)
}

async fn app_for(backend: Backend, fake: &FakeGoogle, data_dir: &std::path::Path) -> TestApp {
    let key_file = data_dir.join("configured-key.json");
    std::fs::write(&key_file, fake.key_json()).expect("key file");
    spawn_app_configured(
        backend,
        1000,
        &[
            ("RTBCAT_DATA_DIR", data_dir.display().to_string()),
            ("RTBCAT_GOOGLE_KEY_FILE", key_file.display().to_string()),
            ("RTBCAT_GOOGLE_API_URL", fake.api_url()),
            ("RTBCAT_GOOGLE_MAX_ATTEMPTS", "3".into()),
            ("RTBCAT_GOOGLE_REQUESTS_PER_SECOND", "200".into()),
        ],
    )
    .await
}

async fn post(client: &reqwest::Client, url: String) -> (u16, Value) {
    let response = client.post(url).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    client
        .get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// One seat as `GET /seats` lists it.
async fn seat(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    get(client, app.url("/seats"))
        .await
        .as_array()
        .and_then(|seats| seats.iter().find(|s| s["buyer_id"] == id).cloned())
        .expect("the seat is listed")
}

async fn catalog_count(app: &TestApp, client: &reqwest::Client, seat: &str) -> i64 {
    get(
        client,
        app.url(&format!("/creatives?seat={seat}&slim=true&page_size=1")),
    )
    .await["total"]
        .as_i64()
        .expect("total")
}

async fn seats_scenario(backend: Backend) {
    // 2,300 creatives: seat B spans several 1,000-creative pages.
    let (fake, in_a, in_b) = fake_with_demo(2300).await;
    assert!(in_b > 1000 && in_a > 0, "{in_a} / {in_b}");
    let data_dir = tempfile::tempdir().expect("data dir");
    let app = app_for(backend, &fake, data_dir.path()).await;
    let editor = app.client_as(Role::Editor).await;
    let viewer = app.client_as(Role::Viewer).await;

    // Discovery: viewers may not; editors find both seats with Google's counts.
    assert_eq!(post(&viewer, app.url("/seats/discover")).await.0, 403);
    let (status, report) = post(&editor, app.url("/seats/discover")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["found"], 2);
    let seats = report["seats"].as_array().expect("seats");
    let seat_b = seats.iter().find(|s| s["buyer_id"] == SEAT_B).expect("seat B");
    assert_eq!(seat_b["bidder_account_id"], "9000001");
    assert_eq!(seat_b["active_creative_count"], in_b as i64);
    assert_eq!(seat_b["creative_count"], 0);
    assert!(fake.state.lock().expect("test step").refused_assertions.is_empty());
    assert_eq!(fake.tokens_issued(), 1, "one token, cached for the second call");

    // A 429 with Retry-After is waited out; the sync completes.
    fake.push_fault(Fault::Status {
        code: 429,
        retry_after: Some(1),
    });
    let (status, run) = post(&editor, app.url(&format!("/seats/{SEAT_A}/sync"))).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        (run["status"].as_str(), run["inserted"].as_i64()),
        (Some("done"), Some(in_a as i64))
    );
    // The sync asks buyers.get first: that call got the 429, and its retry went through.
    let seen = fake.seen();
    let buyer_calls: Vec<u16> = seen
        .iter()
        .filter(|s| s.path == format!("buyers/{SEAT_A}"))
        .map(|s| s.status)
        .collect();
    assert_eq!(buyer_calls, [429, 200]);
    let creatives_calls: Vec<_> = seen.iter().filter(|s| s.path.ends_with("/creatives")).collect();
    assert_eq!(creatives_calls.len(), in_a.div_ceil(1000), "every page once");
    assert!(creatives_calls
        .iter()
        .all(|c| c.query.get("view").map(String::as_str) == Some("FULL")));
    assert_eq!(catalog_count(&app, &editor, SEAT_A).await, in_a as i64);

    // Again: nothing new, everything unchanged (the file import's semantics).
    let (_, again) = post(&editor, app.url(&format!("/seats/{SEAT_A}/sync"))).await;
    assert_eq!(
        (again["inserted"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(in_a as i64))
    );

    // An expired token is renewed once, with a fresh signed assertion.
    let issued = fake.tokens_issued();
    fake.push_fault(Fault::ExpireTokens);
    let (_, renewed) = post(&editor, app.url(&format!("/seats/{SEAT_A}/sync"))).await;
    assert_eq!(renewed["status"], "done", "{renewed}");
    assert_eq!(fake.tokens_issued(), issued + 1);

    // Page 2 of seat B fails more often than we retry: the run fails after page 1 and says so.
    fake.push_fault(Fault::FailPage { page: 2, times: 3 });
    let (status, failed) = post(&editor, app.url(&format!("/seats/{SEAT_B}/sync"))).await;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["pages"], 1);
    assert_eq!(failed["resumable"], true);
    assert!(failed["error"].as_str().unwrap_or("").contains("500"), "{failed}");
    assert_eq!(catalog_count(&app, &editor, SEAT_B).await, 1000);
    let b = seat(&app, &editor, SEAT_B).await;
    assert!(b["last_sync_error"].as_str().is_some_and(|e| e.contains("500")), "{b}");

    // The next sync takes up at page 2 and finishes; the seat's error clears.
    let before = fake.seen().len();
    let (_, resumed) = post(&editor, app.url(&format!("/seats/{SEAT_B}/sync"))).await;
    assert_eq!(resumed["status"], "done", "{resumed}");
    assert_eq!(resumed["resumed_from"], failed["id"]);
    let first_call = fake.seen()[before..]
        .iter()
        .find(|s| s.path.ends_with("/creatives"))
        .cloned()
        .expect("a creatives call");
    assert_eq!(first_call.query.get("pageToken").map(String::as_str), Some("p1000"));
    assert_eq!(catalog_count(&app, &editor, SEAT_B).await, in_b as i64);
    let b = seat(&app, &editor, SEAT_B).await;
    assert_eq!(
        (b["creative_count"].as_i64(), &b["last_sync_error"]),
        (Some(in_b as i64), &Value::Null)
    );

    // History, newest first.
    let runs = get(&editor, app.url(&format!("/seats/syncs?buyer_id={SEAT_B}"))).await;
    let statuses: Vec<&str> = runs
        .as_array()
        .expect("test step")
        .iter()
        .map(|r| r["status"].as_str().expect("test step"))
        .collect();
    assert_eq!(statuses, ["done", "failed"]);
    assert_eq!(
        get(&editor, app.url("/seats/syncs?limit=0")).await["error"],
        "invalid_parameter"
    );

    // Another holder has the seat: 409, nothing runs.
    assert!(app
        .store
        .take_lease(format!("sync/{SEAT_A}"), "elsewhere".into(), NOW, i64::MAX)
        .await
        .expect("test step"));
    assert_eq!(post(&editor, app.url(&format!("/seats/{SEAT_A}/sync"))).await.0, 409);
    // Unknown seats are named.
    let (status, body) = post(&editor, app.url("/seats/999/sync")).await;
    assert_eq!(status, 404, "{body}");

    // A scheduled round (what `rtbcat serve` runs every interval) syncs every seat it may:
    // seat B runs as "schedule"; seat A, held elsewhere, is skipped, not run twice.
    let config = crate::support::config_with(
        "sqlite://unused",
        1000,
        &[
            ("RTBCAT_DATA_DIR", data_dir.path().display().to_string()),
            (
                "RTBCAT_GOOGLE_KEY_FILE",
                data_dir.path().join("configured-key.json").display().to_string(),
            ),
            ("RTBCAT_GOOGLE_API_URL", fake.api_url()),
        ],
    );
    let api = rtbcat_app::bidder::google::GoogleApi::new(&config.google);
    let clock = rtbcat_app::clock::FixedClock::at(NOW);
    rtbcat_app::bidder::google::scheduled_sync(
        &app.store,
        &api,
        &config,
        &clock,
        &rtbcat_app::platform::metrics::Metrics::new(),
    )
    .await;
    let runs = get(&editor, app.url("/seats/syncs")).await;
    let scheduled: Vec<&str> = runs
        .as_array()
        .expect("runs")
        .iter()
        .filter(|r| r["actor"] == "schedule")
        .map(|r| r["buyer_id"].as_str().expect("seat"))
        .collect();
    assert_eq!(scheduled, [SEAT_B], "{runs}");

    // Keys: admins only; a bad key is refused by field; a good one is kept 0600 and never shown.
    let admin = app.client_as(Role::Admin).await;
    assert_eq!(
        editor
            .get(app.url("/seats/keys"))
            .send()
            .await
            .expect("test step")
            .status(),
        403
    );
    let refused = admin
        .post(app.url("/seats/keys"))
        .body(r#"{"type":"service_account","client_email":"x@y","private_key":"nope"}"#)
        .send()
        .await
        .expect("test step");
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("test step").contains("private_key"));
    let added = admin
        .post(app.url("/seats/keys"))
        .body(fake.key_json())
        .send()
        .await
        .expect("test step");
    assert_eq!(added.status(), 201);
    let added = added.text().await.expect("test step");
    assert!(
        added.contains("rtbcat-dev@") && !added.contains("PRIVATE KEY"),
        "{added}"
    );
    let stored = std::fs::read_dir(data_dir.path().join("google-keys"))
        .expect("test step")
        .next()
        .expect("test step")
        .expect("test step");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            stored.metadata().expect("test step").permissions().mode() & 0o777,
            0o600
        );
    }
    let keys = admin
        .get(app.url("/seats/keys"))
        .send()
        .await
        .expect("test step")
        .text()
        .await
        .expect("test step");
    assert!(keys.contains("rtbcat-dev@") && !keys.contains("PRIVATE KEY"), "{keys}");
    // The page lists the seats and the key.
    let browser = crate::ui::signed_in(&app, Role::Editor).await;
    let page = browser
        .get(app.url("/app/seats"))
        .send()
        .await
        .expect("test step")
        .text()
        .await
        .expect("test step");
    assert!(
        page.contains("Commerce Growth Seat") && page.contains("Sync now"),
        "{}",
        &page[page.len().saturating_sub(3000)..]
    );
}

#[tokio::test]
async fn seats_on_sqlite() {
    seats_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn seats_on_postgres() {
    seats_scenario(Backend::Postgres).await;
}

/// Without a key, discovery says what to set; a key the token endpoint refuses is named.
#[tokio::test]
async fn missing_and_refused_keys_are_named() {
    let app = spawn_app_configured(Backend::Sqlite, 1000, &[]).await;
    let editor = app.client_as(Role::Editor).await;
    let (status, body) = post(&editor, app.url("/seats/discover")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"]
        .as_str()
        .expect("test step")
        .contains("RTBCAT_GOOGLE_KEY_FILE"));

    // A token URL the fake does not answer for: the audience check refuses the assertion.
    let (fake, _, _) = fake_with_demo(10).await;
    let data_dir = tempfile::tempdir().expect("test step");
    let key_file = data_dir.path().join("key.json");
    std::fs::write(&key_file, fake.key_json()).expect("test step");
    let app = spawn_app_configured(
        Backend::Sqlite,
        1000,
        &[
            ("RTBCAT_DATA_DIR", data_dir.path().display().to_string()),
            ("RTBCAT_GOOGLE_KEY_FILE", key_file.display().to_string()),
            ("RTBCAT_GOOGLE_API_URL", fake.api_url()),
            ("RTBCAT_GOOGLE_TOKEN_URL", format!("{}/token?other", fake.base_url)),
        ],
    )
    .await;
    let editor = app.client_as(Role::Editor).await;
    let (status, body) = post(&editor, app.url("/seats/discover")).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "google_token_refused");
    let refused = fake.state.lock().expect("test step").refused_assertions.clone();
    assert_eq!(refused.len(), 1);
    assert!(refused[0].to_lowercase().contains("aud"), "{refused:?}");
    assert!(!body.to_string().contains("PRIVATE KEY"));
}
