//! Offer popups over HTTP: the management API (properties, campaigns — the spec's name for
//! offers), the public tracking routes the popup script calls, postbacks, analytics and
//! the script itself.

use crate::error::ApiError;
use crate::session::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rtbcat_app::popup::{Postback, PostbackOutcome, ServedOffer, TrackError, Visit};
use rtbcat_core::platform::accounts::Role;
use rtbcat_core::popups::{self as rules, FieldError, OfferInput, Placement, PropertyInput};
use rtbcat_store::{AnalyticsFilter, AnalyticsGroup, Network, Offer, Property};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};

/// Beacons and postbacks are a few hundred bytes; nobody needs more than a few KB, so a
/// flood of large bodies cannot tie up memory on the public routes.
pub const TRACKING_BODY_LIMIT: usize = 4 * 1024;

fn tracking_body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(TRACKING_BODY_LIMIT)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/properties", get(list_properties).post(create_property))
        .route("/api/properties/{id}", put(update_property).delete(deactivate_property))
        .route("/api/campaigns", get(list_campaigns).post(create_campaign))
        .route("/api/campaigns/{id}", put(update_campaign).delete(deactivate_campaign))
        .route("/api/campaigns/{id}/{action}", post(campaign_action))
        .route("/api/analytics/{property}", get(analytics))
        .route("/api/offers/{property}", get(serve_offer))
        .route("/api/impression", post(impression).layer(tracking_body_limit()))
        .route("/api/click", post(click_json).layer(tracking_body_limit()))
        .route("/c/{token}", get(click_redirect))
        .route(
            "/api/postback",
            get(postback).post(postback).layer(tracking_body_limit()),
        )
        .route(
            "/api/postback/{network}",
            get(network_postback)
                .post(network_postback)
                .layer(tracking_body_limit()),
        )
        .route("/api/networks", get(list_networks).post(create_network))
        .route("/api/networks/{id}", put(update_network))
        .route("/popup.js", get(popup_script))
        // A static answer: the ceiling the tracking benchmark compares against.
        .route("/ping", get(|| async { "pong" }))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_properties, create_property, update_property, deactivate_property, list_campaigns, create_campaign,
          update_campaign, deactivate_campaign, campaign_action, serve_offer,
          impression, click_json, click_redirect, postback, network_postback, list_networks, create_network,
          update_network, analytics),
    components(schemas(Property, Offer, Network, OfferAnswer, ServedOffer, TokenBody, ClickAnswer, PostbackOutcome, AnalyticsLine)),
    tags((name = "popups", description = "Offers (campaigns), properties and their analytics"),
         (name = "tracking", description = "Public routes the popup script and affiliate networks call"))
)]
pub struct PopupDoc;

fn invalid(errors: Vec<FieldError>) -> ApiError {
    let message = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields", message)
        .with_details(serde_json::json!({ "errors": errors }))
}

pub(crate) fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let field = e.path().to_string();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("{field}: {}", e.inner()),
        )
        .with_details(serde_json::json!({ "errors": [{ "field": field, "reason": e.inner().to_string() }] }))
    })
}

async fn audit(state: &AppState, user: &ApiUser, action: &str, subject: String) {
    let entry = rtbcat_store::NewAuditEntry {
        actor: user.0.email.clone(),
        action: action.into(),
        subject: Some(subject),
        details: serde_json::Value::Null,
        at: state.clock.unix(),
    };
    if let Err(e) = state.store.append_audit(entry).await {
        tracing::warn!(error = %e, "audit entry not written");
    }
}

