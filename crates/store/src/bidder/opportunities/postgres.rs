//! Opportunities on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

#[async_trait]
impl OpportunityStore for PgStore {
    async fn daily_cells(&self, start: String, end: String) -> StoreResult<Vec<DailyCell>> {
        let client = self.client().await?;
        // Parameters typed as text first: a bare `$1::DATE` would want a DATE value.
        let sql = pg(&daily_cells_sql("::TEXT::DATE", "to_char(date, 'YYYY-MM-DD')"));
        let rows = client.query(&sql, &[&start, &end]).await?;
        rows.iter().map(daily_cell_from).collect()
    }

    async fn opportunity_states(&self) -> StoreResult<Vec<OpportunityState>> {
        let client = self.client().await?;
        let rows = client.query(LIST_STATES, &[]).await?;
        rows.iter().map(state_from).collect()
    }

    async fn set_opportunity_state(&self, state: OpportunityState) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if state.state == "open" {
            tx.execute(&pg(CLEAR_STATE), &[&state.opportunity_id]).await?;
        } else {
            tx.execute(
                &pg(SAVE_STATE),
                &[
                    &state.opportunity_id,
                    &state.state,
                    &state.until,
                    &state.actor,
                    &state.at,
                ],
            )
            .await?;
        }
        crate::platform::audit::postgres::insert_audit(&tx, &audit_of(&state)).await?;
        tx.commit().await?;
        Ok(())
    }
}
