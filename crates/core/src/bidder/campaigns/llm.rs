//! Clustering by a language model, the pure half: what is sent (batched under a token
//! budget), each provider's wire format (Anthropic Messages, Google Gemini
//! `generateContent`, OpenAI-compatible chat completions), and the answer checked against
//! the creative ids that were sent. The HTTP half (timeouts, retries, fallback) is the app's.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Anthropic,
    Gemini,
    OpenAi,
}

impl Provider {
    pub fn parse(text: &str) -> Option<Provider> {
        match text.trim().to_ascii_lowercase().as_str() {
            "anthropic" | "claude" => Some(Provider::Anthropic),
            "gemini" | "google" => Some(Provider::Gemini),
            "openai" | "openai-compatible" => Some(Provider::OpenAi),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::Gemini => "gemini",
            Provider::OpenAi => "openai",
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Anthropic => "https://api.anthropic.com",
            Provider::Gemini => "https://generativelanguage.googleapis.com",
            Provider::OpenAi => "https://api.openai.com/v1",
        }
    }

    pub fn default_model(self) -> &'static str {
        match self {
            Provider::Anthropic => "claude-3-5-haiku-latest",
            Provider::Gemini => "gemini-1.5-flash",
            Provider::OpenAi => "gpt-4o-mini",
        }
    }

    /// The environment variable each provider's own tools read the key from.
    pub fn key_variable(self) -> &'static str {
        match self {
            Provider::Anthropic => "ANTHROPIC_API_KEY",
            Provider::Gemini => "GEMINI_API_KEY",
            Provider::OpenAi => "OPENAI_API_KEY",
        }
    }

    /// The path under the base URL a completion is posted to.
    pub fn path(self, model: &str) -> String {
        match self {
            Provider::Anthropic => "/v1/messages".into(),
            Provider::Gemini => format!("/v1beta/models/{model}:generateContent"),
            Provider::OpenAi => "/chat/completions".into(),
        }
    }

    /// The header carrying the key, and its value.
    pub fn auth_header(self, key: &str) -> (&'static str, String) {
        match self {
            Provider::Anthropic => ("x-api-key", key.to_string()),
            Provider::Gemini => ("x-goog-api-key", key.to_string()),
            Provider::OpenAi => ("authorization", format!("Bearer {key}")),
        }
    }

    /// Headers the provider requires besides the key.
    pub fn extra_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Provider::Anthropic => &[("anthropic-version", "2023-06-01")],
            _ => &[],
        }
    }

    /// The request body: one system instruction, one user message, JSON out, no sampling.
    pub fn body(self, model: &str, system: &str, user: &str, max_output_tokens: u32) -> Value {
        match self {
            Provider::Anthropic => json!({
                "model": model,
                "max_tokens": max_output_tokens,
                "temperature": 0,
                "system": system,
                "messages": [{"role": "user", "content": user}],
            }),
            Provider::Gemini => json!({
                "systemInstruction": {"parts": [{"text": system}]},
                "contents": [{"role": "user", "parts": [{"text": user}]}],
                "generationConfig": {
                    "temperature": 0,
                    "maxOutputTokens": max_output_tokens,
                    "responseMimeType": "application/json",
                },
            }),
            Provider::OpenAi => json!({
                "model": model,
                "temperature": 0,
                "max_tokens": max_output_tokens,
                "response_format": {"type": "json_object"},
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
            }),
        }
    }

    /// The text and token counts of a successful response.
    pub fn completion(self, body: &str) -> Result<Completion, String> {
        let value: Value =
            serde_json::from_str(body).map_err(|e| format!("the provider's response is not JSON: {e}"))?;
        let number = |v: &Value| v.as_u64().unwrap_or(0);
        let (text, input_tokens, output_tokens) = match self {
            Provider::Anthropic => (
                value["content"]
                    .as_array()
                    .map(|parts| {
                        parts
                            .iter()
                            .filter(|p| p["type"] == "text")
                            .filter_map(|p| p["text"].as_str())
                            .collect::<String>()
                    })
                    .filter(|t| !t.is_empty()),
                number(&value["usage"]["input_tokens"]),
                number(&value["usage"]["output_tokens"]),
            ),
            Provider::Gemini => (
                value["candidates"][0]["content"]["parts"]
                    .as_array()
                    .map(|parts| parts.iter().filter_map(|p| p["text"].as_str()).collect::<String>())
                    .filter(|t| !t.is_empty()),
                number(&value["usageMetadata"]["promptTokenCount"]),
                number(&value["usageMetadata"]["candidatesTokenCount"]),
            ),
            Provider::OpenAi => (
                value["choices"][0]["message"]["content"]
                    .as_str()
                    .map(str::to_string)
                    .filter(|t| !t.is_empty()),
                number(&value["usage"]["prompt_tokens"]),
                number(&value["usage"]["completion_tokens"]),
            ),
        };
        let text = text.ok_or_else(|| {
            let reason = value["stop_reason"]
                .as_str()
                .or(value["candidates"][0]["finishReason"].as_str())
                .or(value["choices"][0]["finish_reason"].as_str())
                .unwrap_or("no text");
            format!("the provider's response holds no text ({reason})")
        })?;
        Ok(Completion {
            text,
            input_tokens,
            output_tokens,
        })
    }
}

