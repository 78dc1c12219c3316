//! The creative catalog over HTTP: listing, detail, import, stats.

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::catalog::CatalogStats;
use rtbcat_app::bidder::catalog::CreativeDetail;
use rtbcat_app::bidder::catalog::CreativePage;
use rtbcat_app::bidder::catalog::CreativeQuery;
use rtbcat_app::bidder::catalog::CreativeSort;
use rtbcat_app::bidder::catalog::SizeCount;
use rtbcat_core::bidder::catalog::creative::{CreativeFormat, PolicyStatus};
use rtbcat_core::platform::accounts::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Catalog totals: creatives, seats, formats, statuses.
#[utoipa::path(get, path = "/stats", tag = "catalog", responses((status = 200, body = CatalogStats), (status = 401, body = ErrorBody)))]
pub(crate) async fn stats(State(state): State<AppState>, _user: ApiUser) -> Result<Json<CatalogStats>, ApiError> {
    Ok(Json(rtbcat_app::bidder::catalog::stats(&state.store).await?))
}

/// Canonical sizes in the catalog with their creative counts.
#[utoipa::path(get, path = "/sizes", tag = "catalog", params(PageParams), responses((status = 200, body = Vec<SizeCount>), (status = 401, body = ErrorBody)))]
pub(crate) async fn sizes(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<SizeCount>, ApiError> {
    Ok(page.of(rtbcat_app::bidder::catalog::sizes(&state.store).await?))
}

/// Filters and paging of the creative list.
#[derive(Debug, Default, Deserialize, IntoParams, Clone)]
#[into_params(parameter_in = Query)]
pub struct CreativeListParams {
    /// Buyer seat (account) id.
    pub seat: Option<String>,
    /// HTML, VIDEO or NATIVE.
    pub format: Option<String>,
    /// Canonical size label, e.g. `300x250`, `video 16:9`, `native`, `adaptive`.
    pub size: Option<String>,
    /// Approval status: APPROVED, DISAPPROVED, PENDING_REVIEW, CERTIFICATE_REQUIRED.
    pub status: Option<String>,
    /// Detected language code, e.g. `pt`.
    pub language: Option<String>,
    /// Substring of creative id, advertiser or destination.
    pub search: Option<String>,
    /// Only the summary fields (no snippet, VAST or native assets): much smaller answers.
    pub slim: Option<bool>,
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page: 1–500, or up to 10,000 with `slim=true`. Default 100.
    pub page_size: Option<i64>,
    /// `recent` (default), `creative_id`, or a performance metric: `spend`, `cpc`, `cpm`,
    /// `ctr`, `impressions`, `clicks`.
    pub sort: Option<String>,
    /// `desc` (default for metrics) or `asc`.
    pub order: Option<String>,
    /// Performance period: `1d`, `7d` (default), `30d`, `all`. Any of period, as_of, geo,
    /// tier or a metric sort adds a `performance` block to each creative.
    pub period: Option<String>,
    /// Last day of the period (YYYY-MM-DD); default: the newest imported date.
    pub as_of: Option<String>,
    /// Only creatives with traffic in this country (ISO code or name); totals for it alone.
    pub geo: Option<String>,
    /// Spend tier within the period: `high` (top 25%), `medium`, `low` (bottom 25%), `zero`.
    pub tier: Option<String>,
}

/// A performance period parameter: `1d`, `7d` (the default), `30d` or `all`.
pub(crate) fn parse_period(text: Option<&str>) -> Result<rtbcat_core::bidder::performance::metrics::Period, ApiError> {
    use rtbcat_core::bidder::performance::metrics::Period;
    match text.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(Period::Week),
        Some(p) => Period::parse(p)
            .ok_or_else(|| ApiError::bad_parameter("period", format!("{p:?} is not one of 1d, 7d, 30d, all"))),
    }
}

