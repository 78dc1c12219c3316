//! The public routes the popup script and affiliate networks call: serving, impressions,
//! clicks, postbacks, and the script itself. Rate-limited, bot-filtered, CORS-limited
//! to the property's domains, small bodies only.

//! Offer popups over HTTP: the management API (properties, campaigns — the spec's name for
//! offers), the public tracking routes the popup script calls, postbacks, analytics and
//! the script itself.

use crate::error::ApiError;
use crate::popups::properties::{find_property, find_property_by_id, CachedProperty};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::LengthLimitError;
use rtbcat_app::popups::tracking::{Postback, PostbackOutcome, ServeToken, ServedOffer, TrackError, Visit};
use rtbcat_app::popups::Property;
use rtbcat_core::popups::{self as rules, Placement};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

/// Beacons and postbacks are a few hundred bytes; nobody needs more than a few KB, so a
/// flood of large bodies cannot tie up memory on the public routes.
pub const TRACKING_BODY_LIMIT: usize = 4 * 1024;

/// A public tracking route's body: at most `TRACKING_BODY_LIMIT` bytes, 413 beyond. An
/// extractor rather than a `DefaultBodyLimit` layer on the route: axum boxes a route's layer,
/// and every request then copies the box and each one inside it (about 2,600 instructions of
/// an impression's 107,000 in bench/tracking-instructions.sh).
pub(crate) struct TrackingBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for TrackingBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        // The limit holds whether the length is declared or the body comes in chunks.
        match axum::body::to_bytes(request.into_body(), TRACKING_BODY_LIMIT).await {
            Ok(bytes) => Ok(TrackingBody(bytes)),
            Err(e) if std::error::Error::source(&e).is_some_and(|inner| inner.is::<LengthLimitError>()) => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!(
                        "a tracking request's body is at most {} KiB",
                        TRACKING_BODY_LIMIT / 1024
                    ),
                ))
            }
            Err(e) => Err(ApiError::bad_parameter("body", format!("could not be read: {e}"))),
        }
    }
}

// ---- Public tracking -------------------------------------------------------------------

pub(crate) fn tracking_error(err: TrackError) -> ApiError {
    match err {
        TrackError::Busy => {
            let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", err.to_string());
            e.retry_after_seconds = Some(1);
            e
        }
        TrackError::BadToken => ApiError::new(StatusCode::BAD_REQUEST, "invalid_token", err.to_string()),
        TrackError::UnknownProperty(_) => ApiError::not_found(err.to_string()),
        TrackError::Rejected(reason) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", reason),
        TrackError::Store(e) => ApiError::internal(e),
    }
}

pub(crate) fn visit(state: &AppState, peer: &SocketAddr, headers: &HeaderMap, session_id: Option<&str>) -> Visit {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    Visit {
        ip: peer.ip().to_string(),
        user_agent: header_text(header::USER_AGENT.as_str()).unwrap_or_default(),
        country: header_text(&state.config.country_header).filter(|c| c != "XX" && c != "T1"),
        session_id: session_id.unwrap_or("").to_string(),
        visitor_id: String::new(),
    }
}

/// Addresses that sent too many refused postbacks (wrong secret, not allowed), shut out for
/// a minute whatever they send: guessing a network's secret gets a handful of tries a
/// minute, and a blocked address learns nothing from the answer.
pub struct RefusalBlock {
    refusals: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    blocked: std::sync::Mutex<HashMap<std::net::IpAddr, std::time::Instant>>,
}

/// How long an address that used up its refusals is shut out.
pub(crate) const REFUSAL_BLOCK: std::time::Duration = std::time::Duration::from_secs(60);

impl RefusalBlock {
    pub fn new(quota: governor::Quota) -> Self {
        RefusalBlock {
            refusals: governor::RateLimiter::keyed(quota),
            blocked: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn blocked_for(&self, ip: std::net::IpAddr) -> Option<u64> {
        let now = std::time::Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        match blocked.get(&ip) {
            Some(until) if *until > now => Some((*until - now).as_secs().max(1)),
            Some(_) => {
                blocked.remove(&ip);
                None
            }
            None => None,
        }
    }

    fn refused(&self, ip: std::net::IpAddr) {
        if self.refusals.check_key(&ip).is_err() {
            let now = std::time::Instant::now();
            let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
            if blocked.len() > 100_000 {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(ip, now + REFUSAL_BLOCK);
        }
    }
}

/// CORS for the tracking routes: a browser request must come from one of the property's
/// own domains; the answer names that origin (never `*`). Requests without an Origin are
/// not from a page's script (navigation, server-side) and need no CORS answer.
pub(crate) fn allowed_origin(headers: &HeaderMap, property: &Property) -> Result<Option<HeaderValue>, ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    let text = origin.to_str().unwrap_or("");
    // rtbcat's own pages (the playground, the live preview) are same-origin.
    let own = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| text.strip_prefix("http://").or_else(|| text.strip_prefix("https://")) == Some(host));
    if own || rules::origin_allowed(text, &property.domains) {
        Ok(Some(origin.clone()))
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("{text:?} is not one of this property's domains"),
        ))
    }
}

