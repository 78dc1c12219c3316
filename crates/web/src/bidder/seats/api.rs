//! Seats as JSON: the seats, discovery from Google, a seat's creative sync, the sync
//! history and the service-account keys (never their private part).

use crate::error::ApiError;
use crate::paging::{Page, PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::google::{
    self as google, DiscoveryReport, GoogleError, KeyInfo, SeatView, SyncError, SyncView,
};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

impl From<GoogleError> for ApiError {
    fn from(err: GoogleError) -> Self {
        match &err {
            GoogleError::NoKeys => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_google_key", err.to_string()),
            GoogleError::Key { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_google_key", err.to_string())
                    .with_details(serde_json::json!({"errors": [{"field": "key", "reason": err.to_string()}]}))
            }
            GoogleError::Token { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, "google_token_refused", err.to_string())
            }
            GoogleError::Api { code, status, .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, "google_api_error", err.to_string())
                    .with_details(serde_json::json!({"google_code": code, "google_status": status}))
            }
            GoogleError::Transport { .. } | GoogleError::Decode { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, "google_unreachable", err.to_string())
            }
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(err: SyncError) -> Self {
        match err {
            SyncError::Google(g) => g.into(),
            SyncError::Store(s) => s.into(),
            SyncError::UnknownSeat(_) => ApiError::not_found(err.to_string()),
            SyncError::NoKeyForSeat(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_google_key", err.to_string())
            }
            SyncError::Busy(_) => ApiError::new(StatusCode::CONFLICT, "sync_running", err.to_string()),
        }
    }
}

fn accounts(state: &AppState) -> Result<Vec<google::Account>, ApiError> {
    Ok(google::accounts(&state.config.google, &state.config.data_dir)?)
}

/// Buyer seats: from discovery or imports, with their creatives in the catalog, Google's
/// active count, the last sync and its error.
#[utoipa::path(get, path = "/seats", tag = "seats", params(PageParams), responses((status = 200, body = Vec<SeatView>), (status = 401, body = crate::error::ErrorBody)))]
pub(crate) async fn seats(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<SeatView>, ApiError> {
    Ok(page.of(google::seats(&state.store).await?))
}

/// Asks Google (`bidders.list`, `buyers.list`) which seats each key can see and records
/// them. Editors; audited.
#[utoipa::path(post, path = "/seats/discover", tag = "seats",
    responses((status = 200, body = DiscoveryReport), (status = 422, body = crate::error::ErrorBody, description = "no key"), (status = 502, body = crate::error::ErrorBody, description = "Google refused or was unreachable")))]
pub(crate) async fn discover(State(state): State<AppState>, user: ApiUser) -> Result<Json<DiscoveryReport>, ApiError> {
    user.require(Role::Editor)?;
    let accounts = accounts(&state)?;
    Ok(Json(
        google::discover(
            &state.store,
            &state.google,
            &accounts,
            &user.0.email,
            state.clock.unix(),
        )
        .await?,
    ))
}

/// Syncs a seat's creatives from `buyers.creatives.list` (view FULL, every page) through
/// the creative import. A sync that failed part-way is taken up at its page. Editors; audited.
#[utoipa::path(post, path = "/seats/{buyer_id}/sync", tag = "seats", params(("buyer_id" = String, Path)),
    responses((status = 200, body = SyncView, description = "the run; `status` is `done` or `failed` (with `error`)"),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "this seat is being synced")))]
pub(crate) async fn sync(
    State(state): State<AppState>,
    user: ApiUser,
    Path(buyer_id): Path<String>,
) -> Result<Json<SyncView>, ApiError> {
    user.require(Role::Editor)?;
    let accounts = accounts(&state)?;
    let run = google::sync_seat(
        &state.store,
        &state.google,
        &accounts,
        &buyer_id,
        &user.0.email,
        &state.config.buyers_ui_template,
        state.clock.as_ref(),
    )
    .await?;
    state.evaluate_alerts_soon();
    Ok(Json(run))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// One seat's runs.
    pub buyer_id: Option<String>,
    /// How many, newest first (default 50, at most 1000).
    pub limit: Option<i64>,
    /// Runs to skip (default 0).
    pub offset: Option<i64>,
}

/// Sync runs, newest first: counts, duration, status and error.
#[utoipa::path(get, path = "/seats/syncs", tag = "seats", params(SyncParams), responses((status = 200, body = Vec<SyncView>)))]
pub(crate) async fn syncs(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<SyncParams>, QueryRejection>,
) -> Result<Paged<SyncView>, ApiError> {
    let Query(params) = params?;
    let page = Page::parse(params.limit, params.offset, 50)?;
    Ok(page.of_head(google::sync_runs(&state.store, params.buyer_id, page.rows_to_read()?).await?))
}

/// The service-account keys rtbcat can use (e-mail and key id; never the key). Admins.
#[utoipa::path(get, path = "/seats/keys", tag = "seats", params(PageParams), responses((status = 200, body = Vec<KeyInfo>), (status = 403, body = crate::error::ErrorBody)))]
pub(crate) async fn keys(
    State(state): State<AppState>,
    user: ApiUser,
    page: Result<PageQuery, ApiError>,
) -> Result<Paged<KeyInfo>, ApiError> {
    user.require(Role::Admin)?;
    let PageQuery(page) = page?;
    Ok(page.of(accounts(&state)?.iter().map(google::Account::info).collect::<Vec<_>>()))
}

/// Adds a service-account key (the JSON file from the Cloud console, as the body). It is
/// checked, kept in the data dir readable by the service only, and never shown again. Admins; audited.
#[utoipa::path(post, path = "/seats/keys", tag = "seats", request_body(content = String, content_type = "application/json"),
    responses((status = 201, body = KeyInfo), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn add_key(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    user.require(Role::Admin)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ApiError::bad_parameter("key", "is not UTF-8 text"))?;
    let info = google::add_key(
        &state.store,
        &state.config.data_dir,
        text,
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/seats", get(seats))
        .route("/seats/discover", post(discover))
        .route("/seats/syncs", get(syncs))
        .route("/seats/keys", get(keys).post(add_key))
        .route("/seats/{buyer_id}/sync", post(sync))
}
