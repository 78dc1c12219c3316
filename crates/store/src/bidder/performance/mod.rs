//! Performance and traffic facts: streamed upserts in one transaction, sums and breakdowns, the import history.

mod postgres;
mod postgres_partitions;

mod sqlite;

use crate::*;
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, Default)]
pub struct PerformanceStats {
    pub fact_rows: i64,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub traffic_rows: i64,
    pub imports: i64,
}

/// Facts streamed into the store during an import. The store writes everything in one
/// transaction and commits only when it receives `Commit`, writing the import's history line
/// (its counts filled in) in that same transaction: an import that stops half-way (killed,
/// failed) leaves no trace, and re-running it completes it.
#[derive(Debug)]
pub enum FactBatch {
    Performance(Vec<rtbcat_core::bidder::performance::report::PerformanceFact>),
    Traffic(Vec<rtbcat_core::bidder::performance::report::TrafficFact>),
    Commit(Option<Box<ImportRecord>>),
}

/// How a store takes an import's facts fastest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactBatching {
    /// Performance facts per batch.
    pub rows: usize,
    /// Batches queued between the parser and the store.
    pub in_flight: usize,
    /// Each batch sorted by the fact key first (stably, so the file's last row of a key still
    /// wins): a b-tree keyed by it then takes the batch in one ordered pass instead of a
    /// random descent per row.
    pub key_order: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FactCounts {
    /// Rows that were new.
    pub inserted: u64,
    /// Rows that replaced an earlier import of the same key.
    pub updated: u64,
    /// The history line written with the facts, when the commit carried one.
    pub import_id: Option<i64>,
}

/// One line of the import history.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub kind: String,
    /// `done`, `rejected` (nothing imported) or `failed`.
    pub status: String,
    pub rows_read: i64,
    pub imported: i64,
    pub updated: i64,
    pub skipped: i64,
    pub warnings: i64,
    pub first_errors: serde_json::Value,
    pub duration_ms: i64,
    pub actor: String,
    pub started_at: i64,
}

/// Sums of one creative's facts over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreativeTotals {
    pub creative_id: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// How to break a creative's facts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Date,
    Hour,
    Country,
    Device,
}

/// One group of a breakdown: `key` is the date, hour, country or device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakdownRow {
    pub creative_id: String,
    pub key: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// Which facts to sum: dates are inclusive ISO `YYYY-MM-DD`; `None` is unbounded.
#[derive(Debug, Clone, Default)]
pub struct FactFilter {
    pub start: Option<String>,
    pub end: Option<String>,
    pub country: Option<String>,
}

pub(crate) const PERFORMANCE_COLUMNS: &str =
    "seat_id, creative_id, date, hour, country, device, placement, impressions, clicks, spend_micros, reached_queries, bids";

pub(crate) const PERFORMANCE_UPDATE: &str = "impressions = excluded.impressions, clicks = excluded.clicks, \
     spend_micros = excluded.spend_micros, reached_queries = excluded.reached_queries, bids = excluded.bids";

/// Replaces a fact's measures by its natural key; parameters in `PERFORMANCE_COLUMNS` order.
pub(crate) const PERFORMANCE_UPDATE_BY_KEY: &str = "UPDATE performance_metrics SET impressions = ?8, clicks = ?9, \
     spend_micros = ?10, reached_queries = ?11, bids = ?12 WHERE seat_id = ?1 AND creative_id = ?2 AND date = ?3 \
     AND hour = ?4 AND country = ?5 AND device = ?6 AND placement = ?7";

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

#[async_trait]
pub trait PerformanceStore: Send + Sync {
    // ------------------------------------------------------------ performance
    /// (creative id, seat) of every creative in the catalog: facts for unknown creatives are
    /// flagged, and facts are filed under the creative's seat.
    async fn creative_seats(&self) -> StoreResult<Vec<(String, String)>>;

    /// The batches [`write_facts`](Self::write_facts) takes fastest.
    fn fact_batching(&self) -> FactBatching;

    /// Upsert streamed facts in one transaction (see [`FactBatch`]).
    async fn write_facts(&self, batches: tokio::sync::mpsc::Receiver<FactBatch>) -> StoreResult<FactCounts>;

    /// The newest date with performance facts, if any.
    async fn latest_fact_date(&self) -> StoreResult<Option<String>>;

    /// Per-creative sums over the filter, for creatives with any facts in it.
    async fn performance_totals(&self, filter: FactFilter) -> StoreResult<Vec<CreativeTotals>>;

    /// Sums per creative and per date/hour/country/device.
    async fn performance_breakdown(
        &self,
        creative_ids: Vec<String>,
        filter: FactFilter,
        by: Breakdown,
    ) -> StoreResult<Vec<BreakdownRow>>;

    async fn recent_imports(&self, limit: i64) -> StoreResult<Vec<ImportRecord>>;
}
