//! Opportunities: profit pockets the bidder's optimisation missed, each reported only when
//! it holds up statistically. Pure: daily cells in, findings out.
//!
//! The test (see docs/opportunities.md): CPC is spend per click, so for a segment and its
//! baseline the clicks bought are modelled as Poisson given the spend, with the variance
//! inflated by the dispersion φ the campaign's own day-by-day cells show (quasi-Poisson).
//! log(CPC_segment / CPC_baseline) then has standard error √(φ (1/C_seg + 1/C_base)); the
//! one-sided p-value is that of "the segment is cheaper". Every test run (all segments of
//! all detectors) goes through Benjamini–Hochberg together, and a finding is reported when
//! its adjusted p-value is at most 1 − confidence and its estimate clears the effect size.

pub mod geography;

use crate::shared::stats::{benjamini_hochberg, normal_cdf, normal_quantile};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One day of one creative in one country.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Index into the creatives.
    pub creative: usize,
    pub day: String,
    pub country: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// A creative and where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeOf {
    pub campaign_id: i64,
    /// `seat/creative`.
    pub id: String,
    pub size: String,
    pub format: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// 0–1: a finding's adjusted p-value must be at most 1 − this.
    pub confidence: f64,
    /// A segment must be at least this much cheaper per click (0.2: 20% better).
    pub better_by: f64,
    /// `undervalued_geo`: the geo's share of the campaign's spend stays under this.
    pub geo_max_share: f64,
    /// `neglected_creative`: the creative's share of the campaign's impressions stays under this.
    pub creative_max_share: f64,
    /// Segments with fewer clicks are not tested (too little to say anything).
    pub min_clicks: i64,
    /// Days in the window (potential is per week).
    pub days: i64,
    /// Recommended scale-up of a segment (5: to five times its spend).
    pub scale_to: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            confidence: 0.9,
            better_by: 0.2,
            geo_max_share: 0.05,
            creative_max_share: 0.05,
            min_clicks: 30,
            days: 14,
            scale_to: 5.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    UndervaluedGeo,
    EfficientLowSpend,
    SizeGap,
    NeglectedCreative,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::UndervaluedGeo,
        Kind::EfficientLowSpend,
        Kind::SizeGap,
        Kind::NeglectedCreative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::UndervaluedGeo => "undervalued_geo",
            Kind::EfficientLowSpend => "efficient_low_spend",
            Kind::SizeGap => "size_gap",
            Kind::NeglectedCreative => "neglected_creative",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Spend, clicks and impressions summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sums {
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

impl Sums {
    pub fn add(&mut self, spend: i64, impressions: i64, clicks: i64) {
        self.spend_micros += spend;
        self.impressions += impressions;
        self.clicks += clicks;
    }

    pub fn minus(self, other: Sums) -> Sums {
        Sums {
            spend_micros: self.spend_micros - other.spend_micros,
            impressions: self.impressions - other.impressions,
            clicks: self.clicks - other.clicks,
        }
    }

    pub fn cpc_micros(&self) -> Option<i64> {
        (self.clicks > 0).then(|| self.spend_micros / self.clicks)
    }
}

/// A segment against its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpcTest {
    /// CPC_segment / CPC_baseline.
    pub ratio: f64,
    /// The ratio's two-sided interval at the configured confidence.
    pub interval: (f64, f64),
    /// One-sided: the segment is cheaper.
    pub p_value: f64,
    pub dispersion: f64,
}

/// log(CPC ratio) and its variance for one segment against its baseline.
pub(crate) fn log_ratio(segment: Sums, baseline: Sums, phi: f64) -> Option<(f64, f64)> {
    if segment.clicks <= 0 || baseline.clicks <= 0 || segment.spend_micros <= 0 || baseline.spend_micros <= 0 {
        return None;
    }
    let value = (segment.spend_micros as f64 / segment.clicks as f64).ln()
        - (baseline.spend_micros as f64 / baseline.clicks as f64).ln();
    Some((
        value,
        phi * (1.0 / segment.clicks as f64 + 1.0 / baseline.clicks as f64),
    ))
}

