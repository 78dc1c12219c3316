//! Affiliate networks: how each one's postbacks are authenticated and named.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// An affiliate network's postback settings. The secret never leaves the server: it is
/// skipped when serialised, and `has_secret` says whether there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub id: i64,
    pub name: String,
    pub postback_secret: Option<String>,
    pub has_secret: bool,
    pub allow_ips: Vec<String>,
    pub click_id_param: String,
    pub payout_param: String,
    pub transaction_id_param: String,
    pub status_param: String,
    pub secret_param: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const SELECT_NETWORKS: &str = "SELECT id, name, postback_secret, allow_ips, click_id_param, payout_param, \
     transaction_id_param, status_param, secret_param, created_at, updated_at FROM affiliate_networks";

pub(crate) const INSERT_NETWORK: &str = "INSERT INTO affiliate_networks (name, postback_secret, allow_ips, \
     click_id_param, payout_param, transaction_id_param, status_param, secret_param, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id";

/// An update without a new secret keeps the stored one.
pub(crate) const UPDATE_NETWORK: &str = "UPDATE affiliate_networks SET name = ?1, \
     postback_secret = COALESCE(?2, postback_secret), allow_ips = ?3, click_id_param = ?4, payout_param = ?5, \
     transaction_id_param = ?6, status_param = ?7, secret_param = ?8, updated_at = ?9 WHERE id = ?10 RETURNING id";

pub(crate) fn network_from(row: &impl Columns) -> StoreResult<Network> {
    let secret = row.col::<Option<String>>(2)?;
    Ok(Network {
        id: row.col::<i64>(0)?,
        name: row.col::<String>(1)?,
        has_secret: secret.is_some(),
        postback_secret: secret,
        allow_ips: serde_json::from_str(&row.col::<String>(3)?)
            .map_err(|e| StoreError::Backend(format!("stored allow_ips are not a JSON list: {e}")))?,
        click_id_param: row.col::<String>(4)?,
        payout_param: row.col::<String>(5)?,
        transaction_id_param: row.col::<String>(6)?,
        status_param: row.col::<String>(7)?,
        secret_param: row.col::<String>(8)?,
        created_at: row.col::<i64>(9)?,
        updated_at: row.col::<i64>(10)?,
    })
}

#[async_trait]
pub trait NetworkStore: Send + Sync {
    /// Creates (`id` None) or replaces an affiliate network; `Conflict` when the name is taken.
    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::NetworkSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Network>;

    async fn list_networks(&self) -> StoreResult<Vec<Network>>;
}
