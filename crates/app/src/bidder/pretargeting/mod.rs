//! Pretargeting with its safeguards: configs read from Google into snapshots; proposals
//! (from waste recommendations or by hand) shown as a dry-run diff with the estimated QPS
//! effect; apply = snapshot → patch with the update mask → read back and verify (restoring
//! the snapshot when the patch did not stick) → snapshot → audit; rollback to any snapshot
//! the same way; a guard that flags, and if enabled rolls back, when the next day's traffic
//! is down by more than half. Every decision about the change itself is in core.

use crate::bidder::google::{Account, GoogleApi, GoogleError};
use rtbcat_core::bidder::pretargeting::{self as rules, Change, FieldDiff, Refusal};
use rtbcat_store::{NewProposal, NewSnapshot, Proposal, ProposalOutcome, SharedStore, Snapshot, StoreError};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The guard flags a change when the first full day after it carries less than this share
/// of the daily requests of the week before.
pub const GUARD_MIN_RATIO: f64 = 0.5;

mod changes;
pub use changes::*;

#[derive(Debug, thiserror::Error)]
pub enum PretargetingError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Google(#[from] GoogleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    /// The proposal is not in a state that allows this, or the config moved under it.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
}

type Result<T> = std::result::Result<T, PretargetingError>;

/// A config as the page and API show it: its targeting, and the snapshot it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigView {
    /// `bidders/{bidder}/pretargetingConfigs/{config}`.
    pub name: String,
    pub config_id: String,
    pub bidder_id: String,
    pub display_name: Option<String>,
    pub state: Option<String>,
    pub billing_id: Option<String>,
    pub maximum_qps: Option<String>,
    /// Included sizes (`WxH`); empty means every size.
    pub sizes: Vec<String>,
    pub included_geo_ids: Vec<String>,
    pub excluded_geo_ids: Vec<String>,
    pub formats: Vec<String>,
    pub platforms: Vec<String>,
    pub environments: Vec<String>,
    /// `INCLUSIVE` or `EXCLUSIVE` with the values, or empty.
    pub publishers: String,
    pub sites: String,
    pub apps: String,
    pub snapshot_id: i64,
    pub taken_at: i64,
    /// Waste recommendations this config could act on, with the change each proposes.
    pub waste: Vec<WasteLine>,
    /// The config as Google returned it.
    #[schema(value_type = Object)]
    pub raw: Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WasteLine {
    pub title: String,
    pub wasted_qps: f64,
    pub change: Change,
    /// Why a proposal from it would be refused on this config, if it would.
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SnapshotView {
    pub id: i64,
    pub config_name: String,
    pub display_name: Option<String>,
    pub reason: String,
    pub actor: String,
    pub taken_at: i64,
}

/// The estimated effect on QPS of a proposal, from the imported traffic.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct QpsEffect {
    /// Negative: traffic no longer asked for.
    pub qps_change: f64,
    /// The seat's QPS over the same window, for scale.
    pub total_qps: f64,
    /// What the estimate rests on.
    pub basis: String,
    /// Values no traffic was imported for (their effect is unknown).
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: i64,
    pub config_name: String,
    pub source: String,
    pub changes: Vec<Change>,
    pub allow_widening: bool,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    /// `proposed`, `applied`, `failed`, `rolled_back`.
    pub status: String,
    pub applied_by: Option<String>,
    pub applied_at: Option<i64>,
    pub before_snapshot: Option<i64>,
    pub after_snapshot: Option<i64>,
    pub error: Option<String>,
    /// The dry run against the newest snapshot of the config (for a proposed change), or
    /// why it no longer applies.
    pub diff: Vec<FieldDiff>,
    pub update_mask: Vec<String>,
    pub warnings: Vec<String>,
    pub dry_run_error: Option<String>,
    pub qps_effect: Option<QpsEffect>,
    pub guard: Option<GuardView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuardView {
    pub qps_before: i64,
    pub qps_after: i64,
    /// `ok`, `dropped` (flagged) or `rolled_back`.
    pub status: String,
}

fn parts(name: &str) -> (String, String) {
    let segments: Vec<&str> = name.split('/').collect();
    match segments.as_slice() {
        ["bidders", bidder, "pretargetingConfigs", config] => (bidder.to_string(), config.to_string()),
        _ => (String::new(), name.to_string()),
    }
}

fn list_of(config: &Value, path: &str) -> Vec<String> {
    rules::labels(config, path)
}

fn dimension(config: &Value, path: &str) -> String {
    let mode = rules::get_path(config, &format!("{path}.targetingMode"));
    let values = list_of(config, &format!("{path}.values"));
    if values.is_empty() {
        String::new()
    } else {
        format!("{} {}", mode.as_str().unwrap_or(""), values.join(", "))
    }
}

fn view_of(snapshot: &Snapshot, waste: &[rtbcat_core::bidder::waste::Recommendation]) -> ConfigView {
    let raw: Value = serde_json::from_str(&snapshot.config_json).unwrap_or_default();
    let (bidder_id, config_id) = parts(&snapshot.config_name);
    let text = |path: &str| rules::get_path(&raw, path).as_str().map(str::to_string);
    let waste = waste
        .iter()
        .filter_map(|r| {
            let change = change_of(&r.change)?;
            let refused = rules::plan(&raw, std::slice::from_ref(&change), false)
                .err()
                .map(|e| e.to_string());
            Some(WasteLine {
                title: r.title.clone(),
                wasted_qps: r.wasted_qps,
                change,
                refused,
            })
        })
        .collect();
    ConfigView {
        name: snapshot.config_name.clone(),
        config_id,
        bidder_id,
        display_name: text("displayName"),
        state: text("state"),
        billing_id: text("billingId"),
        maximum_qps: text("maximumQps"),
        sizes: list_of(&raw, "includedCreativeDimensions"),
        included_geo_ids: list_of(&raw, "geoTargeting.includedIds"),
        excluded_geo_ids: list_of(&raw, "geoTargeting.excludedIds"),
        formats: list_of(&raw, "includedFormats"),
        platforms: list_of(&raw, "includedPlatforms"),
        environments: list_of(&raw, "includedEnvironments"),
        publishers: dimension(&raw, "publisherTargeting"),
        sites: dimension(&raw, "webTargeting"),
        apps: dimension(&raw, "appTargeting.mobileAppTargeting"),
        snapshot_id: snapshot.id,
        taken_at: snapshot.taken_at,
        waste,
        raw,
    }
}

/// A waste recommendation's change in the form a proposal takes.
pub fn change_of(change: &rtbcat_core::bidder::waste::PretargetingChange) -> Option<Change> {
    let (field, action) = match (change.field, change.action) {
        ("includedCreativeDimensions", "remove") => ("includedCreativeDimensions", "remove"),
        ("geoTargeting.excludedIds", "exclude") => ("geo", "exclude"),
        ("publisherTargeting.values", "exclude") => ("publisherTargeting", "exclude"),
        _ => return None,
    };
    Some(Change {
        field: field.into(),
        action: action.into(),
        values: change.values.clone(),
    })
}

async fn waste_recommendations(
    store: &SharedStore,
    today: time::Date,
) -> Vec<rtbcat_core::bidder::waste::Recommendation> {
    crate::bidder::waste::waste(store, &crate::bidder::waste::WasteQuery::default(), today)
        .await
        .map(|r| r.recommendations)
        .unwrap_or_default()
}

/// The newest snapshot of every config, as views with the waste they could act on.
pub async fn configs(store: &SharedStore, today: time::Date) -> Result<Vec<ConfigView>> {
    let waste = waste_recommendations(store, today).await;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in store.snapshots(None, 5000).await? {
        if seen.insert(s.config_name.clone()) {
            out.push(view_of(&s, &waste));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The key that can see a bidder: the one its seats were discovered with, else the first.
async fn account_for<'a>(store: &SharedStore, accounts: &'a [Account], bidder_id: &str) -> Result<&'a Account> {
    let email = store
        .google_seats()
        .await?
        .into_iter()
        .find(|s| s.bidder_account_id.as_deref() == Some(bidder_id))
        .and_then(|s| s.key_email);
    email
        .and_then(|e| accounts.iter().find(|a| a.key.client_email == e))
        .or_else(|| accounts.first())
        .ok_or_else(|| GoogleError::NoKeys.into())
}

async fn snapshot(store: &SharedStore, config: &Value, reason: &str, actor: &str, now: i64) -> Result<i64> {
    Ok(store
        .save_snapshot(NewSnapshot {
            config_name: rules::get_path(config, "name").as_str().unwrap_or_default().to_string(),
            display_name: rules::get_path(config, "displayName").as_str().map(str::to_string),
            reason: reason.into(),
            config_json: config.to_string(),
            actor: actor.into(),
            taken_at: now,
        })
        .await?)
}

/// Reads every bidder's configs from Google (`pretargetingConfigs.list`, paged) and keeps a
/// snapshot of each one that changed since its last snapshot.
pub async fn refresh(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    actor: &str,
    now: i64,
    today: time::Date,
) -> Result<Vec<ConfigView>> {
    let mut bidders: Vec<String> = store
        .google_seats()
        .await?
        .into_iter()
        .filter_map(|s| s.bidder_account_id)
        .collect();
    bidders.sort();
    bidders.dedup();
    if bidders.is_empty() {
        return Err(PretargetingError::Invalid(
            "no bidder account known: discover seats first (POST /seats/discover)".into(),
        ));
    }
    for bidder in bidders {
        let account = account_for(store, accounts, &bidder).await?;
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("pageSize", "100".to_string())];
            if let Some(t) = &token {
                query.push(("pageToken", t.clone()));
            }
            let page: Value = api
                .get(account, &format!("bidders/{bidder}/pretargetingConfigs"), &query)
                .await?;
            for config in page["pretargetingConfigs"].as_array().cloned().unwrap_or_default() {
                let name = rules::get_path(&config, "name")
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let latest = store.snapshots(Some(name), 1).await?.into_iter().next();
                let unchanged = latest
                    .and_then(|s| serde_json::from_str::<Value>(&s.config_json).ok())
                    .is_some_and(|old| old == config);
                if !unchanged {
                    snapshot(store, &config, "listed", actor, now).await?;
                }
            }
            token = page["nextPageToken"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    configs(store, today).await
}

async fn latest_config(store: &SharedStore, name: &str) -> Result<Snapshot> {
    store
        .snapshots(Some(name.to_string()), 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            PretargetingError::NotFound(format!("no snapshot of {name}: refresh the configs from Google first"))
        })
}

/// The dry run of changes on a config's newest snapshot (nothing stored, nothing sent):
/// the snapshot it ran on and the plan.
pub async fn dry_run(
    store: &SharedStore,
    config_name: &str,
    changes: &[Change],
    allow_widening: bool,
) -> Result<(i64, rules::Plan)> {
    let latest = latest_config(store, config_name).await?;
    let config: Value = serde_json::from_str(&latest.config_json).unwrap_or_default();
    Ok((latest.id, rules::plan(&config, changes, allow_widening)?))
}

/// Records a proposal after its dry run passes against the newest snapshot.
#[allow(clippy::too_many_arguments)]
pub async fn propose(
    store: &SharedStore,
    config_name: &str,
    changes: Vec<Change>,
    allow_widening: bool,
    source: &str,
    note: Option<String>,
    actor: &str,
    now: i64,
    today: time::Date,
) -> Result<ProposalView> {
    if changes.is_empty() {
        return Err(PretargetingError::Invalid("`changes` is empty".into()));
    }
    let latest = latest_config(store, config_name).await?;
    let config: Value = serde_json::from_str(&latest.config_json).unwrap_or_default();
    rules::plan(&config, &changes, allow_widening)?;
    let created = store
        .create_proposal(NewProposal {
            config_name: config_name.to_string(),
            source: source.into(),
            changes_json: serde_json::to_string(&changes).unwrap_or_default(),
            allow_widening,
            note,
            created_by: actor.into(),
            created_at: now,
        })
        .await?;
    proposal_view(store, created, today).await
}

/// The QPS the changes would add or take away, from the last 7 days of imported traffic.
async fn qps_effect(store: &SharedStore, config: &Value, changes: &[Change], today: time::Date) -> Option<QpsEffect> {
    use crate::bidder::waste::{funnel, waste, WasteQuery};
    let query = WasteQuery::default();
    let report = waste(store, &query, today).await.ok()?;
    let seconds = (report.window.days.max(1) * 86_400) as f64;
    let mut effect = QpsEffect {
        total_qps: report.total_qps,
        basis: format!(
            "bid requests {} to {} for the whole seat (Google's reports do not split traffic by config)",
            report.window.start, report.window.end
        ),
        ..QpsEffect::default()
    };
    let plan = rules::plan(config, changes, true).ok()?;
    let geo_groups = funnel(store, &query, "geo", today)
        .await
        .map(|f| f.groups)
        .unwrap_or_default();
    let publisher_groups = funnel(store, &query, "publisher", today)
        .await
        .map(|f| f.groups)
        .unwrap_or_default();
    for d in &plan.diff {
        if !matches!(
            d.path.as_str(),
            "includedCreativeDimensions"
                | "geoTargeting.includedIds"
                | "geoTargeting.excludedIds"
                | "publisherTargeting.values"
        ) {
            continue;
        }
        // Values that leave the traffic (added to an exclusion, removed from an inclusion) and
        // values that join it. An inclusion that was empty targeted everything: what adding to
        // it removes is everything else, which this estimate does not know.
        let exclusion = d.path.ends_with("excludedIds")
            || rules::get_path(&plan.after, &d.path.replace(".values", ".targetingMode")) == "EXCLUSIVE";
        let was_everything = !exclusion && d.before.as_array().is_some_and(Vec::is_empty);
        let (leaving, joining) = if exclusion {
            (&d.added, &d.removed)
        } else {
            (&d.removed, &d.added)
        };
        for (values, sign) in [(leaving, -1.0), (joining, 1.0)] {
            for v in values {
                let requests = match d.path.as_str() {
                    _ if was_everything => None,
                    "includedCreativeDimensions" => report.sizes.iter().find(|s| &s.size == v).map(|s| s.requests),
                    "publisherTargeting.values" => publisher_groups
                        .iter()
                        .find(|g| &g.key == v)
                        .map(|g| g.counts.bid_requests),
                    _ => {
                        let country = v.parse::<u32>().ok().and_then(|id| id.checked_sub(2000)).and_then(|n| {
                            celes::Country::from_code(format!("{n:03}"))
                                .ok()
                                .map(|c| c.alpha2.to_string())
                        });
                        country.and_then(|c| geo_groups.iter().find(|g| g.key == c).map(|g| g.counts.bid_requests))
                    }
                };
                match requests {
                    Some(r) => effect.qps_change += sign * r as f64 / seconds,
                    None => effect.unknown.push(v.clone()),
                }
            }
        }
    }
    Some(effect)
}

pub async fn proposal_view(store: &SharedStore, p: Proposal, today: time::Date) -> Result<ProposalView> {
    let changes: Vec<Change> = serde_json::from_str(&p.changes_json).unwrap_or_default();
    let (mut diff, mut update_mask, mut warnings, mut dry_run_error, mut qps) =
        (Vec::new(), Vec::new(), Vec::new(), None, None);
    if p.status == "proposed" {
        match latest_config(store, &p.config_name).await {
            Ok(latest) => {
                let config: Value = serde_json::from_str(&latest.config_json).unwrap_or_default();
                match rules::plan(&config, &changes, p.allow_widening) {
                    Ok(plan) => {
                        diff = plan.diff;
                        update_mask = plan.update_mask;
                        warnings = plan.warnings;
                        qps = qps_effect(store, &config, &changes, today).await;
                    }
                    Err(e) => dry_run_error = Some(e.to_string()),
                }
            }
            Err(e) => dry_run_error = Some(e.to_string()),
        }
    } else if let (Some(before), Some(after)) = (p.before_snapshot, p.after_snapshot) {
        if let (Some(b), Some(a)) = (store.snapshot(before).await?, store.snapshot(after).await?) {
            let (b, a): (Value, Value) = (
                serde_json::from_str(&b.config_json).unwrap_or_default(),
                serde_json::from_str(&a.config_json).unwrap_or_default(),
            );
            diff = rules::diff(&b, &a);
            update_mask = diff.iter().map(|d| d.path.clone()).collect();
        }
    }
    Ok(ProposalView {
        id: p.id,
        config_name: p.config_name,
        source: p.source,
        changes,
        allow_widening: p.allow_widening,
        note: p.note,
        created_by: p.created_by,
        created_at: p.created_at,
        status: p.status,
        applied_by: p.applied_by,
        applied_at: p.applied_at,
        before_snapshot: p.before_snapshot,
        after_snapshot: p.after_snapshot,
        error: p.error,
        diff,
        update_mask,
        warnings,
        dry_run_error,
        qps_effect: qps,
        guard: match (p.guard_qps_before, p.guard_qps_after, p.guard_status) {
            (Some(b), Some(a), Some(s)) => Some(GuardView {
                qps_before: b,
                qps_after: a,
                status: s,
            }),
            _ => None,
        },
    })
}

pub async fn proposals(store: &SharedStore, limit: i64, today: time::Date) -> Result<Vec<ProposalView>> {
    let mut out = Vec::new();
    for p in store.proposals(limit).await? {
        out.push(proposal_view(store, p, today).await?);
    }
    Ok(out)
}

pub async fn proposal(store: &SharedStore, id: i64, today: time::Date) -> Result<ProposalView> {
    let p = store
        .proposal(id)
        .await?
        .ok_or_else(|| PretargetingError::NotFound(format!("proposal {id}")))?;
    proposal_view(store, p, today).await
}
