//! Storage for rtbcat: one trait per domain, two engines chosen by URL scheme.
//!
//! Each domain has a folder (`bidder/catalog`, `popups/offers`, `platform/accounts`, …)
//! holding its trait, its rows, the SQL both engines share (`?N` placeholders, rewritten
//! for PostgreSQL by [`sql::pg`]) and `sqlite.rs` / `postgres.rs` for what differs. The
//! engines' connection plumbing, pragmas and migrations live in `engine/`. [`Store`] is the
//! sum of the domain traits, so `Arc<dyn Store>` serves the whole app while a test or a
//! service can ask for just the part it needs.
//!
//! SQLite (`sqlite://PATH`, the embedded default) and PostgreSQL (`postgres://…`) each have
//! their own embedded, versioned migrations, run at open. A database whose schema is newer
//! than this binary is refused rather than half-understood.

pub mod bidder;
mod engine;
pub mod platform;
pub mod popups;
mod sql;

pub use bidder::alerts::*;
pub use bidder::campaigns::*;
pub use bidder::catalog::*;
pub use bidder::google::*;
pub use bidder::opportunities::*;
pub use bidder::performance::*;
pub use bidder::pretargeting::*;
pub use bidder::queries::*;
pub use bidder::waste::*;
pub use platform::accounts::*;
pub use platform::audit::*;
pub use platform::secrets::*;
pub use platform::system::*;
pub use popups::analytics::*;
pub use popups::experiments::*;
pub use popups::networks::*;
pub use popups::offers::*;
pub use popups::properties::*;
pub use popups::reports::*;
pub use popups::tracking::*;

use std::sync::Arc;

/// Errors every backend maps its own into.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The change would break a rule of the data (e.g. leave no active administrator).
    #[error("{0}")]
    Refused(String),
    #[error(
        "the database schema is version {database}, newer than this binary understands ({binary}); upgrade rtbcat"
    )]
    SchemaTooNew { database: i64, binary: i64 },
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// Text the database cannot hold (PostgreSQL refuses NUL characters).
    #[error("text the database cannot hold: {0}")]
    UnstorableText(String),
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything the services need from storage: every domain's trait. Implemented for any
/// type that implements them all, so a new domain adds its trait here and nowhere else.
pub trait Store:
    SystemStore
    + CatalogStore
    + CampaignStore
    + GoogleStore
    + PretargetingStore
    + OpportunityStore
    + QueryStore
    + AlertStore
    + PerformanceStore
    + WasteStore
    + AccountStore
    + AuditStore
    + SecretStore
    + PropertyStore
    + OfferStore
    + TrackingStore
    + PopupAnalyticsStore
    + ExperimentStore
    + NetworkStore
    + ReportStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: SystemStore
        + CatalogStore
        + CampaignStore
        + GoogleStore
        + PretargetingStore
        + OpportunityStore
        + QueryStore
        + AlertStore
        + PerformanceStore
        + WasteStore
        + AccountStore
        + AuditStore
        + SecretStore
        + PropertyStore
        + OfferStore
        + TrackingStore
        + PopupAnalyticsStore
        + ExperimentStore
        + NetworkStore
        + ReportStore
        + Send
        + Sync
        + 'static
{
}

pub type SharedStore = Arc<dyn Store>;

/// Open the store a URL names and bring its schema up to date.
/// `sqlite://PATH` (or a bare path) opens SQLite; `postgres://` / `postgresql://` PostgreSQL.
pub async fn open(url: &str) -> StoreResult<SharedStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(engine::postgres::PgStore::open(url).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(
            engine::sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else if url.contains("://") {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    } else {
        Ok(Arc::new(
            engine::sqlite::SqliteStore::open(std::path::Path::new(url)).await?,
        ))
    }
}

/// Copy a live SQLite database consistently (the online backup API), page by page, while
/// the server keeps writing. Returns the number of pages copied.
pub fn backup_sqlite(source: &std::path::Path, destination: &std::path::Path) -> StoreResult<i64> {
    engine::sqlite::backup(source, destination)
}

/// The highest migration version this binary carries, per backend.
pub fn binary_schema_version(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => engine::sqlite::schema_version_of_binary(),
        Backend::Postgres => engine::postgres::schema_version_of_binary(),
    }
}
