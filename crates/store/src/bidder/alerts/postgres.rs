//! Alerts on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

#[async_trait]
impl AlertStore for PgStore {
    async fn alert_rules(&self) -> StoreResult<Vec<AlertRule>> {
        let rows = self.client().await?.query(LIST_RULES, &[]).await?;
        rows.iter().map(rule_from).collect()
    }

    async fn create_alert_rule(&self, rule: NewAlertRule, actor: String, now: i64) -> StoreResult<AlertRule> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                &pg(INSERT_RULE),
                &[
                    &rule.name,
                    &rule.kind,
                    &rule.threshold_permille,
                    &rule.webhook_url,
                    &rule.email,
                    &actor,
                    &now,
                ],
            )
            .await?;
        let saved = rule_from(&row)?;
        crate::platform::audit::postgres::insert_audit(&tx, &rule_audit("alerts.create", &saved.name, actor, now))
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn delete_alert_rule(&self, id: i64, actor: String, now: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(&pg(DELETE_RULE_STATES), &[&id]).await?;
        let name: String = tx
            .query_opt(&pg(DELETE_RULE), &[&id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("alert rule {id}")))?
            .try_get(0)?;
        crate::platform::audit::postgres::insert_audit(&tx, &rule_audit("alerts.delete", &name, actor, now)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn active_alerts(&self) -> StoreResult<Vec<ActiveAlert>> {
        let rows = self.client().await?.query(LIST_ACTIVE, &[]).await?;
        rows.iter().map(active_from).collect()
    }

    async fn record_alert_changes(
        &self,
        rule_id: i64,
        fired: Vec<(String, String)>,
        cleared: Vec<String>,
        now: i64,
    ) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for (subject, message) in &fired {
            tx.execute(&pg(INSERT_ACTIVE), &[&rule_id, subject, message, &now])
                .await?;
        }
        for subject in &cleared {
            tx.execute(&pg(DELETE_ACTIVE), &[&rule_id, subject]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn log_delivery(&self, d: Delivery) -> StoreResult<()> {
        self.client()
            .await?
            .execute(
                &pg(INSERT_DELIVERY),
                &[
                    &d.rule_id,
                    &d.subject,
                    &d.event,
                    &d.message,
                    &d.channel,
                    &d.status,
                    &d.attempts,
                    &d.error,
                    &d.at,
                ],
            )
            .await?;
        Ok(())
    }

    async fn recent_deliveries(&self, limit: i64) -> StoreResult<Vec<Delivery>> {
        let rows = self.client().await?.query(&pg(RECENT_DELIVERIES), &[&limit]).await?;
        rows.iter().map(delivery_from).collect()
    }

    async fn take_lease(&self, name: String, holder: String, now: i64, until: i64) -> StoreResult<bool> {
        let row = self
            .client()
            .await?
            .query_opt(&pg(TAKE_LEASE), &[&name, &holder, &now, &until])
            .await?;
        Ok(row.is_some())
    }
}
