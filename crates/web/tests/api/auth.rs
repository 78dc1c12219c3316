//! Who may do what: 401s, redirects, roles, first-run setup, login rate limiting, CSRF.

use crate::support::{browser, spawn_app, spawn_app_with, Backend, TestApp, PASSWORD};
use rtbcat_core::platform::accounts::Role;
use serde_json::Value;

/// Sign in through the login form, as a browser would (same-origin `Origin` header).
pub async fn sign_in(app: &TestApp, client: &reqwest::Client, email: &str) {
    let response = client
        .post(app.url("/login"))
        .header("Origin", &app.base)
        .form(&[("email", email), ("password", PASSWORD), ("next", "/app/creatives")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303, "login redirects");
    assert_eq!(
        response.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/app/creatives")
    );
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn protected_routes_need_credentials() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("someone@example.com", Role::Viewer).await;
    let anonymous = browser();
    for path in ["/stats", "/sizes", "/seats", "/creatives", "/creatives/x", "/api/me"] {
        let response = anonymous.get(app.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 401, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "unauthorized", "{path}");
    }
    let response = anonymous
        .post(app.url("/api/creatives/import"))
        .body("[]")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    for path in ["/app/creatives", "/app/seats/1/creatives/2"] {
        let response = anonymous.get(app.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 303, "{path}");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(location.starts_with("/login?next="), "{path} → {location}");
    }
    let wrong_token = reqwest::Client::new()
        .get(app.url("/creatives"))
        .bearer_auth("rtbcat_not-a-real-token")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_token.status(), 401);
}

#[tokio::test]
async fn viewers_read_but_cannot_write() {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        viewer.get(app.url("/creatives")).send().await.expect("list").status(),
        200
    );
    let response = viewer
        .post(app.url("/api/creatives/import"))
        .body("[]")
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "forbidden");
    let me: Value = viewer
        .get(app.url("/api/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "viewer");
}

#[tokio::test]
async fn sessions_work_and_cross_site_writes_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("ed@example.com", Role::Editor).await;
    let client = browser();
    sign_in(&app, &client, "ed@example.com").await;
    assert_eq!(
        client.get(app.url("/creatives")).send().await.expect("api").status(),
        200,
        "session works on the API"
    );
    assert_eq!(
        client
            .get(app.url("/app/creatives"))
            .send()
            .await
            .expect("page")
            .status(),
        200
    );

    let cross_site = client
        .post(app.url("/api/creatives/import"))
        .header("Origin", "https://evil.example")
        .body("[]")
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site.status(), 403);
    let no_origin = client
        .post(app.url("/api/creatives/import"))
        .body("[]")
        .send()
        .await
        .expect("post");
    assert_eq!(no_origin.status(), 403, "cookie-authenticated writes need an Origin");
    let same_site = client
        .post(app.url("/api/creatives/import"))
        .header("Origin", &app.base)
        .body("[]")
        .send()
        .await
        .expect("post");
    assert_eq!(same_site.status(), 200);

    let logout = client
        .post(app.url("/logout"))
        .header("Origin", &app.base)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    assert_eq!(
        client.get(app.url("/creatives")).send().await.expect("api").status(),
        401,
        "session ended"
    );
}

