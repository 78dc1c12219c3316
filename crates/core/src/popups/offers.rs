//! Affiliate offers (the popup spec's "campaigns"): validation by field and the click URL.

use super::*;

/// An offer (the spec's campaign) as submitted, before validation. Money as text
/// (`"12.50"`, `"$1,234.50"`) or number, so a form and a JSON body read the same.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
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
    /// Per conversion, as text (`"2.50"`) or a number; required.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "2.50"))]
    pub payout: Option<serde_json::Value>,
    pub currency: Option<String>,
    pub active: Option<bool>,
    pub priority: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub daily_impression_cap: Option<i64>,
    pub daily_click_cap: Option<i64>,
    /// Impressions over the offer's whole life, after which it stops (empty: no cap).
    pub total_impression_cap: Option<i64>,
    /// Clicks over the offer's whole life, after which it stops (empty: no cap).
    pub total_click_cap: Option<i64>,
    /// Countries it is shown in, ISO codes or names (`US`, `Canada`); empty: everywhere.
    pub countries: Vec<String>,
    /// Devices it is shown on: `desktop`, `mobile`, `tablet`; empty: all.
    pub devices: Vec<String>,
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
    pub total_impression_cap: Option<i64>,
    pub total_click_cap: Option<i64>,
    /// ISO 3166 alpha-2 codes, upper case; empty: everywhere.
    pub countries: Vec<String>,
    /// Of [`DEVICES`]; empty: all.
    pub devices: Vec<String>,
    pub sub_id_param: String,
    pub notes: Option<String>,
    pub properties: Vec<String>,
}

/// The device classes serving tells apart (from the user agent).
pub const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];

pub const DEFAULT_CTA: &str = "View Offer";

pub const DEFAULT_SUB_ID_PARAM: &str = "aff_sub";

/// The macro a click URL may carry where our click id goes, as TUNE writes its own.
pub const CLICK_ID_MACRO: &str = "{click_id}";

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
        let payout_missing = || "is required: the network's payout per conversion (0 if it pays none)";
        let payout_micros = match &self.payout {
            None | Some(serde_json::Value::Null) => {
                problem(&mut errors, "payout", payout_missing());
                0
            }
            Some(serde_json::Value::Number(n)) => parse_money_micros(&n.to_string()).unwrap_or_else(|e| {
                problem(&mut errors, "payout", e.to_string());
                0
            }),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                problem(&mut errors, "payout", payout_missing());
                0
            }
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
            ("total_impression_cap", self.total_impression_cap),
            ("total_click_cap", self.total_click_cap),
        ] {
            if cap.is_some_and(|c| c <= 0) {
                problem(&mut errors, field, "a positive number, or empty for no cap");
            }
            if cap.is_some_and(|c| c > limits::MAX_COUNT) {
                problem(&mut errors, field, format!("at most {}", limits::MAX_COUNT));
            }
        }
        for (daily, total, daily_cap, total_cap) in [
            (
                "daily_impression_cap",
                "total_impression_cap",
                self.daily_impression_cap,
                self.total_impression_cap,
            ),
            (
                "daily_click_cap",
                "total_click_cap",
                self.daily_click_cap,
                self.total_click_cap,
            ),
        ] {
            if let (Some(d), Some(t)) = (daily_cap, total_cap) {
                if t < d {
                    problem(
                        &mut errors,
                        total,
                        format!("{t} is below the {daily} of {d}: the total would stop it first every time"),
                    );
                }
            }
        }
        let mut countries: Vec<String> = Vec::new();
        for text in self.countries.iter().filter(|c| !c.trim().is_empty()) {
            match crate::shared::country::country_code(text) {
                Some(code) if !countries.contains(&code) => countries.push(code),
                Some(_) => {}
                None => problem(
                    &mut errors,
                    "countries",
                    format!("{:?} is not a country (use ISO codes like US, CA, GB)", text.trim()),
                ),
            }
        }
        let mut devices: Vec<String> = Vec::new();
        for text in self.devices.iter().filter(|d| !d.trim().is_empty()) {
            let device = text.trim().to_ascii_lowercase();
            if !DEVICES.contains(&device.as_str()) {
                problem(
                    &mut errors,
                    "devices",
                    format!("{:?} is not a device: use desktop, mobile or tablet", text.trim()),
                );
            } else if !devices.contains(&device) {
                devices.push(device);
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
            total_impression_cap: self.total_impression_cap,
            total_click_cap: self.total_click_cap,
            countries,
            devices,
            sub_id_param,
            notes,
            properties,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(spec.countries.is_empty() && spec.devices.is_empty());
    }

    #[test]
    fn targeting_is_normalised() {
        let mut input = offer();
        input.countries = vec![" us".into(), "Canada".into(), "US".into(), "".into()];
        input.devices = vec!["Mobile".into(), "tablet".into(), "mobile".into()];
        let spec = input.validate().expect("valid");
        assert_eq!(spec.countries, vec!["US", "CA"]);
        assert_eq!(spec.devices, vec!["mobile", "tablet"]);
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
            ("payout", Box::new(|o| o.payout = Some(serde_json::json!("")))),
            ("payout", Box::new(|o| o.payout = None)),
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
            ("total_impression_cap", Box::new(|o| o.total_impression_cap = Some(-5))),
            (
                "total_click_cap",
                Box::new(|o| {
                    o.daily_click_cap = Some(100);
                    o.total_click_cap = Some(50);
                }),
            ),
            (
                "countries",
                Box::new(|o| o.countries = vec!["US".into(), "Atlantis".into()]),
            ),
            ("devices", Box::new(|o| o.devices = vec!["smart-tv".into()])),
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
}
