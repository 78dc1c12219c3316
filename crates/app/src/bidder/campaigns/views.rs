//! The campaigns with their numbers: the list (period sums, the change against the period
//! before, top country and device, formats and statuses, sorted by any of them) and one
//! campaign in detail. The list is computed once per change of the data and kept: the
//! numbers only move when an import, a clustering or an edit lands.

use rtbcat_core::bidder::performance::metrics::{cpc_micros, cpm_micros, ctr, trend_pct, Period};
use rtbcat_store::{CampaignCut, CampaignDimension, CampaignRow, FactFilter, SharedStore, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use time::Date;

/// Spend, impressions and clicks with the rates made from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub ctr: Option<f64>,
    pub cpc_micros: Option<i64>,
    pub cpm_micros: Option<i64>,
}

impl Totals {
    fn of(spend_micros: i64, impressions: i64, clicks: i64) -> Totals {
        Totals {
            spend_micros,
            impressions,
            clicks,
            ctr: ctr(clicks, impressions),
            cpc_micros: cpc_micros(spend_micros, clicks),
            cpm_micros: cpm_micros(spend_micros, impressions),
        }
    }

    fn add(&mut self, spend_micros: i64, impressions: i64, clicks: i64) {
        *self = Totals::of(
            self.spend_micros + spend_micros,
            self.impressions + impressions,
            self.clicks + clicks,
        );
    }
}

/// The biggest value of a dimension (a country, a device) and its share of the spend (of
/// the impressions when nothing was spent).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub value: String,
    /// 0–1.
    pub share: f64,
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
    /// Why these creatives are together.
    pub rule: String,
    /// 0–1.
    pub confidence: f64,
    pub locked: bool,
    /// `1d`, `7d`, `30d` or `all`, ending at `as_of`.
    pub period: String,
    pub as_of: Option<String>,
    /// Spend, impressions, clicks, CTR, CPC and CPM over the period.
    #[serde(flatten)]
    pub totals: Totals,
    /// The equal period before (none for all time).
    pub previous: Option<Totals>,
    /// Spend against the period before, in percent.
    pub spend_change_pct: Option<f64>,
    pub top_country: Option<Share>,
    pub top_device: Option<Share>,
    /// Creatives per format (`HTML`, `VIDEO`, `NATIVE`).
    pub formats: BTreeMap<String, usize>,
    /// Creatives per serving status.
    pub statuses: BTreeMap<String, usize>,
    /// Up to four creatives with the most spend in the period, biggest first.
    pub top_creative_ids: Vec<String>,
}

/// What the list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignSort {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Cpm,
    Change,
    Creatives,
    Confidence,
    Name,
}

impl CampaignSort {
    pub const NAMES: &'static str = "spend, impressions, clicks, ctr, cpc, cpm, change, creatives, confidence or name";

    pub fn parse(text: &str) -> Option<CampaignSort> {
        Some(match text {
            "spend" => CampaignSort::Spend,
            "impressions" => CampaignSort::Impressions,
            "clicks" => CampaignSort::Clicks,
            "ctr" => CampaignSort::Ctr,
            "cpc" => CampaignSort::Cpc,
            "cpm" => CampaignSort::Cpm,
            "change" => CampaignSort::Change,
            "creatives" => CampaignSort::Creatives,
            "confidence" => CampaignSort::Confidence,
            "name" => CampaignSort::Name,
            _ => return None,
        })
    }

    /// Names read A to Z; numbers biggest first.
    pub fn descending_by_default(self) -> bool {
        self != CampaignSort::Name
    }
}

