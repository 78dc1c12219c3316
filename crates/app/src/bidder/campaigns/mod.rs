//! Campaigns of creatives (the bidder wing's; the popup spec's `/api/campaigns` are offers):
//! clustering by the rules or a language model, newcomers placed after an import, a user's
//! edits, and the campaigns with their numbers (`views`).

pub mod llm;
mod views;

pub use views::*;

use crate::config::LlmConfig;
use rtbcat_core::bidder::campaigns::{cluster as cluster_creatives, CreativeFacts};
use rtbcat_core::popups::FieldError;
use rtbcat_store::{AuditNote, ClusterToSave, ClusteringCounts, Mode, SharedStore, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use crate::popups::ChangeError as CampaignError;
pub use rtbcat_store::CampaignEdit;

/// Who clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClusterWith {
    /// The rules (fast, no data leaves the machine).
    #[default]
    #[serde(rename = "rule")]
    Rules,
    /// The configured language model, with the rules for whatever it does not place.
    Llm,
}

/// What a clustering run did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClusterReport {
    /// `rule`, or the LLM provider (`anthropic`, `gemini`, `openai`).
    pub provider: String,
    /// Campaigns the run found.
    pub campaigns: usize,
    /// Campaigns created by this run.
    pub formed: u64,
    /// Creatives placed in a campaign they were not in before.
    pub assigned: u64,
    /// Creatives a user placed (or locked in), left where they are.
    pub kept: u64,
    /// Creatives in no campaign after the run: nothing to cluster by (no app, domain or
    /// advertiser), or their campaign is locked against newcomers.
    pub unassigned: u64,
    pub duration_ms: u64,
    /// The language model's part, when one was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<llm::LlmUsage>,
}

pub(crate) fn facts(input: &rtbcat_store::CampaignInput) -> CreativeFacts {
    CreativeFacts {
        languages: languages(&input.languages),
        // An app's "domain" is its store's or tracker's: not the product.
        domain: if input.app_id.is_some() {
            None
        } else {
            input.domain.clone()
        },
        seat_id: input.seat_id.clone(),
        creative_id: input.creative_id.clone(),
        advertiser: input.advertiser.clone(),
        format: input.format.clone(),
        app_store: input.app_store.clone(),
        app_id: input.app_id.clone(),
    }
}

