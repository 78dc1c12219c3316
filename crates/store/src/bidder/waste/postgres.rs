//! Waste sums on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;
use tokio_postgres::types::ToSql;

impl PgStore {
    /// Every row of `sql` (window parameters) mapped by a shared mapper (see `mod.rs`).
    async fn waste_rows<T>(
        &self,
        sql: &str,
        values: &[&(dyn ToSql + Sync)],
        map: fn(&tokio_postgres::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let client = self.client().await?;
        client.query(&pg(sql), values).await?.iter().map(map).collect()
    }
}

#[async_trait]
impl WasteStore for PgStore {
    async fn latest_traffic_date(&self) -> StoreResult<Option<String>> {
        let client = self.client().await?;
        let row = client
            .query_one(&latest_traffic_sql("to_char(MAX(d), 'YYYY-MM-DD')"), &[])
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn size_requests(&self, f: WasteFilter) -> StoreResult<Vec<SizeRequests>> {
        self.waste_rows(
            &size_requests_sql(&POSTGRES),
            &[&f.start, &f.end, &f.seat],
            size_requests_from,
        )
        .await
    }

    async fn size_creatives(&self, seat: Option<String>) -> StoreResult<Vec<SizeCreatives>> {
        self.waste_rows(&size_creatives_sql(&POSTGRES), &[&seat], size_creatives_from)
            .await
    }

    async fn size_impressions(&self, f: WasteFilter) -> StoreResult<Vec<SizeImpressions>> {
        self.waste_rows(
            &size_impressions_sql(&POSTGRES),
            &[&f.start, &f.end, &f.seat],
            size_impressions_from,
        )
        .await
    }

    async fn funnel_sums(&self, f: WasteFilter, by: FunnelBy) -> StoreResult<Vec<FunnelSums>> {
        self.waste_rows(
            &funnel_sql(&POSTGRES, by),
            &[&f.start, &f.end, &f.seat],
            funnel_sums_from,
        )
        .await
    }

    async fn filtering_sums(&self, f: WasteFilter) -> StoreResult<Vec<FilteringSums>> {
        self.waste_rows(
            &filtering_sql(&POSTGRES),
            &[&f.start, &f.end, &f.seat],
            filtering_sums_from,
        )
        .await
    }

    async fn quality_sums(&self, f: WasteFilter) -> StoreResult<Vec<QualitySums>> {
        self.waste_rows(&quality_sql(&POSTGRES), &[&f.start, &f.end, &f.seat], quality_sums_from)
            .await
    }

    async fn kinds_present(&self, f: WasteFilter) -> StoreResult<Vec<String>> {
        self.waste_rows(&kinds_present_sql(&POSTGRES), &[&f.start, &f.end, &f.seat], |r| {
            Ok(r.try_get(0)?)
        })
        .await
    }
}