pub(crate) fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OfferParams {
    /// `thankyou`, `exit-intent` or `timed`; default: the property's.
    placement: Option<String>,
    /// The page's session id from the popup script.
    session: Option<String>,
    /// The popup script's random visitor id (local storage): keeps a visitor in the same
    /// experiment arm across days.
    visitor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferAnswer {
    /// None when nothing may be shown (no active offer, caps reached, popup disabled, bot).
    offer: Option<ServedOffer>,
    /// Why there is no offer (for the playground and `debug: true`); absent with an offer.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    frequency: String,
    placement: String,
}

/// The offer the popup should show on a property, chosen server-side (public; CORS-limited
/// to the property's domains; rate-limited per address).
#[utoipa::path(get, path = "/api/offers/{property}", tag = "tracking", params(OfferParams), responses((status = 200, body = OfferAnswer), (status = 403), (status = 429)))]
pub(crate) async fn serve_offer(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Query(params): Query<OfferParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::rate_limit(&state.tracking_limiter, peer.ip(), "tracking requests")?;
    let property = find_property(&state, &code).await?;
    let origin = allowed_origin(&headers, &property)?;
    let placement = match params.placement.as_deref() {
        Some(text) => Placement::parse(text)
            .ok_or_else(|| ApiError::bad_parameter("placement", "use thankyou, exit-intent or timed"))?,
        None => Placement::parse(&property.popup_placement).unwrap_or(Placement::ThankYou),
    };
    let mut visit = visit(&state, &peer, &headers, params.session.as_deref());
    visit.visitor_id = params
        .visitor
        .as_deref()
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("")
        .to_string();
    // Bots get nothing to show, so they never fire the offer's pixel either.
    let bot = rules::is_bot_user_agent(&visit.user_agent);
    let offer = if bot {
        state
            .tracking
            .bot_request(&property, placement, &visit)
            .await
            .map_err(tracking_error)?;
        None
    } else {
        state
            .tracking
            .serve(&property, placement, &visit)
            .await
            .map_err(tracking_error)?
    };
    let reason = match &offer {
        Some(_) => None,
        None if bot => Some("this browser identifies as a bot, and bots are not shown offers"),
        None if !property.active || !property.popup_enabled => {
            Some("the property is inactive or its popup is turned off")
        }
        None => {
            Some("no active offer runs on this property today (check the offers' properties, dates and daily caps)")
        }
    };
    let answer = OfferAnswer {
        offer,
        reason,
        frequency: property.popup_frequency.clone(),
        placement: placement.as_str().into(),
    };
    Ok(with_cors(Json(answer).into_response(), origin))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenBody {
    token: String,
    #[serde(default)]
    session: Option<String>,
}

/// The token from a beacon: JSON `{token, session}` or the bare token as text/plain.
pub(crate) fn token_body(bytes: &Bytes) -> Result<TokenBody, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::bad_parameter("token", "is not text"))?;
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| ApiError::bad_parameter("token", e.to_string()))
    } else {
        Ok(TokenBody {
            token: trimmed.to_string(),
            session: None,
        })
    }
}

/// The token checked (ours, signed, not expired) and the property it was served on.
pub(crate) async fn verified_token(state: &AppState, token: &str) -> Result<(ServeToken, CachedProperty), ApiError> {
    let served = state
        .tracking
        .verify(token)
        .ok_or_else(|| tracking_error(TrackError::BadToken))?;
    let property = find_property_by_id(state, served.property_id).await?;
    Ok((served, property))
}

