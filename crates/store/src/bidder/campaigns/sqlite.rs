//! Campaigns of creatives on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl CampaignStore for SqliteStore {
    async fn campaign_inputs(&self) -> StoreResult<Vec<CampaignInput>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(CAMPAIGN_INPUTS)?;
            let rows = stmt
                .query_map([], |r| Ok(campaign_input_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn apply_clustering(
        &self,
        clusters: Vec<ClusterToSave>,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut counts = ClusteringCounts::default();
            {
                let mut by_key = tx.prepare_cached(CAMPAIGN_BY_KEY)?;
                let mut insert = tx.prepare_cached(INSERT_CAMPAIGN)?;
                let mut update = tx.prepare_cached(UPDATE_CAMPAIGN)?;
                let mut place_of = tx.prepare_cached(MEMBER_PLACE)?;
                let mut place = tx.prepare_cached(PLACE_MEMBER)?;
                for c in &clusters {
                    let existing: Option<(i64, bool, bool)> = by_key
                        .query_row(params![c.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .optional()?;
                    let id = match existing {
                        Some((id, _, _)) => {
                            update.execute(params![id, c.name, c.rule, c.confidence_permille, now])?;
                            id
                        }
                        None => {
                            counts.formed += 1;
                            insert
                                .query_row(params![c.key, c.name, c.rule, c.confidence_permille, now], |r| r.get(0))?
                        }
                    };
                    for (seat, creative) in &c.members {
                        let current: Option<(i64, bool, bool)> = place_of
                            .query_row(params![seat, creative], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                            .optional()?;
                        match current {
                            Some((campaign, _, _)) if campaign == id => {}
                            Some((_, pinned, locked)) if pinned || locked => counts.kept += 1,
                            _ => {
                                place.execute(params![seat, creative, id])?;
                                counts.assigned += 1;
                            }
                        }
                    }
                }
            }
            let subject = format!("{} campaigns", clusters.len());
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(subject, now))?;
            tx.commit()?;
            Ok(counts)
        })
        .await
    }

    async fn list_creative_campaigns(&self) -> StoreResult<Vec<CampaignRow>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_CAMPAIGNS)?;
            let mut campaigns = stmt
                .query_map([], |r| Ok(campaign_row_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut members = conn.prepare_cached(LIST_MEMBERS)?;
            let members = members
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            attach_members(&mut campaigns, members);
            Ok(campaigns)
        })
        .await
    }

    async fn campaign_sums(&self, start: Option<String>, end: Option<String>) -> StoreResult<Vec<CampaignSums>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&campaign_sums_sql("", ""))?;
            let rows = stmt
                .query_map(params![start, end], |r| Ok(campaign_sums_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
