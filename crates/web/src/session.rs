//! Who is calling: bearer API tokens for scripts, session cookies for people.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use rtbcat_app::platform::accounts::User;
use rtbcat_app::Config;
use rtbcat_core::platform::accounts::Role;

pub const SESSION_COOKIE: &str = "rtbcat_session";

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn session_token(parts: &Parts) -> Option<String> {
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// How a caller proved who they are. Only cookie callers carry ambient credentials a
/// cross-site page could ride on, so only they face the origin check.
enum Credential {
    Bearer,
    Cookie,
}

async fn resolve(parts: &Parts, state: &AppState, allow_bearer: bool) -> Result<Option<(User, Credential)>, ApiError> {
    let now = state.clock.unix();
    if allow_bearer {
        if let Some(token) = bearer_token(&parts.headers) {
            // A bearer token that does not match is an error, not a fallback to cookies.
            let user = rtbcat_app::platform::accounts::api_token_user(&state.store, token, now)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            return Ok(Some((user, Credential::Bearer)));
        }
    }
    match session_token(parts) {
        Some(token) => Ok(rtbcat_app::platform::accounts::session_user(&state.store, &token, now)
            .await?
            .map(|user| (user, Credential::Cookie))),
        None => Ok(None),
    }
}

/// The caller of an API route; 401 JSON when there is none.
pub struct ApiUser(pub User);

impl ApiUser {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.0.role.allows(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(role.as_str()))
        }
    }
}

impl<S> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let (user, credential) = resolve(parts, &state, true).await?.ok_or_else(ApiError::unauthorized)?;
        // Only a known caller learns about the origin rule; strangers get the plain 401.
        if matches!(credential, Credential::Cookie) {
            check_same_origin(&parts.method, &parts.headers, &state.config)?;
        }
        Ok(ApiUser(user))
    }
}

/// The signed-in person viewing a page; a redirect to the login page when there is none.
pub struct PageUser(pub User);

pub enum PageRejection {
    Login { next: String },
    Error(ApiError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Login { next } => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Redirect::to(&target).into_response()
            }
            PageRejection::Error(err) => (err.status, err.body.message).into_response(),
        }
    }
}

impl<S> FromRequestParts<S> for PageUser
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        match resolve(parts, &state, false).await.map_err(PageRejection::Error)? {
            Some((user, _cookie)) => {
                check_same_origin(&parts.method, &parts.headers, &state.config).map_err(PageRejection::Error)?;
                Ok(PageUser(user))
            }
            None => Err(PageRejection::Login {
                next: parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| "/".to_string(), |p| p.to_string()),
            }),
        }
    }
}

/// Cookie-authenticated writes must come from our own pages: the browser's `Origin` (or
/// `Referer`) must be this server's origin — scheme, host and port — that is the configured
/// `public_url`, or else the Host header with `https` when cookies are `Secure`. Callers
/// decide who is exempt (bearer-token calls carry no ambient credentials); this is the
/// CSRF defence, together with SameSite cookies.
pub fn check_same_origin(method: &Method, headers: &HeaderMap, config: &Config) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let expected = match &config.public_url {
        Some(public) => Some(public.clone()),
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|host| rtbcat_core::platform::origin::expected_origin(host, config.secure_cookies)),
    };
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|h| h.to_str().ok())
        .and_then(rtbcat_core::platform::origin::origin_of_url);
    match (origin, expected) {
        (Some(origin), Some(expected)) if origin == expected => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "cross-site request refused (Origin is not this server's origin)",
        )),
    }
}
