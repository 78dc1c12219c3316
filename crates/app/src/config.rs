//! Configuration in layers: built-in defaults, then an optional TOML file, then `RTBCAT_*`
//! environment variables (and `DATABASE_URL`). Secrets never appear in `Debug` output.

use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must not reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A URL shows without its password; any other secret does not show at all.
        if self.0.contains("://") {
            f.write_str(&redact_url(&self.0))
        } else {
            f.write_str("\"***\"")
        }
    }
}

pub use rtbcat_core::shared::secrets::redact_url;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: Secret,
    pub listen_addr: String,
    /// Link template for the Authorized Buyers UI (`{seat}`, `{creative_id}`).
    pub buyers_ui_template: String,
    pub session_ttl_hours: i64,
    /// Mark cookies `Secure`: set when rtbcat is served over TLS (directly or behind a proxy).
    pub secure_cookies: bool,
    /// Login attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Shared secret an affiliate network's postback must carry (`secret=`); None: only the
    /// IP allow-list guards postbacks.
    pub postback_secret: Option<Secret>,
    /// Addresses postbacks may come from; empty: any (then a secret is required).
    pub postback_allow_ips: Vec<String>,
    /// Request header holding the visitor's country as set by a CDN (`CF-IPCountry`).
    pub country_header: String,
    /// Tracking requests (offers, impressions, clicks) allowed per client address per minute.
    pub tracking_requests_per_minute: u32,
    /// A MaxMind-format country database (GeoLite2-Country, or the CC0 ip-location-db
    /// files) for visitors whose request carries no country header.
    pub geoip_database: Option<PathBuf>,
    /// The origin people use to reach rtbcat (`https://rtbcat.example.com`), when it is
    /// behind a proxy or a name: form posts must come from it, and first-run setup
    /// trusts it. None: the request's own Host, with `https` when `secure_cookies`.
    pub public_url: Option<String>,
    /// Postbacks allowed per client address per minute (networks batch them; refused ones
    /// count more, see `postback_refusals_per_minute`).
    pub postback_requests_per_minute: u32,
    /// A language model for clustering creatives into campaigns; None: rules only.
    pub llm: Option<LlmConfig>,
    /// Where alert e-mail goes out: `smtp://host:25`, `smtps://user:pass@host:465`, or
    /// `smtp://user:pass@host:587?tls=required`; None: alerts by webhook only.
    pub smtp_url: Option<Secret>,
    /// The From address of alert e-mail.
    pub smtp_from: String,
    /// How often `rtbcat serve` evaluates the alert rules (they also run after imports).
    pub alert_interval_minutes: u64,
    /// Google's Real-time Bidding API: keys, addresses, pace and the sync schedule.
    pub google: GoogleConfig,
    /// A bearer token that may read `/metrics` (a Prometheus scraper); administrators may
    /// always. None: administrators only.
    pub metrics_token: Option<Secret>,
    /// A second address that serves `/metrics` alone, without authentication (bind it to
    /// loopback or a private network); None: no second listener.
    pub metrics_addr: Option<String>,
}

/// How rtbcat reaches Google's Real-time Bidding API.
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    /// Service-account key files named in the config (`RTBCAT_GOOGLE_KEY_FILE`, comma-separated).
    /// Keys uploaded in the app live in `<data_dir>/google-keys/`.
    pub key_files: Vec<PathBuf>,
    /// The API's root (`RTBCAT_GOOGLE_API_URL`); tests point it at a local fake.
    pub api_url: String,
    /// The token endpoint (`RTBCAT_GOOGLE_TOKEN_URL`); by default the key's `token_uri`.
    pub token_url: Option<String>,
    /// Requests per second to Google, for the whole process (quota-friendly).
    pub requests_per_second: u32,
    /// Attempts per request on 429, 5xx and network errors.
    pub max_attempts: u32,
    /// Hours between scheduled syncs of every seat in `rtbcat serve`; 0 turns it off.
    pub sync_interval_hours: u64,
    /// Roll a pretargeting change back by itself when the guard sees QPS halve after it.
    pub auto_rollback: bool,
}

