//! Accounts, sessions, tokens, the audit log and health, for both wings.

pub mod accounts;
pub mod audit;
pub mod cache;
pub mod mail;
pub mod metrics;
pub mod system;

/// Whether any account exists yet (before that, only first-run setup is open).
pub async fn has_accounts(store: &crate::SharedStore) -> Result<bool, crate::StoreError> {
    Ok(store.count_users().await? > 0)
}
