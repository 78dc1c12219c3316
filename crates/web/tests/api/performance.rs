//! Performance report import over HTTP, on both backends.

use crate::support::{spawn_app, Backend, TestApp};
use rtbcat_core::platform::accounts::Role;
use serde_json::Value;

/// An Authorized Buyers export as users get it: BOM, CRLF, `#Day`, M/D/YY, country names,
/// formatted money, Unicode ×, mixed-case headers, a bad row and a totals line.
fn authorized_buyers_report(first_creative: &str, second_creative: &str) -> Vec<u8> {
    let mut text = String::from("\u{feff}#Day,Billing ID,Creative ID,Creative Size,Country,Platform,Reached queries,Impressions,Clicks,Spend (buyer currency)\r\n");
    text.push_str(&format!(
        "1/11/26,111,{first_creative},300 X 250,Brazil,Desktop,\"12,000\",\"1,000\",10,\"$1,234.50\"\r\n"
    ));
    text.push_str(&format!(
        "1/11/26,111,{second_creative},320×50,United States,High-end mobile devices,900,500,5,$4.16\r\n"
    ));
    text.push_str("1/12/26,111,unknown-creative,300x250,Angola,Tablets,10,10,1,$0.30\r\n");
    text.push_str(&format!(
        "1/12/26,111,{first_creative},300x250,Narnia,Desktop,1,1,0,$0.01\r\n"
    ));
    text.push_str(&format!(
        "1/12/26,111,{first_creative},300x250,Brazil,Desktop,5,5,9,$0.01\r\n"
    ));
    text.push_str("Total,,,,,,\"12,916\",\"1,516\",25,\"$1,238.98\"\r\n");
    text.into_bytes()
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("finish gzip")
}

