//! Affiliate networks over HTTP (administrators write, editors read).

//! Offer popups over HTTP: the management API (properties, campaigns — the spec's name for
//! offers), the public tracking routes the popup script calls, postbacks, analytics and
//! the script itself.

use crate::error::json_body;
use crate::error::ApiError;
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use rtbcat_app::popups::Network;
use rtbcat_core::platform::accounts::Role;
use rtbcat_core::popups::{self as rules};

/// Affiliate networks (no secrets in the answer: `has_secret` says whether one is set).
#[utoipa::path(get, path = "/api/networks", tag = "popups", params(PageParams), responses((status = 200, body = [Network])))]
pub(crate) async fn list_networks(
    State(state): State<AppState>,
    user: ApiUser,
    page: Result<PageQuery, ApiError>,
) -> Result<Paged<Network>, ApiError> {
    user.require(Role::Editor)?;
    let PageQuery(page) = page?;
    Ok(page.of(rtbcat_app::popups::networks::list(&state.store).await?))
}

pub(crate) async fn save_network(
    state: &AppState,
    user: &ApiUser,
    id: Option<i64>,
    bytes: &Bytes,
) -> Result<Network, ApiError> {
    user.require(Role::Admin)?;
    let input: rules::NetworkInput = json_body(bytes)?;
    let now = state.clock.unix();
    Ok(rtbcat_app::popups::networks::save(&state.store, id, input, &user.0.email, now).await?)
}

/// Adds an affiliate network (admins): its postback URL is then `/api/postback/{name}`.
#[utoipa::path(post, path = "/api/networks", tag = "popups", request_body = rtbcat_core::popups::NetworkInput, responses((status = 201, body = Network), (status = 422)))]
pub(crate) async fn create_network(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let saved = save_network(&state, &user, None, &bytes).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces a network's settings (admins); an empty secret keeps the stored one.
#[utoipa::path(put, path = "/api/networks/{id}", tag = "popups", request_body = rtbcat_core::popups::NetworkInput, responses((status = 200, body = Network)))]
pub(crate) async fn update_network(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Network>, ApiError> {
    Ok(Json(save_network(&state, &user, Some(id), &bytes).await?))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/networks", get(list_networks).post(create_network))
        .route("/api/networks/{id}", put(update_network))
}
