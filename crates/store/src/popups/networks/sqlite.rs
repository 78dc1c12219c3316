//! Affiliate networks: how each one's postbacks are authenticated and named on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

#[async_trait]
impl NetworkStore for SqliteStore {
    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::NetworkSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Network> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let ips = json_list(&spec.allow_ips);
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![
                &spec.name,
                &spec.postback_secret,
                &ips,
                &spec.click_id_param,
                &spec.payout_param,
                &spec.transaction_id_param,
                &spec.status_param,
                &spec.secret_param,
                &now,
            ];
            let sql = match id {
                None => INSERT_NETWORK,
                Some(ref id) => {
                    values.push(id);
                    UPDATE_NETWORK
                }
            };
            let saved = saved_id(
                tx.query_row(sql, values.as_slice(), |r| r.get(0)),
                format!("network {}", spec.name),
                format!("network {}", id.unwrap_or(0)),
            )?;
            let network = tx.query_row(&format!("{} WHERE id = ?1", SELECT_NETWORKS), params![saved], |r| {
                Ok(network_from(r))
            })??;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(network.name.clone(), now))?;
            tx.commit()?;
            Ok(network)
        })
        .await
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{} ORDER BY name", SELECT_NETWORKS))?;
            let rows = stmt.query_map([], |r| Ok(network_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }
}
