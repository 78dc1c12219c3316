//! Engine and schema health on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl SystemStore for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn pool_status(&self) -> PoolStatus {
        self.pool_state()
    }

    async fn health(&self) -> StoreResult<HealthInfo> {
        let client = self.client().await?;
        Ok(HealthInfo {
            backend: Backend::Postgres,
            schema_version: applied_schema_version(&client).await?,
        })
    }
}
