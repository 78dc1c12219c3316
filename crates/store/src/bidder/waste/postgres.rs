//! Waste sums on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;
use tokio_postgres::types::ToSql;

impl PgStore {
    async fn waste_rows(&self, sql: &str, values: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<tokio_postgres::Row>> {
        let client = self.client().await?;
        Ok(client.query(&pg(sql), values).await?)
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
        let rows = self
            .waste_rows(&size_requests_sql(&POSTGRES), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SizeRequests {
                    size: r.try_get(0)?,
                    requests: r.try_get(1)?,
                })
            })
            .collect()
    }

    async fn size_creatives(&self, seat: Option<String>) -> StoreResult<Vec<SizeCreatives>> {
        let rows = self.waste_rows(&size_creatives_sql(&POSTGRES), &[&seat]).await?;
        rows.iter()
            .map(|r| {
                Ok(SizeCreatives {
                    size: r.try_get(0)?,
                    category: r.try_get(1)?,
                    approved: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn size_impressions(&self, f: WasteFilter) -> StoreResult<Vec<SizeImpressions>> {
        let rows = self
            .waste_rows(&size_impressions_sql(&POSTGRES), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SizeImpressions {
                    size: r.try_get(0)?,
                    impressions: r.try_get(1)?,
                })
            })
            .collect()
    }

    async fn funnel_sums(&self, f: WasteFilter, by: FunnelBy) -> StoreResult<Vec<FunnelSums>> {
        let rows = self
            .waste_rows(&funnel_sql(&POSTGRES, by), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FunnelSums {
                    key: r.try_get(0)?,
                    bid_requests: r.try_get(1)?,
                    inventory_matches: r.try_get(2)?,
                    successful_responses: r.try_get(3)?,
                    bids: r.try_get(4)?,
                    bids_in_auction: r.try_get(5)?,
                    auctions_won: r.try_get(6)?,
                    impressions: r.try_get(7)?,
                })
            })
            .collect()
    }

    async fn filtering_sums(&self, f: WasteFilter) -> StoreResult<Vec<FilteringSums>> {
        let rows = self
            .waste_rows(&filtering_sql(&POSTGRES), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FilteringSums {
                    reason: r.try_get(0)?,
                    bids: r.try_get(1)?,
                    bids_in_auction: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn quality_sums(&self, f: WasteFilter) -> StoreResult<Vec<QualitySums>> {
        let rows = self
            .waste_rows(&quality_sql(&POSTGRES), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(QualitySums {
                    publisher: r.try_get(0)?,
                    impressions: r.try_get(1)?,
                    ivt_credited_impressions: r.try_get(2)?,
                })
            })
            .collect()
    }

    async fn kinds_present(&self, f: WasteFilter) -> StoreResult<Vec<String>> {
        let rows = self
            .waste_rows(&kinds_present_sql(&POSTGRES), &[&f.start, &f.end, &f.seat])
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
