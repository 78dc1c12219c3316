//! Accounts: argon2 password hashes, session tokens, bearer API tokens.
//!
//! Tokens are random 256-bit values shown once; only their SHA-256 is stored, so a copy
//! of the database does not hand out logins.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use rtbcat_core::account::{self, Role};
use rtbcat_store::{NewAuditEntry, NewUser, SharedStore, StoreError, User};
use sha2::{Digest, Sha256};

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
    let user = store.create_user(new_user).await?;
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
    let user = store.create_first_admin(new_user).await?.ok_or(AuthError::SetupDone)?;
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

/// A logged-in session: the token for the cookie, and who it is.
pub struct NewSession {
    pub token: String,
    pub user: User,
    pub expires_at: i64,
}

pub async fn login(
    store: &SharedStore,
    email: &str,
    password: &str,
    ttl_seconds: i64,
    now: i64,
) -> Result<NewSession, AuthError> {
    let email = email.trim().to_lowercase();
    let credentials = store.user_credentials(email.clone()).await?;
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
        Some(c) if matches && !c.disabled => c.user.clone(),
        _ => {
            audit(store, now, &email, "login.failed", &email, serde_json::json!({})).await?;
            return Err(AuthError::WrongCredentials);
        }
    };
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
    Ok(store.session_user(token_digest(session_token), now).await?)
}

pub async fn api_token_user(store: &SharedStore, token: &str) -> Result<Option<User>, AuthError> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(store.api_token_user(token_digest(token)).await?)
}

/// Create an API token for a user. The token is returned once and never stored in clear.
pub async fn create_api_token(
    store: &SharedStore,
    email: &str,
    label: &str,
    actor: &str,
    now: i64,
) -> Result<String, AuthError> {
    let email = email.trim().to_lowercase();
    let user = store
        .user_credentials(email.clone())
        .await?
        .ok_or_else(|| AuthError::UnknownUser(email.clone()))?
        .user;
    let token = format!("{API_TOKEN_PREFIX}{}", new_token());
    store
        .create_api_token(token_digest(&token), user.id, label.to_string(), now)
        .await?;
    audit(
        store,
        now,
        actor,
        "token.create",
        &user.email,
        serde_json::json!({"label": label}),
    )
    .await?;
    Ok(token)
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
    fn tokens_are_random_and_digests_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert_eq!(token_digest(&a), token_digest(&a));
        assert_ne!(token_digest(&a), a);
    }
}
