//! Performance reports over HTTP: upload (streamed), history, per-creative metrics.

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::paging::{Page, PageParams, PageQuery, Paged, MAX_PAGE_SIZE};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_core::platform::accounts::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    responses((status = 200, body = rtbcat_app::bidder::performance::PerformanceImportReport),
        (status = 422, body = ErrorBody, description = "report kind not recognised"), (status = 403, body = ErrorBody)))]
pub(crate) async fn import_performance(
    State(state): State<AppState>,
    user: ApiUser,
    params: Result<Query<PerformanceImportParams>, axum::extract::rejection::QueryRejection>,
    request: axum::extract::Request,
) -> Result<Json<rtbcat_app::bidder::performance::PerformanceImportReport>, ApiError> {
    use rtbcat_app::bidder::performance::{
        import_report, CancelOnDrop, ChannelReader, ImportOptions, ImportProgress, PerformanceImportError, UploadChunk,
    };
    // The role before the upload is read: a viewer learns only that it may not.
    user.require(Role::Editor)?;
    let Query(params) = params?;
    let bad_upload = |reason: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_upload", reason);
    let mut multipart = <axum::extract::Multipart as axum::extract::FromRequest<()>>::from_request(request, &())
        .await
        .map_err(|e| bad_upload(e.body_text()))?;
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
        Ok(report) => {
            let kind = report.kind_label.as_str();
            state
                .metrics
                .import_rows
                .with_label_values(&[kind])
                .inc_by(report.imported + report.updated);
            state
                .metrics
                .import_errors
                .with_label_values(&[kind])
                .inc_by(report.errors_total);
            // New data: the alert rules look at it (in the background; the answer does not wait).
            state.evaluate_alerts_soon();
            state.warm_listings_soon();
            Ok(Json(report))
        }
        Err(PerformanceImportError::Unrecognised { message, .. }) => {
            state.metrics.import_errors.with_label_values(&["unrecognised"]).inc();
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unrecognised_report",
                message,
            ))
        }
        Err(PerformanceImportError::Read { message, .. }) => Err(bad_upload(message)),
        Err(PerformanceImportError::Store(err)) => Err(err.into()),
    }
}

/// The import history, newest first (100 by default).
#[utoipa::path(get, path = "/api/performance/imports", tag = "performance", params(PageParams),
    responses((status = 200, body = Vec<rtbcat_app::bidder::performance::ImportRecord>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_imports(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery<100>,
) -> Result<Paged<rtbcat_app::bidder::performance::ImportRecord>, ApiError> {
    let head = rtbcat_app::bidder::performance::recent_imports(&state.store, page.rows_to_read()?).await?;
    Ok(page.of_head(head))
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
    /// Groups in this page, 1–1000 (default 1000).
    pub limit: Option<i64>,
    /// Groups to skip (default 0).
    pub offset: Option<i64>,
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
pub(crate) async fn creative_metrics(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(creative_id): Path<String>,
    params: Result<Query<MetricsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Paged<MetricsRow>, ApiError> {
    use rtbcat_app::bidder::performance::Breakdown;
    use rtbcat_app::bidder::performance::FactFilter;
    use rtbcat_core::bidder::performance::metrics;
    let Query(params) = params?;
    let page = Page::parse(params.limit, params.offset, MAX_PAGE_SIZE)?;
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
            rtbcat_core::shared::country::country_code(&g)
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
    let filter = FactFilter { start, end, country };
    let rows = rtbcat_app::bidder::performance::breakdown(&state.store, vec![creative_id], filter, by).await?;
    Ok(page.of(rows
        .into_iter()
        .map(|r| MetricsRow {
            ctr: metrics::ctr(r.clicks, r.impressions),
            cpc_micros: metrics::cpc_micros(r.spend_micros, r.clicks),
            cpm_micros: metrics::cpm_micros(r.spend_micros, r.impressions),
            key: r.key,
            impressions: r.impressions,
            clicks: r.clicks,
            spend_micros: r.spend_micros,
        })
        .collect::<Vec<_>>()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/performance/import",
            post(import_performance).layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024 * 1024)),
        )
        .route("/api/performance/imports", get(list_imports))
        .route("/api/performance/metrics/{creative_id}", get(creative_metrics))
}
