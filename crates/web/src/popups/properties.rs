//! Properties over HTTP.

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
use rtbcat_app::popups::Property;
use rtbcat_core::platform::accounts::Role;
use rtbcat_core::popups::PropertyInput;

/// Properties the popup runs on.
#[utoipa::path(get, path = "/api/properties", tag = "popups", params(PageParams), responses((status = 200, body = [Property])))]
pub(crate) async fn list_properties(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<Property>, ApiError> {
    Ok(page.of(rtbcat_app::popups::properties::list(&state.store).await?))
}

pub(crate) async fn save_property(
    state: &AppState,
    user: &ApiUser,
    id: Option<i64>,
    bytes: &Bytes,
) -> Result<Property, ApiError> {
    user.require(Role::Editor)?;
    let input: PropertyInput = json_body(bytes)?;
    let now = state.clock.unix();
    Ok(rtbcat_app::popups::properties::save(&state.store, &state.tracking, id, input, &user.0.email, now).await?)
}

/// Adds a property (code, name, domains, popup defaults, theme).
#[utoipa::path(post, path = "/api/properties", tag = "popups", request_body = rtbcat_core::popups::PropertyInput, responses((status = 201, body = Property), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn create_property(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let saved = save_property(&state, &user, None, &bytes).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces a property's settings.
#[utoipa::path(put, path = "/api/properties/{id}", tag = "popups", request_body = rtbcat_core::popups::PropertyInput, responses((status = 200, body = Property)))]
pub(crate) async fn update_property(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Property>, ApiError> {
    Ok(Json(save_property(&state, &user, Some(id), &bytes).await?))
}

/// Deactivates a property: the popup stops there; its history stays.
#[utoipa::path(delete, path = "/api/properties/{id}", tag = "popups", responses((status = 200, body = Property)))]
pub(crate) async fn deactivate_property(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Property>, ApiError> {
    user.require(Role::Editor)?;
    let property = find_property_by_id(&state, id).await?;
    let now = state.clock.unix();
    Ok(Json(
        rtbcat_app::popups::properties::deactivate(&state.store, &state.tracking, &property, &user.0.email, now)
            .await?,
    ))
}

/// One property of the tracking routes' cached copy, read in place: the public routes look a
/// property up on every beacon, and copying its texts out each time cost a dozen allocations.
pub(crate) struct CachedProperty {
    all: std::sync::Arc<Vec<Property>>,
    index: usize,
}

impl std::ops::Deref for CachedProperty {
    type Target = Property;

    fn deref(&self) -> &Property {
        &self.all[self.index]
    }
}

async fn cached_property(
    state: &AppState,
    wanted: impl Fn(&Property) -> bool,
    name: impl std::fmt::Display,
) -> Result<CachedProperty, ApiError> {
    let all = state.tracking.properties().await?;
    let index = all
        .iter()
        .position(wanted)
        .ok_or_else(|| ApiError::not_found(format!("property {name}")))?;
    Ok(CachedProperty { all, index })
}

pub(crate) async fn find_property_by_id(state: &AppState, id: i64) -> Result<CachedProperty, ApiError> {
    cached_property(state, |p| p.id == id, id).await
}

/// By code, or by id given as text.
pub(crate) async fn find_property(state: &AppState, code_or_id: &str) -> Result<CachedProperty, ApiError> {
    let id = code_or_id.parse::<i64>().ok();
    cached_property(state, |p| p.code == code_or_id || Some(p.id) == id, code_or_id).await
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/properties", get(list_properties).post(create_property))
        .route("/api/properties/{id}", put(update_property).delete(deactivate_property))
}
