//! Server secrets kept in the database (token keys, daily salts), shared by every instance.

mod postgres;

mod sqlite;

use crate::*;
use async_trait::async_trait;

pub(crate) const SECRET_INSERT: &str =
    "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING";

pub(crate) const SECRET_SELECT: &str = "SELECT value FROM server_secrets WHERE name = ?1";

pub(crate) const SECRET_PRUNE: &str = "DELETE FROM server_secrets WHERE name LIKE ?1 AND name < ?2";

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The stored value of a server secret, storing `candidate` first if there is none.
    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String>;

    /// Deletes secrets whose name matches `pattern` (SQL LIKE) and sorts before `before`.
    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()>;
}
