//! The audit log: who did what, bounded in size on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
        let entry = entry.bounded();
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &entry.at,
                    &entry.actor,
                    &entry.action,
                    &entry.subject,
                    &entry.details.to_string(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    details: json_column(r.try_get(5)?),
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }
}
