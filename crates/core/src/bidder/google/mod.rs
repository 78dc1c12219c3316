//! Google's Real-time Bidding API v1 as rtbcat speaks it. The discovery document
//! (`realtimebidding_v1_discovery.json`) is the contract: JSON names in camelCase, int64 as
//! strings, pages with `nextPageToken`, errors as `{"error": {"code", "message", "status"}}`.
//! Also the service-account key and the JWT claims of the OAuth 2.0 JWT-bearer flow.

use serde::{Deserialize, Deserializer, Serialize};

/// The one scope the API needs.
pub const SCOPE: &str = "https://www.googleapis.com/auth/realtime-bidding";
pub const DEFAULT_API_URL: &str = "https://realtimebidding.googleapis.com/";
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The grant type of RFC 7523 that Google's token endpoint takes.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// A signed assertion lives this long (Google accepts at most an hour).
pub const ASSERTION_SECONDS: i64 = 3600;
/// Creatives per `creatives.list` page (the API's maximum).
pub const CREATIVES_PAGE_SIZE: u32 = 1000;

/// An int64 the API sends as a JSON string (a number is accepted too).
fn int64_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(i64),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Number(n)) => Ok(Some(n)),
        Some(Either::Text(t)) => t
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{t:?} is not an int64"))),
    }
}

/// `bidders/{bidderAccountId}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bidder {
    pub name: String,
    #[serde(default)]
    pub cookie_matching_network_id: Option<String>,
    #[serde(default)]
    pub cookie_matching_url: Option<String>,
    #[serde(default)]
    pub deals_billing_id: Option<String>,
    #[serde(default)]
    pub bypass_nonguaranteed_deals_pretargeting: Option<bool>,
}

/// `buyers/{buyerAccountId}`: a seat.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `bidders/{bidderAccountId}`.
    #[serde(default)]
    pub bidder: Option<String>,
    #[serde(default, deserialize_with = "int64_string")]
    pub active_creative_count: Option<i64>,
    #[serde(default, deserialize_with = "int64_string")]
    pub maximum_active_creative_count: Option<i64>,
    #[serde(default)]
    pub billing_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBiddersResponse {
    #[serde(default)]
    pub bidders: Vec<Bidder>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBuyersResponse {
    #[serde(default)]
    pub buyers: Vec<Buyer>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// A page of creatives; each kept as the API sent it, for the creative import.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCreativesResponse {
    #[serde(default)]
    pub creatives: Vec<serde_json::Value>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// Google's error body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ErrorBody {
    pub error: ErrorStatus,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ErrorStatus {
    pub code: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
}

/// The last segment of a resource name: `buyers/123` → `123`.
pub fn account_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// A service-account key file as the Cloud console writes it (the fields rtbcat needs).
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    #[serde(rename = "type")]
    pub kind: String,
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    #[serde(default)]
    pub token_uri: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
}

// The private key never appears in a log line or an error.
impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .finish_non_exhaustive()
    }
}

/// Reads and checks a key file's text; the error names the field (never its value).
pub fn parse_service_account_key(text: &str) -> Result<ServiceAccountKey, String> {
    let key: ServiceAccountKey = serde_json::from_str(text).map_err(|e| {
        // serde's message can quote the input; keep only where and which field.
        let what = e.to_string();
        let field = what
            .split('`')
            .nth(1)
            .map(|f| format!(" (field `{f}`)"))
            .unwrap_or_default();
        format!(
            "not a service-account key file{field} at line {} column {}",
            e.line(),
            e.column()
        )
    })?;
    if key.kind != "service_account" {
        return Err(format!(
            "`type` is {:?}; a service-account key says \"service_account\"",
            key.kind
        ));
    }
    if !key.client_email.contains('@') {
        return Err("`client_email` is not an e-mail address".into());
    }
    if !key.private_key.contains("-----BEGIN PRIVATE KEY-----") {
        return Err("`private_key` is not a PEM private key (\"-----BEGIN PRIVATE KEY-----\")".into());
    }
    Ok(key)
}

/// The claims of the signed assertion exchanged for an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub scope: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl AssertionClaims {
    pub fn new(client_email: &str, token_url: &str, now: i64) -> AssertionClaims {
        AssertionClaims {
            iss: client_email.to_string(),
            scope: SCOPE.to_string(),
            aud: token_url.to_string(),
            iat: now,
            exp: now + ASSERTION_SECONDS,
        }
    }
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default = "default_expires_in")]
    pub expires_in: i64,
    #[serde(default)]
    pub token_type: Option<String>,
}

fn default_expires_in() -> i64 {
    3600
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_fields_come_as_strings() {
        let buyer: Buyer = serde_json::from_str(
            r#"{"name":"buyers/456","displayName":"Seat","bidder":"bidders/12","activeCreativeCount":"1234","maximumActiveCreativeCount":"50000","billingIds":["77"]}"#,
        )
        .expect("parses");
        assert_eq!(buyer.active_creative_count, Some(1234));
        assert_eq!(buyer.maximum_active_creative_count, Some(50_000));
        assert_eq!(account_id(&buyer.name), "456");
        let bad = serde_json::from_str::<Buyer>(r#"{"name":"buyers/1","activeCreativeCount":"many"}"#);
        assert!(bad.expect_err("refused").to_string().contains("not an int64"));
    }

    #[test]
    fn a_key_file_is_checked_without_echoing_it() {
        let good = r#"{"type":"service_account","client_email":"sync@p.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----\n"}"#;
        let key = parse_service_account_key(good).expect("parses");
        assert!(!format!("{key:?}").contains("SECRETSTUFF"));
        let wrong_type = good.replace("service_account", "authorized_user");
        assert!(parse_service_account_key(&wrong_type)
            .expect_err("refused")
            .contains("`type`"));
        let no_key = r#"{"type":"service_account","client_email":"a@b","private_key":"SECRETSTUFF"}"#;
        let err = parse_service_account_key(no_key).expect_err("refused");
        assert!(err.contains("private_key") && !err.contains("SECRETSTUFF"), "{err}");
        let missing = parse_service_account_key(r#"{"type":"service_account","private_key":"SECRETSTUFF"}"#)
            .expect_err("refused");
        assert!(
            missing.contains("client_email") && !missing.contains("SECRETSTUFF"),
            "{missing}"
        );
    }
}
