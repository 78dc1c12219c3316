//! Alerts: rules, what is firing now per rule and subject, the delivery log, and the lease
//! that lets one evaluator run when several instances share a database.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub threshold_permille: i64,
    pub webhook_url: Option<String>,
    pub email: Option<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlertRule {
    pub name: String,
    pub kind: String,
    pub threshold_permille: i64,
    pub webhook_url: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAlert {
    pub rule_id: i64,
    pub subject: String,
    pub message: String,
    pub since: i64,
}

/// One delivery attempt's outcome, as logged (and as the API shows it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub rule_id: i64,
    pub subject: String,
    /// `fired` or `cleared`.
    pub event: String,
    pub message: String,
    /// `webhook`, `email` or `none`.
    pub channel: String,
    /// `sent`, `failed` or `logged`.
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub at: i64,
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    async fn alert_rules(&self) -> StoreResult<Vec<AlertRule>>;
    async fn create_alert_rule(&self, rule: NewAlertRule, actor: String, now: i64) -> StoreResult<AlertRule>;
    async fn delete_alert_rule(&self, id: i64, actor: String, now: i64) -> StoreResult<()>;
    async fn active_alerts(&self) -> StoreResult<Vec<ActiveAlert>>;
    /// Records what started firing and what cleared for a rule, in one transaction.
    async fn record_alert_changes(
        &self,
        rule_id: i64,
        fired: Vec<(String, String)>,
        cleared: Vec<String>,
        now: i64,
    ) -> StoreResult<()>;
    async fn log_delivery(&self, delivery: Delivery) -> StoreResult<()>;
    async fn recent_deliveries(&self, limit: i64) -> StoreResult<Vec<Delivery>>;
    /// Takes (or renews) the named lease for `holder` until `until` when it is free or
    /// expired or already theirs; whether they hold it now.
    async fn take_lease(&self, name: String, holder: String, now: i64, until: i64) -> StoreResult<bool>;
}

pub(crate) const LIST_RULES: &str = "SELECT id, name, kind, threshold_permille, webhook_url, email, enabled, \
     created_by, created_at FROM alert_rules ORDER BY id";
pub(crate) const INSERT_RULE: &str = "INSERT INTO alert_rules (name, kind, threshold_permille, webhook_url, email, \
     created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id, name, kind, threshold_permille, \
     webhook_url, email, enabled, created_by, created_at";
pub(crate) const DELETE_RULE_STATES: &str = "DELETE FROM alert_states WHERE rule_id = ?1";
pub(crate) const DELETE_RULE: &str = "DELETE FROM alert_rules WHERE id = ?1 RETURNING name";
pub(crate) const LIST_ACTIVE: &str =
    "SELECT rule_id, subject, message, since FROM alert_states ORDER BY rule_id, subject";
pub(crate) const INSERT_ACTIVE: &str =
    "INSERT INTO alert_states (rule_id, subject, message, since) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (rule_id, subject) DO NOTHING";
pub(crate) const DELETE_ACTIVE: &str = "DELETE FROM alert_states WHERE rule_id = ?1 AND subject = ?2";
pub(crate) const INSERT_DELIVERY: &str = "INSERT INTO alert_deliveries (rule_id, subject, event, message, channel, \
     status, attempts, error, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
pub(crate) const RECENT_DELIVERIES: &str = "SELECT id, rule_id, subject, event, message, channel, status, attempts, \
     error, at FROM alert_deliveries ORDER BY id DESC LIMIT ?1";
/// Takes the lease when free, expired, or already held by the caller (one statement, so
/// two instances cannot both win).
pub(crate) const TAKE_LEASE: &str = "INSERT INTO alert_lease (name, holder, until) VALUES (?1, ?2, ?4) \
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
     WHERE alert_lease.until < ?3 OR alert_lease.holder = excluded.holder RETURNING holder";

pub(crate) fn rule_from(r: &impl Columns) -> StoreResult<AlertRule> {
    Ok(AlertRule {
        id: r.col(0)?,
        name: r.col(1)?,
        kind: r.col(2)?,
        threshold_permille: r.col(3)?,
        webhook_url: r.col(4)?,
        email: r.col(5)?,
        enabled: r.col(6)?,
        created_by: r.col(7)?,
        created_at: r.col(8)?,
    })
}

pub(crate) fn active_from(r: &impl Columns) -> StoreResult<ActiveAlert> {
    Ok(ActiveAlert {
        rule_id: r.col(0)?,
        subject: r.col(1)?,
        message: r.col(2)?,
        since: r.col(3)?,
    })
}

pub(crate) fn delivery_from(r: &impl Columns) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: r.col(0)?,
        rule_id: r.col(1)?,
        subject: r.col(2)?,
        event: r.col(3)?,
        message: r.col(4)?,
        channel: r.col(5)?,
        status: r.col(6)?,
        attempts: r.col(7)?,
        error: r.col(8)?,
        at: r.col(9)?,
    })
}

pub(crate) fn rule_audit(action: &str, name: &str, actor: String, at: i64) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor,
        action: action.into(),
        subject: Some(name.to_string()),
        details: serde_json::Value::Null,
    }
}
