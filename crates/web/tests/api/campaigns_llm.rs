//! Clustering with a language model, against local fake servers that speak each provider's
//! real wire format (Anthropic Messages, Gemini generateContent, OpenAI chat completions):
//! the key goes in the right header and never into the answer, rate limits and server
//! errors are retried, malformed answers and unknown ids are refused, a slow provider
//! times out, and whatever the model could not place goes by the rules.

use crate::support::{spawn_app_configured, Backend, TestApp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rtbcat_core::platform::accounts::Role;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const KEY: &str = "sk-test-very-secret-key";

/// What the fake answers, request by request (the last one repeats).
#[derive(Clone, Copy, Debug)]
enum Reply {
    Good,
    RateLimited,
    ServerError,
    Unauthorized,
    NotJson,
    UnknownId,
    DuplicateId,
    Slow,
}

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Anthropic,
    Gemini,
    OpenAi,
}

struct Fake {
    wire: Wire,
    script: Vec<Reply>,
    requests: Vec<HeaderMap>,
}

type Shared = Arc<Mutex<Fake>>;

/// The prompt's creatives: the JSON array after the first line of the user message.
fn creatives_in(wire: Wire, body: &Value) -> Vec<Value> {
    let text = match wire {
        Wire::Anthropic => body["messages"][0]["content"].as_str(),
        Wire::Gemini => body["contents"][0]["parts"][0]["text"].as_str(),
        Wire::OpenAi => body["messages"][1]["content"].as_str(),
    }
    .expect("user message");
    let list = text.split_once('\n').expect("two lines").1;
    serde_json::from_str::<Vec<Value>>(list).expect("creatives as JSON")
}

/// Groups by advertiser, as a model might.
fn grouping(creatives: &[Value], reply: Reply) -> String {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in creatives {
        groups
            .entry(c["advertiser"].as_str().unwrap_or("Unknown").to_string())
            .or_default()
            .push(c["id"].as_str().expect("id").to_string());
    }
    let mut campaigns: Vec<Value> = groups
        .into_iter()
        .map(|(name, ids)| json!({"name": format!("{name} (model)"), "creative_ids": ids, "confidence": 0.85}))
        .collect();
    match reply {
        Reply::UnknownId => campaigns[0]["creative_ids"]
            .as_array_mut()
            .expect("ids")
            .push(json!("9/not-sent")),
        Reply::DuplicateId => {
            let first = campaigns[0]["creative_ids"][0].clone();
            campaigns.push(json!({"name": "Again", "creative_ids": [first]}));
        }
        _ => {}
    }
    json!({ "campaigns": campaigns }).to_string()
}

fn wrap(wire: Wire, text: &str) -> Value {
    match wire {
        Wire::Anthropic => json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-latest",
            "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 1000, "output_tokens": 100}
        }),
        Wire::Gemini => json!({
            "candidates": [{"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
        }),
        Wire::OpenAi => json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}
        }),
    }
}

fn error(wire: Wire, status: StatusCode, message: &str) -> Response {
    let body = match wire {
        Wire::Anthropic => json!({"type": "error", "error": {"type": "rate_limit_error", "message": message}}),
        Wire::Gemini => json!({"error": {"code": status.as_u16(), "message": message, "status": "UNAVAILABLE"}}),
        Wire::OpenAi => json!({"error": {"message": message, "type": "server_error", "code": null}}),
    };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", "0".parse().expect("header"));
    }
    response
}