/// The performance part of a listing, when one was asked for.
pub fn performance_listing(
    params: &CreativeListParams,
) -> Result<Option<rtbcat_app::bidder::catalog::view::PerformanceListing>, ApiError> {
    use rtbcat_app::bidder::catalog::view::{PerformanceListing, PerformanceSort};
    use rtbcat_core::bidder::performance::metrics::Tier;
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let metric = clean(&params.sort).and_then(|s| PerformanceSort::parse(&s));
    let (period, as_of, geo, tier) = (
        clean(&params.period),
        clean(&params.as_of),
        clean(&params.geo),
        clean(&params.tier),
    );
    if metric.is_none() && period.is_none() && as_of.is_none() && geo.is_none() && tier.is_none() {
        return Ok(None);
    }
    let period = parse_period(period.as_deref())?;
    let as_of = match as_of {
        None => None,
        Some(d) => Some(
            rtbcat_core::bidder::performance::report::parse_report_date(&d)
                .ok_or_else(|| ApiError::bad_parameter("as_of", format!("{d:?} is not a date (YYYY-MM-DD)")))?,
        ),
    };
    let geo = match geo {
        None => None,
        Some(g) => Some(
            rtbcat_core::shared::country::country_code(&g)
                .ok_or_else(|| ApiError::bad_parameter("geo", format!("unknown country {g:?}")))?,
        ),
    };
    let tier =
        match tier {
            None => None,
            Some(t) => Some(Tier::parse(&t).ok_or_else(|| {
                ApiError::bad_parameter("tier", format!("{t:?} is not one of high, medium, low, zero"))
            })?),
        };
    let descending = match clean(&params.order).as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "order",
                format!("{other:?} is not asc or desc"),
            ))
        }
    };
    Ok(Some(PerformanceListing {
        period,
        as_of,
        geo,
        tier,
        sort: metric.unwrap_or(PerformanceSort::Catalog),
        descending,
    }))
}

/// Check list parameters and turn them into a store query; errors name the parameter.
pub fn creative_query(params: CreativeListParams, default_page_size: i64) -> Result<CreativeQuery, ApiError> {
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let format = match clean(params.format) {
        Some(f) => Some(
            CreativeFormat::parse(&f)
                .map(|f| f.as_str().to_string())
                .ok_or_else(|| ApiError::bad_parameter("format", format!("{f:?} is not one of HTML, VIDEO, NATIVE")))?,
        ),
        None => None,
    };
    let status = match clean(params.status) {
        Some(s) => Some(PolicyStatus::parse(&s).map(|s| s.as_str().to_string()).ok_or_else(|| {
            ApiError::bad_parameter(
                "status",
                format!("{s:?} is not one of APPROVED, DISAPPROVED, PENDING_REVIEW, CERTIFICATE_REQUIRED"),
            )
        })?),
        None => None,
    };
    let slim = params.slim.unwrap_or(false);
    let page = params.page.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::bad_parameter("page", "must be 1 or more"));
    }
    let max_page_size = if slim { 10_000 } else { 500 };
    let page_size = params.page_size.unwrap_or(default_page_size);
    if !(1..=max_page_size).contains(&page_size) {
        return Err(ApiError::bad_parameter(
            "page_size",
            format!("must be between 1 and {max_page_size}"),
        ));
    }
    let sort = match clean(params.sort).as_deref() {
        None | Some("recent") | Some("spend" | "cpc" | "cpm" | "ctr" | "impressions" | "clicks") => {
            CreativeSort::Recent
        }
        Some("creative_id") | Some("id") => CreativeSort::CreativeId,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "sort",
                format!("{other:?} is not one of recent, creative_id, spend, cpc, cpm, ctr, impressions, clicks"),
            ))
        }
    };
    Ok(CreativeQuery {
        seat_id: clean(params.seat),
        format,
        canonical_size: clean(params.size),
        status,
        language: clean(params.language),
        search: clean(params.search),
        slim,
        sort,
        page,
        page_size,
    })
}

