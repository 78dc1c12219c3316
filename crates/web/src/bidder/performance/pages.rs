//! The Import page: drag-and-drop upload with progress, the report, the history.

//! Server-rendered pages: login, first-run setup, the creative catalog.

use crate::assets::ASSET_VERSION;
use crate::page::*;
use crate::session::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

pub(crate) struct ImportRow {
    when: String,
    file_name: String,
    sha256: String,
    kind: String,
    rows_read: i64,
    imported: i64,
    updated: i64,
    skipped: i64,
    warnings: i64,
    duration: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    can_import: bool,
    history: Vec<ImportRow>,
}

/// Upload a report (drag and drop, upload progress, the report) and the import history.
pub(crate) async fn import_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let history = match rtbcat_app::bidder::performance::recent_imports(&state.store, 50).await {
        Ok(h) => h,
        Err(err) => return page_error(err.into()),
    };
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let history = history
        .into_iter()
        .map(|h| ImportRow {
            when: time::OffsetDateTime::from_unix_timestamp(h.started_at)
                .ok()
                .and_then(|t| t.format(&format).ok())
                .unwrap_or_default(),
            file_name: h.file_name,
            sha256: h.sha256,
            kind: h.kind.replace('_', " "),
            rows_read: h.rows_read,
            imported: h.imported,
            updated: h.updated,
            skipped: h.skipped,
            warnings: h.warnings,
            duration: format!("{:.1} s", h.duration_ms as f64 / 1000.0),
            actor: h.actor,
        })
        .collect();
    let (user_email, user_role) = user_header(&user);
    render(&ImportPage {
        asset_version: ASSET_VERSION,
        can_import: user.role.allows(rtbcat_core::platform::accounts::Role::Editor),
        user_email,
        user_role,
        active: "import",
        history,
    })
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/import", get(import_page))
}