async fn complete(State(fake): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let (wire, reply) = {
        let mut fake = fake.lock().expect("fake");
        fake.requests.push(headers.clone());
        let reply = if fake.script.len() > 1 {
            fake.script.remove(0)
        } else {
            fake.script[0]
        };
        (fake.wire, reply)
    };
    let key_ok = match wire {
        Wire::Anthropic => {
            headers.get("x-api-key").is_some_and(|v| v == KEY) && headers.get("anthropic-version").is_some()
        }
        Wire::Gemini => headers.get("x-goog-api-key").is_some_and(|v| v == KEY),
        Wire::OpenAi => headers
            .get("authorization")
            .is_some_and(|v| v == &format!("Bearer {KEY}")),
    };
    if !key_ok || matches!(reply, Reply::Unauthorized) {
        return error(wire, StatusCode::UNAUTHORIZED, "invalid api key");
    }
    match reply {
        Reply::RateLimited => error(wire, StatusCode::TOO_MANY_REQUESTS, "slow down"),
        Reply::ServerError => error(wire, StatusCode::INTERNAL_SERVER_ERROR, "overloaded"),
        Reply::Slow => {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            Json(wrap(wire, "{}")).into_response()
        }
        Reply::NotJson => Json(wrap(wire, "Sure! Here are the campaigns you asked for.")).into_response(),
        other => Json(wrap(wire, &grouping(&creatives_in(wire, &body), other))).into_response(),
    }
}

async fn fake_provider(wire: Wire, script: Vec<Reply>) -> (String, Shared) {
    let fake = Arc::new(Mutex::new(Fake {
        wire,
        script,
        requests: Vec::new(),
    }));
    let app = Router::new()
        .route("/v1/messages", post(complete))
        .route("/v1beta/models/{model}", post(complete))
        .route("/v1/chat/completions", post(complete))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let base = match wire {
        Wire::OpenAi => format!("http://{addr}/v1"),
        _ => format!("http://{addr}"),
    };
    (base, fake)
}

async fn app_with(provider: &str, base: &str, extra: &[(&str, String)]) -> TestApp {
    let mut settings = vec![
        ("RTBCAT_LLM_PROVIDER", provider.to_string()),
        ("RTBCAT_LLM_BASE_URL", base.to_string()),
        ("RTBCAT_LLM_API_KEY", KEY.to_string()),
    ];
    settings.extend(extra.iter().cloned());
    let app = spawn_app_configured(Backend::Sqlite, 1000, &settings).await;
    app.load_demo(rtbcat_app::bidder::demo::DEFAULT_SEED, 60, 200).await;
    app
}

