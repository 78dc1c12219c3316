//! A stand-in for Google's OAuth token endpoint and Real-time Bidding API v1, speaking the
//! discovery document's wire format: camelCase JSON, int64 as strings, `pageToken` paging,
//! errors as `{"error": {"code", "message", "status"}}`. It checks every JWT it receives
//! (RS256 signature against the development key, audience, scope, expiry) and can be told
//! to answer 429 or 500, to expire its tokens, to fail at a given page, and to ignore a
//! patch. The test suite uses it; `rtbcat dev fake-google` runs it by hand so the flow can
//! be tried without a Google account. It never sees a real key.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use rtbcat_core::bidder::google::{AssertionClaims, JWT_BEARER_GRANT, SCOPE};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The development key pair: made for this fake, worthless anywhere else.
pub const DEV_PRIVATE_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDRnuBRHXpb8hy7\n1zJuNtDYi/cspzGoYFJN6lkE58ugSzSeR35yQQbxf1AqAy8NMYvnOPaodgsnPp6K\nO7DLqMCvtbF4Gywj6blzPZIKpLRrHn36hQsZGhhZXCdNdAgl8b23IrhLxbthvj3x\nXrOq5KJmmt1798BOize5gO7Djbi+wx/ICb5/eccuOppwfWhAMkrRAbmDk9F3PYQB\ncRTKVAR2HSkVH4yPC/Zrj+U4k3b0tGn/+krgn3BpkDf2mqhSIy4i7oy/ai/rKFw8\nxq+ZNwuh/Wkp3ovSnfPMvaUxz7VvABX5Lje52kKW2oO9OUHSo0PMK+eJNvrafy97\nDZqEAzhrAgMBAAECggEABZAcUcZmz+83ttBEKJQqd+KJkPUeY5EgSDg+81sO4jZb\nRM5r6cXbjrk7RORW1EbZ7QpI6pDEIgH9SEpO92fwB7D9TB6kH0mAd3ckhHOzh07z\nWb+CCdhdNsmFbVAY8fzXxo5gR8uY4qzZZG+q6LH6V1mPaxTBbFcZ8HA1pesBgnG5\n2J1uWr9R9iByHCou2QRos5HkBlOHKX91KDMT660ACmP3g9Jih0QMTUW3q14qTB20\nu17nDRieQGl6vesqSp6g2bHCUWeBgDDE884DE6zVFYyjZei8soHmAZiaSO2/OCLZ\nFYO/uHl4kIEC5LTiwAp/tBL0WjlP5XCvX4cUrQHEFQKBgQD/ntGiFJtywVMWSDDj\nPcVJwkfqWSXTgfqcF89e5KS1tStqg3HSCEx9qCK0UUeEqg7G2Nm8Xxew7DcD4fon\nFt2fn5qOqcf0XFHNHVKg03MkolniH8BCP6uCumYbghwzmo9Poe28Y6zsCbmMbcUT\neGlNos9+8GZAMzNXcXM8UNA3VwKBgQDR7pG8OK8OozYzxkC3MvzyEuaI8YFo4C6S\nFVb/7JMHQS/69lGs7dg0EIul8tXeHJbA0GebuFBwjpN2SPlZ2WhbzE5FMbn4pM20\n35PNOXwYQ9l5bkF4fErLfruQxFmmys2NsTQ3g+YXbgUfLIj0cXkLSv26bezDzW8J\nbd/JKX4/DQKBgQDHeWJRvw8HYAG8k51C14NLacbBA8xW30l34cS7YmV+PuCgf+6k\nXkGClWBvojXTOvnJBpPzQam1MMBF0WRqeJd95wivZ6JX+GsFS2qdgiSKY/8MTIa1\nrAXlQBxKPyBOzMAk/lIM/yOEFpqrEUYHSaGzKegOQP8p/kqEZE3utYmmhQKBgHaK\nLcSIhWDQjDSkB7rqkaXnQkGljRs5K1LVtfCBF2yLRJqDKA9rph+QECq+ekEXB5EM\nnNRzOQi1mVK7VgGEH8dmD/RGZeqetIEjlgPWJ9pTxaMpvNJZ7KoHf8X4+V6TOYp+\nuyt10SD9wOqfbR4KTP0xdSAmHgFaKQ67+hdO1LipAoGAEGlQODa4jBA56lcdPcY4\nGe3KEBjZHZTQiCs4fhiceMRNSWEc31yZFyOwKZqcrNa4Gz0dlAZQLGhg83gvQYPb\n2Y9++C7KVpfQK8DICzOdCNuvcTaldae38L2UUbAS1OSupcxYVnwh3mdQW/nSIDNV\nKxe7QK/fNmXUzDzPTLtTG+4=\n-----END PRIVATE KEY-----";
pub const DEV_PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0Z7gUR16W/Icu9cybjbQ\n2Iv3LKcxqGBSTepZBOfLoEs0nkd+ckEG8X9QKgMvDTGL5zj2qHYLJz6eijuwy6jA\nr7WxeBssI+m5cz2SCqS0ax59+oULGRoYWVwnTXQIJfG9tyK4S8W7Yb498V6zquSi\nZprde/fATos3uYDuw424vsMfyAm+f3nHLjqacH1oQDJK0QG5g5PRdz2EAXEUylQE\ndh0pFR+Mjwv2a4/lOJN29LRp//pK4J9waZA39pqoUiMuIu6Mv2ov6yhcPMavmTcL\nof1pKd6L0p3zzL2lMc+1bwAV+S43udpCltqDvTlB0qNDzCvniTb62n8vew2ahAM4\nawIDAQAB\n-----END PUBLIC KEY-----";
pub const DEV_CLIENT_EMAIL: &str = "rtbcat-dev@fake-project.iam.gserviceaccount.com";

