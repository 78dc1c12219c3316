//! Offer popups: the rules for properties and offers, choosing an offer, click-id
//! substitution, origin matching and the statistics the analytics show. Pure.

use crate::money::{format_micros, limits, parse_money_micros};
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

/// A property as submitted (API or form), before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PropertyInput {
    pub code: String,
    pub name: String,
    pub domains: Vec<String>,
    pub active: Option<bool>,
    pub popup_enabled: Option<bool>,
    pub popup_frequency: Option<String>,
    pub popup_placement: Option<String>,
    pub theme_primary: Option<String>,
    pub theme_accent: Option<String>,
    pub logo_url: Option<String>,
}

/// A property that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertySpec {
    pub code: String,
    pub name: String,
    pub domains: Vec<String>,
    pub active: bool,
    pub popup_enabled: bool,
    pub popup_frequency: Frequency,
    pub popup_placement: Placement,
    pub theme_primary: String,
    pub theme_accent: String,
    pub logo_url: Option<String>,
}

/// `mff`, `my-site`: lowercase letters, digits and dashes, 2–32 long, starting with a letter.
pub fn valid_property_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    (2..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// A domain as users paste it (`https://www.Example.com/`, `example.com:8080`) → `www.example.com`
/// / `example.com:8080`; None when it is not a host name.
pub fn normalize_domain(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_end_matches('/');
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed);
    let lower = without_scheme.to_ascii_lowercase();
    let (host, port) = match lower.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        _ => (lower.as_str(), None),
    };
    let labels_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !labels_ok {
        return None;
    }
    Some(match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Whether a browser `Origin` (`https://www.example.com`) belongs to one of a property's
/// domains: the domain itself or a subdomain of it; a domain with a port matches only that port.
pub fn origin_allowed(origin: &str, domains: &[String]) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let Some(origin_host) = normalize_domain(rest) else {
        return false;
    };
    let (host_only, origin_port) = match origin_host.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), Some(p.to_string())),
        None => (origin_host.clone(), None),
    };
    domains.iter().any(|domain| {
        let (domain_host, domain_port) = match domain.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (domain.as_str(), None),
        };
        let host_matches = host_only == domain_host || host_only.ends_with(&format!(".{domain_host}"));
        // Browsers leave the scheme's default port out of `Origin`. A domain without a port
        // means the site on its default port only: `example.com` must not also admit
        // whatever else answers on `example.com:8080`.
        let default_port = |port: Option<&str>| matches!(port, None | Some("80") | Some("443"));
        let port_matches = match domain_port {
            Some(port) => origin_port.as_deref() == Some(port) || (default_port(Some(port)) && origin_port.is_none()),
            None => default_port(origin_port.as_deref()),
        };
        host_matches && port_matches
    })
}

