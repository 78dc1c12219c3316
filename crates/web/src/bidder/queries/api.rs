//! Custom queries as JSON: run one, save and delete saved ones.

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
use rtbcat_app::bidder::queries::{self as queries, QueryError, QueryResult};
use rtbcat_core::platform::accounts::Role;
use serde::{Deserialize, Serialize};

impl From<QueryError> for ApiError {
    fn from(err: QueryError) -> Self {
        match err {
            QueryError::Parse(e) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", format!("query: {e}")).with_details(
                    serde_json::json!({
                        "errors": [{"field": "query", "reason": e.to_string()}],
                        "position": e.position,
                    }),
                )
            }
            QueryError::BadParameter { name, reason } => ApiError::bad_parameter(name, reason),
            QueryError::Store(store) => store.into(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The query, e.g. `find campaigns where cpc[platform=ios] > 1.5 * cpc[platform=android]`.
    pub query: String,
    /// The window's length in days (default 30), ending at `as_of`.
    pub days: Option<i64>,
    /// `YYYY-MM-DD`; the newest imported day by default.
    pub as_of: Option<String>,
}

/// Runs a custom query (see docs/queries.md for the language). A query that does not parse
/// is refused with 422 and the character position of the problem.
#[utoipa::path(post, path = "/queries/run", tag = "queries", request_body = RunRequest,
    responses((status = 200, body = QueryResult), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn run_query(
    State(state): State<AppState>,
    _user: ApiUser,
    bytes: Bytes,
) -> Result<Json<QueryResult>, ApiError> {
    let request: RunRequest = json_body(&bytes)?;
    let as_of = match request.as_of.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            rtbcat_core::bidder::performance::report::parse_report_date(d)
                .ok_or_else(|| ApiError::bad_parameter("as_of", format!("{d:?} is not a date like 2026-11-20")))?,
        ),
        None => None,
    };
    Ok(Json(
        queries::run(&state.store, &request.query, as_of, request.days.unwrap_or(30)).await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub created_by: String,
    pub created_at: i64,
}

impl From<rtbcat_app::bidder::queries::SavedQuery> for Saved {
    fn from(s: rtbcat_app::bidder::queries::SavedQuery) -> Self {
        Saved {
            id: s.id,
            name: s.name,
            query: s.text,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

/// Saved queries, by name.
#[utoipa::path(get, path = "/queries/saved", tag = "queries", params(PageParams), responses((status = 200, body = [Saved])))]
pub(crate) async fn list_saved(
    State(state): State<AppState>,
    _user: ApiUser,
    PageQuery(page): PageQuery,
) -> Result<Paged<Saved>, ApiError> {
    Ok(page.of(queries::saved(&state.store)
        .await?
        .into_iter()
        .map(Saved::from)
        .collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    pub name: String,
    pub query: String,
}

/// Saves a query that parses, under a name (replacing one of that name). Editors; audited.
#[utoipa::path(post, path = "/queries/saved", tag = "queries", request_body = SaveRequest,
    responses((status = 201, body = Saved), (status = 422, body = crate::error::ErrorBody)))]
pub(crate) async fn save_query(
    State(state): State<AppState>,
    user: ApiUser,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    user.require(Role::Editor)?;
    let request: SaveRequest = json_body(&bytes)?;
    let saved = queries::save(
        &state.store,
        &request.name,
        &request.query,
        &user.0.email,
        state.clock.unix(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Saved::from(saved))).into_response())
}

/// Deletes a saved query. Editors; audited.
#[utoipa::path(post, path = "/queries/saved/{id}/delete", tag = "queries", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn delete_saved(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    user.require(Role::Editor)?;
    queries::delete(&state.store, id, &user.0.email, state.clock.unix()).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queries/run", post(run_query))
        .route("/queries/saved", get(list_saved).post(save_query))
        .route("/queries/saved/{id}/delete", post(delete_saved))
}