/// A service-account key file for the fake, as the Cloud console would write it.
pub fn dev_key_json(token_uri: &str) -> String {
    serde_json::to_string_pretty(&json!({
        "type": "service_account",
        "project_id": "fake-project",
        "private_key_id": "dev-key-1",
        "private_key": format!("{DEV_PRIVATE_KEY_PEM}\n"),
        "client_email": DEV_CLIENT_EMAIL,
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }))
    .expect("a JSON value serialises")
}

/// What the fake is told to do to the next matching requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The next API request answers this status (429 with `Retry-After: seconds`).
    Status { code: u16, retry_after: Option<u64> },
    /// Every token issued so far stops working (the next call gets 401).
    ExpireTokens,
    /// Requests for the `page`-th page (1-based) of a creatives list answer 500, `times` times.
    FailPage { page: usize, times: usize },
    /// The next pretargeting patch answers 200 but changes nothing.
    IgnorePatch,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub status: u16,
}

#[derive(Default)]
pub struct FakeState {
    pub bidders: Vec<Value>,
    pub buyers: Vec<Value>,
    /// Buyer id → its creatives (full view).
    pub creatives: HashMap<String, Vec<Value>>,
    pub pretargeting: HashMap<String, Vec<Value>>,
    pub faults: VecDeque<Fault>,
    pub seen: Vec<Seen>,
    /// Assertions refused, with why.
    pub refused_assertions: Vec<String>,
    tokens: HashMap<String, bool>,
    issued: usize,
    /// Seconds a token is said to last.
    pub token_lifetime: i64,
}

#[derive(Clone)]
pub struct FakeGoogle {
    pub state: Arc<Mutex<FakeState>>,
    /// `http://127.0.0.1:port`
    pub base_url: String,
}

impl FakeGoogle {
    pub fn token_url(&self) -> String {
        format!("{}/token", self.base_url)
    }

    pub fn api_url(&self) -> String {
        format!("{}/", self.base_url)
    }

    pub fn key_json(&self) -> String {
        dev_key_json(&self.token_url())
    }

    pub fn push_fault(&self, fault: Fault) {
        self.state.lock().expect("fake state").faults.push_back(fault);
    }

    /// API requests seen (the token endpoint included as `/token`).
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().expect("fake state").seen.clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.state.lock().expect("fake state").issued
    }

    /// Starts the fake on `addr` (port 0 for any) with a bidder, its seats and creatives.
    pub async fn start(addr: &str, state: FakeState) -> std::io::Result<(FakeGoogle, tokio::task::JoinHandle<()>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let fake = FakeGoogle {
            state: Arc::new(Mutex::new(FakeState {
                token_lifetime: if state.token_lifetime > 0 {
                    state.token_lifetime
                } else {
                    3600
                },
                ..state
            })),
            base_url,
        };
        let app = Router::new()
            .route("/token", post(token))
            .route("/v1/{*path}", get(api_get).patch(api_patch).post(api_post))
            .with_state(fake.clone());
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok((fake, handle))
    }
}

