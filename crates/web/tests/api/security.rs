//! The security and data-safety fixes, one test (or more) per finding of the review: each
//! failed on the code before the fix.

use crate::auth::sign_in;
use crate::performance::{gzip, upload};
use crate::popups::{send, setup, visitor};
use crate::support::{browser, spawn_app, spawn_app_with, Backend, TestApp, PASSWORD, POSTBACK_SECRET};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};
use std::io::Write as _;

/// A signed serve token for the `mff` property's offer, as a visitor's browser gets it.
async fn served_token(app: &TestApp) -> String {
    setup(app).await;
    let (status, answer) = send(visitor().get(app.url("/api/offers/mff"))).await;
    assert_eq!(status, 200, "{answer}");
    answer["offer"]["token"].as_str().expect("token").to_string()
}

// 1 -------------------------------------------------------------------------------------

#[tokio::test]
async fn forged_tokens_with_a_short_signature_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = served_token(&app).await;
    let (payload, tag) = token.split_once('.').expect("payload.tag");
    // A one-character tag: before the fix, 256 guesses forged any click.
    for keep in [0, 1, 2, 8, tag.len() - 1] {
        let forged = format!("{payload}.{}", &tag[..keep]);
        let response = visitor()
            .get(app.url(&format!("/c/{forged}")))
            .send()
            .await
            .expect("click");
        assert_eq!(response.status(), 400, "a tag cut to {keep} characters was accepted");
        let (status, _) = send(visitor().post(app.url("/api/impression")).body(forged.clone())).await;
        assert_eq!(
            status, 400,
            "an impression with a tag cut to {keep} characters was accepted"
        );
    }
    let response = visitor()
        .get(app.url(&format!("/c/{token}")))
        .send()
        .await
        .expect("click");
    assert_eq!(response.status(), 302, "the whole token still works");
}

// 2 -------------------------------------------------------------------------------------

/// A gzip of a header and then one endless line: a few hundred KB that expand to 200 MB.
fn one_line_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(b"Day,Creative ID,Impressions,Clicks,Spend\n2026-11-01,")
        .expect("write");
    let block = vec![b'a'; 1024 * 1024];
    for _ in 0..200 {
        encoder.write_all(&block).expect("write");
    }
    encoder.finish().expect("gzip")
}

#[tokio::test]
async fn a_one_line_gzip_bomb_is_refused_with_the_line_named() {
    let app = spawn_app(Backend::Sqlite).await;
    let editor = app.client_as(Role::Editor).await;
    let bomb = one_line_bomb();
    assert!(bomb.len() < 1024 * 1024, "the bomb is small: {} bytes", bomb.len());
    let (status, body) = upload(&app, &editor, "bomb.csv.gz", bomb).await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("line 2") && message.contains("longer than 64 KiB"),
        "{message}"
    );
    let (_, imports) = send(editor.get(app.url("/api/performance/imports"))).await;
    assert_eq!(imports, json!([]), "nothing was recorded");
    // The same bound holds for a header line.
    let mut header_bomb = b"Day,".to_vec();
    header_bomb.extend(std::iter::repeat_n(b'x', 300 * 1024));
    let (status, body) = upload(&app, &editor, "header.csv", gzip(&header_bomb)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap_or_default().contains("line 1"),
        "{body}"
    );
}

#[tokio::test]
async fn creatives_documents_and_elements_are_bounded() {
    let app = spawn_app(Backend::Sqlite).await;
    let editor = app.client_as(Role::Editor).await;
    // One creative whose HTML is 2 MB: refused with the element named, nothing imported.
    let mut document: Value = serde_json::from_str(&crate::support::demo_document(2)).expect("json");
    document["creatives"][1]["html"] = json!({ "snippet": "x".repeat(2 * 1024 * 1024), "width": 300, "height": 250 });
    let (status, body) = send(editor.post(app.url("/api/creatives/import")).body(document.to_string())).await;
    assert_eq!(status, 422, "{body}");
    let error = &body["details"]["errors"][0];
    assert_eq!(error["index"], 2, "{body}");
    assert!(
        error["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 1024 KiB"),
        "{body}"
    );
    let (_, stats) = send(editor.get(app.url("/stats"))).await;
    assert_eq!(stats["creatives"], 0, "{stats}");
    // A document over the limit is refused before it is parsed.
    let huge = vec![b' '; rtbcat_app::bidder::catalog::MAX_DOCUMENT_BYTES + 1];
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(huge)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 413);
    // The CLI's reader stops at the same bound.
    let over = std::io::Read::take(
        std::io::repeat(b' '),
        rtbcat_app::bidder::catalog::MAX_DOCUMENT_BYTES as u64 + 10,
    );
    let error = rtbcat_app::bidder::catalog::read_document(over).expect_err("too large");
    assert!(error.to_string().contains("larger than 64 MiB"), "{error}");
}

