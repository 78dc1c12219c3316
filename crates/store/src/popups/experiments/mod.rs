//! A/B tests on the store side: experiments with their arms, their status changes (one
//! running per placement, enforced by a unique index), and each arm's tracked counts.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArm {
    pub label: String,
    pub offer_id: i64,
    pub weight: i64,
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub cta_text: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    pub id: i64,
    pub position: i64,
    pub label: String,
    pub offer_id: i64,
    pub weight: i64,
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub cta_text: Option<String>,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExperiment {
    pub property_id: i64,
    pub placement: String,
    pub name: String,
    pub min_impressions_per_arm: i64,
    pub min_days: i64,
    pub arms: Vec<NewArm>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Experiment {
    pub id: i64,
    pub property_id: i64,
    pub placement: String,
    pub name: String,
    pub status: String,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub winner_arm: Option<i64>,
    pub min_impressions_per_arm: i64,
    pub min_days: i64,
    pub created_by: String,
    pub created_at: i64,
    /// In position order; the first is control.
    pub arms: Vec<Arm>,
}

/// One arm's tracked totals (bots excluded, as everywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArmTotals {
    pub arm_id: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    /// Each conversion's revenue.
    pub payouts: Vec<i64>,
}

/// A property's rotation mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub property_id: i64,
    /// `priority` or `learning`.
    pub mode: String,
    pub floor_permille: i64,
    pub burn_in: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[async_trait]
pub trait ExperimentStore: Send + Sync {
    async fn rotation(&self, property_id: i64) -> StoreResult<Option<Rotation>>;
    /// Sets a property's rotation mode, with its audit line.
    async fn set_rotation(&self, rotation: Rotation) -> StoreResult<()>;
    async fn create_experiment(&self, experiment: NewExperiment) -> StoreResult<Experiment>;
    async fn experiment(&self, id: i64) -> StoreResult<Option<Experiment>>;
    /// Newest first.
    async fn experiments(&self) -> StoreResult<Vec<Experiment>>;
    /// The running experiment of a placement, if any.
    async fn running_experiment(&self, property_id: i64, placement: String) -> StoreResult<Option<Experiment>>;
    /// Moves an experiment to `running` or `stopped` (with a winner), with its audit line.
    /// A second running experiment on one placement is a `Conflict`.
    async fn set_experiment_status(
        &self,
        id: i64,
        status: String,
        winner_arm: Option<i64>,
        actor: String,
        now: i64,
    ) -> StoreResult<Experiment>;
    async fn arm_totals(&self, experiment_id: i64) -> StoreResult<Vec<ArmTotals>>;
}

pub(crate) const EXPERIMENT_COLUMNS: &str = "id, property_id, placement, name, status, started_at, stopped_at, \
     winner_arm, min_impressions_per_arm, min_days, created_by, created_at";
pub(crate) const ARM_COLUMNS: &str = "id, position, label, offer_id, weight, title, tagline, cta_text, image_url";

pub(crate) fn insert_experiment() -> String {
    format!(
        "INSERT INTO experiments (property_id, placement, name, status, min_impressions_per_arm, min_days, created_by, \
         created_at) VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7) RETURNING {EXPERIMENT_COLUMNS}"
    )
}
pub(crate) const INSERT_ARM: &str = "INSERT INTO experiment_arms (experiment_id, position, label, offer_id, weight, \
     title, tagline, cta_text, image_url) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
pub(crate) fn arms_of() -> String {
    format!("SELECT {ARM_COLUMNS} FROM experiment_arms WHERE experiment_id = ?1 ORDER BY position")
}
pub(crate) fn experiment_by_id() -> String {
    format!("SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?1")
}
pub(crate) fn all_experiments() -> String {
    format!("SELECT {EXPERIMENT_COLUMNS} FROM experiments ORDER BY id DESC")
}
pub(crate) fn running_on() -> String {
    format!(
        "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE property_id = ?1 AND placement = ?2 AND status = 'running'"
    )
}
/// `?2` status; the start time is set on the first start, the stop time on stop.
pub(crate) fn update_status() -> String {
    format!(
        "UPDATE experiments SET status = ?2, \
         started_at = CASE WHEN ?2 = 'running' THEN COALESCE(started_at, ?4) ELSE started_at END, \
         stopped_at = CASE WHEN ?2 = 'stopped' THEN ?4 ELSE stopped_at END, \
         winner_arm = COALESCE(?3, winner_arm) WHERE id = ?1 RETURNING {EXPERIMENT_COLUMNS}"
    )
}
pub(crate) const ARM_TOTALS: &str = "SELECT a.id, \
     CAST(COALESCE(SUM(CASE WHEN e.kind = 'impression' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN e.kind = 'click' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN e.kind = 'conversion' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN e.kind = 'conversion' THEN e.revenue_micros ELSE 0 END), 0) AS BIGINT) \
     FROM experiment_arms a LEFT JOIN popup_events e ON e.arm_id = a.id \
     WHERE a.experiment_id = ?1 GROUP BY a.id, a.position ORDER BY a.position";
