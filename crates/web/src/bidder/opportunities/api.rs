//! Opportunities as JSON or CSV, and a user's decision about one.

use crate::error::{json_body, ApiError};
use crate::export::{csv_attachment, csv_field};
use crate::paging::{Page, MAX_PAGE_SIZE};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::opportunities::{
    self as opportunities, GeoInsights, GeoSegment, Opportunity, OpportunityError, OpportunityKind, OpportunityList,
    OpportunityQuery,
};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

impl From<OpportunityError> for ApiError {
    fn from(err: OpportunityError) -> Self {
        match err {
            OpportunityError::BadParameter { name, reason } => ApiError::bad_parameter(name, reason),
            OpportunityError::Store(store) => store.into(),
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OpportunityParams {
    /// The window's last day (`YYYY-MM-DD`); the newest imported day by default.
    pub as_of: Option<String>,
    /// The window's length, 1–90 days (default 14).
    pub days: Option<String>,
    /// `undervalued_geo`, `efficient_low_spend`, `size_gap` or `neglected_creative`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub campaign_id: Option<String>,
    /// `open` (default) or `all` (dismissed, snoozed and done too).
    pub state: Option<String>,
    /// `0.5`–`0.999`: the confidence a finding needs (default 0.9).
    pub confidence: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Opportunities in the JSON page, 1–1000 (default 1000); the CSV has them all.
    pub limit: Option<i64>,
    /// Opportunities to skip in the JSON page (default 0).
    pub offset: Option<i64>,
}

pub(crate) fn parse_query(p: &OpportunityParams) -> Result<OpportunityQuery, ApiError> {
    let mut query = OpportunityQuery::default();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let Some(d) = text(&p.as_of) {
        query.as_of = Some(
            rtbcat_core::bidder::performance::report::parse_report_date(&d)
                .ok_or_else(|| ApiError::bad_parameter("as_of", format!("{d:?} is not a date like 2026-11-20")))?,
        );
    }
    if let Some(d) = text(&p.days) {
        query.days = d
            .parse()
            .map_err(|_| ApiError::bad_parameter("days", "must be a whole number of days"))?;
    }
    if let Some(k) = text(&p.kind) {
        query.kind = Some(OpportunityKind::parse(&k).ok_or_else(|| {
            ApiError::bad_parameter(
                "type",
                format!("{k:?}: use undervalued_geo, efficient_low_spend, size_gap or neglected_creative"),
            )
        })?);
    }
    if let Some(c) = text(&p.campaign_id) {
        query.campaign_id = Some(
            c.parse()
                .map_err(|_| ApiError::bad_parameter("campaign_id", "must be a campaign id (a number)"))?,
        );
    }
    query.include_closed = match text(&p.state).as_deref() {
        None | Some("open") => false,
        Some("all") => true,
        Some(other) => return Err(ApiError::bad_parameter("state", format!("{other:?}: use open or all"))),
    };
    if let Some(c) = text(&p.confidence) {
        query.settings.confidence = c
            .parse::<f64>()
            .ok()
            .filter(|c| (0.5..=0.999).contains(c))
            .ok_or_else(|| ApiError::bad_parameter("confidence", "must be between 0.5 and 0.999"))?;
    }
    Ok(query)
}

fn opportunities_csv(list: &OpportunityList) -> String {
    let mut out = String::from(
        "id,type,campaign_id,campaign,creative_id,geography,size,confidence,current_cpc,baseline_cpc,cpc_ratio,potential_weekly,potential_weekly_low,potential_weekly_high,recommendation,evidence,state\n",
    );
    let dollars = |m: Option<i64>| m.map(|m| format!("{:.6}", m as f64 / 1e6)).unwrap_or_default();
    for o in &list.opportunities {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{:.4},{},{},{:.4},{},{},{},{},{},{}\n",
            o.id,
            o.kind,
            o.campaign_id,
            csv_field(&o.campaign_name),
            csv_field(o.creative_id.as_deref().unwrap_or("")),
            o.geography.as_deref().unwrap_or(""),
            csv_field(o.size.as_deref().unwrap_or("")),
            o.confidence,
            dollars(o.current_cpc_micros),
            dollars(o.baseline_cpc_micros),
            o.cpc_ratio,
            dollars(Some(o.potential_weekly_micros)),
            dollars(Some(o.potential_weekly_interval.0)),
            dollars(Some(o.potential_weekly_interval.1)),
            csv_field(&o.recommendation),
            csv_field(&o.evidence),
            o.state
        ));
    }
    out
}

/// Profit pockets, biggest potential weekly saving first, each significant at the
/// configured confidence after Benjamini–Hochberg across every segment tested. `format=csv`
/// for a spreadsheet.
#[utoipa::path(get, path = "/opportunities", tag = "opportunities", params(OpportunityParams),
    responses((status = 200, body = OpportunityList), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn list_opportunities(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<OpportunityParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let query = parse_query(&params)?;
    let csv = match params.format.as_deref() {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::bad_parameter("format", format!("{other:?}: use json or csv"))),
    };
    let page = Page::parse(params.limit, params.offset, MAX_PAGE_SIZE)?;
    let mut list = opportunities::list(&state.store, &state.opportunities, &query, state.clock.unix()).await?;
    Ok(if csv {
        csv_attachment(opportunities_csv(&list), "opportunities.csv")
    } else {
        page.of(std::mem::take(&mut list.opportunities))
            .respond_with(|opportunities| Json(OpportunityList { opportunities, ..list }).into_response())
    })
}

/// One opportunity with its supporting numbers (dismissed, snoozed and done ones too).
#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities", params(("id" = String, Path), OpportunityParams),
    responses((status = 200, body = Opportunity), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn get_opportunity(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<String>,
    params: Result<Query<OpportunityParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Opportunity>, ApiError> {
    let Query(params) = params?;
    let mut query = parse_query(&params)?;
    query.include_closed = true;
    opportunities::list(&state.store, &state.opportunities, &query, state.clock.unix())
        .await?
        .opportunities
        .into_iter()
        .find(|o| o.id == id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("opportunity {id} (in this window)")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    /// `dismissed`, `snoozed`, `done`, or `open` to bring it back.
    pub state: String,
    /// For a snooze: how many days (default 7).
    pub days: Option<i64>,
}

/// Dismiss, snooze, mark done or reopen an opportunity; remembered when the findings are
/// computed again. Editors and admins; audited.
#[utoipa::path(post, path = "/opportunities/{id}/state", tag = "opportunities", params(("id" = String, Path)),
    request_body = StateChange, responses((status = 204), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn change_state(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, ApiError> {
    user.require(Role::Editor)?;
    let change: StateChange = json_body(&bytes)?;
    opportunities::set_state(
        &state.store,
        &id,
        &change.state,
        change.days,
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GeoParams {
    /// `campaign` (default), `advertiser` or `format`.
    pub segment: Option<String>,
    /// The window's last day (`YYYY-MM-DD`); the newest imported day by default.
    pub as_of: Option<String>,
    /// The window's length, 1–90 days (default 14).
    pub days: Option<String>,
    /// `0.5`–`0.999` (default 0.9).
    pub confidence: Option<String>,
}

pub(crate) struct GeoQuery {
    pub segment: GeoSegment,
    pub query: OpportunityQuery,
}

pub(crate) fn parse_geo(p: &GeoParams) -> Result<GeoQuery, ApiError> {
    let segment = match p.segment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => GeoSegment::Campaign,
        Some(text) => GeoSegment::parse(text).ok_or_else(|| {
            ApiError::bad_parameter("segment", format!("{text:?}: use campaign, advertiser or format"))
        })?,
    };
    let query = parse_query(&OpportunityParams {
        as_of: p.as_of.clone(),
        days: p.days.clone(),
        confidence: p.confidence.clone(),
        ..OpportunityParams::default()
    })?;
    Ok(GeoQuery { segment, query })
}

/// The segment × country matrix (spend, clicks, impressions, CPC, CTR per cell, with the
/// sample sizes) and the patterns that hold up: a segment whose clicks in a country cost
/// far less or more than the segment's and the country's levels predict, significant after
/// Benjamini–Hochberg across every cell tested.
#[utoipa::path(get, path = "/insights/geographic", tag = "opportunities", params(GeoParams),
    responses((status = 200, body = GeoInsights), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn geographic(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<GeoParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GeoInsights>, ApiError> {
    let Query(params) = params?;
    let GeoQuery { segment, query } = parse_geo(&params)?;
    Ok(Json(
        opportunities::geographic(
            &state.store,
            segment,
            query.as_of,
            query.days,
            query.settings.confidence,
        )
        .await?,
    ))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(list_opportunities))
        .route("/opportunities/{id}", get(get_opportunity))
        .route("/opportunities/{id}/state", post(change_state))
        .route("/insights/geographic", get(geographic))
}
