//! Google's Real-time Bidding API on the store side: the seats a key can see (kept on
//! `buyer_seats`) and every creative sync with its progress page by page, so that an
//! interrupted sync resumes from its last page token.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

/// A seat as `buyers.list` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredSeat {
    pub seat_id: String,
    pub display_name: Option<String>,
    pub bidder_account_id: Option<String>,
    /// The service account that can see it (the key its syncs use).
    pub key_email: String,
    pub active_creative_count: Option<i64>,
    pub maximum_active_creative_count: Option<i64>,
}

/// A seat with what rtbcat knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleSeat {
    pub seat_id: String,
    pub display_name: Option<String>,
    pub bidder_account_id: Option<String>,
    pub key_email: Option<String>,
    pub active_creative_count: Option<i64>,
    pub maximum_active_creative_count: Option<i64>,
    pub discovered_at: Option<i64>,
    /// Creatives in the catalog for this seat.
    pub creatives: i64,
    pub last_sync_at: Option<i64>,
    pub last_sync_error: Option<String>,
}

/// Counts of one sync so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub pages: i64,
    pub creatives: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    pub id: i64,
    pub seat_id: String,
    pub actor: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub resumed_from: Option<i64>,
    pub counts: SyncCounts,
    /// The page a failed sync did not get to; a later sync starts there.
    pub next_page_token: Option<String>,
    pub error: Option<String>,
}

#[async_trait]
pub trait GoogleStore: Send + Sync {
    /// Upserts the seats a discovery found (one transaction, one audit line).
    async fn record_discovered_seats(&self, seats: Vec<DiscoveredSeat>, actor: String, now: i64) -> StoreResult<()>;
    async fn google_seats(&self) -> StoreResult<Vec<GoogleSeat>>;
    /// Opens a sync run; `resumed_from` names the failed run whose page token it starts at.
    async fn start_sync(&self, seat_id: String, actor: String, resumed_from: Option<i64>, now: i64)
        -> StoreResult<i64>;
    /// Records a page stored: the counts so far and the token of the next page.
    async fn record_sync_page(&self, id: i64, counts: SyncCounts, next_page_token: Option<String>) -> StoreResult<()>;
    /// Closes a run (`done` or `failed`), keeps its error on the seat, writes the audit line.
    async fn finish_sync(&self, id: i64, failed: Option<String>, now: i64) -> StoreResult<SyncRun>;
    async fn sync_runs(&self, seat_id: Option<String>, limit: i64) -> StoreResult<Vec<SyncRun>>;
}

pub(crate) const UPSERT_SEAT: &str = "INSERT INTO buyer_seats (seat_id, display_name, bidder_account_id, key_email, \
     active_creative_count, maximum_active_creative_count, discovered_at, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (seat_id) DO UPDATE SET \
     display_name = excluded.display_name, bidder_account_id = excluded.bidder_account_id, \
     key_email = excluded.key_email, active_creative_count = excluded.active_creative_count, \
     maximum_active_creative_count = excluded.maximum_active_creative_count, discovered_at = excluded.discovered_at";
pub(crate) const LIST_SEATS: &str = "SELECT s.seat_id, s.display_name, s.bidder_account_id, s.key_email, \
     s.active_creative_count, s.maximum_active_creative_count, s.discovered_at, \
     (SELECT COUNT(*) FROM creatives c WHERE c.seat_id = s.seat_id), s.last_sync_at, s.last_sync_error \
     FROM buyer_seats s ORDER BY s.seat_id";
pub(crate) const START_SYNC: &str = "INSERT INTO google_syncs (seat_id, actor, started_at, status, resumed_from) \
     VALUES (?1, ?2, ?3, 'running', ?4) RETURNING id";
pub(crate) const RECORD_PAGE: &str = "UPDATE google_syncs SET pages = ?2, creatives = ?3, inserted = ?4, \
     updated = ?5, unchanged = ?6, rejected = ?7, next_page_token = ?8 WHERE id = ?1";
pub(crate) const FINISH_SYNC: &str = "UPDATE google_syncs SET status = ?2, error = ?3, finished_at = ?4 WHERE id = ?1";
pub(crate) const SEAT_AFTER_SYNC: &str =
    "UPDATE buyer_seats SET last_sync_at = ?2, last_sync_error = ?3 WHERE seat_id = ?1";
const RUN_COLUMNS: &str = "id, seat_id, actor, started_at, finished_at, status, resumed_from, pages, creatives, \
     inserted, updated, unchanged, rejected, next_page_token, error";

pub(crate) fn run_by_id() -> String {
    format!("SELECT {RUN_COLUMNS} FROM google_syncs WHERE id = ?1")
}

/// The latest runs, newest first; `?1` is a seat or NULL for all.
pub(crate) fn recent_runs() -> String {
    format!("SELECT {RUN_COLUMNS} FROM google_syncs WHERE (CAST(?1 AS TEXT) IS NULL OR seat_id = ?1) ORDER BY id DESC LIMIT ?2")
}

pub(crate) fn seat_from(r: &impl Columns) -> StoreResult<GoogleSeat> {
    Ok(GoogleSeat {
        seat_id: r.col(0)?,
        display_name: r.col(1)?,
        bidder_account_id: r.col(2)?,
        key_email: r.col(3)?,
        active_creative_count: r.col(4)?,
        maximum_active_creative_count: r.col(5)?,
        discovered_at: r.col(6)?,
        creatives: r.col(7)?,
        last_sync_at: r.col(8)?,
        last_sync_error: r.col(9)?,
    })
}

pub(crate) fn run_from(r: &impl Columns) -> StoreResult<SyncRun> {
    Ok(SyncRun {
        id: r.col(0)?,
        seat_id: r.col(1)?,
        actor: r.col(2)?,
        started_at: r.col(3)?,
        finished_at: r.col(4)?,
        status: r.col(5)?,
        resumed_from: r.col(6)?,
        counts: SyncCounts {
            pages: r.col(7)?,
            creatives: r.col(8)?,
            inserted: r.col(9)?,
            updated: r.col(10)?,
            unchanged: r.col(11)?,
            rejected: r.col(12)?,
        },
        next_page_token: r.col(13)?,
        error: r.col(14)?,
    })
}

pub(crate) fn discovery_audit(seats: &[DiscoveredSeat], actor: String, now: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: now,
        actor,
        action: "seats.discover".into(),
        subject: None,
        details: serde_json::json!({ "seats": seats.iter().map(|s| &s.seat_id).collect::<Vec<_>>() }),
    }
}

pub(crate) fn sync_audit(run: &SyncRun, now: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: now,
        actor: run.actor.clone(),
        action: "seats.sync".into(),
        subject: Some(run.seat_id.clone()),
        details: serde_json::json!({
            "sync": run.id,
            "status": run.status,
            "pages": run.counts.pages,
            "creatives": run.counts.creatives,
            "inserted": run.counts.inserted,
            "updated": run.counts.updated,
            "unchanged": run.counts.unchanged,
            "rejected": run.counts.rejected,
            "error": run.error,
        }),
    }
}
