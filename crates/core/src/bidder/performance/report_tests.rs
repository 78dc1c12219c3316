//! Tests of `report`.

use super::*;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 20);

fn layout(header: &[&str]) -> ReportLayout {
    ReportLayout::detect(header).unwrap_or_else(|e| panic!("{e}"))
}

fn performance(layout: &ReportLayout, row: &[&str]) -> PerformanceFact {
    match layout.parse_row(row, 2, TODAY) {
        Ok(ParsedRow::Performance(fact)) => fact,
        other => panic!("expected a performance fact, got {other:?}"),
    }
}

fn error(layout: &ReportLayout, row: &[&str]) -> RowError {
    layout.parse_row(row, 7, TODAY).expect_err("row must be rejected")
}

#[test]
fn detects_every_kind() {
    let cases: &[(&[&str], ReportKind)] = &[
        (
            &[
                "creative_id",
                "date",
                "impressions",
                "clicks",
                "spend",
                "geography",
                "device_type",
            ],
            ReportKind::SeedCsv,
        ),
        (
            &[
                "\u{feff}#Day",
                "Creative ID",
                "Creative size",
                "Country",
                "Impressions",
                "Clicks",
                "Spend (buyer currency)",
            ],
            ReportKind::Performance,
        ),
        (
            &[
                "Day",
                "Country",
                "Buyer account ID",
                "Bid requests",
                "Inventory matches",
                "Auctions won",
                "Impressions",
            ],
            ReportKind::FunnelByGeo,
        ),
        (
            &[
                "Day",
                "Country",
                "Buyer account ID",
                "Publisher ID",
                "Publisher name",
                "Bid requests",
                "Bids",
            ],
            ReportKind::FunnelByPublisher,
        ),
        (
            &[
                "Day",
                "Country",
                "Buyer account ID",
                "Bid filtering reason",
                "Bids",
                "Bids in auction",
            ],
            ReportKind::BidFiltering,
        ),
        (
            &[
                "Day",
                "Publisher ID",
                "Publisher name",
                "Country",
                "Impressions",
                "IVT credited impressions",
                "Billed impressions",
            ],
            ReportKind::Quality,
        ),
        (
            &["date", "size", "format", "country", "device", "requests"],
            ReportKind::Traffic,
        ),
    ];
    for (header, kind) in cases {
        assert_eq!(layout(header).kind, *kind, "{header:?}");
    }
}

#[test]
fn header_quirks() {
    assert_eq!(normalize_header("\u{feff}#Day"), "day");
    assert_eq!(normalize_header("  Creative   Size "), "creative size");
    let mixed = layout(&[
        "#DAY",
        "CREATIVE ID",
        "Creative Size",
        "COUNTRY",
        "Impressions",
        "Clicks",
        "Spend (Bidder Currency)",
    ]);
    assert_eq!(mixed.kind, ReportKind::Performance);
    let old = layout(&["Day", "Creative ID", "Impressions", "Clicks", "Spend"]);
    assert!(old.has(Column::Spend));
}

#[test]
fn unplaceable_headers_say_what_was_expected() {
    let err = ReportLayout::detect(&["foo", "bar"]).expect_err("unknown");
    assert!(
        err.message.contains("foo") && err.message.contains("creative_id,date"),
        "{}",
        err.message
    );
    let err = ReportLayout::detect(&["Day", "Creative ID", "Impressions"]).expect_err("missing");
    assert!(
        err.message.contains("Clicks") && err.message.contains("Spend"),
        "{}",
        err.message
    );
    let err = ReportLayout::detect(&["Day", "Day", "Creative ID"]).expect_err("twice");
    assert!(err.message.contains("twice"));
}

