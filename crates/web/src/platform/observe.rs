//! Observability: a request id on every response and every log line of the request, HTTP
//! metrics by route pattern, and `/metrics` for Prometheus.

use crate::error::ApiError;
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_core::platform::accounts::Role;
use tracing::Instrument;

/// The header that carries the request id, in and out.
pub const REQUEST_ID: &str = "x-request-id";

/// A caller's request id is kept when it is short and plain (so a proxy's id follows the
/// request through our logs); otherwise we make one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| {
            let bytes: [u8; 8] = rand::random();
            hex::encode(bytes)
        })
}

/// Wraps every request: a span with its id (so each log line names it), the id on the
/// response, and the request counted and timed under its route's pattern.
pub(crate) async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = request_id(&request);
    // The pattern (`/api/offers/{property}`), never the raw path: labels stay few. Both
    // clones are cheap (a shared string, a small enum).
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    // A duration, not a time of day: the monotonic clock is the right one here.
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span).await;
    let labels = [route, method.as_str()];
    state
        .metrics
        .http_requests
        .with_label_values(&[route, method.as_str(), response.status().as_str()])
        .inc();
    state
        .metrics
        .http_seconds
        .with_label_values(&labels)
        .observe(started.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The metrics in Prometheus' text format, as of now.
pub fn metrics_text(state: &AppState) -> String {
    state.metrics.writer_queue.set(state.tracking.queue_depth() as i64);
    state.metrics.render(state.store.pool_status())
}

fn text_response(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Prometheus metrics: HTTP requests by route, method and status with latency histograms;
/// the tracking writer's queue depth, batch sizes, commit latency and failures; rows
/// imported and refused; job runs by outcome; the database pool. For the metrics token
/// (`RTBCAT_METRICS_TOKEN`, as a bearer token) or an administrator.
#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, content_type = "text/plain", description = "Prometheus text format"), (status = 401), (status = 403)))]
pub(crate) async fn metrics(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let scraper = match (&state.config.metrics_token, bearer) {
        (Some(token), Some(given)) => {
            rtbcat_core::shared::secrets::constant_time_eq(given.as_bytes(), token.expose().as_bytes())
        }
        _ => false,
    };
    if !scraper {
        let (mut parts, _) = request.into_parts();
        let user =
            <ApiUser as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await?;
        user.require(Role::Admin)?;
    }
    Ok(text_response(metrics_text(&state)))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// `/metrics` alone, without authentication, for `RTBCAT_METRICS_ADDR` (a loopback or
/// private address Prometheus scrapes).
pub fn metrics_only(state: AppState) -> Router {
    async fn open_metrics(State(state): State<AppState>) -> Response {
        text_response(metrics_text(&state))
    }
    Router::new().route("/metrics", get(open_metrics)).with_state(state)
}
