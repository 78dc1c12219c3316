//! The authorisation matrix as a test: every route of the app (read from the router's
//! source, so a new route cannot slip by) × method × {anonymous, viewer, editor, admin}
//! against a real server, with the outcome written down once in `EXPECTED`. A route without
//! an entry, an entry without a route, or an outcome that changed fails the test.
//!
//! `RTBCAT_PRINT_MATRIX=1` prints the observed table instead of checking, to review and copy
//! when routes change.

use crate::support::{browser, spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use std::collections::BTreeSet;
use std::path::Path;

/// Who may use a route: `Public` is anyone (a bad request may still get a 4xx, never 401 or
/// 403 or the login page); the roles include the ones above them. Strangers get 401 from
/// the API and the login page from pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    Viewer,
    Editor,
    Admin,
    /// Refused to every role: guarded by its own secret instead (the shared postback secret),
    /// or closed for good (first-run setup once an administrator exists).
    NoRole,
}

use Access::*;

/// (method, route pattern, who may use it): the one place the matrix is written down.
const EXPECTED: &[(&str, &str, Access)] = &[
    ("DELETE", "/api/campaigns/{id}", Editor),
    ("DELETE", "/api/properties/{id}", Editor),
    ("DELETE", "/api/tokens/{id}", Viewer),
    ("GET", "/", Viewer),
    ("GET", "/alerts/deliveries", Viewer),
    ("GET", "/alerts/rules", Viewer),
    ("GET", "/analytics/funnel", Viewer),
    ("GET", "/analytics/size-coverage", Viewer),
    ("GET", "/analytics/waste", Viewer),
    ("GET", "/api/analytics/{property}", Viewer),
    ("GET", "/api/analytics/{property}/realtime", Viewer),
    ("GET", "/api/analytics/{property}/report.pdf", Viewer),
    ("GET", "/api/audit", Admin),
    ("GET", "/api/campaigns", Viewer),
    ("GET", "/api/experiments", Viewer),
    ("GET", "/api/experiments/{id}", Viewer),
    ("GET", "/api/experiments/{id}/report.pdf", Viewer),
    ("GET", "/api/me", Viewer),
    ("GET", "/api/networks", Editor),
    ("GET", "/api/offers/{property}", Public),
    ("GET", "/api/performance/imports", Viewer),
    ("GET", "/api/performance/metrics/{creative_id}", Viewer),
    ("GET", "/api/postback", NoRole),
    ("GET", "/api/postback/{network}", Public),
    ("GET", "/api/properties", Viewer),
    ("GET", "/api/properties/{id}/rotation", Viewer),
    ("GET", "/api/report-schedules", Viewer),
    ("GET", "/api/tokens", Viewer),
    ("GET", "/api/users", Admin),
    ("GET", "/app", Viewer),
    ("GET", "/app/alerts", Viewer),
    ("GET", "/app/audit", Admin),
    ("GET", "/app/campaigns", Viewer),
    ("GET", "/app/campaigns/{id}", Viewer),
    ("GET", "/app/creatives", Viewer),
    ("GET", "/app/creatives/export.csv", Viewer),
    ("GET", "/app/experiments", Viewer),
    ("GET", "/app/experiments/{id}", Viewer),
    ("GET", "/app/geography", Viewer),
    ("GET", "/app/import", Viewer),
    ("GET", "/app/import/sample.csv", Viewer),
    ("GET", "/app/import/{id}", Viewer),
    ("GET", "/app/offers", Viewer),
    ("GET", "/app/offers/new", Viewer),
    ("GET", "/app/offers/{id}", Viewer),
    ("GET", "/app/opportunities", Viewer),
    ("GET", "/app/popups/analytics", Viewer),
    ("GET", "/app/popups/analytics/realtime", Viewer),
    ("GET", "/app/popups/reports", Viewer),
    ("GET", "/app/pretargeting", Viewer),
    ("GET", "/app/properties", Viewer),
    ("GET", "/app/properties/{code}", Viewer),
    ("GET", "/app/properties/{code}/playground", Viewer),
    ("GET", "/app/queries", Viewer),
    ("GET", "/app/seats", Viewer),
    ("GET", "/app/seats/{seat}/creatives/{creative_id}", Viewer),
    ("GET", "/app/seats/{seat}/creatives/{creative_id}/preview", Viewer),
    ("GET", "/app/settings", Admin),
    ("GET", "/app/tokens", Viewer),
    ("GET", "/app/users", Admin),
    ("GET", "/app/waste", Viewer),
    ("GET", "/app/welcome", Viewer),
    ("GET", "/app/{*rest}", Viewer),
    ("GET", "/assets/{ASSET_VERSION}/app.css", Public),
    ("GET", "/assets/{ASSET_VERSION}/app.js", Public),
    ("GET", "/assets/{ASSET_VERSION}/docs.js", Public),
    ("GET", "/c/{token}", Public),
    ("GET", "/campaigns", Viewer),
    ("GET", "/campaigns/{id}", Viewer),
    ("GET", "/creatives", Viewer),
    ("GET", "/creatives/{creative_id}", Viewer),
    ("GET", "/docs", Public),
    ("GET", "/docs/", Public),
    ("GET", "/favicon.svg", Public),
    ("GET", "/health", Public),
    ("GET", "/insights/geographic", Viewer),
    ("GET", "/login", Public),
    ("GET", "/metrics", Admin),
    ("GET", "/openapi.json", Public),
    ("GET", "/opportunities", Viewer),
    ("GET", "/opportunities/{id}", Viewer),
    ("GET", "/ping", Public),
    ("GET", "/popup.js", Public),
    ("GET", "/pretargeting/configs", Viewer),
    ("GET", "/pretargeting/proposals", Viewer),
    ("GET", "/pretargeting/proposals/{id}", Viewer),
    ("GET", "/pretargeting/snapshots", Viewer),
    ("GET", "/queries/saved", Viewer),
    ("GET", "/seats", Viewer),
    ("GET", "/seats/keys", Admin),
    ("GET", "/seats/syncs", Viewer),
    ("GET", "/setup", NoRole),
    ("GET", "/sizes", Viewer),
    ("GET", "/stats", Viewer),
    ("PATCH", "/api/users/{id}", Admin),
    ("PATCH", "/campaigns/{id}", Editor),
    ("POST", "/alerts/evaluate", Editor),
    ("POST", "/alerts/rules", Editor),
    ("POST", "/alerts/rules/{id}/delete", Editor),
    ("POST", "/api/campaigns", Editor),
    ("POST", "/api/campaigns/{id}/{action}", Editor),
    ("POST", "/api/click", Public),
    ("POST", "/api/creatives/import", Editor),
    ("POST", "/api/experiments", Editor),
    ("POST", "/api/experiments/{id}/start", Editor),
    ("POST", "/api/experiments/{id}/stop", Editor),
    ("POST", "/api/impression", Public),
    ("POST", "/api/networks", Admin),
    ("POST", "/api/performance/import", Editor),
    ("POST", "/api/postback", NoRole),
    ("POST", "/api/postback/{network}", Public),
    ("POST", "/api/properties", Editor),
    ("POST", "/api/properties/{id}/rotation", Editor),
    ("POST", "/api/report-schedules", Editor),
    ("POST", "/api/report-schedules/run", Editor),
    ("POST", "/api/report-schedules/{id}/delete", Editor),
    ("POST", "/api/report-schedules/{id}/send", Editor),
    ("POST", "/api/tokens", Viewer),
    ("POST", "/api/users", Admin),
    ("POST", "/campaigns/cluster", Editor),
    ("POST", "/campaigns/split", Editor),
    ("POST", "/campaigns/{id}/creatives", Editor),
    ("POST", "/campaigns/{id}/merge", Editor),
    ("POST", "/login", Public),
    ("POST", "/opportunities/{id}/state", Editor),
    ("POST", "/pretargeting/configs/refresh", Editor),
    ("POST", "/pretargeting/guard", Editor),
    ("POST", "/pretargeting/proposals", Editor),
    ("POST", "/pretargeting/proposals/{id}/apply", Admin),
    ("POST", "/pretargeting/snapshots/{id}/rollback", Admin),
    ("POST", "/queries/run", Viewer),
    ("POST", "/queries/saved", Editor),
    ("POST", "/queries/saved/{id}/delete", Editor),
    ("POST", "/seats/discover", Editor),
    ("POST", "/seats/keys", Admin),
    ("POST", "/seats/{buyer_id}/sync", Editor),
    ("POST", "/setup", Public),
    ("PUT", "/api/campaigns/{id}", Editor),
    ("PUT", "/api/networks/{id}", Admin),
    ("PUT", "/api/properties/{id}", Editor),
    ("PUT", "/api/properties/{id}/rotation", Editor),
    ("PUT", "/api/report-schedules/{id}", Editor),
];