// 3 -------------------------------------------------------------------------------------

#[tokio::test]
async fn sign_in_redirects_stay_on_this_site() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("jen@example.com", Role::Viewer).await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "//evil.example",
        "/\\evil.example",
        "/ok\\..\\evil",
        "https://evil.example/",
        "/caf\u{e9}",
    ] {
        let client = browser();
        let response = client
            .post(app.url("/login"))
            .header("Origin", &app.base)
            .form(&[("email", "jen@example.com"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(
            response.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/app/creatives"),
            "{next:?}"
        );
    }
    // A local path still works.
    let response = browser()
        .post(app.url("/login"))
        .header("Origin", &app.base)
        .form(&[
            ("email", "jen@example.com"),
            ("password", PASSWORD),
            ("next", "/app/import?x=1"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(
        response.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/app/import?x=1")
    );
    // The login page never offers a bad target either.
    let page = browser()
        .get(app.url("/login?next=%2F%09%2Fevil.example"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!page.contains("evil.example"), "{page}");
}

// 4 -------------------------------------------------------------------------------------

#[tokio::test]
async fn out_of_range_numbers_and_dates_are_refused_by_line_and_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let (editor, offer_id) = setup(&app).await;
    let csv = "Day,Creative ID,Impressions,Clicks,Spend\n\
               2026-11-01,c1,9223372036854775807,1,1.00\n\
               2026-11-01,c2,10,1,9223372036854.775807\n\
               0000-01-01,c3,10,1,1.00\n\
               2026-11-01,c4,10,1,2.00\n";
    let (status, report) = upload(&app, &editor, "big.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["imported"], 1, "{report}");
    let errors = report["errors"].as_array().expect("errors");
    let named: Vec<(u64, String)> = errors
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap_or(0),
                e["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        named,
        vec![
            (2, "impressions".to_string()),
            (3, "spend".to_string()),
            (4, "day".to_string())
        ],
        "{report}"
    );
    let (_, stats) = send(editor.get(app.url("/stats"))).await;
    let performance = &stats["performance"];
    assert_eq!(performance["impressions"], 10, "{stats}");
    assert_eq!(performance["spend_micros"], 2_000_000, "{stats}");

    // Offers and postbacks: a payout past any real one is refused, RPM stays sane.
    let mut offer = crate::popups::offer_body("Huge payout", 5);
    offer["payout"] = json!("9223372036854.775807");
    let (status, body) = send(editor.post(app.url("/api/campaigns")).json(&offer)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["errors"][0]["field"], "payout", "{body}");
    let mut offer = crate::popups::offer_body("Old dates", 5);
    offer["start_date"] = json!("0000-01-01");
    let (status, body) = send(editor.post(app.url("/api/campaigns")).json(&offer)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["errors"][0]["field"], "start_date", "{body}");
    let token = {
        let (_, answer) = send(visitor().get(app.url("/api/offers/mff"))).await;
        answer["offer"]["token"].as_str().expect("token").to_string()
    };
    let redirect = visitor()
        .get(app.url(&format!("/c/{token}")))
        .send()
        .await
        .expect("click");
    let location = redirect.headers()["location"].to_str().expect("location").to_string();
    let click_id = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "aff_sub")
        .map(|(_, v)| v.to_string())
        .expect("click id");
    let (status, body) = send(browser().get(app.url(&format!(
        "/api/postback?click_id={click_id}&payout=9223372036854.775807&secret={POSTBACK_SECRET}"
    ))))
    .await;
    assert_eq!(status, 422, "{body}");
    let (_, lines) = send(editor.get(app.url("/api/analytics/mff?group_by=offer"))).await;
    let line = lines
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["key"].as_str() == Some(offer_id.to_string().as_str()))
        })
        .cloned()
        .unwrap_or(Value::Null);
    assert!(line["revenue_micros"].as_i64().unwrap_or(-1) >= 0, "{lines}");
}

// 5 -------------------------------------------------------------------------------------

#[tokio::test]
async fn audit_and_error_text_are_cut_to_a_sane_length() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.client_as(Role::Admin).await;
    // Long, yet under the sign-in routes' 16 KiB body limit (a larger body is refused before it is read).
    let long_email = format!("{}@example.com", "x".repeat(12_000));
    let response = browser()
        .post(app.url("/login"))
        .header("Origin", &app.base)
        .form(&[("email", long_email.as_str()), ("password", "wrong password here")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 401);
    let (status, audit) = send(admin.get(app.url("/api/audit?limit=5"))).await;
    assert_eq!(status, 200);
    let failed = audit
        .as_array()
        .and_then(|a| a.iter().find(|e| e["action"] == "login.failed"))
        .cloned()
        .expect("a login.failed entry");
    assert!(
        failed["actor"].as_str().unwrap_or_default().len() < 400,
        "actor kept whole"
    );
    assert!(
        failed["subject"].as_str().unwrap_or_default().len() < 400,
        "subject kept whole"
    );

    // A 60 KB bad value is echoed and stored only in part.
    let editor = app.client_as(Role::Editor).await;
    let csv = format!(
        "Day,Creative ID,Impressions,Clicks,Spend\n2026-11-01,c1,{},1,1.00\n",
        "9".repeat(60_000)
    );
    let (status, report) = upload(&app, &editor, "long.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    let reason = report["errors"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        !reason.is_empty() && reason.len() < 400,
        "{} bytes of reason",
        reason.len()
    );
    let response = editor
        .get(app.url("/api/performance/imports"))
        .send()
        .await
        .expect("imports");
    let text = response.text().await.expect("text");
    assert!(text.len() < 4_000, "import history is {} bytes", text.len());
}

// 6: tokens and accounts are in tokens.rs.

// 7 -------------------------------------------------------------------------------------

#[tokio::test]
async fn cookie_writes_need_this_origin_whatever_the_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    app.add_user("ed@example.com", Role::Editor).await;
    let client = browser();
    sign_in(&app, &client, "ed@example.com").await;
    let property = json!({"code": "c7", "name": "C7", "domains": ["c7.example"]});
    // Any Authorization header used to switch the origin check off for cookie callers.
    let (status, body) = send(
        client
            .post(app.url("/api/properties"))
            .header("Authorization", "Basic Zm9vOmJhcg==")
            .header("Origin", "http://evil.example")
            .json(&property),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = send(
        client
            .post(app.url("/logout"))
            .header("Authorization", "Bearer rtbcat_whatever")
            .header("Origin", "http://evil.example"),
    )
    .await;
    assert_ne!(status, 303, "{body}");
    // The scheme counts: https://host is another origin than http://host.
    let other_scheme = app.base.replacen("http://", "https://", 1);
    let (status, body) = send(
        client
            .post(app.url("/api/properties"))
            .header("Origin", &other_scheme)
            .json(&property),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = send(
        client
            .post(app.url("/api/properties"))
            .header("Origin", &app.base)
            .json(&property),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

// 8 -------------------------------------------------------------------------------------

#[tokio::test]
async fn setup_through_a_rebound_host_name_needs_the_printed_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let port = app.base.rsplit(':').next().expect("port").to_string();
    let evil = format!("http://evil.example:{port}");
    let form = [("email", "mallory@example.com"), ("password", "a long password!")];
    // A page on evil.example whose name now points at this server (DNS rebinding).
    let response = browser()
        .post(app.url("/setup"))
        .header("Host", format!("evil.example:{port}"))
        .header("Origin", &evil)
        .form(&form)
        .send()
        .await
        .expect("setup");
    assert_eq!(response.status(), 403);
    let response = browser()
        .get(app.url("/setup"))
        .header("Host", format!("evil.example:{port}"))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 403);
    assert!(
        !rtbcat_app::platform::has_accounts(&app.store).await.expect("count"),
        "no admin was created"
    );
    // The one-time link `rtbcat serve` prints lets a host name through.
    let token = app.setup_path.split("token=").nth(1).expect("token").to_string();
    let page = browser()
        .get(app.url(&app.setup_path))
        .header("Host", format!("rtbcat.example:{port}"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.expect("html").contains(&token),
        "the form carries the token"
    );
    let response = browser()
        .post(app.url("/setup"))
        .header("Host", format!("rtbcat.example:{port}"))
        .header("Origin", format!("http://rtbcat.example:{port}"))
        .form(&[
            ("email", "admin@example.com"),
            ("password", "a long password!"),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .expect("setup");
    assert_eq!(response.status(), 303);
    assert!(rtbcat_app::platform::has_accounts(&app.store).await.expect("count"));
}

// 9 -------------------------------------------------------------------------------------

#[tokio::test]
async fn an_account_waits_after_repeated_failures_from_any_address() {
    let app = spawn_app_with(Backend::Sqlite, 1000).await;
    app.add_user("jen@example.com", Role::Viewer).await;
    let attempt = |password: &'static str| {
        let client = browser();
        let url = app.url("/login");
        let origin = app.base.clone();
        async move {
            client
                .post(url)
                .header("Origin", origin)
                .form(&[("email", "jen@example.com"), ("password", password)])
                .send()
                .await
                .expect("login")
        }
    };
    for _ in 0..rtbcat_core::platform::accounts::FREE_LOGIN_FAILURES {
        assert_eq!(attempt("wrong password!").await.status(), 401);
    }
    let locked = attempt("wrong password!").await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    // Even the right password waits now, and an unknown account answers the same way
    // as a known one (no account discovery through the lock).
    assert_eq!(attempt(PASSWORD).await.status(), 429);
    let unknown = |n: usize| {
        let client = browser();
        let url = app.url("/login");
        let origin = app.base.clone();
        async move {
            client
                .post(url)
                .header("Origin", origin)
                .form(&[
                    ("email", "nobody@example.com"),
                    ("password", format!("wrong password {n}").as_str()),
                ])
                .send()
                .await
                .expect("login")
                .status()
        }
    };
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(unknown(n).await.as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 401, 401, 429]);
}

#[tokio::test]
async fn refused_postbacks_are_rate_limited() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut statuses = Vec::new();
    for n in 0..30 {
        let response = browser()
            .get(app.url(&format!("/api/postback?click_id=x&secret=guess-{n}")))
            .send()
            .await
            .expect("postback");
        statuses.push(response.status().as_u16());
    }
    let refused = statuses.iter().filter(|s| **s == 403).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        refused,
        rtbcat_app::config::POSTBACK_REFUSALS_PER_MINUTE as usize + 1,
        "{statuses:?}"
    );
    assert_eq!(limited, 30 - refused, "{statuses:?}");
    // Once blocked, even the right secret learns nothing for a while.
    let response = browser()
        .get(app.url(&format!("/api/postback?click_id=x&secret={POSTBACK_SECRET}")))
        .send()
        .await
        .expect("postback");
    assert_eq!(response.status(), 429);
}

// 10 ------------------------------------------------------------------------------------

#[tokio::test]
async fn an_abandoned_upload_commits_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.client_as(Role::Admin).await;
    let token = app.token_for("admin@example.com", Default::default()).await;
    let mut csv = String::from("Day,Creative ID,Country,Impressions,Clicks,Spend\n");
    for i in 0..400_000 {
        csv.push_str(&format!(
            "2026-11-{:02},c{},US,{},1,0.{:02}\n",
            1 + i % 19,
            i % 5000,
            10 + i % 7,
            i % 100
        ));
    }
    let boundary = "rtbcatboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(csv.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let address = app.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/performance/import HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body).await.expect("body");
    // The whole file is sent; the client gives up before the answer.
    stream.shutdown().await.expect("shutdown");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_millis(50), stream.read_to_end(&mut answer)).await;
    drop(stream);
    // Before the fix the parser took the closed channel for the end of the file and
    // committed what had arrived (370,106 of 400,000 rows in one run) a moment later.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let (_, imports) = send(admin.get(app.url("/api/performance/imports"))).await;
    assert_eq!(imports, json!([]), "an abandoned upload was committed");
    let (_, stats) = send(admin.get(app.url("/stats"))).await;
    assert_eq!(stats["performance"]["fact_rows"], 0, "{stats}");
}

