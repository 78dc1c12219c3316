//! The audit log as administrators read it.

use rtbcat_store::{SharedStore, StoreError};
use serde::Serialize;

/// The newest `limit` entries, newest first.
pub async fn recent(store: &SharedStore, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(store.recent_audit(limit).await?.into_iter().map(Into::into).collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    /// What changed, where the action has details; `null` otherwise.
    #[schema(value_type = Option<Object>)]
    pub details: serde_json::Value,
}

impl From<rtbcat_store::AuditEntry> for AuditEntry {
    fn from(row: rtbcat_store::AuditEntry) -> Self {
        AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor,
            action: row.action,
            subject: row.subject,
            details: row.details,
        }
    }
}