/// What a beacon from the popup script carries, checked: the address is within its rate,
/// the token is ours, the page is on the token's property (its CORS origin), the visit.
async fn beacon(
    state: &AppState,
    peer: &SocketAddr,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Result<(ServeToken, Option<HeaderValue>, Visit), ApiError> {
    crate::rate_limit(&state.tracking_limiter, peer.ip(), "tracking requests")?;
    let body = token_body(bytes)?;
    let (token, property) = verified_token(state, &body.token).await?;
    let origin = allowed_origin(headers, &property)?;
    let visit = visit(state, peer, headers, body.session.as_deref());
    Ok((token, origin, visit))
}

/// Records that a served popup was shown (the script's `sendBeacon`). 204 once durable;
/// a retried beacon is accepted and not counted again.
#[utoipa::path(post, path = "/api/impression", tag = "tracking", request_body = TokenBody, responses((status = 204), (status = 400), (status = 503)))]
pub(crate) async fn impression(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    TrackingBody(bytes): TrackingBody,
) -> Result<Response, ApiError> {
    let (token, origin, visit) = beacon(&state, &peer, &headers, &bytes).await?;
    state
        .tracking
        .impression(&token, &visit)
        .await
        .map_err(tracking_error)?;
    Ok(with_cors(StatusCode::NO_CONTENT.into_response(), origin))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClickAnswer {
    /// Where to send the visitor: the offer's stored click URL with our click id.
    url: String,
}

/// Records a click for script use; the `/c/{token}` redirect is the source of truth.
#[utoipa::path(post, path = "/api/click", tag = "tracking", request_body = TokenBody, responses((status = 200, body = ClickAnswer)))]
pub(crate) async fn click_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    TrackingBody(bytes): TrackingBody,
) -> Result<Response, ApiError> {
    let (token, origin, visit) = beacon(&state, &peer, &headers, &bytes).await?;
    let url = state.tracking.click(&token, &visit).await.map_err(tracking_error)?;
    Ok(with_cors(Json(ClickAnswer { url }).into_response(), origin))
}

/// The popup's CTA: records the click, then redirects to the offer's stored click URL with
/// our click id in its sub-id parameter. Nothing in the request can choose the target.
#[utoipa::path(get, path = "/c/{token}", tag = "tracking", responses((status = 302), (status = 400)))]
pub(crate) async fn click_redirect(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::rate_limit(&state.tracking_limiter, peer.ip(), "tracking requests")?;
    let visit = visit(&state, &peer, &headers, None);
    let token = state
        .tracking
        .verify(&token)
        .ok_or_else(|| tracking_error(TrackError::BadToken))?;
    let url = state.tracking.click(&token, &visit).await.map_err(tracking_error)?;
    let location = HeaderValue::from_str(&url).map_err(ApiError::internal)?;
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(header::LOCATION, location);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

pub(crate) fn first_param(params: &HashMap<String, String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| params.get(*n))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Who may post conversions and what they call our parameters: a network's settings, or
/// the server-wide ones for `/api/postback`.
pub(crate) struct PostbackRules<'a> {
    secret: Option<&'a str>,
    allow_ips: &'a [String],
    click_id: Vec<&'a str>,
    payout: Vec<&'a str>,
    transaction_id: Vec<&'a str>,
    status: Vec<&'a str>,
    secret_param: &'a str,
}

pub(crate) async fn accept_postback(
    state: &AppState,
    peer: &SocketAddr,
    method: &Method,
    mut params: HashMap<String, String>,
    bytes: &Bytes,
    rules: PostbackRules<'_>,
) -> Result<Json<PostbackOutcome>, ApiError> {
    if let Some(seconds) = state.postback_refusals.blocked_for(peer.ip()) {
        let mut e = ApiError::too_many(seconds);
        e.body.message = "too many refused postbacks from this address".into();
        return Err(e);
    }
    crate::rate_limit(&state.postback_limiter, peer.ip(), "postbacks")?;
    if method == Method::POST && !bytes.is_empty() {
        params.extend(serde_urlencoded_pairs(bytes));
    }
    let ip_ok = rules.allow_ips.is_empty() || rules.allow_ips.contains(&peer.ip().to_string());
    let secret_ok = match rules.secret {
        Some(secret) => first_param(&params, &[rules.secret_param])
            .is_some_and(|given| rtbcat_core::shared::secrets::constant_time_eq(given.as_bytes(), secret.as_bytes())),
        None => !rules.allow_ips.is_empty(),
    };
    if !(ip_ok && secret_ok) {
        state.postback_refusals.refused(peer.ip());
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "postback_refused",
            "this postback is not from an allowed address or does not carry the network's secret",
        ));
    }
    let postback = Postback {
        click_id: first_param(&params, &rules.click_id)
            .ok_or_else(|| ApiError::bad_parameter(rules.click_id[0], "is required (our click id)"))?,
        payout: first_param(&params, &rules.payout),
        transaction_id: first_param(&params, &rules.transaction_id),
        status: first_param(&params, &rules.status),
    };
    Ok(Json(state.tracking.postback(postback).await.map_err(tracking_error)?))
}

