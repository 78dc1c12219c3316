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

/// The connection pool as the metrics report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open now.
    pub open: i64,
    /// Of those, idle.
    pub idle: i64,
    /// The most the pool opens.
    pub max: i64,
    /// Callers waiting for a connection.
    pub waiting: i64,
}

#[async_trait]
pub trait SystemStore: Send + Sync {
    fn backend(&self) -> Backend;

    /// The connection pool now (SQLite: its readers; the one writer is apart).
    fn pool_status(&self) -> PoolStatus;

    /// Round-trips to the database and reports the schema version.
    async fn health(&self) -> StoreResult<HealthInfo>;
}