#[test]
fn seed_rows() {
    let l = layout(&[
        "creative_id",
        "date",
        "impressions",
        "clicks",
        "spend",
        "geography",
        "device_type",
        "hour",
        "placement",
    ]);
    let fact = performance(
        &l,
        &[
            "79783",
            "2025-11-29",
            "10000",
            "250",
            "125.50",
            "BR",
            "mobile",
            "13",
            "app.example",
        ],
    );
    assert_eq!(fact.creative_id, "79783");
    assert_eq!(fact.date, date!(2025 - 11 - 29));
    assert_eq!(
        (fact.impressions, fact.clicks, fact.spend_micros),
        (10_000, 250, 125_500_000)
    );
    assert_eq!(
        (fact.country.as_str(), fact.device, fact.hour),
        ("BR", Device::Mobile, Some(13))
    );
    assert_eq!(fact.placement, "app.example");
}

#[test]
fn authorized_buyers_rows() {
    let l = layout(&[
        "#Day",
        "Billing ID",
        "Creative ID",
        "Creative size",
        "Country",
        "Platform",
        "Reached queries",
        "Impressions",
        "Clicks",
        "Spend (buyer currency)",
    ]);
    let fact = performance(
        &l,
        &[
            "1/11/26",
            "998877",
            "144634",
            "320×50",
            "Brazil",
            "High-end mobile devices",
            "1,500,000",
            "50,000",
            "800",
            "$1,234.50",
        ],
    );
    assert_eq!(fact.date, date!(2026 - 01 - 11));
    assert_eq!(fact.seat_id.as_deref(), Some("998877"));
    assert_eq!(fact.country, "BR");
    assert_eq!(fact.device, Device::Mobile);
    assert_eq!(fact.reached_queries, Some(1_500_000));
    assert_eq!(
        (fact.impressions, fact.clicks, fact.spend_micros),
        (50_000, 800, 1_234_500_000)
    );
    for (name, code) in [
        ("United States", "US"),
        ("United Kingdom", "GB"),
        ("South Korea", "KR"),
        ("Germany", "DE"),
        ("Japan", "JP"),
        ("Türkiye", "TR"),
        ("Viet Nam", "VN"),
        ("Angola", "AO"),
        ("ie", "IE"),
    ] {
        assert_eq!(country_code(name).as_deref(), Some(code), "{name}");
    }
}

#[test]
fn totals_rows_are_skipped() {
    let l = layout(&[
        "#Day",
        "Creative ID",
        "Country",
        "Impressions",
        "Clicks",
        "Spend (buyer currency)",
    ]);
    assert_eq!(
        l.parse_row(&["Total", "", "", "1,000", "10", "$5.00"], 9, TODAY),
        Ok(ParsedRow::Totals)
    );
    assert_eq!(
        l.parse_row(&["", "", "", "1,000", "10", "$5.00"], 9, TODAY),
        Ok(ParsedRow::Totals)
    );
}

#[test]
fn every_validation_rule() {
    let l = layout(&[
        "creative_id",
        "date",
        "impressions",
        "clicks",
        "spend",
        "geography",
        "device_type",
        "hour",
    ]);
    let ok = ["1", "2026-11-19", "100", "5", "1.00", "BR", "mobile", "3"];
    performance(&l, &ok);
    let cases: &[(usize, &str, &str, &str)] = &[
        (1, "2026-11-21", "date", "future"),
        (1, "2026-13-01", "date", "not a date"),
        (1, "yesterday", "date", "not a date"),
        (3, "101", "clicks", "exceed impressions"),
        (2, "-5", "impressions", "negative"),
        (3, "-1", "clicks", "negative"),
        (4, "-1.00", "spend", "negative"),
        (4, "lots", "spend", "not an amount"),
        (7, "24", "hour", "not 0–23"),
        (7, "-1", "hour", "not 0–23"),
        (5, "Narnia", "geography", "unknown country"),
        (5, "XX", "geography", "unknown country"),
        (6, "toaster", "device_type", "unknown device"),
        (0, "", "creative_id", "empty"),
    ];
    for &(index, value, column, reason) in cases {
        let mut row = ok;
        row[index] = value;
        let err = error(&l, &row);
        assert_eq!(err.column, column, "{value}: {err}");
        assert!(err.reason.contains(reason), "{value}: {err}");
        assert_eq!(err.line, 7);
    }
}

