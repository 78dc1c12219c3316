//! Alerts: rules a user sets, evaluated after imports and on a schedule, delivered to a
//! webhook (Slack-compatible JSON) and/or by e-mail, once per condition until it clears,
//! every attempt logged. One evaluator at a time, by a lease in the database, so several
//! `rtbcat serve` sharing PostgreSQL do not alert twice.

use crate::bidder::opportunities::{OpportunityCache, OpportunityQuery};
use crate::config::Config;
use rtbcat_core::bidder::alerts::{changes, firing, webhook_body, AlertKind, Observation};
use rtbcat_core::popups::FieldError;
use rtbcat_store::{AlertRule, CampaignDimension, Delivery, NewAlertRule, SharedStore, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

pub use crate::popups::ChangeError as AlertError;

/// Delivery attempts per alert and channel.
pub const ATTEMPTS: i64 = 3;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleInput {
    pub name: String,
    /// `cpc_spike`, `spend_drop`, `new_opportunity` or `waste_jump`.
    pub kind: String,
    /// 0.2 = 20% (CPC up, spend down) or 20 points (waste share up); the kind's default
    /// when absent.
    pub threshold: Option<f64>,
    /// An incoming-webhook URL (Slack or compatible).
    pub webhook_url: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertRuleView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub threshold: f64,
    pub webhook_url: Option<String>,
    pub email: Option<String>,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
    /// Conditions firing now.
    pub active: Vec<String>,
}

/// A delivery attempt as logged.
pub use rtbcat_store::Delivery as DeliveryView;

/// What an evaluation did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EvaluationReport {
    /// False when another instance holds the evaluator lease.
    pub ran: bool,
    pub rules: usize,
    pub fired: usize,
    pub cleared: usize,
    pub deliveries: usize,
    pub failed_deliveries: usize,
}

fn problem(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        reason: reason.into(),
    }
}

pub async fn create_rule(
    store: &SharedStore,
    input: AlertRuleInput,
    actor: &str,
    now: i64,
) -> Result<AlertRuleView, AlertError> {
    let mut errors = Vec::new();
    let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(problem("name", "required, at most 100 characters"));
    }
    let kind = AlertKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(problem(
            "kind",
            "use cpc_spike, spend_drop, new_opportunity or waste_jump",
        ));
    }
    let threshold = input
        .threshold
        .or(kind.map(AlertKind::default_threshold))
        .unwrap_or(0.0);
    if !(0.0..=10.0).contains(&threshold) || !threshold.is_finite() {
        errors.push(problem("threshold", "between 0 and 10 (0.2 is 20%)"));
    }
    let webhook_url = input
        .webhook_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(url) = &webhook_url {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => errors.push(problem(
                "webhook_url",
                "an http(s) URL, like https://hooks.slack.com/services/…",
            )),
        }
    }
    let email = input.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(address) = &email {
        if address.parse::<lettre::Address>().is_err() {
            errors.push(problem("email", "an e-mail address, like ops@example.com"));
        }
    }
    if !errors.is_empty() {
        return Err(AlertError::Invalid(errors));
    }
    let rule = store
        .create_alert_rule(
            NewAlertRule {
                name,
                kind: kind.map(AlertKind::as_str).unwrap_or_default().into(),
                threshold_permille: (threshold * 1000.0).round() as i64,
                webhook_url,
                email,
            },
            actor.to_string(),
            now,
        )
        .await?;
    Ok(view(rule, &[]))
}

fn view(rule: AlertRule, active: &[rtbcat_store::ActiveAlert]) -> AlertRuleView {
    AlertRuleView {
        active: active
            .iter()
            .filter(|a| a.rule_id == rule.id)
            .map(|a| a.message.clone())
            .collect(),
        id: rule.id,
        name: rule.name,
        kind: rule.kind,
        threshold: rule.threshold_permille as f64 / 1000.0,
        webhook_url: rule.webhook_url,
        email: rule.email,
        enabled: rule.enabled,
        created_by: rule.created_by,
        created_at: rule.created_at,
    }
}

pub async fn rules(store: &SharedStore) -> Result<Vec<AlertRuleView>, StoreError> {
    let active = store.active_alerts().await?;
    Ok(store
        .alert_rules()
        .await?
        .into_iter()
        .map(|r| view(r, &active))
        .collect())
}

