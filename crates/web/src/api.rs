//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_core::bidder::catalog::creative::{CreativeFormat, PolicyStatus};
use rtbcat_core::platform::accounts::Role;
use rtbcat_store::{
    AuditEntry, CatalogStats, CreativeDetail, CreativePage, CreativeQuery, CreativeSort, SeatSummary, SizeCount, User,
};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/stats", get(stats))
        .route("/sizes", get(sizes))
        .route("/seats", get(seats))
        .route("/creatives", get(list_creatives))
        .route("/creatives/{creative_id}", get(get_creative))
        .route(
            "/api/creatives/import",
            post(import_creatives).layer(axum::extract::DefaultBodyLimit::max(
                rtbcat_app::catalog::MAX_DOCUMENT_BYTES,
            )),
        )
        .route("/api/me", get(me))
        .route("/api/audit", get(audit_log))
        .route(
            "/api/performance/import",
            post(import_performance).layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024 * 1024)),
        )
        .route("/api/performance/imports", get(list_imports))
        .route("/api/performance/metrics/{creative_id}", get(creative_metrics))
        .route("/openapi.json", get(openapi_json))
}

/// The interactive API documentation (Swagger UI, shipped inside the binary).
pub fn docs_routes() -> Router {
    swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: "/docs",
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/openapi.json"),
        title: Some("rtbcat API"),
    })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "rtbcat API", description = "Creative intelligence and offer popups. Authenticate with a session cookie (sign in at /login) or `Authorization: Bearer <token>` (create one with `rtbcat token create`)."),
    paths(health, stats, sizes, seats, list_creatives, get_creative, import_creatives, me, audit_log, import_performance, list_imports, creative_metrics),
    components(schemas(ErrorBody, Health, CatalogStats, SizeCount, SeatSummary, CreativePage, CreativeDetail, User, ImportSummary, AuditEntry, rtbcat_app::performance::PerformanceImportReport, rtbcat_store::ImportRecord, MetricsRow)),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session" = [])),
    tags((name = "system"), (name = "catalog", description = "Creatives, sizes and seats"), (name = "account"))
)]
pub struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::session::SESSION_COOKIE))),
        );
    }
}

/// The whole API description: the catalog and performance routes plus the popup wing's.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::popup_api::PopupDoc::openapi());
    doc.merge(crate::accounts_api::AccountsDoc::openapi());
    doc
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answered.
    status: &'static str,
    version: &'static str,
    backend: rtbcat_store::Backend,
    schema_version: i64,
    binary_schema_version: i64,
}

/// Liveness and database reachability. Needs no authentication.
#[utoipa::path(get, path = "/health", tag = "system", security(()),
    responses((status = 200, body = Health), (status = 503, body = ErrorBody, description = "database unreachable")))]
async fn health(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(info) => Json(Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            backend: info.backend,
            schema_version: info.schema_version,
            binary_schema_version: rtbcat_store::binary_schema_version(info.backend),
        })
        .into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unreachable",
                "the database did not answer",
            )
            .into_response()
        }
    }
}

/// Catalog totals: creatives, seats, formats, statuses.
#[utoipa::path(get, path = "/stats", tag = "catalog", responses((status = 200, body = CatalogStats), (status = 401, body = ErrorBody)))]
async fn stats(State(state): State<AppState>, _user: ApiUser) -> Result<Json<CatalogStats>, ApiError> {
    Ok(Json(state.store.catalog_stats().await?))
}