pub(crate) async fn upload(app: &TestApp, client: &reqwest::Client, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = client
        .post(app.url("/api/performance/import"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// On PostgreSQL an import refreshes the daily rollups' statistics in the background, so
/// the planner knows the new days before autovacuum comes round.
async fn rollup_statistics_refreshed(database_url: &str) {
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    for _ in 0..100 {
        let analyzed: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname IN ('performance_daily', \
                 'performance_device_daily') AND last_analyze IS NOT NULL",
                &[],
            )
            .await
            .expect("statistics")
            .get(0);
        if analyzed == 2 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the rollups were not analyzed within 10 s of the import");
}

async fn performance_import_scenario(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = app.client_as(Role::Editor).await;
    let document = crate::support::demo_document(10);
    let creatives: Value = serde_json::from_str(&document).expect("json");
    let first = creatives["creatives"][0]["creativeId"]
        .as_str()
        .expect("id")
        .to_string();
    let second = creatives["creatives"][1]["creativeId"]
        .as_str()
        .expect("id")
        .to_string();
    let response = editor
        .post(app.url("/api/creatives/import"))
        .body(document)
        .send()
        .await
        .expect("import");
    assert_eq!(response.status(), 200);

    let report_bytes = authorized_buyers_report(&first, &second);
    let (status, report) = upload(&app, &editor, "ab-export.csv", report_bytes.clone()).await;
    assert_eq!(status, 200, "{report}");
    if let Backend::Postgres = backend {
        rollup_statistics_refreshed(&app.database_url).await;
    }
    assert_eq!(report["kind"], "performance");
    assert_eq!(report["rows_read"], 6);
    assert_eq!(report["imported"], 3, "{report}");
    assert_eq!(report["skipped"], 2);
    assert_eq!(report["totals_rows"], 1);
    assert_eq!(report["warnings"], 1, "unknown creative kept with a warning");
    assert_eq!(report["unknown_creatives"][0], "unknown-creative");
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_str()),
        (Some(5), Some("country"))
    );
    assert!(errors[0]["reason"].as_str().is_some_and(|r| r.contains("Narnia")));
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["column"].as_str()),
        (Some(6), Some("clicks"))
    );

    // The same rows again, gzip-compressed: replaced, never double-counted.
    let (status, again) = upload(&app, &editor, "ab-export.csv.gz", gzip(&report_bytes)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["imported"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(3)),
        "{again}"
    );
    assert_eq!(again["sha256"].as_str().map(str::len), Some(64));

    // The seed CSV names the creative without a seat: it lands on the same key.
    let seed = format!("creative_id,date,impressions,clicks,spend,geography,device_type\n{first},2026-01-11,1000,10,1234.50,BR,desktop\n");
    let (_, seed_report) = upload(&app, &editor, "seed.csv", seed.into_bytes()).await;
    assert_eq!(
        (seed_report["kind"].as_str(), seed_report["updated"].as_u64()),
        (Some("seed_csv"), Some(1)),
        "{seed_report}"
    );

    let traffic = "date,size,format,country,device,requests\n2026-01-11,300x250,HTML,BR,mobile,\"1,200,000\"\n2026-01-11,728 X 90,HTML,US,desktop,500\n";
    let (status, traffic_report) = upload(&app, &editor, "traffic.csv", traffic.as_bytes().to_vec()).await;
    assert_eq!(
        (
            status,
            traffic_report["kind"].as_str(),
            traffic_report["imported"].as_u64()
        ),
        (200, Some("traffic"), Some(2))
    );

    let (status, unknown) = upload(&app, &editor, "what.csv", b"foo,bar\n1,2\n".to_vec()).await;
    assert_eq!((status, unknown["error"].as_str()), (422, Some("unrecognised_report")));
    assert!(
        unknown["message"]
            .as_str()
            .is_some_and(|m| m.contains("creative_id,date")),
        "{unknown}"
    );

    let strict = editor
        .post(app.url("/api/performance/import?strict=true"))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(authorized_buyers_report(&first, &second)).file_name("s.csv"),
        ))
        .send()
        .await
        .expect("strict");
    let strict: Value = strict.json().await.expect("json");
    assert_eq!(
        (strict["warnings"].as_u64(), strict["skipped"].as_u64()),
        (Some(0), Some(3)),
        "--strict rejects unknown creatives"
    );

    let history: Value = editor
        .get(app.url("/api/performance/imports"))
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let history = history.as_array().expect("history");
    assert_eq!(history.len(), 5);
    assert_eq!(history[0]["file_name"], "s.csv");
    assert_eq!(
        history[0]["id"], strict["import_id"],
        "the report names the history line written with its facts"
    );
    assert_eq!(
        history[1]["imported"], 2,
        "counts filled in by the store: {}",
        history[1]
    );
    assert_eq!(history.iter().filter(|h| h["kind"] == "performance").count(), 3);

    // Sort by spend over the week ending at the newest imported date (2026-01-12).
    let get = |path: &str| {
        let request = editor.get(app.url(path));
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, by_spend) = get("/creatives?sort=spend&period=7d&slim=true").await;
    assert_eq!(status, 200, "{by_spend}");
    let items = by_spend["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["creative_id"], first.as_str());
    assert_eq!(items[1]["creative_id"], second.as_str());
    let top = &items[0]["performance"];
    assert_eq!(top["spend_micros"], 1_234_500_000i64);
    assert_eq!(
        (top["impressions"].as_i64(), top["clicks"].as_i64()),
        (Some(1000), Some(10))
    );
    assert_eq!(top["cpc_micros"], 123_450_000i64);
    assert_eq!(top["cpm_micros"], 1_234_500_000i64);
    assert_eq!(
        (top["top_geo"].as_str(), top["top_geo_share"].as_f64()),
        (Some("BR"), Some(1.0))
    );
    assert_eq!(top["tier"], "high");
    assert_eq!(items[1]["performance"]["tier"], "medium");
    assert_eq!(items[2]["performance"]["tier"], "zero");
    assert!(top["trend_pct"].is_null(), "nothing in the previous week");

    let (_, ascending) = get("/creatives?sort=spend&order=asc&slim=true").await;
    assert_eq!(
        ascending["items"][9]["creative_id"],
        first.as_str(),
        "ascending puts the top spender last"
    );
    let (_, zero) = get("/creatives?tier=zero&slim=true").await;
    assert_eq!(zero["total"], 8);
    let (_, us) = get("/creatives?geo=United%20States&sort=spend&slim=true").await;
    assert_eq!(us["total"], 1);
    assert_eq!(us["items"][0]["creative_id"], second.as_str());
    let (_, earlier) = get("/creatives?sort=spend&as_of=2026-01-05&slim=true").await;
    assert_eq!(
        earlier["items"][0]["performance"]["spend_micros"], 0,
        "nothing before 2026-01-06"
    );
    let (_, full) = get("/creatives?sort=spend&page_size=2").await;
    assert_eq!(full["items"].as_array().map(Vec::len), Some(2));
    assert!(
        full["items"][0].get("html_snippet").is_some() || full["items"][0].get("vast_xml").is_some(),
        "full listing keeps content"
    );
    for (query, parameter) in [
        ("period=90d", "period"),
        ("tier=huge", "tier"),
        ("geo=Narnia", "geo"),
        ("as_of=soon", "as_of"),
        ("sort=spend&order=up", "order"),
    ] {
        let (status, body) = get(&format!("/creatives?{query}")).await;
        assert_eq!(
            (status, body["details"]["parameter"].as_str()),
            (400, Some(parameter)),
            "{query}"
        );
    }

    let (status, by_country) = get(&format!("/api/performance/metrics/{first}?group_by=country")).await;
    assert_eq!(status, 200);
    assert_eq!(by_country[0]["key"], "BR");
    assert_eq!(by_country[0]["spend_micros"], 1_234_500_000i64);
    let (_, by_date) = get(&format!(
        "/api/performance/metrics/{first}?start_date=2026-01-01&end_date=2026-01-31"
    ))
    .await;
    assert_eq!(by_date.as_array().map(Vec::len), Some(1));
    assert_eq!(by_date[0]["key"], "2026-01-11");
    let (_, none) = get(&format!("/api/performance/metrics/{first}?geography=US")).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    let (status, _) = get(&format!("/api/performance/metrics/{first}?group_by=week")).await;
    assert_eq!(status, 400);

    let (_, stats) = get("/stats").await;
    let perf = &stats["performance"];
    assert_eq!(perf["fact_rows"], 3, "{stats}");
    assert_eq!(perf["spend_micros"], 1_234_500_000i64 + 4_160_000 + 300_000);
    assert_eq!(
        (perf["first_date"].as_str(), perf["last_date"].as_str()),
        (Some("2026-01-11"), Some("2026-01-12"))
    );
    assert_eq!(perf["traffic_rows"], 2);
    assert_eq!(perf["imports"], 5);

    // A corrected figure for a row already stored replaces it everywhere: the listing, the
    // per-creative breakdown and the totals all read the new spend, and no row is added.
    let corrected = format!(
        "creative_id,date,impressions,clicks,spend,geography,device_type\n{first},2026-01-11,1000,10,2000.00,BR,desktop\n"
    );
    let (_, corrected) = upload(&app, &editor, "corrected.csv", corrected.into_bytes()).await;
    assert_eq!(corrected["updated"], 1, "{corrected}");
    let (_, by_spend) = get("/creatives?sort=spend&period=7d&slim=true").await;
    assert_eq!(by_spend["items"][0]["performance"]["spend_micros"], 2_000_000_000i64);
    let (_, by_date) = get(&format!("/api/performance/metrics/{first}?group_by=date")).await;
    assert_eq!(by_date[0]["spend_micros"], 2_000_000_000i64);
    let (_, stats) = get("/stats").await;
    assert_eq!(stats["performance"]["fact_rows"], 3, "{stats}");
    assert_eq!(
        stats["performance"]["spend_micros"],
        2_000_000_000i64 + 4_160_000 + 300_000
    );

    let viewer = app.client_as(Role::Viewer).await;
    let (status, _) = upload(
        &app,
        &viewer,
        "x.csv",
        b"creative_id,date,impressions,clicks,spend\n".to_vec(),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn performance_import_on_sqlite() {
    performance_import_scenario(Backend::Sqlite).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set RTBCAT_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn performance_import_on_postgres() {
    performance_import_scenario(Backend::Postgres).await;
}

#[tokio::test]
async fn pages_show_performance_badges_and_charts() {
    let app = spawn_app(Backend::Sqlite).await;
    let demo = app.load_demo(3, 30, 3000).await;
    assert!(demo.performance_rows >= 3000);
    app.add_user("viewer@example.com", Role::Viewer).await;
    let browser = crate::support::browser();
    crate::auth::sign_in(&app, &browser, "viewer@example.com").await;
    let html = browser
        .get(app.url("/app/creatives"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Spend (7d): $"), "spend badges on cards");
    assert!(html.contains("top geo "), "top geo on cards");
    assert!(
        html.contains("<option value=\"spend\" selected>"),
        "sorted by spend by default"
    );
    let high = browser
        .get(app.url("/app/creatives?tier=high&period=30d"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        high.contains("data-tier=\"high\"") && !high.contains("data-tier=\"zero\""),
        "tier filter"
    );
    let top: Value = {
        let api = app.client_as(Role::Editor).await;
        api.get(app.url("/creatives?sort=spend&slim=true&page_size=1"))
            .send()
            .await
            .expect("api")
            .json()
            .await
            .expect("json")
    };
    let top = &top["items"][0];
    let detail = browser
        .get(app.url(&format!(
            "/app/seats/{}/creatives/{}",
            top["seat_id"].as_str().expect("seat"),
            top["creative_id"].as_str().expect("id")
        )))
        .send()
        .await
        .expect("detail")
        .text()
        .await
        .expect("html");
    assert!(
        detail.contains("<svg class=\"chart\""),
        "daily chart rendered on the server"
    );
    assert_eq!(
        detail.matches("<g class=\"bar").count(),
        30,
        "one bar per day of the last 30"
    );
    assert!(detail.contains("By country") && detail.contains("By device"));
    assert!(detail.contains("id=\"geo-table\"") && detail.contains("class=\"totals\""));
}

#[tokio::test]
async fn the_import_page_lets_editors_upload_and_shows_history() {
    let app = spawn_app(Backend::Sqlite).await;
    let editor = app.client_as(Role::Editor).await;
    let (status, _) = upload(
        &app,
        &editor,
        "first.csv",
        b"creative_id,date,impressions,clicks,spend\nx,2026-01-01,1,0,0\n".to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    let browser = crate::support::browser();
    crate::auth::sign_in(&app, &browser, "editor@example.com").await;
    let html = browser
        .get(app.url("/app/import"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"import-form\""), "editors get the upload form");
    assert!(html.contains("first.csv"), "history lists earlier imports");
    app.add_user("viewer@example.com", Role::Viewer).await;
    let viewer = crate::support::browser();
    crate::auth::sign_in(&app, &viewer, "viewer@example.com").await;
    let html = viewer
        .get(app.url("/app/import"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(!html.contains("id=\"import-form\"") && html.contains("can look at imports but not run them"));
}

/// A first page of the performance listing, with `cache` for the window totals.
async fn listing_page(
    store: &rtbcat_app::SharedStore,
    cache: &rtbcat_app::bidder::catalog::view::TotalsCache,
    period: rtbcat_core::bidder::performance::metrics::Period,
    sort: rtbcat_app::bidder::catalog::view::PerformanceSort,
) -> Value {
    let query = rtbcat_app::bidder::catalog::CreativeQuery {
        slim: true,
        page: 1,
        page_size: 25,
        ..Default::default()
    };
    let listing = rtbcat_app::bidder::catalog::view::PerformanceListing {
        period,
        as_of: None,
        geo: None,
        tier: None,
        sort,
        descending: true,
    };
    let (page, _) = rtbcat_app::bidder::catalog::view::list_with_performance(store, cache, query, listing)
        .await
        .expect("listing");
    serde_json::to_value(page).expect("json")
}

/// Every period, by spend, CPC and CTR: `cache` answers exactly what a cold cache does.
async fn listings_agree(store: &rtbcat_app::SharedStore, cache: &rtbcat_app::bidder::catalog::view::TotalsCache) {
    use rtbcat_app::bidder::catalog::view::{PerformanceSort, TotalsCache};
    for period in rtbcat_core::bidder::performance::metrics::Period::ALL {
        for sort in [PerformanceSort::Spend, PerformanceSort::Cpc, PerformanceSort::Ctr] {
            let expected = listing_page(store, &TotalsCache::default(), period, sort).await;
            assert_eq!(
                listing_page(store, cache, period, sort).await,
                expected,
                "{period:?} by {sort:?}"
            );
        }
    }
}

/// The listing's default windows summed ahead (what the server does at start and after each
/// import) answer exactly what a cold listing does, are summed once per data version, and
/// are summed again, never served stale, once an import moves the version. The server sums
/// them after an HTTP import by itself (its `listing_warmup` job).
#[tokio::test]
async fn listing_windows_summed_ahead_match_a_cold_listing() {
    use rtbcat_app::bidder::catalog::view::{warm_totals, PerformanceSort, TotalsCache};
    use rtbcat_core::bidder::performance::metrics::Period;
    let app = spawn_app(Backend::Sqlite).await;
    let warmed = TotalsCache::default();
    assert_eq!(
        warm_totals(&app.store, &warmed).await.expect("warm"),
        0,
        "no facts: nothing to sum"
    );
    app.load_demo(11, 40, 4000).await;

    // Four periods, each with the window before it for the trend except `all`.
    assert_eq!(warm_totals(&app.store, &warmed).await.expect("warm"), 7);
    assert_eq!(warm_totals(&app.store, &warmed).await.expect("warm"), 0, "kept");
    listings_agree(&app.store, &warmed).await;
    // The same windows as the listings': after listing every period, nothing is left to sum.
    let listed = TotalsCache::default();
    listings_agree(&app.store, &listed).await;
    assert_eq!(warm_totals(&app.store, &listed).await.expect("warm"), 0);

    // An import on the newest day moves the data version: everything is summed again.
    let newest = app.store.latest_fact_date().await.expect("date").expect("facts");
    let top = listing_page(&app.store, &warmed, Period::Yesterday, PerformanceSort::Spend).await;
    let creative = top["items"][0]["creative_id"].as_str().expect("creative").to_string();
    let report =
        format!("Day,Creative ID,Country,Impressions,Clicks,Spend\n{newest},{creative},Iceland,1000,50,$987.65\n");
    let editor = app.client_as(Role::Editor).await;
    let (status, body) = upload(&app, &editor, "late.csv", report.into_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(warm_totals(&app.store, &warmed).await.expect("warm"), 7);
    listings_agree(&app.store, &warmed).await;

    // The server itself summed them after that import.
    let admin = app.client_as(Role::Admin).await;
    for attempt in 0.. {
        let metrics = admin
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        if metrics.contains(r#"job_runs_total{job="listing_warmup",outcome="ok"} 1"#) {
            break;
        }
        assert!(
            attempt < 100,
            "no listing warm-up within 10 s of the import:\n{metrics}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