impl GoogleConfig {
    /// Where keys uploaded through the app are kept (readable by the service only).
    pub fn uploaded_keys_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("google-keys")
    }
}

/// A language-model provider for campaign clustering (`[llm]` in the file, `RTBCAT_LLM_*`).
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub provider: Provider,
    /// Where the provider's API is (a proxy or an OpenAI-compatible server).
    pub base_url: String,
    pub model: String,
    pub api_key: Secret,
    /// Per request.
    pub timeout_seconds: u64,
    /// Creatives per request are sent in batches of about this many tokens.
    pub batch_tokens: u64,
    /// Dollars per million input and output tokens, for the cost estimate.
    pub price_per_million: Option<(f64, f64)>,
}

pub use rtbcat_core::bidder::campaigns::llm::Provider;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLlm {
    provider: Option<String>,
    base_url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    timeout_seconds: Option<u64>,
    batch_tokens: Option<u64>,
    price_per_million: Option<(f64, f64)>,
}

/// Refused postbacks (wrong secret, address not allowed) per address per minute before
/// that address gets 429 for a while: guessing a network's secret is then hopeless.
pub const POSTBACK_REFUSALS_PER_MINUTE: u32 = 20;

/// The TOML file's shape. Every key optional; unknown keys are an error so typos surface.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen_addr: Option<String>,
    buyers_ui_template: Option<String>,
    session_ttl_hours: Option<i64>,
    secure_cookies: Option<bool>,
    login_attempts_per_minute: Option<u32>,
    postback_secret: Option<String>,
    postback_allow_ips: Option<Vec<String>>,
    country_header: Option<String>,
    tracking_requests_per_minute: Option<u32>,
    geoip_database: Option<PathBuf>,
    public_url: Option<String>,
    postback_requests_per_minute: Option<u32>,
    llm: Option<FileLlm>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    alert_interval_minutes: Option<u64>,
    google: Option<FileGoogle>,
    metrics_token: Option<String>,
    metrics_addr: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGoogle {
    key_files: Option<Vec<PathBuf>>,
    api_url: Option<String>,
    token_url: Option<String>,
    requests_per_second: Option<u32>,
    max_attempts: Option<u32>,
    sync_interval_hours: Option<u64>,
    auto_rollback: Option<bool>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("config {source_name}: `{key}` {reason}")]
    Value {
        source_name: String,
        key: String,
        reason: String,
    },
}

