//! Health and who-am-I.

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rtbcat_app::platform::accounts::User;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answered.
    status: &'static str,
    version: &'static str,
    backend: rtbcat_app::platform::system::Backend,
    schema_version: i64,
    binary_schema_version: i64,
}

/// Liveness and database reachability. Needs no authentication.
#[utoipa::path(get, path = "/health", tag = "system", security(()),
    responses((status = 200, body = Health), (status = 503, body = ErrorBody, description = "database unreachable")))]
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    match rtbcat_app::platform::system::health(&state.store).await {
        Ok(info) => Json(Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            backend: info.backend,
            schema_version: info.schema_version,
            binary_schema_version: rtbcat_app::platform::system::binary_schema_version(info.backend),
        })
        .into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unreachable",
                "the database did not answer",
            )
            .into_response()
        }
    }
}

/// Who am I.
#[utoipa::path(get, path = "/api/me", tag = "account", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(user: ApiUser) -> Json<User> {
    Json(user.0)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/api/me", get(me))
}
