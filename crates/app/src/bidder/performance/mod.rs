//! Performance: importing reports and reading the facts back.

pub mod import;
pub mod views;

pub use import::*;
pub use rtbcat_store::{Breakdown, FactFilter};
pub use views::*;

use rtbcat_store::{SharedStore, StoreError};

/// The import history, newest first.
pub async fn recent_imports(store: &SharedStore, limit: i64) -> Result<Vec<ImportRecord>, StoreError> {
    Ok(store.recent_imports(limit).await?.into_iter().map(Into::into).collect())
}

/// The newest date with performance facts, if any.
pub async fn latest_fact_date(store: &SharedStore) -> Result<Option<String>, StoreError> {
    store.latest_fact_date().await
}

/// Sums per creative and per date, hour, country or device.
pub async fn breakdown(
    store: &SharedStore,
    creative_ids: Vec<String>,
    filter: FactFilter,
    by: Breakdown,
) -> Result<Vec<BreakdownRow>, StoreError> {
    Ok(store
        .performance_breakdown(creative_ids, filter, by)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
