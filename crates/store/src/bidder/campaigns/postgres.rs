//! Campaigns of creatives on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

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
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One clustering at a time: a second run waits for the first to commit.
        tx.execute("LOCK TABLE creative_campaigns IN SHARE ROW EXCLUSIVE MODE", &[])
            .await?;
        let (by_key, insert, update, place_of, place) = (
            tx.prepare(&pg(CAMPAIGN_BY_KEY)).await?,
            tx.prepare(&pg(INSERT_CAMPAIGN)).await?,
            tx.prepare(&pg(UPDATE_CAMPAIGN)).await?,
            tx.prepare(&pg(MEMBER_PLACE)).await?,
            tx.prepare(&pg(PLACE_MEMBER)).await?,
        );
        let mut counts = ClusteringCounts::default();
        for c in &clusters {
            let id: i64 = match tx.query_opt(&by_key, &[&c.key]).await? {
                Some(row) => {
                    let id: i64 = row.try_get(0)?;
                    tx.execute(&update, &[&id, &c.name, &c.rule, &c.confidence_permille, &now])
                        .await?;
                    id
                }
                None => {
                    counts.formed += 1;
                    tx.query_one(&insert, &[&c.key, &c.name, &c.rule, &c.confidence_permille, &now])
                        .await?
                        .try_get(0)?
                }
            };
            for (seat, creative) in &c.members {
                match tx.query_opt(&place_of, &[seat, creative]).await? {
                    Some(row) if row.try_get::<_, i64>(0)? == id => {}
                    Some(row) if row.try_get::<_, bool>(1)? || row.try_get::<_, bool>(2)? => counts.kept += 1,
                    _ => {
                        tx.execute(&place, &[seat, creative, &id]).await?;
                        counts.assigned += 1;
                    }
                }
            }
        }
        let subject = format!("{} campaigns", clusters.len());
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(subject, now)).await?;
        tx.commit().await?;
        Ok(counts)
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

    async fn campaign_sums(&self, start: Option<String>, end: Option<String>) -> StoreResult<Vec<CampaignSums>> {
        let client = self.client().await?;
        let rows = client
            .query(&pg(&campaign_sums_sql("::DATE", "::TEXT")), &[&start, &end])
            .await?;
        rows.iter().map(campaign_sums_from).collect()
    }
}
