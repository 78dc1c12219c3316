//! Campaigns of creatives on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;
use rtbcat_core::bidder::campaigns::placement::{place, Keyed, Place, Target};
use tokio_postgres::Transaction;

/// Checks that campaign `id` is open and not locked; its name.
async fn open_campaign(tx: &Transaction<'_>, id: i64, may_be_locked: bool) -> StoreResult<String> {
    let row = tx
        .query_opt(&pg(CAMPAIGN_STATE), &[&id])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("campaign {id}")))?;
    let (name, locked): (String, bool) = (row.try_get(0)?, row.try_get(1)?);
    if locked && !may_be_locked {
        return Err(locked_refusal(&name));
    }
    Ok(name)
}

/// Pins creatives in campaign `id`, refusing to take one out of a locked campaign.
async fn pin(tx: &Transaction<'_>, id: i64, members: &[(String, String)]) -> StoreResult<()> {
    let (exists, place_of, pin) = (
        tx.prepare(&pg(CREATIVE_EXISTS)).await?,
        tx.prepare(&pg(MEMBER_PLACE)).await?,
        tx.prepare(&pg(PIN_MEMBER)).await?,
    );
    for (seat, creative) in members {
        if tx.query_opt(&exists, &[seat, creative]).await?.is_none() {
            return Err(StoreError::NotFound(format!("creative {seat}/{creative}")));
        }
        if let Some(row) = tx.query_opt(&place_of, &[seat, creative]).await? {
            let (from, locked): (i64, bool) = (row.try_get(0)?, row.try_get(2)?);
            if from != id && locked {
                return Err(locked_refusal(&open_campaign(tx, from, true).await?));
            }
        }
        tx.execute(&pin, &[seat, creative, &id]).await?;
    }
    Ok(())
}

#[async_trait]
impl CampaignStore for PgStore {
    async fn campaign_inputs(&self) -> StoreResult<Vec<CampaignInput>> {
        let client = self.client().await?;
        let rows = client.query(CAMPAIGN_INPUTS, &[]).await?;
        rows.iter().map(campaign_input_from).collect()
    }

