//! Popup analytics: the hourly rollup grouped by day, hour, offer, property, country or device on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

#[async_trait]
impl PopupAnalyticsStore for SqliteStore {
    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&analytics_sql(filter.group_by))?;
            let rows = stmt.query_map(
                params![
                    filter.property_id,
                    filter.offer_id,
                    filter.from,
                    format!("{}T23", filter.to)
                ],
                |r| Ok(analytics_from(r)),
            )?;
            rows.map(|r| r?).collect()
        })
        .await
    }
}
