//! Opportunities: the daily cells the detectors read, and what users decided about each
//! finding (kept by the finding's stable id).

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

/// One day of one creative in one country, from the daily rollup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCell {
    pub creative_id: String,
    pub date: String,
    pub country: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// A user's decision about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityState {
    pub opportunity_id: String,
    /// `dismissed`, `snoozed` or `done`; `open` clears it.
    pub state: String,
    pub until: Option<i64>,
    pub actor: String,
    pub at: i64,
}

#[async_trait]
pub trait OpportunityStore: Send + Sync {
    /// Every (creative, day, country) of the window, `start`–`end` inclusive.
    async fn daily_cells(&self, start: String, end: String) -> StoreResult<Vec<DailyCell>>;
    async fn opportunity_states(&self) -> StoreResult<Vec<OpportunityState>>;
    /// Records (or, for `open`, clears) a decision, with its audit line.
    async fn set_opportunity_state(&self, state: OpportunityState) -> StoreResult<()>;
}

pub(crate) fn daily_cells_sql(date_cast: &str, date_text: &str) -> String {
    format!(
        "SELECT creative_id, {date_text}, country, spend_micros, impressions, clicks FROM performance_daily \
         WHERE date >= ?1{date_cast} AND date <= ?2{date_cast}"
    )
}

pub(crate) const LIST_STATES: &str = "SELECT opportunity_id, state, until, actor, at FROM opportunity_states";
pub(crate) const SAVE_STATE: &str = "INSERT INTO opportunity_states (opportunity_id, state, until, actor, at) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (opportunity_id) DO UPDATE SET state = excluded.state, \
     until = excluded.until, actor = excluded.actor, at = excluded.at";
pub(crate) const CLEAR_STATE: &str = "DELETE FROM opportunity_states WHERE opportunity_id = ?1";

pub(crate) fn audit_of(state: &OpportunityState) -> NewAuditEntry {
    NewAuditEntry {
        at: state.at,
        actor: state.actor.clone(),
        action: format!("opportunities.{}", state.state),
        subject: Some(state.opportunity_id.clone()),
        details: serde_json::json!({ "until": state.until }),
    }
}

pub(crate) fn daily_cell_from(r: &impl Columns) -> StoreResult<DailyCell> {
    Ok(DailyCell {
        creative_id: r.col(0)?,
        date: r.col(1)?,
        country: r.col(2)?,
        spend_micros: r.col(3)?,
        impressions: r.col(4)?,
        clicks: r.col(5)?,
    })
}

pub(crate) fn state_from(r: &impl Columns) -> StoreResult<OpportunityState> {
    Ok(OpportunityState {
        opportunity_id: r.col(0)?,
        state: r.col(1)?,
        until: r.col(2)?,
        actor: r.col(3)?,
        at: r.col(4)?,
    })
}