fn valid_colour(text: &str) -> bool {
    let hex = text.strip_prefix('#').unwrap_or("");
    (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
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

pub const DEFAULT_PRIMARY: &str = "#e6007e";
pub const DEFAULT_ACCENT: &str = "#1d4ed8";

impl PropertyInput {
    pub fn validate(&self) -> Result<PropertySpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.code.trim().to_string();
        if !valid_property_code(&code) {
            problem(
                &mut errors,
                "code",
                "use 2–32 lowercase letters, digits or dashes, starting with a letter (e.g. mff)",
            );
        }
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            problem(&mut errors, "name", "a name of 1–100 characters is required");
        }
        let mut domains = Vec::new();
        for (i, domain) in self.domains.iter().filter(|d| !d.trim().is_empty()).enumerate() {
            match normalize_domain(domain) {
                Some(d) if !domains.contains(&d) => domains.push(d),
                Some(_) => {}
                None => problem(
                    &mut errors,
                    &format!("domains[{i}]"),
                    format!("{:?} is not a domain name (e.g. modefreefinds.com)", domain.trim()),
                ),
            }
        }
        if domains.is_empty() && errors.iter().all(|e| !e.field.starts_with("domains")) {
            problem(
                &mut errors,
                "domains",
                "at least one domain is required: the popup answers only pages on these",
            );
        }
        let popup_frequency = match self.popup_frequency.as_deref().map(str::trim) {
            None | Some("") => Frequency::Session,
            Some(text) => Frequency::parse(text).unwrap_or_else(|| {
                problem(&mut errors, "popup_frequency", "use session, daily or always");
                Frequency::Session
            }),
        };
        let popup_placement = match self.popup_placement.as_deref().map(str::trim) {
            None | Some("") => Placement::ThankYou,
            Some(text) => Placement::parse(text).unwrap_or_else(|| {
                problem(&mut errors, "popup_placement", "use thankyou, exit-intent or timed");
                Placement::ThankYou
            }),
        };
        let mut colour = |field: &str, value: &Option<String>, default: &str| -> String {
            match value.as_deref().map(str::trim) {
                None | Some("") => default.to_string(),
                Some(text) if valid_colour(text) => text.to_ascii_lowercase(),
                Some(text) => {
                    problem(&mut errors, field, format!("{text:?} is not a colour like #e6007e"));
                    default.to_string()
                }
            }
        };
        let theme_primary = colour("theme_primary", &self.theme_primary, DEFAULT_PRIMARY);
        let theme_accent = colour("theme_accent", &self.theme_accent, DEFAULT_ACCENT);
        let logo_url = match self.logo_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match check_url(text) {
                Ok(url) => Some(url.to_string()),
                Err(reason) => {
                    problem(&mut errors, "logo_url", reason);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PropertySpec {
            code,
            name,
            domains,
            active: self.active.unwrap_or(true),
            popup_enabled: self.popup_enabled.unwrap_or(true),
            popup_frequency,
            popup_placement,
            theme_primary,
            theme_accent,
            logo_url,
        })
    }
}

/// An offer (the spec's campaign) as submitted, before validation. Money as text
/// (`"12.50"`, `"$1,234.50"`) or number, so a form and a JSON body read the same.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OfferInput {
    pub network_campaign_id: String,
    pub affiliate_id: String,
    pub name: String,
    pub display_title: String,
    pub tagline: Option<String>,
    pub description: String,
    pub cta_text: Option<String>,
    pub image_url: Option<String>,
    pub click_url: String,
    pub impression_pixel_url: Option<String>,
    pub payout: Option<serde_json::Value>,
    pub currency: Option<String>,
    pub active: Option<bool>,
    pub priority: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub daily_impression_cap: Option<i64>,
    pub daily_click_cap: Option<i64>,
    pub sub_id_param: Option<String>,
    pub notes: Option<String>,
    /// Property codes the offer runs on.
    pub properties: Vec<String>,
}

/// An offer that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferSpec {
    pub network_campaign_id: String,
    pub affiliate_id: String,
    pub name: String,
    pub display_title: String,
    pub tagline: Option<String>,
    pub description: String,
    pub cta_text: String,
    pub image_url: Option<String>,
    pub click_url: String,
    pub impression_pixel_url: Option<String>,
    pub payout_micros: i64,
    pub currency: String,
    pub active: bool,
    pub priority: i64,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub daily_impression_cap: Option<i64>,
    pub daily_click_cap: Option<i64>,
    pub sub_id_param: String,
    pub notes: Option<String>,
    pub properties: Vec<String>,
}

pub const DEFAULT_CTA: &str = "View Offer";
pub const DEFAULT_SUB_ID_PARAM: &str = "aff_sub";
/// The macro a click URL may carry where our click id goes, as TUNE writes its own.
pub const CLICK_ID_MACRO: &str = "{click_id}";

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