/// Canonical sizes in the catalog with their creative counts.
#[utoipa::path(get, path = "/sizes", tag = "catalog", responses((status = 200, body = Vec<SizeCount>), (status = 401, body = ErrorBody)))]
async fn sizes(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<SizeCount>>, ApiError> {
    Ok(Json(state.store.size_counts().await?))
}

/// Buyer seats (accounts) and how many creatives each has.
#[utoipa::path(get, path = "/seats", tag = "catalog", responses((status = 200, body = Vec<SeatSummary>), (status = 401, body = ErrorBody)))]
async fn seats(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<SeatSummary>>, ApiError> {
    Ok(Json(state.store.seats().await?))
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

/// The performance part of a listing, when one was asked for.
pub fn performance_listing(
    params: &CreativeListParams,
) -> Result<Option<rtbcat_app::catalog_view::PerformanceListing>, ApiError> {
    use rtbcat_app::catalog_view::{PerformanceListing, PerformanceSort};
    use rtbcat_core::bidder::performance::metrics::{Period, Tier};
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
    let period = match period {
        None => Period::Week,
        Some(p) => Period::parse(&p)
            .ok_or_else(|| ApiError::bad_parameter("period", format!("{p:?} is not one of 1d, 7d, 30d, all")))?,
    };
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
            rtbcat_core::bidder::performance::report::country_code(&g)
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
async fn list_creatives(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<CreativeListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CreativePage>, ApiError> {
    let Query(params) = params?;
    let listing = performance_listing(&params)?;
    let query = creative_query(params, 100)?;
    match listing {
        None => Ok(Json(state.store.list_creatives(query).await?)),
        Some(listing) => {
            let (page, _as_of) = rtbcat_app::catalog_view::list_with_performance(&state.store, query, listing).await?;
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
async fn get_creative(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(creative_id): Path<String>,
    params: Result<Query<CreativeDetailParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CreativeDetail>, ApiError> {
    let Query(params) = params?;
    let mut found = state
        .store
        .creatives_by_id(creative_id.clone(), params.seat.clone())
        .await?;
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
async fn import_creatives(
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
    let report = rtbcat_app::catalog::import_creatives(
        &state.store,
        text,
        &source,
        &user.0.email,
        &state.config.buyers_ui_template,
        state.clock.unix(),
    )
    .await?;
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

/// Who am I.
#[utoipa::path(get, path = "/api/me", tag = "account", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(user: ApiUser) -> Json<User> {
    Json(user.0)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// How many entries, newest first: 1–1000, default 100.
    pub limit: Option<i64>,
}

/// The audit log: sign-ins, failed sign-ins, imports, accounts and tokens. Admins only.
#[utoipa::path(get, path = "/api/audit", tag = "account", params(AuditParams),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    user: ApiUser,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    user.require(Role::Admin)?;
    let Query(params) = params?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_parameter("limit", "must be between 1 and 1000"));
    }
    Ok(Json(state.store.recent_audit(limit).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceImportParams {
    /// Reject rows for creatives the catalog does not know (default: keep and warn).
    pub strict: Option<bool>,
}

/// Upload a performance or traffic report (multipart field `file`; CSV or gzip). The kind
/// is recognised from the header. Streams to the importer: large files are fine. Bad rows
/// are skipped and listed with line, column and reason; good rows land.
#[utoipa::path(post, path = "/api/performance/import", tag = "performance", params(PerformanceImportParams),
    request_body(content_type = "multipart/form-data", description = "field `file`: the CSV (or .csv.gz) report"),
    responses((status = 200, body = rtbcat_app::performance::PerformanceImportReport),
        (status = 422, body = ErrorBody, description = "report kind not recognised"), (status = 403, body = ErrorBody)))]
async fn import_performance(
    State(state): State<AppState>,
    user: ApiUser,
    params: Result<Query<PerformanceImportParams>, axum::extract::rejection::QueryRejection>,
    mut multipart: axum::extract::Multipart,
) -> Result<Json<rtbcat_app::performance::PerformanceImportReport>, ApiError> {
    use rtbcat_app::performance::{
        import_report, CancelOnDrop, ChannelReader, ImportOptions, ImportProgress, PerformanceImportError, UploadChunk,
    };
    user.require(Role::Editor)?;
    let Query(params) = params?;
    let bad_upload = |reason: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_upload", reason);
    let mut field = loop {
        match multipart.next_field().await.map_err(|e| bad_upload(e.body_text()))? {
            Some(field) if field.name() == Some("file") => break field,
            Some(_) => continue,
            None => return Err(bad_upload("no multipart field named `file`".into())),
        }
    };
    let file_name = field.file_name().map_or_else(
        || "upload.csv".to_string(),
        |name| rtbcat_core::shared::text::truncate_chars(name, 255),
    );
    let (chunk_tx, chunk_rx) = tokio::sync::mpsc::channel(16);
    let now = state.clock.now();
    let options = ImportOptions {
        file_name,
        actor: user.0.email.clone(),
        strict: params.strict.unwrap_or(false),
        now_unix: now.unix_timestamp(),
        today: now.date(),
    };
    let pump = async move {
        loop {
            let message = match field.chunk().await {
                Ok(Some(bytes)) => UploadChunk::Data(bytes.to_vec()),
                Ok(None) => UploadChunk::End,
                Err(err) => UploadChunk::Failed(std::io::Error::other(err.body_text())),
            };
            let last = !matches!(message, UploadChunk::Data(_));
            if chunk_tx.send(message).await.is_err() || last {
                break;
            }
        }
    };
    let progress = std::sync::Arc::new(ImportProgress::default());
    // When the client goes away the server drops this handler: the guard then stops the
    // parser, which runs on its own thread, before it can commit.
    let guard = CancelOnDrop::new(progress.clone());
    let import = import_report(&state.store, ChannelReader::new(chunk_rx), options, progress);
    let (report, ()) = tokio::join!(import, pump);
    guard.finish();
    match report {
        Ok(report) => Ok(Json(report)),
        Err(PerformanceImportError::Unrecognised { message, .. }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unrecognised_report",
            message,
        )),
        Err(PerformanceImportError::Read { message, .. }) => Err(bad_upload(message)),
        Err(PerformanceImportError::Store(err)) => Err(err.into()),
    }
}

/// The import history, newest first.
#[utoipa::path(get, path = "/api/performance/imports", tag = "performance",
    responses((status = 200, body = Vec<rtbcat_store::ImportRecord>), (status = 401, body = ErrorBody)))]
async fn list_imports(
    State(state): State<AppState>,
    _user: ApiUser,
) -> Result<Json<Vec<rtbcat_store::ImportRecord>>, ApiError> {
    Ok(Json(state.store.recent_imports(100).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// First day (YYYY-MM-DD), inclusive.
    pub start_date: Option<String>,
    /// Last day (YYYY-MM-DD), inclusive.
    pub end_date: Option<String>,
    /// Only this country (ISO code or name).
    pub geography: Option<String>,
    /// `date` (default), `hour`, `country` or `device`.
    pub group_by: Option<String>,
}

/// One group of a creative's performance.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsRow {
    /// The date, hour (-1 = whole-day rows), country or device.
    key: String,
    impressions: i64,
    clicks: i64,
    spend_micros: i64,
    ctr: Option<f64>,
    cpc_micros: Option<i64>,
    cpm_micros: Option<i64>,
}

/// A creative's performance grouped by date, hour, country or device.
#[utoipa::path(get, path = "/api/performance/metrics/{creative_id}", tag = "performance",
    params(("creative_id" = String, Path, description = "Creative id"), MetricsParams),
    responses((status = 200, body = Vec<MetricsRow>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn creative_metrics(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(creative_id): Path<String>,
    params: Result<Query<MetricsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<MetricsRow>>, ApiError> {
    use rtbcat_core::bidder::performance::metrics;
    use rtbcat_store::{Breakdown, FactFilter};
    let Query(params) = params?;
    let date = |name: &str, value: Option<String>| -> Result<Option<String>, ApiError> {
        match value.filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => rtbcat_core::bidder::performance::report::parse_report_date(&v)
                .map(|d| Some(d.to_string()))
                .ok_or_else(|| ApiError::bad_parameter(name, format!("{v:?} is not a date (YYYY-MM-DD)"))),
        }
    };
    let start = date("start_date", params.start_date)?;
    let end = date("end_date", params.end_date)?;
    if let (Some(s), Some(e)) = (&start, &end) {
        if s > e {
            return Err(ApiError::bad_parameter("start_date", "is after end_date"));
        }
    }
    let country = match params.geography.filter(|g| !g.trim().is_empty()) {
        None => None,
        Some(g) => Some(
            rtbcat_core::bidder::performance::report::country_code(&g)
                .ok_or_else(|| ApiError::bad_parameter("geography", format!("unknown country {g:?}")))?,
        ),
    };
    let by = match params.group_by.as_deref().unwrap_or("date") {
        "date" => Breakdown::Date,
        "hour" => Breakdown::Hour,
        "country" => Breakdown::Country,
        "device" => Breakdown::Device,
        other => {
            return Err(ApiError::bad_parameter(
                "group_by",
                format!("{other:?} is not one of date, hour, country, device"),
            ))
        }
    };
    let rows = state
        .store
        .performance_breakdown(vec![creative_id], FactFilter { start, end, country }, by)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| MetricsRow {
                ctr: metrics::ctr(r.clicks, r.impressions),
                cpc_micros: metrics::cpc_micros(r.spend_micros, r.clicks),
                cpm_micros: metrics::cpm_micros(r.spend_micros, r.impressions),
                key: r.key,
                impressions: r.impressions,
                clicks: r.clicks,
                spend_micros: r.spend_micros,
            })
            .collect(),
    ))
}
