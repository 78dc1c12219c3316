//! Custom queries on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

const DIALECT: Dialect = Dialect {
    date_param: "",
    weekday: "CAST(strftime('%w', x.date) AS INTEGER)",
    int_param: "",
};

#[async_trait]
impl QueryStore for SqliteStore {
    async fn run_query(&self, plan: QueryPlan) -> StoreResult<Vec<QueryRow>> {
        self.read(move |conn| {
            let (sql, values) = query_sql(&plan, &DIALECT);
            let bound: Vec<Box<dyn rusqlite::ToSql>> = values
                .into_iter()
                .map(|v| -> Box<dyn rusqlite::ToSql> {
                    match v {
                        Value::Text(t) => Box::new(t),
                        Value::Int(i) => Box::new(i),
                    }
                })
                .collect();
            let measures = plan.measures.len();
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(bound.iter().map(|b| b.as_ref())), |r| {
                    let mut sums = Vec::with_capacity(measures);
                    for m in 0..measures {
                        sums.push((r.get(2 + 3 * m)?, r.get(3 + 3 * m)?, r.get(4 + 3 * m)?));
                    }
                    Ok(QueryRow {
                        key: r.get(0)?,
                        label: r.get(1)?,
                        sums,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn saved_queries(&self) -> StoreResult<Vec<SavedQuery>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(LIST_SAVED)?;
            let rows = stmt
                .query_map([], |r| Ok(saved_from(r)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn save_query(&self, name: String, text: String, actor: String, now: i64) -> StoreResult<SavedQuery> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let saved = tx.query_row(SAVE_QUERY, params![name, text, actor, now], |r| Ok(saved_from(r)?))?;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit_line("queries.save", &name, actor, now))?;
            tx.commit()?;
            Ok(saved)
        })
        .await
    }

    async fn delete_saved_query(&self, id: i64, actor: String, now: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let name: Option<String> = tx.query_row(DELETE_SAVED, params![id], |r| r.get(0)).optional()?;
            let name = name.ok_or_else(|| StoreError::NotFound(format!("saved query {id}")))?;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit_line("queries.delete", &name, actor, now))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
