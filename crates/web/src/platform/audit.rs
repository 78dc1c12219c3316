//! The audit log over HTTP (administrators).

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rtbcat_app::platform::audit::AuditEntry;
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// How many entries, newest first: 1–1000, default 100.
    pub limit: Option<i64>,
}

/// The audit log: sign-ins, failed sign-ins, imports, accounts and tokens. Admins only.
#[utoipa::path(get, path = "/api/audit", tag = "account", params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    user: ApiUser,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    user.require(Role::Admin)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_parameter("limit", "must be between 1 and 1000"));
    }
    Ok(Json(rtbcat_app::platform::audit::recent(&state.store, limit).await?))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/audit", get(audit_log))
}
