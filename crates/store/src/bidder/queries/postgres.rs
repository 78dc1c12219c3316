//! Custom queries on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use crate::sql::pg;

const DIALECT: Dialect = Dialect {
    date_param: "::TEXT::DATE",
    weekday: "CAST(EXTRACT(DOW FROM x.date) AS INTEGER)",
    int_param: "::BIGINT",
};

#[async_trait]
impl QueryStore for PgStore {
    async fn run_query(&self, plan: QueryPlan) -> StoreResult<Vec<QueryRow>> {
        let client = self.client().await?;
        let (sql, values) = query_sql(&plan, &DIALECT);
        let bound: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = values
            .into_iter()
            .map(|v| -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
                match v {
                    Value::Text(t) => Box::new(t),
                    Value::Int(i) => Box::new(i),
                }
            })
            .collect();
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = bound
            .iter()
            .map(|b| b.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let rows = client.query(&pg(&sql), &refs).await?;
        let measures = plan.measures.len();
        rows.iter()
            .map(|r| {
                let mut sums = Vec::with_capacity(measures);
                for m in 0..measures {
                    sums.push((r.try_get(2 + 3 * m)?, r.try_get(3 + 3 * m)?, r.try_get(4 + 3 * m)?));
                }
                Ok(QueryRow {
                    key: r.try_get(0)?,
                    label: r.try_get(1)?,
                    sums,
                })
            })
            .collect()
    }

    async fn saved_queries(&self) -> StoreResult<Vec<SavedQuery>> {
        let client = self.client().await?;
        let rows = client.query(LIST_SAVED, &[]).await?;
        rows.iter().map(saved_from).collect()
    }

    async fn save_query(&self, name: String, text: String, actor: String, now: i64) -> StoreResult<SavedQuery> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx.query_one(&pg(SAVE_QUERY), &[&name, &text, &actor, &now]).await?;
        let saved = saved_from(&row)?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit_line("queries.save", &name, actor, now)).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn delete_saved_query(&self, id: i64, actor: String, now: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let name: String = tx
            .query_opt(&pg(DELETE_SAVED), &[&id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("saved query {id}")))?
            .try_get(0)?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit_line("queries.delete", &name, actor, now)).await?;
        tx.commit().await?;
        Ok(())
    }
}
