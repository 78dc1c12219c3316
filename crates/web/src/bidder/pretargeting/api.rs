//! Pretargeting as JSON. Editors propose; only admins apply or roll back, and only with
//! `"approve": true` in the body — without it nothing is sent to Google (dry run).

use crate::error::{json_body, ApiError};
use crate::paging::{Page, PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rtbcat_app::bidder::pretargeting::{
    self as pretargeting, ConfigView, PretargetingError, ProposalView, RollbackReport, SnapshotView,
};
use rtbcat_core::bidder::pretargeting::Change;
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

impl From<PretargetingError> for ApiError {
    fn from(err: PretargetingError) -> Self {
        match err {
            PretargetingError::Refused(r) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "pretargeting_refused", r.to_string())
                    .with_details(serde_json::json!({"errors": [{"field": "changes", "reason": r.to_string()}]}))
            }
            PretargetingError::Google(g) => g.into(),
            PretargetingError::Store(s) => s.into(),
            PretargetingError::NotFound(m) => ApiError::not_found(m),
            PretargetingError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            PretargetingError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
        }
    }
}

fn today(state: &AppState) -> time::Date {
    state.clock.now().date()
}

fn accounts(state: &AppState) -> Result<Vec<rtbcat_app::bidder::google::Account>, ApiError> {
    Ok(rtbcat_app::bidder::google::accounts(
        &state.config.google,
        &state.config.data_dir,
    )?)
}

/// Every config as last read from Google, with the waste it could act on.
#[utoipa::path(get, path = "/pretargeting/configs", tag = "pretargeting", params(PageParams), responses((status = 200, body = Vec<ConfigView>)))]
pub(crate) async fn configs(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<ConfigView>, ApiError> {
    Ok(page.of(pretargeting::configs(&state.store, today(&state)).await?))
}

/// Reads every bidder's configs from Google (`pretargetingConfigs.list`) into snapshots. Editors.
#[utoipa::path(post, path = "/pretargeting/configs/refresh", tag = "pretargeting",
    responses((status = 200, body = Vec<ConfigView>), (status = 502, body = crate::error::ErrorBody)))]