/// Properties the popup runs on.
#[utoipa::path(get, path = "/api/properties", tag = "popups", responses((status = 200, body = [Property])))]
async fn list_properties(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<Property>>, ApiError> {
    Ok(Json(state.store.list_properties().await?))
}

async fn save_property(state: &AppState, user: &ApiUser, id: Option<i64>, bytes: &Bytes) -> Result<Property, ApiError> {
    user.require(Role::Editor)?;
    let input: PropertyInput = body(bytes)?;
    let spec = input.validate().map_err(invalid)?;
    let saved = state.store.save_property(id, spec, state.clock.unix()).await?;
    audit(
        state,
        user,
        if id.is_some() {
            "property.update"
        } else {
            "property.create"
        },
        saved.code.clone(),
    )
    .await;
    Ok(saved)
}

/// Adds a property (code, name, domains, popup defaults, theme).
#[utoipa::path(post, path = "/api/properties", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 201, body = Property), (status = 422, body = crate::error::ErrorBody)))]
async fn create_property(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    let saved = save_property(&state, &user, None, &bytes).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces a property's settings.
#[utoipa::path(put, path = "/api/properties/{id}", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 200, body = Property)))]
async fn update_property(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Property>, ApiError> {
    Ok(Json(save_property(&state, &user, Some(id), &bytes).await?))
}

fn property_input(property: &Property) -> PropertyInput {
    PropertyInput {
        code: property.code.clone(),
        name: property.name.clone(),
        domains: property.domains.clone(),
        active: Some(property.active),
        popup_enabled: Some(property.popup_enabled),
        popup_frequency: Some(property.popup_frequency.clone()),
        popup_placement: Some(property.popup_placement.clone()),
        theme_primary: Some(property.theme_primary.clone()),
        theme_accent: Some(property.theme_accent.clone()),
        logo_url: property.logo_url.clone(),
    }
}

/// Deactivates a property: the popup stops there; its history stays.
#[utoipa::path(delete, path = "/api/properties/{id}", tag = "popups", responses((status = 200, body = Property)))]
async fn deactivate_property(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Property>, ApiError> {
    user.require(Role::Editor)?;
    let property = find_property_by_id(&state, id).await?;
    let spec = PropertyInput {
        active: Some(false),
        ..property_input(&property)
    }
    .validate()
    .map_err(invalid)?;
    let saved = state.store.save_property(Some(id), spec, state.clock.unix()).await?;
    state.tracking.forget_cached();
    audit(&state, &user, "property.deactivate", saved.code.clone()).await;
    Ok(Json(saved))
}

async fn find_property_by_id(state: &AppState, id: i64) -> Result<Property, ApiError> {
    state
        .tracking
        .properties()
        .await?
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("property {id}")))
}

pub(crate) async fn find_property(state: &AppState, code_or_id: &str) -> Result<Property, ApiError> {
    state
        .tracking
        .properties()
        .await?
        .iter()
        .find(|p| p.code == code_or_id || p.id.to_string() == code_or_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("property {code_or_id}")))
}

/// All offers (the spec calls them campaigns), active first.
#[utoipa::path(get, path = "/api/campaigns", tag = "popups", responses((status = 200, body = [Offer])))]
async fn list_campaigns(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<Offer>>, ApiError> {
    Ok(Json(state.store.list_offers().await?))
}

async fn save_offer(state: &AppState, user: &ApiUser, id: Option<i64>, input: OfferInput) -> Result<Offer, ApiError> {
    user.require(Role::Editor)?;
    let spec = input.validate().map_err(invalid)?;
    let known: Vec<String> = state
        .store
        .list_properties()
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let unknown: Vec<FieldError> = spec
        .properties
        .iter()
        .filter(|code| !known.contains(code))
        .map(|code| FieldError {
            field: "properties".into(),
            reason: format!("no property has the code {code:?}"),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(unknown));
    }
    let saved = state
        .store
        .save_offer(id, spec, user.0.email.clone(), state.clock.unix())
        .await?;
    state.tracking.forget_cached();
    let action = if id.is_some() {
        "campaign.update"
    } else {
        "campaign.create"
    };
    audit(state, user, action, format!("{} {}", saved.id, saved.name)).await;
    Ok(saved)
}

/// Adds an offer. Every problem is named by its field (`details.errors[].field`).
#[utoipa::path(post, path = "/api/campaigns", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 201, body = Offer), (status = 422, body = crate::error::ErrorBody)))]
async fn create_campaign(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    let saved = save_offer(&state, &user, None, body(&bytes)?).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces an offer's fields.
#[utoipa::path(put, path = "/api/campaigns/{id}", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 200, body = Offer)))]
async fn update_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(save_offer(&state, &user, Some(id), body(&bytes)?).await?))
}

/// An offer back as input, to save it again with a change.
pub(crate) fn offer_input(offer: &Offer) -> OfferInput {
    OfferInput {
        network_campaign_id: offer.network_campaign_id.clone(),
        affiliate_id: offer.affiliate_id.clone(),
        name: offer.name.clone(),
        display_title: offer.display_title.clone(),
        tagline: offer.tagline.clone(),
        description: offer.description.clone(),
        cta_text: Some(offer.cta_text.clone()),
        image_url: offer.image_url.clone(),
        click_url: offer.click_url.clone(),
        impression_pixel_url: offer.impression_pixel_url.clone(),
        payout: Some(serde_json::Value::String(rtbcat_core::shared::money::format_micros(
            offer.payout_micros,
        ))),
        currency: Some(offer.currency.clone()),
        active: Some(offer.active),
        priority: Some(offer.priority),
        start_date: offer.start_date.clone(),
        end_date: offer.end_date.clone(),
        daily_impression_cap: offer.daily_impression_cap,
        daily_click_cap: offer.daily_click_cap,
        sub_id_param: Some(offer.sub_id_param.clone()),
        notes: offer.notes.clone(),
        properties: offer.properties.clone(),
    }
}

async fn find_offer(state: &AppState, id: i64) -> Result<Offer, ApiError> {
    state
        .store
        .list_offers()
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| ApiError::not_found(format!("campaign {id}")))
}

