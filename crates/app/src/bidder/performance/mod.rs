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

/// `as_of`, or else the newest imported day (none before any import).
pub async fn last_day(store: &SharedStore, as_of: Option<time::Date>) -> Result<Option<time::Date>, StoreError> {
    Ok(match as_of {
        Some(d) => Some(d),
        None => store
            .latest_fact_date()
            .await?
            .as_deref()
            .and_then(rtbcat_core::bidder::performance::report::parse_report_date),
    })
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

#[cfg(test)]
mod fuzz_tests;
