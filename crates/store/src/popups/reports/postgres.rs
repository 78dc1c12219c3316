//! Scheduled e-mail reports and their deliveries on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl ReportStore for PgStore {
    async fn save_report_schedule(
        &self,
        id: Option<i64>,
        spec: ReportScheduleSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ReportSchedule> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let recipients = spec.recipients.join(",");
        let saved: i64 = match id {
            None => tx
                .query_one(
                    &pg(INSERT_SCHEDULE),
                    &[
                        &spec.property_id,
                        &spec.frequency,
                        &spec.hour_utc,
                        &recipients,
                        &spec.enabled,
                        &audit.actor,
                        &now,
                    ],
                )
                .await?
                .try_get(0)?,
            Some(id) => tx
                .query_opt(
                    &pg(UPDATE_SCHEDULE),
                    &[
                        &spec.property_id,
                        &spec.frequency,
                        &spec.hour_utc,
                        &recipients,
                        &spec.enabled,
                        &id,
                    ],
                )
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("report schedule {id}")))?
                .try_get(0)?,
        };
        let row = tx
            .query_one(&format!("{SELECT_SCHEDULES} WHERE id = $1"), &[&saved])
            .await?;
        let schedule = schedule_from(&row)?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(format!("report schedule {saved}"), now))
            .await?;
        tx.commit().await?;
        Ok(schedule)
    }

    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>> {
        let client = self.client().await?;
        let rows = client.query(&format!("{SELECT_SCHEDULES} ORDER BY id"), &[]).await?;
        rows.iter().map(schedule_from).collect()
    }

    async fn delete_report_schedule(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(&pg(DELETE_DELIVERIES), &[&id]).await?;
        tx.query_opt(&pg(DELETE_SCHEDULE), &[&id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("report schedule {id}")))?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(format!("report schedule {id}"), now)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_report(&self, schedule_id: i64, period: String, now: i64) -> StoreResult<bool> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &pg(CLAIM_DELIVERY),
                &[
                    &schedule_id,
                    &period,
                    &now,
                    &REPORT_ATTEMPTS,
                    &(now - REPORT_RETRY_AFTER),
                ],
            )
            .await?;
        Ok(row.is_some())
    }

    async fn finish_report(
        &self,
        schedule_id: i64,
        period: String,
        status: String,
        error: Option<String>,
        now: i64,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(&pg(FINISH_DELIVERY), &[&schedule_id, &period, &status, &error, &now])
            .await?;
        Ok(())
    }

    async fn report_deliveries(&self, schedule_id: Option<i64>, limit: i64) -> StoreResult<Vec<ReportDelivery>> {
        let client = self.client().await?;
        let rows = client.query(&pg(SELECT_DELIVERIES), &[&schedule_id, &limit]).await?;
        rows.iter().map(delivery_from).collect()
    }
}
