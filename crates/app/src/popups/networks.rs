//! Affiliate networks: validated (a stored secret is kept when none is given), saved with
//! their audit line in one transaction.

use super::ChangeError;
use rtbcat_core::popups::NetworkInput;
use rtbcat_store::{AuditNote, SharedStore, StoreError};
use serde::Serialize;

/// An affiliate network's postback settings. The secret never leaves the server: it is
/// skipped when serialised, and `has_secret` says whether there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Network {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
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

impl From<rtbcat_store::Network> for Network {
    fn from(row: rtbcat_store::Network) -> Self {
        Network {
            id: row.id,
            name: row.name,
            postback_secret: row.postback_secret,
            has_secret: row.has_secret,
            allow_ips: row.allow_ips,
            click_id_param: row.click_id_param,
            payout_param: row.payout_param,
            transaction_id_param: row.transaction_id_param,
            status_param: row.status_param,
            secret_param: row.secret_param,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub async fn list(store: &SharedStore) -> Result<Vec<Network>, StoreError> {
    Ok(store.list_networks().await?.into_iter().map(Into::into).collect())
}

/// Creates (`id` None) or replaces a network; an empty secret keeps the stored one.
pub async fn save(
    store: &SharedStore,
    id: Option<i64>,
    input: NetworkInput,
    actor: &str,
    now: i64,
) -> Result<Network, ChangeError> {
    let stored_secret = match id {
        Some(id) => {
            list(store)
                .await?
                .iter()
                .find(|n| n.id == id)
                .ok_or_else(|| StoreError::NotFound(format!("network {id}")))?
                .has_secret
        }
        None => false,
    };
    let spec = input.validate(stored_secret).map_err(ChangeError::Invalid)?;
    let action = if id.is_some() {
        "network.update"
    } else {
        "network.create"
    };
    let note = AuditNote {
        actor: actor.to_string(),
        action: action.into(),
    };
    Ok(store.save_network(id, spec, note, now).await?.into())
}

/// A network by its name, with its secret (for checking postbacks; never shown).
pub async fn by_name(store: &SharedStore, name: &str) -> Result<Option<rtbcat_store::Network>, StoreError> {
    Ok(store.list_networks().await?.into_iter().find(|n| n.name == name))
}
