//! Waste: sums over the traffic, funnel, bid-filtering and quality reports in a window, and
//! the creatives that can serve each size. The SQL is written once for both engines; only
//! the casts PostgreSQL needs differ (`Dialect`).

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

/// Dates are `YYYY-MM-DD`, both ends included; `seat` narrows to one buyer seat (rows
/// without a seat, like the bidder's own traffic, always count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasteFilter {
    pub start: String,
    pub end: String,
    pub seat: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SizeRequests {
    pub size: String,
    pub requests: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SizeCreatives {
    pub size: String,
    pub category: String,
    /// Creatives approved for serving (network policy).
    pub approved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SizeImpressions {
    pub size: String,
    pub impressions: i64,
}

/// A funnel report's sums for one key (a country, a publisher, or '' for all).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunnelSums {
    pub key: String,
    pub counts: rtbcat_core::bidder::waste::FunnelCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilteringSums {
    pub reason: String,
    pub bids: i64,
    pub bids_in_auction: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QualitySums {
    pub publisher: String,
    pub impressions: i64,
    pub ivt_credited_impressions: i64,
}

/// What a funnel is grouped by; each reads the report that has the dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelBy {
    /// One row for everything (from the geo report, which every buyer can pull).
    All,
    Geo,
    Publisher,
}

#[async_trait]
pub trait WasteStore: Send + Sync {
    /// The newest day any traffic or funnel report covers.
    async fn latest_traffic_date(&self) -> StoreResult<Option<String>>;
    /// Bid requests per canonical size, from the bidder's traffic report.
    async fn size_requests(&self, filter: WasteFilter) -> StoreResult<Vec<SizeRequests>>;
    /// Creatives per canonical size, and how many are approved.
    async fn size_creatives(&self, seat: Option<String>) -> StoreResult<Vec<SizeCreatives>>;
    /// Impressions per canonical size, from the performance facts of creatives of that size.
    async fn size_impressions(&self, filter: WasteFilter) -> StoreResult<Vec<SizeImpressions>>;
    async fn funnel_sums(&self, filter: WasteFilter, by: FunnelBy) -> StoreResult<Vec<FunnelSums>>;
    /// Bids by filtering reason, most first.
    async fn filtering_sums(&self, filter: WasteFilter) -> StoreResult<Vec<FilteringSums>>;
    async fn quality_sums(&self, filter: WasteFilter) -> StoreResult<Vec<QualitySums>>;
    /// Which report kinds have at least one row in the window.
    async fn kinds_present(&self, filter: WasteFilter) -> StoreResult<Vec<String>>;
}

/// The report kinds waste reads, each found by the (kind, date, …) key index.
pub(crate) const WASTE_KINDS: [&str; 5] = [
    "traffic",
    "funnel_by_geo",
    "funnel_by_publisher",
    "bid_filtering",
    "quality",
];

/// The newest date of any kind waste reads: a MAX per kind is one index probe each, where
/// a MAX over the table would read every row.
pub(crate) fn latest_traffic_sql(date: &str) -> String {
    let parts: Vec<String> = WASTE_KINDS
        .iter()
        .map(|k| format!("SELECT MAX(date) AS d FROM rtb_traffic WHERE kind = '{k}'"))
        .collect();
    format!("SELECT {date} FROM ({}) latest", parts.join(" UNION ALL "))
}

pub(crate) fn kinds_present_sql(d: &Dialect) -> String {
    let parts: Vec<String> = WASTE_KINDS
        .iter()
        .map(|k| {
            format!(
                "SELECT '{k}' AS kind WHERE EXISTS (SELECT 1 FROM rtb_traffic WHERE kind = '{k}' AND {})",
                window(d)
            )
        })
        .collect();
    parts.join(" UNION ALL ")
}

/// The casts each engine needs around parameters: SQLite compares text dates; PostgreSQL
/// wants typed parameters.
pub(crate) struct Dialect {
    pub(crate) date: &'static str,
    pub(crate) text: &'static str,
}

pub(crate) const SQLITE: Dialect = Dialect { date: "", text: "" };
pub(crate) const POSTGRES: Dialect = Dialect {
    date: "::TEXT::DATE",
    text: "::TEXT",
};

fn sum(column: &str) -> String {
    format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")
}

/// `?1` start, `?2` end, `?3` seat (or null).
fn window(d: &Dialect) -> String {
    format!(
        "date >= ?1{date} AND date <= ?2{date} AND (?3{text} IS NULL OR seat_id = ?3 OR seat_id = '')",
        date = d.date,
        text = d.text
    )
}

/// From the daily rollup (`traffic_size_daily`), not the raw rows.
pub(crate) fn size_requests_sql(d: &Dialect) -> String {
    format!(
        "SELECT size, {} FROM traffic_size_daily WHERE {} GROUP BY size",
        sum("requests"),
        window(d)
    )
}

/// Rebuilds the size rollup for the days `days` names (a condition on `date`), from the
/// traffic rows; run in the import's transaction after its rows are written.
pub(crate) fn rebuild_size_daily_sql(days: &str) -> [String; 2] {
    [
        format!("DELETE FROM traffic_size_daily WHERE {days}"),
        format!(
            "INSERT INTO traffic_size_daily (date, size, seat_id, requests) \
             SELECT date, size, seat_id, {} FROM rtb_traffic WHERE kind = 'traffic' AND size <> '' AND {days} \
             GROUP BY date, size, seat_id",
            sum("requests")
        ),
    ]
}

pub(crate) fn size_creatives_sql(d: &Dialect) -> String {
    format!(
        "SELECT canonical_size, MIN(size_category), {} FROM creatives WHERE (?1{} IS NULL OR seat_id = ?1) \
         GROUP BY canonical_size",
        sum("CASE WHEN status = 'APPROVED' THEN 1 ELSE 0 END"),
        d.text
    )
}

pub(crate) fn size_impressions_sql(d: &Dialect) -> String {
    format!(
        "SELECT c.canonical_size, {} FROM performance_daily f \
         JOIN (SELECT creative_id, MIN(canonical_size) AS canonical_size FROM creatives \
               WHERE (?3{text} IS NULL OR seat_id = ?3) GROUP BY creative_id) c ON c.creative_id = f.creative_id \
         WHERE f.date >= ?1{date} AND f.date <= ?2{date} GROUP BY c.canonical_size",
        sum("f.impressions"),
        date = d.date,
        text = d.text
    )
}

pub(crate) fn funnel_sql(d: &Dialect, by: FunnelBy) -> String {
    let (key, kind) = match by {
        FunnelBy::All => ("''", "funnel_by_geo"),
        FunnelBy::Geo => ("country", "funnel_by_geo"),
        FunnelBy::Publisher => ("publisher", "funnel_by_publisher"),
    };
    format!(
        "SELECT {key} AS k, {}, {}, {}, {}, {}, {}, {} FROM rtb_traffic WHERE kind = '{kind}' AND {} GROUP BY k",
        sum("bid_requests"),
        sum("inventory_matches"),
        sum("successful_responses"),
        sum("bids"),
        sum("bids_in_auction"),
        sum("auctions_won"),
        sum("impressions"),
        window(d)
    )
}

pub(crate) fn filtering_sql(d: &Dialect) -> String {
    format!(
        "SELECT filtering_reason, {}, {} FROM rtb_traffic WHERE kind = 'bid_filtering' AND {} \
         GROUP BY filtering_reason ORDER BY 2 DESC, 1",
        sum("bids"),
        sum("bids_in_auction"),
        window(d)
    )
}

pub(crate) fn quality_sql(d: &Dialect) -> String {
    format!(
        "SELECT publisher, {}, {} FROM rtb_traffic WHERE kind = 'quality' AND publisher <> '' AND {} GROUP BY publisher",
        sum("impressions"),
        sum("ivt_credited_impressions"),
        window(d)
    )
}

// Each row type mapped once, for both engines.

pub(crate) fn size_requests_from(r: &impl Columns) -> StoreResult<SizeRequests> {
    Ok(SizeRequests {
        size: r.col(0)?,
        requests: r.col(1)?,
    })
}

pub(crate) fn size_creatives_from(r: &impl Columns) -> StoreResult<SizeCreatives> {
    Ok(SizeCreatives {
        size: r.col(0)?,
        category: r.col(1)?,
        approved: r.col(2)?,
    })
}

pub(crate) fn size_impressions_from(r: &impl Columns) -> StoreResult<SizeImpressions> {
    Ok(SizeImpressions {
        size: r.col(0)?,
        impressions: r.col(1)?,
    })
}

pub(crate) fn funnel_sums_from(r: &impl Columns) -> StoreResult<FunnelSums> {
    Ok(FunnelSums {
        key: r.col(0)?,
        counts: rtbcat_core::bidder::waste::FunnelCounts {
            bid_requests: r.col(1)?,
            inventory_matches: r.col(2)?,
            successful_responses: r.col(3)?,
            bids: r.col(4)?,
            bids_in_auction: r.col(5)?,
            auctions_won: r.col(6)?,
            impressions: r.col(7)?,
        },
    })
}

pub(crate) fn filtering_sums_from(r: &impl Columns) -> StoreResult<FilteringSums> {
    Ok(FilteringSums {
        reason: r.col(0)?,
        bids: r.col(1)?,
        bids_in_auction: r.col(2)?,
    })
}

pub(crate) fn quality_sums_from(r: &impl Columns) -> StoreResult<QualitySums> {
    Ok(QualitySums {
        publisher: r.col(0)?,
        impressions: r.col(1)?,
        ivt_credited_impressions: r.col(2)?,
    })
}