#[test]
fn traffic_and_quality_rows() {
    let l = layout(&["date", "size", "format", "country", "device", "requests"]);
    match l.parse_row(
        &["2026-11-01", "300 X 250", "html", "US", "desktop", "12,000"],
        2,
        TODAY,
    ) {
        Ok(ParsedRow::Traffic(fact)) => {
            assert_eq!(
                (fact.size.as_str(), fact.format.as_str(), fact.requests),
                ("300x250", "HTML", Some(12_000))
            );
            assert_eq!(fact.kind, "traffic");
        }
        other => panic!("{other:?}"),
    }
    let q = layout(&[
        "Day",
        "Publisher ID",
        "Publisher name",
        "Country",
        "Impressions",
        "IVT credited impressions",
        "Billed impressions",
    ]);
    match q.parse_row(
        &["11/1/2026", "pub-123", "News Site", "Mexico", "10,000", "120", "9,800"],
        2,
        TODAY,
    ) {
        Ok(ParsedRow::Traffic(fact)) => {
            assert_eq!((fact.country.as_str(), fact.publisher.as_str()), ("MX", "pub-123"));
            assert_eq!(
                (fact.ivt_credited_impressions, fact.billed_impressions),
                (Some(120), Some(9_800))
            );
        }
        other => panic!("{other:?}"),
    }
    let bad = l
        .parse_row(&["2026-11-01", "huge", "html", "US", "desktop", "1"], 4, TODAY)
        .expect_err("bad size");
    assert_eq!(bad.column, "size");
}

#[test]
fn dates() {
    assert_eq!(parse_report_date("2026-01-11"), Some(date!(2026 - 01 - 11)));
    assert_eq!(parse_report_date("2026/01/11"), Some(date!(2026 - 01 - 11)));
    assert_eq!(parse_report_date("1/11/26"), Some(date!(2026 - 01 - 11)));
    assert_eq!(parse_report_date("12/31/2025"), Some(date!(2025 - 12 - 31)));
    for bad in ["", "2026-02-30", "13/1/26", "1/11", "11.01.2026", "1/11/026"] {
        assert_eq!(parse_report_date(bad), None, "{bad}");
    }
}

#[test]
fn rows_with_fewer_or_more_fields_than_the_header_are_refused() {
    let seed = layout(&[
        "creative_id",
        "date",
        "impressions",
        "clicks",
        "spend",
        "geography",
        "device_type",
    ]);
    // One field short: the device would be missing and read as unknown.
    let short = error(&seed, &["cr-1", "2026-11-01", "100", "2", "1.50", "BR"]);
    assert_eq!((short.line, short.column.as_str()), (7, "(row)"));
    assert!(
        short.reason.contains("6 fields, but the header has 7"),
        "{}",
        short.reason
    );
    // One too many: a stray comma in an amount.
    let long = error(&seed, &["cr-1", "2026-11-01", "100", "2", "1", "50", "BR", "mobile"]);
    assert!(
        long.reason.contains("8 fields, but the header has 7"),
        "{}",
        long.reason
    );
    // A funnel report too, and totals lines stay totals whatever their width.
    let funnel = layout(&["Day", "Country", "Bid requests", "Inventory matches"]);
    assert!(funnel.parse_row(&["2026-11-01", "BR", "100"], 3, TODAY).is_err());
    assert_eq!(funnel.parse_row(&["Total", "", "100"], 4, TODAY), Ok(ParsedRow::Totals));
    assert!(matches!(
        performance(&seed, &["cr-1", "2026-11-01", "100", "2", "1.50", "BR", "mobile"]),
        PerformanceFact { impressions: 100, .. }
    ));
}