/// Clusters with the model and checks what must always hold: every creative in exactly
/// one campaign, the key nowhere in the answer.
async fn cluster_with_llm(app: &TestApp) -> (Value, Vec<Value>) {
    let editor = app.client_as(Role::Editor).await;
    let (status, report) = crate::popups::send(
        editor
            .post(app.url("/campaigns/cluster"))
            .json(&json!({"provider": "llm"})),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(!report.to_string().contains(KEY), "the key leaked: {report}");
    let list: Value = editor
        .get(app.url("/campaigns?period=all"))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let campaigns = list.as_array().expect("list").clone();
    let mut seen = BTreeSet::new();
    for c in &campaigns {
        for id in c["creative_ids"].as_array().expect("ids") {
            assert!(seen.insert(id.as_str().expect("id").to_string()), "{id} twice");
        }
    }
    let total = app.store.campaign_inputs().await.expect("inputs").len();
    assert_eq!(
        seen.len() as u64 + report["unassigned"].as_u64().expect("unassigned"),
        total as u64
    );
    (report, campaigns)
}

#[tokio::test]
async fn anthropic_retries_a_rate_limit_and_groups_everything() {
    let (base, fake) = fake_provider(Wire::Anthropic, vec![Reply::RateLimited, Reply::Good]).await;
    let app = app_with("anthropic", &base, &[]).await;
    let (report, campaigns) = cluster_with_llm(&app).await;
    assert_eq!(report["provider"], "anthropic");
    let llm = &report["llm"];
    assert_eq!(
        (llm["batches"].as_u64(), llm["requests"].as_u64()),
        (Some(1), Some(2)),
        "{report}"
    );
    assert_eq!(
        (llm["input_tokens"].as_u64(), llm["output_tokens"].as_u64()),
        (Some(1000), Some(100))
    );
    // claude-3-5-haiku at $0.80 / $4 per million: 1000 × 0.8 + 100 × 4 micros.
    assert_eq!(llm["cost_estimate_micros"].as_i64(), Some(1_200));
    assert_eq!(llm["fallbacks"].as_array().map(Vec::len), Some(0));
    assert!(
        campaigns.iter().all(|c| c["source"] == "llm"),
        "all placed by the model"
    );
    assert!(campaigns
        .iter()
        .all(|c| c["name"].as_str().expect("name").ends_with("(model)")));
    let headers = &fake.lock().expect("fake").requests;
    assert_eq!(
        headers[0].get("anthropic-version").map(|v| v.to_str().ok()),
        Some(Some("2023-06-01"))
    );
}

#[tokio::test]
async fn gemini_batches_and_bad_answers_fall_back_to_the_rules() {
    // Small batches: the first answered well, the second with an id it was not sent (three
    // times), the third not JSON (three times), then duplicates (three times).
    let script = vec![
        Reply::Good,
        Reply::UnknownId,
        Reply::UnknownId,
        Reply::UnknownId,
        Reply::NotJson,
        Reply::NotJson,
        Reply::NotJson,
        Reply::DuplicateId,
    ];
    let (base, _fake) = fake_provider(Wire::Gemini, script).await;
    let app = app_with("gemini", &base, &[("RTBCAT_LLM_BATCH_TOKENS", "450".into())]).await;
    let (report, campaigns) = cluster_with_llm(&app).await;
    assert_eq!(report["provider"], "gemini");
    let llm = &report["llm"];
    let batches = llm["batches"].as_u64().expect("batches");
    assert!(batches >= 4, "{report}");
    let fallbacks: Vec<String> = llm["fallbacks"]
        .as_array()
        .expect("fallbacks")
        .iter()
        .map(|f| f.as_str().expect("text").to_string())
        .collect();
    assert_eq!(fallbacks.len() as u64, batches - 1, "{fallbacks:?}");
    assert!(fallbacks[0].contains("which was not sent"), "{fallbacks:?}");
    assert!(fallbacks[1].contains("not the JSON asked for"), "{fallbacks:?}");
    assert!(fallbacks[2].contains("more than one campaign"), "{fallbacks:?}");
    assert!(campaigns.iter().any(|c| c["source"] == "llm"));
    assert!(
        campaigns.iter().any(|c| c["source"] == "rule"),
        "the rest went by the rules"
    );
    assert!(llm["placed_by_llm"].as_u64().expect("placed") > 0);
}

#[tokio::test]
async fn openai_errors_are_retried_then_named_and_a_refused_key_is_not_retried() {
    let (base, fake) = fake_provider(Wire::OpenAi, vec![Reply::ServerError]).await;
    let app = app_with("openai", &base, &[]).await;
    let (report, campaigns) = cluster_with_llm(&app).await;
    let llm = &report["llm"];
    assert_eq!(llm["requests"].as_u64(), Some(3), "three attempts: {report}");
    assert!(
        llm["fallbacks"][0]
            .as_str()
            .expect("why")
            .contains("openai answered 500: overloaded"),
        "{report}"
    );
    assert!(campaigns.iter().all(|c| c["source"] == "rule"));
    assert!(!campaigns.is_empty());
    assert_eq!(fake.lock().expect("fake").requests.len(), 3);

    let (base, fake) = fake_provider(Wire::OpenAi, vec![Reply::Unauthorized]).await;
    let app = app_with("openai", &base, &[]).await;
    let (report, _) = cluster_with_llm(&app).await;
    assert_eq!(report["llm"]["requests"].as_u64(), Some(1), "{report}");
    assert!(report["llm"]["fallbacks"][0].as_str().expect("why").contains("401"));
    assert_eq!(fake.lock().expect("fake").requests.len(), 1);
}

#[tokio::test]
async fn a_slow_provider_times_out_and_the_rules_take_over() {
    let (base, _fake) = fake_provider(Wire::Anthropic, vec![Reply::Slow]).await;
    let app = app_with("anthropic", &base, &[("RTBCAT_LLM_TIMEOUT_SECONDS", "1".into())]).await;
    let (report, campaigns) = cluster_with_llm(&app).await;
    assert!(
        report["llm"]["fallbacks"][0]
            .as_str()
            .expect("why")
            .contains("no answer within 1 s"),
        "{report}"
    );
    assert!(campaigns.iter().all(|c| c["source"] == "rule"));
}
