//! Campaigns of creatives as JSON: the list with numbers, one campaign in detail,
//! clustering (rules or a language model), and a user's edits.

use crate::error::{json_body, ApiError};
use crate::paging::{Page, Paged, MAX_PAGE_SIZE};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::campaigns::CampaignEdit;
use rtbcat_app::bidder::campaigns::{
    self as campaigns, CampaignDetail, CampaignSort, CampaignView, ClusterReport, ClusterWith,
};
use rtbcat_core::bidder::performance::metrics::Period;
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignParams {
    /// `1d`, `7d` (default), `30d` or `all`, ending at the newest imported day.
    pub period: Option<String>,
    /// `spend` (default), `impressions`, `clicks`, `ctr`, `cpc`, `cpm`, `change`,
    /// `creatives`, `confidence` or `name`.
    pub sort: Option<String>,
    /// `desc` or `asc`; numbers default to biggest first, names to A–Z.
    pub order: Option<String>,
    /// Campaigns in this page, 1–1000 (default 1000).
    pub limit: Option<i64>,
    /// Campaigns to skip (default 0).
    pub offset: Option<i64>,
}

pub(crate) struct ListQuery {
    pub period: Period,
    pub sort: CampaignSort,
    pub descending: bool,
}

pub(crate) fn parse_list_query(params: &CampaignParams) -> Result<ListQuery, ApiError> {
    let period = crate::bidder::catalog::api::parse_period(params.period.as_deref())?;
    let sort = match params.sort.as_deref() {
        None | Some("") => CampaignSort::Spend,
        Some(text) => CampaignSort::parse(text).ok_or_else(|| {
            ApiError::bad_parameter("sort", format!("unknown sort {text:?}: use {}", CampaignSort::NAMES))
        })?,
    };
    let descending = match params.order.as_deref() {
        None | Some("") => sort.descending_by_default(),
        Some("desc") => true,
        Some("asc") => false,
        Some(other) => return Err(ApiError::bad_parameter("order", format!("{other:?}: use asc or desc"))),
    };
    Ok(ListQuery {
        period,
        sort,
        descending,
    })
}

