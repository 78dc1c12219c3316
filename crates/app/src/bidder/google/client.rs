//! The HTTP side of Google's Real-time Bidding API: service-account keys, the OAuth 2.0
//! JWT-bearer flow (RS256 via `jsonwebtoken`), access tokens cached until shortly before
//! they expire, one process-wide request pace (`governor`), and retries with backoff on
//! 429, 5xx and network errors that honour `Retry-After`.

use crate::config::GoogleConfig;
use crate::Clock;
use rtbcat_core::bidder::google::{self as wire, AssertionClaims, ServiceAccountKey, TokenResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A token is renewed this long before Google says it expires.
const TOKEN_MARGIN_SECONDS: i64 = 60;
/// The longest wait between attempts, whatever `Retry-After` asks.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// The first backoff; it doubles per attempt.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// An answer larger than this is refused (a page of 1,000 full creatives is a few MB).
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    #[error("no Google service-account key: set RTBCAT_GOOGLE_KEY_FILE or upload a key on the Seats page")]
    NoKeys,
    #[error("Google key {source_name}: {reason}")]
    Key { source_name: String, reason: String },
    #[error("Google token endpoint refused the key {email}: {reason}")]
    Token { email: String, reason: String },
    #[error("Google API {method} {path}: {code} {status}: {message}")]
    Api {
        method: String,
        path: String,
        code: u16,
        status: String,
        message: String,
    },
    #[error("Google API {method} {path}: {reason} (after {attempts} attempts)")]
    Transport {
        method: String,
        path: String,
        reason: String,
        attempts: u32,
    },
    #[error("Google API {path}: the answer is not what the API documents: {reason}")]
    Decode { path: String, reason: String },
}

/// A usable key and where it came from; the private key stays inside.
#[derive(Clone)]
pub struct Account {
    pub key: ServiceAccountKey,
    pub source: String,
    encoding: Arc<jsonwebtoken::EncodingKey>,
}

/// What the API and pages show of a key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    pub client_email: String,
    pub private_key_id: Option<String>,
    pub project_id: Option<String>,
    /// `config` (a file the configuration names) or `uploaded`.
    pub source: String,
}

impl Account {
    pub fn from_text(text: &str, source: &str) -> Result<Account, GoogleError> {
        let key_error = |reason: String| GoogleError::Key {
            source_name: source.to_string(),
            reason,
        };
        let key = wire::parse_service_account_key(text).map_err(key_error)?;
        let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|_| key_error("`private_key` is not an RSA private key".into()))?;
        Ok(Account {
            key,
            source: source.to_string(),
            encoding: Arc::new(encoding),
        })
    }

    pub fn info(&self) -> KeyInfo {
        KeyInfo {
            client_email: self.key.client_email.clone(),
            private_key_id: self.key.private_key_id.clone(),
            project_id: self.key.project_id.clone(),
            source: if self.source.starts_with("uploaded") {
                "uploaded".into()
            } else {
                "config".into()
            },
        }
    }
}

/// Every key rtbcat can use: the configured files, then the uploaded ones. A key that
/// cannot be read is an error naming it, not silently skipped.
pub fn accounts(config: &GoogleConfig, data_dir: &Path) -> Result<Vec<Account>, GoogleError> {
    let mut paths: Vec<(PathBuf, String)> = config
        .key_files
        .iter()
        .map(|p| (p.clone(), p.display().to_string()))
        .collect();
    let uploaded = GoogleConfig::uploaded_keys_dir(data_dir);
    if let Ok(entries) = std::fs::read_dir(&uploaded) {
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for p in files {
            let name = format!("uploaded {}", p.file_name().unwrap_or_default().to_string_lossy());
            paths.push((p, name));
        }
    }
    let mut out: Vec<Account> = Vec::new();
    for (path, name) in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| GoogleError::Key {
            source_name: name.clone(),
            reason: format!("cannot read it: {e}"),
        })?;
        let account = Account::from_text(&text, &name)?;
        if !out.iter().any(|a| a.key.client_email == account.key.client_email) {
            out.push(account);
        }
    }
    Ok(out)
}

