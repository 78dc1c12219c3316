//! Publisher properties: code, domains (and which browser origins they admit), theme.

use super::*;

/// A property as submitted (API or form), before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
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
    /// The offer shown when every offer of the property is capped, paused, out of its
    /// dates or not targeted at the visitor (empty: show nothing then).
    pub fallback_offer_id: Option<i64>,
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
    pub fallback_offer_id: Option<i64>,
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
        if self.fallback_offer_id.is_some_and(|id| id <= 0) {
            problem(&mut errors, "fallback_offer_id", "an offer id, or empty for none");
        }
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
            fallback_offer_id: self.fallback_offer_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
