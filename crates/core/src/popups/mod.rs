//! The offer-popup wing's rules: what a property, an offer and an affiliate network may
//! be (validation by field), how the popup picks an offer, and what counts as a bot.

pub mod analytics;
pub mod experiments;
pub mod networks;
pub mod offers;
pub mod properties;
pub mod rotation;
pub mod serving;

pub use analytics::*;
pub use networks::*;
pub use offers::*;
pub use properties::*;
pub use serving::*;

use crate::shared::limits;
use crate::shared::money::{format_micros, parse_money_micros};
use serde::{Deserialize, Serialize};
use time::Date;

/// How often one visitor may see the popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    Session,
    Daily,
    Always,
}

impl Frequency {
    pub fn parse(text: &str) -> Option<Frequency> {
        Some(match text {
            "session" => Frequency::Session,
            "daily" => Frequency::Daily,
            "always" => Frequency::Always,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Session => "session",
            Frequency::Daily => "daily",
            Frequency::Always => "always",
        }
    }
}

/// When the popup opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    #[serde(rename = "thankyou")]
    ThankYou,
    #[serde(rename = "exit-intent")]
    ExitIntent,
    #[serde(rename = "timed")]
    Timed,
}

impl Placement {
    pub fn parse(text: &str) -> Option<Placement> {
        Some(match text {
            "thankyou" => Placement::ThankYou,
            "exit-intent" => Placement::ExitIntent,
            "timed" => Placement::Timed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Placement::ThankYou => "thankyou",
            Placement::ExitIntent => "exit-intent",
            Placement::Timed => "timed",
        }
    }
}

/// One problem with a submitted form or JSON body, named by its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

fn problem(errors: &mut Vec<FieldError>, field: &str, reason: impl Into<String>) {
    errors.push(FieldError {
        field: field.into(),
        reason: reason.into(),
    });
}

fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) -> String {
    let trimmed = value.trim().to_string();
    if required && trimmed.is_empty() {
        problem(errors, field, "required");
    } else if trimmed.chars().count() > max {
        problem(errors, field, format!("at most {max} characters"));
    }
    trimmed
}

fn optional_text(errors: &mut Vec<FieldError>, field: &str, value: &Option<String>, max: usize) -> Option<String> {
    let text = text_field(errors, field, value.as_deref().unwrap_or(""), max, false);
    (!text.is_empty()).then_some(text)
}

fn parse_date(errors: &mut Vec<FieldError>, field: &str, value: &Option<String>) -> Option<Date> {
    let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(text, format) {
        Ok(date) if (limits::EARLIEST_DATE..=limits::LATEST_DATE).contains(&date) => Some(date),
        Ok(date) => {
            problem(
                errors,
                field,
                format!("{date} is outside {} to {}", limits::EARLIEST_DATE, limits::LATEST_DATE),
            );
            None
        }
        Err(_) => {
            problem(errors, field, format!("{text:?} is not a date like 2026-11-30"));
            None
        }
    }
}

/// Checks an http(s) URL; the reason names what is wrong.
pub fn check_url(text: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(text.trim()).map_err(|e| format!("{:?} is not a URL ({e})", text.trim()))?;
    match parsed.scheme() {
        "https" | "http" => {}
        other => {
            return Err(format!(
                "URL scheme {other:?} is not allowed: use https:// (or http://)"
            ))
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    Ok(parsed)
}