#[tokio::test]
async fn login_redirects_only_to_local_paths() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("ed@example.com", Role::Editor).await;
    for next in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let response = browser()
            .post(app.url("/login"))
            .header("Origin", &app.base)
            .form(&[("email", "ed@example.com"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .expect("login");
        assert_eq!(
            response.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/app/creatives"),
            "{next}"
        );
    }
}

#[tokio::test]
async fn login_is_rate_limited_per_client() {
    let app = spawn_app_with(Backend::Sqlite, 3).await;
    app.add_user("ed@example.com", Role::Editor).await;
    let client = browser();
    let attempt = || async {
        client
            .post(app.url("/login"))
            .header("Origin", &app.base)
            .form(&[("email", "ed@example.com"), ("password", "wrong password!")])
            .send()
            .await
            .expect("login")
    };
    for _ in 0..3 {
        assert_eq!(attempt().await.status(), 401);
    }
    let limited = attempt().await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    // Even the right password waits: the limit is per client, not per outcome.
    let right = client
        .post(app.url("/login"))
        .header("Origin", &app.base)
        .form(&[("email", "ed@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(right.status(), 429);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("ed@example.com", Role::Editor).await;
    let credentials = app
        .store
        .user_credentials("ed@example.com".into())
        .await
        .expect("query")
        .expect("user");
    assert!(
        credentials.password_hash.starts_with("$argon2id$"),
        "{}",
        credentials.password_hash
    );
    assert!(!credentials.password_hash.contains(PASSWORD));
}

#[tokio::test]
async fn first_run_setup_creates_one_admin_then_closes() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = browser();
    let home = client.get(app.url("/")).send().await.expect("home");
    assert_eq!(
        home.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/setup")
    );
    assert_eq!(client.get(app.url("/setup")).send().await.expect("setup").status(), 200);

    let weak = client
        .post(app.url("/setup"))
        .header("Origin", &app.base)
        .form(&[("email", "admin@example.com"), ("password", "short")])
        .send()
        .await
        .expect("setup");
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.expect("html").contains("at least 10 characters"));

    let created = client
        .post(app.url("/setup"))
        .header("Origin", &app.base)
        .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("setup");
    assert_eq!(created.status(), 303);
    assert_eq!(
        created.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/app/welcome"),
        "first run lands on the getting-started checklist"
    );
    let welcome = client.get(app.url("/app/welcome")).send().await.expect("welcome");
    let welcome = welcome.text().await.expect("html");
    assert!(
        welcome.contains("0 of 7 done") && welcome.contains("Load your creatives"),
        "{welcome}"
    );
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "admin", "setup signs the admin in");

    let again = browser()
        .post(app.url("/setup"))
        .header("Origin", &app.base)
        .form(&[("email", "intruder@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("setup");
    assert_eq!(
        again.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    assert_eq!(
        rtbcat_app::platform::accounts::list_users(&app.store)
            .await
            .expect("users")
            .len(),
        1,
        "setup never runs twice"
    );
    let page = browser().get(app.url("/setup")).send().await.expect("setup");
    assert_eq!(page.status(), 303);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn accounts_on_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        viewer.get(app.url("/creatives")).send().await.expect("list").status(),
        200
    );
    assert_eq!(
        viewer
            .post(app.url("/api/creatives/import"))
            .body("[]")
            .send()
            .await
            .expect("import")
            .status(),
        403
    );
    app.add_user("ed@example.com", Role::Editor).await;
    let client = browser();
    sign_in(&app, &client, "ed@example.com").await;
    assert_eq!(client.get(app.url("/api/me")).send().await.expect("me").status(), 200);
    let duplicate =
        rtbcat_app::platform::accounts::create_user(&app.store, "ed@example.com", PASSWORD, Role::Viewer, "test", 0)
            .await;
    assert!(matches!(
        duplicate,
        Err(rtbcat_app::platform::accounts::AuthError::Exists(_))
    ));
    let first_admin =
        rtbcat_app::platform::accounts::setup_first_admin(&app.store, "late@example.com", PASSWORD, 0).await;
    assert!(matches!(
        first_admin,
        Err(rtbcat_app::platform::accounts::AuthError::SetupDone)
    ));
}

#[tokio::test]
async fn admins_read_the_audit_log_others_do_not() {
    let app = spawn_app(Backend::Sqlite).await;
    let viewer = app.client_as(Role::Viewer).await;
    assert_eq!(
        viewer.get(app.url("/api/audit")).send().await.expect("audit").status(),
        403
    );
    let editor = app.client_as(Role::Editor).await;
    assert_eq!(
        editor.get(app.url("/api/audit")).send().await.expect("audit").status(),
        403
    );
    let import = editor
        .post(app.url("/api/creatives/import?name=some.json"))
        .body("[]")
        .send()
        .await
        .expect("import");
    assert_eq!(import.status(), 200);
    let admin = app.client_as(Role::Admin).await;
    let entries: Value = admin
        .get(app.url("/api/audit?limit=50"))
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let actions: Vec<&str> = entries
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["creatives.import", "token.create", "user.create"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert_eq!(
        admin
            .get(app.url("/api/audit?limit=0"))
            .send()
            .await
            .expect("audit")
            .status(),
        400
    );
}
