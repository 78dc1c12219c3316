//! Popup analytics: the hourly rollup grouped by day, hour, offer, property, country or device.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsGroup {
    Day,
    Hour,
    Offer,
    Property,
    Country,
    Device,
}

#[derive(Debug, Clone)]
pub struct AnalyticsFilter {
    pub property_id: Option<i64>,
    pub offer_id: Option<i64>,
    /// Inclusive, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub group_by: AnalyticsGroup,
}

/// Sums for one group of the hourly rollup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyticsRow {
    pub key: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    pub bot_hits: i64,
}

pub(crate) fn analytics_sql(group: AnalyticsGroup) -> String {
    let key = match group {
        AnalyticsGroup::Day => "substr(hour, 1, 10)",
        AnalyticsGroup::Hour => "hour",
        AnalyticsGroup::Offer => "CAST(offer_id AS TEXT)",
        AnalyticsGroup::Property => "CAST(property_id AS TEXT)",
        AnalyticsGroup::Country => "country",
        AnalyticsGroup::Device => "device",
    };
    format!(
        "SELECT {key} AS k, CAST(SUM(impressions) AS BIGINT), CAST(SUM(clicks) AS BIGINT), \
         CAST(SUM(conversions) AS BIGINT), CAST(SUM(revenue_micros) AS BIGINT), CAST(SUM(bot_hits) AS BIGINT) \
         FROM popup_hourly WHERE (CAST(?1 AS BIGINT) IS NULL OR property_id = ?1) \
         AND (CAST(?2 AS BIGINT) IS NULL OR offer_id = ?2) AND hour >= ?3 AND hour <= ?4 \
         GROUP BY {key} ORDER BY k"
    )
}

pub(crate) fn analytics_from(row: &impl Columns) -> StoreResult<AnalyticsRow> {
    Ok(AnalyticsRow {
        key: row.col::<String>(0)?,
        impressions: row.col::<i64>(1)?,
        clicks: row.col::<i64>(2)?,
        conversions: row.col::<i64>(3)?,
        revenue_micros: row.col::<i64>(4)?,
        bot_hits: row.col::<i64>(5)?,
    })
}

#[async_trait]
pub trait PopupAnalyticsStore: Send + Sync {
    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>>;
}
