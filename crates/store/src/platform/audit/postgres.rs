//! The audit log: who did what, bounded in size on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

/// Writes an audit line on this client (inside the caller's transaction, if any), cut to
/// what the log keeps.
pub(crate) async fn insert_audit(
    client: &impl deadpool_postgres::GenericClient,
    entry: &NewAuditEntry,
) -> StoreResult<()> {
    let entry = entry.clone().bounded();
    client
        .execute(
            &pg(INSERT_AUDIT),
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

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
        let client = self.client().await?;
        insert_audit(&client, &entry).await
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
                    details: json_value(r.try_get(5)?),
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }
}
