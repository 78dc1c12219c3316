//! The audit log: who did what, bounded in size.

mod postgres;

mod sqlite;

use crate::*;
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub details: serde_json::Value,
}

/// Longest actor or subject the audit log keeps, in characters (an e-mail is at most 254).
pub const MAX_AUDIT_TEXT: usize = 320;

/// Largest details document the audit log keeps, in bytes of JSON.
pub const MAX_AUDIT_DETAILS: usize = 4096;

impl NewAuditEntry {
    /// The entry cut to what the log keeps: whoever can reach a form (a failed sign-in with
    /// a 5 MB e-mail) must not be able to grow the log by megabytes per request.
    pub fn bounded(mut self) -> Self {
        use rtbcat_core::shared::text::truncate_chars;
        self.actor = truncate_chars(&self.actor, MAX_AUDIT_TEXT);
        self.action = truncate_chars(&self.action, MAX_AUDIT_TEXT);
        self.subject = self.subject.map(|s| truncate_chars(&s, MAX_AUDIT_TEXT));
        let details = self.details.to_string();
        if details.len() > MAX_AUDIT_DETAILS {
            self.details = serde_json::json!({ "truncated": truncate_chars(&details, MAX_AUDIT_DETAILS / 2) });
        }
        self
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()>;

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}