/// An error body's message, in any of the three providers' shapes
/// (`{"error": {"message": …}}`, Anthropic's `{"type": "error", "error": {…}}`).
pub fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| crate::shared::text::truncate_chars(body.trim(), 200))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// What the model is told about one creative.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Described {
    /// `seat/creative`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertiser: Option<String>,
    pub format: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

/// Rough tokens for a text: about four characters a token for this kind of JSON.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

/// Consecutive batches whose descriptions fit `budget_tokens` each (one creative per batch
/// at least, however long it is).
pub fn batches(creatives: &[Described], budget_tokens: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, c) in creatives.iter().enumerate() {
        let cost = estimate_tokens(&serde_json::to_string(c).unwrap_or_default()) + 1;
        if i > start && used + cost > budget_tokens {
            out.push(start..i);
            start = i;
            used = 0;
        }
        used += cost;
    }
    if start < creatives.len() {
        out.push(start..creatives.len());
    }
    out
}

pub const SYSTEM_PROMPT: &str = "You group display and video ad creatives into advertising campaigns. \
A campaign is one product: one app (the same app on Google Play and the App Store may be one campaign \
when the names show it is the same app) or one website. Never put two products in one campaign. \
Split a product into several campaigns only when formats or languages clearly differ and each part is large. \
Name each campaign readably: product name, then platform and language when they matter, separated by ' · ' \
(for example 'Puzzle Blocks · Android + iOS · pt'). Answer with JSON only, in exactly this shape: \
{\"campaigns\": [{\"name\": string, \"creative_ids\": [string], \"confidence\": number between 0 and 1}]}. \
Use only the creative ids given, each at most once.";

/// The user message for one batch.
pub fn user_prompt(batch: &[Described]) -> String {
    format!(
        "Group these {} creatives into campaigns:\n{}",
        batch.len(),
        serde_json::to_string(batch).unwrap_or_default()
    )
}

/// One campaign as the model proposed it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    pub name: String,
    pub creative_ids: Vec<String>,
    pub confidence: f64,
}

/// When the model gives no confidence for a campaign.
pub const DEFAULT_CONFIDENCE: f64 = 0.7;

