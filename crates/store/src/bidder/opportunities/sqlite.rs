//! Opportunities on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

#[async_trait]
impl OpportunityStore for SqliteStore {
    async fn daily_cells(&self, start: String, end: String) -> StoreResult<Vec<DailyCell>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&daily_cells_sql("", "date"))?;
            let rows = stmt
                .query_map(params![start, end], |r| Ok(daily_cell_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn opportunity_states(&self) -> StoreResult<Vec<OpportunityState>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_STATES)?;
            let rows = stmt
                .query_map([], |r| Ok(state_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn set_opportunity_state(&self, state: OpportunityState) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if state.state == "open" {
                tx.execute(CLEAR_STATE, params![state.opportunity_id])?;
            } else {
                tx.execute(
                    SAVE_STATE,
                    params![state.opportunity_id, state.state, state.until, state.actor, state.at],
                )?;
            }
            crate::platform::audit::sqlite::insert_audit(&tx, &audit_of(&state))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