/// A bidder `bidder_id` with the given seats (id, display name) and their creatives
/// (resource names `buyers/{seat}/creatives/{id}` decide whose).
pub fn state_with(bidder_id: &str, seats: &[(&str, &str)], creatives: Vec<Value>) -> FakeState {
    let mut by_seat: HashMap<String, Vec<Value>> = HashMap::new();
    for c in creatives {
        let seat = c["name"]
            .as_str()
            .and_then(|n| n.split('/').nth(1))
            .or_else(|| c["accountId"].as_str())
            .unwrap_or_default()
            .to_string();
        by_seat.entry(seat).or_default().push(c);
    }
    FakeState {
        bidders: vec![
            json!({"name": format!("bidders/{bidder_id}"), "cookieMatchingNetworkId": "fake", "cookieMatchingUrl": "https://cm.example.com/"}),
        ],
        buyers: seats
            .iter()
            .map(|(id, name)| {
                json!({
                    "name": format!("buyers/{id}"),
                    "displayName": name,
                    "bidder": format!("bidders/{bidder_id}"),
                    "activeCreativeCount": by_seat.get(*id).map_or(0, Vec::len).to_string(),
                    "maximumActiveCreativeCount": "50000",
                    "billingIds": ["1000001"],
                })
            })
            .collect(),
        creatives: by_seat,
        pretargeting: HashMap::from([(
            bidder_id.to_string(),
            rtbcat_app::bidder::demo_pretargeting::configs(bidder_id),
        )]),
        ..FakeState::default()
    }
}

fn google_error(code: u16, status: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(json!({"error": {"code": code, "message": message, "status": status}})),
    )
        .into_response()
}

/// Google's own clock: the wall clock, as the client's assertions use.
fn now() -> i64 {
    use rtbcat_app::Clock;
    rtbcat_app::SystemClock.unix()
}

/// Checks an assertion as Google's token endpoint would.
fn check_assertion(assertion: &str, audience: &str) -> Result<AssertionClaims, String> {
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(DEV_PUBLIC_KEY_PEM.as_bytes()).map_err(|e| e.to_string())?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation).map_err(|e| e.to_string())?;
    let claims = data.claims;
    if claims.scope.split(' ').all(|s| s != SCOPE) {
        return Err(format!("scope {:?} lacks {SCOPE}", claims.scope));
    }
    if claims.iat > now() + 60 || claims.exp - claims.iat > 3600 {
        return Err("the assertion's lifetime is over an hour or starts in the future".into());
    }
    if claims.iss != DEV_CLIENT_EMAIL {
        return Err(format!("unknown issuer {}", claims.iss));
    }
    Ok(claims)
}

async fn token(State(fake): State<FakeGoogle>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut state = fake.state.lock().expect("fake state");
    state.seen.push(Seen {
        method: "POST".into(),
        path: "/token".into(),
        query: HashMap::new(),
        status: 200,
    });
    if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})),
        )
            .into_response();
    }
    match check_assertion(form.get("assertion").map_or("", String::as_str), &fake.token_url()) {
        Ok(_) => {
            state.issued += 1;
            let token = format!("fake-token-{}", state.issued);
            state.tokens.insert(token.clone(), true);
            Json(json!({"access_token": token, "expires_in": state.token_lifetime, "token_type": "Bearer"}))
                .into_response()
        }
        Err(reason) => {
            state.refused_assertions.push(reason.clone());
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant", "error_description": reason})),
            )
                .into_response()
        }
    }
}

/// Authorisation and injected faults common to every API call; the answer when refused.
fn gate(
    state: &mut FakeState,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    query: &HashMap<String, String>,
) -> Option<Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let mut refusal = None;
    if state.tokens.get(token) != Some(&true) {
        refusal = Some(google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        ));
    } else if let Some(fault) = state.faults.front().cloned() {
        match fault {
            Fault::Status { code, retry_after } => {
                state.faults.pop_front();
                let mut response = google_error(
                    code,
                    if code == 429 { "RESOURCE_EXHAUSTED" } else { "INTERNAL" },
                    "injected by the fake",
                );
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert("retry-after", seconds.to_string().parse().expect("a number"));
                }
                refusal = Some(response);
            }
            Fault::ExpireTokens => {
                state.faults.pop_front();
                for valid in state.tokens.values_mut() {
                    *valid = false;
                }
                refusal = Some(google_error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials.",
                ));
            }
            Fault::FailPage { page, times } if path.ends_with("/creatives") && page_of(query) == page => {
                if times <= 1 {
                    state.faults.pop_front();
                } else if let Some(Fault::FailPage { times: t, .. }) = state.faults.front_mut() {
                    *t -= 1;
                }
                refusal = Some(google_error(500, "INTERNAL", "injected failure at this page"));
            }
            _ => {}
        }
    }
    state.seen.push(Seen {
        method: method.into(),
        path: path.into(),
        query: query.clone(),
        status: refusal.as_ref().map_or(200, |r| r.status().as_u16()),
    });
    refusal
}

/// Page tokens are `p{offset}`; the first page is 1.
fn page_of(query: &HashMap<String, String>) -> usize {
    let size = page_size(query);
    query
        .get("pageToken")
        .and_then(|t| t.strip_prefix('p'))
        .and_then(|o| o.parse::<usize>().ok())
        .map_or(1, |offset| offset / size + 1)
}