/// The quasi-Poisson test of a segment's CPC against its baseline's.
pub fn cpc_test(segment: Sums, baseline: Sums, dispersion: f64, confidence: f64) -> Option<CpcTest> {
    pooled_cpc_test(&[(segment, baseline)], dispersion, confidence)
}

/// The same test pooled over strata (a size against the other sizes within each campaign
/// that has it, so a campaign's own price level cannot pass for the size's): the
/// inverse-variance weighted mean of the per-stratum log ratios.
pub fn pooled_cpc_test(strata: &[(Sums, Sums)], dispersion: f64, confidence: f64) -> Option<CpcTest> {
    let phi = dispersion.max(1.0);
    let (mut weighted, mut weights) = (0.0, 0.0);
    for (segment, baseline) in strata {
        if let Some((value, variance)) = log_ratio(*segment, *baseline, phi) {
            weighted += value / variance;
            weights += 1.0 / variance;
        }
    }
    if weights <= 0.0 {
        return None;
    }
    let log_ratio = weighted / weights;
    let se = (1.0 / weights).sqrt();
    let z = normal_quantile(0.5 + confidence / 2.0);
    Some(CpcTest {
        ratio: log_ratio.exp(),
        interval: ((log_ratio - z * se).exp(), (log_ratio + z * se).exp()),
        p_value: normal_cdf(log_ratio / se),
        dispersion: phi,
    })
}

/// φ from cells grouped by segment: Pearson χ² of clicks against spend × the segment's
/// clicks per dollar, over its degrees of freedom (at least 1: never narrower than Poisson).
pub(crate) fn dispersion<'a>(cells: impl Iterator<Item = (&'a str, Sums)>) -> f64 {
    let mut by_segment: HashMap<&str, (Sums, Vec<Sums>)> = HashMap::new();
    for (segment, sums) in cells {
        let entry = by_segment.entry(segment).or_default();
        entry.0.add(sums.spend_micros, sums.impressions, sums.clicks);
        entry.1.push(sums);
    }
    let (mut chi2, mut cells_n, mut segments) = (0.0, 0usize, 0usize);
    for (total, cells) in by_segment.values() {
        if total.clicks <= 0 || total.spend_micros <= 0 {
            continue;
        }
        segments += 1;
        let rate = total.clicks as f64 / total.spend_micros as f64;
        for c in cells {
            let expected = c.spend_micros as f64 * rate;
            if expected > 0.0 {
                chi2 += (c.clicks as f64 - expected).powi(2) / expected;
                cells_n += 1;
            }
        }
    }
    let df = cells_n.saturating_sub(segments);
    if df == 0 {
        1.0
    } else {
        (chi2 / df as f64).max(1.0)
    }
}

