//! Clustering by a language model, the HTTP half: batches sent one after another with a
//! timeout, retried on the errors worth retrying (429, 5xx, a timeout, a dropped
//! connection, an answer that fails its checks), and a batch that still fails is left to
//! the rules. The key goes in a header and never into a message or a log line.

use crate::config::LlmConfig;
use rtbcat_core::bidder::campaigns::llm::{
    batches, cost_micros, error_message, estimate_tokens, join_batches, parse_answer, user_prompt, Described, Proposed,
    SYSTEM_PROMPT,
};
use rtbcat_store::CampaignInput;
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;

/// Attempts per batch, the first included.
pub const ATTEMPTS: u32 = 3;
/// Output tokens allowed per batch.
const MAX_OUTPUT_TOKENS: u32 = 8_192;

/// What the language model cost and did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LlmUsage {
    pub model: String,
    pub batches: usize,
    /// Requests sent, retries included.
    pub requests: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Estimated from the configured (or known) price; none for an unknown model.
    pub cost_estimate_micros: Option<i64>,
    /// Creatives the model placed; the rest went by the rules.
    pub placed_by_llm: usize,
    /// Why a batch went to the rules instead, one line per failed batch.
    pub fallbacks: Vec<String>,
}

/// A campaign the model proposed, with its stable key.
#[derive(Debug, Clone)]
pub struct LlmCampaign {
    pub key: String,
    pub name: String,
    pub creative_ids: Vec<String>,
    pub confidence: f64,
}

pub struct LlmRun {
    pub campaigns: Vec<LlmCampaign>,
    pub usage: LlmUsage,
}

fn describe(input: &CampaignInput) -> Described {
    Described {
        id: format!("{}/{}", input.seat_id, input.creative_id),
        advertiser: input.advertiser.clone(),
        format: input.format.clone(),
        languages: input
            .languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        app: match (&input.app_store, &input.app_id) {
            (Some(store), Some(id)) => Some(format!("{store} {id}")),
            _ => None,
        },
        domain: if input.app_id.is_some() {
            None
        } else {
            input.domain.clone()
        },
        headline: None,
    }
}

/// Asks the model to group `inputs`, batch by batch. Never fails as a whole: what could not
/// be done is in `usage.fallbacks`, and those creatives are left for the rules.
pub async fn propose(config: &LlmConfig, inputs: &[CampaignInput]) -> LlmRun {
    let described: Vec<Described> = inputs.iter().map(describe).collect();
    let ranges = batches(&described, config.batch_tokens);
    let mut usage = LlmUsage {
        model: config.model.clone(),
        batches: ranges.len(),
        ..LlmUsage::default()
    };
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(config.timeout_seconds))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            usage.fallbacks.push(format!("could not start an HTTP client: {e}"));
            return LlmRun {
                campaigns: Vec::new(),
                usage,
            };
        }
    };
    let mut proposed: Vec<Proposed> = Vec::new();
    for (n, range) in ranges.iter().enumerate() {
        let batch = &described[range.clone()];
        let sent: BTreeSet<String> = batch.iter().map(|d| d.id.clone()).collect();
        match ask(&client, config, batch, &sent, &mut usage).await {
            Ok(campaigns) => proposed.extend(campaigns),
            Err(reason) => usage.fallbacks.push(format!(
                "batch {} of {} ({} creatives): {reason}",
                n + 1,
                ranges.len(),
                batch.len()
            )),
        }
    }
    usage.cost_estimate_micros = config
        .price_per_million
        .map(|price| cost_micros(price, usage.input_tokens, usage.output_tokens));
    let campaigns: Vec<LlmCampaign> = join_batches(proposed)
        .into_iter()
        .map(|(key, p)| LlmCampaign {
            key,
            name: p.name,
            creative_ids: p.creative_ids,
            confidence: p.confidence,
        })
        .collect();
    usage.placed_by_llm = campaigns.iter().map(|c| c.creative_ids.len()).sum();
    LlmRun { campaigns, usage }
}

/// One batch, with its retries.
async fn ask(
    client: &reqwest::Client,
    config: &LlmConfig,
    batch: &[Described],
    sent: &BTreeSet<String>,
    usage: &mut LlmUsage,
) -> Result<Vec<Proposed>, String> {
    let user = user_prompt(batch);
    let body = config
        .provider
        .body(&config.model, SYSTEM_PROMPT, &user, MAX_OUTPUT_TOKENS);
    let url = format!("{}{}", config.base_url, config.provider.path(&config.model));
    let mut last = String::new();
    let mut asked_wait: Option<u64> = None;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt, asked_wait.take())).await;
        }
        usage.requests += 1;
        let (header, value) = config.provider.auth_header(config.api_key.expose());
        let mut request = client.post(&url).header(header, value).json(&body);
        for (name, value) in config.provider.extra_headers() {
            request = request.header(*name, *value);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                // Without the URL: a proxy's may carry credentials.
                last = if e.is_timeout() {
                    format!("no answer within {} s", config.timeout_seconds)
                } else {
                    format!("could not reach {}: {}", config.provider.as_str(), e.without_url())
                };
                continue;
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => {
                last = format!("the answer broke off: {}", e.without_url());
                continue;
            }
        };
        if !status.is_success() {
            last = format!(
                "{} answered {}: {}",
                config.provider.as_str(),
                status.as_u16(),
                error_message(&text)
            );
            asked_wait = retry_after;
            if status.as_u16() == 429 || status.is_server_error() {
                continue;
            }
            // A refused key, an unknown model, a bad request: asking again will not help.
            return Err(last);
        }
        let completion = match config.provider.completion(&text) {
            Ok(c) => c,
            Err(e) => {
                last = e;
                continue;
            }
        };
        usage.input_tokens += if completion.input_tokens > 0 {
            completion.input_tokens
        } else {
            estimate_tokens(SYSTEM_PROMPT) + estimate_tokens(&user)
        };
        usage.output_tokens += if completion.output_tokens > 0 {
            completion.output_tokens
        } else {
            estimate_tokens(&completion.text)
        };
        match parse_answer(&completion.text, sent) {
            Ok(campaigns) => return Ok(campaigns),
            Err(e) => last = e,
        }
    }
    Err(format!("{last} (after {ATTEMPTS} attempts)"))
}

/// Waits longer each attempt; a provider's `Retry-After` (seconds) is honoured up to 10 s.
fn backoff(attempt: u32, asked_seconds: Option<u64>) -> Duration {
    asked_seconds
        .map(|s| Duration::from_secs(s.min(10)))
        .unwrap_or(Duration::from_millis(200 * 2u64.pow(attempt)))
}