/// Creatives clustered into campaigns, each with its creatives, the rule that formed it, a
/// confidence, and over the period: spend, impressions, clicks, CTR, CPC, CPM, the change
/// against the period before, top country and device with their shares, and creatives by
/// format and status.
#[utoipa::path(get, path = "/campaigns", tag = "campaigns", params(CampaignParams),
    responses((status = 200, body = [CampaignView]), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_campaigns(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<CampaignParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Paged<CampaignView>, ApiError> {
    let Query(params) = params?;
    let query = parse_list_query(&params)?;
    let page = Page::parse(params.limit, params.offset, MAX_PAGE_SIZE)?;
    Ok(page.of(campaigns::list(
        &state.store,
        &state.campaigns,
        query.period,
        query.sort,
        query.descending,
    )
    .await?))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DetailParams {
    /// `1d`, `7d` (default), `30d` or `all`.
    pub period: Option<String>,
}

/// One campaign: its numbers, day by day with the period before, its creatives by spend,
/// its countries and devices.
#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path), DetailParams),
    responses((status = 200, body = CampaignDetail), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn get_campaign(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
    params: Result<Query<DetailParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CampaignDetail>, ApiError> {
    let Query(params) = params?;
    let period = crate::bidder::catalog::api::parse_period(params.period.as_deref())?;
    campaigns::detail(&state.store, &state.campaigns, id, period)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterRequest {
    /// `rule` (default) or `llm` (the configured language model; the rules place what it
    /// does not).
    #[serde(default)]
    pub provider: ClusterWith,
}

/// Clusters every creative into campaigns (same app across stores, same landing domain,
/// same advertiser; or a language model) and saves them; a user's edits are kept. Returns
/// what it did. Editors and admins.
#[utoipa::path(post, path = "/campaigns/cluster", tag = "campaigns", request_body(content = Option<ClusterRequest>),
    responses((status = 200, body = ClusterReport), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn cluster(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Json<ClusterReport>, ApiError> {
    user.require(Role::Editor)?;
    let request: ClusterRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        ClusterRequest::default()
    } else {
        json_body(&bytes)?
    };
    Ok(Json(
        campaigns::cluster(
            &state.store,
            request.provider,
            state.config.llm.as_ref(),
            &user.0.email,
            state.clock.unix(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignChange {
    /// A new name (kept when clustering runs again).
    pub name: Option<String>,
    /// Locked: clustering moves none of its creatives and adds none; moves refused.
    pub locked: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreativeIds {
    /// `seat/creative` ids.
    pub creative_ids: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// Campaigns whose creatives join this one.
    pub from: Vec<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub name: String,
    /// `seat/creative` ids taken out of their campaigns.
    pub creative_ids: Vec<String>,
}

/// The campaign after an edit, over the default period.
async fn edited(state: &AppState, user: &ApiUser, edit: CampaignEdit) -> Result<CampaignView, ApiError> {
    user.require(Role::Editor)?;
    let id = campaigns::edit(&state.store, edit, &user.0.email, state.clock.unix()).await?;
    campaigns::list(&state.store, &state.campaigns, Period::Week, CampaignSort::Spend, true)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))
}

/// Renames and/or locks a campaign. Editors and admins; audited.
#[utoipa::path(patch, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)), request_body = CampaignChange,
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn change_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<CampaignView>, ApiError> {
    // The role before the body: a viewer learns only that it may not.
    user.require(Role::Editor)?;
    let change: CampaignChange = json_body(&bytes)?;
    if change.name.is_none() && change.locked.is_none() {
        return Err(crate::error::invalid_fields(vec![rtbcat_core::popups::FieldError {
            field: "name".into(),
            reason: "send a name, locked, or both".into(),
        }]));
    }
    let mut view = None;
    if let Some(name) = change.name {
        view = Some(edited(&state, &user, CampaignEdit::Rename { id, name }).await?);
    }
    if let Some(locked) = change.locked {
        view = Some(edited(&state, &user, CampaignEdit::Lock { id, locked }).await?);
    }
    view.map(Json)
        .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))
}

/// Moves creatives into this campaign by hand; clustering leaves them there. Refused (409)
/// when this campaign or one they leave is locked.
#[utoipa::path(post, path = "/campaigns/{id}/creatives", tag = "campaigns", params(("id" = i64, Path)), request_body = CreativeIds,
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn move_creatives(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<CampaignView>, ApiError> {
    // The role before the body: a viewer learns only that it may not.
    user.require(Role::Editor)?;
    let body: CreativeIds = json_body(&bytes)?;
    let members = campaigns::parse_creative_ids(&body.creative_ids)?;
    Ok(Json(edited(&state, &user, CampaignEdit::Move { id, members }).await?))
}

/// Merges other campaigns into this one: their creatives join it, and so do later
/// creatives of their products.
#[utoipa::path(post, path = "/campaigns/{id}/merge", tag = "campaigns", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, body = CampaignView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn merge_campaigns(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<CampaignView>, ApiError> {
    // The role before the body: a viewer learns only that it may not.
    user.require(Role::Editor)?;
    let body: MergeRequest = json_body(&bytes)?;
    Ok(Json(
        edited(
            &state,
            &user,
            CampaignEdit::Merge {
                into: id,
                from: body.from,
            },
        )
        .await?,
    ))
}

/// Splits creatives off into a new campaign of their own (source `manual`).
#[utoipa::path(post, path = "/campaigns/split", tag = "campaigns", request_body = SplitRequest,
    responses((status = 201, body = CampaignView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub(crate) async fn split_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    // The role before the body: a viewer learns only that it may not.
    user.require(Role::Editor)?;
    let body: SplitRequest = json_body(&bytes)?;
    let members = campaigns::parse_creative_ids(&body.creative_ids)?;
    let view = edited(
        &state,
        &user,
        CampaignEdit::Split {
            name: body.name,
            members,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns))
        .route("/campaigns/cluster", post(cluster))
        .route("/campaigns/split", post(split_campaign))
        .route("/campaigns/{id}", get(get_campaign).patch(change_campaign))
        .route("/campaigns/{id}/creatives", post(move_creatives))
        .route("/campaigns/{id}/merge", post(merge_campaigns))
}
