//! Server secrets kept in the database (token keys, daily salts), shared by every instance on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

#[async_trait]
impl SecretStore for SqliteStore {
    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String> {
        self.write(move |conn| {
            conn.execute(SECRET_INSERT, params![name, candidate, now])?;
            Ok(conn.query_row(SECRET_SELECT, params![name], |r| r.get(0))?)
        })
        .await
    }

    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(SECRET_PRUNE, params![pattern, before])?;
            Ok(())
        })
        .await
    }
}
