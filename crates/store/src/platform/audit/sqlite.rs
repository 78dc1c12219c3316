//! The audit log: who did what, bounded in size on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

/// Writes an audit line on this connection (inside the caller's transaction, if any), cut
/// to what the log keeps.
pub(crate) fn insert_audit(conn: &rusqlite::Connection, entry: &NewAuditEntry) -> StoreResult<()> {
    let entry = entry.clone().bounded();
    conn.execute(
        INSERT_AUDIT,
        params![
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details.to_string()
        ],
    )?;
    Ok(())
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
        self.write(move |conn| insert_audit(conn, &entry)).await
    }

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt
                .query_map(params![limit], |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        subject: r.get(4)?,
                        details: json_value(&r.get::<_, String>(5)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