// 11 ------------------------------------------------------------------------------------

#[tokio::test]
async fn public_routes_take_only_small_bodies() {
    let app = spawn_app(Backend::Sqlite).await;
    let large = "x".repeat(64 * 1024);
    for path in [
        "/api/impression",
        "/api/click",
        "/api/postback",
        "/api/postback/some-network",
        "/login",
        "/setup",
    ] {
        let response = visitor()
            .post(app.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(large.clone())
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 413, "{path}");
    }
    // Signed-in JSON routes take up to 1 MiB; only the imports take files.
    let admin = app.client_as(Role::Admin).await;
    let response = admin
        .post(app.url("/api/properties"))
        .header("Content-Type", "application/json")
        .body(format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024)))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 413);
    // A real beacon still fits.
    let token = served_token(&app).await;
    let (status, _) = send(visitor().post(app.url("/api/impression")).body(token)).await;
    assert_eq!(status, 204);
    // A body sent in chunks declares no length: the reading stops at the limit all the same.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_string();
    for (chunks, expected) in [(3, "HTTP/1.1 204"), (20, "HTTP/1.1 413")] {
        let (_, answer) = send(visitor().get(app.url("/api/offers/mff"))).await;
        let token = answer["offer"]["token"].as_str().expect("token");
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
        let mut request = format!(
            "POST /api/impression HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{token}\r\n",
            token.len()
        );
        // Trailing spaces after the token: a beacon's body is trimmed, so only the size differs.
        for _ in 0..chunks {
            request.push_str(&format!("{:x}\r\n{}\r\n", 256, " ".repeat(256)));
        }
        request.push_str("0\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("request");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("answer");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with(expected), "{chunks} chunks of 256 bytes: {answer}");
    }
}