/// Sorts `views`; a missing value (no clicks for a CPC) goes last either way, then spend.
pub fn sort_views(views: &mut [CampaignView], by: CampaignSort, descending: bool) {
    fn float(v: Option<f64>) -> Option<i64> {
        v.map(|f| (f * 1e9) as i64)
    }
    let key = |c: &CampaignView| -> Option<i64> {
        match by {
            CampaignSort::Spend => Some(c.totals.spend_micros),
            CampaignSort::Impressions => Some(c.totals.impressions),
            CampaignSort::Clicks => Some(c.totals.clicks),
            CampaignSort::Ctr => float(c.totals.ctr),
            CampaignSort::Cpc => c.totals.cpc_micros,
            CampaignSort::Cpm => c.totals.cpm_micros,
            CampaignSort::Change => float(c.spend_change_pct),
            CampaignSort::Creatives => Some(c.creative_count as i64),
            CampaignSort::Confidence => float(Some(c.confidence)),
            CampaignSort::Name => None,
        }
    };
    views.sort_by(|a, b| {
        let order = if by == CampaignSort::Name {
            a.name.to_lowercase().cmp(&b.name.to_lowercase())
        } else {
            match (key(a), key(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        };
        let order = if descending { order.reverse() } else { order };
        order
            .then(b.totals.spend_micros.cmp(&a.totals.spend_micros))
            .then(a.id.cmp(&b.id))
    });
}

/// The list, kept per period and end day until the data changes.
pub type CampaignCache = crate::platform::cache::VersionedCache<Vec<CampaignView>, 16>;

/// The period's window ending at `as_of` (the newest imported day when none is given), as
/// text for the store, and the previous window.
pub(crate) struct Window {
    pub as_of: Option<Date>,
    pub current: (Option<String>, Option<String>),
    pub previous: Option<(String, String)>,
}

pub(crate) async fn window(store: &SharedStore, period: Period, as_of: Option<Date>) -> Result<Window, StoreError> {
    let as_of = crate::bidder::performance::last_day(store, as_of).await?;
    Ok(match as_of {
        Some(end) => {
            let (start, end) = period.window(end);
            Window {
                as_of: Some(end),
                current: (start.map(|d| d.to_string()), Some(end.to_string())),
                previous: period.previous_window(end).map(|(s, e)| (s.to_string(), e.to_string())),
            }
        }
        None => Window {
            as_of: None,
            current: (None, None),
            previous: None,
        },
    })
}

/// Every campaign with its numbers over `period`, sorted.
pub async fn list(
    store: &SharedStore,
    cache: &CampaignCache,
    period: Period,
    sort: CampaignSort,
    descending: bool,
) -> Result<Vec<CampaignView>, StoreError> {
    let window = window(store, period, None).await?;
    let version = store.campaign_data_version().await?;
    let key = format!("{}@{:?}", period.as_str(), window.as_of);
    let views = cache
        .get_or_compute(&version, key, || compute(store, period, &window))
        .await?;
    let mut views = views.as_ref().clone();
    sort_views(&mut views, sort, descending);
    Ok(views)
}

fn top(cuts: &[CampaignCut]) -> Option<Share> {
    let spend: i64 = cuts.iter().map(|c| c.spend_micros).sum();
    let impressions: i64 = cuts.iter().map(|c| c.impressions).sum();
    let (weight, total): (fn(&CampaignCut) -> i64, i64) = if spend > 0 {
        (|c| c.spend_micros, spend)
    } else {
        (|c| c.impressions, impressions)
    };
    if total <= 0 {
        return None;
    }
    cuts.iter()
        .max_by(|a, b| weight(a).cmp(&weight(b)).then(b.value.cmp(&a.value)))
        .map(|c| Share {
            value: c.value.clone(),
            share: weight(c) as f64 / total as f64,
        })
}

fn by_campaign(cuts: Vec<CampaignCut>) -> HashMap<i64, Vec<CampaignCut>> {
    let mut out: HashMap<i64, Vec<CampaignCut>> = HashMap::new();
    for c in cuts {
        out.entry(c.campaign_id).or_default().push(c);
    }
    out
}

async fn creative_totals(
    store: &SharedStore,
    start: Option<String>,
    end: Option<String>,
) -> Result<HashMap<String, (i64, i64, i64)>, StoreError> {
    Ok(store
        .performance_totals(FactFilter {
            start,
            end,
            country: None,
        })
        .await?
        .into_iter()
        .map(|t| (t.creative_id, (t.spend_micros, t.impressions, t.clicks)))
        .collect())
}

async fn compute(store: &SharedStore, period: Period, window: &Window) -> Result<Vec<CampaignView>, StoreError> {
    let (start, end) = window.current.clone();
    let current = creative_totals(store, start.clone(), end.clone()).await?;
    let previous = match &window.previous {
        Some((s, e)) => Some(creative_totals(store, Some(s.clone()), Some(e.clone())).await?),
        None => None,
    };
    let countries = by_campaign(
        store
            .campaign_cuts(CampaignDimension::Country, None, start.clone(), end.clone())
            .await?,
    );
    let devices = by_campaign(store.campaign_cuts(CampaignDimension::Device, None, start, end).await?);
    let inputs: HashMap<(String, String), (String, String)> = store
        .campaign_inputs()
        .await?
        .into_iter()
        .map(|i| ((i.seat_id, i.creative_id), (i.format, i.status)))
        .collect();
    let campaigns = store.list_creative_campaigns().await?;
    Ok(campaigns
        .into_iter()
        .filter(|c| !c.members.is_empty())
        .map(|c| {
            let mut totals = Totals::default();
            let mut before = previous.as_ref().map(|_| Totals::default());
            let mut spend_by_creative: Vec<(i64, String)> = Vec::new();
            let (mut formats, mut statuses) = (BTreeMap::new(), BTreeMap::new());
            for (seat, id) in &c.members {
                let (spend, impressions, clicks) = current.get(id).copied().unwrap_or_default();
                totals.add(spend, impressions, clicks);
                if let (Some(before), Some(previous)) = (before.as_mut(), previous.as_ref()) {
                    let (spend, impressions, clicks) = previous.get(id).copied().unwrap_or_default();
                    before.add(spend, impressions, clicks);
                }
                spend_by_creative.push((spend, format!("{seat}/{id}")));
                if let Some((format, status)) = inputs.get(&(seat.clone(), id.clone())) {
                    *formats.entry(format.clone()).or_default() += 1;
                    *statuses.entry(status.clone()).or_default() += 1;
                }
            }
            spend_by_creative.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let cuts = Cuts {
                countries: countries.get(&c.id).map(Vec::as_slice).unwrap_or_default(),
                devices: devices.get(&c.id).map(Vec::as_slice).unwrap_or_default(),
            };
            view(
                c,
                period,
                window.as_of,
                totals,
                before,
                Extras {
                    formats,
                    statuses,
                    top_creative_ids: spend_by_creative.into_iter().take(4).map(|(_, id)| id).collect(),
                },
                cuts,
            )
        })
        .collect())
}

struct Extras {
    formats: BTreeMap<String, usize>,
    statuses: BTreeMap<String, usize>,
    top_creative_ids: Vec<String>,
}

struct Cuts<'a> {
    countries: &'a [CampaignCut],
    devices: &'a [CampaignCut],
}

fn view(
    c: CampaignRow,
    period: Period,
    as_of: Option<Date>,
    totals: Totals,
    previous: Option<Totals>,
    extras: Extras,
    cuts: Cuts<'_>,
) -> CampaignView {
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
        as_of: as_of.map(|d| d.to_string()),
        spend_change_pct: previous
            .as_ref()
            .and_then(|p| trend_pct(totals.spend_micros, p.spend_micros)),
        previous,
        top_country: top(cuts.countries),
        top_device: top(cuts.devices),
        totals,
        formats: extras.formats,
        statuses: extras.statuses,
        top_creative_ids: extras.top_creative_ids,
    }
}

