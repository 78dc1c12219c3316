//! Campaigns of creatives: the clustering's result saved by cluster key, memberships, and
//! each campaign's sums over the daily rollup. Edits (a rename, a pinned member, a lock)
//! are kept when clustering runs again.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;

/// A creative as clustering sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignInput {
    pub seat_id: String,
    pub creative_id: String,
    pub advertiser: Option<String>,
    pub format: String,
    /// `,en,pt,` as stored.
    pub languages: String,
    pub app_store: Option<String>,
    pub app_id: Option<String>,
    pub domain: Option<String>,
}

/// One cluster to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterToSave {
    pub key: String,
    pub name: String,
    pub rule: String,
    pub confidence_permille: i64,
    pub members: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClusteringCounts {
    /// Campaigns created by this run.
    pub formed: u64,
    /// Creatives placed in a campaign they were not in before.
    pub assigned: u64,
    /// Creatives left where a user pinned them (or in a locked campaign).
    pub kept: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub source: String,
    pub rule: String,
    pub confidence_permille: i64,
    pub locked: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub members: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignSums {
    pub campaign_id: i64,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

#[async_trait]
pub trait CampaignStore: Send + Sync {
    async fn campaign_inputs(&self) -> StoreResult<Vec<CampaignInput>>;
    /// Saves a clustering run in one transaction with its audit line: campaigns by key
    /// (a renamed one keeps its name), members moved unless pinned or locked in.
    async fn apply_clustering(
        &self,
        clusters: Vec<ClusterToSave>,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts>;
    async fn list_creative_campaigns(&self) -> StoreResult<Vec<CampaignRow>>;
    /// Spend, impressions and clicks per campaign over `start`–`end` (`None`: unbounded).
    async fn campaign_sums(&self, start: Option<String>, end: Option<String>) -> StoreResult<Vec<CampaignSums>>;
}

pub(crate) const CAMPAIGN_INPUTS: &str =
    "SELECT seat_id, creative_id, advertiser, format, languages, app_store, app_id, \
     primary_domain FROM creatives ORDER BY seat_id, creative_id";

pub(crate) const CAMPAIGN_BY_KEY: &str = "SELECT id, renamed, locked FROM creative_campaigns WHERE cluster_key = ?1";
pub(crate) const INSERT_CAMPAIGN: &str = "INSERT INTO creative_campaigns (cluster_key, name, source, rule, \
     confidence_permille, created_at, updated_at) VALUES (?1, ?2, 'rule', ?3, ?4, ?5, ?5) RETURNING id";
pub(crate) const UPDATE_CAMPAIGN: &str =
    "UPDATE creative_campaigns SET name = CASE WHEN renamed THEN name ELSE ?2 END, \
     rule = ?3, confidence_permille = ?4, updated_at = ?5 WHERE id = ?1";
/// The member's current place: its campaign, whether a user pinned it, whether that
/// campaign is locked.
pub(crate) const MEMBER_PLACE: &str = "SELECT m.campaign_id, m.pinned, c.locked FROM campaign_members m \
     JOIN creative_campaigns c ON c.id = m.campaign_id WHERE m.seat_id = ?1 AND m.creative_id = ?2";
pub(crate) const PLACE_MEMBER: &str =
    "INSERT INTO campaign_members (seat_id, creative_id, campaign_id) VALUES (?1, ?2, ?3) \
     ON CONFLICT (seat_id, creative_id) DO UPDATE SET campaign_id = excluded.campaign_id";
pub(crate) const LIST_CAMPAIGNS: &str = "SELECT id, cluster_key, name, source, rule, confidence_permille, locked, \
     created_at, updated_at FROM creative_campaigns ORDER BY id";
pub(crate) const LIST_MEMBERS: &str = "SELECT campaign_id, seat_id, creative_id FROM campaign_members \
     ORDER BY campaign_id, seat_id, creative_id";

/// Campaign sums from the daily rollup (by creative id, as performance facts are keyed).
pub(crate) fn campaign_sums_sql(date_cast: &str, text_cast: &str) -> String {
    format!(
        "SELECT m.campaign_id, CAST(COALESCE(SUM(d.spend_micros), 0) AS BIGINT), \
         CAST(COALESCE(SUM(d.impressions), 0) AS BIGINT), CAST(COALESCE(SUM(d.clicks), 0) AS BIGINT) \
         FROM campaign_members m JOIN performance_daily d ON d.creative_id = m.creative_id \
         WHERE (?1{text_cast} IS NULL OR d.date >= ?1{date_cast}) AND (?2{text_cast} IS NULL OR d.date <= ?2{date_cast}) \
         GROUP BY m.campaign_id"
    )
}

/// Members grouped under their campaign rows.
pub(crate) fn attach_members(campaigns: &mut [CampaignRow], members: Vec<(i64, String, String)>) {
    let mut at = 0;
    for (campaign_id, seat, creative) in members {
        while at < campaigns.len() && campaigns[at].id < campaign_id {
            at += 1;
        }
        if let Some(c) = campaigns.get_mut(at).filter(|c| c.id == campaign_id) {
            c.members.push((seat, creative));
        }
    }
}

pub(crate) fn campaign_input_from(r: &impl Columns) -> StoreResult<CampaignInput> {
    Ok(CampaignInput {
        seat_id: r.col(0)?,
        creative_id: r.col(1)?,
        advertiser: r.col(2)?,
        format: r.col(3)?,
        languages: r.col(4)?,
        app_store: r.col(5)?,
        app_id: r.col(6)?,
        domain: r.col(7)?,
    })
}

pub(crate) fn campaign_row_from(r: &impl Columns) -> StoreResult<CampaignRow> {
    Ok(CampaignRow {
        id: r.col(0)?,
        key: r.col(1)?,
        name: r.col(2)?,
        source: r.col(3)?,
        rule: r.col(4)?,
        confidence_permille: r.col(5)?,
        locked: r.col(6)?,
        created_at: r.col(7)?,
        updated_at: r.col(8)?,
        members: Vec::new(),
    })
}

pub(crate) fn campaign_sums_from(r: &impl Columns) -> StoreResult<CampaignSums> {
    Ok(CampaignSums {
        campaign_id: r.col(0)?,
        spend_micros: r.col(1)?,
        impressions: r.col(2)?,
        clicks: r.col(3)?,
    })
}