fn languages(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn to_save(clusters: Vec<rtbcat_core::bidder::campaigns::Cluster>) -> Vec<ClusterToSave> {
    clusters
        .into_iter()
        .map(|c| ClusterToSave {
            confidence_permille: permille(c.confidence),
            source: "rule".into(),
            key: c.key,
            name: c.name,
            rule: c.rule,
            members: c.members,
        })
        .collect()
}

fn permille(confidence: f64) -> i64 {
    (confidence.clamp(0.0, 1.0) * 1000.0).round() as i64
}

fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Clusters every creative (by the rules, or by the language model with the rules for what
/// it leaves) and saves the result; a user's edits are kept.
pub async fn cluster(
    store: &SharedStore,
    with: ClusterWith,
    llm_config: Option<&LlmConfig>,
    actor: &str,
    now: i64,
) -> Result<ClusterReport, CampaignError> {
    let started = std::time::Instant::now();
    let inputs = store.campaign_inputs().await?;
    let total = inputs.len() as u64;
    let (mut to_save, provider, usage) = match (with, llm_config) {
        (ClusterWith::Rules, _) => (
            to_save(cluster_creatives(&inputs.iter().map(facts).collect::<Vec<_>>())),
            "rule".to_string(),
            None,
        ),
        (ClusterWith::Llm, None) => {
            return Err(CampaignError::Invalid(vec![FieldError {
                field: "provider".into(),
                reason: "no language model is configured: set RTBCAT_LLM_PROVIDER and its key (see docs/campaigns.md)"
                    .into(),
            }]))
        }
        (ClusterWith::Llm, Some(config)) => {
            let run = llm::propose(config, &inputs).await;
            let placed: BTreeSet<&str> = run
                .campaigns
                .iter()
                .flat_map(|c| c.creative_ids.iter().map(String::as_str))
                .collect();
            // What the model did not place (left out, or a batch that failed) goes by the rules.
            let rest: Vec<CreativeFacts> = inputs
                .iter()
                .filter(|i| !placed.contains(format!("{}/{}", i.seat_id, i.creative_id).as_str()))
                .map(facts)
                .collect();
            let mut saved: Vec<ClusterToSave> = run
                .campaigns
                .iter()
                .map(|c| ClusterToSave {
                    key: c.key.clone(),
                    source: "llm".into(),
                    name: c.name.clone(),
                    rule: format!("grouped by {} ({})", config.provider.as_str(), config.model),
                    confidence_permille: permille(c.confidence),
                    members: c
                        .creative_ids
                        .iter()
                        .filter_map(|id| id.split_once('/'))
                        .map(|(seat, id)| (seat.to_string(), id.to_string()))
                        .collect(),
                })
                .collect();
            saved.extend(to_save(cluster_creatives(&rest)));
            (saved, config.provider.as_str().to_string(), Some(run.usage))
        }
    };
    to_save.retain(|c| !c.members.is_empty());
    let clustered: u64 = to_save.iter().map(|c| c.members.len() as u64).sum();
    let campaigns = to_save.len();
    let note = AuditNote {
        actor: actor.to_string(),
        action: "campaigns.cluster".into(),
    };
    let counts = store.apply_clustering(to_save, Mode::Recluster, note, now).await?;
    Ok(ClusterReport {
        provider,
        campaigns,
        formed: counts.formed,
        assigned: counts.assigned,
        kept: counts.kept,
        unassigned: total - clustered + counts.held,
        duration_ms: elapsed_ms(started),
        llm: usage,
    })
}

/// Places creatives that are in no campaign yet (after an import or sync) by the rules:
/// each joins the campaign its product's creatives are in, or a new one. Nothing moves.
pub async fn place_new(store: &SharedStore, actor: &str, now: i64) -> Result<ClusteringCounts, StoreError> {
    let inputs: Vec<CreativeFacts> = store.campaign_inputs().await?.iter().map(facts).collect();
    let note = AuditNote {
        actor: actor.to_string(),
        action: "campaigns.place_new".into(),
    };
    store
        .apply_clustering(to_save(cluster_creatives(&inputs)), Mode::NewOnly, note, now)
        .await
}

/// Clusters every creative by the rules and saves the result; a user's edits are kept.
pub async fn cluster_by_rules(store: &SharedStore, actor: &str, now: i64) -> Result<ClusterReport, StoreError> {
    match cluster(store, ClusterWith::Rules, None, actor, now).await {
        Ok(report) => Ok(report),
        Err(CampaignError::Store(e)) => Err(e),
        Err(CampaignError::Invalid(errors)) => Err(StoreError::Refused(format!("{errors:?}"))),
    }
}

/// The longest campaign name accepted.
pub const NAME_MAX: usize = 120;

/// A user's edit, checked; returns the campaign the creatives are in after it.
pub async fn edit(store: &SharedStore, edit: CampaignEdit, actor: &str, now: i64) -> Result<i64, CampaignError> {
    let mut errors = Vec::new();
    let mut problem = |field: &str, reason: &str| {
        errors.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        })
    };
    let edit = match edit {
        CampaignEdit::Rename { id, name } => CampaignEdit::Rename {
            id,
            name: checked_name(&name, &mut problem),
        },
        CampaignEdit::Split { name, members } => {
            if members.is_empty() {
                problem("creative_ids", "name at least one creative to split off");
            }
            CampaignEdit::Split {
                name: checked_name(&name, &mut problem),
                members,
            }
        }
        CampaignEdit::Move { id, members } => {
            if members.is_empty() {
                problem("creative_ids", "name at least one creative to move");
            }
            CampaignEdit::Move { id, members }
        }
        CampaignEdit::Merge { into, mut from } => {
            from.sort_unstable();
            from.dedup();
            if from.is_empty() {
                problem("from", "name at least one campaign to merge in");
            }
            if from.contains(&into) {
                problem("from", "a campaign cannot be merged into itself");
            }
            CampaignEdit::Merge { into, from }
        }
        lock @ CampaignEdit::Lock { .. } => lock,
    };
    if !errors.is_empty() {
        return Err(CampaignError::Invalid(errors));
    }
    Ok(store.edit_campaign(edit, actor.to_string(), now).await?)
}

fn checked_name(name: &str, problem: &mut impl FnMut(&str, &str)) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        problem("name", "required");
    } else if name.chars().count() > NAME_MAX {
        problem("name", "at most 120 characters");
    }
    name
}

/// `seat/creative` ids as (seat, creative) pairs; a malformed one is named.
pub fn parse_creative_ids(ids: &[String]) -> Result<Vec<(String, String)>, CampaignError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match id.trim().split_once('/') {
            Some((seat, creative)) if !seat.is_empty() && !creative.is_empty() => {
                out.push((seat.to_string(), creative.to_string()))
            }
            _ => {
                return Err(CampaignError::Invalid(vec![FieldError {
                    field: "creative_ids".into(),
                    reason: format!("{id:?} is not a creative id: write seat/creative, like 1234567/cr-42"),
                }]))
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