    async fn apply_clustering(
        &self,
        clusters: Vec<ClusterToSave>,
        mode: Mode,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One clustering (or edit) at a time: a second run waits for the first to commit.
        tx.execute("LOCK TABLE creative_campaigns IN SHARE ROW EXCLUSIVE MODE", &[])
            .await?;
        let (by_key, insert, update, place_of, put) = (
            tx.prepare(&pg(CAMPAIGN_BY_KEY)).await?,
            tx.prepare(&pg(INSERT_CAMPAIGN)).await?,
            tx.prepare(&pg(UPDATE_CAMPAIGN)).await?,
            tx.prepare(&pg(MEMBER_PLACE)).await?,
            tx.prepare(&pg(PLACE_MEMBER)).await?,
        );
        let mut counts = ClusteringCounts::default();
        for c in &clusters {
            let keyed = match tx.query_opt(&by_key, &[&c.key]).await? {
                Some(row) => {
                    let own: i64 = row.try_get(2)?;
                    tx.execute(&update, &[&own, &c.name, &c.rule, &c.confidence_permille, &now])
                        .await?;
                    Some(Keyed {
                        campaign_id: row.try_get(0)?,
                        locked: row.try_get(1)?,
                    })
                }
                None => None,
            };
            let mut places = Vec::with_capacity(c.members.len());
            for (seat, creative) in &c.members {
                places.push(match tx.query_opt(&place_of, &[seat, creative]).await? {
                    Some(row) => Some(Place {
                        campaign_id: row.try_get(0)?,
                        pinned: row.try_get(1)?,
                        locked: row.try_get(2)?,
                    }),
                    None => None,
                });
            }
            let mut created: Option<i64> = None;
            for ((seat, creative), decision) in c.members.iter().zip(place(mode, keyed, &places)) {
                let id = match counts.tally(decision) {
                    None => continue,
                    Some(Target::Existing(id)) => id,
                    Some(Target::New) => match created {
                        Some(id) => id,
                        None => {
                            counts.formed += 1;
                            let id: i64 = tx
                                .query_one(
                                    &insert,
                                    &[&c.key, &c.name, &c.rule, &c.confidence_permille, &now, &c.source],
                                )
                                .await?
                                .try_get(0)?;
                            *created.insert(id)
                        }
                    },
                };
                tx.execute(&put, &[seat, creative, &id]).await?;
                counts.assigned += 1;
            }
        }
        if mode == Mode::Recluster || counts.assigned > 0 {
            let subject = format!("{} campaigns", clusters.len());
            crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(subject, now)).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn edit_campaign(&self, edit: CampaignEdit, actor: String, now: i64) -> StoreResult<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("LOCK TABLE creative_campaigns IN SHARE ROW EXCLUSIVE MODE", &[])
            .await?;
        let (id, subject) = match &edit {
            CampaignEdit::Rename { id, name } => {
                open_campaign(&tx, *id, true).await?;
                tx.execute(&pg(RENAME_CAMPAIGN), &[id, name, &now]).await?;
                (*id, name.clone())
            }
            CampaignEdit::Lock { id, locked } => {
                let name = open_campaign(&tx, *id, true).await?;
                tx.execute(&pg(LOCK_CAMPAIGN), &[id, locked, &now]).await?;
                (*id, name)
            }
            CampaignEdit::Move { id, members } => {
                let name = open_campaign(&tx, *id, false).await?;
                pin(&tx, *id, members).await?;
                (*id, name)
            }
            CampaignEdit::Merge { into, from } => {
                let name = open_campaign(&tx, *into, false).await?;
                for source in from {
                    open_campaign(&tx, *source, false).await?;
                    tx.execute(&pg(MERGE_MEMBERS), &[into, source]).await?;
                    tx.execute(&pg(MERGE_CAMPAIGN), &[into, source, &now]).await?;
                }
                (*into, name)
            }
            CampaignEdit::Split { name, members } => {
                let id: i64 = tx
                    .query_one(&pg(INSERT_MANUAL_CAMPAIGN), &[name, &now])
                    .await?
                    .try_get(0)?;
                tx.execute(&pg(KEY_MANUAL_CAMPAIGN), &[&id]).await?;
                pin(&tx, id, members).await?;
                (id, name.clone())
            }
        };
        let entry = edit.audit_entry(id, &subject, actor, now);
        crate::platform::audit::postgres::insert_audit(&tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn campaign_data_version(&self) -> StoreResult<String> {
        let row = self.client().await?.query_one(DATA_VERSION, &[]).await?;
        Ok(format!("{}.{}", row.try_get::<_, i64>(0)?, row.try_get::<_, i64>(1)?))
    }

    async fn list_creative_campaigns(&self) -> StoreResult<Vec<CampaignRow>> {
        let client = self.client().await?;
        let mut campaigns = client
            .query(LIST_CAMPAIGNS, &[])
            .await?
            .iter()
            .map(campaign_row_from)
            .collect::<StoreResult<Vec<_>>>()?;
        let members = client
            .query(LIST_MEMBERS, &[])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        attach_members(&mut campaigns, members);
        Ok(campaigns)
    }

    async fn campaign_cuts(
        &self,
        by: CampaignDimension,
        campaign: Option<i64>,
        start: Option<String>,
        end: Option<String>,
    ) -> StoreResult<Vec<CampaignCut>> {
        let client = self.client().await?;
        let sql = campaign_cuts_sql(
            by,
            campaign.is_some(),
            "::DATE",
            "::TEXT",
            "to_char(date, 'YYYY-MM-DD')",
        );
        let rows = client.query(&pg(&sql), &[&start, &end, &campaign]).await?;
        rows.iter().map(campaign_cut_from).collect()
    }
}