/// The model's answer, checked against the ids sent: it must be the JSON shape asked for
/// (a Markdown code fence around it is tolerated), name every campaign, and use only ids
/// that were sent, each once. Creatives it left out are simply not placed by it.
pub fn parse_answer(text: &str, sent: &BTreeSet<String>) -> Result<Vec<Proposed>, String> {
    let trimmed = text.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.trim_end().strip_suffix("```"))
        .unwrap_or(trimmed);
    let value: Value =
        serde_json::from_str(unfenced.trim()).map_err(|e| format!("the answer is not the JSON asked for: {e}"))?;
    let campaigns = value["campaigns"]
        .as_array()
        .ok_or("the answer has no \"campaigns\" list")?;
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (i, c) in campaigns.iter().enumerate() {
        let name = c["name"]
            .as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("campaign {} has no name", i + 1))?;
        let ids = c["creative_ids"]
            .as_array()
            .ok_or_else(|| format!("campaign {name:?} has no \"creative_ids\" list"))?;
        let mut creative_ids = Vec::new();
        for id in ids {
            let id = id
                .as_str()
                .ok_or_else(|| format!("campaign {name:?} lists an id that is not a string: {id}"))?;
            if !sent.contains(id) {
                return Err(format!("campaign {name:?} lists {id:?}, which was not sent"));
            }
            if !seen.insert(id) {
                return Err(format!("{id:?} is in more than one campaign"));
            }
            creative_ids.push(id.to_string());
        }
        if creative_ids.is_empty() {
            continue;
        }
        let confidence = c["confidence"]
            .as_f64()
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(0.0, 1.0))
            .unwrap_or(DEFAULT_CONFIDENCE);
        out.push(Proposed {
            name: crate::shared::text::truncate_chars(name, 120),
            creative_ids,
            confidence,
        });
    }
    Ok(out)
}

