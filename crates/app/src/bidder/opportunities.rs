//! Opportunities: the detectors run over a window of the daily rollup, per campaign, and
//! the findings with words a buyer can act on. Computed once per change of the data and
//! window, kept; a user's dismiss / snooze / done is applied on every read, by the
//! finding's stable id.

use rtbcat_core::bidder::opportunities::{detect, Cell, CreativeOf, Finding, Kind, Settings, Sums};
use rtbcat_core::shared::country::country_label;
use rtbcat_core::shared::money::format_micros;
use rtbcat_store::{OpportunityState, SharedStore, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use time::Date;

pub use rtbcat_core::bidder::opportunities::Kind as OpportunityKind;

/// What to look at.
#[derive(Debug, Clone)]
pub struct OpportunityQuery {
    /// The window's last day; the newest imported day when none.
    pub as_of: Option<Date>,
    /// The window's length in days.
    pub days: i64,
    pub kind: Option<Kind>,
    pub campaign_id: Option<i64>,
    /// Also those dismissed, snoozed or done.
    pub include_closed: bool,
    pub settings: Settings,
}

impl Default for OpportunityQuery {
    fn default() -> Self {
        OpportunityQuery {
            as_of: None,
            days: 14,
            kind: None,
            campaign_id: None,
            include_closed: false,
            settings: Settings::default(),
        }
    }
}

/// A finding as the API gives it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    /// Stable across recomputation.
    pub id: String,
    /// `undervalued_geo`, `efficient_low_spend`, `size_gap` or `neglected_creative`.
    #[serde(rename = "type")]
    pub kind: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    /// `seat/creative`, for a neglected creative.
    pub creative_id: Option<String>,
    /// A country code, for an undervalued geography.
    pub geography: Option<String>,
    pub size: Option<String>,
    /// 1 − the Benjamini–Hochberg adjusted p-value.
    pub confidence: f64,
    pub p_value: f64,
    pub q_value: f64,
    /// The segment's CPC.
    pub current_cpc_micros: Option<i64>,
    /// What it is compared with (the rest of the campaign, portfolio or sizes).
    pub baseline_cpc_micros: Option<i64>,
    pub cpc_ratio: f64,
    /// The ratio's interval at the configured confidence: `[low, high]`.
    #[schema(value_type = Vec<f64>, min_items = 2, max_items = 2)]
    pub cpc_ratio_interval: (f64, f64),
    /// Spend per week the recommendation moves to the segment.
    pub weekly_shift_micros: i64,
    /// What that saves per week, with its interval.
    pub potential_weekly_micros: i64,
    #[schema(value_type = Vec<i64>, min_items = 2, max_items = 2)]
    pub potential_weekly_interval: (i64, i64),
    pub recommendation: String,
    pub evidence: String,
    #[schema(value_type = Object)]
    pub segment: Sums,
    #[schema(value_type = Object)]
    pub baseline: Sums,
    /// `open`, `dismissed`, `snoozed` or `done`.
    pub state: String,
    pub snoozed_until: Option<i64>,
    /// The campaign's top creative, for a thumbnail.
    pub top_creative_id: Option<String>,
}