pub async fn delete_rule(store: &SharedStore, id: i64, actor: &str, now: i64) -> Result<(), StoreError> {
    store.delete_alert_rule(id, actor.to_string(), now).await
}

pub async fn deliveries(store: &SharedStore, limit: i64) -> Result<Vec<DeliveryView>, StoreError> {
    store.recent_deliveries(limit).await
}

/// What each kind of rule looks at now.
async fn observations(
    store: &SharedStore,
    kind: AlertKind,
    opportunities: &OpportunityCache,
    now: i64,
) -> Result<Vec<Observation>, StoreError> {
    let Some(last) = crate::bidder::performance::last_day(store, None).await? else {
        return Ok(Vec::new());
    };
    match kind {
        AlertKind::CpcSpike | AlertKind::SpendDrop => {
            let start = last - time::Duration::days(7);
            let days = store
                .campaign_cuts(
                    CampaignDimension::Date,
                    None,
                    Some(start.to_string()),
                    Some(last.to_string()),
                )
                .await?;
            let names: HashMap<i64, String> = store
                .list_creative_campaigns()
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            // (newest day, the seven before) per campaign: spend, clicks.
            type SpendClicks = (i64, i64);
            let mut sums: HashMap<i64, (SpendClicks, SpendClicks)> = HashMap::new();
            let newest = last.to_string();
            for d in days {
                let entry = sums.entry(d.campaign_id).or_default();
                let slot = if d.value == newest { &mut entry.0 } else { &mut entry.1 };
                slot.0 += d.spend_micros;
                slot.1 += d.clicks;
            }
            Ok(sums
                .into_iter()
                .map(|(id, ((spend, clicks), (spend_before, clicks_before)))| {
                    let (current, previous) = match kind {
                        // CPC needs clicks on both sides to mean anything.
                        AlertKind::CpcSpike => (
                            (clicks >= 20).then(|| spend as f64 / 1e6 / clicks as f64),
                            (clicks_before >= 20).then(|| spend_before as f64 / 1e6 / clicks_before as f64),
                        ),
                        _ => (
                            Some(spend as f64 / 1e6),
                            (spend_before >= 7_000_000).then(|| spend_before as f64 / 1e6 / 7.0),
                        ),
                    };
                    Observation {
                        subject: format!("campaign {id}"),
                        label: names.get(&id).cloned().unwrap_or_else(|| format!("campaign {id}")),
                        current,
                        previous,
                    }
                })
                .collect())
        }
        AlertKind::NewOpportunity => {
            let list = crate::bidder::opportunities::list(store, opportunities, &OpportunityQuery::default(), now)
                .await
                .map_err(|e| match e {
                    crate::bidder::opportunities::OpportunityError::Store(s) => s,
                    other => StoreError::Backend(other.to_string()),
                })?;
            Ok(list
                .opportunities
                .into_iter()
                .map(|o| Observation {
                    subject: format!("opportunity {}", o.id),
                    label: format!("{}: {}", o.campaign_name, o.recommendation),
                    current: Some(o.potential_weekly_micros as f64 / 1e6),
                    previous: None,
                })
                .collect())
        }
        AlertKind::WasteJump => {
            let share = |as_of: time::Date| async move {
                crate::bidder::waste::waste(
                    store,
                    &crate::bidder::waste::WasteQuery {
                        days: Some(7),
                        as_of: Some(as_of.to_string()),
                        seat: None,
                    },
                    as_of,
                )
                .await
                .ok()
                .and_then(|r| r.waste_share)
            };
            Ok(vec![Observation {
                subject: "waste".into(),
                label: "waste".into(),
                current: share(last).await,
                previous: share(last - time::Duration::days(7)).await,
            }])
        }
    }
}

/// Sends one alert on one channel, with retries; the delivery as logged.
async fn deliver(
    config: &Config,
    client: &reqwest::Client,
    rule: &AlertRule,
    channel: &str,
    text: &str,
) -> (String, i64, Option<String>) {
    let mut last_error = None;
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt as u32 - 1))).await;
        }
        let result: Result<(), String> = match channel {
            "webhook" => {
                let url = rule.webhook_url.as_deref().unwrap_or_default();
                match client.post(url).json(&webhook_body(&rule.name, text)).send().await {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("the webhook answered {}", r.status().as_u16())),
                    Err(e) => Err(format!("could not reach the webhook: {}", e.without_url())),
                }
            }
            _ => send_mail(config, rule, text).await,
        };
        match result {
            Ok(()) => return ("sent".into(), attempt, None),
            Err(e) => last_error = Some(e),
        }
    }
    ("failed".into(), ATTEMPTS, last_error)
}

