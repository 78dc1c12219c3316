//! Scheduled e-mail reports and their deliveries on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl ReportStore for SqliteStore {
    async fn save_report_schedule(
        &self,
        id: Option<i64>,
        spec: ReportScheduleSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ReportSchedule> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let recipients = spec.recipients.join(",");
            let saved: i64 = match id {
                None => tx.query_row(
                    INSERT_SCHEDULE,
                    params![
                        spec.property_id,
                        spec.frequency,
                        spec.hour_utc,
                        recipients,
                        spec.enabled,
                        audit.actor,
                        now
                    ],
                    |r| r.get(0),
                )?,
                Some(id) => tx
                    .query_row(
                        UPDATE_SCHEDULE,
                        params![
                            spec.property_id,
                            spec.frequency,
                            spec.hour_utc,
                            recipients,
                            spec.enabled,
                            id
                        ],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("report schedule {id}")))?,
            };
            let schedule = tx.query_row(&format!("{SELECT_SCHEDULES} WHERE id = ?1"), params![saved], |r| {
                Ok(schedule_from(r))
            })??;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(format!("report schedule {saved}"), now))?;
            tx.commit()?;
            Ok(schedule)
        })
        .await
    }

    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{SELECT_SCHEDULES} ORDER BY id"))?;
            let rows = stmt.query_map([], |r| Ok(schedule_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn delete_report_schedule(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(DELETE_DELIVERIES, params![id])?;
            tx.query_row(DELETE_SCHEDULE, params![id], |r| r.get::<_, i64>(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("report schedule {id}")))?;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(format!("report schedule {id}"), now))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn claim_report(&self, schedule_id: i64, period: String, now: i64) -> StoreResult<bool> {
        self.write(move |conn| {
            let claimed = conn
                .query_row(
                    CLAIM_DELIVERY,
                    params![schedule_id, period, now, REPORT_ATTEMPTS, now - REPORT_RETRY_AFTER],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?;
            Ok(claimed.is_some())
        })
        .await
    }

    async fn finish_report(
        &self,
        schedule_id: i64,
        period: String,
        status: String,
        error: Option<String>,
        now: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(FINISH_DELIVERY, params![schedule_id, period, status, error, now])?;
            Ok(())
        })
        .await
    }

    async fn report_deliveries(&self, schedule_id: Option<i64>, limit: i64) -> StoreResult<Vec<ReportDelivery>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(SELECT_DELIVERIES)?;
            let rows = stmt.query_map(params![schedule_id, limit], |r| Ok(delivery_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }
}
