//! Alert rules and their delivery log as JSON.

use crate::error::{json_body, ApiError};
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::alerts::{self as alerts, AlertRuleInput, AlertRuleView, DeliveryView, EvaluationReport};
use rtbcat_core::platform::accounts::Role;

/// Alert rules, each with the conditions firing now.
#[utoipa::path(get, path = "/alerts/rules", tag = "alerts", params(PageParams), responses((status = 200, body = [AlertRuleView])))]
pub(crate) async fn list_rules(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<AlertRuleView>, ApiError> {
    Ok(page.of(alerts::rules(&state.store).await?))
}

/// Adds a rule: CPC spike, spend drop, new opportunity or waste jump, to a webhook
/// (Slack-compatible) and/or an e-mail address. Editors; audited.
#[utoipa::path(post, path = "/alerts/rules", tag = "alerts", request_body = AlertRuleInput,
    responses((status = 201, body = AlertRuleView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn create_rule(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let input: AlertRuleInput = json_body(&bytes)?;
    let rule = alerts::create_rule(&state.store, input, &user.0.email, state.clock.unix()).await?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

/// Deletes a rule and what it had firing. Editors; audited.
#[utoipa::path(post, path = "/alerts/rules/{id}/delete", tag = "alerts", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn delete_rule(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(Role::Editor)?;
    alerts::delete_rule(&state.store, id, &user.0.email, state.clock.unix()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every delivery attempt, newest first (fired and cleared, per channel, with errors).
#[utoipa::path(get, path = "/alerts/deliveries", tag = "alerts", params(PageParams), responses((status = 200, body = [DeliveryView])))]
pub(crate) async fn list_deliveries(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery<200>,
) -> Result<Paged<DeliveryView>, ApiError> {
    Ok(page.of_head(alerts::deliveries(&state.store, page.rows_to_read()?).await?))
}

/// Evaluates the rules now (they also run after every import and on the schedule).
/// Editors.
#[utoipa::path(post, path = "/alerts/evaluate", tag = "alerts", responses((status = 200, body = EvaluationReport)))]
pub(crate) async fn evaluate(State(state): State<AppState>, user: ApiUser) -> Result<Json<EvaluationReport>, ApiError> {
    user.require(Role::Editor)?;
    Ok(Json(
        alerts::evaluate(
            &state.store,
            &state.config,
            &state.opportunities,
            &state.alert_holder,
            state.clock.unix(),
        )
        .await?,
    ))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts/rules", get(list_rules).post(create_rule))
        .route("/alerts/rules/{id}/delete", post(delete_rule))
        .route("/alerts/deliveries", get(list_deliveries))
        .route("/alerts/evaluate", post(evaluate))
}
