//! Experiments on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

fn load_arms(conn: &rusqlite::Connection, mut e: Experiment) -> StoreResult<Experiment> {
    let mut stmt = conn.prepare_cached(&arms_of())?;
    e.arms = stmt
        .query_map(params![e.id], |r| Ok(arm_from(r)?))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(e)
}

#[async_trait]
impl ExperimentStore for SqliteStore {
    async fn rotation(&self, property_id: i64) -> StoreResult<Option<Rotation>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(ROTATION_OF, params![property_id], |r| Ok(rotation_from(r)?))
                .optional()?)
        })
        .await
    }

    async fn set_rotation(&self, r: Rotation) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                SET_ROTATION,
                params![
                    r.property_id,
                    r.mode,
                    r.floor_permille,
                    r.burn_in,
                    r.updated_by,
                    r.updated_at
                ],
            )?;
            crate::platform::audit::sqlite::insert_audit(&tx, &rotation_audit(&r))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn create_experiment(&self, x: NewExperiment) -> StoreResult<Experiment> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let created = tx.query_row(
                &insert_experiment(),
                params![
                    x.property_id,
                    x.placement,
                    x.name,
                    x.min_impressions_per_arm,
                    x.min_days,
                    x.created_by,
                    x.created_at
                ],
                |r| Ok(experiment_from(r)?),
            )?;
            for (position, a) in x.arms.iter().enumerate() {
                tx.execute(
                    INSERT_ARM,
                    params![
                        created.id,
                        position as i64,
                        a.label,
                        a.offer_id,
                        a.weight,
                        a.title,
                        a.tagline,
                        a.cta_text,
                        a.image_url
                    ],
                )?;
            }
            let created = load_arms(&tx, created)?;
            crate::platform::audit::sqlite::insert_audit(
                &tx,
                &experiment_audit(&created, "experiment.create", x.created_by.clone(), x.created_at),
            )?;
            tx.commit()?;
            Ok(created)
        })
        .await
    }

    async fn experiment(&self, id: i64) -> StoreResult<Option<Experiment>> {
        self.read(move |conn| {
            let found = conn
                .query_row(&experiment_by_id(), params![id], |r| Ok(experiment_from(r)?))
                .optional()?;
            found.map(|e| load_arms(conn, e)).transpose()
        })
        .await
    }

    async fn experiments(&self) -> StoreResult<Vec<Experiment>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&all_experiments())?;
            let rows = stmt
                .query_map([], |r| Ok(experiment_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(|e| load_arms(conn, e)).collect()
        })
        .await
    }

    async fn running_experiment(&self, property_id: i64, placement: String) -> StoreResult<Option<Experiment>> {
        self.read(move |conn| {
            let found = conn
                .query_row(&running_on(), params![property_id, placement], |r| {
                    Ok(experiment_from(r)?)
                })
                .optional()?;
            found.map(|e| load_arms(conn, e)).transpose()
        })
        .await
    }

    async fn set_experiment_status(
        &self,
        id: i64,
        status: String,
        winner_arm: Option<i64>,
        actor: String,
        now: i64,
    ) -> StoreResult<Experiment> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let updated = tx
                .query_row(&update_status(), params![id, status, winner_arm, now], |r| {
                    Ok(experiment_from(r)?)
                })
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("experiment {id}")))?;
            let updated = load_arms(&tx, updated)?;
            crate::platform::audit::sqlite::insert_audit(
                &tx,
                &experiment_audit(&updated, &format!("experiment.{status}"), actor, now),
            )?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    async fn arm_totals(&self, experiment_id: i64) -> StoreResult<Vec<ArmTotals>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(ARM_TOTALS)?;
            let totals = stmt
                .query_map(params![experiment_id], |r| Ok(totals_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = conn.prepare_cached(ARM_PAYOUTS)?;
            let payouts = stmt
                .query_map(params![experiment_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(with_payouts(totals, payouts))
        })
        .await
    }
}
