//! The creative catalog: importing creatives and the listings built from them.

pub mod import;
pub mod view;
pub mod views;

pub use import::*;
pub use rtbcat_store::{CreativeQuery, CreativeSort};
pub use views::*;

use rtbcat_store::{SharedStore, StoreError};

/// Catalog totals: creatives, seats, formats, statuses, performance.
pub async fn stats(store: &SharedStore) -> Result<CatalogStats, StoreError> {
    Ok(store.catalog_stats().await?.into())
}

/// Canonical sizes with their creative counts.
pub async fn sizes(store: &SharedStore) -> Result<Vec<SizeCount>, StoreError> {
    Ok(store.size_counts().await?.into_iter().map(Into::into).collect())
}

/// One page of the catalog.
pub async fn list(store: &SharedStore, query: CreativeQuery) -> Result<CreativePage, StoreError> {
    Ok(store.list_creatives(query).await?.into())
}

/// Every creative with this id (an id is unique per seat only), optionally in one seat.
pub async fn by_id(
    store: &SharedStore,
    creative_id: String,
    seat_id: Option<String>,
) -> Result<Vec<CreativeDetail>, StoreError> {
    Ok(store
        .creatives_by_id(creative_id, seat_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The values the catalog filters offer.
pub async fn facets(store: &SharedStore) -> Result<CatalogFacets, StoreError> {
    Ok(store.facet_values().await?.into())
}