/// Checks an uploaded key and keeps it in the data dir, readable by the service only.
pub fn save_uploaded_key(data_dir: &Path, text: &str) -> Result<KeyInfo, GoogleError> {
    let account = Account::from_text(text, "uploaded")?;
    let dir = GoogleConfig::uploaded_keys_dir(data_dir);
    let io_error = |e: std::io::Error| GoogleError::Key {
        source_name: "uploaded".into(),
        reason: format!("cannot store it in {}: {e}", dir.display()),
    };
    std::fs::create_dir_all(&dir).map_err(io_error)?;
    let file_name: String = account
        .key
        .client_email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{file_name}.json"));
    write_private(&path, text).map_err(io_error)?;
    Ok(account.info())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let temporary = path.with_extension("json.part");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// The client: one per process, shared by requests and the scheduled sync.
pub struct GoogleApi {
    http: reqwest::Client,
    config: GoogleConfig,
    pace: governor::DefaultDirectRateLimiter,
    tokens: tokio::sync::Mutex<HashMap<String, (String, i64)>>,
}

impl GoogleApi {
    /// Tokens and assertions follow the wall clock (Google's), not the app's data clock.
    pub fn new(config: &GoogleConfig) -> GoogleApi {
        let per_second = std::num::NonZeroU32::new(config.requests_per_second.max(1)).expect("at least one");
        GoogleApi {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .connect_timeout(Duration::from_secs(10))
                .build()
                .expect("the TLS backend is built in"),
            config: config.clone(),
            pace: governor::RateLimiter::direct(governor::Quota::per_second(per_second)),
            tokens: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    fn token_url(&self, account: &Account) -> String {
        self.config
            .token_url
            .clone()
            .or_else(|| account.key.token_uri.clone())
            .unwrap_or_else(|| wire::DEFAULT_TOKEN_URL.into())
    }

    /// An access token for the key: the cached one, or a new one from the token endpoint.
    async fn token(&self, account: &Account) -> Result<String, GoogleError> {
        let now = crate::SystemClock.unix();
        let mut tokens = self.tokens.lock().await;
        if let Some((token, expires)) = tokens.get(&account.key.client_email) {
            if *expires - TOKEN_MARGIN_SECONDS > now {
                return Ok(token.clone());
            }
        }
        let token_url = self.token_url(account);
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = account.key.private_key_id.clone();
        let assertion = jsonwebtoken::encode(
            &header,
            &AssertionClaims::new(&account.key.client_email, &token_url, now),
            &account.encoding,
        )
        .map_err(|e| GoogleError::Token {
            email: account.key.client_email.clone(),
            reason: format!("cannot sign the assertion: {e}"),
        })?;
        let form = [
            ("grant_type", wire::JWT_BEARER_GRANT),
            ("assertion", assertion.as_str()),
        ];
        let (status, body) = self
            .send_with_retries("POST", "token", || self.http.post(&token_url).form(&form))
            .await?;
        if !(200..300).contains(&status) {
            // OAuth errors are {"error": "invalid_grant", "error_description": "..."}.
            let reason = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .map(|v| {
                    format!(
                        "{} {}",
                        v["error"].as_str().unwrap_or(""),
                        v["error_description"].as_str().unwrap_or("")
                    )
                    .trim()
                    .to_string()
                })
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(GoogleError::Token {
                email: account.key.client_email.clone(),
                reason,
            });
        }
        let answer: TokenResponse = serde_json::from_slice(&body).map_err(|e| GoogleError::Decode {
            path: "token".into(),
            reason: e.to_string(),
        })?;
        tokens.insert(
            account.key.client_email.clone(),
            (answer.access_token.clone(), now + answer.expires_in),
        );
        Ok(answer.access_token)
    }

    async fn forget_token(&self, account: &Account) {
        self.tokens.lock().await.remove(&account.key.client_email);
    }

    /// Sends a request, retrying on 429, 5xx and network errors; the status and body of
    /// the last answer.
    async fn send_with_retries(
        &self,
        method: &str,
        path: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), GoogleError> {
        let attempts = self.config.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace.until_ready().await;
            let outcome = build().send().await;
            let wait = backoff(attempt);
            match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let retryable = status == 429 || status >= 500;
                    let body = read_limited(response).await.map_err(|reason| GoogleError::Transport {
                        method: method.into(),
                        path: path.into(),
                        reason,
                        attempts: attempt,
                    })?;
                    if !retryable || attempt >= attempts {
                        return Ok((status, body));
                    }
                    tracing::warn!(path, status, attempt, "Google API answered {status}; retrying");
                    tokio::time::sleep(retry_after.unwrap_or(wait).min(MAX_WAIT)).await;
                }
                Err(e) => {
                    if attempt >= attempts {
                        return Err(GoogleError::Transport {
                            method: method.into(),
                            path: path.into(),
                            reason: e.without_url().to_string(),
                            attempts: attempt,
                        });
                    }
                    tracing::warn!(path, attempt, "Google API unreachable ({}); retrying", e.without_url());
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Calls the API (`path` below `v1/`) as `account`; an expired or revoked token is
    /// renewed once.
    pub async fn call<T: DeserializeOwned>(
        &self,
        account: &Account,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<T, GoogleError> {
        let url = format!("{}v1/{}", self.config.api_url, path);
        let mut renewed = false;
        loop {
            let token = self.token(account).await?;
            let (status, bytes) = self
                .send_with_retries(method.as_str(), path, || {
                    let request = self.http.request(method.clone(), &url).bearer_auth(&token).query(query);
                    match body {
                        Some(b) => request.json(b),
                        None => request,
                    }
                })
                .await?;
            if status == 401 && !renewed {
                renewed = true;
                self.forget_token(account).await;
                continue;
            }
            if !(200..300).contains(&status) {
                let (code, status_text, message) = match serde_json::from_slice::<wire::ErrorBody>(&bytes) {
                    Ok(e) => (e.error.code, e.error.status, e.error.message),
                    Err(_) => (
                        status,
                        String::new(),
                        String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                    ),
                };
                return Err(GoogleError::Api {
                    method: method.to_string(),
                    path: path.into(),
                    code,
                    status: status_text,
                    message,
                });
            }
            return serde_json::from_slice(&bytes).map_err(|e| GoogleError::Decode {
                path: path.into(),
                reason: e.to_string(),
            });
        }
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        account: &Account,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, GoogleError> {
        self.call(account, reqwest::Method::GET, path, query, None).await
    }
}

fn backoff(attempt: u32) -> Duration {
    (FIRST_BACKOFF * 2u32.saturating_pow(attempt.saturating_sub(1))).min(MAX_WAIT)
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.without_url().to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER_BYTES {
            return Err(format!("the answer is over {} MB", MAX_ANSWER_BYTES / 1024 / 1024));
        }
    }
    Ok(body)
}
