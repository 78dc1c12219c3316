//! Accounts over HTTP: administrators list, create, re-role, disable and reset users;
//! everyone lists, creates and revokes their own API tokens (administrators: anyone's).

use crate::error::json_body;
use crate::error::{ApiError, ErrorBody};
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use axum::{Json, Router};
use rtbcat_app::platform::accounts::ApiTokenInfo;
use rtbcat_app::platform::accounts::UserAccount;
use rtbcat_app::platform::accounts::{AccountChange, CreatedToken, TokenOptions};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(list_users).post(create_user))
        .route("/api/users/{id}", patch(update_user))
        .route("/api/tokens", get(list_tokens).post(create_token))
        .route("/api/tokens/{id}", delete(revoke_token))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_users, create_user, update_user, list_tokens, create_token, revoke_token),
    components(schemas(UserAccount, ApiTokenInfo, CreatedToken, NewUserBody, UserChangeBody, NewTokenBody))
)]
pub struct AccountsDoc;

fn role_field(field: &'static str, text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or_else(|| ApiError::bad_parameter(field, "must be admin, editor or viewer"))
}

/// Every account (administrators only).
#[utoipa::path(get, path = "/api/users", tag = "account",
    params(PageParams), responses((status = 200, body = [UserAccount]), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    user: ApiUser,
    page: Result<PageQuery, ApiError>,
) -> Result<Paged<UserAccount>, ApiError> {
    user.require(Role::Admin)?;
    let PageQuery(page) = page?;
    Ok(page.of(rtbcat_app::platform::accounts::list_users(&state.store).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    email: String,
    /// admin, editor or viewer.
    role: String,
    /// At least 10 characters.
    password: String,
}

/// Adds an account (administrators only).
#[utoipa::path(post, path = "/api/users", tag = "account", request_body = NewUserBody,
    responses((status = 201, body = UserAccount), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    user.require(Role::Admin)?;
    let input: NewUserBody = json_body(&bytes)?;
    let role = role_field("role", &input.role)?;
    let created = rtbcat_app::platform::accounts::create_user(
        &state.store,
        &input.email,
        &input.password,
        role,
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    let account = UserAccount {
        id: created.id,
        email: created.email,
        role: created.role,
        disabled: false,
        created_at: created.created_at,
    };
    Ok((StatusCode::CREATED, Json(account)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeBody {
    /// admin, editor or viewer.
    role: Option<String>,
    /// true disables the account at once (its sessions end, its tokens stop working).
    disabled: Option<bool>,
    /// A new password (at least 10 characters); the account's sessions end.
    password: Option<String>,
}

/// Re-roles, disables or enables an account, or resets its password (administrators
/// only). 409 when it would leave no active administrator.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "account", request_body = UserChangeBody,
    responses((status = 200, body = UserAccount), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<UserAccount>, ApiError> {
    user.require(Role::Admin)?;
    let input: UserChangeBody = json_body(&bytes)?;
    let change = AccountChange {
        role: input.role.as_deref().map(|r| role_field("role", r)).transpose()?,
        disabled: input.disabled,
        password: input.password,
    };
    Ok(Json(
        rtbcat_app::platform::accounts::change_account(&state.store, id, change, &user.0.email, state.clock.unix())
            .await?,
    ))
}

/// API tokens: your own, or everyone's for administrators. The tokens themselves are
/// never shown again after creation.
#[utoipa::path(get, path = "/api/tokens", tag = "account",
    params(PageParams), responses((status = 200, body = [ApiTokenInfo]), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<ApiTokenInfo>, ApiError> {
    let owner = (!user.0.role.allows(Role::Admin)).then_some(user.0.id);
    Ok(page.of(rtbcat_app::platform::accounts::list_api_tokens(&state.store, owner).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// What the token is for (shown in lists), at most 100 characters.
    #[serde(default)]
    label: String,
    /// The highest role it acts with, at most yours (default: yours). `viewer` makes a
    /// read-only token.
    scope: Option<String>,
    /// Days until it stops working, 1–3650 (default: until revoked).
    expires_in_days: Option<i64>,
}

/// Creates an API token for yourself; the answer holds the token, shown this once.
#[utoipa::path(post, path = "/api/tokens", tag = "account", request_body = NewTokenBody,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody)))]
async fn create_token(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    let input: NewTokenBody = json_body(&bytes)?;
    let options = TokenOptions {
        label: input.label,
        scope: input.scope.as_deref().map(|s| role_field("scope", s)).transpose()?,
        expires_in_days: input.expires_in_days,
    };
    let created = rtbcat_app::platform::accounts::create_api_token(
        &state.store,
        &user.0.email,
        options,
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// Revokes a token at once: your own, or anyone's for administrators.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "account",
    responses((status = 200, body = ApiTokenInfo), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ApiTokenInfo>, ApiError> {
    let owner = (!user.0.role.allows(Role::Admin)).then_some(user.0.id);
    Ok(Json(
        rtbcat_app::platform::accounts::revoke_api_token(&state.store, id, owner, &user.0.email, state.clock.unix())
            .await?,
    ))
}
