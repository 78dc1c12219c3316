//! Creatives as the Real-time Bidding API v1 returns them, and their normalised form.
//!
//! Import accepts what `creatives.list` with `view=FULL` returns (int64s as JSON strings,
//! fields we do not know ignored), checks it, and derives the fields the catalog filters on.
//! The raw JSON is kept beside the derived fields so normalisation can be re-run.

use crate::bidder::catalog::destination::{self, Destination};
use crate::bidder::catalog::size::{self, CanonicalSize, SizeContext};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The creative formats of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreativeFormat {
    Html,
    Video,
    Native,
    #[serde(rename = "CREATIVE_FORMAT_UNSPECIFIED")]
    Unspecified,
}

impl CreativeFormat {
    pub const ALL: [CreativeFormat; 4] = [
        CreativeFormat::Html,
        CreativeFormat::Video,
        CreativeFormat::Native,
        CreativeFormat::Unspecified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CreativeFormat::Html => "HTML",
            CreativeFormat::Video => "VIDEO",
            CreativeFormat::Native => "NATIVE",
            CreativeFormat::Unspecified => "CREATIVE_FORMAT_UNSPECIFIED",
        }
    }

    /// Accepts the API spelling and the lower-case one users type in filters.
    pub fn parse(text: &str) -> Option<CreativeFormat> {
        let upper = text.trim().to_ascii_uppercase();
        CreativeFormat::ALL.into_iter().find(|f| f.as_str() == upper)
    }
}

/// Approval status of one policy context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyStatus {
    StatusUnspecified,
    PendingReview,
    Disapproved,
    Approved,
    CertificateRequired,
}

impl PolicyStatus {
    pub const ALL: [PolicyStatus; 5] = [
        PolicyStatus::Approved,
        PolicyStatus::Disapproved,
        PolicyStatus::PendingReview,
        PolicyStatus::CertificateRequired,
        PolicyStatus::StatusUnspecified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStatus::StatusUnspecified => "STATUS_UNSPECIFIED",
            PolicyStatus::PendingReview => "PENDING_REVIEW",
            PolicyStatus::Disapproved => "DISAPPROVED",
            PolicyStatus::Approved => "APPROVED",
            PolicyStatus::CertificateRequired => "CERTIFICATE_REQUIRED",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyStatus> {
        let upper = text.trim().to_ascii_uppercase();
        PolicyStatus::ALL.into_iter().find(|s| s.as_str() == upper)
    }
}

// ---------------------------------------------------------------- API shape

/// `int64` fields arrive as JSON strings; some tools write numbers. Accept both.
fn flexible_u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flexible {
        Number(u32),
        Text(String),
    }
    match Option::<Flexible>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Flexible::Number(n)) => Ok(Some(n)),
        Some(Flexible::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Flexible::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a non-negative integer, got {t:?}"))),
    }
}