impl OfferInput {
    pub fn validate(&self) -> Result<OfferSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let network_campaign_id = text_field(&mut errors, "network_campaign_id", &self.network_campaign_id, 64, true);
        let affiliate_id = text_field(&mut errors, "affiliate_id", &self.affiliate_id, 64, true);
        let name = text_field(&mut errors, "name", &self.name, 120, true);
        let display_title = text_field(&mut errors, "display_title", &self.display_title, 80, true);
        let tagline = optional_text(&mut errors, "tagline", &self.tagline, 120);
        let description = text_field(&mut errors, "description", &self.description, 500, true);
        let cta_text = optional_text(&mut errors, "cta_text", &self.cta_text, 40).unwrap_or_else(|| DEFAULT_CTA.into());
        let mut url_field = |field: &str, value: Option<&str>, required: bool| -> Option<String> {
            match value.map(str::trim).filter(|t| !t.is_empty()) {
                None => {
                    if required {
                        problem(&mut errors, field, "required");
                    }
                    None
                }
                // The macro's braces are not URL characters; check the URL with it filled.
                Some(text) => match check_url(&text.replace(CLICK_ID_MACRO, "x")) {
                    Ok(_) => Some(text.to_string()),
                    Err(reason) => {
                        problem(&mut errors, field, reason);
                        None
                    }
                },
            }
        };
        let click_url = url_field("click_url", Some(&self.click_url), true).unwrap_or_default();
        let image_url = url_field("image_url", self.image_url.as_deref(), false);
        let impression_pixel_url = url_field("impression_pixel_url", self.impression_pixel_url.as_deref(), false);
        let payout_micros = match &self.payout {
            None | Some(serde_json::Value::Null) => 0,
            Some(serde_json::Value::Number(n)) => parse_money_micros(&n.to_string()).unwrap_or_else(|e| {
                problem(&mut errors, "payout", e.to_string());
                0
            }),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => 0,
            Some(serde_json::Value::String(s)) => parse_money_micros(s).unwrap_or_else(|e| {
                problem(&mut errors, "payout", e.to_string());
                0
            }),
            Some(_) => {
                problem(&mut errors, "payout", "an amount like 12.50 is expected");
                0
            }
        };
        if payout_micros < 0 {
            problem(&mut errors, "payout", "cannot be negative");
        }
        if payout_micros > limits::MAX_PAYOUT_MICROS {
            problem(
                &mut errors,
                "payout",
                format!("at most {} per conversion", format_micros(limits::MAX_PAYOUT_MICROS)),
            );
        }
        let currency = match self.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => "USD".to_string(),
            Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => c.to_ascii_uppercase(),
            Some(c) => {
                problem(
                    &mut errors,
                    "currency",
                    format!("{c:?} is not a three-letter code like USD"),
                );
                "USD".into()
            }
        };
        let priority = self.priority.unwrap_or(5);
        if !(1..=10).contains(&priority) {
            problem(
                &mut errors,
                "priority",
                "a whole number from 1 (rarely) to 10 (most often)",
            );
        }
        let start_date = parse_date(&mut errors, "start_date", &self.start_date);
        let end_date = parse_date(&mut errors, "end_date", &self.end_date);
        if let (Some(start), Some(end)) = (start_date, end_date) {
            if end < start {
                problem(&mut errors, "end_date", "ends before it starts");
            }
        }
        for (field, cap) in [
            ("daily_impression_cap", self.daily_impression_cap),
            ("daily_click_cap", self.daily_click_cap),
        ] {
            if cap.is_some_and(|c| c <= 0) {
                problem(&mut errors, field, "a positive number, or empty for no cap");
            }
            if cap.is_some_and(|c| c > limits::MAX_COUNT) {
                problem(&mut errors, field, format!("at most {} a day", limits::MAX_COUNT));
            }
        }
        let sub_id_param = match self.sub_id_param.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => DEFAULT_SUB_ID_PARAM.to_string(),
            Some(p) if p.len() <= 40 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') => {
                p.to_string()
            }
            Some(p) => {
                problem(
                    &mut errors,
                    "sub_id_param",
                    format!("{p:?} is not a query parameter name like aff_sub"),
                );
                DEFAULT_SUB_ID_PARAM.into()
            }
        };
        let notes = optional_text(&mut errors, "notes", &self.notes, 2000);
        let mut properties: Vec<String> = Vec::new();
        for code in &self.properties {
            let code = code.trim().to_string();
            if !valid_property_code(&code) {
                problem(&mut errors, "properties", format!("{code:?} is not a property code"));
            } else if !properties.contains(&code) {
                properties.push(code);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OfferSpec {
            network_campaign_id,
            affiliate_id,
            name,
            display_title,
            tagline,
            description,
            cta_text,
            image_url,
            click_url,
            impression_pixel_url,
            payout_micros,
            currency,
            active: self.active.unwrap_or(true),
            priority,
            start_date,
            end_date,
            daily_impression_cap: self.daily_impression_cap,
            daily_click_cap: self.daily_click_cap,
            sub_id_param,
            notes,
            properties,
        })
    }
}