pub(crate) const ARM_PAYOUTS: &str = "SELECT e.arm_id, e.revenue_micros FROM popup_events e \
     JOIN experiment_arms a ON a.id = e.arm_id WHERE a.experiment_id = ?1 AND e.kind = 'conversion'";

pub(crate) const ROTATION_OF: &str = "SELECT property_id, mode, floor_permille, burn_in, updated_by, updated_at \
     FROM property_rotation WHERE property_id = ?1";
pub(crate) const SET_ROTATION: &str = "INSERT INTO property_rotation (property_id, mode, floor_permille, burn_in, \
     updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (property_id) DO UPDATE SET \
     mode = excluded.mode, floor_permille = excluded.floor_permille, burn_in = excluded.burn_in, \
     updated_by = excluded.updated_by, updated_at = excluded.updated_at";

pub(crate) fn rotation_from(r: &impl Columns) -> StoreResult<Rotation> {
    Ok(Rotation {
        property_id: r.col(0)?,
        mode: r.col(1)?,
        floor_permille: r.col(2)?,
        burn_in: r.col(3)?,
        updated_by: r.col(4)?,
        updated_at: r.col(5)?,
    })
}

pub(crate) fn rotation_audit(r: &Rotation) -> NewAuditEntry {
    NewAuditEntry {
        at: r.updated_at,
        actor: r.updated_by.clone(),
        action: "property.rotation".into(),
        subject: Some(format!("property {}", r.property_id)),
        details: serde_json::json!({"mode": r.mode, "floor_permille": r.floor_permille, "burn_in": r.burn_in}),
    }
}

pub(crate) fn experiment_from(r: &impl Columns) -> StoreResult<Experiment> {
    Ok(Experiment {
        id: r.col(0)?,
        property_id: r.col(1)?,
        placement: r.col(2)?,
        name: r.col(3)?,
        status: r.col(4)?,
        started_at: r.col(5)?,
        stopped_at: r.col(6)?,
        winner_arm: r.col(7)?,
        min_impressions_per_arm: r.col(8)?,
        min_days: r.col(9)?,
        created_by: r.col(10)?,
        created_at: r.col(11)?,
        arms: Vec::new(),
    })
}

pub(crate) fn arm_from(r: &impl Columns) -> StoreResult<Arm> {
    Ok(Arm {
        id: r.col(0)?,
        position: r.col(1)?,
        label: r.col(2)?,
        offer_id: r.col(3)?,
        weight: r.col(4)?,
        title: r.col(5)?,
        tagline: r.col(6)?,
        cta_text: r.col(7)?,
        image_url: r.col(8)?,
    })
}

pub(crate) fn totals_from(r: &impl Columns) -> StoreResult<ArmTotals> {
    Ok(ArmTotals {
        arm_id: r.col(0)?,
        impressions: r.col(1)?,
        clicks: r.col(2)?,
        conversions: r.col(3)?,
        revenue_micros: r.col(4)?,
        payouts: Vec::new(),
    })
}

pub(crate) fn with_payouts(mut totals: Vec<ArmTotals>, payouts: Vec<(i64, i64)>) -> Vec<ArmTotals> {
    for (arm, revenue) in payouts {
        if let Some(t) = totals.iter_mut().find(|t| t.arm_id == arm) {
            t.payouts.push(revenue);
        }
    }
    totals
}

pub(crate) fn experiment_audit(e: &Experiment, action: &str, actor: String, at: i64) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor,
        action: action.into(),
        subject: Some(format!("experiment {} ({})", e.id, e.name)),
        details: serde_json::json!({"status": e.status, "winner_arm": e.winner_arm, "arms": e.arms.len()}),
    }
}
