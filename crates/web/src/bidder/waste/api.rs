//! Waste, size coverage and the funnel as JSON or CSV.

use crate::error::ApiError;
use crate::export::{csv_attachment, csv_field};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rtbcat_app::bidder::waste::{FunnelReport, WasteError, WasteQuery, WasteReport};
use serde::Deserialize;

impl From<WasteError> for ApiError {
    fn from(err: WasteError) -> Self {
        match err {
            WasteError::BadParameter { name, reason } => ApiError::bad_parameter(name, reason),
            WasteError::Store(store) => store.into(),
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WasteParams {
    /// Days in the window, 1–366 (default 7).
    pub days: Option<String>,
    /// The window's last day, `YYYY-MM-DD` (default: the newest traffic date).
    pub as_of: Option<String>,
    /// One buyer seat (account id); default all.
    pub seat: Option<String>,
    /// `geo`, `publisher` or `config` (funnel only; default: the overall funnel).
    pub by: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

impl WasteParams {
    pub(crate) fn query(&self) -> Result<WasteQuery, ApiError> {
        let days = match self.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => Some(
                text.parse::<i64>()
                    .map_err(|_| ApiError::bad_parameter("days", format!("{text:?} is not a whole number of days")))?,
            ),
        };
        Ok(WasteQuery {
            days,
            as_of: self.as_of.clone(),
            seat: self.seat.clone(),
        })
    }

    fn csv(&self) -> Result<bool, ApiError> {
        match self.format.as_deref() {
            None | Some("") | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(ApiError::bad_parameter(
                "format",
                format!("{other:?} is not json or csv"),
            )),
        }
    }
}

/// The report as JSON or, with `format=csv`, as the CSV `to_csv` writes, named `name`.
fn respond<T: serde::Serialize>(csv: bool, report: T, to_csv: fn(&T) -> String, name: &str) -> Response {
    if csv {
        csv_attachment(to_csv(&report), name)
    } else {
        Json(report).into_response()
    }
}

fn ratio(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn sizes_csv(report: &WasteReport) -> String {
    let mut out = String::from("size,category,requests,creatives,impressions,wasted_requests,wasted_qps,coverage\n");
    for s in &report.sizes {
        out.push_str(&format!(
            "{},{},{},{},{},{},{:.3},{}\n",
            csv_field(&s.size),
            csv_field(&s.category),
            s.requests,
            s.creatives,
            s.impressions.map(|i| i.to_string()).unwrap_or_default(),
            s.wasted_requests,
            s.wasted_qps,
            s.coverage
        ));
    }
    out
}

/// Where the bidder's requests go that no creative can serve, in requests and QPS, with
/// recommendations (proposals only; nothing is changed).
#[utoipa::path(get, path = "/analytics/waste", tag = "waste", params(WasteParams),
    responses((status = 200, body = WasteReport), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn waste(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<WasteParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let csv = params.csv()?;
    let report = rtbcat_app::bidder::waste::waste(&state.store, &params.query()?, state.clock.now().date()).await?;
    let name = format!("rtbcat-waste-{}-{}.csv", report.window.start, report.window.end);
    Ok(respond(csv, report, sizes_csv, &name))
}

/// Every canonical size seen in traffic or among creatives: requests, approved creatives,
/// impressions, wasted requests and QPS.
#[utoipa::path(get, path = "/analytics/size-coverage", tag = "waste", params(WasteParams),
    responses((status = 200, body = WasteReport, description = "the waste report; `sizes` is the coverage"), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn size_coverage(
    state: State<AppState>,
    user: ApiUser,
    params: Result<Query<WasteParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    waste(state, user, params).await
}

fn funnel_csv(report: &FunnelReport) -> String {
    let mut out = String::new();
    if report.groups.is_empty() {
        out.push_str("step,count,drop,drop_share,share_of_requests\n");
        for s in &report.steps {
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                s.step,
                s.count,
                s.drop,
                ratio(s.drop_share),
                ratio(s.share_of_requests)
            ));
        }
        return out;
    }
    out.push_str("key,label,bid_requests,inventory_matches,successful_responses,bids,bids_in_auction,auctions_won,impressions,bid_rate,win_rate,unbid_qps\n");
    for g in &report.groups {
        let c = &g.counts;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{:.3}\n",
            csv_field(&g.key),
            csv_field(&g.label),
            c.bid_requests,
            c.inventory_matches,
            c.successful_responses,
            c.bids,
            c.bids_in_auction,
            c.auctions_won,
            c.impressions,
            ratio(g.bid_rate),
            ratio(g.win_rate),
            g.unbid_qps
        ));
    }
    out
}

/// Bid requests → inventory matches → successful responses → bids → bids in auction →
/// auctions won → impressions, with each drop; by geo or publisher; bid filtering reasons.
#[utoipa::path(get, path = "/analytics/funnel", tag = "waste", params(WasteParams),
    responses((status = 200, body = FunnelReport), (status = 400, body = crate::error::ErrorBody)))]
pub(crate) async fn funnel(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<WasteParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let csv = params.csv()?;
    let by = params.by.clone().unwrap_or_default();
    let report =
        rtbcat_app::bidder::waste::funnel(&state.store, &params.query()?, &by, state.clock.now().date()).await?;
    let name = format!(
        "rtbcat-funnel-{}-{}-{}.csv",
        report.by, report.window.start, report.window.end
    );
    Ok(respond(csv, report, funnel_csv, &name))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/analytics/waste", get(waste))
        .route("/analytics/size-coverage", get(size_coverage))
        .route("/analytics/funnel", get(funnel))
}
