//! The Creatives pages: cards or a table with performance, filters and CSV export
//! (`listing`), the detail page and sandboxed previews (`detail`), and what both share.

mod detail;
pub(crate) use detail::breakdown_table;
mod listing;

use crate::bidder::catalog::api::*;
use crate::error::ApiError;
use crate::session::PageUser;
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::catalog::CreativeDetail;
use rtbcat_app::bidder::catalog::CreativeListItem;
use rtbcat_app::bidder::performance::Breakdown;
use serde::Deserialize;

pub(crate) fn status_view(status: &str) -> (String, &'static str) {
    let class = match status {
        "APPROVED" => "ok",
        "DISAPPROVED" => "bad",
        "PENDING_REVIEW" | "CERTIFICATE_REQUIRED" => "warn",
        _ => "muted",
    };
    (status.replace('_', " ").to_lowercase(), class)
}

pub(crate) fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(crate) fn creative_urls(seat: &str, creative_id: &str) -> (String, String) {
    let base = format!(
        "/app/seats/{}/creatives/{}",
        path_segment(seat),
        path_segment(creative_id)
    );
    let preview = format!("{base}/preview");
    (base, preview)
}

/// The frame size a creative renders at: its own size, or a sensible stand-in.
pub(crate) fn natural_size(format: &str, width: Option<i64>, height: Option<i64>) -> (u32, u32) {
    let clamp = |v: Option<i64>, fallback: u32| {
        v.and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 1)
            .map_or(fallback, |v| v.min(1600))
    };
    match format {
        "HTML" => (clamp(width, 320), clamp(height, 250)),
        "NATIVE" => (360, 300),
        _ => (480, 270),
    }
}

pub(crate) async fn find_creative(
    state: &AppState,
    seat: String,
    creative_id: String,
) -> Result<CreativeDetail, ApiError> {
    let mut found = rtbcat_app::bidder::catalog::by_id(&state.store, creative_id.clone(), Some(seat)).await?;
    if found.is_empty() {
        return Err(ApiError::not_found(format!("no creative {creative_id:?} in this seat")));
    }
    Ok(found.remove(0))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/creatives", get(listing::creatives_page))
        .route("/app/creatives/export.csv", get(listing::creatives_export))
        .route("/app/seats/{seat}/creatives/{creative_id}", get(detail::creative_page))
        .route(
            "/app/seats/{seat}/creatives/{creative_id}/preview",
            get(detail::creative_preview),
        )
}
