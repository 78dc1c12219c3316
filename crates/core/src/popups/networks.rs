//! Affiliate networks: postback secret, address allow-list and parameter names.

use super::*;

/// An affiliate network's postback settings as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
