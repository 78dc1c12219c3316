//! Storage for rtbcat: one trait, two backends chosen by URL scheme.
//!
//! SQLite (`sqlite://PATH`, the embedded default) and PostgreSQL (`postgres://…`) each have
//! their own embedded, versioned migrations, run at open. A database whose schema is newer
//! than this binary is refused rather than half-understood.

mod facts;
mod models;
mod popup;
mod postgres;
mod query;
mod sqlite;

pub use models::*;
pub use popup::{
    AnalyticsFilter, AnalyticsGroup, AnalyticsRow, ClickRecord, Network, Offer, OfferCandidate, PopupEvent,
    PopupEventKind, Property,
};
pub use query::{CreativeQuery, CreativeSort};

use async_trait::async_trait;
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

/// Everything the services need from storage. Implemented once per backend.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Round-trips to the database and reports the schema version.
    async fn health(&self) -> StoreResult<HealthInfo>;

    // ------------------------------------------------------------ catalog
    /// Insert or update creatives by (seat, creative id) in one transaction. A creative whose
    /// raw JSON is unchanged is left alone, so importing a file twice changes nothing.
    /// Returns what happened to each record, in input order.
    async fn upsert_creatives(&self, creatives: Vec<CreativeRecord>, now: i64) -> StoreResult<Vec<UpsertOutcome>>;
    async fn list_creatives(&self, query: CreativeQuery) -> StoreResult<CreativePage>;
    /// All creatives with this id (a creative id is unique per seat only).
    async fn creatives_by_id(&self, creative_id: String, seat_id: Option<String>) -> StoreResult<Vec<CreativeDetail>>;
    async fn catalog_stats(&self) -> StoreResult<CatalogStats>;
    async fn size_counts(&self) -> StoreResult<Vec<SizeCount>>;
    async fn seats(&self) -> StoreResult<Vec<SeatSummary>>;
    async fn facet_values(&self) -> StoreResult<CatalogFacets>;

    // ------------------------------------------------------------ performance
    /// (creative id, seat) of every creative in the catalog: facts for unknown creatives are
    /// flagged, and facts are filed under the creative's seat.
    async fn creative_seats(&self) -> StoreResult<Vec<(String, String)>>;
    /// Upsert streamed facts in one transaction (see [`FactBatch`]).
    async fn write_facts(&self, batches: tokio::sync::mpsc::Receiver<FactBatch>) -> StoreResult<FactCounts>;
    /// The newest date with performance facts, if any.
    async fn latest_fact_date(&self) -> StoreResult<Option<String>>;
    /// Per-creative sums over the filter, for creatives with any facts in it.
    async fn performance_totals(&self, filter: FactFilter) -> StoreResult<Vec<CreativeTotals>>;
    /// Sums per creative and per date/hour/country/device.
    async fn performance_breakdown(
        &self,
        creative_ids: Vec<String>,
        filter: FactFilter,
        by: Breakdown,
    ) -> StoreResult<Vec<BreakdownRow>>;
    async fn recent_imports(&self, limit: i64) -> StoreResult<Vec<ImportRecord>>;

    // ------------------------------------------------------------ accounts
    async fn count_users(&self) -> StoreResult<i64>;
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// Creates the user only when there is none yet; `None` when someone was first.
    async fn create_first_admin(&self, user: NewUser) -> StoreResult<Option<User>>;
    async fn user_credentials(&self, email: String) -> StoreResult<Option<UserCredentials>>;
    async fn create_session(&self, token_sha256: String, user_id: i64, now: i64, expires_at: i64) -> StoreResult<()>;
    async fn session_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>>;
    async fn delete_session(&self, token_sha256: String) -> StoreResult<()>;
    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo>;
    /// The user a token acts for, with its role lowered to the token's scope; none when the
    /// token is unknown, expired, or its user disabled.
    async fn api_token_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>>;
    /// Tokens of one user, or of everyone; newest first.
    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiTokenInfo>>;
    /// Revokes (deletes) a token, only if it belongs to `owner` when one is given.
    /// `NotFound` when there is no such token (for that owner).
    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<ApiTokenInfo>;
    async fn list_users(&self) -> StoreResult<Vec<UserAccount>>;
    /// Changes a user's role, disabled flag or password in one transaction. `Refused` when
    /// it would leave no active administrator. Disabling or a new password ends the user's
    /// sessions.
    async fn update_user(&self, id: i64, update: UserUpdate) -> StoreResult<UserAccount>;
    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()>;
    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>>;

    // Offer popups.
    /// Creates (`id` None) or replaces a property; `Conflict` when the code is taken.
    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::PropertySpec,
        now: i64,
    ) -> StoreResult<Property>;
    async fn list_properties(&self) -> StoreResult<Vec<Property>>;
    /// Creates (`id` None) or replaces an offer and the properties it runs on; `NotFound`
    /// names an unknown property code.
    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::OfferSpec,
        actor: String,
        now: i64,
    ) -> StoreResult<Offer>;
    async fn list_offers(&self) -> StoreResult<Vec<Offer>>;
    /// Active offers on a property with their impressions and clicks between two hour buckets.
    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>>;
    /// Writes a batch of events and their rollup in one transaction; per event, whether it
    /// was new (false: its key was already stored, so it counted before).
    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>>;
    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>>;
    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>>;
    /// The stored value of a server secret, storing `candidate` first if there is none.
    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String>;
    /// Creates (`id` None) or replaces an affiliate network; `Conflict` when the name is taken.
    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::NetworkSpec,
        now: i64,
    ) -> StoreResult<Network>;
    async fn list_networks(&self) -> StoreResult<Vec<Network>>;
    /// Deletes secrets whose name matches `pattern` (SQL LIKE) and sorts before `before`.
    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()>;
}

pub type SharedStore = Arc<dyn Store>;

/// Open the store a URL names and bring its schema up to date.
/// `sqlite://PATH` (or a bare path) opens SQLite; `postgres://` / `postgresql://` PostgreSQL.
pub async fn open(url: &str) -> StoreResult<SharedStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(path)).await?))
    } else if url.contains("://") {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(url)).await?))
    }
}

/// Copy a live SQLite database consistently (the online backup API), page by page, while
/// the server keeps writing. Returns the number of pages copied.
pub fn backup_sqlite(source: &std::path::Path, destination: &std::path::Path) -> StoreResult<i64> {
    sqlite::backup(source, destination)
}

/// The highest migration version this binary carries, per backend.
pub fn binary_schema_version(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => sqlite::schema_version_of_binary(),
        Backend::Postgres => postgres::schema_version_of_binary(),
    }
}