impl Config {
    /// Resolve the configuration. `home` is where `~/.rtbcat` lives; `env` is the process
    /// environment (passed in so tests control it).
    pub fn load(
        file: Option<&Path>,
        env: &HashMap<String, String>,
        home: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let file_path = file
            .map(Path::to_path_buf)
            .or_else(|| env.get("RTBCAT_CONFIG").map(PathBuf::from));
        let from_file = match &file_path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?
            }
            None => FileConfig::default(),
        };
        let env_value = |key: &str| env.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let env_error = |key: &str, reason: &str| ConfigError::Value {
            source_name: "environment".into(),
            key: key.into(),
            reason: reason.into(),
        };

        let data_dir = env_value("RTBCAT_DATA_DIR")
            .map(PathBuf::from)
            .or(from_file.data_dir)
            .unwrap_or_else(|| home.map_or_else(|| PathBuf::from(".rtbcat"), |h| h.join(".rtbcat")));
        let database_url = env_value("DATABASE_URL")
            .or_else(|| env_value("RTBCAT_DATABASE_URL"))
            .or(from_file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("rtbcat.db").display()));
        if !(database_url.starts_with("sqlite://")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Value {
                source_name: "database".into(),
                key: "DATABASE_URL".into(),
                reason: format!(
                    "{:?} must start with sqlite:// or postgres://",
                    redact_url(&database_url)
                ),
            });
        }
        let session_ttl_hours = match env_value("RTBCAT_SESSION_TTL_HOURS") {
            Some(v) => v
                .parse()
                .map_err(|_| env_error("RTBCAT_SESSION_TTL_HOURS", "must be a whole number of hours"))?,
            None => from_file.session_ttl_hours.unwrap_or(12),
        };
        if !(1..=24 * 90).contains(&session_ttl_hours) {
            return Err(env_error("session_ttl_hours", "must be between 1 and 2160 hours"));
        }
        let secure_cookies = match env_value("RTBCAT_SECURE_COOKIES") {
            Some(v) => parse_bool(&v).ok_or_else(|| env_error("RTBCAT_SECURE_COOKIES", "must be true or false"))?,
            None => from_file.secure_cookies.unwrap_or(false),
        };
        let login_attempts_per_minute = match env_value("RTBCAT_LOGIN_ATTEMPTS_PER_MINUTE") {
            Some(v) => v
                .parse()
                .map_err(|_| env_error("RTBCAT_LOGIN_ATTEMPTS_PER_MINUTE", "must be a whole number"))?,
            None => from_file.login_attempts_per_minute.unwrap_or(10),
        };
        if login_attempts_per_minute == 0 {
            return Err(env_error("login_attempts_per_minute", "must be at least 1"));
        }
        let postback_allow_ips: Vec<String> = match env_value("RTBCAT_POSTBACK_ALLOW_IPS") {
            Some(v) => v
                .split(',')
                .map(|ip| ip.trim().to_string())
                .filter(|ip| !ip.is_empty())
                .collect(),
            None => from_file.postback_allow_ips.unwrap_or_default(),
        };
        if let Some(bad) = postback_allow_ips
            .iter()
            .find(|ip| ip.parse::<std::net::IpAddr>().is_err())
        {
            return Err(env_error(
                "postback_allow_ips",
                &format!("{bad:?} is not an IP address"),
            ));
        }
        let tracking_requests_per_minute = match env_value("RTBCAT_TRACKING_REQUESTS_PER_MINUTE") {
            Some(v) => v
                .parse()
                .map_err(|_| env_error("RTBCAT_TRACKING_REQUESTS_PER_MINUTE", "must be a whole number"))?,
            None => from_file.tracking_requests_per_minute.unwrap_or(600),
        };
        if tracking_requests_per_minute == 0 {
            return Err(env_error("tracking_requests_per_minute", "must be at least 1"));
        }
        let geoip_database = env_value("RTBCAT_GEOIP_DATABASE")
            .map(PathBuf::from)
            .or(from_file.geoip_database);
        if let Some(path) = &geoip_database {
            if !path.is_file() {
                return Err(env_error(
                    "geoip_database",
                    &format!("{} is not a readable file", path.display()),
                ));
            }
        }
        let public_url = match env_value("RTBCAT_PUBLIC_URL").or(from_file.public_url) {
            None => None,
            Some(text) => Some(
                rtbcat_core::platform::origin::origin_of_url(&text)
                    .ok_or_else(|| env_error("public_url", "must be an http(s) URL like https://rtbcat.example.com"))?,
            ),
        };
        let postback_requests_per_minute = match env_value("RTBCAT_POSTBACK_REQUESTS_PER_MINUTE") {
            Some(v) => v
                .parse()
                .map_err(|_| env_error("RTBCAT_POSTBACK_REQUESTS_PER_MINUTE", "must be a whole number"))?,
            None => from_file.postback_requests_per_minute.unwrap_or(1200),
        };
        if postback_requests_per_minute == 0 {
            return Err(env_error("postback_requests_per_minute", "must be at least 1"));
        }
        let llm = llm_config(from_file.llm.unwrap_or_default(), &env_value)?;
        let alert_interval_minutes = match env_value("RTBCAT_ALERT_INTERVAL_MINUTES") {
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=1440).contains(n))
                .ok_or_else(|| env_error("RTBCAT_ALERT_INTERVAL_MINUTES", "must be 1 to 1440 minutes"))?,
            None => from_file.alert_interval_minutes.unwrap_or(15),
        };
        let google = google_config(from_file.google.unwrap_or_default(), &env_value)?;
        let metrics_token = env_value("RTBCAT_METRICS_TOKEN").or(from_file.metrics_token);
        if metrics_token.as_deref().is_some_and(|t| t.len() < 16) {
            return Err(env_error("metrics_token", "must be at least 16 characters"));
        }
        Ok(Config {
            metrics_token: metrics_token.map(Secret::new),
            metrics_addr: env_value("RTBCAT_METRICS_ADDR").or(from_file.metrics_addr),
            google,
            llm,
            smtp_url: env_value("RTBCAT_SMTP_URL").or(from_file.smtp_url).map(Secret::new),
            smtp_from: env_value("RTBCAT_SMTP_FROM")
                .or(from_file.smtp_from)
                .unwrap_or_else(|| "rtbcat <alerts@localhost>".into()),
            alert_interval_minutes,
            public_url,
            postback_requests_per_minute,
            geoip_database,
            postback_secret: env_value("RTBCAT_POSTBACK_SECRET")
                .or(from_file.postback_secret)
                .map(Secret::new),
            postback_allow_ips,
            country_header: env_value("RTBCAT_COUNTRY_HEADER")
                .or(from_file.country_header)
                .unwrap_or_else(|| "cf-ipcountry".into())
                .to_ascii_lowercase(),
            tracking_requests_per_minute,
            data_dir,
            database_url: Secret::new(database_url),
            listen_addr: env_value("RTBCAT_ADDR")
                .or(from_file.listen_addr)
                .unwrap_or_else(|| "127.0.0.1:8000".into()),
            buyers_ui_template: env_value("RTBCAT_BUYERS_UI_TEMPLATE")
                .or(from_file.buyers_ui_template)
                .unwrap_or_else(|| rtbcat_core::bidder::catalog::creative::DEFAULT_BUYERS_UI_TEMPLATE.into()),
            session_ttl_hours,
            secure_cookies,
            login_attempts_per_minute,
        })
    }

    /// The SQLite file path, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.database_url.expose().strip_prefix("sqlite://").map(PathBuf::from)
    }
}