async fn set_active(state: &AppState, user: &ApiUser, id: i64, active: bool) -> Result<Offer, ApiError> {
    let offer = find_offer(state, id).await?;
    save_offer(
        state,
        user,
        Some(id),
        OfferInput {
            active: Some(active),
            ..offer_input(&offer)
        },
    )
    .await
}

/// Deactivates an offer (the spec's DELETE): it stops showing; its history stays.
#[utoipa::path(delete, path = "/api/campaigns/{id}", tag = "popups", responses((status = 200, body = Offer)))]
async fn deactivate_campaign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(set_active(&state, &user, id, false).await?))
}

/// `pause`, `resume` or `duplicate` an offer. A duplicate is a new, paused offer named
/// "… (copy)" (201); pause and resume answer the offer (200).
#[utoipa::path(post, path = "/api/campaigns/{id}/{action}", tag = "popups",
    params(("id" = i64, Path), ("action" = String, Path, description = "pause, resume or duplicate")),
    responses((status = 200, body = Offer), (status = 201, body = Offer), (status = 404)))]
async fn campaign_action(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    match action.as_str() {
        "pause" | "resume" => Ok(Json(set_active(&state, &user, id, action == "resume").await?).into_response()),
        "duplicate" => duplicate_campaign(&state, &user, id).await,
        other => Err(ApiError::not_found(format!("no campaign action {other:?}"))),
    }
}

/// Copies an offer as a new, paused one named "… (copy)".
async fn duplicate_campaign(state: &AppState, user: &ApiUser, id: i64) -> Result<Response, ApiError> {
    let offer = find_offer(state, id).await?;
    let mut name = format!("{} (copy)", offer.name);
    name = name.chars().take(120).collect();
    let copy = save_offer(
        state,
        user,
        None,
        OfferInput {
            name,
            active: Some(false),
            ..offer_input(&offer)
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(copy)).into_response())
}

// ---- Public tracking -------------------------------------------------------------------

