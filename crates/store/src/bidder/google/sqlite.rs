//! Seats and syncs on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl GoogleStore for SqliteStore {
    async fn record_discovered_seats(&self, seats: Vec<DiscoveredSeat>, actor: String, now: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for s in &seats {
                tx.execute(
                    UPSERT_SEAT,
                    params![
                        s.seat_id,
                        s.display_name,
                        s.bidder_account_id,
                        s.key_email,
                        s.active_creative_count,
                        s.maximum_active_creative_count,
                        now
                    ],
                )?;
            }
            crate::platform::audit::sqlite::insert_audit(&tx, &discovery_audit(&seats, actor, now))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn google_seats(&self) -> StoreResult<Vec<GoogleSeat>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_SEATS)?;
            let rows = stmt
                .query_map([], |r| Ok(seat_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn start_sync(
        &self,
        seat_id: String,
        actor: String,
        resumed_from: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        self.write(
            move |conn| Ok(conn.query_row(START_SYNC, params![seat_id, actor, now, resumed_from], |r| r.get(0))?),
        )
        .await
    }

    async fn record_sync_page(&self, id: i64, counts: SyncCounts, next_page_token: Option<String>) -> StoreResult<()> {
        self.write(move |conn| {
            let c = counts;
            conn.execute(
                RECORD_PAGE,
                params![
                    id,
                    c.pages,
                    c.creatives,
                    c.inserted,
                    c.updated,
                    c.unchanged,
                    c.rejected,
                    next_page_token
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn finish_sync(&self, id: i64, failed: Option<String>, now: i64) -> StoreResult<SyncRun> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let status = if failed.is_some() { "failed" } else { "done" };
            tx.execute(FINISH_SYNC, params![id, status, failed, now])?;
            let run = tx
                .query_row(&run_by_id(), params![id], |r| Ok(run_from(r)?))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("sync {id}")))?;
            tx.execute(SEAT_AFTER_SYNC, params![run.seat_id, now, failed])?;
            crate::platform::audit::sqlite::insert_audit(&tx, &sync_audit(&run, now))?;
            tx.commit()?;
            Ok(run)
        })
        .await
    }

    async fn sync_runs(&self, seat_id: Option<String>, limit: i64) -> StoreResult<Vec<SyncRun>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&recent_runs())?;
            let rows = stmt
                .query_map(params![seat_id, limit], |r| Ok(run_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
