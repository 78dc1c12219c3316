//! PostgreSQL backend: a deadpool of tokio-postgres connections.
//!
//! Several `rtbcat serve` instances may share one database, so migrations run under an
//! advisory lock and nothing here keeps state between calls.

#[allow(unused_imports)]
pub(crate) use crate::sql::*;
use crate::{StoreError, StoreResult};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Arbitrary, fixed key so concurrent starts of several instances migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x7274_6263_6174;

impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        match err.as_db_error() {
            Some(db)
                if db.code() == &SqlState::CHARACTER_NOT_IN_REPERTOIRE
                    || db.code() == &SqlState::UNTRANSLATABLE_CHARACTER =>
            {
                StoreError::UnstorableText(db.message().to_string())
            }
            Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Backend(err.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(err: deadpool_postgres::PoolError) -> Self {
        StoreError::Backend(format!("connection pool: {err}"))
    }
}

pub(crate) fn schema_version_of_binary() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

pub(crate) fn numbered(n: usize) -> String {
    format!("${n}")
}

/// The id an `INSERT/UPDATE … RETURNING id` answered; a unique violation is `Conflict(taken)`,
/// an update that matched nothing `NotFound(missing)`.
pub(crate) fn saved_id(
    result: Result<Option<tokio_postgres::Row>, tokio_postgres::Error>,
    taken: String,
    missing: String,
) -> StoreResult<i64> {
    match result {
        Ok(Some(row)) => Ok(row.try_get(0)?),
        Ok(None) => Err(StoreError::NotFound(missing)),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StoreError::Conflict(taken))
        }
        Err(e) => Err(e.into()),
    }
}

pub struct PgStore {
    pool: Pool,
}

pub(crate) async fn applied_schema_version(client: &tokio_postgres::Client) -> StoreResult<i64> {
    let row = client
        .query_one("SELECT to_regclass('refinery_schema_history') IS NOT NULL", &[])
        .await?;
    if !row.try_get::<_, bool>(0)? {
        return Ok(0);
    }
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM refinery_schema_history",
            &[],
        )
        .await?;
    Ok(row.try_get(0)?)
}

impl PgStore {
    pub(crate) fn pool_state(&self) -> crate::PoolStatus {
        let status = self.pool.status();
        crate::PoolStatus {
            open: status.size as i64,
            idle: status.available as i64,
            max: status.max_size as i64,
            waiting: status.waiting as i64,
        }
    }

    pub async fn open(url: &str) -> StoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StoreError::UnsupportedUrl(format!("{}: {e}", rtbcat_core::shared::secrets::redact_url(url)))
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut client = pool.get().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
            .await?;
        let result = Self::migrate(&mut client).await;
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
            .await?;
        result?;
        drop(client);
        Ok(PgStore { pool })
    }

    async fn migrate(client: &mut deadpool_postgres::Object) -> StoreResult<()> {
        let database = applied_schema_version(client).await?;
        let binary = schema_version_of_binary();
        if database > binary {
            return Err(StoreError::SchemaTooNew { database, binary });
        }
        let raw: &mut tokio_postgres::Client = client.as_mut();
        embedded::migrations::runner()
            .set_grouped(true)
            .run_async(raw)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(())
    }

    pub(crate) async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }
}
