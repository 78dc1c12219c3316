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
    /// The creative's serving status (`APPROVED`, …).
    pub status: String,
    /// `300x250`, `VIDEO`, …
    pub canonical_size: String,
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
    /// `rule` or `llm`.
    pub source: String,
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
    /// Creatives whose campaign is locked against newcomers.
    pub held: u64,
}

impl ClusteringCounts {
    /// Counts one placement decision; the campaign to put the creative in, if any.
    pub(crate) fn tally(&mut self, decision: Decision) -> Option<Target> {
        match decision {
            Decision::Stay => None,
            Decision::Kept => {
                self.kept += 1;
                None
            }
            Decision::Held => {
                self.held += 1;
                None
            }
            Decision::Place(target) => Some(target),
        }
    }
}

/// A user's change to the campaigns; each is audited and clustering never undoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CampaignEdit {
    Rename {
        id: i64,
        name: String,
    },
    Lock {
        id: i64,
        locked: bool,
    },
    /// Creatives placed in campaign `id` by hand (they stay there).
    Move {
        id: i64,
        members: Vec<(String, String)>,
    },
    /// The `from` campaigns' creatives join `into`; their products' newcomers go there too.
    Merge {
        into: i64,
        from: Vec<i64>,
    },
    /// Creatives taken out of their campaigns into a new campaign of their own.
    Split {
        name: String,
        members: Vec<(String, String)>,
    },
}

impl CampaignEdit {
    pub fn action(&self) -> &'static str {
        match self {
            CampaignEdit::Rename { .. } => "campaigns.rename",
            CampaignEdit::Lock { locked: true, .. } => "campaigns.lock",
            CampaignEdit::Lock { locked: false, .. } => "campaigns.unlock",
            CampaignEdit::Move { .. } => "campaigns.move",
            CampaignEdit::Merge { .. } => "campaigns.merge",
            CampaignEdit::Split { .. } => "campaigns.split",
        }
    }

    /// Its audit line, once applied to campaign `id` (named `subject`).
    pub(crate) fn audit_entry(&self, id: i64, subject: &str, actor: String, at: i64) -> NewAuditEntry {
        NewAuditEntry {
            at,
            actor,
            action: self.action().into(),
            subject: Some(format!("campaign {id} ({subject})")),
            details: self.details(),
        }
    }

    /// What the audit line says of it.
    pub fn details(&self) -> serde_json::Value {
        let ids = |members: &[(String, String)]| -> Vec<String> {
            members.iter().map(|(seat, id)| format!("{seat}/{id}")).collect()
        };
        match self {
            CampaignEdit::Rename { name, .. } => serde_json::json!({ "name": name }),
            CampaignEdit::Lock { locked, .. } => serde_json::json!({ "locked": locked }),
            CampaignEdit::Move { members, .. } => serde_json::json!({ "creative_ids": ids(members) }),
            CampaignEdit::Merge { from, .. } => serde_json::json!({ "merged": from }),
            CampaignEdit::Split { name, members } => {
                serde_json::json!({ "name": name, "creative_ids": ids(members) })
            }
        }
    }
}

/// A campaign's spend, impressions and clicks on one value of a dimension (a country, a
/// device, a day).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignCut {
    pub campaign_id: i64,
    pub value: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// The dimension a campaign's numbers are cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignDimension {
    Country,
    Device,
    Date,
    /// Each member creative (by creative id).
    Creative,
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

