//! Property-based fuzzing of the two importers against a real SQLite file: CSV reports built
//! from a real header and rows of hostile fields (numbers in every format, dates in every
//! order, quotes, Unicode, blanks, huge values), and raw bytes; creatives documents mutated
//! from a real one, and raw text. Whatever comes in: no panic, and either a report whose
//! numbers match what was stored, or an error with nothing stored. Bounded (a fixed number of
//! cases) so it runs in every CI.

use super::import::{import_report, ImportOptions, ImportProgress};
use proptest::prelude::*;
use std::sync::Arc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A new SQLite file per case (the directory lives as long as the store is used).
pub(super) async fn fresh_store() -> (tempfile::TempDir, rtbcat_store::SharedStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = rtbcat_store::open(&format!("sqlite://{}", dir.path().join("f.db").display()))
        .await
        .expect("store");
    (dir, store)
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-9]{1,7}",
        "\\$?[0-9]{1,3}(,[0-9]{3}){0,3}(\\.[0-9]{1,4})?",
        "-?[0-9]{1,20}(\\.[0-9]{0,9})?",
        "(1[0-2]|[1-9])/([1-2][0-9]|[1-9])/(2[0-9]|19|99)",
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]",
        "[0-9]{3,4} ?[xX×] ?[0-9]{2,4}",
        "(Brazil|United States|US|ZZ|Narnia|Côte d’Ivoire|東京)",
        "(Desktop|Tablets|High-end mobile devices|Connected TV|phone)",
        "cr-[a-z0-9]{1,12}",
        "\"[^\"]{0,20}\"",
        ".{0,40}",
        Just("Total".to_string()),
        Just("1e308".to_string()),
        Just("NaN".to_string()),
    ]
}

fn report() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("#Day,Billing ID,Creative ID,Creative Size,Country,Platform,Reached queries,Impressions,Clicks,Spend (buyer currency)"),
        Just("Day,Creative ID,Creative Size,Country,Impressions,Clicks,Spend"),
        Just("\u{feff}Date,Hour,Creative ID,Country,Device,Impressions,Clicks,Spend"),
        Just("Day,Creative size,Country,Reached queries,Impressions"),
    ];
    (
        header,
        prop::collection::vec(prop::collection::vec(field(), 0..12), 0..40),
        any::<bool>(),
    )
        .prop_map(|(header, rows, crlf)| {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = format!("{header}{end}");
            for row in rows {
                text.push_str(&row.join(","));
                text.push_str(end);
            }
            text.into_bytes()
        })
}

fn options() -> ImportOptions {
    ImportOptions {
        file_name: "fuzz.csv".into(),
        actor: "fuzz".into(),
        strict: false,
        now_unix: 1_795_262_400,
        today: time::macros::date!(2026 - 11 - 20),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_performance_import_of_anything_reports_or_stores_nothing(
        bytes in prop_oneof![report(), prop::collection::vec(any::<u8>(), 0..2048)],
    ) {
        let runtime = runtime();
        runtime.block_on(async {
            let (_dir, store) = fresh_store().await;
            let result = import_report(&store, std::io::Cursor::new(bytes), options(), Arc::new(ImportProgress::default())).await;
            let stats = store.catalog_stats().await.expect("stats").performance;
            match result {
                Ok(report) => {
                    prop_assert_eq!(stats.imports, 1);
                    prop_assert_eq!(stats.fact_rows as u64, report.imported + report.updated);
                    prop_assert!(report.errors.len() as u64 <= report.errors_total);
                }
                Err(error) => {
                    prop_assert!(!error.to_string().is_empty());
                    prop_assert_eq!((stats.imports, stats.fact_rows), (0, 0), "a failed import stores nothing: {}", error);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_creatives_import_of_anything_reports_or_stores_nothing(
        text in prop_oneof![
            // A real document with a stretch of it replaced by something else.
            (0usize..4000, 0usize..60, ".{0,30}").prop_map(|(at, len, insert)| {
                let real = crate::bidder::demo::creatives_document(3, 4).to_string();
                let at = at.min(real.len());
                let mut cut = at;
                while !real.is_char_boundary(cut) { cut -= 1; }
                let mut end = (cut + len).min(real.len());
                while !real.is_char_boundary(end) { end -= 1; }
                format!("{}{}{}", &real[..cut], insert, &real[end..])
            }),
            ".{0,300}",
        ],
    ) {
        let runtime = runtime();
        runtime.block_on(async {
            let (_dir, store) = fresh_store().await;
            let result = crate::bidder::catalog::import_creatives(&store, &text, "fuzz.json", "fuzz", "", 1_795_262_400).await;
            let stored = store.catalog_stats().await.expect("stats").creatives;
            match result {
                Ok(report) => prop_assert_eq!(stored as u64, report.inserted),
                Err(error) => {
                    prop_assert!(!error.to_string().is_empty());
                    prop_assert_eq!(stored, 0, "a refused document stores nothing: {}", error);
                }
            }
            Ok(())
        })?;
    }
}