/// Every `(method, pattern)` the app's routers declare, from the source of `crates/web/src`
/// (the development fake Google, a separate server, is left out).
fn declared_routes() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "dev") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's arguments, up to its closing parenthesis.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &rest[..end];
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            for method in ["get", "post", "put", "delete", "patch"] {
                let used = call
                    .match_indices(&format!("{method}("))
                    .any(|(i, _)| i == 0 || !call[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
                if used {
                    routes.insert((method.to_ascii_uppercase(), path.to_string()));
                }
            }
        }
    }
    routes
}

/// A concrete path for a pattern: ids that do not exist, so nothing real is changed.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            "{action}" => "pause".to_string(),
            s if s.starts_with("{*") => "x".to_string(),
            s if s.starts_with('{') && (s.contains("id") || s.contains("seat")) => "999999".to_string(),
            s if s.starts_with('{') => "nope".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What a caller got: denied (401, 403, or a redirect to the login page) or let through.
async fn let_through(client: &reqwest::Client, app: &TestApp, method: &str, path: &str) -> (bool, u16) {
    let request = match method {
        "GET" => client.get(app.url(path)),
        "POST" => client.post(app.url(path)),
        "PUT" => client.put(app.url(path)),
        "DELETE" => client.delete(app.url(path)),
        _ => client.patch(app.url(path)),
    };
    let response = request
        .header("content-type", "application/json")
        .header("origin", &app.base)
        .body("{}")
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let to_login = status == 303
        && response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login"));
    (!(status == 401 || status == 403 || to_login), status)
}

