//! Pretargeting snapshots and proposals on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl PretargetingStore for SqliteStore {
    async fn save_snapshot(&self, s: NewSnapshot) -> StoreResult<i64> {
        self.write(move |conn| {
            Ok(conn.query_row(
                INSERT_SNAPSHOT,
                params![
                    s.config_name,
                    s.display_name,
                    s.reason,
                    s.config_json,
                    s.actor,
                    s.taken_at
                ],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn snapshot(&self, id: i64) -> StoreResult<Option<Snapshot>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(&snapshot_by_id(), params![id], |r| Ok(snapshot_from(r)?))
                .optional()?)
        })
        .await
    }

    async fn snapshots(&self, config_name: Option<String>, limit: i64) -> StoreResult<Vec<Snapshot>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&recent_snapshots())?;
            let rows = stmt
                .query_map(params![config_name, limit], |r| Ok(snapshot_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn create_proposal(&self, p: NewProposal) -> StoreResult<Proposal> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let created = tx.query_row(
                &insert_proposal(),
                params![
                    p.config_name,
                    p.source,
                    p.changes_json,
                    i64::from(p.allow_widening),
                    p.note,
                    p.created_by,
                    p.created_at
                ],
                |r| Ok(proposal_from(r)?),
            )?;
            let audit = proposal_audit(
                &created,
                "pretargeting.propose",
                p.created_by.clone(),
                p.created_at,
                serde_json::from_str(&p.changes_json).unwrap_or_default(),
            );
            crate::platform::audit::sqlite::insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(created)
        })
        .await
    }

    async fn proposal(&self, id: i64) -> StoreResult<Option<Proposal>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(&proposal_by_id(), params![id], |r| Ok(proposal_from(r)?))
                .optional()?)
        })
        .await
    }

    async fn proposals(&self, limit: i64) -> StoreResult<Vec<Proposal>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&recent_proposals())?;
            let rows = stmt
                .query_map(params![limit], |r| Ok(proposal_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn record_proposal_outcome(&self, o: ProposalOutcome) -> StoreResult<Proposal> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (before, after, status) = match &o.guard {
                Some((b, a, s)) => (Some(*b), Some(*a), Some(s.clone())),
                None => (None, None, None),
            };
            let updated = tx
                .query_row(
                    &update_outcome(),
                    params![
                        o.id,
                        o.status,
                        o.actor,
                        o.at,
                        o.before_snapshot,
                        o.after_snapshot,
                        o.error,
                        before,
                        after,
                        status
                    ],
                    |r| Ok(proposal_from(r)?),
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("proposal {}", o.id)))?;
            let audit = proposal_audit(&updated, &o.action, o.actor.clone(), o.at, o.details.clone());
            crate::platform::audit::sqlite::insert_audit(&tx, &audit)?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }
}
