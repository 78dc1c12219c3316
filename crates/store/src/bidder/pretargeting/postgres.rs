//! Pretargeting snapshots and proposals on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

#[async_trait]
impl PretargetingStore for PgStore {
    async fn save_snapshot(&self, s: NewSnapshot) -> StoreResult<i64> {
        let row = self
            .client()
            .await?
            .query_one(
                &pg(INSERT_SNAPSHOT),
                &[
                    &s.config_name,
                    &s.display_name,
                    &s.reason,
                    &s.config_json,
                    &s.actor,
                    &s.taken_at,
                ],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn snapshot(&self, id: i64) -> StoreResult<Option<Snapshot>> {
        let row = self.client().await?.query_opt(&pg(&snapshot_by_id()), &[&id]).await?;
        row.as_ref().map(snapshot_from).transpose()
    }

    async fn snapshots(&self, config_name: Option<String>, limit: i64) -> StoreResult<Vec<Snapshot>> {
        let rows = self
            .client()
            .await?
            .query(&pg(&recent_snapshots()), &[&config_name, &limit])
            .await?;
        rows.iter().map(snapshot_from).collect()
    }

    async fn create_proposal(&self, p: NewProposal) -> StoreResult<Proposal> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let widening = i64::from(p.allow_widening);
        let row = tx
            .query_one(
                &pg(&insert_proposal()),
                &[
                    &p.config_name,
                    &p.source,
                    &p.changes_json,
                    &widening,
                    &p.note,
                    &p.created_by,
                    &p.created_at,
                ],
            )
            .await?;
        let created = proposal_from(&row)?;
        let audit = proposal_audit(
            &created,
            "pretargeting.propose",
            p.created_by.clone(),
            p.created_at,
            serde_json::from_str(&p.changes_json).unwrap_or_default(),
        );
        crate::platform::audit::postgres::insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn proposal(&self, id: i64) -> StoreResult<Option<Proposal>> {
        let row = self.client().await?.query_opt(&pg(&proposal_by_id()), &[&id]).await?;
        row.as_ref().map(proposal_from).transpose()
    }

    async fn proposals(&self, limit: i64) -> StoreResult<Vec<Proposal>> {
        let rows = self.client().await?.query(&pg(&recent_proposals()), &[&limit]).await?;
        rows.iter().map(proposal_from).collect()
    }

    async fn record_proposal_outcome(&self, o: ProposalOutcome) -> StoreResult<Proposal> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (before, after, status) = match &o.guard {
            Some((b, a, s)) => (Some(*b), Some(*a), Some(s.clone())),
            None => (None, None, None),
        };
        let row = tx
            .query_opt(
                &pg(&update_outcome()),
                &[
                    &o.id,
                    &o.status,
                    &o.actor,
                    &o.at,
                    &o.before_snapshot,
                    &o.after_snapshot,
                    &o.error,
                    &before,
                    &after,
                    &status,
                ],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("proposal {}", o.id)))?;
        let updated = proposal_from(&row)?;
        let audit = proposal_audit(&updated, &o.action, o.actor.clone(), o.at, o.details.clone());
        crate::platform::audit::postgres::insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(updated)
    }
}
