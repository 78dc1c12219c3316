//! Experiments on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

async fn load_arms(client: &impl deadpool_postgres::GenericClient, mut e: Experiment) -> StoreResult<Experiment> {
    let rows = client.query(&pg(&arms_of()), &[&e.id]).await?;
    e.arms = rows.iter().map(arm_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(e)
}

#[async_trait]
impl ExperimentStore for PgStore {
    async fn rotation(&self, property_id: i64) -> StoreResult<Option<Rotation>> {
        let row = self
            .client()
            .await?
            .query_opt(&pg(ROTATION_OF), &[&property_id])
            .await?;
        row.as_ref().map(rotation_from).transpose()
    }

    async fn set_rotation(&self, r: Rotation) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            &pg(SET_ROTATION),
            &[
                &r.property_id,
                &r.mode,
                &r.floor_permille,
                &r.burn_in,
                &r.updated_by,
                &r.updated_at,
            ],
        )
        .await?;
        crate::platform::audit::postgres::insert_audit(&tx, &rotation_audit(&r)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_experiment(&self, x: NewExperiment) -> StoreResult<Experiment> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                &pg(&insert_experiment()),
                &[
                    &x.property_id,
                    &x.placement,
                    &x.name,
                    &x.min_impressions_per_arm,
                    &x.min_days,
                    &x.created_by,
                    &x.created_at,
                ],
            )
            .await?;
        let created = experiment_from(&row)?;
        for (position, a) in x.arms.iter().enumerate() {
            let position = position as i64;
            tx.execute(
                &pg(INSERT_ARM),
                &[
                    &created.id,
                    &position,
                    &a.label,
                    &a.offer_id,
                    &a.weight,
                    &a.title,
                    &a.tagline,
                    &a.cta_text,
                    &a.image_url,
                ],
            )
            .await?;
        }
        let created = load_arms(&tx, created).await?;
        crate::platform::audit::postgres::insert_audit(
            &tx,
            &experiment_audit(&created, "experiment.create", x.created_by.clone(), x.created_at),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn experiment(&self, id: i64) -> StoreResult<Option<Experiment>> {
        let client = self.client().await?;
        match client.query_opt(&pg(&experiment_by_id()), &[&id]).await? {
            Some(row) => Ok(Some(load_arms(&client, experiment_from(&row)?).await?)),
            None => Ok(None),
        }
    }

    async fn experiments(&self) -> StoreResult<Vec<Experiment>> {
        let client = self.client().await?;
        let mut out = Vec::new();
        for row in client.query(&pg(&all_experiments()), &[]).await? {
            out.push(load_arms(&client, experiment_from(&row)?).await?);
        }
        Ok(out)
    }

    async fn running_experiment(&self, property_id: i64, placement: String) -> StoreResult<Option<Experiment>> {
        let client = self.client().await?;
        match client
            .query_opt(&pg(&running_on()), &[&property_id, &placement])
            .await?
        {
            Some(row) => Ok(Some(load_arms(&client, experiment_from(&row)?).await?)),
            None => Ok(None),
        }
    }

    async fn set_experiment_status(
        &self,
        id: i64,
        status: String,
        winner_arm: Option<i64>,
        actor: String,
        now: i64,
    ) -> StoreResult<Experiment> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(&pg(&update_status()), &[&id, &status, &winner_arm, &now])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("experiment {id}")))?;
        let updated = load_arms(&tx, experiment_from(&row)?).await?;
        crate::platform::audit::postgres::insert_audit(
            &tx,
            &experiment_audit(&updated, &format!("experiment.{status}"), actor, now),
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn arm_totals(&self, experiment_id: i64) -> StoreResult<Vec<ArmTotals>> {
        let client = self.client().await?;
        let totals = client
            .query(&pg(ARM_TOTALS), &[&experiment_id])
            .await?
            .iter()
            .map(totals_from)
            .collect::<StoreResult<Vec<_>>>()?;
        let payouts = client
            .query(&pg(ARM_PAYOUTS), &[&experiment_id])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<StoreResult<Vec<(i64, i64)>>>()?;
        Ok(with_payouts(totals, payouts))
    }
}
