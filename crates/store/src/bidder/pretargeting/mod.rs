//! Pretargeting on the store side: snapshots of configs as Google returned them, and
//! proposed changes with their approval, outcome and QPS guard. Each write that changes a
//! proposal's state carries its audit line in the same transaction.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSnapshot {
    pub config_name: String,
    pub display_name: Option<String>,
    pub reason: String,
    pub config_json: String,
    pub actor: String,
    pub taken_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: i64,
    pub config_name: String,
    pub display_name: Option<String>,
    pub reason: String,
    pub config_json: String,
    pub actor: String,
    pub taken_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    pub config_name: String,
    pub source: String,
    pub changes_json: String,
    pub allow_widening: bool,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: i64,
    pub config_name: String,
    pub source: String,
    pub changes_json: String,
    pub allow_widening: bool,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub status: String,
    pub applied_by: Option<String>,
    pub applied_at: Option<i64>,
    pub before_snapshot: Option<i64>,
    pub after_snapshot: Option<i64>,
    pub error: Option<String>,
    pub guard_qps_before: Option<i64>,
    pub guard_qps_after: Option<i64>,
    pub guard_status: Option<String>,
}

/// A proposal's new state, written with its audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalOutcome {
    pub id: i64,
    pub status: String,
    pub actor: String,
    pub at: i64,
    pub before_snapshot: Option<i64>,
    pub after_snapshot: Option<i64>,
    pub error: Option<String>,
    pub guard: Option<(i64, i64, String)>,
    /// The audit action, e.g. `pretargeting.apply`.
    pub action: String,
    pub details: serde_json::Value,
}

#[async_trait]
pub trait PretargetingStore: Send + Sync {
    async fn save_snapshot(&self, snapshot: NewSnapshot) -> StoreResult<i64>;
    async fn snapshot(&self, id: i64) -> StoreResult<Option<Snapshot>>;
    /// Newest first; one config's or all.
    async fn snapshots(&self, config_name: Option<String>, limit: i64) -> StoreResult<Vec<Snapshot>>;
    async fn create_proposal(&self, proposal: NewProposal) -> StoreResult<Proposal>;
    async fn proposal(&self, id: i64) -> StoreResult<Option<Proposal>>;
    async fn proposals(&self, limit: i64) -> StoreResult<Vec<Proposal>>;
    async fn record_proposal_outcome(&self, outcome: ProposalOutcome) -> StoreResult<Proposal>;
}

const SNAPSHOT_COLUMNS: &str = "id, config_name, display_name, reason, config_json, actor, taken_at";
const PROPOSAL_COLUMNS: &str = "id, config_name, source, changes_json, allow_widening, note, created_by, \
     created_at, status, applied_by, applied_at, before_snapshot, after_snapshot, error, guard_qps_before, \
     guard_qps_after, guard_status";

pub(crate) const INSERT_SNAPSHOT: &str = "INSERT INTO pretargeting_snapshots (config_name, display_name, reason, \
     config_json, actor, taken_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";

pub(crate) fn snapshot_by_id() -> String {
    format!("SELECT {SNAPSHOT_COLUMNS} FROM pretargeting_snapshots WHERE id = ?1")
}

pub(crate) fn recent_snapshots() -> String {
    format!(
        "SELECT {SNAPSHOT_COLUMNS} FROM pretargeting_snapshots WHERE (CAST(?1 AS TEXT) IS NULL OR config_name = ?1) \
         ORDER BY id DESC LIMIT ?2"
    )
}

pub(crate) fn insert_proposal() -> String {
    format!(
        "INSERT INTO pretargeting_proposals (config_name, source, changes_json, allow_widening, note, created_by, \
         created_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'proposed') RETURNING {PROPOSAL_COLUMNS}"
    )
}

pub(crate) fn proposal_by_id() -> String {
    format!("SELECT {PROPOSAL_COLUMNS} FROM pretargeting_proposals WHERE id = ?1")
}

pub(crate) fn recent_proposals() -> String {
    format!("SELECT {PROPOSAL_COLUMNS} FROM pretargeting_proposals ORDER BY id DESC LIMIT ?1")
}

/// `?1` id … `?9` guard status; `applied_by`/`applied_at` are set once, by the first apply.
pub(crate) fn update_outcome() -> String {
    format!(
        "UPDATE pretargeting_proposals SET status = ?2, \
         applied_by = CASE WHEN ?2 = 'applied' THEN ?3 ELSE applied_by END, \
         applied_at = CASE WHEN ?2 = 'applied' THEN ?4 ELSE applied_at END, \
         before_snapshot = COALESCE(?5, before_snapshot), after_snapshot = COALESCE(?6, after_snapshot), \
         error = ?7, guard_qps_before = COALESCE(?8, guard_qps_before), guard_qps_after = COALESCE(?9, guard_qps_after), \
         guard_status = COALESCE(?10, guard_status) WHERE id = ?1 RETURNING {PROPOSAL_COLUMNS}"
    )
}

pub(crate) fn snapshot_from(r: &impl Columns) -> StoreResult<Snapshot> {
    Ok(Snapshot {
        id: r.col(0)?,
        config_name: r.col(1)?,
        display_name: r.col(2)?,
        reason: r.col(3)?,
        config_json: r.col(4)?,
        actor: r.col(5)?,
        taken_at: r.col(6)?,
    })
}

pub(crate) fn proposal_from(r: &impl Columns) -> StoreResult<Proposal> {
    let widening: i64 = r.col(4)?;
    Ok(Proposal {
        id: r.col(0)?,
        config_name: r.col(1)?,
        source: r.col(2)?,
        changes_json: r.col(3)?,
        allow_widening: widening != 0,
        note: r.col(5)?,
        created_by: r.col(6)?,
        created_at: r.col(7)?,
        status: r.col(8)?,
        applied_by: r.col(9)?,
        applied_at: r.col(10)?,
        before_snapshot: r.col(11)?,
        after_snapshot: r.col(12)?,
        error: r.col(13)?,
        guard_qps_before: r.col(14)?,
        guard_qps_after: r.col(15)?,
        guard_status: r.col(16)?,
    })
}

pub(crate) fn proposal_audit(
    p: &Proposal,
    action: &str,
    actor: String,
    at: i64,
    details: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor,
        action: action.into(),
        subject: Some(format!("{} (proposal {})", p.config_name, p.id)),
        details,
    }
}