#[tokio::test]
async fn every_route_has_its_access_written_down_and_kept() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut callers: Vec<(&str, reqwest::Client)> = vec![("anonymous", browser())];
    for role in [Role::Viewer, Role::Editor, Role::Admin] {
        let email = format!("{}-matrix@example.com", role.as_str());
        app.add_user(&email, role).await;
        // Pages take the session cookie, the API takes either: a signed-in browser covers both.
        let client = browser();
        crate::auth::sign_in(&app, &client, &email).await;
        callers.push((role.as_str(), client));
    }
    let routes = declared_routes();
    assert!(routes.len() > 100, "the route table was read: {}", routes.len());
    let printing = std::env::var("RTBCAT_PRINT_MATRIX").is_ok();
    let mut problems = Vec::new();
    let mut cells = 0;
    for (method, pattern) in &routes {
        // Signing out ends the session the next requests need: checked last, apart.
        if pattern == "/logout" {
            continue;
        }
        let path = concrete(pattern);
        let mut through = Vec::new();
        for (name, client) in &callers {
            let (ok, status) = let_through(client, &app, method, &path).await;
            through.push((*name, ok, status));
            cells += 1;
        }
        let observed = match through.iter().map(|t| t.1).collect::<Vec<_>>().as_slice() {
            [true, true, true, true] => Public,
            [false, true, true, true] => Viewer,
            [false, false, true, true] => Editor,
            [false, false, false, true] => Admin,
            [false, false, false, false] => NoRole,
            _ => {
                problems.push(format!("{method} {pattern}: an odd pattern {through:?}"));
                continue;
            }
        };
        if printing {
            println!("    (\"{method}\", \"{pattern}\", {observed:?}),");
            continue;
        }
        match EXPECTED.iter().find(|(m, p, _)| m == method && p == pattern) {
            None => problems.push(format!(
                "{method} {pattern}: no entry in EXPECTED (observed {observed:?})"
            )),
            Some((_, _, expected)) if *expected != observed => problems.push(format!(
                "{method} {pattern}: expected {expected:?}, observed {observed:?} {through:?}"
            )),
            Some(_) => {}
        }
    }
    for (method, pattern, _) in EXPECTED.iter().filter(|_| !printing) {
        if !routes.contains(&(method.to_string(), pattern.to_string())) {
            problems.push(format!("{method} {pattern}: in EXPECTED but no such route"));
        }
    }
    // Signing out: every caller may; afterwards a session is gone.
    let (_, status) = let_through(&callers[1].1, &app, "POST", "/logout").await;
    assert!(status < 400, "sign out: {status}");
    let (ok, _) = let_through(&callers[1].1, &app, "GET", "/api/me").await;
    assert!(!ok, "the session ended");
    println!(
        "authorisation matrix: {} routes × 4 callers = {cells} requests",
        routes.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