// 12 ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_domain_without_a_port_is_not_every_port() {
    let app = spawn_app(Backend::Sqlite).await;
    served_token(&app).await; // property mff on modefreefinds.com
    for (origin, allowed) in [
        ("https://www.modefreefinds.com", true),
        ("https://www.modefreefinds.com:8443", false),
        ("http://modefreefinds.com:8080", false),
    ] {
        let response = visitor()
            .get(app.url("/api/offers/mff"))
            .header("Origin", origin)
            .send()
            .await
            .expect("offer");
        assert_eq!(response.status() == 200, allowed, "{origin}: {}", response.status());
    }
    // The demo's properties name their own site only: no localhost, no 127.0.0.1.
    rtbcat_app::popups::demo::load(
        &app.store,
        1,
        100,
        time::OffsetDateTime::from_unix_timestamp(crate::support::NOW).expect("now"),
    )
    .await
    .expect("demo");
    for property in rtbcat_app::popups::properties::list(&app.store)
        .await
        .expect("properties")
    {
        assert!(
            property
                .domains
                .iter()
                .all(|d| !d.contains("localhost") && !d.contains("127.0.0.1")),
            "{}: {:?}",
            property.code,
            property.domains
        );
    }
}

// 13 ------------------------------------------------------------------------------------

/// A NUL character (the API fuzzer sent `?language=%00` and got a 500 from PostgreSQL) is
/// refused wherever it comes: a 400 naming the query parameter, a 422 naming the JSON
/// field (on both engines), and a 400 from PostgreSQL's refusal where it still reaches the
/// database (a path). Nothing is stored.
async fn nul_characters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.client_as(Role::Editor).await;
    let (status, body) = send(editor.get(app.url("/creatives?language=%3Aq%00&slim=false"))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["details"]["parameter"], "language", "{body}");
    let (status, body) = send(visitor().get(app.url("/api/offers/mff?placement=%00"))).await;
    assert_eq!(
        (status, body["details"]["parameter"].as_str()),
        (400, Some("placement"))
    );
    // In a path, where no parameter name applies: PostgreSQL's refusal is a 400, not a 500.
    let (status, body) = send(editor.get(app.url("/creatives/a%00b"))).await;
    let expected = match backend {
        Backend::Sqlite => 404,
        Backend::Postgres => 400,
    };
    assert_eq!(status, expected, "{body}");

    let (status, body) = send(
        editor
            .post(app.url("/queries/saved"))
            .json(&json!({"name": "Weekend\u{0}formats", "query": "find formats sort by ctr"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["errors"][0]["field"], "name", "{body}");
    let (_, saved) = send(editor.get(app.url("/queries/saved"))).await;
    let names: Vec<&str> = saved
        .as_array()
        .map(|s| s.iter().filter_map(|q| q["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.iter().all(|n| !n.contains('\u{0}')), "{saved}");
}

#[tokio::test]
async fn nul_characters_are_refused_on_sqlite() {
    nul_characters_are_refused(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored"]
async fn nul_characters_are_refused_on_postgres() {
    nul_characters_are_refused(Backend::Postgres).await;
}