/// Campaigns from several batches joined by name (the same product named alike in two
/// batches is one campaign), each with a stable key.
pub fn join_batches(proposed: Vec<Proposed>) -> Vec<(String, Proposed)> {
    let mut by_key: BTreeMap<String, Proposed> = BTreeMap::new();
    for p in proposed {
        let key = format!("llm:{}", slug(&p.name));
        match by_key.get_mut(&key) {
            Some(existing) => {
                let n = existing.creative_ids.len() as f64;
                let m = p.creative_ids.len() as f64;
                existing.confidence = (existing.confidence * n + p.confidence * m) / (n + m);
                existing.creative_ids.extend(p.creative_ids);
            }
            None => {
                by_key.insert(key, p);
            }
        }
    }
    by_key.into_iter().collect()
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.to_lowercase().chars() {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Dollars per million input and output tokens, for the cost estimate; `None` for a model
/// we do not know the price of (configure it).
pub fn known_price(model: &str) -> Option<(f64, f64)> {
    let m = model.to_ascii_lowercase();
    let table: &[(&str, f64, f64)] = &[
        ("claude-3-5-haiku", 0.80, 4.0),
        ("claude-3-haiku", 0.25, 1.25),
        ("claude-haiku-4", 1.0, 5.0),
        ("claude-sonnet", 3.0, 15.0),
        ("claude-3-5-sonnet", 3.0, 15.0),
        ("gemini-1.5-flash", 0.075, 0.30),
        ("gemini-2.0-flash", 0.10, 0.40),
        ("gemini-1.5-pro", 1.25, 5.0),
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4o", 2.50, 10.0),
    ];
    table
        .iter()
        .find(|(prefix, _, _)| m.starts_with(prefix))
        .map(|(_, input, output)| (*input, *output))
}

/// Estimated cost in micros of a dollar.
pub fn cost_micros(price: (f64, f64), input_tokens: u64, output_tokens: u64) -> i64 {
    // Dollars per million tokens are micros per token.
    (price.0 * input_tokens as f64 + price.1 * output_tokens as f64).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(id: &str) -> Described {
        Described {
            id: id.into(),
            advertiser: Some("Puzzle Blocks".into()),
            format: "HTML".into(),
            languages: vec!["pt".into()],
            app: Some("Google Play com.puzzle".into()),
            domain: None,
            headline: None,
        }
    }

    #[test]
    fn each_provider_reads_its_own_wire_format() {
        let anthropic = r#"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"{\"campaigns\":[]}"}],"stop_reason":"end_turn","usage":{"input_tokens":120,"output_tokens":8}}"#;
        let gemini = r#"{"candidates":[{"content":{"parts":[{"text":"{\"campaigns\":[]}"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":8,"totalTokenCount":128}}"#;
        let openai = r#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"campaigns\":[]}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":8,"total_tokens":128}}"#;
        for (provider, body) in [
            (Provider::Anthropic, anthropic),
            (Provider::Gemini, gemini),
            (Provider::OpenAi, openai),
        ] {
            let c = provider.completion(body).expect("completion");
            assert_eq!(
                (c.text.as_str(), c.input_tokens, c.output_tokens),
                ("{\"campaigns\":[]}", 120, 8)
            );
        }
        let cut = r#"{"candidates":[{"finishReason":"SAFETY"}]}"#;
        assert!(Provider::Gemini
            .completion(cut)
            .expect_err("refused")
            .contains("SAFETY"));
        assert_eq!(
            error_message(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
            "Overloaded"
        );
        assert_eq!(
            Provider::Gemini.path("gemini-1.5-flash"),
            "/v1beta/models/gemini-1.5-flash:generateContent"
        );
        assert_eq!(
            Provider::Anthropic.body("m", "s", "u", 100)["messages"][0]["content"],
            "u"
        );
    }

    #[test]
    fn answers_are_checked_against_the_ids_sent() {
        let sent: BTreeSet<String> = ["1/a", "1/b", "1/c"].iter().map(|s| s.to_string()).collect();
        let good = "```json\n{\"campaigns\":[{\"name\":\"Puzzle · pt\",\"creative_ids\":[\"1/a\",\"1/b\"],\"confidence\":0.9},{\"name\":\"Other\",\"creative_ids\":[\"1/c\"]}]}\n```";
        let parsed = parse_answer(good, &sent).expect("good");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].confidence, DEFAULT_CONFIDENCE);
        let unknown = r#"{"campaigns":[{"name":"X","creative_ids":["1/a","9/zz"]}]}"#;
        assert!(parse_answer(unknown, &sent)
            .expect_err("refused")
            .contains("\"9/zz\", which was not sent"));
        let twice = r#"{"campaigns":[{"name":"X","creative_ids":["1/a"]},{"name":"Y","creative_ids":["1/a"]}]}"#;
        assert!(parse_answer(twice, &sent)
            .expect_err("refused")
            .contains("more than one campaign"));
        assert!(parse_answer("Sure! Here are your campaigns", &sent).is_err());
        assert!(parse_answer(r#"{"groups":[]}"#, &sent).is_err());
    }

    #[test]
    fn batches_fit_the_budget_and_join_by_name() {
        let creatives: Vec<Described> = (0..100).map(|i| described(&format!("1/c{i}"))).collect();
        let one = estimate_tokens(&serde_json::to_string(&creatives[0]).expect("json")) + 1;
        let ranges = batches(&creatives, one * 30);
        assert_eq!(ranges.len(), 4);
        assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), 100);
        assert!(ranges.iter().all(|r| r.len() as u64 * one <= one * 30));
        let joined = join_batches(vec![
            Proposed {
                name: "Puzzle Blocks · pt".into(),
                creative_ids: vec!["1/a".into()],
                confidence: 1.0,
            },
            Proposed {
                name: "puzzle blocks  · PT".into(),
                creative_ids: vec!["1/b".into(), "1/c".into()],
                confidence: 0.7,
            },
        ]);
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].0, "llm:puzzle-blocks-pt");
        assert!((joined[0].1.confidence - 0.8).abs() < 1e-9);
        assert_eq!(cost_micros((0.8, 4.0), 1_000_000, 0), 800_000);
    }
}