/// List creatives with filters and paging.
#[utoipa::path(get, path = "/creatives", tag = "catalog", params(CreativeListParams),
    responses((status = 200, body = CreativePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_creatives(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<CreativeListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CreativePage>, ApiError> {
    let Query(params) = params?;
    let listing = performance_listing(&params)?;
    let query = creative_query(params, 100)?;
    match listing {
        None => Ok(Json(rtbcat_app::bidder::catalog::list(&state.store, query).await?)),
        Some(listing) => {
            let (page, _as_of) = rtbcat_app::bidder::catalog::view::list_with_performance(
                &state.store,
                &state.listing_totals,
                query,
                listing,
            )
            .await?;
            Ok(Json(page))
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreativeDetailParams {
    /// Seat id, needed when two seats use the same creative id.
    pub seat: Option<String>,
}

/// One creative, with destinations, policy statuses and the raw API JSON.
#[utoipa::path(get, path = "/creatives/{creative_id}", tag = "catalog",
    params(("creative_id" = String, Path, description = "Creative id as in Authorized Buyers"), CreativeDetailParams),
    responses((status = 200, body = CreativeDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "several seats use this id; pass `seat`")))]
pub(crate) async fn get_creative(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(creative_id): Path<String>,
    params: Result<Query<CreativeDetailParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CreativeDetail>, ApiError> {
    let Query(params) = params?;
    let mut found = rtbcat_app::bidder::catalog::by_id(&state.store, creative_id.clone(), params.seat.clone()).await?;
    match found.len() {
        0 => Err(ApiError::not_found(format!("no creative {creative_id:?}"))),
        1 => Ok(Json(found.remove(0))),
        _ => {
            let seats: Vec<&str> = found.iter().map(|c| c.summary.seat_id.as_str()).collect();
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "ambiguous",
                format!("creative {creative_id:?} exists in several seats; pass ?seat="),
            )
            .with_details(serde_json::json!({ "seats": seats })))
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// A name for the audit log, e.g. the file name.
    pub name: Option<String>,
}

/// What an import did (see `rtbcat import creatives`).
#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    source: String,
    creatives: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    #[schema(value_type = Object)]
    by_format: serde_json::Value,
    seats: Vec<String>,
}

/// Import creatives in the Real-time Bidding API v1 JSON shape (a `creatives.list`
/// response, an array, or NDJSON). All or nothing: one invalid element rejects the file.
#[utoipa::path(post, path = "/api/creatives/import", tag = "catalog", params(ImportParams),
    request_body(content = String, content_type = "application/json", description = "creatives.list response, JSON array or NDJSON"),
    responses((status = 200, body = ImportSummary), (status = 422, body = ErrorBody, description = "invalid elements, each named"), (status = 403, body = ErrorBody)))]
pub(crate) async fn import_creatives(
    State(state): State<AppState>,
    user: ApiUser,
    params: Result<Query<ImportParams>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Json<ImportSummary>, ApiError> {
    user.require(Role::Editor)?;
    let Query(params) = params?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_encoding",
            format!("the body is not UTF-8: {e}"),
        )
    })?;
    let source = params.name.map_or_else(
        || "upload".into(),
        |name| rtbcat_core::shared::text::truncate_chars(&name, 255),
    );
    let report = rtbcat_app::bidder::catalog::import_creatives(
        &state.store,
        text,
        &source,
        &user.0.email,
        &state.config.buyers_ui_template,
        state.clock.unix(),
    )
    .await
    .inspect_err(|e| {
        if let rtbcat_app::bidder::catalog::ImportError::Invalid { total_errors, .. } = e {
            state
                .metrics
                .import_errors
                .with_label_values(&["creatives"])
                .inc_by(*total_errors as u64);
        }
    })?;
    state
        .metrics
        .import_rows
        .with_label_values(&["creatives"])
        .inc_by(report.inserted + report.updated);
    Ok(Json(ImportSummary {
        source: report.source,
        creatives: report.creatives,
        inserted: report.inserted,
        updated: report.updated,
        unchanged: report.unchanged,
        by_format: serde_json::to_value(&report.by_format).unwrap_or_default(),
        seats: report.seats,
    }))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats", get(stats))
        .route("/sizes", get(sizes))
        .route("/creatives", get(list_creatives))
        .route("/creatives/{creative_id}", get(get_creative))
        .route(
            "/api/creatives/import",
            post(import_creatives).layer(axum::extract::DefaultBodyLimit::max(
                rtbcat_app::bidder::catalog::MAX_DOCUMENT_BYTES,
            )),
        )
}