#[async_trait]
pub trait CampaignStore: Send + Sync {
    async fn campaign_inputs(&self) -> StoreResult<Vec<CampaignInput>>;
    /// Saves a clustering run in one transaction with its audit line: campaigns by key
    /// (a renamed one keeps its name), members moved unless pinned or locked in.
    async fn apply_clustering(
        &self,
        clusters: Vec<ClusterToSave>,
        mode: Mode,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<ClusteringCounts>;
    /// Applies a user's edit in one transaction with its audit line; returns the campaign
    /// it leaves the creatives in (the new one, for a split). Refused when a campaign it
    /// would change is locked (a rename and unlocking excepted).
    async fn edit_campaign(&self, edit: CampaignEdit, actor: String, now: i64) -> StoreResult<i64>;
    /// Changes whenever campaign numbers may: an import, or anything audited (clustering,
    /// edits, a creative import).
    async fn campaign_data_version(&self) -> StoreResult<String>;
    /// Campaigns not merged into another, with their members.
    async fn list_creative_campaigns(&self) -> StoreResult<Vec<CampaignRow>>;
    /// Spend, impressions and clicks per campaign and value of `by` over `start`–`end`
    /// (`None`: unbounded), for one campaign or all.
    async fn campaign_cuts(
        &self,
        by: CampaignDimension,
        campaign: Option<i64>,
        start: Option<String>,
        end: Option<String>,
    ) -> StoreResult<Vec<CampaignCut>>;
}

pub use rtbcat_core::bidder::campaigns::placement::Mode;
use rtbcat_core::bidder::campaigns::placement::{Decision, Target};

pub(crate) const CAMPAIGN_INPUTS: &str =
    "SELECT seat_id, creative_id, advertiser, format, status, languages, app_store, app_id, \
     primary_domain, canonical_size FROM creatives ORDER BY seat_id, creative_id";

/// The campaign a key leads to (following a merge), whether it is locked, and the key's own
/// campaign (whose name and rule a run refreshes).
pub(crate) const CAMPAIGN_BY_KEY: &str = "SELECT COALESCE(t.id, c.id), COALESCE(t.locked, c.locked), c.id \
     FROM creative_campaigns c LEFT JOIN creative_campaigns t ON t.id = c.merged_into WHERE c.cluster_key = ?1";
pub(crate) const INSERT_CAMPAIGN: &str = "INSERT INTO creative_campaigns (cluster_key, name, source, rule, \
     confidence_permille, created_at, updated_at) VALUES (?1, ?2, ?6, ?3, ?4, ?5, ?5) RETURNING id";
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
     created_at, updated_at FROM creative_campaigns WHERE merged_into IS NULL ORDER BY id";
pub(crate) const LIST_MEMBERS: &str = "SELECT campaign_id, seat_id, creative_id FROM campaign_members \
     ORDER BY campaign_id, seat_id, creative_id";

/// An open (not merged) campaign's name and lock.
pub(crate) const CAMPAIGN_STATE: &str =
    "SELECT name, locked FROM creative_campaigns WHERE id = ?1 AND merged_into IS NULL";
pub(crate) const RENAME_CAMPAIGN: &str =
    "UPDATE creative_campaigns SET name = ?2, renamed = TRUE, updated_at = ?3 WHERE id = ?1";
pub(crate) const LOCK_CAMPAIGN: &str = "UPDATE creative_campaigns SET locked = ?2, updated_at = ?3 WHERE id = ?1";
pub(crate) const CREATIVE_EXISTS: &str = "SELECT 1 FROM creatives WHERE seat_id = ?1 AND creative_id = ?2";
pub(crate) const PIN_MEMBER: &str =
    "INSERT INTO campaign_members (seat_id, creative_id, campaign_id, pinned) VALUES (?1, ?2, ?3, TRUE) \
     ON CONFLICT (seat_id, creative_id) DO UPDATE SET campaign_id = excluded.campaign_id, pinned = TRUE";
pub(crate) const MERGE_MEMBERS: &str =
    "UPDATE campaign_members SET campaign_id = ?1, pinned = TRUE WHERE campaign_id = ?2";
pub(crate) const MERGE_CAMPAIGN: &str =
    "UPDATE creative_campaigns SET merged_into = ?1, updated_at = ?3 WHERE id = ?2 OR merged_into = ?2";
/// A hand-made campaign; its key is made from its id once it has one.
pub(crate) const INSERT_MANUAL_CAMPAIGN: &str = "INSERT INTO creative_campaigns (cluster_key, name, source, rule, \
     confidence_permille, renamed, created_at, updated_at) \
     VALUES ('manual:new', ?1, 'manual', 'formed by hand', 1000, TRUE, ?2, ?2) RETURNING id";
pub(crate) const KEY_MANUAL_CAMPAIGN: &str =
    "UPDATE creative_campaigns SET cluster_key = 'manual:' || CAST(id AS TEXT) WHERE id = ?1";

pub(crate) const DATA_VERSION: &str = "SELECT CAST((SELECT COALESCE(MAX(id), 0) FROM imports) AS BIGINT), \
     CAST((SELECT COALESCE(MAX(id), 0) FROM audit_log) AS BIGINT)";

pub(crate) fn locked_refusal(name: &str) -> StoreError {
    StoreError::Refused(format!("campaign \"{name}\" is locked: unlock it first"))
}

fn date_window(date_cast: &str, text_cast: &str) -> String {
    format!("(?1{text_cast} IS NULL OR date >= ?1{date_cast}) AND (?2{text_cast} IS NULL OR date <= ?2{date_cast})")
}

/// Campaign sums cut by a dimension, for one campaign (`one`: its id in `?3`) or all (`?3`
/// NULL). Two texts rather than `?3 IS NULL OR …`, which no index can serve: one campaign's
/// cut seeks its creatives in the rollup's creative index instead of reading every row of
/// the window.
pub(crate) fn campaign_cuts_sql(
    by: CampaignDimension,
    one: bool,
    date_cast: &str,
    text_cast: &str,
    date_text: &str,
) -> String {
    let (table, column) = match by {
        CampaignDimension::Country => ("performance_daily", "country"),
        CampaignDimension::Device => ("performance_device_daily", "device"),
        CampaignDimension::Date => ("performance_daily", date_text),
        CampaignDimension::Creative => ("performance_daily", "creative_id"),
    };
    let bigint = if text_cast.is_empty() { "" } else { "::BIGINT" };
    let (members, campaigns) = if one {
        (
            format!("creative_id IN (SELECT creative_id FROM campaign_members WHERE campaign_id = ?3{bigint})"),
            format!("m.campaign_id = ?3{bigint}"),
        )
    } else {
        // Still names ?3 (NULL here), so both texts take the same three parameters.
        (format!("?3{bigint} IS NULL"), format!("?3{bigint} IS NULL"))
    };
    format!(
        "SELECT m.campaign_id, s.value, CAST(SUM(s.spend) AS BIGINT), CAST(SUM(s.impressions) AS BIGINT), \
         CAST(SUM(s.clicks) AS BIGINT) \
         FROM (SELECT creative_id, {column} AS value, SUM(spend_micros) AS spend, SUM(impressions) AS impressions, \
               SUM(clicks) AS clicks FROM {table} WHERE {} AND {members} \
               GROUP BY creative_id, {column}) s \
         JOIN campaign_members m ON m.creative_id = s.creative_id \
         WHERE {campaigns} GROUP BY m.campaign_id, s.value ORDER BY m.campaign_id, s.value",
        date_window(date_cast, text_cast)
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
        status: r.col(4)?,
        languages: r.col(5)?,
        app_store: r.col(6)?,
        app_id: r.col(7)?,
        domain: r.col(8)?,
        canonical_size: r.col(9)?,
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

pub(crate) fn campaign_cut_from(r: &impl Columns) -> StoreResult<CampaignCut> {
    Ok(CampaignCut {
        campaign_id: r.col(0)?,
        value: r.col(1)?,
        spend_micros: r.col(2)?,
        impressions: r.col(3)?,
        clicks: r.col(4)?,
    })
}