/// The findings of one window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpportunityList {
    pub start: Option<String>,
    pub end: Option<String>,
    pub days: i64,
    /// Biggest potential weekly saving first.
    pub opportunities: Vec<Opportunity>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpportunityError {
    #[error("`{name}` {reason}")]
    BadParameter { name: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every finding of a window and settings, kept until the data changes.
pub type OpportunityCache = crate::platform::cache::VersionedCache<Vec<Opportunity>, 8>;

fn stable_id(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

fn money(micros: i64) -> String {
    format!("${}", format_micros(micros))
}

fn percent_cheaper(ratio: f64) -> String {
    format!("{:.0}%", (1.0 - ratio) * 100.0)
}

fn words(f: &Finding, days: i64) -> (String, String) {
    let weekly = |micros: i64| money(micros * 7 / days.max(1));
    let cpc = |s: &Sums| s.cpc_micros().map_or("—".into(), money);
    let recommendation = match f.kind {
        Kind::UndervaluedGeo => format!(
            "Scale {} from {}/week to about {}/week: its clicks cost {} less than the rest of the campaign's",
            country_label(f.geography.as_deref().unwrap_or("")),
            weekly(f.segment.spend_micros),
            money(f.segment.spend_micros * 7 / days.max(1) + f.weekly_shift_micros),
            percent_cheaper(f.test.ratio)
        ),
        Kind::EfficientLowSpend => format!(
            "Raise the budget from {}/week by about {}/week: its clicks cost {} less than the other campaigns'",
            weekly(f.segment.spend_micros),
            money(f.weekly_shift_micros),
            percent_cheaper(f.test.ratio)
        ),
        Kind::SizeGap => format!(
            "Add a {} creative: that size's clicks cost {} less than other sizes in the campaigns that have it",
            f.size.as_deref().unwrap_or(""),
            percent_cheaper(f.test.ratio)
        ),
        Kind::NeglectedCreative => format!(
            "Check pretargeting and bids for {}: its clicks cost {} less than the rest of the campaign's, yet it gets {:.1}% of the impressions",
            f.creative_id.as_deref().unwrap_or(""),
            percent_cheaper(f.test.ratio),
            100.0 * f.segment.impressions as f64 / (f.segment.impressions + f.baseline.impressions).max(1) as f64
        ),
    };
    let evidence = format!(
        "{} clicks for {} (CPC {}) against {} clicks for {} (CPC {}) over {days} days; CPC ratio {:.2} (interval {:.2}–{:.2}), dispersion {:.1}, p = {:.2e}, adjusted {:.2e}",
        f.segment.clicks,
        money(f.segment.spend_micros),
        cpc(&f.segment),
        f.baseline.clicks,
        money(f.baseline.spend_micros),
        cpc(&f.baseline),
        f.test.ratio,
        f.test.ratio_low,
        f.test.ratio_high,
        f.test.dispersion,
        f.test.p_value,
        f.q_value
    );
    (recommendation, evidence)
}

/// A window's cells with the creatives they belong to (in a campaign), their campaigns'
/// names and their advertisers.
struct WindowData {
    cells: Vec<Cell>,
    creatives: Vec<CreativeOf>,
    advertisers: Vec<Option<String>>,
    names: HashMap<i64, String>,
}

async fn load_window(store: &SharedStore, start: Date, end: Date) -> Result<WindowData, StoreError> {
    let inputs = store.campaign_inputs().await?;
    let campaigns = store.list_creative_campaigns().await?;
    let campaign_of: HashMap<(String, String), i64> = campaigns
        .iter()
        .flat_map(|c| c.members.iter().map(move |m| (m.clone(), c.id)))
        .collect();
    let names: HashMap<i64, String> = campaigns.iter().map(|c| (c.id, c.name.clone())).collect();
    // Facts are keyed by creative id alone: the first seat's creative with that id.
    let mut creatives: Vec<CreativeOf> = Vec::new();
    let mut advertisers = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for i in &inputs {
        let Some(campaign_id) = campaign_of.get(&(i.seat_id.clone(), i.creative_id.clone())) else {
            continue;
        };
        if index_of.contains_key(&i.creative_id) {
            continue;
        }
        index_of.insert(i.creative_id.clone(), creatives.len());
        creatives.push(CreativeOf {
            campaign_id: *campaign_id,
            id: format!("{}/{}", i.seat_id, i.creative_id),
            size: i.canonical_size.clone(),
            format: i.format.clone(),
        });
        advertisers.push(i.advertiser.clone());
    }
    let cells: Vec<Cell> = store
        .daily_cells(start.to_string(), end.to_string())
        .await?
        .into_iter()
        .filter_map(|c| {
            Some(Cell {
                creative: *index_of.get(&c.creative_id)?,
                day: c.date,
                country: c.country,
                spend_micros: c.spend_micros,
                impressions: c.impressions,
                clicks: c.clicks,
            })
        })
        .collect();
    Ok(WindowData {
        cells,
        creatives,
        advertisers,
        names,
    })
}

async fn compute(
    store: &SharedStore,
    start: Date,
    end: Date,
    query: &OpportunityQuery,
) -> Result<Vec<Opportunity>, StoreError> {
    let WindowData {
        cells,
        creatives,
        names,
        ..
    } = load_window(store, start, end).await?;
    let mut top_creative: HashMap<i64, (i64, String)> = HashMap::new();
    let mut spend_by_creative: HashMap<usize, i64> = HashMap::new();
    for c in &cells {
        *spend_by_creative.entry(c.creative).or_default() += c.spend_micros;
    }
    for (index, spend) in spend_by_creative {
        let of = &creatives[index];
        let best = top_creative.entry(of.campaign_id).or_insert((-1, String::new()));
        if spend > best.0 {
            *best = (spend, of.id.clone());
        }
    }
    let settings = Settings {
        days: query.days,
        ..query.settings.clone()
    };
    Ok(detect(&cells, &creatives, &settings)
        .into_iter()
        .map(|f| {
            let (recommendation, evidence) = words(&f, query.days);
            Opportunity {
                id: stable_id(&f.key),
                kind: f.kind.as_str().into(),
                campaign_name: names.get(&f.campaign_id).cloned().unwrap_or_default(),
                campaign_id: f.campaign_id,
                creative_id: f.creative_id.clone(),
                geography: f.geography.clone(),
                size: f.size.clone(),
                confidence: f.confidence,
                p_value: f.test.p_value,
                q_value: f.q_value,
                current_cpc_micros: f.segment.cpc_micros(),
                baseline_cpc_micros: f.baseline.cpc_micros(),
                cpc_ratio: f.test.ratio,
                cpc_ratio_interval: (f.test.ratio_low, f.test.ratio_high),
                weekly_shift_micros: f.weekly_shift_micros,
                potential_weekly_micros: f.potential_weekly_micros,
                potential_weekly_interval: f.potential_weekly_interval,
                recommendation,
                evidence,
                segment: f.segment,
                baseline: f.baseline,
                state: "open".into(),
                snoozed_until: None,
                top_creative_id: top_creative.get(&f.campaign_id).map(|t| t.1.clone()),
            }
        })
        .collect())
}

/// The findings of the window, with the user's decisions applied.
pub async fn list(
    store: &SharedStore,
    cache: &OpportunityCache,
    query: &OpportunityQuery,
    now: i64,
) -> Result<OpportunityList, OpportunityError> {
    if !(1..=90).contains(&query.days) {
        return Err(OpportunityError::BadParameter {
            name: "days",
            reason: "must be between 1 and 90".into(),
        });
    }
    let end = crate::bidder::performance::last_day(store, query.as_of).await?;
    let Some(end) = end else {
        return Ok(OpportunityList {
            start: None,
            end: None,
            days: query.days,
            opportunities: Vec::new(),
        });
    };
    let start = end - time::Duration::days(query.days - 1);
    let version = store.campaign_data_version().await?;
    let key = format!("{end}|{}|{:?}", query.days, query.settings);
    let all = cache
        .get_or_compute(&version, key, || compute(store, start, end, query))
        .await?;
    let states: HashMap<String, OpportunityState> = store
        .opportunity_states()
        .await?
        .into_iter()
        .map(|s| (s.opportunity_id.clone(), s))
        .collect();
    let opportunities = all
        .iter()
        .filter(|o| query.kind.is_none_or(|k| k.as_str() == o.kind))
        .filter(|o| query.campaign_id.is_none_or(|c| c == o.campaign_id))
        .cloned()
        .map(|mut o| {
            if let Some(s) = states.get(&o.id) {
                let snooze_over = s.state == "snoozed" && s.until.is_some_and(|u| u <= now);
                if !snooze_over {
                    o.state = s.state.clone();
                    o.snoozed_until = s.until;
                }
            }
            o
        })
        .filter(|o| query.include_closed || o.state == "open")
        .collect();
    Ok(OpportunityList {
        start: Some(start.to_string()),
        end: Some(end.to_string()),
        days: query.days,
        opportunities,
    })
}

/// Dismiss, snooze (for `snooze_days`), mark done, or reopen a finding.
pub async fn set_state(
    store: &SharedStore,
    id: &str,
    state: &str,
    snooze_days: Option<i64>,
    actor: &str,
    now: i64,
) -> Result<(), OpportunityError> {
    let until = match state {
        "dismissed" | "done" | "open" => None,
        "snoozed" => {
            let days = snooze_days.unwrap_or(7);
            if !(1..=365).contains(&days) {
                return Err(OpportunityError::BadParameter {
                    name: "days",
                    reason: "a snooze lasts 1 to 365 days".into(),
                });
            }
            Some(now + days * 86_400)
        }
        other => {
            return Err(OpportunityError::BadParameter {
                name: "state",
                reason: format!("{other:?} is not a state: use dismissed, snoozed, done or open"),
            })
        }
    };
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpportunityError::BadParameter {
            name: "id",
            reason: "is not an opportunity id".into(),
        });
    }
    Ok(store
        .set_opportunity_state(OpportunityState {
            opportunity_id: id.to_string(),
            state: state.to_string(),
            until,
            actor: actor.to_string(),
            at: now,
        })
        .await?)
}

/// How the geographic matrix groups creatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoSegment {
    Campaign,
    Advertiser,
    Format,
}

