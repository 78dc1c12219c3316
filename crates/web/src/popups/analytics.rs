//! Popup analytics over HTTP: JSON or CSV.

//! Offer popups over HTTP: the management API (properties, campaigns — the spec's name for
//! offers), the public tracking routes the popup script calls, postbacks, analytics and
//! the script itself.

use crate::error::ApiError;
use crate::export::{csv_attachment, csv_field};
use crate::paging::{Page, MAX_PAGE_SIZE};
use crate::popups::properties::find_property;
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::popups::Property;
use serde::Deserialize;
use utoipa::IntoParams;

// ---- Analytics -------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct AnalyticsParams {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today, so today's events are in).
    to: Option<String>,
    /// `day` (default), `week` (ISO, `2026-W48`), `month` (`2026-11`), `hour`, `offer`,
    /// `property`, `country` or `device`.
    group_by: Option<String>,
    offer_id: Option<i64>,
    /// `json` (default) or `csv`.
    format: Option<String>,
    /// Lines in the JSON page, 1–1000 (default 1000); the CSV has them all.
    limit: Option<i64>,
    /// Lines to skip in the JSON page (default 0).
    offset: Option<i64>,
}

impl AnalyticsParams {
    pub(crate) fn new(from: Option<String>, to: Option<String>, group_by: &str) -> Self {
        AnalyticsParams {
            from,
            to,
            group_by: Some(group_by.into()),
            offer_id: None,
            format: None,
            limit: None,
            offset: None,
        }
    }
}

pub(crate) use rtbcat_app::popups::analytics::AnalyticsLine;

/// The analytics report for one property or all: `(from, to, lines)`.
pub(crate) async fn analytics_lines(
    state: &AppState,
    property: Option<&Property>,
    params: &AnalyticsParams,
) -> Result<(String, String, Vec<AnalyticsLine>), ApiError> {
    let query = rtbcat_app::popups::analytics::AnalyticsQuery {
        from: params.from.clone(),
        to: params.to.clone(),
        group_by: params.group_by.clone(),
        offer_id: params.offer_id,
    };
    let report = rtbcat_app::popups::analytics::report(&state.store, state.clock.as_ref(), property, &query).await?;
    Ok((report.from, report.to, report.lines))
}

/// Impressions, clicks, CTR with its 95% interval, conversions, revenue and RPM for a
/// property (`all` for every property), grouped by day, hour, offer, property, country or
/// device. `format=csv` downloads the same as CSV.
#[utoipa::path(get, path = "/api/analytics/{property}", tag = "popups", params(AnalyticsParams), responses((status = 200, body = [AnalyticsLine])))]
pub(crate) async fn analytics(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(code): Path<String>,
    params: Result<Query<AnalyticsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let page = Page::parse(params.limit, params.offset, MAX_PAGE_SIZE)?;
    let property = if code == "all" {
        None
    } else {
        Some(find_property(&state, &code).await?)
    };
    let (from, to, lines) = analytics_lines(&state, property.as_deref(), &params).await?;
    if params.format.as_deref() == Some("csv") {
        let mut out =
            String::from("key,label,impressions,clicks,ctr,ctr_low,ctr_high,conversions,revenue,rpm,bot_hits\n");
        for l in &lines {
            let ratio = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_field(&l.key),
                csv_field(l.label.as_deref().unwrap_or("")),
                l.impressions,
                l.clicks,
                ratio(l.ctr),
                ratio(l.ctr_low),
                ratio(l.ctr_high),
                l.conversions,
                rtbcat_core::shared::money::format_micros(l.revenue_micros),
                l.rpm_micros
                    .map(rtbcat_core::shared::money::format_micros)
                    .unwrap_or_default(),
                l.bot_hits
            ));
        }
        return Ok(csv_attachment(out, &format!("rtbcat-popups-{code}-{from}-{to}.csv")));
    }
    Ok(page.of(lines).into_response())
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/analytics/{property}", get(analytics))
}
