//! A/B tests of offers over HTTP: create, list, one with its results, start, stop.

use crate::error::{invalid_fields, json_body, ApiError};
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::popups::experiments::{
    self as experiments, ExperimentError, ExperimentInput, ExperimentView, RotationInput, RotationView,
};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

impl From<ExperimentError> for ApiError {
    fn from(err: ExperimentError) -> Self {
        match err {
            ExperimentError::Invalid(errors) => invalid_fields(errors),
            ExperimentError::NotFound(m) => ApiError::not_found(m),
            ExperimentError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            ExperimentError::Store(e) => e.into(),
        }
    }
}

/// Experiments, newest first.
#[utoipa::path(get, path = "/api/experiments", tag = "popups", params(PageParams), responses((status = 200, body = [ExperimentView])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<ExperimentView>, ApiError> {
    Ok(page.of(experiments::list(&state.store).await?))
}

/// Creates a draft experiment: 2–6 arms on the property's offers (the first is control),
/// each an offer or a variant of its title, tagline, CTA or image, with traffic weights.
/// Editors; audited.
#[utoipa::path(post, path = "/api/experiments", tag = "popups", request_body = ExperimentInput,
    responses((status = 201, body = ExperimentView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn create(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let input: ExperimentInput = json_body(&bytes)?;
    let created = experiments::create(&state.store, &input, &user.0.email, state.clock.unix()).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// One experiment with its results: per arm impressions, clicks, conversions, revenue, CTR,
/// conversion rate and RPM with intervals; against control the always-valid interval of
/// the difference, the chance to beat control and the fixed-horizon p-value; the
/// sample-ratio check; what is still missing before a verdict.
#[utoipa::path(get, path = "/api/experiments/{id}", tag = "popups", params(("id" = i64, Path)),
    responses((status = 200, body = ExperimentView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ExperimentView>, ApiError> {
    Ok(Json(experiments::get(&state.store, id, state.clock.unix()).await?))
}

/// Starts a draft; 409 while another experiment runs on the placement. Editors; audited.
#[utoipa::path(post, path = "/api/experiments/{id}/start", tag = "popups", params(("id" = i64, Path)),
    responses((status = 200, body = ExperimentView), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn start(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ExperimentView>, ApiError> {
    user.require(Role::Editor)?;
    let started = experiments::start(&state.store, id, &user.0.email, state.clock.unix()).await?;
    state.tracking.forget_experiments();
    Ok(Json(started))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StopRequest {
    /// The winning arm's label; none to stop without declaring one.
    pub winner: Option<String>,
}

/// Stops a running experiment, optionally declaring the winner. Editors; audited.
#[utoipa::path(post, path = "/api/experiments/{id}/stop", tag = "popups", params(("id" = i64, Path)), request_body = StopRequest,
    responses((status = 200, body = ExperimentView), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn stop(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ExperimentView>, ApiError> {
    user.require(Role::Editor)?;
    let request: StopRequest = if bytes.is_empty() {
        StopRequest::default()
    } else {
        json_body(&bytes)?
    };
    let stopped = experiments::stop(
        &state.store,
        id,
        request.winner.as_deref(),
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    state.tracking.forget_experiments();
    Ok(Json(stopped))
}

/// A property's rotation: `priority` or `learning`, the floor and burn-in, and the split
/// learning uses now with the reason for each share.
#[utoipa::path(get, path = "/api/properties/{id}/rotation", tag = "popups", params(("id" = i64, Path)),
    responses((status = 200, body = RotationView)))]
pub(crate) async fn get_rotation(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RotationView>, ApiError> {
    Ok(Json(
        experiments::rotation(&state.store, id, state.clock.now().date()).await?,
    ))
}

/// Sets a property's rotation. Editors; audited.
#[utoipa::path(put, path = "/api/properties/{id}/rotation", tag = "popups", params(("id" = i64, Path)), request_body = RotationInput,
    responses((status = 200, body = RotationView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn set_rotation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<RotationView>, ApiError> {
    user.require(Role::Editor)?;
    let input: RotationInput = json_body(&bytes)?;
    let view = experiments::set_rotation(
        &state.store,
        id,
        &input,
        &user.0.email,
        state.clock.unix(),
        state.clock.now().date(),
    )
    .await?;
    state.tracking.forget_experiments();
    Ok(Json(view))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/experiments", get(list).post(create))
        .route("/api/experiments/{id}", get(get_one))
        .route("/api/experiments/{id}/start", post(start))
        .route("/api/experiments/{id}/stop", post(stop))
        // POST as well as PUT: the page's buttons post.
        .route(
            "/api/properties/{id}/rotation",
            get(get_rotation).put(set_rotation).post(set_rotation),
        )
}
