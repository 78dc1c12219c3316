//! Accounts: argon2 password hashes, session tokens, bearer API tokens.
//!
//! Tokens are random 256-bit values shown once; only their SHA-256 is stored, so a copy
//! of the database does not hand out logins.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use rtbcat_core::platform::accounts::{self as account, Role};
use rtbcat_store::{NewApiToken, NewAuditEntry, NewUser, SharedStore, StoreError, UserUpdate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// API tokens carry a prefix so secret scanners and humans recognise them.
pub const API_TOKEN_PREFIX: &str = "rtbcat_";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: &'static str },
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("no user with email {0}")]
    UnknownUser(String),
    #[error("setup is already done: an account exists")]
    SetupDone,
    #[error("a user with email {0} already exists")]
    Exists(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("too many failed sign-ins for this account; try again in {seconds} s")]
    Locked { seconds: u64 },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AuthError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => AuthError::Exists(what.trim_start_matches("user ").to_string()),
            other => AuthError::Store(other),
        }
    }
}

pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AuthError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A fresh random token, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // ThreadRng is a CSPRNG seeded from the OS.
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hash used when the email is unknown, so a wrong email costs as long as a wrong password
/// and response times do not reveal which accounts exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never matches").unwrap_or_default())
}

fn checked_new_user(email: &str, password: &str, role: Role, now: i64) -> Result<NewUser, AuthError> {
    let email = account::validate_email(email).map_err(|reason| AuthError::Invalid { field: "email", reason })?;
    account::validate_password(password).map_err(|reason| AuthError::Invalid {
        field: "password",
        reason,
    })?;
    Ok(NewUser {
        email,
        role,
        password_hash: hash_password(password)?,
        now,
    })
}

pub async fn create_user(
    store: &SharedStore,
    email: &str,
    password: &str,
    role: Role,
    actor: &str,
    now: i64,
) -> Result<User, AuthError> {
    let new_user = checked_new_user(email, password, role, now)?;
    let user: User = store.create_user(new_user).await?.into();
    audit(
        store,
        now,
        actor,
        "user.create",
        &user.email,
        serde_json::json!({"role": role.as_str()}),
    )
    .await?;
    Ok(user)
}

/// First-run setup: creates the first admin, and refuses once any account exists.
pub async fn setup_first_admin(store: &SharedStore, email: &str, password: &str, now: i64) -> Result<User, AuthError> {
    let new_user = checked_new_user(email, password, Role::Admin, now)?;
    let user: User = store
        .create_first_admin(new_user)
        .await?
        .ok_or(AuthError::SetupDone)?
        .into();
    audit(
        store,
        now,
        &user.email,
        "setup.first_admin",
        &user.email,
        serde_json::json!({}),
    )
    .await?;
    Ok(user)
}

/// Failed sign-ins per account (by a digest of the e-mail, known or not, so the answer
/// never tells which accounts exist), with the wait they impose. Kept in memory per
/// server: several instances on one database each keep their own count.
pub struct LoginGuard {
    accounts: std::sync::Mutex<HashMap<[u8; 16], LoginFailures>>,
    capacity: usize,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard::with_capacity(LOGIN_GUARD_ENTRIES)
    }
}

#[derive(Clone, Copy)]
struct LoginFailures {
    count: u32,
    last_at: i64,
    locked_until: i64,
}

/// Accounts tracked at most; past this, entries idle for an hour are dropped first.
const LOGIN_GUARD_ENTRIES: usize = 100_000;