impl GeoSegment {
    pub const ALL: [GeoSegment; 3] = [GeoSegment::Campaign, GeoSegment::Advertiser, GeoSegment::Format];

    pub fn parse(text: &str) -> Option<GeoSegment> {
        GeoSegment::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GeoSegment::Campaign => "campaign",
            GeoSegment::Advertiser => "advertiser",
            GeoSegment::Format => "format",
        }
    }
}

/// A pattern in words, with its numbers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GeoPattern {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub pattern: rtbcat_core::bidder::opportunities::geography::Pattern,
    pub description: String,
    pub recommendation: String,
}

/// The segment × country matrix and the patterns that hold up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GeoInsights {
    pub start: Option<String>,
    pub end: Option<String>,
    pub days: i64,
    /// `campaign`, `advertiser` or `format`.
    pub segment: String,
    /// The biggest countries by spend: the matrix's columns.
    pub countries: Vec<String>,
    /// The biggest segments by spend, each with a cell per country (spend, impressions,
    /// clicks, CPC, CTR, and CPC over the row's).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<rtbcat_core::bidder::opportunities::geography::MatrixRow>,
    pub patterns: Vec<GeoPattern>,
}

/// The geographic matrix and patterns over `days` ending at `as_of` (the newest day).
pub async fn geographic(
    store: &SharedStore,
    segment: GeoSegment,
    as_of: Option<Date>,
    days: i64,
    confidence: f64,
) -> Result<GeoInsights, OpportunityError> {
    if !(1..=90).contains(&days) {
        return Err(OpportunityError::BadParameter {
            name: "days",
            reason: "must be between 1 and 90".into(),
        });
    }
    let empty = || GeoInsights {
        start: None,
        end: None,
        days,
        segment: segment.as_str().into(),
        countries: Vec::new(),
        rows: Vec::new(),
        patterns: Vec::new(),
    };
    let Some(end) = crate::bidder::performance::last_day(store, as_of).await? else {
        return Ok(empty());
    };
    let start = end - time::Duration::days(days - 1);
    let data = load_window(store, start, end).await?;
    let segment_of = |i: usize| -> Option<String> {
        match segment {
            GeoSegment::Campaign => data.names.get(&data.creatives.get(i)?.campaign_id).cloned(),
            GeoSegment::Advertiser => data.advertisers.get(i)?.clone(),
            GeoSegment::Format => data.creatives.get(i).map(|c| c.format.clone()),
        }
    };
    let report = rtbcat_core::bidder::opportunities::geography::geographic(
        &data.cells,
        &segment_of,
        &rtbcat_core::bidder::opportunities::geography::GeoSettings {
            confidence,
            days,
            min_clicks: Settings::default().min_clicks,
            ..Default::default()
        },
    );
    let patterns = report
        .patterns
        .into_iter()
        .map(|p| {
            let country = country_label(&p.country);
            let cheaper = p.ratio < 1.0;
            GeoPattern {
                description: format!(
                    "{}: clicks in {country} cost {}, {:.0}% {} than the {} and {country} levels predict ({})",
                    p.segment,
                    money(p.cpc_micros),
                    (1.0 - p.ratio).abs() * 100.0,
                    if cheaper { "less" } else { "more" },
                    segment.as_str(),
                    money(p.expected_cpc_micros)
                ),
                recommendation: if cheaper {
                    format!(
                        "Scale {country} for {} ({}/week now)",
                        p.segment,
                        money(p.weekly_spend_micros)
                    )
                } else {
                    format!(
                        "Bid down or exclude {country} for {} ({}/week now)",
                        p.segment,
                        money(p.weekly_spend_micros)
                    )
                },
                pattern: p,
            }
        })
        .collect();
    Ok(GeoInsights {
        start: Some(start.to_string()),
        end: Some(end.to_string()),
        countries: report.countries,
        rows: report.rows,
        patterns,
        ..empty()
    })
}
