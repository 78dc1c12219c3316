//! Offers over HTTP, at the popup spec's `/api/campaigns` paths (users' scripts use
//! them): the "campaigns" here are affiliate offers, not the bidder wing's clustered
//! creative campaigns.

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
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rtbcat_app::popups::Offer;
use rtbcat_core::platform::accounts::Role;
use rtbcat_core::popups::OfferInput;

/// All offers (the spec calls them campaigns), active first.
#[utoipa::path(get, path = "/api/campaigns", tag = "popups", params(PageParams), responses((status = 200, body = [Offer])))]
pub(crate) async fn list_campaigns(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<Offer>, ApiError> {
    Ok(page.of(rtbcat_app::popups::offers::list(&state.store).await?))
}

pub(crate) async fn save_offer(
    state: &AppState,
    user: &ApiUser,
    id: Option<i64>,
    input: OfferInput,
) -> Result<Offer, ApiError> {
    user.require(Role::Editor)?;
    let now = state.clock.unix();
    Ok(rtbcat_app::popups::offers::save(&state.store, &state.tracking, id, input, &user.0.email, now).await?)
}

/// Adds an offer. Every problem is named by its field (`details.errors[].field`).
#[utoipa::path(post, path = "/api/campaigns", tag = "popups", request_body = rtbcat_core::popups::OfferInput, responses((status = 201, body = Offer), (status = 422, body = crate::error::ErrorBody, description = "each invalid or unknown field named in details.errors")))]
pub(crate) async fn create_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let saved = save_offer(&state, &user, None, json_body(&bytes)?).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces an offer's fields.
#[utoipa::path(put, path = "/api/campaigns/{id}", tag = "popups", request_body = rtbcat_core::popups::OfferInput, responses((status = 200, body = Offer), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn update_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(save_offer(&state, &user, Some(id), json_body(&bytes)?).await?))
}

pub(crate) async fn set_active(state: &AppState, user: &ApiUser, id: i64, active: bool) -> Result<Offer, ApiError> {
    user.require(Role::Editor)?;
    let now = state.clock.unix();
    Ok(rtbcat_app::popups::offers::set_active(&state.store, &state.tracking, id, active, &user.0.email, now).await?)
}

/// Deactivates an offer (the spec's DELETE): it stops showing; its history stays.
#[utoipa::path(delete, path = "/api/campaigns/{id}", tag = "popups", responses((status = 200, body = Offer)))]
pub(crate) async fn deactivate_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(set_active(&state, &user, id, false).await?))
}

/// `pause`, `resume` or `duplicate` an offer. A duplicate is a new, paused offer named
/// "… (copy)" (201); pause and resume answer the offer (200).
#[utoipa::path(post, path = "/api/campaigns/{id}/{action}", tag = "popups",
    params(("id" = i64, Path), ("action" = String, Path, description = "pause, resume, duplicate, or delete (only an offer that never served; 409 otherwise)")),
    responses((status = 200, body = Offer), (status = 201, body = Offer), (status = 204, description = "deleted"), (status = 404), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn campaign_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    match action.as_str() {
        "pause" | "resume" => Ok(Json(set_active(&state, &user, id, action == "resume").await?).into_response()),
        "duplicate" => duplicate_campaign(&state, &user, id).await,
        "delete" => {
            user.require(Role::Editor)?;
            let now = state.clock.unix();
            rtbcat_app::popups::offers::delete(&state.store, &state.tracking, id, &user.0.email, now).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        other => Err(ApiError::not_found(format!("no campaign action {other:?}"))),
    }
}

/// Copies an offer as a new, paused one named "… (copy)".
pub(crate) async fn duplicate_campaign(state: &AppState, user: &ApiUser, id: i64) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let now = state.clock.unix();
    let copy = rtbcat_app::popups::offers::duplicate(&state.store, &state.tracking, id, &user.0.email, now).await?;
    Ok((StatusCode::CREATED, Json(copy)).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns", get(list_campaigns).post(create_campaign))
        .route("/api/campaigns/{id}", put(update_campaign).delete(deactivate_campaign))
        .route("/api/campaigns/{id}/{action}", post(campaign_action))
}