/// One of a campaign's creatives with its numbers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// `seat/creative`.
    pub id: String,
    pub seat_id: String,
    pub creative_id: String,
    pub advertiser: Option<String>,
    pub format: String,
    pub status: String,
    #[serde(flatten)]
    pub totals: Totals,
}

/// A value of a dimension (a country, a device, a day) with its numbers and share of spend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CutView {
    pub value: String,
    /// Of the campaign's spend in the period, 0–1 (none when nothing was spent).
    pub spend_share: Option<f64>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// One campaign in full: its numbers, day by day (with the period before), its creatives
/// by spend, and its countries and devices.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignDetail {
    pub campaign: CampaignView,
    pub daily: Vec<CutView>,
    pub previous_daily: Vec<CutView>,
    pub creatives: Vec<MemberView>,
    pub countries: Vec<CutView>,
    pub devices: Vec<CutView>,
}

fn cut_views(cuts: Vec<CampaignCut>) -> Vec<CutView> {
    let spend: i64 = cuts.iter().map(|c| c.spend_micros).sum();
    let mut out: Vec<CutView> = cuts
        .into_iter()
        .map(|c| CutView {
            spend_share: (spend > 0).then(|| c.spend_micros as f64 / spend as f64),
            totals: Totals::of(c.spend_micros, c.impressions, c.clicks),
            value: c.value,
        })
        .collect();
    out.sort_by(|a, b| {
        b.totals
            .spend_micros
            .cmp(&a.totals.spend_micros)
            .then(b.totals.impressions.cmp(&a.totals.impressions))
            .then(a.value.cmp(&b.value))
    });
    out
}

