//! Reports over HTTP: the real-time view, PDF downloads of a property's or an experiment's
//! report, and scheduled e-mail reports (their API and page).

use crate::error::{json_body, ApiError};
use crate::export::pdf_attachment;
use crate::paging::{PageParams, PageQuery, Paged};
use crate::popups::properties::find_property;
use crate::session::{ApiUser, PageUser};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::popups::analytics::Realtime;
use rtbcat_app::popups::reports::{self, DeliveryView, ScheduleInput, ScheduleView};
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;
use utoipa::IntoParams;

async fn property_or_all(state: &AppState, code: &str) -> Result<Option<rtbcat_app::popups::Property>, ApiError> {
    if code == "all" {
        Ok(None)
    } else {
        Ok(Some((*find_property(state, code).await?).clone()))
    }
}

/// The last 60 minutes of a property (`all` for every property): a line per minute (the
/// current one partial) and per offer, from the per-minute rollup.
#[utoipa::path(get, path = "/api/analytics/{property}/realtime", tag = "popups",
    responses((status = 200, body = Realtime)))]
pub(crate) async fn realtime(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(code): Path<String>,
) -> Result<Json<Realtime>, ApiError> {
    let property = property_or_all(&state, &code).await?;
    Ok(Json(
        rtbcat_app::popups::analytics::realtime(&state.store, state.clock.as_ref(), property.as_ref()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PdfParams {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today).
    to: Option<String>,
}

/// A property's report (`all` for every property) as a PDF: totals, revenue by day (by hour
/// for one day) as a chart and a table, and tables by offer, country and device.
#[utoipa::path(get, path = "/api/analytics/{property}/report.pdf", tag = "popups", params(PdfParams),
    responses((status = 200, content_type = "application/pdf", description = "the report")))]
pub(crate) async fn property_pdf(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(code): Path<String>,
    Query(params): Query<PdfParams>,
) -> Result<Response, ApiError> {
    let property = property_or_all(&state, &code).await?;
    let (from, to) = rtbcat_app::popups::analytics::report_range(state.clock.as_ref(), &params.from, &params.to)?;
    if (to - from).whole_days() > 366 {
        return Err(ApiError::bad_parameter("from", "a PDF report covers at most 367 days"));
    }
    let bytes = reports::documents::property_report(&state.store, state.clock.as_ref(), property.as_ref(), from, to)
        .await
        .map_err(ApiError::from)?;
    Ok(pdf_attachment(bytes, &format!("rtbcat-popups-{code}-{from}-{to}.pdf")))
}

/// An experiment's report as a PDF: arms with intervals, differences to control, chance to
/// beat control, the sample-ratio check.
#[utoipa::path(get, path = "/api/experiments/{id}/report.pdf", tag = "popups", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the report")))]
pub(crate) async fn experiment_pdf(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let now = state.clock.unix();
    let experiment = rtbcat_app::popups::experiments::get(&state.store, id, now).await?;
    let property = rtbcat_app::popups::properties::list(&state.store)
        .await?
        .into_iter()
        .find(|p| p.id == experiment.property_id)
        .map_or_else(|| format!("property {}", experiment.property_id), |p| p.name);
    let bytes = reports::documents::experiment_report(&experiment, &property, now)?;
    Ok(pdf_attachment(bytes, &format!("rtbcat-experiment-{id}.pdf")))
}

/// Scheduled e-mail reports with their last ten deliveries.
#[utoipa::path(get, path = "/api/report-schedules", tag = "popups", params(PageParams), responses((status = 200, body = [ScheduleView])))]
pub(crate) async fn list_schedules(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<ScheduleView>, ApiError> {
    Ok(page.of(reports::list(&state.store, state.clock.unix()).await?))
}

/// Schedules a property's PDF report (or every property's), daily or weekly, to the listed
/// addresses over the configured SMTP server. Editors; audited.
#[utoipa::path(post, path = "/api/report-schedules", tag = "popups", request_body = ScheduleInput,
    responses((status = 201, body = ScheduleView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn create_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let input: ScheduleInput = json_body(&bytes)?;
    let saved = reports::save(&state.store, None, input, &user.0.email, state.clock.unix()).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces a schedule. Editors; audited.
#[utoipa::path(put, path = "/api/report-schedules/{id}", tag = "popups", params(("id" = i64, Path)), request_body = ScheduleInput,
    responses((status = 200, body = ScheduleView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn update_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ScheduleView>, ApiError> {
    user.require(Role::Editor)?;
    let input: ScheduleInput = json_body(&bytes)?;
    Ok(Json(
        reports::save(&state.store, Some(id), input, &user.0.email, state.clock.unix()).await?,
    ))
}

/// Deletes a schedule and its delivery log. Editors; audited.
#[utoipa::path(post, path = "/api/report-schedules/{id}/delete", tag = "popups", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn delete_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(Role::Editor)?;
    reports::delete(&state.store, id, &user.0.email, state.clock.unix()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails the schedule's newest complete period now (a delivery of its own, `now-<time>`).
/// Editors.
#[utoipa::path(post, path = "/api/report-schedules/{id}/send", tag = "popups", params(("id" = i64, Path)),
    responses((status = 200, body = DeliveryView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn send_schedule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<DeliveryView>, ApiError> {
    user.require(Role::Editor)?;
    Ok(Json(
        reports::send_now(&state.store, &state.config, state.clock.as_ref(), id).await?,
    ))
}

/// Sends every report that is due now and not yet sent (what the server does every minute),
/// and says what went out. Editors.
#[utoipa::path(post, path = "/api/report-schedules/run", tag = "popups",
    responses((status = 200, body = rtbcat_app::popups::reports::SendRound)))]
pub(crate) async fn run_schedules(
    State(state): State<AppState>,
    user: ApiUser,
) -> Result<Json<rtbcat_app::popups::reports::SendRound>, ApiError> {
    user.require(Role::Editor)?;
    Ok(Json(
        reports::send_due(&state.store, &state.config, state.clock.as_ref(), &state.alert_holder).await?,
    ))
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    chrome: Chrome,
    schedules: Vec<ScheduleView>,
    properties: Vec<rtbcat_app::popups::Property>,
    smtp_configured: bool,
}

async fn reports_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let schedules = match reports::list(&state.store, state.clock.unix()).await {
        Ok(s) => s,
        Err(e) => return error_page(&user, "analytics", e.into()),
    };
    let properties = match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(p) => p,
        Err(e) => return error_page(&user, "analytics", e.into()),
    };
    render(&ReportsPage {
        chrome: Chrome::new(&user, "analytics"),
        schedules,
        properties,
        smtp_configured: state.config.smtp_url.is_some(),
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/analytics/{property}/realtime", get(realtime))
        .route("/api/analytics/{property}/report.pdf", get(property_pdf))
        .route("/api/experiments/{id}/report.pdf", get(experiment_pdf))
        .route("/api/report-schedules", get(list_schedules).post(create_schedule))
        .route("/api/report-schedules/run", post(run_schedules))
        .route("/api/report-schedules/{id}", axum::routing::put(update_schedule))
        .route("/api/report-schedules/{id}/delete", post(delete_schedule))
        .route("/api/report-schedules/{id}/send", post(send_schedule))
}

pub fn pages() -> Router<AppState> {
    Router::new().route("/app/popups/reports", get(reports_page))
}
