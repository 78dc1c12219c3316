//! Accounts: users, sessions and API tokens on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, Connection, OptionalExtension};

fn api_token_info(conn: &Connection, id: i64) -> StoreResult<Option<ApiTokenInfo>> {
    Ok(conn
        .query_row(&format!("{TOKEN_INFO_SELECT} WHERE t.id = ?1"), params![id], |r| {
            Ok(token_info_from(r)?)
        })
        .optional()?)
}

fn insert_user(conn: &Connection, user: &NewUser) -> StoreResult<User> {
    let result = conn.execute(
        "INSERT INTO users (email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.email, user.role.as_str(), user.password_hash, user.now],
    );
    match result {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            return Err(StoreError::Conflict(format!("user {}", user.email)))
        }
        other => other?,
    };
    Ok(User {
        id: conn.last_insert_rowid(),
        email: user.email.clone(),
        role: user.role,
        created_at: user.now,
    })
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn count_users(&self) -> StoreResult<i64> {
        self.read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?))
            .await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.write(move |conn| insert_user(conn, &user)).await
    }

    async fn create_first_admin(&self, user: NewUser) -> StoreResult<Option<User>> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let existing: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            if existing > 0 {
                return Ok(None);
            }
            let created = insert_user(&tx, &user)?;
            tx.commit()?;
            Ok(Some(created))
        })
        .await
    }

    async fn user_credentials(&self, email: String) -> StoreResult<Option<UserCredentials>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, email, role, created_at, password_hash, disabled FROM users WHERE email = ?1",
                    params![email],
                    |r| {
                        Ok(UserCredentials {
                            user: user_from(r)?,
                            password_hash: r.get(4)?,
                            disabled: r.get(5)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn create_session(&self, token_sha256: String, user_id: i64, now: i64, expires_at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now])?;
            conn.execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_sha256, user_id, now, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT u.id, u.email, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_sha256 = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                    params![token_sha256, now],
                    |r| Ok(user_from(r)?),
                )
                .optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_sha256: String) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE token_sha256 = ?1", params![token_sha256])?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo> {
        self.write(move |conn| {
            let id: i64 = conn.query_row(
                INSERT_API_TOKEN,
                params![
                    token.token_sha256,
                    token.user_id,
                    token.label,
                    token.now,
                    token.scope.map(Role::as_str),
                    token.expires_at
                ],
                |r| r.get(0),
            )?;
            api_token_info(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("token {id}")))
        })
        .await
    }

    async fn api_token_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let found = self
            .read(move |conn| {
                Ok(conn
                    .query_row(TOKEN_USER, params![token_sha256, now], |r| Ok(token_user(r, now)?))
                    .optional()?)
            })
            .await?;
        let Some((user, token_id, stale)) = found else {
            return Ok(None);
        };
        if stale {
            self.write(move |conn| {
                conn.execute(TOUCH_TOKEN, params![now, token_id])?;
                Ok(())
            })
            .await?;
        }
        Ok(Some(user))
    }

    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiTokenInfo>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&list_tokens_sql())?;
            let rows = stmt.query_map(params![user_id], |r| Ok(token_info_from(r)?))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<ApiTokenInfo> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let info = api_token_info(&tx, id)?
                .filter(|t| owner.is_none_or(|o| o == t.user_id))
                .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
            tx.execute(DELETE_TOKEN, params![id])?;
            tx.commit()?;
            Ok(info)
        })
        .await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserAccount>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{SELECT_ACCOUNTS} ORDER BY email"))?;
            let rows = stmt.query_map([], |r| Ok(user_account_from(r)?))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn update_user(&self, id: i64, update: UserUpdate) -> StoreResult<UserAccount> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let account = tx
                .query_row(
                    UPDATE_ACCOUNT,
                    params![id, update.role.map(Role::as_str), update.disabled, update.password_hash],
                    |r| Ok(user_account_from(r)?),
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
            let admins: i64 = tx.query_row(ACTIVE_ADMINS, [], |r| r.get(0))?;
            if admins == 0 {
                return Err(StoreError::Refused(LAST_ADMIN.into()));
            }
            if update.disabled == Some(true) || update.password_hash.is_some() {
                tx.execute(END_USER_SESSIONS, params![id])?;
            }
            tx.commit()?;
            Ok(account)
        })
        .await
    }
}
