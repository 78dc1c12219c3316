//! Static assets compiled into the binary: the product works offline, with no CDN.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const APP_CSS: &str = include_str!("../assets/app.css");
const APP_JS: &str = include_str!("../assets/app.js");
const DOCS_JS: &str = include_str!("../assets/docs.js");
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// Part of every asset URL, so a new release busts caches while assets stay cacheable.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

pub fn routes() -> Router<crate::AppState> {
    Router::new()
        .route(
            &format!("/assets/{ASSET_VERSION}/app.css"),
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            &format!("/assets/{ASSET_VERSION}/app.js"),
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            &format!("/assets/{ASSET_VERSION}/docs.js"),
            get(|| async { asset(DOCS_JS, "text/javascript; charset=utf-8") }),
        )
        .route("/favicon.svg", get(|| async { asset(FAVICON, "image/svg+xml") }))
}