/// The LLM settings: environment over file; the key from `RTBCAT_LLM_API_KEY` or the
/// provider's own variable (`ANTHROPIC_API_KEY`, …).
fn llm_config(file: FileLlm, env_value: &dyn Fn(&str) -> Option<String>) -> Result<Option<LlmConfig>, ConfigError> {
    let error = |key: &str, reason: String| ConfigError::Value {
        source_name: "LLM settings".into(),
        key: key.into(),
        reason,
    };
    let Some(name) = env_value("RTBCAT_LLM_PROVIDER").or(file.provider) else {
        return Ok(None);
    };
    let provider = Provider::parse(&name).ok_or_else(|| {
        error(
            "RTBCAT_LLM_PROVIDER",
            format!("{name:?} is not a provider: use anthropic, gemini or openai"),
        )
    })?;
    let api_key = env_value("RTBCAT_LLM_API_KEY")
        .or_else(|| env_value(provider.key_variable()))
        .or(file.api_key)
        .ok_or_else(|| {
            error(
                "RTBCAT_LLM_API_KEY",
                format!(
                    "is required for {} (or set {})",
                    provider.as_str(),
                    provider.key_variable()
                ),
            )
        })?;
    let number = |key: &str, file: Option<u64>, default: u64| -> Result<u64, ConfigError> {
        match env_value(key) {
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| error(key, "must be a whole number above 0".into())),
            None => Ok(file.unwrap_or(default)),
        }
    };
    let price_per_million = match env_value("RTBCAT_LLM_PRICE_PER_MILLION") {
        Some(v) => {
            let parts: Vec<Option<f64>> = v.split(',').map(|p| p.trim().parse::<f64>().ok()).collect();
            match parts.as_slice() {
                [Some(input), Some(output)] if *input >= 0.0 && *output >= 0.0 => Some((*input, *output)),
                _ => {
                    return Err(error(
                        "RTBCAT_LLM_PRICE_PER_MILLION",
                        "must be two prices in dollars, input then output, like 0.8,4".into(),
                    ))
                }
            }
        }
        None => file.price_per_million,
    };
    let model = env_value("RTBCAT_LLM_MODEL")
        .or(file.model)
        .unwrap_or_else(|| provider.default_model().into());
    Ok(Some(LlmConfig {
        provider,
        base_url: env_value("RTBCAT_LLM_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| provider.default_base_url().into())
            .trim_end_matches('/')
            .to_string(),
        price_per_million: price_per_million.or_else(|| rtbcat_core::bidder::campaigns::llm::known_price(&model)),
        model,
        api_key: Secret::new(api_key),
        timeout_seconds: number("RTBCAT_LLM_TIMEOUT_SECONDS", file.timeout_seconds, 60)?,
        batch_tokens: number("RTBCAT_LLM_BATCH_TOKENS", file.batch_tokens, 12_000)?,
    }))
}

