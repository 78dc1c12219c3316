//! Campaigns of creatives as JSON: the list with numbers, one campaign, clustering.

use crate::error::ApiError;
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::campaigns::{CampaignView, ClusterReport};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignParams {
    /// `1d`, `7d` (default), `30d` or `all`, ending at the newest imported day.
    pub period: Option<String>,
}

/// Creatives clustered into campaigns, each with its creatives, the rule that formed it, a
/// confidence, and spend, impressions, clicks, CTR, CPC and CPM over the period.
#[utoipa::path(get, path = "/campaigns", tag = "campaigns", params(CampaignParams),
    responses((status = 200, body = [CampaignView]), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_campaigns(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<CampaignParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<CampaignView>>, ApiError> {
    let Query(params) = params?;
    let period = crate::bidder::catalog::api::parse_period(params.period.as_deref())?;
    Ok(Json(
        rtbcat_app::bidder::campaigns::list(&state.store, period, None).await?,
    ))
}

/// One campaign.
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path), CampaignParams),
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn get_campaign(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
    params: Result<Query<CampaignParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CampaignView>, ApiError> {
    let Query(params) = params?;
    let period = crate::bidder::catalog::api::parse_period(params.period.as_deref())?;
    rtbcat_app::bidder::campaigns::list(&state.store, period, None)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no campaign {id}")))
}

/// Clusters every creative by the rules (same app across stores, same landing domain, same
/// advertiser) and saves the campaigns; a user's edits are kept. Editors and admins.
#[utoipa::path(post, path = "/campaigns/cluster", tag = "campaigns",
    responses((status = 200, body = ClusterReport), (status = 403, body = crate::error::ErrorBody)))]
pub(crate) async fn cluster(State(state): State<AppState>, user: ApiUser) -> Result<Json<ClusterReport>, ApiError> {
    user.require(Role::Editor)?;
    Ok(Json(
        rtbcat_app::bidder::campaigns::cluster(&state.store, &user.0.email, state.clock.unix()).await?,
    ))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns))
        .route("/campaigns/cluster", post(cluster))
        .route("/campaigns/{id}", get(get_campaign))
}
