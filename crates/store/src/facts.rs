//! SQL shared by both backends for performance and traffic facts.

pub(crate) const PERFORMANCE_COLUMNS: &str =
    "seat_id, creative_id, date, hour, country, device, placement, impressions, clicks, spend_micros, reached_queries, bids";
pub(crate) const PERFORMANCE_KEY: &str = "seat_id, creative_id, date, hour, country, device, placement";
pub(crate) const PERFORMANCE_UPDATE: &str = "impressions = excluded.impressions, clicks = excluded.clicks, \
     spend_micros = excluded.spend_micros, reached_queries = excluded.reached_queries, bids = excluded.bids";

/// Replaces a fact's measures by its natural key; parameters in `PERFORMANCE_COLUMNS` order.
pub(crate) const PERFORMANCE_UPDATE_BY_KEY: &str = "UPDATE performance_metrics SET impressions = ?8, clicks = ?9, \
     spend_micros = ?10, reached_queries = ?11, bids = ?12 WHERE seat_id = ?1 AND creative_id = ?2 AND date = ?3 \
     AND hour = ?4 AND country = ?5 AND device = ?6 AND placement = ?7";

/// Rebuilds the daily rollup for the (creative_id, date) pairs listed by `touched`, a table or
/// subquery: drop their rollup rows, then sum their facts again. Run inside the import's
/// transaction, so the rollup never disagrees with the facts.
pub(crate) fn rebuild_daily_sql(touched: &str) -> [String; 2] {
    [
        format!(
            "DELETE FROM performance_daily WHERE (date, creative_id) IN (SELECT date, creative_id FROM {touched} t)"
        ),
        format!(
            "INSERT INTO performance_daily (date, creative_id, country, spend_micros, impressions, clicks, fact_rows) \
             SELECT m.date, m.creative_id, m.country, CAST(SUM(m.spend_micros) AS BIGINT), \
             CAST(SUM(m.impressions) AS BIGINT), CAST(SUM(m.clicks) AS BIGINT), COUNT(*) \
             FROM {touched} t JOIN performance_metrics m ON m.creative_id = t.creative_id AND m.date = t.date \
             GROUP BY m.date, m.creative_id, m.country"
        ),
    ]
}

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
