//! SQLite backend: one writer connection behind a mutex, a pool of readers, WAL.
//!
//! SQLite allows one writer at a time; funnelling writes through one connection avoids
//! "database is locked" under load, while WAL lets readers proceed beside it.

#[allow(unused_imports)]
pub(crate) use crate::sql::*;
use crate::{StoreError, StoreResult};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

// synchronous = FULL: a commit is on disk when it returns, so an HTTP 2xx for a tracked
// event survives power loss, not only a crash. Group commit keeps that to one fsync a batch.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                       PRAGMA synchronous = FULL;";

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Backend(err.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(err: r2d2::Error) -> Self {
        StoreError::Backend(format!("connection pool: {err}"))
    }
}

pub(crate) fn join_error(err: tokio::task::JoinError) -> StoreError {
    StoreError::Backend(format!("database task failed: {err}"))
}

pub(crate) fn schema_version_of_binary() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The id an `INSERT/UPDATE … RETURNING id` answered; a constraint violation is
/// `Conflict(taken)`, an update that matched nothing `NotFound(missing)`.
pub(crate) fn saved_id(result: rusqlite::Result<i64>, taken: String, missing: String) -> StoreResult<i64> {
    match result {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            Err(StoreError::Conflict(taken))
        }
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(StoreError::NotFound(missing)),
        other => Ok(other?),
    }
}

pub struct SqliteStore {
    writers: Arc<Mutex<WriteConnections>>,
    readers: r2d2::Pool<SqliteConnectionManager>,
}

/// The write connections, behind one lock so SQLite never sees two of them write at once.
struct WriteConnections {
    /// Imports and every other change, with a 64 MB page cache.
    bulk: Connection,
    /// Tracking events only: many small commits. At each commit SQLite truncates its page
    /// cache past the end of the file, and once a b-tree balance has parked a page on the
    /// lock-page number (`balance_nonroot` swaps pages through it) that means a scan of the
    /// whole cache hash: about 85 µs per commit with 64 MB. This connection keeps SQLite's
    /// default 2 MB cache, which holds the pages an append-only event table touches.
    events: Connection,
}

pub(crate) fn numbered(n: usize) -> String {
    format!("?{n}")
}

pub(crate) fn applied_schema_version(conn: &Connection) -> StoreResult<i64> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if !has_history {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?)
}

impl SqliteStore {
    pub(crate) fn pool_state(&self) -> crate::PoolStatus {
        let state = self.readers.state();
        crate::PoolStatus {
            open: i64::from(state.connections),
            idle: i64::from(state.idle_connections),
            max: i64::from(self.readers.max_size()),
            waiting: 0,
        }
    }

    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path: PathBuf = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(join_error)?
    }

    fn open_blocking(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut writer = Connection::open(path)?;
        writer.execute_batch(PRAGMAS)?;
        // Bulk upserts touch index pages all over the file; SQLite's default 2 MB page cache
        // turns that into constant eviction. 64 MB keeps the hot index pages resident.
        writer.execute_batch("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;")?;
        let database = applied_schema_version(&writer)?;
        let binary = schema_version_of_binary();
        if database > binary {
            return Err(StoreError::SchemaTooNew { database, binary });
        }
        embedded::migrations::runner()
            .set_grouped(true)
            .run(&mut writer)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let events = Connection::open(path)?;
        events.execute_batch(PRAGMAS)?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let readers = r2d2::Pool::builder().max_size(8).build(manager)?;
        Ok(SqliteStore {
            writers: Arc::new(Mutex::new(WriteConnections { bulk: writer, events })),
            readers,
        })
    }

    pub(crate) async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            work(&conn)
        })
        .await
        .map_err(join_error)?
    }

    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.write_on(|writers| &mut writers.bulk, work).await
    }

    /// `write` on the connection kept for tracking events (see `WriteConnections`).
    pub(crate) async fn write_events<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.write_on(|writers| &mut writers.events, work).await
    }

    async fn write_on<T, F>(&self, pick: fn(&mut WriteConnections) -> &mut Connection, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let writers = self.writers.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves the connections usable: SQLite rolls back
            // the open transaction when it is dropped, so take the poisoned guard.
            let mut guard = writers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(pick(&mut guard))
        })
        .await
        .map_err(join_error)?
    }
}

pub(crate) fn backup(source: &Path, destination: &Path) -> StoreResult<i64> {
    let src = Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.execute_batch("PRAGMA busy_timeout = 5000;")?;
    let mut dst = Connection::open(destination)?;
    let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
    backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    Ok(i64::from(backup.progress().pagecount))
}