fn google_config(file: FileGoogle, env_value: &dyn Fn(&str) -> Option<String>) -> Result<GoogleConfig, ConfigError> {
    let error = |key: &str, reason: &str| ConfigError::Value {
        source_name: "environment or file".into(),
        key: key.into(),
        reason: reason.into(),
    };
    let number = |env: &str, file: Option<u64>, default: u64, range: std::ops::RangeInclusive<u64>| {
        let value = match env_value(env) {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map_err(|_| error(env, "must be a whole number"))?,
            None => file.unwrap_or(default),
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(error(env, &format!("must be {} to {}", range.start(), range.end())))
        }
    };
    let url = |env: &str, value: Option<String>| -> Result<Option<String>, ConfigError> {
        match value {
            Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
                Err(error(env, "must be an http(s) URL"))
            }
            other => Ok(other),
        }
    };
    let key_files = match env_value("RTBCAT_GOOGLE_KEY_FILE") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        None => file.key_files.unwrap_or_default(),
    };
    let mut api_url = url(
        "RTBCAT_GOOGLE_API_URL",
        env_value("RTBCAT_GOOGLE_API_URL").or(file.api_url),
    )?
    .unwrap_or_else(|| rtbcat_core::bidder::google::DEFAULT_API_URL.into());
    if !api_url.ends_with('/') {
        api_url.push('/');
    }
    Ok(GoogleConfig {
        key_files,
        api_url,
        token_url: url(
            "RTBCAT_GOOGLE_TOKEN_URL",
            env_value("RTBCAT_GOOGLE_TOKEN_URL").or(file.token_url),
        )?,
        requests_per_second: number(
            "RTBCAT_GOOGLE_REQUESTS_PER_SECOND",
            file.requests_per_second.map(u64::from),
            5,
            1..=1000,
        )? as u32,
        max_attempts: number(
            "RTBCAT_GOOGLE_MAX_ATTEMPTS",
            file.max_attempts.map(u64::from),
            5,
            1..=10,
        )? as u32,
        sync_interval_hours: number("RTBCAT_SYNC_INTERVAL_HOURS", file.sync_interval_hours, 24, 0..=720)?,
        auto_rollback: match env_value("RTBCAT_PRETARGETING_AUTO_ROLLBACK") {
            Some(v) => {
                parse_bool(&v).ok_or_else(|| error("RTBCAT_PRETARGETING_AUTO_ROLLBACK", "must be true or false"))?
            }
            None => file.auto_rollback.unwrap_or(false),
        },
    })
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_put_sqlite_in_the_data_dir() {
        let config = Config::load(None, &env(&[]), Some(Path::new("/home/jen"))).expect("defaults");
        assert_eq!(config.data_dir, PathBuf::from("/home/jen/.rtbcat"));
        assert_eq!(config.database_url.expose(), "sqlite:///home/jen/.rtbcat/rtbcat.db");
        assert_eq!(config.listen_addr, "127.0.0.1:8000");
        assert!(!config.secure_cookies);
    }

    #[test]
    fn env_beats_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("rtbcat.toml");
        std::fs::write(
            &file,
            "listen_addr = \"0.0.0.0:9000\"\nsession_ttl_hours = 48\ndata_dir = \"/srv/rtbcat\"\n",
        )
        .expect("write");
        let config = Config::load(Some(&file), &env(&[("RTBCAT_ADDR", "127.0.0.1:7000")]), None).expect("load");
        assert_eq!(config.listen_addr, "127.0.0.1:7000");
        assert_eq!(config.session_ttl_hours, 48);
        assert_eq!(config.database_url.expose(), "sqlite:///srv/rtbcat/rtbcat.db");
        let config = Config::load(
            Some(&file),
            &env(&[
                ("DATABASE_URL", "postgres://app:hunter2@db/rtbcat"),
                ("RTBCAT_DATA_DIR", "/tmp/x"),
            ]),
            None,
        )
        .expect("load");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.database_url.expose(), "postgres://app:hunter2@db/rtbcat");
        assert!(
            !format!("{config:?}").contains("hunter2"),
            "secrets must not appear in Debug"
        );
        let config = Config::load(None, &env(&[("RTBCAT_POSTBACK_SECRET", "s3cret-value")]), None).expect("load");
        assert!(
            !format!("{config:?}").contains("s3cret-value"),
            "postback secret redacted"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listen_adr = \"x\"\n").expect("write");
        let err = Config::load(Some(&file), &env(&[]), None).expect_err("unknown key");
        assert!(err.to_string().contains("listen_adr"), "{err}");
        let err = Config::load(None, &env(&[("DATABASE_URL", "mysql://x")]), None).expect_err("scheme");
        assert!(err.to_string().contains("DATABASE_URL"));
        let err = Config::load(None, &env(&[("RTBCAT_SECURE_COOKIES", "maybe")]), None).expect_err("bool");
        assert!(err.to_string().contains("RTBCAT_SECURE_COOKIES"));
        let missing = Config::load(Some(Path::new("/nonexistent/rtbcat.toml")), &env(&[]), None).expect_err("missing");
        assert!(matches!(missing, ConfigError::File { .. }));
    }

    #[test]
    fn the_llm_is_optional_and_its_key_never_shows() {
        assert!(Config::load(None, &env(&[]), None).expect("load").llm.is_none());
        let config = Config::load(
            None,
            &env(&[
                ("RTBCAT_LLM_PROVIDER", "anthropic"),
                ("ANTHROPIC_API_KEY", "sk-ant-secret"),
            ]),
            None,
        )
        .expect("load");
        let llm = config.llm.expect("llm");
        assert_eq!(llm.base_url, "https://api.anthropic.com");
        assert_eq!(llm.api_key.expose(), "sk-ant-secret");
        assert!(llm.price_per_million.is_some(), "the default model's price is known");
        assert!(!format!("{llm:?}").contains("sk-ant-secret"));
        let err = Config::load(None, &env(&[("RTBCAT_LLM_PROVIDER", "gemini")]), None).expect_err("no key");
        assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
        let err = Config::load(None, &env(&[("RTBCAT_LLM_PROVIDER", "llama")]), None).expect_err("provider");
        assert!(err.to_string().contains("anthropic, gemini or openai"), "{err}");
    }
}