pub(crate) async fn refresh(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<ConfigView>>, ApiError> {
    user.require(Role::Editor)?;
    let accounts = accounts(&state)?;
    Ok(Json(
        pretargeting::refresh(
            &state.store,
            &state.google,
            &accounts,
            &user.0.email,
            state.clock.unix(),
            today(&state),
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotParams {
    /// One config (`bidders/…/pretargetingConfigs/…`).
    pub config: Option<String>,
    /// Newest first; default 100, at most 1000.
    pub limit: Option<i64>,
    /// Snapshots to skip (default 0).
    pub offset: Option<i64>,
}

/// Snapshots, newest first: every listing that changed, and before/after every change.
#[utoipa::path(get, path = "/pretargeting/snapshots", tag = "pretargeting", params(SnapshotParams),
    responses((status = 200, body = Vec<SnapshotView>)))]
pub(crate) async fn snapshots(
    State(state): State<AppState>,
    _user: ApiUser,
    params: Result<Query<SnapshotParams>, QueryRejection>,
) -> Result<Paged<SnapshotView>, ApiError> {
    let Query(params) = params?;
    let page = Page::parse(params.limit, params.offset, 100)?;
    Ok(page.of_head(pretargeting::snapshots(&state.store, params.config, page.rows_to_read()?).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalRequest {
    /// `bidders/{bidder}/pretargetingConfigs/{config}`.
    pub config: String,
    pub changes: Vec<Change>,
    /// Needed for a change that lets more traffic through.
    #[serde(default)]
    pub allow_widening: bool,
    pub note: Option<String>,
    /// `manual` (default) or `waste` (from a waste recommendation).
    pub source: Option<String>,
}

/// Proposes a change: checked against the newest snapshot (refusals are 422 with the
/// reason), stored, shown with its dry-run diff and estimated QPS effect. Editors; audited.
#[utoipa::path(post, path = "/pretargeting/proposals", tag = "pretargeting", request_body = ProposalRequest,
    responses((status = 201, body = ProposalView), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn propose(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let request: ProposalRequest = json_body(&bytes)?;
    let source = match request.source.as_deref() {
        None | Some("manual") => "manual",
        Some("waste") => "waste",
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "source",
                format!("{other:?} is not manual or waste"),
            ))
        }
    };
    let note = request
        .note
        .map(|n| n.trim().chars().take(500).collect::<String>())
        .filter(|n| !n.is_empty());
    let view = pretargeting::propose(
        &state.store,
        request.config.trim(),
        request.changes,
        request.allow_widening,
        source,
        note,
        &user.0.email,
        state.clock.unix(),
        today(&state),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Proposals, newest first, each proposed one with its dry run against the newest snapshot.
#[utoipa::path(get, path = "/pretargeting/proposals", tag = "pretargeting", params(PageParams),
    responses((status = 200, body = Vec<ProposalView>)))]
pub(crate) async fn list_proposals(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery<100>,
) -> Result<Paged<ProposalView>, ApiError> {
    Ok(page.of_head(pretargeting::proposals(&state.store, page.rows_to_read()?, today(&state)).await?))
}

/// One proposal with its dry-run diff, update mask, warnings and QPS effect.
#[utoipa::path(get, path = "/pretargeting/proposals/{id}", tag = "pretargeting", params(("id" = i64, Path)),
    responses((status = 200, body = ProposalView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn get_proposal(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ProposalView>, ApiError> {
    Ok(Json(pretargeting::proposal(&state.store, id, today(&state)).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Must be `true`: the explicit approval. Without it nothing is sent.
    #[serde(default)]
    pub approve: bool,
}

fn approved(bytes: &Bytes, what: &str) -> Result<(), ApiError> {
    let approval: Approval = if bytes.is_empty() {
        Approval::default()
    } else {
        json_body(bytes)?
    };
    if !approval.approve {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "approval_required",
            format!("{what} changes a live pretargeting config and may cut QPS: review the dry run, then send {{\"approve\": true}}"),
        )
        .with_details(serde_json::json!({"errors": [{"field": "approve", "reason": "must be true"}]})));
    }
    Ok(())
}

/// Applies a proposal: snapshot → patch with the update mask → read back and verify →
/// snapshot → audit. A patch that does not stick is undone and the proposal marked failed.
/// Admins, with `{"approve": true}`.
#[utoipa::path(post, path = "/pretargeting/proposals/{id}/apply", tag = "pretargeting", params(("id" = i64, Path)), request_body = Approval,
    responses((status = 200, body = ProposalView, description = "`status` applied, or failed with `error`"),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn apply(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ProposalView>, ApiError> {
    user.require(Role::Admin)?;
    approved(&bytes, "applying")?;
    let accounts = accounts(&state)?;
    Ok(Json(
        pretargeting::apply(
            &state.store,
            &state.google,
            &accounts,
            id,
            &user.0.email,
            state.clock.unix(),
            today(&state),
        )
        .await?,
    ))
}

/// Puts a config back as a snapshot has it, verified the same way. Admins, with `{"approve": true}`.
#[utoipa::path(post, path = "/pretargeting/snapshots/{id}/rollback", tag = "pretargeting", params(("id" = i64, Path)), request_body = Approval,
    responses((status = 200, body = RollbackReport), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn rollback(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<RollbackReport>, ApiError> {
    user.require(Role::Admin)?;
    approved(&bytes, "rolling back")?;
    let accounts = accounts(&state)?;
    Ok(Json(
        pretargeting::rollback(
            &state.store,
            &state.google,
            &accounts,
            id,
            &user.0.email,
            state.clock.unix(),
        )
        .await?,
    ))
}

/// Checks applied changes against the traffic imported since (also run after every import);
/// rolls back a change that halved QPS when RTBCAT_PRETARGETING_AUTO_ROLLBACK is on. Editors.
#[utoipa::path(post, path = "/pretargeting/guard", tag = "pretargeting", responses((status = 200, body = Vec<ProposalView>)))]
pub(crate) async fn guard(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<ProposalView>>, ApiError> {
    user.require(Role::Editor)?;
    let accounts = accounts(&state).unwrap_or_default();
    Ok(Json(
        pretargeting::guard(
            &state.store,
            &state.google,
            &accounts,
            state.config.google.auto_rollback,
            state.clock.unix(),
        )
        .await?,
    ))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pretargeting/configs", get(configs))
        .route("/pretargeting/configs/refresh", post(refresh))
        .route("/pretargeting/snapshots", get(snapshots))
        .route("/pretargeting/snapshots/{id}/rollback", post(rollback))
        .route("/pretargeting/proposals", get(list_proposals).post(propose))
        .route("/pretargeting/proposals/{id}", get(get_proposal))
        .route("/pretargeting/proposals/{id}/apply", post(apply))
        .route("/pretargeting/guard", post(guard))
}