#[test]
fn a_qps_column_counts_the_requests_of_the_row_day_or_hour() {
    let daily = layout(&["date", "size", "country", "qps"]);
    assert_eq!(daily.kind, ReportKind::Traffic);
    let requests = |layout: &ReportLayout, row: &[&str]| match layout.parse_row(row, 2, TODAY) {
        Ok(ParsedRow::Traffic(fact)) => fact.requests,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        requests(&daily, &["2026-11-01", "320x100", "BR", "1240"]),
        Some(1240 * 86_400)
    );
    assert_eq!(requests(&daily, &["2026-11-01", "320x100", "BR", "0.5"]), Some(43_200));
    let hourly = layout(&["date", "hour", "size", "country", "qps"]);
    assert_eq!(
        requests(&hourly, &["2026-11-01", "7", "320x100", "BR", "10"]),
        Some(36_000)
    );
    for bad in ["-3", "lots", "1e30"] {
        let e = error(&daily, &["2026-11-01", "320x100", "BR", bad]);
        assert_eq!(e.column, "qps", "{bad}: {e:?}");
    }
    // A requests column is a count, whatever its size.
    let counted = layout(&["date", "size", "country", "requests"]);
    assert_eq!(requests(&counted, &["2026-11-01", "320x100", "BR", "1240"]), Some(1240));
}

#[test]
fn a_log_timestamp_is_a_day_and_an_hour() {
    let log = layout(&["timestamp", "size", "format", "geo", "device_type", "qps"]);
    assert_eq!(log.kind, ReportKind::Traffic);
    for (stamp, hour) in [
        ("2026-11-01T13:00:00Z", 13),
        ("2026-11-01 07:05:00", 7),
        ("2026-11-01T00:00", 0),
    ] {
        match log.parse_row(&[stamp, "300x250", "HTML", "BR", "mobile", "2"], 2, TODAY) {
            Ok(ParsedRow::Traffic(fact)) => {
                assert_eq!(fact.date, Some(date!(2026 - 11 - 01)), "{stamp}");
                assert_eq!(fact.hour, Some(hour), "{stamp}");
                assert_eq!(fact.requests, Some(7_200), "{stamp}: two per second for an hour");
            }
            other => panic!("{stamp}: {other:?}"),
        }
    }
    assert_eq!(
        error(&log, &["2026-11-01T99:00", "300x250", "HTML", "BR", "mobile", "2"]).column,
        "timestamp"
    );
    assert_eq!(split_timestamp("1/11/26"), ("1/11/26", None));
}

#[test]
fn facts_sort_by_fact_key_keeping_the_file_order_of_a_key() {
    // 1,000 rows over 12 keys in a scrambled order; each fact's impressions is its row number.
    let creatives = ["b", "a", "c"];
    let countries = ["US", "DE"];
    let mut facts: Vec<PerformanceFact> = (0..1000i64)
        .map(|row| {
            let scramble = usize::try_from(row * 7919 % 1000).expect("small");
            PerformanceFact {
                seat_id: None,
                creative_id: creatives[scramble % 3].to_string(),
                date: date!(2026 - 10 - 01).saturating_add(time::Duration::days((scramble % 2) as i64)),
                hour: None,
                country: countries[(scramble / 3) % 2].to_string(),
                device: Device::Mobile,
                placement: String::new(),
                impressions: row,
                clicks: 0,
                spend_micros: 0,
                reached_queries: None,
                bids: None,
            }
        })
        .collect();
    let mut before: Vec<i64> = facts.iter().map(|f| f.impressions).collect();
    sort_by_fact_key(&mut facts);
    for pair in facts.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        assert!(
            earlier.key() <= later.key(),
            "{:?} before {:?}",
            earlier.key(),
            later.key()
        );
        if earlier.key() == later.key() {
            assert!(
                earlier.impressions < later.impressions,
                "rows of one key keep their file order"
            );
        }
    }
    let mut after: Vec<i64> = facts.iter().map(|f| f.impressions).collect();
    before.sort_unstable();
    after.sort_unstable();
    assert_eq!(before, after, "every fact once, none lost or repeated");
    assert_eq!(facts[0].key().0, "a");
}
