//! SQL shared by both backends for performance and traffic facts.

pub(crate) const PERFORMANCE_COLUMNS: &str =
    "seat_id, creative_id, date, hour, country, device, placement, impressions, clicks, spend_micros, reached_queries, bids";
pub(crate) const PERFORMANCE_KEY: &str = "seat_id, creative_id, date, hour, country, device, placement";
pub(crate) const PERFORMANCE_UPDATE: &str = "impressions = excluded.impressions, clicks = excluded.clicks, \
     spend_micros = excluded.spend_micros, reached_queries = excluded.reached_queries, bids = excluded.bids";

pub(crate) const TRAFFIC_COLUMNS: &str = "kind, date, hour, country, device, seat_id, publisher, size, format, filtering_reason, \
     bid_requests, inventory_matches, successful_responses, reached_queries, bids, bids_in_auction, auctions_won, \
     impressions, clicks, ivt_credited_impressions, billed_impressions, viewable_impressions, measurable_impressions, requests";
pub(crate) const TRAFFIC_KEY: &str =
    "kind, date, hour, country, device, seat_id, publisher, size, format, filtering_reason";
pub(crate) const TRAFFIC_METRICS: &[&str] = &[
    "bid_requests",
    "inventory_matches",
    "successful_responses",
    "reached_queries",
    "bids",
    "bids_in_auction",
    "auctions_won",
    "impressions",
    "clicks",
    "ivt_credited_impressions",
    "billed_impressions",
    "viewable_impressions",
    "measurable_impressions",
    "requests",
];

pub(crate) fn traffic_update() -> String {
    TRAFFIC_METRICS
        .iter()
        .map(|m| format!("{m} = excluded.{m}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn placeholders(count: usize, placeholder: fn(usize) -> String) -> String {
    (1..=count).map(placeholder).collect::<Vec<_>>().join(", ")
}

/// Hour as stored: -1 for a whole-day row.
pub(crate) fn stored_hour(hour: Option<u8>) -> i64 {
    hour.map_or(-1, i64::from)
}

pub(crate) const IMPORT_COLUMNS: &str =
    "file_name, size_bytes, sha256, kind, status, rows_read, imported, updated, skipped, \
     warnings, first_errors, duration_ms, actor, started_at";