async fn send_mail(config: &Config, rule: &AlertRule, text: &str) -> Result<(), String> {
    let to = rule.email.clone().unwrap_or_default();
    crate::platform::mail::send(config, &[to], &format!("[rtbcat] {}", rule.name), text, None).await
}

/// Evaluates every enabled rule once (if this instance holds the evaluator lease): new
/// conditions are delivered, cleared ones noted; each condition alerts once until it clears.
pub async fn evaluate(
    store: &SharedStore,
    config: &Config,
    opportunities: &OpportunityCache,
    holder: &str,
    now: i64,
) -> Result<EvaluationReport, StoreError> {
    // The lease covers one run (at most five minutes, should an instance die holding it):
    // runs never overlap, and the alert states keep any run from re-sending what an earlier
    // one sent.
    if !store.take_lease("alerts".into(), holder.into(), now, now + 300).await? {
        return Ok(EvaluationReport::default());
    }
    let result = evaluate_rules(store, config, opportunities, now).await;
    store.take_lease("alerts".into(), holder.into(), now, now - 1).await?;
    result
}

async fn evaluate_rules(
    store: &SharedStore,
    config: &Config,
    opportunities: &OpportunityCache,
    now: i64,
) -> Result<EvaluationReport, StoreError> {
    let mut report = EvaluationReport {
        ran: true,
        ..EvaluationReport::default()
    };
    let rules: Vec<AlertRule> = store.alert_rules().await?.into_iter().filter(|r| r.enabled).collect();
    report.rules = rules.len();
    let active = store.active_alerts().await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut seen: HashMap<AlertKind, Vec<Observation>> = HashMap::new();
    for rule in rules {
        let Some(kind) = AlertKind::parse(&rule.kind) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(kind) {
            slot.insert(observations(store, kind, opportunities, now).await?);
        }
        let now_firing = firing(kind, rule.threshold_permille as f64 / 1000.0, &seen[&kind]);
        let was: BTreeSet<String> = active
            .iter()
            .filter(|a| a.rule_id == rule.id)
            .map(|a| a.subject.clone())
            .collect();
        let (new, cleared) = changes(&now_firing, &was);
        report.fired += new.len();
        report.cleared += cleared.len();
        store
            .record_alert_changes(
                rule.id,
                new.iter().map(|f| (f.subject.clone(), f.message.clone())).collect(),
                cleared.clone(),
                now,
            )
            .await?;
        let channels: Vec<&str> = [
            rule.webhook_url.as_ref().map(|_| "webhook"),
            rule.email.as_ref().map(|_| "email"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let events = new
            .iter()
            .map(|f| ("fired", f.subject.clone(), f.message.clone()))
            .chain(cleared.iter().map(|s| {
                let message = active
                    .iter()
                    .find(|a| a.rule_id == rule.id && &a.subject == s)
                    .map_or_else(|| s.clone(), |a| format!("Cleared: {}", a.message));
                ("cleared", s.clone(), message)
            }));
        for (event, subject, message) in events {
            let outcomes: Vec<(String, String, i64, Option<String>)> = if channels.is_empty() {
                vec![("none".into(), "logged".into(), 0, None)]
            } else {
                let mut out = Vec::new();
                for channel in &channels {
                    let (status, attempts, error) = deliver(config, &client, &rule, channel, &message).await;
                    out.push((channel.to_string(), status, attempts, error));
                }
                out
            };
            for (channel, status, attempts, error) in outcomes {
                report.deliveries += 1;
                if status == "failed" {
                    report.failed_deliveries += 1;
                    tracing::warn!(rule = %rule.name, %channel, error = ?error, "alert delivery failed");
                }
                store
                    .log_delivery(Delivery {
                        id: 0,
                        rule_id: rule.id,
                        subject: subject.clone(),
                        event: event.into(),
                        message: message.clone(),
                        channel,
                        status,
                        attempts,
                        error,
                        at: now,
                    })
                    .await?;
            }
        }
    }
    Ok(report)
}
