//! What the popup routes share: JSON bodies read with the failing field named, 422 by
//! field, the audit line.

//! Offer popups over HTTP: the management API (properties, campaigns — the spec's name for
//! offers), the public tracking routes the popup script calls, postbacks, analytics and
//! the script itself.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::http::StatusCode;
use rtbcat_core::popups::FieldError;

pub(crate) fn invalid(errors: Vec<FieldError>) -> ApiError {
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