fn flexible_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flexible {
        Number(i64),
        Text(String),
    }
    Ok(Option::<Flexible>::deserialize(deserializer)?.map(|f| match f {
        Flexible::Number(n) => n.to_string(),
        Flexible::Text(t) => t,
    }))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiCreative {
    /// `buyers/{buyerAccountId}/creatives/{creativeId}`
    pub name: Option<String>,
    #[serde(default, deserialize_with = "flexible_string")]
    pub account_id: Option<String>,
    pub creative_id: Option<String>,
    pub advertiser_name: Option<String>,
    pub creative_format: Option<CreativeFormat>,
    #[serde(default)]
    pub declared_click_through_urls: Vec<String>,
    pub html: Option<HtmlContent>,
    pub video: Option<VideoContent>,
    pub native: Option<NativeContent>,
    pub creative_serving_decision: Option<ServingDecision>,
    pub api_update_time: Option<String>,
    #[serde(default, deserialize_with = "flexible_string")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HtmlContent {
    pub snippet: Option<String>,
    #[serde(default, deserialize_with = "flexible_u32")]
    pub width: Option<u32>,
    #[serde(default, deserialize_with = "flexible_u32")]
    pub height: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoContent {
    pub video_url: Option<String>,
    pub video_vast_xml: Option<String>,
    pub video_metadata: Option<VideoMetadata>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoMetadata {
    /// Google Duration: `"15s"`, `"30.5s"`.
    pub duration: Option<String>,
    pub vast_version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeContent {
    pub headline: Option<String>,
    pub body: Option<String>,
    pub call_to_action: Option<String>,
    pub advertiser_name: Option<String>,
    pub image: Option<Image>,
    pub logo: Option<Image>,
    pub app_icon: Option<Image>,
    pub click_link_url: Option<String>,
    pub video_url: Option<String>,
    pub video_vast_xml: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub url: Option<String>,
    #[serde(default, deserialize_with = "flexible_u32")]
    pub width: Option<u32>,
    #[serde(default, deserialize_with = "flexible_u32")]
    pub height: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServingDecision {
    pub network_policy_compliance: Option<PolicyCompliance>,
    pub platform_policy_compliance: Option<PolicyCompliance>,
    pub deals_policy_compliance: Option<PolicyCompliance>,
    pub china_policy_compliance: Option<PolicyCompliance>,
    pub russia_policy_compliance: Option<PolicyCompliance>,
    #[serde(default)]
    pub detected_languages: Vec<String>,
    #[serde(default)]
    pub detected_advertisers: Vec<DetectedAdvertiser>,
    #[serde(default)]
    pub detected_click_through_urls: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyCompliance {
    pub status: Option<PolicyStatus>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectedAdvertiser {
    pub advertiser_name: Option<String>,
}

// ---------------------------------------------------------------- parsing

/// What is wrong with one element of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("creative #{index}{}: field `{field}`: {reason}", creative_id.as_ref().map(|id| format!(" ({id})")).unwrap_or_default())]
pub struct CreativeError {
    /// 1-based position in the file (element of the array, or line of NDJSON).
    pub index: usize,
    pub creative_id: Option<String>,
    pub field: String,
    pub reason: String,
}

/// One creative read from the API JSON, with its raw form kept.
#[derive(Debug, Clone)]
pub struct ParsedCreative {
    pub api: ApiCreative,
    pub raw: serde_json::Value,
}

/// Read one element: deserialise it (naming the field path on failure) and check what the
/// catalog needs.
pub fn parse_api_creative(index: usize, raw: serde_json::Value) -> Result<ParsedCreative, CreativeError> {
    // Name the creative in errors even when the element fails to deserialise.
    let creative_id_hint = raw
        .get("creativeId")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| {
            raw.get("name")
                .and_then(|v| v.as_str())
                .and_then(|name| parse_resource_name(name).ok())
                .map(|(_, id)| id)
        });
    let api: ApiCreative = serde_path_to_error::deserialize(&raw).map_err(|err| {
        let path = err.path().to_string();
        CreativeError {
            index,
            creative_id: creative_id_hint.clone(),
            field: if path == "." { "(element)".into() } else { path },
            reason: err.into_inner().to_string(),
        }
    })?;
    let error = |field: &str, reason: String| CreativeError {
        index,
        creative_id: creative_id_hint.clone(),
        field: field.into(),
        reason,
    };
    let resource = api
        .name
        .as_deref()
        .map(parse_resource_name)
        .transpose()
        .map_err(|r| error("name", r))?;
    let creative_id = api
        .creative_id
        .clone()
        .or_else(|| resource.as_ref().map(|r| r.1.clone()));
    match creative_id.as_deref() {
        None => return Err(error("creativeId", "missing (and no `name` to take it from)".into())),
        Some(id) if id.trim().is_empty() => return Err(error("creativeId", "is empty".into())),
        Some(id) if id.len() > 256 => return Err(error("creativeId", "is longer than 256 characters".into())),
        Some(_) => {}
    }
    if let (Some(declared), Some((_, from_name))) = (&api.creative_id, &resource) {
        if declared != from_name {
            return Err(error(
                "creativeId",
                format!(
                    "{declared:?} does not match name {:?}",
                    api.name.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    if resource.is_none() && api.account_id.is_none() {
        return Err(error(
            "name",
            "missing: neither `name` (buyers/{buyer}/creatives/{id}) nor `accountId` names the seat".into(),
        ));
    }
    for (i, url) in api.declared_click_through_urls.iter().enumerate() {
        if url.trim().is_empty() {
            return Err(error(&format!("declaredClickThroughUrls[{i}]"), "is empty".into()));
        }
    }
    Ok(ParsedCreative { api, raw })
}

/// `buyers/123/creatives/abc` → ("123", "abc"); `bidders/…` resources too.
fn parse_resource_name(name: &str) -> Result<(String, String), String> {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [kind, account, "creatives", id]
            if (*kind == "buyers" || *kind == "bidders") && !account.is_empty() && !id.is_empty() =>
        {
            Ok((account.to_string(), id.to_string()))
        }
        _ => Err(format!(
            "{name:?} is not of the form buyers/{{accountId}}/creatives/{{creativeId}}"
        )),
    }
}

/// Split an import file into elements: a `creatives.list` response
/// (`{"creatives":[…],"nextPageToken":…}`), a JSON array, a single creative, or NDJSON.
pub fn split_import_document(text: &str) -> Result<Vec<serde_json::Value>, CreativeError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let file_error = |reason: String| CreativeError {
        index: 0,
        creative_id: None,
        field: "(file)".into(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(file_error("the file is empty".into()));
    }
    let whole: Result<serde_json::Value, _> = serde_json::from_str(trimmed);
    match whole {
        Ok(serde_json::Value::Array(items)) => Ok(items),
        Ok(serde_json::Value::Object(mut map)) => {
            if let Some(list) = map.remove("creatives") {
                match list {
                    serde_json::Value::Array(items) => Ok(items),
                    _ => Err(file_error("`creatives` is not an array".into())),
                }
            } else if map.contains_key("creativeId") || map.contains_key("name") {
                Ok(vec![serde_json::Value::Object(map)])
            } else if map.is_empty() {
                // `creatives.list` answers `{}` when a buyer has no creatives.
                Ok(Vec::new())
            } else {
                Err(file_error(
                    "a JSON object without `creatives`: expected a creatives.list response, an array, or NDJSON".into(),
                ))
            }
        }
        Ok(_) => Err(file_error(
            "expected a JSON object, an array of creatives, or NDJSON".into(),
        )),
        Err(whole_error) => {
            // Not one JSON document: try one creative per line.
            let mut items = Vec::new();
            for (line_no, line) in trimmed.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let value = serde_json::from_str(line).map_err(|e| CreativeError {
                    index: line_no + 1,
                    creative_id: None,
                    field: "(line)".into(),
                    reason: if line_no == 0 {
                        format!("not valid JSON ({whole_error}) nor NDJSON: {e}")
                    } else {
                        format!("line {} is not valid JSON: {e}", line_no + 1)
                    },
                })?;
                items.push(value);
            }
            Ok(items)
        }
    }
}

// ---------------------------------------------------------------- normalised form

/// Everything the catalog stores and filters on, derived from the API JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NormalizedCreative {
    pub seat_id: String,
    pub creative_id: String,
    pub resource_name: String,
    pub format: CreativeFormat,
    pub advertiser: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: CanonicalSize,
    /// The summary status: the network (open auction) context, else the first context set.
    pub status: PolicyStatus,
    /// Status per policy context: network, platform, deals, china, russia.
    pub policy_statuses: BTreeMap<String, PolicyStatus>,
    pub languages: Vec<String>,
    pub declared_click_urls: Vec<String>,
    pub destinations: Vec<Destination>,
    /// `None` where Google requires no macro (native).
    pub has_click_macro: Option<bool>,
    pub html_snippet: Option<String>,
    pub vast_xml: Option<String>,
    pub video_url: Option<String>,
    pub video_duration_seconds: Option<f64>,
    pub native_headline: Option<String>,
    pub native_body: Option<String>,
    pub native_call_to_action: Option<String>,
    pub native_image_url: Option<String>,
    pub native_logo_url: Option<String>,
    pub google_buyers_url: String,
    pub api_update_time: Option<String>,
}

impl NormalizedCreative {
    pub fn primary_destination(&self) -> Option<&Destination> {
        self.destinations
            .iter()
            .find(|d| d.is_app())
            .or_else(|| self.destinations.first())
    }
}

/// Link template for the Authorized Buyers UI; `{seat}` and `{creative_id}` are filled in.
pub const DEFAULT_BUYERS_UI_TEMPLATE: &str =
    "https://authorizedbuyers.google.com/#/buyers/{seat}/creatives/{creative_id}";

/// Derive the normalised creative. `buyers_ui_template` builds `google_buyers_url`.
pub fn normalize(parsed: &ParsedCreative, buyers_ui_template: &str) -> NormalizedCreative {
    let api = &parsed.api;
    let resource = api.name.as_deref().and_then(|n| parse_resource_name(n).ok());
    let seat_id = resource
        .as_ref()
        .map(|r| r.0.clone())
        .or_else(|| api.account_id.clone())
        .unwrap_or_default();
    let creative_id = api
        .creative_id
        .clone()
        .or_else(|| resource.as_ref().map(|r| r.1.clone()))
        .unwrap_or_default();
    let format = api.creative_format.unwrap_or_else(|| {
        if api.html.is_some() {
            CreativeFormat::Html
        } else if api.video.is_some() {
            CreativeFormat::Video
        } else if api.native.is_some() {
            CreativeFormat::Native
        } else {
            CreativeFormat::Unspecified
        }
    });

    let html_snippet = api.html.as_ref().and_then(|h| h.snippet.clone());
    let vast_xml = api
        .video
        .as_ref()
        .and_then(|v| v.video_vast_xml.clone())
        .or_else(|| api.native.as_ref().and_then(|n| n.video_vast_xml.clone()));
    let (width, height) = match format {
        CreativeFormat::Html => (
            api.html.as_ref().and_then(|h| h.width),
            api.html.as_ref().and_then(|h| h.height),
        ),
        CreativeFormat::Video => vast_xml.as_deref().map(vast_media_dimensions).unwrap_or((None, None)),
        CreativeFormat::Native => (
            api.native.as_ref().and_then(|n| n.image.as_ref()).and_then(|i| i.width),
            api.native
                .as_ref()
                .and_then(|n| n.image.as_ref())
                .and_then(|i| i.height),
        ),
        CreativeFormat::Unspecified => (None, None),
    };
    let size_context = match format {
        CreativeFormat::Video => SizeContext::Video,
        CreativeFormat::Native => SizeContext::Native,
        _ => SizeContext::Display,
    };
    let size = size::canonicalize(size_context, width, height);

    let mut click_urls: Vec<String> = api.declared_click_through_urls.clone();
    if let Some(snippet) = &html_snippet {
        click_urls.extend(destination::html_click_urls(snippet));
    }
    if let Some(vast) = &vast_xml {
        click_urls.extend(destination::vast_click_urls(vast));
    }
    if let Some(link) = api.native.as_ref().and_then(|n| n.click_link_url.clone()) {
        click_urls.push(link);
    }
    if let Some(decision) = &api.creative_serving_decision {
        click_urls.extend(decision.detected_click_through_urls.iter().cloned());
    }
    let mut destinations: Vec<Destination> = Vec::new();
    for url in &click_urls {
        if let Some(d) = destination::parse_destination(url) {
            if !destinations.iter().any(|known| known.final_url == d.final_url) {
                destinations.push(d);
            }
        }
    }

    let has_click_macro = match format {
        CreativeFormat::Html => Some(html_snippet.as_deref().is_some_and(destination::has_click_macro)),
        CreativeFormat::Video => Some(vast_xml.as_deref().is_some_and(destination::has_click_macro)),
        _ => None,
    };

    let mut policy_statuses = BTreeMap::new();
    if let Some(decision) = &api.creative_serving_decision {
        for (context, compliance) in [
            ("network", &decision.network_policy_compliance),
            ("platform", &decision.platform_policy_compliance),
            ("deals", &decision.deals_policy_compliance),
            ("china", &decision.china_policy_compliance),
            ("russia", &decision.russia_policy_compliance),
        ] {
            if let Some(status) = compliance.as_ref().and_then(|c| c.status) {
                policy_statuses.insert(context.to_string(), status);
            }
        }
    }
    let status = ["network", "platform", "deals"]
        .iter()
        .find_map(|c| policy_statuses.get(*c).copied())
        .unwrap_or(PolicyStatus::StatusUnspecified);

    let decision = api.creative_serving_decision.as_ref();
    let mut languages: Vec<String> = decision.map(|d| d.detected_languages.clone()).unwrap_or_default();
    languages.sort();
    languages.dedup();
    let advertiser = api
        .advertiser_name
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| api.native.as_ref().and_then(|n| n.advertiser_name.clone()))
        .or_else(|| decision.and_then(|d| d.detected_advertisers.iter().find_map(|a| a.advertiser_name.clone())));

    let native = api.native.as_ref();
    NormalizedCreative {
        google_buyers_url: buyers_ui_template
            .replace("{seat}", &seat_id)
            .replace("{creative_id}", &creative_id),
        resource_name: api
            .name
            .clone()
            .unwrap_or_else(|| format!("buyers/{seat_id}/creatives/{creative_id}")),
        seat_id,
        creative_id,
        format,
        advertiser,
        width,
        height,
        size,
        status,
        policy_statuses,
        languages,
        declared_click_urls: api.declared_click_through_urls.clone(),
        destinations,
        has_click_macro,
        html_snippet,
        video_url: api.video.as_ref().and_then(|v| v.video_url.clone()),
        video_duration_seconds: api
            .video
            .as_ref()
            .and_then(|v| v.video_metadata.as_ref())
            .and_then(|m| m.duration.as_deref())
            .and_then(parse_google_duration),
        vast_xml,
        native_headline: native.and_then(|n| n.headline.clone()),
        native_body: native.and_then(|n| n.body.clone()),
        native_call_to_action: native.and_then(|n| n.call_to_action.clone()),
        native_image_url: native.and_then(|n| n.image.as_ref()).and_then(|i| i.url.clone()),
        native_logo_url: native
            .and_then(|n| n.logo.as_ref().or(n.app_icon.as_ref()))
            .and_then(|i| i.url.clone()),
        api_update_time: api.api_update_time.clone(),
    }
}

/// `"15s"` / `"30.500s"` → seconds.
pub fn parse_google_duration(text: &str) -> Option<f64> {
    text.trim()
        .strip_suffix('s')?
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
}

/// Width and height of the first `<MediaFile>` in a VAST document.
pub fn vast_media_dimensions(vast: &str) -> (Option<u32>, Option<u32>) {
    let lower = vast.to_ascii_lowercase();
    // `<MediaFiles>` wraps the `<MediaFile …>` elements; skip the wrapper.
    let start = lower
        .match_indices("<mediafile")
        .map(|(i, _)| i)
        .find(|&i| lower[i + "<mediafile".len()..].starts_with(|c: char| c.is_whitespace() || c == '>'));
    let Some(start) = start else { return (None, None) };
    let end = lower[start..].find('>').map_or(lower.len(), |i| start + i);
    let tag = &lower[start..end];
    let attribute = |name: &str| -> Option<u32> {
        let needle = format!(" {name}=");
        let pos = tag.find(&needle)? + needle.len();
        let rest = tag[pos..].trim_start_matches(['"', '\'']);
        rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    (attribute("width"), attribute("height"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<NormalizedCreative, CreativeError> {
        parse_api_creative(1, value).map(|p| normalize(&p, DEFAULT_BUYERS_UI_TEMPLATE))
    }

    #[test]
    fn html_creative_from_api_json() {
        let creative = parse(json!({
            "name": "buyers/1234567/creatives/79783",
            "accountId": "1234567",
            "creativeId": "79783",
            "advertiserName": "Puzzle Blocks",
            "creativeFormat": "HTML",
            "declaredClickThroughUrls": ["https://play.google.com/store/apps/details?id=com.puzzle.blocks"],
            "html": {"snippet": "<a href=\"%%CLICK_URL_UNESC%%https://play.google.com/store/apps/details?id=com.puzzle.blocks\">x</a>", "width": "298", "height": 250},
            "creativeServingDecision": {
                "networkPolicyCompliance": {"status": "APPROVED"},
                "chinaPolicyCompliance": {"status": "DISAPPROVED"},
                "detectedLanguages": ["pt", "en", "pt"]
            },
            "someFutureField": {"ignored": true},
            "version": 3
        }))
        .expect("valid creative");
        assert_eq!(creative.seat_id, "1234567");
        assert_eq!(creative.creative_id, "79783");
        assert_eq!(creative.format, CreativeFormat::Html);
        assert_eq!((creative.width, creative.height), (Some(298), Some(250)));
        assert_eq!(creative.size.label, "300x250");
        assert!(creative.size.snapped);
        assert_eq!(creative.status, PolicyStatus::Approved);
        assert_eq!(creative.policy_statuses.get("china"), Some(&PolicyStatus::Disapproved));
        assert_eq!(creative.languages, vec!["en".to_string(), "pt".to_string()]);
        assert_eq!(creative.has_click_macro, Some(true));
        assert_eq!(creative.destinations.len(), 1);
        assert_eq!(
            creative.primary_destination().and_then(|d| d.app_id.clone()).as_deref(),
            Some("com.puzzle.blocks")
        );
        assert!(creative.google_buyers_url.contains("1234567") && creative.google_buyers_url.contains("79783"));
    }

    #[test]
    fn video_size_from_vast_and_missing_macro() {
        let creative = parse(json!({
            "name": "buyers/1/creatives/v1",
            "creativeFormat": "VIDEO",
            "video": {
                "videoVastXml": "<VAST><MediaFile delivery=\"progressive\" width=\"1080\" height=\"1920\"><![CDATA[https://cdn.x.com/v.mp4]]></MediaFile><ClickThrough>https://www.example.com/</ClickThrough></VAST>",
                "videoMetadata": {"duration": "15.5s"}
            }
        }))
        .expect("valid");
        assert_eq!(creative.size.label, "video 9:16");
        assert_eq!(creative.has_click_macro, Some(false));
        assert_eq!(creative.video_duration_seconds, Some(15.5));
        assert_eq!(creative.destinations[0].domain.as_deref(), Some("example.com"));
    }

    #[test]
    fn vast_dimensions_skip_the_media_files_wrapper() {
        let vast = "<VAST><MediaFiles>\n<MediaFile type=\"video/mp4\" width='640' height=\"480\">x</MediaFile></MediaFiles></VAST>";
        assert_eq!(vast_media_dimensions(vast), (Some(640), Some(480)));
        assert_eq!(
            vast_media_dimensions("<VAST><MediaFiles></MediaFiles></VAST>"),
            (None, None)
        );
    }

    #[test]
    fn native_creative() {
        let creative = parse(json!({
            "name": "buyers/1/creatives/n1",
            "creativeFormat": "NATIVE",
            "native": {"headline": "Olá", "clickLinkUrl": "https://apps.apple.com/app/id1234567", "image": {"url": "https://cdn.x.com/i.jpg", "width": 1200, "height": 627}}
        }))
        .expect("valid");
        assert_eq!(creative.size.label, "native");
        assert_eq!(creative.has_click_macro, None);
        assert_eq!(creative.native_image_url.as_deref(), Some("https://cdn.x.com/i.jpg"));
        assert_eq!(
            creative.primary_destination().and_then(|d| d.app_id.clone()).as_deref(),
            Some("1234567")
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = parse(json!({"name": "buyers/1/creatives/a", "html": {"width": "wide"}})).expect_err("bad width");
        assert_eq!(err.field, "html.width");
        let err = parse(json!({"name": "buyers/1/creatives/a", "creativeFormat": "GIF"})).expect_err("bad format");
        assert_eq!(err.field, "creativeFormat");
        assert_eq!(
            err.creative_id.as_deref(),
            Some("a"),
            "the creative is named from its resource name"
        );
        let err = parse(json!({"accountId": "1"})).expect_err("no id");
        assert_eq!(err.field, "creativeId");
        let err = parse(json!({"creativeId": "x"})).expect_err("no seat");
        assert_eq!(err.field, "name");
        let err = parse(json!({"name": "creatives/x"})).expect_err("bad name");
        assert_eq!(err.field, "name");
        let err = parse(json!({"name": "buyers/1/creatives/a", "creativeId": "b"})).expect_err("mismatch");
        assert_eq!(err.field, "creativeId");
        let err =
            parse(json!({"name": "buyers/1/creatives/a", "declaredClickThroughUrls": ["ok", 5]})).expect_err("bad url");
        assert_eq!(err.field, "declaredClickThroughUrls[1]");
        assert_eq!(err.index, 1);
    }

    #[test]
    fn import_document_shapes() {
        let list =
            r#"{"creatives":[{"name":"buyers/1/creatives/a"},{"name":"buyers/1/creatives/b"}],"nextPageToken":"x"}"#;
        assert_eq!(split_import_document(list).map(|v| v.len()), Ok(2));
        assert_eq!(
            split_import_document("[{\"name\":\"buyers/1/creatives/a\"}]").map(|v| v.len()),
            Ok(1)
        );
        let ndjson = "{\"name\":\"buyers/1/creatives/a\"}\n\n{\"name\":\"buyers/1/creatives/b\"}\n";
        assert_eq!(split_import_document(ndjson).map(|v| v.len()), Ok(2));
        assert_eq!(split_import_document("\u{feff}{}").map(|v| v.len()), Ok(0));
        let bad = split_import_document("{\"name\":\"a\"}\n{oops").expect_err("bad line");
        assert_eq!(bad.index, 2);
        assert!(split_import_document("").is_err());
        assert!(split_import_document("42").is_err());
        assert!(split_import_document("{\"creatives\": 3}").is_err());
    }
}
