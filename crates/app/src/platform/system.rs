//! Health: is the database there, and at which schema version.

use rtbcat_store::{SharedStore, StoreError};
use serde::Serialize;

/// Which engine the store runs on (part of `/health`).
pub use rtbcat_store::Backend;

/// Round-trips to the database and reports the schema version.
pub async fn health(store: &SharedStore) -> Result<HealthInfo, StoreError> {
    Ok(store.health().await?.into())
}

/// Copies a live SQLite database consistently (the online backup API) while the server
/// keeps writing; the number of pages copied.
pub fn backup_sqlite(source: &std::path::Path, destination: &std::path::Path) -> Result<i64, StoreError> {
    rtbcat_store::backup_sqlite(source, destination)
}

/// The highest schema version this binary carries for an engine.
pub fn binary_schema_version(backend: Backend) -> i64 {
    rtbcat_store::binary_schema_version(backend)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthInfo {
    pub backend: Backend,
    pub schema_version: i64,
}

impl From<rtbcat_store::HealthInfo> for HealthInfo {
    fn from(row: rtbcat_store::HealthInfo) -> Self {
        HealthInfo {
            backend: row.backend,
            schema_version: row.schema_version,
        }
    }
}
