//! Seats and syncs on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

#[async_trait]
impl GoogleStore for PgStore {
    async fn record_discovered_seats(&self, seats: Vec<DiscoveredSeat>, actor: String, now: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let upsert = tx.prepare(&pg(UPSERT_SEAT)).await?;
        for s in &seats {
            tx.execute(
                &upsert,
                &[
                    &s.seat_id,
                    &s.display_name,
                    &s.bidder_account_id,
                    &s.key_email,
                    &s.active_creative_count,
                    &s.maximum_active_creative_count,
                    &now,
                ],
            )
            .await?;
        }
        crate::platform::audit::postgres::insert_audit(&tx, &discovery_audit(&seats, actor, now)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn google_seats(&self) -> StoreResult<Vec<GoogleSeat>> {
        let rows = self.client().await?.query(&pg(LIST_SEATS), &[]).await?;
        rows.iter().map(seat_from).collect()
    }

    async fn start_sync(
        &self,
        seat_id: String,
        actor: String,
        resumed_from: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        let row = self
            .client()
            .await?
            .query_one(&pg(START_SYNC), &[&seat_id, &actor, &now, &resumed_from])
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn record_sync_page(&self, id: i64, counts: SyncCounts, next_page_token: Option<String>) -> StoreResult<()> {
        let c = counts;
        self.client()
            .await?
            .execute(
                &pg(RECORD_PAGE),
                &[
                    &id,
                    &c.pages,
                    &c.creatives,
                    &c.inserted,
                    &c.updated,
                    &c.unchanged,
                    &c.rejected,
                    &next_page_token,
                ],
            )
            .await?;
        Ok(())
    }

    async fn finish_sync(&self, id: i64, failed: Option<String>, now: i64) -> StoreResult<SyncRun> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let status = if failed.is_some() { "failed" } else { "done" };
        tx.execute(&pg(FINISH_SYNC), &[&id, &status, &failed, &now]).await?;
        let run = tx
            .query_opt(&pg(&run_by_id()), &[&id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("sync {id}")))?;
        let run = run_from(&run)?;
        tx.execute(&pg(SEAT_AFTER_SYNC), &[&run.seat_id, &now, &failed]).await?;
        crate::platform::audit::postgres::insert_audit(&tx, &sync_audit(&run, now)).await?;
        tx.commit().await?;
        Ok(run)
    }

    async fn sync_runs(&self, seat_id: Option<String>, limit: i64) -> StoreResult<Vec<SyncRun>> {
        let rows = self
            .client()
            .await?
            .query(&pg(&recent_runs()), &[&seat_id, &limit])
            .await?;
        rows.iter().map(run_from).collect()
    }
}
