//! Finding 6 of the security review: API tokens can be listed, scoped, expired and
//! revoked; users disabled, re-roled and reset — on both backends.

use crate::auth::sign_in;
use crate::popups::send;
use crate::support::{browser, spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::json;

async fn tokens_and_accounts_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.client_as(Role::Admin).await;
    app.add_user("ed@example.com", Role::Editor).await;
    let ed_token = app.token_for("ed@example.com", Default::default()).await;
    let ed = TestApp::bearer(&ed_token);

    // Ed creates a read-only token for a script; it reads but cannot write.
    let (status, created) = send(ed.post(app.url("/api/tokens")).json(&json!({
        "label": "dashboard", "scope": "viewer", "expires_in_days": 30
    })))
    .await;
    assert_eq!(status, 201, "{created}");
    let read_only = TestApp::bearer(created["token"].as_str().expect("token"));
    assert_eq!(created["info"]["scope"], "viewer");
    assert_eq!(
        created["info"]["expires_at"].as_i64(),
        Some(crate::support::NOW + 30 * 86_400)
    );
    let (status, me) = send(read_only.get(app.url("/api/me"))).await;
    assert_eq!((status, me["role"].clone()), (200, json!("viewer")), "{me}");
    let (status, _) = send(
        read_only
            .post(app.url("/api/properties"))
            .json(&json!({"code": "x1", "name": "X", "domains": ["x.example"]})),
    )
    .await;
    assert_eq!(status, 403, "a viewer-scoped token cannot write");
    // A scope above the owner's role is refused.
    let (status, body) = send(ed.post(app.url("/api/tokens")).json(&json!({"scope": "admin"}))).await;
    assert_eq!(status, 400, "{body}");

    // Ed lists only his tokens; the admin lists all. No token text in either.
    let (_, mine) = send(ed.get(app.url("/api/tokens"))).await;
    let mine = mine.as_array().cloned().unwrap_or_default();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine
        .iter()
        .all(|t| t["user_email"] == "ed@example.com" && t.get("token").is_none()));
    let (_, all) = send(admin.get(app.url("/api/tokens"))).await;
    assert!(all.as_array().map_or(0, Vec::len) >= 3, "{all}");

    // Ed cannot revoke the admin's token; he revokes his own and it stops at once.
    let admin_token_id = all
        .as_array()
        .and_then(|a| a.iter().find(|t| t["user_email"] == "admin@example.com"))
        .and_then(|t| t["id"].as_i64())
        .expect("admin token");
    let (status, _) = send(ed.delete(app.url(&format!("/api/tokens/{admin_token_id}")))).await;
    assert_eq!(status, 404);
    let read_only_id = created["info"]["id"].as_i64().expect("id");
    let (status, _) = send(ed.delete(app.url(&format!("/api/tokens/{read_only_id}")))).await;
    assert_eq!(status, 200);
    let (status, _) = send(read_only.get(app.url("/api/me"))).await;
    assert_eq!(status, 401, "a revoked token stops working");

    // An expired token stops working.
    let short = app
        .token_for(
            "ed@example.com",
            rtbcat_app::platform::accounts::TokenOptions {
                label: "short".into(),
                scope: None,
                expires_in_days: Some(1),
            },
        )
        .await;
    let lookup = |now| rtbcat_app::platform::accounts::api_token_user(&app.store, &short, now);
    assert!(
        lookup(crate::support::NOW + 86_401).await.expect("lookup").is_none(),
        "expired"
    );
    assert!(lookup(crate::support::NOW + 60).await.expect("lookup").is_some());

    // The admin re-roles, disables and resets Ed.
    let (_, users) = send(admin.get(app.url("/api/users"))).await;
    let ed_id = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == "ed@example.com"))
        .and_then(|u| u["id"].as_i64())
        .expect("ed");
    let (status, _) = send(ed.get(app.url("/api/users"))).await;
    assert_eq!(status, 403, "editors do not manage users");
    let (status, changed) = send(
        admin
            .patch(app.url(&format!("/api/users/{ed_id}")))
            .json(&json!({"role": "viewer"})),
    )
    .await;
    assert_eq!((status, changed["role"].clone()), (200, json!("viewer")), "{changed}");
    let (_, me) = send(ed.get(app.url("/api/me"))).await;
    assert_eq!(me["role"], "viewer", "the new role applies at once");
    let cookie_client = browser();
    sign_in(&app, &cookie_client, "ed@example.com").await;
    let (status, changed) = send(
        admin
            .patch(app.url(&format!("/api/users/{ed_id}")))
            .json(&json!({"disabled": true})),
    )
    .await;
    assert_eq!((status, changed["disabled"].clone()), (200, json!(true)), "{changed}");
    let (status, _) = send(ed.get(app.url("/api/me"))).await;
    assert_eq!(status, 401, "a disabled user's token stops");
    let (status, _) = send(cookie_client.get(app.url("/api/me"))).await;
    assert_eq!(status, 401, "a disabled user's session ends");
    let (status, _) = send(
        admin
            .patch(app.url(&format!("/api/users/{ed_id}")))
            .json(&json!({"disabled": false, "password": "a brand new password"})),
    )
    .await;
    assert_eq!(status, 200);
    let response = browser()
        .post(app.url("/login"))
        .header("Origin", &app.base)
        .form(&[("email", "ed@example.com"), ("password", "a brand new password")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303, "the new password works");
    let (status, body) = send(
        admin
            .patch(app.url(&format!("/api/users/{ed_id}")))
            .json(&json!({"password": "short"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // The last active administrator cannot be demoted or disabled.
    let admin_id = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == "admin@example.com"))
        .and_then(|u| u["id"].as_i64())
        .expect("admin");
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        let (status, body) = send(admin.patch(app.url(&format!("/api/users/{admin_id}"))).json(&change)).await;
        assert_eq!(status, 409, "{change}: {body}");
    }
    let (_, me) = send(admin.get(app.url("/api/me"))).await;
    assert_eq!(me["role"], "admin", "nothing changed");
    let (status, _) = send(
        admin
            .patch(app.url("/api/users/999999"))
            .json(&json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, audit) = send(admin.get(app.url("/api/audit?limit=50"))).await;
    let actions: Vec<&str> = audit
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        actions.contains(&"token.revoke") && actions.contains(&"user.update"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn tokens_and_accounts_on_sqlite() {
    tokens_and_accounts_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL (RTBCAT_TEST_POSTGRES_URL); CI runs it"]
async fn tokens_and_accounts_on_postgres() {
    tokens_and_accounts_scenario(Backend::Postgres).await;
}
