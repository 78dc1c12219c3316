//! Signing in and out, and first-run setup.

//! Server-rendered pages: login, first-run setup, the creative catalog.

use crate::assets::ASSET_VERSION;
use crate::error::ApiError;
use crate::session::{check_same_origin, SESSION_COOKIE};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use std::net::SocketAddr;

/// After sign-in, only a path on this site (see `local_redirect`).
pub(crate) fn safe_next(next: &str) -> &str {
    rtbcat_core::platform::origin::local_redirect(next, "/app/creatives")
}

pub(crate) async fn home(State(state): State<AppState>, jar: CookieJar) -> Response {
    match rtbcat_app::platform::has_accounts(&state.store).await {
        Ok(false) => Redirect::to("/setup").into_response(),
        Ok(true) if jar.get(SESSION_COOKIE).is_some() => Redirect::to("/app").into_response(),
        Ok(true) => Redirect::to("/login").into_response(),
        Err(err) => bare_error(err.into()),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    asset_version: &'static str,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextParam {
    next: Option<String>,
}

pub(crate) async fn login_page(State(state): State<AppState>, Query(params): Query<NextParam>) -> Response {
    if matches!(rtbcat_app::platform::has_accounts(&state.store).await, Ok(false)) {
        return Redirect::to("/setup").into_response();
    }
    render(&LoginPage {
        asset_version: ASSET_VERSION,
        next: safe_next(params.next.as_deref().unwrap_or("/app/creatives")).to_string(),
        email: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub(crate) fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path("/")
        .max_age(time::Duration::hours(state.config.session_ttl_hours))
        .build()
}

pub(crate) async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref().unwrap_or("/app/creatives")).to_string();
    if let Err(seconds) = crate::over_limit(&state.login_limiter, peer.ip()) {
        let message = format!("Too many sign-in attempts. Try again in {seconds} seconds.");
        return refused_sign_in(next, form.email, message, Some(seconds));
    }
    if let Err(err) = origin_check(&state, &headers) {
        return bare_error(err);
    }
    match start_session(&state, &form.email, &form.password, state.clock.unix()).await {
        Ok(session) => (jar.add(session_cookie(&state, session.token)), Redirect::to(&next)).into_response(),
        Err(rtbcat_app::platform::accounts::AuthError::Locked { seconds }) => {
            let message = format!("Too many failed sign-ins for this account. Try again in {seconds} seconds.");
            refused_sign_in(next, form.email, message, Some(seconds))
        }
        Err(rtbcat_app::platform::accounts::AuthError::WrongCredentials) => {
            refused_sign_in(next, form.email, "Wrong email or password.".into(), None)
        }
        Err(err) => bare_error(err.into()),
    }
}

/// Checks the credentials and opens a session of the configured length.
async fn start_session(
    state: &AppState,
    email: &str,
    password: &str,
    now: i64,
) -> Result<rtbcat_app::platform::accounts::NewSession, rtbcat_app::platform::accounts::AuthError> {
    let ttl = state.config.session_ttl_hours * 3600;
    rtbcat_app::platform::accounts::login(&state.store, &state.login_guard, email, password, ttl, now).await
}

/// The sign-in form again with why it was refused: 401, or 429 with `Retry-After` when the
/// caller must wait.
fn refused_sign_in(next: String, email: String, message: String, wait_seconds: Option<u64>) -> Response {
    let mut response = render(&LoginPage {
        asset_version: ASSET_VERSION,
        next,
        email,
        error: Some(message),
    });
    *response.status_mut() = match wait_seconds {
        Some(_) => StatusCode::TOO_MANY_REQUESTS,
        None => StatusCode::UNAUTHORIZED,
    };
    if let Some(value) = wait_seconds.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Forms posted from our own pages only (CSRF defence for the pages without a session yet).
pub(crate) fn origin_check(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    check_same_origin(&axum::http::Method::POST, headers, &state.config)
}

pub(crate) async fn logout(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap) -> Response {
    if let Err(err) = origin_check(&state, &headers) {
        return bare_error(err);
    }
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        if let Err(err) = rtbcat_app::platform::accounts::logout(&state.store, cookie.value()).await {
            return bare_error(err.into());
        }
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "setup.html")]
pub(crate) struct SetupPage {
    asset_version: &'static str,
    email: String,
    token: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SetupParams {
    token: Option<String>,
}

/// Setup is open to a browser that reaches rtbcat by an address (127.0.0.1, [::1], a LAN
/// IP), `localhost` or the configured public URL, or that carries the one-time token
/// `rtbcat serve` prints. A page on another site whose name was rebound to this server (DNS
/// rebinding) has none of these, so it cannot create the first administrator.
pub(crate) fn setup_allowed(state: &AppState, headers: &HeaderMap, token: Option<&str>) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let public = state.config.public_url.as_ref().is_some_and(|public| {
        rtbcat_core::platform::origin::expected_origin(host, public.starts_with("https:")).as_deref()
            == Some(public.as_str())
    });
    rtbcat_core::platform::origin::host_is_address(host)
        || public
        || token.is_some_and(|t| state.setup_token_matches(t))
}

pub(crate) fn setup_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "First-run setup through a host name needs the one-time link that `rtbcat serve` printed \
         (/setup?token=…), or open rtbcat by its address (e.g. http://127.0.0.1:8000/setup).",
    )
        .into_response()
}

pub(crate) async fn setup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SetupParams>,
) -> Response {
    match rtbcat_app::platform::has_accounts(&state.store).await {
        Ok(false) if !setup_allowed(&state, &headers, params.token.as_deref()) => setup_refused(),
        Ok(false) => render(&SetupPage {
            asset_version: ASSET_VERSION,
            email: String::new(),
            token: params.token.unwrap_or_default(),
            error: None,
        }),
        Ok(true) => Redirect::to("/login").into_response(),
        Err(err) => bare_error(err.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    email: String,
    password: String,
    #[serde(default)]
    token: String,
}

pub(crate) async fn setup_submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if let Err(err) = origin_check(&state, &headers) {
        return bare_error(err);
    }
    if !setup_allowed(&state, &headers, Some(&form.token)) {
        return setup_refused();
    }
    let now = state.clock.unix();
    match rtbcat_app::platform::accounts::setup_first_admin(&state.store, &form.email, &form.password, now).await {
        Ok(_) => match start_session(&state, &form.email, &form.password, now).await {
            Ok(session) => (
                jar.add(session_cookie(&state, session.token)),
                // First run: the getting-started checklist, not an empty catalog.
                Redirect::to("/app/welcome"),
            )
                .into_response(),
            Err(err) => bare_error(err.into()),
        },
        Err(rtbcat_app::platform::accounts::AuthError::SetupDone) => Redirect::to("/login").into_response(),
        Err(rtbcat_app::platform::accounts::AuthError::Invalid { field, reason }) => {
            let mut response = render(&SetupPage {
                asset_version: ASSET_VERSION,
                email: form.email,
                token: form.token,
                error: Some(format!("The {field} {reason}.")),
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(err) => bare_error(err.into()),
    }
}

/// An e-mail, a password and a CSRF token are well under 1 KB; anyone may post to these
/// routes, so they take no more than this.
pub const SIGN_IN_BODY_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/setup", get(setup_page).post(setup_submit))
        .layer(axum::extract::DefaultBodyLimit::max(SIGN_IN_BODY_LIMIT))
}