/// One campaign over `period`; `None` when there is no such campaign.
pub async fn detail(
    store: &SharedStore,
    cache: &CampaignCache,
    id: i64,
    period: Period,
) -> Result<Option<CampaignDetail>, StoreError> {
    let Some(campaign) = list(store, cache, period, CampaignSort::Spend, true)
        .await?
        .into_iter()
        .find(|c| c.id == id)
    else {
        return Ok(None);
    };
    let window = window(store, period, None).await?;
    let (start, end) = window.current.clone();
    let cut = |by, start: Option<String>, end: Option<String>| store.campaign_cuts(by, Some(id), start, end);
    let mut daily = cut_views(cut(CampaignDimension::Date, start.clone(), end.clone()).await?);
    daily.sort_by(|a, b| a.value.cmp(&b.value));
    let mut previous_daily = match &window.previous {
        Some((s, e)) => cut_views(cut(CampaignDimension::Date, Some(s.clone()), Some(e.clone())).await?),
        None => Vec::new(),
    };
    previous_daily.sort_by(|a, b| a.value.cmp(&b.value));
    let countries = cut_views(cut(CampaignDimension::Country, start.clone(), end.clone()).await?);
    let devices = cut_views(cut(CampaignDimension::Device, start.clone(), end.clone()).await?);
    let totals: HashMap<String, Totals> = cut(CampaignDimension::Creative, start, end)
        .await?
        .into_iter()
        .map(|c| (c.value, Totals::of(c.spend_micros, c.impressions, c.clicks)))
        .collect();
    let members: std::collections::HashSet<&str> = campaign.creative_ids.iter().map(String::as_str).collect();
    let mut creatives: Vec<MemberView> = store
        .campaign_inputs()
        .await?
        .into_iter()
        .filter(|i| members.contains(format!("{}/{}", i.seat_id, i.creative_id).as_str()))
        .map(|i| MemberView {
            id: format!("{}/{}", i.seat_id, i.creative_id),
            totals: totals.get(&i.creative_id).cloned().unwrap_or_default(),
            seat_id: i.seat_id,
            creative_id: i.creative_id,
            advertiser: i.advertiser,
            format: i.format,
            status: i.status,
        })
        .collect();
    creatives.sort_by(|a, b| b.totals.spend_micros.cmp(&a.totals.spend_micros).then(a.id.cmp(&b.id)));
    Ok(Some(CampaignDetail {
        campaign,
        daily,
        previous_daily,
        creatives,
        countries,
        devices,
    }))
}

/// Each placed creative's campaign (id and name), for creative cards.
pub async fn campaign_of_creatives(
    store: &SharedStore,
) -> Result<HashMap<(String, String), (i64, String)>, StoreError> {
    let mut out = HashMap::new();
    for c in store.list_creative_campaigns().await? {
        for member in c.members {
            out.insert(member, (c.id, c.name.clone()));
        }
    }
    Ok(out)
}
