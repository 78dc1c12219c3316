//! The audit log: who did what, bounded in size.

pub(crate) mod postgres;

pub(crate) mod sqlite;

use crate::*;
use async_trait::async_trait;

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

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub details: serde_json::Value,
}

/// Who made a change and what it was, written by the store in the change's own
/// transaction: a change is never stored without its audit line, nor the other way round.
/// The subject is the changed record's (a property's code, an offer's id and name).
#[derive(Debug, Clone)]
pub struct AuditNote {
    pub actor: String,
    pub action: String,
}

impl AuditNote {
    pub fn entry(&self, subject: String, at: i64) -> NewAuditEntry {
        NewAuditEntry {
            at,
            actor: self.actor.clone(),
            action: self.action.clone(),
            subject: Some(subject),
            details: serde_json::Value::Null,
        }
    }
}

pub(crate) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?1, ?2, ?3, ?4, ?5)";

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()>;

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}
