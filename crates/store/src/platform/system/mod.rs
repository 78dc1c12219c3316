//! Engine and schema health.

mod postgres;

mod sqlite;

use crate::*;
use async_trait::async_trait;

#[derive(Debug, Clone)]
pub struct HealthInfo {
    pub backend: crate::Backend,
    pub schema_version: i64,
}

#[async_trait]
pub trait SystemStore: Send + Sync {
    fn backend(&self) -> Backend;

    /// Round-trips to the database and reports the schema version.
    async fn health(&self) -> StoreResult<HealthInfo>;
}