fn page_size(query: &HashMap<String, String>) -> usize {
    query
        .get("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| (1..=1000).contains(s))
        .unwrap_or(100)
}

fn paged(items: &[Value], field: &str, query: &HashMap<String, String>) -> Response {
    let size = page_size(query);
    let offset = match query.get("pageToken") {
        None => 0,
        Some(t) => match t.strip_prefix('p').and_then(|o| o.parse::<usize>().ok()) {
            Some(o) if o <= items.len() => o,
            _ => return google_error(400, "INVALID_ARGUMENT", "Invalid page token."),
        },
    };
    let end = (offset + size).min(items.len());
    let mut body = serde_json::Map::new();
    if end > offset {
        body.insert(field.into(), Value::Array(items[offset..end].to_vec()));
    }
    if end < items.len() {
        body.insert("nextPageToken".into(), Value::String(format!("p{end}")));
    }
    Json(Value::Object(body)).into_response()
}

async fn api_get(
    State(fake): State<FakeGoogle>,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut state = fake.state.lock().expect("fake state");
    if let Some(refusal) = gate(&mut state, &headers, "GET", &path, &query) {
        return refusal;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let not_found = || google_error(404, "NOT_FOUND", &format!("Requested entity was not found: {path}"));
    match parts.as_slice() {
        ["bidders"] => paged(&state.bidders, "bidders", &query),
        ["buyers"] => paged(&state.buyers, "buyers", &query),
        [kind @ ("bidders" | "buyers"), id] => {
            let list = if *kind == "bidders" {
                &state.bidders
            } else {
                &state.buyers
            };
            let name = format!("{kind}/{id}");
            list.iter()
                .find(|b| b["name"] == name.as_str())
                .map_or_else(not_found, |b| Json(b.clone()).into_response())
        }
        ["buyers", id, "creatives"] => {
            if !state
                .buyers
                .iter()
                .any(|b| b["name"] == format!("buyers/{id}").as_str())
            {
                return google_error(403, "PERMISSION_DENIED", "The caller does not have permission");
            }
            let full = query.get("view").map(String::as_str) == Some("FULL");
            let creatives: Vec<Value> = state
                .creatives
                .get(*id)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    if full {
                        c
                    } else {
                        json!({"name": c["name"], "creativeServingDecision": c["creativeServingDecision"]})
                    }
                })
                .collect();
            paged(&creatives, "creatives", &query)
        }
        ["bidders", id, "pretargetingConfigs"] => {
            let configs = state.pretargeting.get(*id).cloned().unwrap_or_default();
            paged(&configs, "pretargetingConfigs", &query)
        }
        ["bidders", id, "pretargetingConfigs", config] => {
            let name = format!("bidders/{id}/pretargetingConfigs/{config}");
            state
                .pretargeting
                .get(*id)
                .and_then(|list| list.iter().find(|c| c["name"] == name.as_str()))
                .map_or_else(not_found, |c| Json(c.clone()).into_response())
        }
        _ => not_found(),
    }
}

async fn api_patch(
    State(fake): State<FakeGoogle>,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut state = fake.state.lock().expect("fake state");
    if let Some(refusal) = gate(&mut state, &headers, "PATCH", &path, &query) {
        return refusal;
    }
    let ignore = state.faults.front() == Some(&Fault::IgnorePatch);
    if ignore {
        state.faults.pop_front();
    }
    let parts: Vec<&str> = path.split('/').collect();
    let ["bidders", bidder, "pretargetingConfigs", _] = parts.as_slice() else {
        return google_error(404, "NOT_FOUND", "Requested entity was not found.");
    };
    let Some(mask) = query.get("updateMask").filter(|m| !m.is_empty()) else {
        return google_error(400, "INVALID_ARGUMENT", "updateMask is required.");
    };
    let name = path.clone();
    let Some(config) = state
        .pretargeting
        .get_mut(*bidder)
        .and_then(|list| list.iter_mut().find(|c| c["name"] == name.as_str()))
    else {
        return google_error(404, "NOT_FOUND", "Requested entity was not found.");
    };
    if !ignore {
        for field in mask.split(',') {
            use rtbcat_core::bidder::pretargeting::{get_path, set_path};
            set_path(config, field.trim(), get_path(&body, field.trim()));
        }
    }
    Json(config.clone()).into_response()
}

async fn api_post(
    State(fake): State<FakeGoogle>,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut state = fake.state.lock().expect("fake state");
    if let Some(refusal) = gate(&mut state, &headers, "POST", &path, &query) {
        return refusal;
    }
    google_error(501, "UNIMPLEMENTED", "The fake does not implement this method.")
}