/// An affiliate network's postback settings as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NetworkInput {
    pub name: String,
    /// Shared secret the network's postbacks carry; empty keeps the stored one on update.
    pub postback_secret: Option<String>,
    /// Addresses its postbacks come from; empty: any (then a secret is required).
    pub allow_ips: Vec<String>,
    /// The network's names for our parameters (TUNE: aff_sub, payout, transaction_id, status).
    pub click_id_param: Option<String>,
    pub payout_param: Option<String>,
    pub transaction_id_param: Option<String>,
    pub status_param: Option<String>,
    pub secret_param: Option<String>,
}

/// A network that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    pub name: String,
    pub postback_secret: Option<String>,
    pub allow_ips: Vec<String>,
    pub click_id_param: String,
    pub payout_param: String,
    pub transaction_id_param: String,
    pub status_param: String,
    pub secret_param: String,
}

fn valid_param_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl NetworkInput {
    /// `has_stored_secret`: on update, an empty secret keeps the stored one.
    pub fn validate(&self, has_stored_secret: bool) -> Result<NetworkSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_ascii_lowercase();
        if !valid_property_code(&name) {
            problem(
                &mut errors,
                "name",
                "use 2–32 lowercase letters, digits or dashes (e.g. tune)",
            );
        }
        let postback_secret = self.postback_secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if postback_secret.is_some_and(|s| s.chars().count() < 16) {
            problem(&mut errors, "postback_secret", "at least 16 characters");
        }
        let mut allow_ips = Vec::new();
        for ip in self.allow_ips.iter().map(|ip| ip.trim()).filter(|ip| !ip.is_empty()) {
            match ip.parse::<std::net::IpAddr>() {
                Ok(parsed) => allow_ips.push(parsed.to_string()),
                Err(_) => problem(&mut errors, "allow_ips", format!("{ip:?} is not an IP address")),
            }
        }
        if postback_secret.is_none() && !has_stored_secret && allow_ips.is_empty() {
            problem(
                &mut errors,
                "postback_secret",
                "set a secret, an IP allow-list or both: otherwise anyone could post conversions",
            );
        }
        let mut param = |field: &str, value: &Option<String>, default: &str| -> String {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => default.to_string(),
                Some(v) if valid_param_name(v) => v.to_string(),
                Some(v) => {
                    problem(&mut errors, field, format!("{v:?} is not a query parameter name"));
                    default.to_string()
                }
            }
        };
        let spec = NetworkSpec {
            click_id_param: param("click_id_param", &self.click_id_param, "click_id"),
            payout_param: param("payout_param", &self.payout_param, "payout"),
            transaction_id_param: param("transaction_id_param", &self.transaction_id_param, "transaction_id"),
            status_param: param("status_param", &self.status_param, "status"),
            secret_param: param("secret_param", &self.secret_param, "secret"),
            name,
            postback_secret: postback_secret.map(str::to_string),
            allow_ips,
        };
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(errors)
        }
    }
}

/// The offer's click URL with our click id where the network wants it: in place of the
/// `{click_id}` macro if the URL has one, else as the sub-id query parameter (replacing a
/// value already there). Only ever applied to a stored offer URL.
pub fn click_url_with_id(click_url: &str, sub_id_param: &str, click_id: &str) -> String {
    if click_url.contains(CLICK_ID_MACRO) {
        return click_url.replace(CLICK_ID_MACRO, click_id);
    }
    let Ok(mut url) = url::Url::parse(click_url) else {
        return click_url.to_string();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != sub_id_param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query.append_pair(sub_id_param, click_id);
    }
    url.to_string()
}

