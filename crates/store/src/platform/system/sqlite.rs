//! Engine and schema health on SQLite.

use super::*;
use crate::engine::sqlite::*;

#[async_trait]
impl SystemStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn pool_status(&self) -> PoolStatus {
        self.pool_state()
    }

    async fn health(&self) -> StoreResult<HealthInfo> {
        self.read(|conn| {
            Ok(HealthInfo {
                backend: Backend::Sqlite,
                schema_version: applied_schema_version(conn)?,
            })
        })
        .await
    }
}