/// A conversion postback (GET or form POST) authenticated by the server-wide settings
/// (RTBCAT_POSTBACK_SECRET / RTBCAT_POSTBACK_ALLOW_IPS; refused when neither is set).
/// Parameters: `click_id` (also `aff_sub`, `sub1`, `clickid`), `payout` (`amount`,
/// `revenue`), `transaction_id` (`tid`, `txn_id`), `status`, `secret`. TUNE: set the
/// postback URL to `https://HOST/api/postback?click_id={aff_sub}&payout={payout}&transaction_id={transaction_id}&secret=…`.
#[utoipa::path(get, path = "/api/postback", tag = "tracking", request_body(content = String, content_type = "application/x-www-form-urlencoded"), responses((status = 200, body = PostbackOutcome), (status = 403), (status = 422)))]
pub(crate) async fn postback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    Query(params): Query<HashMap<String, String>>,
    TrackingBody(bytes): TrackingBody,
) -> Result<Json<PostbackOutcome>, ApiError> {
    let config = &state.config;
    let rules = PostbackRules {
        secret: config.postback_secret.as_ref().map(|s| s.expose()),
        allow_ips: &config.postback_allow_ips,
        click_id: vec!["click_id", "aff_sub", "sub1", "clickid"],
        payout: vec!["payout", "amount", "revenue"],
        transaction_id: vec!["transaction_id", "tid", "txn_id"],
        status: vec!["status"],
        secret_param: "secret",
    };
    accept_postback(&state, &peer, &method, params, &bytes, rules).await
}

/// A conversion postback from one affiliate network, checked against that network's secret
/// and address allow-list, read with its own parameter names.
#[utoipa::path(get, path = "/api/postback/{network}", tag = "tracking", request_body(content = String, content_type = "application/x-www-form-urlencoded"), responses((status = 200, body = PostbackOutcome), (status = 403), (status = 404), (status = 422)))]
pub(crate) async fn network_postback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(name): Path<String>,
    method: Method,
    Query(params): Query<HashMap<String, String>>,
    TrackingBody(bytes): TrackingBody,
) -> Result<Json<PostbackOutcome>, ApiError> {
    let network = rtbcat_app::popups::networks::by_name(&state.store, &name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("network {name}")))?;
    let rules = PostbackRules {
        secret: network.postback_secret.as_deref(),
        allow_ips: &network.allow_ips,
        click_id: vec![network.click_id_param.as_str()],
        payout: vec![network.payout_param.as_str()],
        transaction_id: vec![network.transaction_id_param.as_str()],
        status: vec![network.status_param.as_str()],
        secret_param: &network.secret_param,
    };
    accept_postback(&state, &peer, &method, params, &bytes, rules).await
}

pub(crate) fn serde_urlencoded_pairs(bytes: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

// ---- The script ------------------------------------------------------------------------

pub(crate) const POPUP_JS: &str = include_str!("../../assets/popup.js");

/// The script, gzipped once at first use.
pub(crate) fn popup_js_gzip() -> &'static [u8] {
    static GZIPPED: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = encoder.write_all(POPUP_JS.as_bytes());
        encoder.finish().unwrap_or_default()
    });
    &GZIPPED
}

/// Content hash of the script, for its versioned URL (`/popup.js?v=…`).
pub fn popup_js_version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(POPUP_JS.as_bytes())[..6])
    });
    &VERSION
}

#[derive(Debug, Deserialize)]
pub(crate) struct ScriptParams {
    v: Option<String>,
}

pub(crate) async fn popup_script(Query(params): Query<ScriptParams>, headers: HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let mut response = if gzip {
        let mut r = popup_js_gzip().to_vec().into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        POPUP_JS.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    // The versioned URL never changes content: cache for a year. The bare URL is what old
    // snippets use: cache briefly so a release reaches them within the hour.
    let cache = if params.v.as_deref() == Some(popup_js_version()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/offers/{property}", get(serve_offer))
        .route("/api/impression", post(impression))
        .route("/api/click", post(click_json))
        .route("/c/{token}", get(click_redirect))
        .route("/api/postback", get(postback).post(postback))
        .route("/api/postback/{network}", get(network_postback).post(network_postback))
        .route("/popup.js", get(popup_script))
        // A static answer: the ceiling the tracking benchmark compares against.
        .route("/ping", get(|| async { "pong" }))
}
