//! The audit log over HTTP (administrators).

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::error::{ApiError, ErrorBody};
use crate::paging::{PageParams, PageQuery, Paged};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use rtbcat_app::platform::audit::AuditEntry;
use rtbcat_core::platform::accounts::Role;

/// The audit log, newest first (100 by default): sign-ins, failed sign-ins, imports, accounts and tokens. Admins only.
#[utoipa::path(get, path = "/api/audit", tag = "account", params(PageParams),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    user: ApiUser,
    page: Result<PageQuery<100>, ApiError>,
) -> Result<Paged<AuditEntry>, ApiError> {
    user.require(Role::Admin)?;
    let PageQuery(page) = page?;
    let head = rtbcat_app::platform::audit::recent(&state.store, page.rows_to_read()?).await?;
    Ok(page.of_head(head))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/audit", get(audit_log))
}
