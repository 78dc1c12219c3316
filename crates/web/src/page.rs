//! What every server-rendered page shares: headers (CSP), rendering, error pages, the
//! header's user line, select options, money.

//! Server-rendered pages: login, first-run setup, the creative catalog.

use crate::error::ApiError;
use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use rtbcat_app::bidder::catalog::NamedCount;
use rtbcat_app::platform::accounts::User;

/// Pages may load only our own scripts and styles; creative previews are framed from our
/// own origin; nobody may frame us.
pub(crate) const PAGE_CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                        script-src 'self'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// A creative's own markup runs in a sandbox: no scripts, no forms, no navigation, no
/// network but images, media and styles.
pub(crate) const PREVIEW_CSP: &str =
    "sandbox; default-src 'none'; img-src https: http: data:; media-src https: data:; \
                           style-src 'unsafe-inline' https:; font-src https: data:; frame-ancestors 'self'";

pub(crate) async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

pub(crate) fn page_error(err: ApiError) -> Response {
    (err.status, err.body.message).into_response()
}

// ---------------------------------------------------------------- catalog pages

pub(crate) struct SelectOption {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

pub(crate) fn options(
    counts: &[NamedCount],
    selected: &Option<String>,
    label: impl Fn(&str) -> String,
) -> Vec<SelectOption> {
    counts
        .iter()
        .map(|c| SelectOption {
            value: c.name.clone(),
            label: format!("{} ({})", label(&c.name), c.count),
            selected: selected.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&c.name)),
        })
        .collect()
}

pub(crate) fn fixed_options(choices: &[(&str, &str)], selected: Option<&str>, default: &str) -> Vec<SelectOption> {
    let selected = selected.filter(|s| !s.is_empty()).unwrap_or(default);
    choices
        .iter()
        .map(|(value, label)| SelectOption {
            value: value.to_string(),
            label: label.to_string(),
            selected: *value == selected,
        })
        .collect()
}

pub(crate) fn money(micros: Option<i64>) -> String {
    micros.map_or_else(
        || "—".into(),
        |m| format!("${}", rtbcat_core::shared::money::format_micros(m)),
    )
}

pub(crate) fn user_header(user: &User) -> (String, &'static str) {
    (user.email.clone(), user.role.as_str())
}
