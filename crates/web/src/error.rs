//! One error type for the JSON API: `{error, message, details}` with the right status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rtbcat_app::bidder::catalog::ImportError;
use rtbcat_app::platform::accounts::AuthError;
use rtbcat_app::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `unauthorized`, `invalid_parameter`.
    pub error: &'static str,
    /// What went wrong, for a human.
    pub message: String,
    /// Per-field or per-element detail where there is any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
                details: None,
            },
            retry_after_seconds: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.body.details = Some(details);
        self
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in, or send Authorization: Bearer <API token>",
        )
    }

    pub fn forbidden(needed: &str) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs the {needed} role"),
        )
    }

    pub fn bad_parameter(name: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("`{name}` {reason}"),
        )
        .with_details(serde_json::json!({ "parameter": name, "reason": reason }))
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn too_many(retry_after_seconds: u64) -> Self {
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; try again in {retry_after_seconds} s"),
        );
        err.retry_after_seconds = Some(retry_after_seconds);
        err
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(what) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("{what} already exists"))
            }
            StoreError::Refused(why) => ApiError::new(StatusCode::CONFLICT, "refused", why),
            StoreError::UnstorableText(why) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_text",
                format!("the request holds text the database cannot store or search ({why}); remove NUL characters"),
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<rtbcat_app::popups::ChangeError> for ApiError {
    fn from(err: rtbcat_app::popups::ChangeError) -> Self {
        match err {
            rtbcat_app::popups::ChangeError::Invalid(errors) => invalid_fields(errors),
            rtbcat_app::popups::ChangeError::Store(store) => store.into(),
        }
    }
}

impl From<rtbcat_app::popups::analytics::AnalyticsError> for ApiError {
    fn from(err: rtbcat_app::popups::analytics::AnalyticsError) -> Self {
        match err {
            rtbcat_app::popups::analytics::AnalyticsError::BadParameter { name, reason } => {
                ApiError::bad_parameter(name, reason)
            }
            rtbcat_app::popups::analytics::AnalyticsError::Store(store) => store.into(),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Invalid { field, reason } => ApiError::bad_parameter(field, reason),
            AuthError::WrongCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "wrong_credentials", err.to_string())
            }
            AuthError::UnknownUser(_) => ApiError::not_found(err.to_string()),
            AuthError::SetupDone => ApiError::new(StatusCode::CONFLICT, "setup_done", err.to_string()),
            AuthError::Exists(_) => ApiError::new(StatusCode::CONFLICT, "conflict", err.to_string()),
            AuthError::Locked { seconds } => {
                let mut e = ApiError::too_many(seconds);
                e.body.message = err.to_string();
                e
            }
            AuthError::Store(store) => store.into(),
            AuthError::Hashing(_) => ApiError::internal(err),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(err: ImportError) -> Self {
        match err {
            ImportError::Invalid {
                errors, total_errors, ..
            } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_file",
                format!("{total_errors} invalid element(s); nothing was imported"),
            )
            .with_details(serde_json::json!({ "errors": errors, "total_errors": total_errors })),
            ImportError::Store(store) => store.into(),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", rejection.body_text())
    }
}

/// 422 naming every field that failed validation (`details.errors[].field`).
pub(crate) fn invalid_fields(errors: Vec<rtbcat_core::popups::FieldError>) -> ApiError {
    let message = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fields", message)
        .with_details(serde_json::json!({ "errors": errors }))
}

/// A JSON request body; a failure names the field it happened at.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // No field means a NUL character; PostgreSQL cannot store one and SQLite would keep it
    // where it confuses every later reader. Refused by field on both.
    if let Some(field) = nul_path(bytes) {
        let reason = "contains a NUL character";
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("{field}: {reason}"),
        )
        .with_details(serde_json::json!({ "errors": [{ "field": field, "reason": reason }] })));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.inner().to_string();
        // serde says "unknown field `payout_micros`, expected one of …" at the parent's
        // path: name the field itself, so a script sees which key it sent wrongly.
        let path = e.path().to_string();
        let field = match unknown_field(&inner) {
            Some(name) if path == "." => name.to_string(),
            Some(name) if !path.ends_with(name) => format!("{path}.{name}"),
            _ => path,
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("{field}: {inner}"),
        )
        .with_details(serde_json::json!({ "errors": [{ "field": field, "reason": inner }] }))
    })
}

/// The path (`name`, `arms[1].title`) of the first text in a JSON document that holds a
/// NUL character, as key or value. Only documents with a `\u0000` escape are parsed twice.
fn nul_path(bytes: &[u8]) -> Option<String> {
    use serde_json::Value;
    fn walk(value: &Value, path: &str) -> Option<String> {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            Value::String(text) if text.contains('\0') => Some(if path.is_empty() { ".".into() } else { path.into() }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            Value::Object(fields) => fields.iter().find_map(|(key, item)| {
                if key.contains('\0') {
                    Some(join(&key.replace('\0', "\\0")))
                } else {
                    walk(item, &join(key))
                }
            }),
            _ => None,
        }
    }
    if !bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return None;
    }
    walk(&serde_json::from_slice(bytes).ok()?, "")
}

fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}
