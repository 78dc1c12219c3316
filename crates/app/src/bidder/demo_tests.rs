//! Tests of `demo`.

use super::*;

#[test]
fn deterministic_for_a_seed() {
    assert_eq!(creatives_document(7, 40), creatives_document(7, 40));
    assert_ne!(creatives_document(7, 40), creatives_document(8, 40));
}

#[test]
fn demo_creatives_pass_the_importer_and_cover_the_catalog() {
    let doc = creatives_document(DEFAULT_SEED, DEFAULT_CREATIVES).to_string();
    let records = crate::bidder::catalog::prepare_records(
        &doc,
        rtbcat_core::bidder::catalog::creative::DEFAULT_BUYERS_UI_TEMPLATE,
    )
    .unwrap_or_else(|(errors, _)| panic!("demo must import cleanly: {errors:?}"));
    assert_eq!(records.len(), DEFAULT_CREATIVES);
    let formats: std::collections::HashSet<_> = records.iter().map(|r| r.creative.format).collect();
    assert_eq!(formats.len(), 3);
    let seats: std::collections::HashSet<_> = records.iter().map(|r| r.creative.seat_id.clone()).collect();
    assert_eq!(seats.len(), 2);
    let apps = records
        .iter()
        .filter(|r| r.creative.primary_destination().is_some_and(|d| d.is_app()))
        .count();
    let web = records
        .iter()
        .filter(|r| r.creative.primary_destination().is_some_and(|d| !d.is_app()))
        .count();
    assert!(apps > 50 && web > 50, "apps {apps}, web {web}");
    assert!(
        records.iter().all(|r| r.creative.primary_destination().is_some()),
        "every demo creative has a destination"
    );
    let languages: std::collections::HashSet<_> = records.iter().flat_map(|r| r.creative.languages.clone()).collect();
    assert!(languages.len() >= 8);
    assert!(records.iter().any(|r| r.creative.has_click_macro == Some(false)));
    assert!(records.iter().any(|r| r.creative.size.snapped));
    let creatives: Vec<(String, String)> = records
        .iter()
        .map(|r| (r.creative.creative_id.clone(), r.creative.seat_id.clone()))
        .collect();
    let mut facts = Vec::new();
    let written = performance_facts(
        1,
        &creatives,
        20_000,
        time::macros::date!(2026 - 11 - 20),
        &Planted::default(),
        |batch| {
            facts.extend(batch);
            true
        },
    );
    assert_eq!(written, facts.len());
    assert!(written >= 20_000, "at least the rows asked for: {written}");
    let mut spend: std::collections::HashMap<&str, i64> = Default::default();
    for f in &facts {
        *spend.entry(f.creative_id.as_str()).or_default() += f.spend_micros;
        assert!(f.clicks <= f.impressions && f.spend_micros >= 0);
        assert!(f.date < time::macros::date!(2026 - 11 - 20));
    }
    let mut by_creative: Vec<i64> = spend.values().copied().collect();
    by_creative.sort_unstable_by(|a, b| b.cmp(a));
    let top_tenth: i64 = by_creative.iter().take(by_creative.len() / 10).sum();
    assert!(
        top_tenth * 2 > by_creative.iter().sum::<i64>(),
        "a few creatives carry most spend"
    );
    let videos: Vec<_> = records
        .iter()
        .filter(|r| r.creative.format == rtbcat_core::CreativeFormat::Video)
        .collect();
    assert!(!videos.is_empty());
    assert!(
        videos
            .iter()
            .all(|r| r.creative.size.label.starts_with("video ") && r.creative.size.label.contains(':')),
        "every demo video has a named aspect ratio"
    );
}
