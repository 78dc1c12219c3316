//! Server secrets kept in the database (token keys, daily salts), shared by every instance on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl SecretStore for PgStore {
    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String> {
        let client = self.client().await?;
        client.execute(&pg(SECRET_INSERT), &[&name, &candidate, &now]).await?;
        Ok(client.query_one(&pg(SECRET_SELECT), &[&name]).await?.try_get(0)?)
    }

    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()> {
        let client = self.client().await?;
        client.execute(&pg(SECRET_PRUNE), &[&pattern, &before]).await?;
        Ok(())
    }
}
