//! Accounts: users, sessions and API tokens on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

async fn api_token_info(client: &impl deadpool_postgres::GenericClient, id: i64) -> StoreResult<Option<ApiTokenInfo>> {
    let row = client
        .query_opt(&format!("{TOKEN_INFO_SELECT} WHERE t.id = $1"), &[&id])
        .await?;
    row.map(|r| token_info_from(&r)).transpose()
}

async fn insert_user(client: &impl deadpool_postgres::GenericClient, user: &NewUser) -> StoreResult<User> {
    let result = client
        .query_one(
            "INSERT INTO users (email, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&user.email, &user.role.as_str(), &user.password_hash, &user.now],
        )
        .await;
    match result {
        Ok(row) => Ok(User {
            id: row.try_get(0)?,
            email: user.email.clone(),
            role: user.role,
            created_at: user.now,
        }),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StoreError::Conflict(format!("user {}", user.email)))
        }
        Err(e) => Err(e.into()),
    }
}

#[async_trait]
impl AccountStore for PgStore {
    async fn count_users(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        Ok(client.query_one("SELECT COUNT(*) FROM users", &[]).await?.try_get(0)?)
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let client = self.client().await?;
        insert_user(&client, &user).await
    }

    async fn create_first_admin(&self, user: NewUser) -> StoreResult<Option<User>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Serialise concurrent first-run setups: the table lock blocks a second one until
        // this transaction ends, and it then sees the user.
        tx.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", &[]).await?;
        let existing: i64 = tx.query_one("SELECT COUNT(*) FROM users", &[]).await?.try_get(0)?;
        if existing > 0 {
            return Ok(None);
        }
        let created = insert_user(&tx, &user).await?;
        tx.commit().await?;
        Ok(Some(created))
    }

    async fn user_credentials(&self, email: String) -> StoreResult<Option<UserCredentials>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, email, role, created_at, password_hash, disabled FROM users WHERE email = $1",
                &[&email],
            )
            .await?;
        row.map(|r| {
            Ok(UserCredentials {
                user: user_from(&r)?,
                password_hash: r.col(4)?,
                disabled: r.col(5)?,
            })
        })
        .transpose()
    }

    async fn create_session(&self, token_sha256: String, user_id: i64, now: i64, expires_at: i64) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM sessions WHERE expires_at < $1", &[&now])
            .await?;
        client
            .execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&token_sha256, &user_id, &now, &expires_at],
            )
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT u.id, u.email, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND NOT u.disabled",
                &[&token_sha256, &now],
            )
            .await?;
        Ok(row.map(|r| user_from(&r)).transpose()?)
    }

    async fn delete_session(&self, token_sha256: String) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM sessions WHERE token_sha256 = $1", &[&token_sha256])
            .await?;
        Ok(())
    }

    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &pg(INSERT_API_TOKEN),
                &[
                    &token.token_sha256,
                    &token.user_id,
                    &token.label,
                    &token.now,
                    &token.scope.map(Role::as_str),
                    &token.expires_at,
                ],
            )
            .await?;
        let id: i64 = row.try_get(0)?;
        api_token_info(&client, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))
    }

    async fn api_token_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = client.query_opt(&pg(TOKEN_USER), &[&token_sha256, &now]).await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (user, token_id, stale) = token_user(&row, now)?;
        if stale {
            client.execute(&pg(TOUCH_TOKEN), &[&now, &token_id]).await?;
        }
        Ok(Some(user))
    }

    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiTokenInfo>> {
        let client = self.client().await?;
        let rows = client.query(&pg(&list_tokens_sql()), &[&user_id]).await?;
        Ok(rows.iter().map(token_info_from).collect::<Result<Vec<_>, _>>()?)
    }

    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<ApiTokenInfo> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let info = api_token_info(&tx, id)
            .await?
            .filter(|t| owner.is_none_or(|o| o == t.user_id))
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        tx.execute(&pg(DELETE_TOKEN), &[&id]).await?;
        tx.commit().await?;
        Ok(info)
    }

    async fn list_users(&self) -> StoreResult<Vec<UserAccount>> {
        let client = self.client().await?;
        let rows = client.query(&format!("{SELECT_ACCOUNTS} ORDER BY email"), &[]).await?;
        Ok(rows.iter().map(user_account_from).collect::<Result<Vec<_>, _>>()?)
    }

    async fn update_user(&self, id: i64, update: UserUpdate) -> StoreResult<UserAccount> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Lock the administrators first: two admins demoting each other at once must not
        // both see the other one still active.
        tx.query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE", &[])
            .await?;
        let row = tx
            .query_opt(
                &pg(UPDATE_ACCOUNT),
                &[
                    &id,
                    &update.role.map(Role::as_str),
                    &update.disabled,
                    &update.password_hash,
                ],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let account = user_account_from(&row)?;
        let admins: i64 = tx.query_one(ACTIVE_ADMINS, &[]).await?.try_get(0)?;
        if admins == 0 {
            return Err(StoreError::Refused(LAST_ADMIN.into()));
        }
        if update.disabled == Some(true) || update.password_hash.is_some() {
            tx.execute(&pg(END_USER_SESSIONS), &[&id]).await?;
        }
        tx.commit().await?;
        Ok(account)
    }
}