/// An offer the server may show, with what the choice needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub offer_id: i64,
    pub priority: i64,
}

/// Weighted by priority: an offer of priority 10 is shown ten times as often as one of 1.
/// `draw` is uniform in [0, 1). The one place the choice is made, so learning rotation and
/// A/B tests replace this function alone.
pub fn choose_offer(candidates: &[Candidate], draw: f64) -> Option<i64> {
    let total: i64 = candidates.iter().map(|c| c.priority.max(1)).sum();
    if total == 0 {
        return None;
    }
    let mut target = (draw.clamp(0.0, 1.0 - f64::EPSILON) * total as f64) as i64;
    for candidate in candidates {
        let weight = candidate.priority.max(1);
        if target < weight {
            return Some(candidate.offer_id);
        }
        target -= weight;
    }
    candidates.last().map(|c| c.offer_id)
}

/// Whether an offer may run on `today` by its dates.
pub fn within_dates(start: Option<Date>, end: Option<Date>, today: Date) -> bool {
    start.is_none_or(|s| s <= today) && end.is_none_or(|e| today <= e)
}

/// Wilson score 95% interval for a rate of `successes` in `trials`.
pub fn wilson_interval(successes: i64, trials: i64) -> Option<(f64, f64)> {
    if trials <= 0 {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let n = trials as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let margin = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - margin).max(0.0), (centre + margin).min(1.0)))
}

/// Revenue per thousand impressions, in micros.
pub fn rpm_micros(revenue_micros: i64, impressions: i64) -> Option<i64> {
    (impressions > 0)
        .then(|| i64::try_from(i128::from(revenue_micros) * 1000 / i128::from(impressions)).unwrap_or(i64::MAX))
}

