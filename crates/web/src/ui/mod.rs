//! The design system every server-rendered page is built with: the page chrome (navigation,
//! user line, banners), one error page, headers (CSP), select options, and the components
//! in the submodules — number formatting, tables, charts.

pub(crate) mod chart;
pub(crate) mod format;
pub(crate) mod table;

use crate::assets::ASSET_VERSION;
use crate::error::ApiError;
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rtbcat_app::bidder::catalog::NamedCount;
use rtbcat_app::platform::accounts::User;
use rtbcat_core::platform::accounts::Role;

/// What base.html needs on every page: who is signed in, which navigation entry is
/// current, and the banners (errors, confirmations) shown above the content.
pub(crate) struct Chrome {
    pub(crate) asset_version: &'static str,
    pub(crate) user_email: String,
    pub(crate) user_role: &'static str,
    pub(crate) is_admin: bool,
    pub(crate) can_edit: bool,
    pub(crate) active: &'static str,
    pub(crate) banners: Vec<Banner>,
}

/// A message across the top of the content: `error` (red, role=alert) or `notice` (green).
pub(crate) struct Banner {
    pub(crate) kind: &'static str,
    pub(crate) text: String,
}

impl Chrome {
    pub(crate) fn new(user: &User, active: &'static str) -> Chrome {
        Chrome {
            asset_version: ASSET_VERSION,
            user_email: user.email.clone(),
            user_role: user.role.as_str(),
            is_admin: user.role.allows(Role::Admin),
            can_edit: user.role.allows(Role::Editor),
            active,
            banners: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.banners.push(Banner {
            kind: "error",
            text: text.into(),
        });
    }

    pub(crate) fn notice(&mut self, text: impl Into<String>) {
        self.banners.push(Banner {
            kind: "notice",
            text: text.into(),
        });
    }

    /// `?saved=…` after a form saved: say so, once, on the page the form led to.
    pub(crate) fn saved_notice(&mut self, saved: Option<&str>) {
        if let Some(what) = saved.filter(|w| !w.is_empty()) {
            let what: String = what.chars().take(120).collect();
            self.notice(format!("Saved: {what}."));
        }
    }
}

/// The one error page: the navigation stays, the message says what went wrong and where
/// to go next.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

pub(crate) fn error_page(user: &User, active: &'static str, err: ApiError) -> Response {
    let title = match err.status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "Check the address",
        _ => "Something went wrong",
    };
    let mut chrome = Chrome::new(user, active);
    chrome.error(capitalised(&err.body.message));
    let mut response = render(&ErrorPage {
        chrome,
        title: title.into(),
        message: err.body.message,
    });
    *response.status_mut() = err.status;
    response
}

/// `something failed` → `Something failed`, for messages shown as sentences.
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Text for HTML built outside templates (tables, charts): the five special characters.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

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

/// For what is not a page of its own (a preview frame, a fragment): the bare message.
pub(crate) fn bare_error(err: ApiError) -> Response {
    (err.status, err.body.message).into_response()
}

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
            label: format!("{} ({})", label(&c.name), format::count(c.count)),
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