fn tracking_error(err: TrackError) -> ApiError {
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

fn visit(state: &AppState, peer: &SocketAddr, headers: &HeaderMap, session_id: Option<&str>) -> Visit {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    Visit {
        ip: peer.ip().to_string(),
        user_agent: header_text(header::USER_AGENT.as_str()).unwrap_or_default(),
        country: header_text(&state.config.country_header).filter(|c| c != "XX" && c != "T1"),
        session_id: session_id.unwrap_or("").to_string(),
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
const REFUSAL_BLOCK: std::time::Duration = std::time::Duration::from_secs(60);

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

fn rate_limit(state: &AppState, peer: &SocketAddr) -> Result<(), ApiError> {
    state.tracking_limiter.check_key(&peer.ip()).map_err(|not_until| {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let mut e = ApiError::too_many(wait.as_secs().max(1));
        e.body.message = "too many tracking requests from this address".into();
        e
    })
}

/// CORS for the tracking routes: a browser request must come from one of the property's
/// own domains; the answer names that origin (never `*`). Requests without an Origin are
/// not from a page's script (navigation, server-side) and need no CORS answer.
fn allowed_origin(headers: &HeaderMap, property: &Property) -> Result<Option<HeaderValue>, ApiError> {
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

fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferAnswer {
    /// None when nothing may be shown (no active offer, caps reached, popup disabled, bot).
    offer: Option<ServedOffer>,
    frequency: String,
    placement: String,
}

/// The offer the popup should show on a property, chosen server-side (public; CORS-limited
/// to the property's domains; rate-limited per address).
#[utoipa::path(get, path = "/api/offers/{property}", tag = "tracking", params(OfferParams), responses((status = 200, body = OfferAnswer), (status = 403), (status = 429)))]
async fn serve_offer(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Query(params): Query<OfferParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    rate_limit(&state, &peer)?;
    let property = find_property(&state, &code).await?;
    let origin = allowed_origin(&headers, &property)?;
    let placement = match params.placement.as_deref() {
        Some(text) => Placement::parse(text)
            .ok_or_else(|| ApiError::bad_parameter("placement", "use thankyou, exit-intent or timed"))?,
        None => Placement::parse(&property.popup_placement).unwrap_or(Placement::ThankYou),
    };
    let visit = visit(&state, &peer, &headers, params.session.as_deref());
    // Bots get nothing to show, so they never fire the offer's pixel either.
    let offer = if rules::is_bot_user_agent(&visit.user_agent) {
        None
    } else {
        state
            .tracking
            .serve(&property, placement, &visit)
            .await
            .map_err(tracking_error)?
    };
    let answer = OfferAnswer {
        offer,
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
fn token_body(bytes: &Bytes) -> Result<TokenBody, ApiError> {
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

async fn token_property(state: &AppState, token: &str) -> Result<Property, ApiError> {
    let served = state
        .tracking
        .verify(token)
        .ok_or_else(|| tracking_error(TrackError::BadToken))?;
    find_property_by_id(state, served.property_id).await
}

/// Records that a served popup was shown (the script's `sendBeacon`). 204 once durable;
/// a retried beacon is accepted and not counted again.
#[utoipa::path(post, path = "/api/impression", tag = "tracking", request_body = TokenBody, responses((status = 204), (status = 400), (status = 503)))]
async fn impression(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    rate_limit(&state, &peer)?;
    let body = token_body(&bytes)?;
    let property = token_property(&state, &body.token).await?;
    let origin = allowed_origin(&headers, &property)?;
    let visit = visit(&state, &peer, &headers, body.session.as_deref());
    state
        .tracking
        .impression(&body.token, &visit)
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
async fn click_json(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    rate_limit(&state, &peer)?;
    let body = token_body(&bytes)?;
    let property = token_property(&state, &body.token).await?;
    let origin = allowed_origin(&headers, &property)?;
    let visit = visit(&state, &peer, &headers, body.session.as_deref());
    let url = state
        .tracking
        .click(&body.token, &visit)
        .await
        .map_err(tracking_error)?;
    Ok(with_cors(Json(ClickAnswer { url }).into_response(), origin))
}

/// The popup's CTA: records the click, then redirects to the offer's stored click URL with
/// our click id in its sub-id parameter. Nothing in the request can choose the target.
#[utoipa::path(get, path = "/c/{token}", tag = "tracking", responses((status = 302), (status = 400)))]
async fn click_redirect(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    rate_limit(&state, &peer)?;
    let visit = visit(&state, &peer, &headers, None);
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

fn first_param(params: &HashMap<String, String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| params.get(*n))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who may post conversions and what they call our parameters: a network's settings, or
/// the server-wide ones for `/api/postback`.
struct PostbackRules<'a> {
    secret: Option<&'a str>,
    allow_ips: &'a [String],
    click_id: Vec<&'a str>,
    payout: Vec<&'a str>,
    transaction_id: Vec<&'a str>,
    status: Vec<&'a str>,
    secret_param: &'a str,
}

async fn accept_postback(
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
    state.postback_limiter.check_key(&peer.ip()).map_err(|not_until| {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let mut e = ApiError::too_many(wait.as_secs().max(1));
        e.body.message = "too many postbacks from this address".into();
        e
    })?;
    if method == Method::POST && !bytes.is_empty() {
        params.extend(serde_urlencoded_pairs(bytes));
    }
    let ip_ok = rules.allow_ips.is_empty() || rules.allow_ips.contains(&peer.ip().to_string());
    let secret_ok = match rules.secret {
        Some(secret) => first_param(&params, &[rules.secret_param])
            .is_some_and(|given| constant_time_eq(given.as_bytes(), secret.as_bytes())),
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
async fn postback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    Query(params): Query<HashMap<String, String>>,
    bytes: Bytes,
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
async fn network_postback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(name): Path<String>,
    method: Method,
    Query(params): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> Result<Json<PostbackOutcome>, ApiError> {
    let network = state
        .store
        .list_networks()
        .await?
        .into_iter()
        .find(|n| n.name == name)
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

/// Affiliate networks (no secrets in the answer: `has_secret` says whether one is set).
#[utoipa::path(get, path = "/api/networks", tag = "popups", responses((status = 200, body = [Network])))]
async fn list_networks(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<Network>>, ApiError> {
    user.require(Role::Editor)?;
    Ok(Json(state.store.list_networks().await?))
}

async fn save_network(state: &AppState, user: &ApiUser, id: Option<i64>, bytes: &Bytes) -> Result<Network, ApiError> {
    user.require(Role::Admin)?;
    let input: rules::NetworkInput = body(bytes)?;
    let stored_secret = match id {
        Some(id) => {
            state
                .store
                .list_networks()
                .await?
                .iter()
                .find(|n| n.id == id)
                .ok_or_else(|| ApiError::not_found(format!("network {id}")))?
                .has_secret
        }
        None => false,
    };
    let spec = input.validate(stored_secret).map_err(invalid)?;
    let saved = state.store.save_network(id, spec, state.clock.unix()).await?;
    audit(
        state,
        user,
        if id.is_some() {
            "network.update"
        } else {
            "network.create"
        },
        saved.name.clone(),
    )
    .await;
    Ok(saved)
}

/// Adds an affiliate network (admins): its postback URL is then `/api/postback/{name}`.
#[utoipa::path(post, path = "/api/networks", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 201, body = Network), (status = 422)))]
async fn create_network(State(state): State<AppState>, user: ApiUser, bytes: Bytes) -> Result<Response, ApiError> {
    let saved = save_network(&state, &user, None, &bytes).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Replaces a network's settings (admins); an empty secret keeps the stored one.
#[utoipa::path(put, path = "/api/networks/{id}", tag = "popups", request_body(content = Object, content_type = "application/json"), responses((status = 200, body = Network)))]
async fn update_network(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<Network>, ApiError> {
    Ok(Json(save_network(&state, &user, Some(id), &bytes).await?))
}

fn serde_urlencoded_pairs(bytes: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

// ---- Analytics -------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct AnalyticsParams {
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today, so today's events are in).
    to: Option<String>,
    /// `day` (default), `hour`, `offer`, `property`, `country` or `device`.
    group_by: Option<String>,
    offer_id: Option<i64>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

impl AnalyticsParams {
    pub(crate) fn new(from: Option<String>, to: Option<String>, group_by: &str) -> Self {
        AnalyticsParams {
            from,
            to,
            group_by: Some(group_by.into()),
            offer_id: None,
            format: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyticsLine {
    pub(crate) key: String,
    /// Offer name when grouped by offer, property code when grouped by property.
    pub(crate) label: Option<String>,
    pub(crate) impressions: i64,
    pub(crate) clicks: i64,
    pub(crate) ctr: Option<f64>,
    /// 95% Wilson interval of the CTR.
    pub(crate) ctr_low: Option<f64>,
    pub(crate) ctr_high: Option<f64>,
    pub(crate) conversions: i64,
    pub(crate) revenue_micros: i64,
    /// Revenue per thousand impressions (eCPM), micros.
    pub(crate) rpm_micros: Option<i64>,
    pub(crate) bot_hits: i64,
}

pub(crate) async fn analytics_lines(
    state: &AppState,
    property: Option<&Property>,
    params: &AnalyticsParams,
) -> Result<(String, String, Vec<AnalyticsLine>), ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let parse = |name: &str, value: &Option<String>| -> Result<Option<time::Date>, ApiError> {
        value
            .as_deref()
            .map(|text| {
                time::Date::parse(text, format).map_err(|_| ApiError::bad_parameter(name, "must be YYYY-MM-DD"))
            })
            .transpose()
    };
    let to = parse("to", &params.to)?.unwrap_or_else(|| state.clock.now().date());
    let from = parse("from", &params.from)?.unwrap_or(to - time::Duration::days(29));
    if from > to {
        return Err(ApiError::bad_parameter("from", "is after `to`"));
    }
    let group_by = match params.group_by.as_deref().unwrap_or("day") {
        "day" => AnalyticsGroup::Day,
        "hour" => AnalyticsGroup::Hour,
        "offer" => AnalyticsGroup::Offer,
        "property" => AnalyticsGroup::Property,
        "country" => AnalyticsGroup::Country,
        "device" => AnalyticsGroup::Device,
        _ => {
            return Err(ApiError::bad_parameter(
                "group_by",
                "use day, hour, offer, property, country or device",
            ))
        }
    };
    let rows = state
        .store
        .popup_analytics(AnalyticsFilter {
            property_id: property.map(|p| p.id),
            offer_id: params.offer_id,
            from: from.to_string(),
            to: to.to_string(),
            group_by,
        })
        .await?;
    let offers = state.store.list_offers().await?;
    let properties = state.store.list_properties().await?;
    let lines = rows
        .into_iter()
        .map(|r| {
            let label = match group_by {
                AnalyticsGroup::Offer => offers
                    .iter()
                    .find(|o| o.id.to_string() == r.key)
                    .map(|o| o.name.clone()),
                AnalyticsGroup::Property => properties
                    .iter()
                    .find(|p| p.id.to_string() == r.key)
                    .map(|p| p.code.clone()),
                _ => None,
            };
            let interval = rtbcat_core::shared::stats::wilson_interval(r.clicks, r.impressions);
            AnalyticsLine {
                label,
                ctr: (r.impressions > 0).then(|| r.clicks as f64 / r.impressions as f64),
                ctr_low: interval.map(|i| i.0),
                ctr_high: interval.map(|i| i.1),
                rpm_micros: rules::rpm_micros(r.revenue_micros, r.impressions),
                key: r.key,
                impressions: r.impressions,
                clicks: r.clicks,
                conversions: r.conversions,
                revenue_micros: r.revenue_micros,
                bot_hits: r.bot_hits,
            }
        })
        .collect();
    Ok((from.to_string(), to.to_string(), lines))
}

fn csv_field(text: &str) -> String {
    // Quote always; a leading =,+,-,@ is prefixed so spreadsheets do not run it as a formula.
    let safe = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

/// Impressions, clicks, CTR with its 95% interval, conversions, revenue and RPM for a
/// property (`all` for every property), grouped by day, hour, offer, property, country or
/// device. `format=csv` downloads the same as CSV.
#[utoipa::path(get, path = "/api/analytics/{property}", tag = "popups", params(AnalyticsParams), responses((status = 200, body = [AnalyticsLine])))]
async fn analytics(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(code): Path<String>,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    let property = if code == "all" {
        None
    } else {
        Some(find_property(&state, &code).await?)
    };
    let (from, to, lines) = analytics_lines(&state, property.as_ref(), &params).await?;
    if params.format.as_deref() == Some("csv") {
        let mut out =
            String::from("key,label,impressions,clicks,ctr,ctr_low,ctr_high,conversions,revenue,rpm,bot_hits\n");
        for l in &lines {
            let ratio = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_field(&l.key),
                csv_field(l.label.as_deref().unwrap_or("")),
                l.impressions,
                l.clicks,
                ratio(l.ctr),
                ratio(l.ctr_low),
                ratio(l.ctr_high),
                l.conversions,
                rtbcat_core::shared::money::format_micros(l.revenue_micros),
                l.rpm_micros
                    .map(rtbcat_core::shared::money::format_micros)
                    .unwrap_or_default(),
                l.bot_hits
            ));
        }
        let name = format!("rtbcat-popups-{code}-{from}-{to}.csv");
        let mut response = out.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        return Ok(response);
    }
    Ok(Json(lines).into_response())
}

// ---- The script ------------------------------------------------------------------------

const POPUP_JS: &str = include_str!("../assets/popup.js");

/// The script, gzipped once at first use.
fn popup_js_gzip() -> &'static [u8] {
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
struct ScriptParams {
    v: Option<String>,
}

async fn popup_script(Query(params): Query<ScriptParams>, headers: HeaderMap) -> Response {
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
