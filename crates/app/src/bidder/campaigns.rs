//! Campaigns of creatives (the bidder wing's; the popup spec's `/api/campaigns` are offers):
//! rule-based clustering saved with its audit line, and the campaigns with their sums.

use rtbcat_core::bidder::campaigns::{cluster as cluster_creatives, CreativeFacts};
use rtbcat_core::bidder::performance::metrics::{cpc_micros, cpm_micros, ctr, Period};
use rtbcat_store::{AuditNote, ClusterToSave, SharedStore, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// What a clustering run did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClusterReport {
    /// `rule` (the LLM providers are not wired yet).
    pub provider: &'static str,
    /// Campaigns the run found, and how many of them are new.
    pub campaigns: usize,
    pub formed: u64,
    /// Creatives placed in a campaign they were not in before.
    pub assigned: u64,
    /// Creatives a user placed (or locked in), left where they are.
    pub kept: u64,
    /// Creatives with nothing to cluster by (no app, domain or advertiser).
    pub unassigned: usize,
    pub duration_ms: u64,
}

/// A campaign with its creatives and its numbers over the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    /// `seat/creative` ids.
    pub creative_ids: Vec<String>,
    pub creative_count: usize,
    /// `rule`, `llm` or `manual`.
    pub source: String,
    pub rule: String,
    pub confidence: f64,
    pub locked: bool,
    pub period: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub ctr: Option<f64>,
    pub cpc_micros: Option<i64>,
    pub cpm_micros: Option<i64>,
}

fn facts(input: rtbcat_store::CampaignInput) -> CreativeFacts {
    CreativeFacts {
        languages: input
            .languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        // An app's "domain" is its store's or tracker's: not the product.
        domain: if input.app_id.is_some() { None } else { input.domain },
        seat_id: input.seat_id,
        creative_id: input.creative_id,
        advertiser: input.advertiser,
        format: input.format,
        app_store: input.app_store,
        app_id: input.app_id,
    }
}

/// Clusters every creative by the rules and saves the result; edits are kept.
pub async fn cluster(store: &SharedStore, actor: &str, now: i64) -> Result<ClusterReport, StoreError> {
    let started = std::time::Instant::now();
    let inputs: Vec<CreativeFacts> = store.campaign_inputs().await?.into_iter().map(facts).collect();
    let total = inputs.len();
    let clusters = cluster_creatives(&inputs);
    let clustered: usize = clusters.iter().map(|c| c.members.len()).sum();
    let to_save: Vec<ClusterToSave> = clusters
        .into_iter()
        .map(|c| ClusterToSave {
            confidence_permille: (c.confidence * 1000.0).round() as i64,
            key: c.key,
            name: c.name,
            rule: c.rule,
            members: c.members,
        })
        .collect();
    let campaigns = to_save.len();
    let note = AuditNote {
        actor: actor.to_string(),
        action: "campaigns.cluster".into(),
    };
    let counts = store.apply_clustering(to_save, note, now).await?;
    Ok(ClusterReport {
        provider: "rule",
        campaigns,
        formed: counts.formed,
        assigned: counts.assigned,
        kept: counts.kept,
        unassigned: total - clustered,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// Every campaign with its numbers over `period` ending at `as_of` (the newest imported
/// day), biggest spend first.
pub async fn list(store: &SharedStore, period: Period, as_of: Option<Date>) -> Result<Vec<CampaignView>, StoreError> {
    let end = match as_of {
        Some(d) => Some(d),
        None => store
            .latest_fact_date()
            .await?
            .as_deref()
            .and_then(rtbcat_core::bidder::performance::report::parse_report_date),
    };
    let (start, end) = match end {
        Some(end) => {
            let (start, end) = period.window(end);
            (start.map(|d| d.to_string()), Some(end.to_string()))
        }
        None => (None, None),
    };
    let sums: HashMap<i64, rtbcat_store::CampaignSums> = store
        .campaign_sums(start, end)
        .await?
        .into_iter()
        .map(|s| (s.campaign_id, s))
        .collect();
    let mut views: Vec<CampaignView> = store
        .list_creative_campaigns()
        .await?
        .into_iter()
        .filter(|c| !c.members.is_empty())
        .map(|c| {
            let s = sums.get(&c.id).cloned().unwrap_or_default();
            CampaignView {
                id: c.id,
                creative_count: c.members.len(),
                creative_ids: c.members.iter().map(|(seat, id)| format!("{seat}/{id}")).collect(),
                name: c.name,
                source: c.source,
                rule: c.rule,
                confidence: c.confidence_permille as f64 / 1000.0,
                locked: c.locked,
                period: period.as_str().into(),
                ctr: ctr(s.clicks, s.impressions),
                cpc_micros: cpc_micros(s.spend_micros, s.clicks),
                cpm_micros: cpm_micros(s.spend_micros, s.impressions),
                spend_micros: s.spend_micros,
                impressions: s.impressions,
                clicks: s.clicks,
            }
        })
        .collect();
    views.sort_by(|a, b| b.spend_micros.cmp(&a.spend_micros).then(a.id.cmp(&b.id)));
    Ok(views)
}
