//! Alerts on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl AlertStore for SqliteStore {
    async fn alert_rules(&self) -> StoreResult<Vec<AlertRule>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_RULES)?;
            let rows = stmt
                .query_map([], |r| Ok(rule_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn create_alert_rule(&self, rule: NewAlertRule, actor: String, now: i64) -> StoreResult<AlertRule> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let saved = tx.query_row(
                INSERT_RULE,
                params![
                    rule.name,
                    rule.kind,
                    rule.threshold_permille,
                    rule.webhook_url,
                    rule.email,
                    actor,
                    now
                ],
                |r| Ok(rule_from(r)?),
            )?;
            crate::platform::audit::sqlite::insert_audit(&tx, &rule_audit("alerts.create", &saved.name, actor, now))?;
            tx.commit()?;
            Ok(saved)
        })
        .await
    }

    async fn delete_alert_rule(&self, id: i64, actor: String, now: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(DELETE_RULE_STATES, params![id])?;
            let name: Option<String> = tx.query_row(DELETE_RULE, params![id], |r| r.get(0)).optional()?;
            let name = name.ok_or_else(|| StoreError::NotFound(format!("alert rule {id}")))?;
            crate::platform::audit::sqlite::insert_audit(&tx, &rule_audit("alerts.delete", &name, actor, now))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn active_alerts(&self) -> StoreResult<Vec<ActiveAlert>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_ACTIVE)?;
            let rows = stmt
                .query_map([], |r| Ok(active_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn record_alert_changes(
        &self,
        rule_id: i64,
        fired: Vec<(String, String)>,
        cleared: Vec<String>,
        now: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (subject, message) in &fired {
                tx.execute(INSERT_ACTIVE, params![rule_id, subject, message, now])?;
            }
            for subject in &cleared {
                tx.execute(DELETE_ACTIVE, params![rule_id, subject])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn log_delivery(&self, d: Delivery) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                INSERT_DELIVERY,
                params![d.rule_id, d.subject, d.event, d.message, d.channel, d.status, d.attempts, d.error, d.at],
            )?;
            Ok(())
        })
        .await
    }

    async fn recent_deliveries(&self, limit: i64) -> StoreResult<Vec<Delivery>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(RECENT_DELIVERIES)?;
            let rows = stmt
                .query_map(params![limit], |r| Ok(delivery_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn take_lease(&self, name: String, holder: String, now: i64, until: i64) -> StoreResult<bool> {
        self.write(move |conn| {
            let won: Option<String> = conn
                .query_row(TAKE_LEASE, params![name, holder, now, until], |r| r.get(0))
                .optional()?;
            Ok(won.is_some())
        })
        .await
    }
}
