//! Affiliate networks: how each one's postbacks are authenticated and named on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl NetworkStore for PgStore {
    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::NetworkSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Network> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let ips = json_list(&spec.allow_ips);
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
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
            tx.query_opt(&pg(sql), &values).await,
            format!("network {}", spec.name),
            format!("network {}", id.unwrap_or(0)),
        )?;
        let row = tx
            .query_one(&format!("{} WHERE id = $1", SELECT_NETWORKS), &[&saved])
            .await?;
        let network = network_from(&row)?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(network.name.clone(), now)).await?;
        tx.commit().await?;
        Ok(network)
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        let client = self.client().await?;
        let rows = client.query(&format!("{} ORDER BY name", SELECT_NETWORKS), &[]).await?;
        rows.iter().map(network_from).collect()
    }
}
