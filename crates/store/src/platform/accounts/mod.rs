//! Accounts: users, sessions and API tokens.

mod postgres;

mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;
use rtbcat_core::platform::accounts::Role;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
}

/// A user as an administrator manages it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// What an administrator changes on a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new argon2 hash; setting it ends the user's sessions.
    pub password_hash: Option<String>,
}

/// A new bearer API token (only its SHA-256 is stored).
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token_sha256: String,
    pub user_id: i64,
    pub label: String,
    /// The highest role the token acts with; `None`: its owner's role.
    pub scope: Option<Role>,
    pub expires_at: Option<i64>,
    pub now: i64,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub label: String,
    /// The highest role the token acts with; null: its owner's role.
    pub scope: Option<Role>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
    pub disabled: bool,
}

/// Why an account change is refused.
pub(crate) const LAST_ADMIN: &str = "at least one active administrator must remain";

/// The columns of an [`ApiTokenInfo`], the same on both backends.
pub(crate) const TOKEN_INFO_SELECT: &str = "SELECT t.id, t.user_id, u.email, t.label, t.scope, t.created_at, \
     t.expires_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

pub(crate) fn parse_role(text: &str) -> Role {
    // The schema's CHECK constraint keeps other values out; viewer is the safe reading.
    Role::parse(text).unwrap_or(Role::Viewer)
}

// One row mapping for both engines (the SELECTs list these columns in this order).
pub(crate) fn user_from(row: &impl Columns) -> StoreResult<User> {
    Ok(User {
        id: row.col(0)?,
        email: row.col(1)?,
        role: parse_role(&row.col::<String>(2)?),
        created_at: row.col(3)?,
    })
}

pub(crate) fn user_account_from(row: &impl Columns) -> StoreResult<UserAccount> {
    let user = user_from(row)?;
    Ok(UserAccount {
        id: user.id,
        email: user.email,
        role: user.role,
        created_at: user.created_at,
        disabled: row.col(4)?,
    })
}

pub(crate) fn token_info_from(row: &impl Columns) -> StoreResult<ApiTokenInfo> {
    Ok(ApiTokenInfo {
        id: row.col(0)?,
        user_id: row.col(1)?,
        user_email: row.col(2)?,
        label: row.col(3)?,
        scope: row.col::<Option<String>>(4)?.map(|s| parse_role(&s)),
        created_at: row.col(5)?,
        expires_at: row.col(6)?,
        last_used_at: row.col(7)?,
    })
}

// SQL of the token and account administration, the same on both engines (`?N`, see
// `sql::pg`). Booleans are compared with FALSE, which SQLite reads as 0.
pub(crate) const INSERT_API_TOKEN: &str = "INSERT INTO api_tokens (token_sha256, user_id, label, created_at, \
     scope, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
pub(crate) const TOKEN_USER: &str = "SELECT u.id, u.email, u.role, u.created_at, t.scope, t.id, t.last_used_at \
     FROM api_tokens t JOIN users u ON u.id = t.user_id \
     WHERE t.token_sha256 = ?1 AND u.disabled = FALSE AND (t.expires_at IS NULL OR t.expires_at > ?2)";
pub(crate) const TOUCH_TOKEN: &str = "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2";
pub(crate) const DELETE_TOKEN: &str = "DELETE FROM api_tokens WHERE id = ?1";
pub(crate) const SELECT_ACCOUNTS: &str = "SELECT id, email, role, created_at, disabled FROM users";
pub(crate) const UPDATE_ACCOUNT: &str = "UPDATE users SET role = COALESCE(?2, role), \
     disabled = COALESCE(?3, disabled), password_hash = COALESCE(?4, password_hash) WHERE id = ?1 \
     RETURNING id, email, role, created_at, disabled";
pub(crate) const ACTIVE_ADMINS: &str = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = FALSE";
pub(crate) const END_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = ?1";

/// The tokens of one user (`?1`), or of everyone (`?1` null).
pub(crate) fn list_tokens_sql() -> String {
    format!("{TOKEN_INFO_SELECT} WHERE CAST(?1 AS BIGINT) IS NULL OR t.user_id = ?1 ORDER BY t.id DESC")
}

/// How stale `last_used_at` may get before a request writes it: most requests stay reads.
pub(crate) const LAST_USED_RESOLUTION_SECONDS: i64 = 3600;

/// A [`TOKEN_USER`] row: the user the token acts for (its owner's role lowered to the
/// token's scope), the token's id, and whether its `last_used_at` is due a write.
pub(crate) fn token_user(row: &impl Columns, now: i64) -> StoreResult<(User, i64, bool)> {
    let mut user = user_from(row)?;
    if let Some(scope) = row.col::<Option<String>>(4)? {
        user.role = user.role.min(parse_role(&scope));
    }
    let last_used_at: Option<i64> = row.col(6)?;
    let stale = last_used_at.is_none_or(|at| at < now - LAST_USED_RESOLUTION_SECONDS);
    Ok((user, row.col(5)?, stale))
}

#[async_trait]
pub trait AccountStore: Send + Sync {
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
}
