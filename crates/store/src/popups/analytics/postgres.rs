//! Popup analytics: the hourly rollup grouped by day, hour, offer, property, country or device on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl PopupAnalyticsStore for PgStore {
    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>> {
        let client = self.client().await?;
        let last = format!("{}T23", filter.to);
        let rows = client
            .query(
                &pg(&analytics_sql(filter.group_by)),
                &[&filter.property_id, &filter.offer_id, &filter.from, &last],
            )
            .await?;
        rows.iter().map(analytics_from).collect()
    }
}