impl LoginGuard {
    /// A guard that tracks at most `capacity` accounts at once.
    pub fn with_capacity(capacity: usize) -> Self {
        LoginGuard {
            accounts: std::sync::Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn key(email: &str) -> [u8; 16] {
        let digest = Sha256::digest(email.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 16], LoginFailures>> {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Seconds this account must still wait, if any.
    pub fn wait_seconds(&self, email: &str, now: i64) -> Option<u64> {
        let entry = *self.entries().get(&Self::key(email))?;
        (entry.locked_until > now).then(|| u64::try_from(entry.locked_until - now).unwrap_or(1))
    }

    fn failed(&self, email: &str, now: i64) {
        let mut entries = self.entries();
        let key = Self::key(email);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, e| e.locked_until > now || e.last_at > now - 3600);
            // Still full: the accounts already counted keep their waits. Flooding the guard
            // with made-up e-mails must not free an account an attacker is guessing.
            if entries.len() >= self.capacity {
                return;
            }
        }
        let entry = entries.entry(key).or_insert(LoginFailures {
            count: 0,
            last_at: now,
            locked_until: 0,
        });
        // A quiet hour forgives earlier failures.
        if entry.last_at < now - 3600 {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last_at = now;
        entry.locked_until = now + account::login_lock_seconds(entry.count);
    }

    fn succeeded(&self, email: &str) {
        self.entries().remove(&Self::key(email));
    }
}

/// A logged-in session: the token for the cookie, and who it is.
pub struct NewSession {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
}

pub async fn login(
    store: &SharedStore,
    guard: &LoginGuard,
    email: &str,
    password: &str,
    ttl_seconds: i64,
    now: i64,
) -> Result<NewSession, AuthError> {
    let email = email.trim().to_lowercase();
    if let Some(seconds) = guard.wait_seconds(&email, now) {
        return Err(AuthError::Locked { seconds });
    }
    // No address is longer than 254 bytes: do not look one up (the decoy hash still runs).
    let credentials = if email.len() <= 254 {
        store.user_credentials(email.clone()).await?
    } else {
        None
    };
    let password = password.to_string();
    let (hash, candidate) = match &credentials {
        Some(c) => (c.password_hash.clone(), Some(c)),
        None => (decoy_hash().to_string(), None),
    };
    // Argon2 is deliberately slow; keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let user = match candidate {
        Some(c) if matches && !c.disabled => User::from(c.user.clone()),
        _ => {
            guard.failed(&email, now);
            audit(store, now, &email, "login.failed", &email, serde_json::json!({})).await?;
            return Err(AuthError::WrongCredentials);
        }
    };
    guard.succeeded(&email);
    let token = new_token();
    let expires_at = now + ttl_seconds;
    store
        .create_session(token_digest(&token), user.id, now, expires_at)
        .await?;
    audit(store, now, &user.email, "login", &user.email, serde_json::json!({})).await?;
    Ok(NewSession {
        token,
        user,
        expires_at,
    })
}

pub async fn logout(store: &SharedStore, session_token: &str) -> Result<(), AuthError> {
    store.delete_session(token_digest(session_token)).await?;
    Ok(())
}

pub async fn session_user(store: &SharedStore, session_token: &str, now: i64) -> Result<Option<User>, AuthError> {
    Ok(store
        .session_user(token_digest(session_token), now)
        .await?
        .map(Into::into))
}

pub async fn api_token_user(store: &SharedStore, token: &str, now: i64) -> Result<Option<User>, AuthError> {
    if !token.starts_with(API_TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    Ok(store.api_token_user(token_digest(token), now).await?.map(Into::into))
}

/// What a new API token may do and for how long.
#[derive(Debug, Clone, Default)]
pub struct TokenOptions {
    pub label: String,
    /// The highest role the token acts with (at most its owner's); `None`: the owner's role.
    pub scope: Option<Role>,
    /// Days until it stops working (1–3650); `None`: until revoked.
    pub expires_in_days: Option<i64>,
}

/// A token just made: the secret (shown once, never stored in clear) and what is listed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: String,
    pub info: ApiTokenInfo,
}

async fn user_by_email(store: &SharedStore, email: &str) -> Result<User, AuthError> {
    let email = email.trim().to_lowercase();
    Ok(store
        .user_credentials(email.clone())
        .await?
        .ok_or(AuthError::UnknownUser(email))?
        .user
        .into())
}

/// Create an API token for a user. The token is returned once and never stored in clear.
pub async fn create_api_token(
    store: &SharedStore,
    email: &str,
    options: TokenOptions,
    actor: &str,
    now: i64,
) -> Result<CreatedToken, AuthError> {
    let user = user_by_email(store, email).await?;
    let label = account::validate_token_label(&options.label)
        .map_err(|reason| AuthError::Invalid { field: "label", reason })?;
    if options.scope.is_some_and(|scope| !user.role.allows(scope)) {
        return Err(AuthError::Invalid {
            field: "scope",
            reason: "cannot be higher than the owner's role",
        });
    }
    let expires_at = match options.expires_in_days {
        None => None,
        Some(days) if (1..=3650).contains(&days) => Some(now + days * 86_400),
        Some(_) => {
            return Err(AuthError::Invalid {
                field: "expires_in_days",
                reason: "must be between 1 and 3650",
            })
        }
    };
    let token = format!("{API_TOKEN_PREFIX}{}", new_token());
    let info: ApiTokenInfo = store
        .create_api_token(NewApiToken {
            token_sha256: token_digest(&token),
            user_id: user.id,
            label: label.clone(),
            scope: options.scope,
            expires_at,
            now,
        })
        .await?
        .into();
    audit(
        store,
        now,
        actor,
        "token.create",
        &user.email,
        serde_json::json!({"label": label, "id": info.id, "scope": options.scope.map(Role::as_str), "expires_at": expires_at}),
    )
    .await?;
    Ok(CreatedToken { token, info })
}

/// API tokens of one user (by id), or of everyone.
pub async fn list_api_tokens(store: &SharedStore, user_id: Option<i64>) -> Result<Vec<ApiTokenInfo>, AuthError> {
    Ok(store
        .list_api_tokens(user_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Revokes a token at once. `owner`: only if it is theirs (a non-admin revoking their own).
pub async fn revoke_api_token(
    store: &SharedStore,
    id: i64,
    owner: Option<i64>,
    actor: &str,
    now: i64,
) -> Result<ApiTokenInfo, AuthError> {
    let info: ApiTokenInfo = store.revoke_api_token(id, owner).await?.into();
    audit(
        store,
        now,
        actor,
        "token.revoke",
        &info.user_email,
        serde_json::json!({"id": id, "label": info.label}),
    )
    .await?;
    Ok(info)
}

pub async fn list_users(store: &SharedStore) -> Result<Vec<UserAccount>, AuthError> {
    Ok(store.list_users().await?.into_iter().map(Into::into).collect())
}

/// What an administrator changes on an account.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Re-roles, disables/enables or resets the password of an account (by id). Refused when it
/// would leave no active administrator; disabling or a new password ends its sessions.
pub async fn change_account(
    store: &SharedStore,
    id: i64,
    change: AccountChange,
    actor: &str,
    now: i64,
) -> Result<UserAccount, AuthError> {
    let password_hash = match &change.password {
        None => None,
        Some(password) => {
            account::validate_password(password).map_err(|reason| AuthError::Invalid {
                field: "password",
                reason,
            })?;
            Some(hash_password(password)?)
        }
    };
    let account: UserAccount = store
        .update_user(
            id,
            UserUpdate {
                role: change.role,
                disabled: change.disabled,
                password_hash,
            },
        )
        .await?
        .into();
    audit(
        store,
        now,
        actor,
        "user.update",
        &account.email,
        serde_json::json!({
            "role": change.role.map(Role::as_str),
            "disabled": change.disabled,
            "password_reset": change.password.is_some(),
        }),
    )
    .await?;
    Ok(account)
}

/// The account with this e-mail, for the CLI.
pub async fn account_id(store: &SharedStore, email: &str) -> Result<i64, AuthError> {
    Ok(user_by_email(store, email).await?.id)
}

async fn audit(
    store: &SharedStore,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> Result<(), AuthError> {
    store
        .append_audit(NewAuditEntry {
            at,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: Some(subject.to_string()),
            details,
        })
        .await?;
    Ok(())
}

// ---- What the API shows of accounts, mapped from the store's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    #[schema(value_type = String, example = "editor")]
    pub role: Role,
    pub created_at: i64,
}

impl From<rtbcat_store::User> for User {
    fn from(row: rtbcat_store::User) -> Self {
        User {
            id: row.id,
            email: row.email,
            role: row.role,
            created_at: row.created_at,
        }
    }
}

/// A user as an administrator manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UserAccount {
    pub id: i64,
    pub email: String,
    #[schema(value_type = String, example = "editor")]
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

impl From<rtbcat_store::UserAccount> for UserAccount {
    fn from(row: rtbcat_store::UserAccount) -> Self {
        UserAccount {
            id: row.id,
            email: row.email,
            role: row.role,
            disabled: row.disabled,
            created_at: row.created_at,
        }
    }
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub label: String,
    /// The highest role the token acts with; null: its owner's role.
    #[schema(value_type = Option<String>, example = "viewer")]
    pub scope: Option<Role>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl From<rtbcat_store::ApiTokenInfo> for ApiTokenInfo {
    fn from(row: rtbcat_store::ApiTokenInfo) -> Self {
        ApiTokenInfo {
            id: row.id,
            user_id: row.user_id,
            user_email: row.user_email,
            label: row.label,
            scope: row.scope,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "wrong horse battery"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn a_full_guard_keeps_the_waits_it_has() {
        let guard = LoginGuard::with_capacity(2);
        for _ in 0..account::FREE_LOGIN_FAILURES {
            guard.failed("victim@x.io", 100);
        }
        assert_eq!(guard.wait_seconds("victim@x.io", 100), Some(30));
        // A flood of other e-mails within the hour fills the guard but frees nobody.
        for n in 0..1000 {
            guard.failed(&format!("made-up-{n}@x.io"), 101);
        }
        assert_eq!(guard.wait_seconds("victim@x.io", 101), Some(29));
        guard.failed("victim@x.io", 102);
        assert_eq!(guard.wait_seconds("victim@x.io", 102), Some(60), "its count goes on");
        guard.succeeded("victim@x.io");
        assert_eq!(guard.wait_seconds("victim@x.io", 103), None);
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert_eq!(token_digest(&a), token_digest(&a));
        assert_ne!(token_digest(&a), a);
    }
}