/// A finding, tested.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// Stable across recomputation: kind, campaign and the segment.
    pub key: String,
    pub kind: Kind,
    pub campaign_id: i64,
    pub creative_id: Option<String>,
    pub geography: Option<String>,
    pub size: Option<String>,
    pub segment: Sums,
    pub baseline: Sums,
    pub test: CpcTestView,
    /// Benjamini–Hochberg adjusted.
    pub q_value: f64,
    /// 1 − q.
    pub confidence: f64,
    /// Extra weekly spend the recommendation moves to the segment.
    pub weekly_shift_micros: i64,
    /// What that shift saves per week (clicks bought cheaper), with its interval.
    pub potential_weekly_micros: i64,
    pub potential_weekly_interval: (i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CpcTestView {
    pub ratio: f64,
    pub ratio_low: f64,
    pub ratio_high: f64,
    pub p_value: f64,
    pub dispersion: f64,
}

struct Candidate {
    key: String,
    kind: Kind,
    campaign_id: i64,
    creative_id: Option<String>,
    geography: Option<String>,
    size: Option<String>,
    segment: Sums,
    baseline: Sums,
    test: CpcTest,
    weekly_shift_micros: i64,
}

fn weekly(micros: i64, days: i64) -> i64 {
    micros * 7 / days.max(1)
}

/// All detectors over the window's cells; findings that hold, biggest potential first.
pub fn detect(cells: &[Cell], creatives: &[CreativeOf], settings: &Settings) -> Vec<Finding> {
    let mut campaign: BTreeMap<i64, Sums> = BTreeMap::new();
    let mut by_geo: BTreeMap<(i64, &str), Sums> = BTreeMap::new();
    let mut by_creative: BTreeMap<usize, Sums> = BTreeMap::new();
    let mut geo_days: HashMap<i64, Vec<(String, Sums)>> = HashMap::new();
    let mut creative_days: HashMap<i64, BTreeMap<(usize, &str), Sums>> = HashMap::new();
    let mut campaign_days: BTreeMap<(i64, &str), Sums> = BTreeMap::new();
    let mut geo_day_sums: HashMap<i64, BTreeMap<(&str, &str), Sums>> = HashMap::new();
    for c in cells {
        let Some(of) = creatives.get(c.creative) else {
            continue;
        };
        let id = of.campaign_id;
        campaign
            .entry(id)
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        by_geo
            .entry((id, c.country.as_str()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        by_creative
            .entry(c.creative)
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        geo_day_sums
            .entry(id)
            .or_default()
            .entry((c.country.as_str(), c.day.as_str()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        creative_days
            .entry(id)
            .or_default()
            .entry((c.creative, c.day.as_str()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
        campaign_days
            .entry((id, c.day.as_str()))
            .or_default()
            .add(c.spend_micros, c.impressions, c.clicks);
    }
    for (id, cells) in &geo_day_sums {
        geo_days.insert(*id, cells.iter().map(|((geo, _), s)| (geo.to_string(), *s)).collect());
    }
    let phi_geo: HashMap<i64, f64> = geo_days
        .iter()
        .map(|(id, cells)| (*id, dispersion(cells.iter().map(|(g, s)| (g.as_str(), *s)))))
        .collect();
    let phi_creative: HashMap<i64, f64> = creative_days
        .iter()
        .map(|(id, cells)| {
            let keyed: Vec<(String, Sums)> = cells.iter().map(|((c, _), s)| (c.to_string(), *s)).collect();
            (*id, dispersion(keyed.iter().map(|(k, s)| (k.as_str(), *s))))
        })
        .collect();
    let campaign_keyed: Vec<(String, Sums)> = campaign_days.iter().map(|((id, _), s)| (id.to_string(), *s)).collect();
    let phi_portfolio = dispersion(campaign_keyed.iter().map(|(k, s)| (k.as_str(), *s)));

    let mut candidates: Vec<Candidate> = Vec::new();
    let conf = settings.confidence;
    // Undervalued geographies: a small share of the campaign's spend, cheaper clicks.
    for (&(id, geo), &sums) in &by_geo {
        let total = campaign[&id];
        if total.spend_micros <= 0 || sums.clicks < settings.min_clicks {
            continue;
        }
        if sums.spend_micros as f64 >= settings.geo_max_share * total.spend_micros as f64 {
            continue;
        }
        let baseline = total.minus(sums);
        if let Some(test) = cpc_test(sums, baseline, phi_geo.get(&id).copied().unwrap_or(1.0), conf) {
            candidates.push(Candidate {
                key: format!("undervalued_geo/{id}/{geo}"),
                kind: Kind::UndervaluedGeo,
                campaign_id: id,
                creative_id: None,
                geography: Some(geo.to_string()),
                size: None,
                segment: sums,
                baseline,
                test,
                weekly_shift_micros: (weekly(sums.spend_micros, settings.days) as f64 * (settings.scale_to - 1.0))
                    as i64,
            });
        }
    }
    // Neglected creatives: a small share of the campaign's impressions, cheaper clicks.
    for (&index, &sums) in &by_creative {
        let of = &creatives[index];
        let total = campaign[&of.campaign_id];
        if total.impressions <= 0 || sums.clicks < settings.min_clicks {
            continue;
        }
        if sums.impressions as f64 >= settings.creative_max_share * total.impressions as f64 {
            continue;
        }
        let baseline = total.minus(sums);
        let phi = phi_creative.get(&of.campaign_id).copied().unwrap_or(1.0);
        if let Some(test) = cpc_test(sums, baseline, phi, conf) {
            candidates.push(Candidate {
                key: format!("neglected_creative/{}/{}", of.campaign_id, of.id),
                kind: Kind::NeglectedCreative,
                campaign_id: of.campaign_id,
                creative_id: Some(of.id.clone()),
                geography: None,
                size: Some(of.size.clone()),
                segment: sums,
                baseline,
                test,
                weekly_shift_micros: (weekly(sums.spend_micros, settings.days) as f64 * (settings.scale_to - 1.0))
                    as i64,
            });
        }
    }
    // Efficient, low-spend campaigns: top quartile by CPC, bottom quartile by spend.
    let portfolio: Sums = campaign.values().fold(Sums::default(), |mut acc, s| {
        acc.add(s.spend_micros, s.impressions, s.clicks);
        acc
    });
    let with_clicks: Vec<(i64, Sums)> = campaign
        .iter()
        .filter(|(_, s)| s.clicks > 0)
        .map(|(id, s)| (*id, *s))
        .collect();
    if with_clicks.len() >= 4 {
        let mut cpcs: Vec<f64> = with_clicks
            .iter()
            .map(|(_, s)| s.spend_micros as f64 / s.clicks as f64)
            .collect();
        let mut spends: Vec<i64> = with_clicks.iter().map(|(_, s)| s.spend_micros).collect();
        cpcs.sort_by(f64::total_cmp);
        spends.sort_unstable();
        let cheap_quartile = cpcs[(cpcs.len() - 1) / 4];
        let low_spend_quartile = spends[(spends.len() - 1) / 4];
        let median_spend = spends[spends.len() / 2];
        for (id, sums) in &with_clicks {
            let cpc = sums.spend_micros as f64 / sums.clicks as f64;
            if cpc > cheap_quartile || sums.spend_micros > low_spend_quartile || sums.clicks < settings.min_clicks {
                continue;
            }
            let baseline = portfolio.minus(*sums);
            if let Some(test) = cpc_test(*sums, baseline, phi_portfolio, conf) {
                candidates.push(Candidate {
                    key: format!("efficient_low_spend/{id}"),
                    kind: Kind::EfficientLowSpend,
                    campaign_id: *id,
                    creative_id: None,
                    geography: None,
                    size: None,
                    segment: *sums,
                    baseline,
                    test,
                    weekly_shift_micros: weekly((median_spend - sums.spend_micros).max(0), settings.days),
                });
            }
        }
    }
    // Size gaps: a size cheaper than the other sizes within the campaigns that use it,
    // missing from a campaign of the same format that spends.
    let mut by_campaign_size: BTreeMap<(&str, &str), BTreeMap<i64, Sums>> = BTreeMap::new();
    let mut campaign_sizes: BTreeMap<i64, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for (&index, sums) in &by_creative {
        let of = &creatives[index];
        by_campaign_size
            .entry((of.format.as_str(), of.size.as_str()))
            .or_default()
            .entry(of.campaign_id)
            .or_default()
            .add(sums.spend_micros, sums.impressions, sums.clicks);
    }
    for of in creatives {
        let entry = campaign_sizes.entry(of.campaign_id).or_default();
        entry.0.insert(of.size.as_str());
        entry.1.insert(of.format.as_str());
    }
    for (&(format, size), users) in &by_campaign_size {
        let strata: Vec<(Sums, Sums)> = users
            .iter()
            .map(|(id, seg)| (*seg, campaign.get(id).copied().unwrap_or_default().minus(*seg)))
            .filter(|(seg, base)| seg.clicks > 0 && base.clicks > 0)
            .collect();
        let (segment, baseline) = strata
            .iter()
            .fold((Sums::default(), Sums::default()), |(mut s, mut b), (x, y)| {
                s.add(x.spend_micros, x.impressions, x.clicks);
                b.add(y.spend_micros, y.impressions, y.clicks);
                (s, b)
            });
        if size.is_empty() || strata.len() < 2 || segment.clicks < settings.min_clicks {
            continue;
        }
        let Some(test) = pooled_cpc_test(&strata, phi_portfolio, conf) else {
            continue;
        };
        let share = segment.spend_micros as f64 / (segment.spend_micros + baseline.spend_micros).max(1) as f64;
        for (id, (sizes, formats)) in &campaign_sizes {
            let spend = campaign.get(id).map_or(0, |s| s.spend_micros);
            if sizes.contains(size) || !formats.contains(format) || spend <= 0 {
                continue;
            }
            candidates.push(Candidate {
                key: format!("size_gap/{id}/{size}"),
                kind: Kind::SizeGap,
                campaign_id: *id,
                creative_id: None,
                geography: None,
                size: Some(size.to_string()),
                segment,
                baseline,
                test,
                weekly_shift_micros: (weekly(spend, settings.days) as f64 * share) as i64,
            });
        }
    }

    // One family: every test run, adjusted together (a size test counted once).
    let mut distinct: Vec<(String, f64)> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for c in &candidates {
        let family_key = match c.kind {
            Kind::SizeGap => format!("size/{}", c.size.as_deref().unwrap_or("")),
            _ => c.key.clone(),
        };
        if !index_of.contains_key(&family_key) {
            index_of.insert(family_key.clone(), distinct.len());
            distinct.push((family_key, c.test.p_value));
        }
    }
    let q = benjamini_hochberg(&distinct.iter().map(|d| d.1).collect::<Vec<_>>());
    let alpha = 1.0 - settings.confidence;
    let mut findings: Vec<Finding> = candidates
        .into_iter()
        .filter_map(|c| {
            let family_key = match c.kind {
                Kind::SizeGap => format!("size/{}", c.size.as_deref().unwrap_or("")),
                _ => c.key.clone(),
            };
            let q_value = q[index_of[&family_key]];
            if q_value > alpha || c.test.ratio > 1.0 - settings.better_by {
                return None;
            }
            let saving = |ratio: f64| (c.weekly_shift_micros as f64 * (1.0 - ratio).max(0.0)).round() as i64;
            Some(Finding {
                potential_weekly_micros: saving(c.test.ratio),
                potential_weekly_interval: (saving(c.test.interval.1), saving(c.test.interval.0)),
                key: c.key,
                kind: c.kind,
                campaign_id: c.campaign_id,
                creative_id: c.creative_id,
                geography: c.geography,
                size: c.size,
                segment: c.segment,
                baseline: c.baseline,
                test: CpcTestView {
                    ratio: c.test.ratio,
                    ratio_low: c.test.interval.0,
                    ratio_high: c.test.interval.1,
                    p_value: c.test.p_value,
                    dispersion: c.test.dispersion,
                },
                q_value,
                confidence: 1.0 - q_value,
                weekly_shift_micros: c.weekly_shift_micros,
            })
        })
        .collect();
    findings.sort_by(|a, b| {
        b.potential_weekly_micros
            .cmp(&a.potential_weekly_micros)
            .then(a.key.cmp(&b.key))
    });
    findings
}

#[cfg(test)]
mod tests;