/// Known bots, crawlers, headless browsers and link-preview fetchers, by user agent: the
/// `isbot` crate's list (kept in step with the widely used npm `isbot` patterns), plus the
/// link-preview fetchers it lets through. An empty user agent counts as a bot: browsers
/// always send one.
pub fn is_bot_user_agent(user_agent: &str) -> bool {
    static BOTS: std::sync::LazyLock<isbot::Bots> = std::sync::LazyLock::new(isbot::Bots::default);
    let ua = user_agent.trim();
    if ua.is_empty() {
        return true;
    }
    let lower = ua.to_ascii_lowercase();
    const PREVIEW_FETCHERS: &[&str] = &["whatsapp/", "telegrambot", "skypeuripreview", "viber", "snapchat"];
    PREVIEW_FETCHERS.iter().any(|marker| lower.contains(marker)) || BOTS.is_bot(ua)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn offer() -> OfferInput {
        OfferInput {
            network_campaign_id: "1234".into(),
            affiliate_id: "55".into(),
            name: "Sweepstakes US".into(),
            display_title: "Win a $500 gift card".into(),
            description: "Enter today.".into(),
            click_url: "https://track.example.com/aff_c?offer_id=1234&aff_id=55".into(),
            payout: Some(serde_json::json!("2.50")),
            properties: vec!["mff".into()],
            ..OfferInput::default()
        }
    }

    #[test]
    fn a_complete_offer_validates_with_defaults() {
        let spec = offer().validate().expect("valid");
        assert_eq!(spec.payout_micros, 2_500_000);
        assert_eq!((spec.cta_text.as_str(), spec.priority), ("View Offer", 5));
        assert_eq!((spec.currency.as_str(), spec.sub_id_param.as_str()), ("USD", "aff_sub"));
    }

    #[test]
    fn every_offer_rule_names_its_field() {
        type Change = Box<dyn Fn(&mut OfferInput)>;
        let cases: Vec<(&str, Change)> = vec![
            ("click_url", Box::new(|o| o.click_url = "javascript:alert(1)".into())),
            ("click_url", Box::new(|o| o.click_url = "ftp://x.example.com/".into())),
            ("click_url", Box::new(|o| o.click_url = String::new())),
            (
                "image_url",
                Box::new(|o| o.image_url = Some("data:image/png;base64,AA".into())),
            ),
            (
                "impression_pixel_url",
                Box::new(|o| o.impression_pixel_url = Some("not a url".into())),
            ),
            ("priority", Box::new(|o| o.priority = Some(11))),
            ("priority", Box::new(|o| o.priority = Some(0))),
            ("payout", Box::new(|o| o.payout = Some(serde_json::json!("-1")))),
            ("payout", Box::new(|o| o.payout = Some(serde_json::json!("lots")))),
            ("display_title", Box::new(|o| o.display_title = " ".into())),
            ("display_title", Box::new(|o| o.display_title = "x".repeat(81))),
            (
                "end_date",
                Box::new(|o| {
                    o.start_date = Some("2026-12-01".into());
                    o.end_date = Some("2026-11-01".into());
                }),
            ),
            ("start_date", Box::new(|o| o.start_date = Some("12/01/2026".into()))),
            ("daily_click_cap", Box::new(|o| o.daily_click_cap = Some(0))),
            ("currency", Box::new(|o| o.currency = Some("dollars".into()))),
            ("sub_id_param", Box::new(|o| o.sub_id_param = Some("a b".into()))),
            ("properties", Box::new(|o| o.properties = vec!["MFF!".into()])),
        ];
        for (field, change) in cases {
            let mut input = offer();
            change(&mut input);
            let errors = input.validate().expect_err(field);
            assert!(errors.iter().any(|e| e.field == field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn network_rules() {
        let input = NetworkInput {
            name: "tune".into(),
            postback_secret: Some("a-long-shared-secret".into()),
            click_id_param: Some("aff_sub".into()),
            ..NetworkInput::default()
        };
        let spec = input.validate(false).expect("valid");
        assert_eq!(
            (spec.click_id_param.as_str(), spec.payout_param.as_str()),
            ("aff_sub", "payout")
        );
        for (field, change) in [
            (
                "name",
                NetworkInput {
                    name: "TUNE net".into(),
                    ..input.clone()
                },
            ),
            (
                "postback_secret",
                NetworkInput {
                    postback_secret: Some("short".into()),
                    ..input.clone()
                },
            ),
            (
                "postback_secret",
                NetworkInput {
                    postback_secret: None,
                    ..input.clone()
                },
            ),
            (
                "allow_ips",
                NetworkInput {
                    allow_ips: vec!["10.0.0.300".into()],
                    ..input.clone()
                },
            ),
            (
                "payout_param",
                NetworkInput {
                    payout_param: Some("pay out".into()),
                    ..input.clone()
                },
            ),
        ] {
            let errors = change.validate(false).expect_err(field);
            assert!(errors.iter().any(|e| e.field == field), "{field}: {errors:?}");
        }
        let ips_only = NetworkInput {
            postback_secret: None,
            allow_ips: vec!["203.0.113.7".into()],
            ..input.clone()
        };
        assert!(ips_only.validate(false).is_ok(), "an allow-list alone is enough");
        let keep = NetworkInput {
            postback_secret: None,
            ..input
        };
        assert!(keep.validate(true).is_ok(), "an update may keep the stored secret");
    }

    #[test]
    fn property_rules() {
        let input = PropertyInput {
            code: "mff".into(),
            name: "ModeFreeFinds".into(),
            domains: vec!["https://www.ModeFreeFinds.com/".into(), "modefreefinds.com".into()],
            ..PropertyInput::default()
        };
        let spec = input.validate().expect("valid");
        assert_eq!(spec.domains, vec!["www.modefreefinds.com", "modefreefinds.com"]);
        assert_eq!(spec.popup_frequency, Frequency::Session);
        for (field, change) in [
            (
                "code",
                PropertyInput {
                    code: "M F".into(),
                    ..input.clone()
                },
            ),
            (
                "name",
                PropertyInput {
                    name: String::new(),
                    ..input.clone()
                },
            ),
            (
                "domains",
                PropertyInput {
                    domains: vec![],
                    ..input.clone()
                },
            ),
            (
                "domains[0]",
                PropertyInput {
                    domains: vec!["exa mple.com".into()],
                    ..input.clone()
                },
            ),
            (
                "popup_frequency",
                PropertyInput {
                    popup_frequency: Some("hourly".into()),
                    ..input.clone()
                },
            ),
            (
                "popup_placement",
                PropertyInput {
                    popup_placement: Some("top".into()),
                    ..input.clone()
                },
            ),
            (
                "theme_primary",
                PropertyInput {
                    theme_primary: Some("pink".into()),
                    ..input.clone()
                },
            ),
            (
                "logo_url",
                PropertyInput {
                    logo_url: Some("javascript:x".into()),
                    ..input.clone()
                },
            ),
        ] {
            let errors = change.validate().expect_err(field);
            assert!(errors.iter().any(|e| e.field == field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn origins_match_domains_and_subdomains_only() {
        let domains = vec!["modefreefinds.com".to_string(), "127.0.0.1:8080".to_string()];
        assert!(origin_allowed("https://modefreefinds.com", &domains));
        assert!(origin_allowed("https://www.modefreefinds.com", &domains));
        assert!(origin_allowed("http://127.0.0.1:8080", &domains));
        assert!(!origin_allowed("http://127.0.0.1:9090", &domains));
        assert!(!origin_allowed("https://evilmodefreefinds.com", &domains));
        assert!(!origin_allowed("https://modefreefinds.com.evil.io", &domains));
        assert!(!origin_allowed("null", &domains));
        // A domain without a port is the site on its default port, not every port.
        assert!(!origin_allowed("https://modefreefinds.com:8443", &domains));
        assert!(!origin_allowed("http://www.modefreefinds.com:8080", &domains));
        assert!(origin_allowed("https://modefreefinds.com:443", &domains));
    }

    #[test]
    fn click_id_goes_where_the_network_wants_it() {
        assert_eq!(
            click_url_with_id("https://t.example.com/aff_c?offer_id=1&aff_sub=old", "aff_sub", "abc"),
            "https://t.example.com/aff_c?offer_id=1&aff_sub=abc"
        );
        assert_eq!(
            click_url_with_id("https://t.example.com/c?o=1", "aff_click_id", "abc"),
            "https://t.example.com/c?o=1&aff_click_id=abc"
        );
        assert_eq!(
            click_url_with_id("https://t.example.com/c/{click_id}/go", "aff_sub", "abc"),
            "https://t.example.com/c/abc/go"
        );
    }

    #[test]
    fn choice_is_weighted_by_priority() {
        let candidates = [
            Candidate {
                offer_id: 1,
                priority: 1,
            },
            Candidate {
                offer_id: 2,
                priority: 9,
            },
        ];
        let picks: Vec<i64> = (0..100)
            .filter_map(|i| choose_offer(&candidates, f64::from(i) / 100.0))
            .collect();
        assert_eq!(picks.iter().filter(|&&id| id == 1).count(), 10);
        assert_eq!(picks.iter().filter(|&&id| id == 2).count(), 90);
        assert_eq!(choose_offer(&[], 0.5), None);
    }

    #[test]
    fn dates_bound_an_offer() {
        let today = date!(2026 - 11 - 22);
        assert!(within_dates(None, None, today));
        assert!(within_dates(Some(today), Some(today), today));
        assert!(!within_dates(Some(date!(2026 - 11 - 23)), None, today));
        assert!(!within_dates(None, Some(date!(2026 - 11 - 21)), today));
    }

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (low, high) = wilson_interval(50, 1000).expect("interval");
        assert!(low < 0.05 && 0.05 < high && low > 0.03 && high < 0.07, "{low} {high}");
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(rpm_micros(2_500_000, 1000), Some(2_500_000));
    }

    #[test]
    fn bots_are_recognised() {
        for ua in [
            "",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
            "facebookexternalhit/1.1",
            "curl/8.1.2",
            "Slackbot-LinkExpanding 1.0",
            "WhatsApp/2.23.20.0",
        ] {
            assert!(is_bot_user_agent(ua), "{ua}");
        }
        assert!(!is_bot_user_agent(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
        ));
    }
}
