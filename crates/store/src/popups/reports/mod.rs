//! Scheduled e-mail reports and their deliveries, one row per schedule and period.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// A report schedule: whose report, how often, from which UTC hour, to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSchedule {
    pub id: i64,
    /// None: every property.
    pub property_id: Option<i64>,
    pub frequency: String,
    pub hour_utc: i64,
    pub recipients: Vec<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
}

/// A schedule as saved (validated by the app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportScheduleSpec {
    pub property_id: Option<i64>,
    pub frequency: String,
    pub hour_utc: i64,
    pub recipients: Vec<String>,
    pub enabled: bool,
}

/// One report period of a schedule: claimed, then sent or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDelivery {
    pub schedule_id: i64,
    pub period: String,
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub claimed_at: i64,
    pub finished_at: Option<i64>,
}

/// How often a failed delivery is tried in all.
pub const REPORT_ATTEMPTS: i64 = 3;

/// Seconds before a failed delivery may be claimed again.
pub const REPORT_RETRY_AFTER: i64 = 600;

pub(crate) const SELECT_SCHEDULES: &str = "SELECT id, property_id, frequency, hour_utc, recipients, enabled, \
     created_by, created_at FROM report_schedules";

pub(crate) const INSERT_SCHEDULE: &str = "INSERT INTO report_schedules (property_id, frequency, hour_utc, \
     recipients, enabled, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";

pub(crate) const UPDATE_SCHEDULE: &str = "UPDATE report_schedules SET property_id = ?1, frequency = ?2, \
     hour_utc = ?3, recipients = ?4, enabled = ?5 WHERE id = ?6 RETURNING id";

pub(crate) const DELETE_DELIVERIES: &str = "DELETE FROM report_deliveries WHERE schedule_id = ?1";

pub(crate) const DELETE_SCHEDULE: &str = "DELETE FROM report_schedules WHERE id = ?1 RETURNING id";

/// Claims a period: a new row, or a failed one whose retry time has come. Returns the row
/// only when this caller got it, so a period is mailed by one caller at most once.
pub(crate) const CLAIM_DELIVERY: &str = "INSERT INTO report_deliveries (schedule_id, period, status, attempts, \
     claimed_at) VALUES (?1, ?2, 'sending', 1, ?3) ON CONFLICT (schedule_id, period) DO UPDATE SET \
     status = 'sending', attempts = report_deliveries.attempts + 1, claimed_at = excluded.claimed_at, error = NULL \
     WHERE report_deliveries.status = 'failed' AND report_deliveries.attempts < ?4 \
     AND report_deliveries.claimed_at <= ?5 RETURNING attempts";

pub(crate) const FINISH_DELIVERY: &str = "UPDATE report_deliveries SET status = ?3, error = ?4, finished_at = ?5 \
     WHERE schedule_id = ?1 AND period = ?2";

pub(crate) const SELECT_DELIVERIES: &str = "SELECT schedule_id, period, status, attempts, error, claimed_at, \
     finished_at FROM report_deliveries WHERE (CAST(?1 AS BIGINT) IS NULL OR schedule_id = ?1) \
     ORDER BY claimed_at DESC, period DESC LIMIT ?2";

pub(crate) fn schedule_from(row: &impl Columns) -> StoreResult<ReportSchedule> {
    Ok(ReportSchedule {
        id: row.col::<i64>(0)?,
        property_id: row.col::<Option<i64>>(1)?,
        frequency: row.col::<String>(2)?,
        hour_utc: row.col::<i64>(3)?,
        recipients: row
            .col::<String>(4)?
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        enabled: row.col::<bool>(5)?,
        created_by: row.col::<String>(6)?,
        created_at: row.col::<i64>(7)?,
    })
}

pub(crate) fn delivery_from(row: &impl Columns) -> StoreResult<ReportDelivery> {
    Ok(ReportDelivery {
        schedule_id: row.col::<i64>(0)?,
        period: row.col::<String>(1)?,
        status: row.col::<String>(2)?,
        attempts: row.col::<i64>(3)?,
        error: row.col::<Option<String>>(4)?,
        claimed_at: row.col::<i64>(5)?,
        finished_at: row.col::<Option<i64>>(6)?,
    })
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Creates (`id` None) or replaces a schedule, with its audit line.
    async fn save_report_schedule(
        &self,
        id: Option<i64>,
        spec: ReportScheduleSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ReportSchedule>;

    async fn report_schedules(&self) -> StoreResult<Vec<ReportSchedule>>;

    /// Deletes a schedule and its delivery log.
    async fn delete_report_schedule(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()>;

    /// Claims a schedule's period for sending; false when it is sent, being sent, or failed
    /// too often or too recently.
    async fn claim_report(&self, schedule_id: i64, period: String, now: i64) -> StoreResult<bool>;

    /// Records how a claimed delivery ended: `sent` or `failed` with its reason.
    async fn finish_report(
        &self,
        schedule_id: i64,
        period: String,
        status: String,
        error: Option<String>,
        now: i64,
    ) -> StoreResult<()>;

    /// The newest deliveries, of one schedule or all.
    async fn report_deliveries(&self, schedule_id: Option<i64>, limit: i64) -> StoreResult<Vec<ReportDelivery>>;
}
