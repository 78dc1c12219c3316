//! Waste: traffic the bidder is sent but cannot or does not use. Pure arithmetic over
//! totals the store adds up: size coverage (requests against the creatives that can serve
//! them), the request funnel with its drops, waste in QPS, and recommendations — each with
//! its evidence, impact, severity, confidence and the pretargeting change it proposes.

use crate::shared::stats::wilson_interval;
use crate::shared::text::thousands;
use serde::Serialize;
use time::Date;

const SECONDS_PER_DAY: i64 = 86_400;

/// The days a waste figure covers: `days` ending at `end`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Date,
    pub end: Date,
    pub days: i64,
}

/// `{"start": "2026-11-14", "end": "2026-11-20", "days": 7, "seconds": 604800}`.
impl Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Window", 4)?;
        out.serialize_field("start", &self.start.to_string())?;
        out.serialize_field("end", &self.end.to_string())?;
        out.serialize_field("days", &self.days)?;
        out.serialize_field("seconds", &self.seconds())?;
        out.end()
    }
}

impl Window {
    /// `days` (1–366) ending at `end`.
    pub fn ending(end: Date, days: i64) -> Option<Window> {
        if !(1..=366).contains(&days) {
            return None;
        }
        let start = end.checked_sub(time::Duration::days(days - 1))?;
        Some(Window { start, end, days })
    }

    pub fn seconds(&self) -> i64 {
        self.days * SECONDS_PER_DAY
    }

    /// Requests over the window as queries per second.
    pub fn qps(&self, requests: i64) -> f64 {
        requests as f64 / self.seconds() as f64
    }
}

/// What the store adds up for one canonical size.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SizeTotals {
    pub size: String,
    pub category: String,
    /// Bid requests for the size in the window (the bidder's traffic report).
    pub requests: i64,
    /// Approved creatives that can serve it.
    pub creatives: i64,
    /// Impressions won with creatives of this size in the window, where known.
    pub impressions: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeCoverage {
    pub size: String,
    pub category: String,
    pub requests: i64,
    pub creatives: i64,
    pub impressions: Option<i64>,
    /// Requests no creative can serve: all of them when there is no creative.
    pub wasted_requests: i64,
    pub wasted_qps: f64,
    /// `covered`, `no_creative` (traffic nothing can serve) or `no_traffic` (creatives
    /// nobody asks for).
    pub coverage: &'static str,
}

/// Every size seen in traffic or among creatives, most waste first, then most requests.
pub fn size_coverage(sizes: Vec<SizeTotals>, window: &Window) -> Vec<SizeCoverage> {
    let mut rows: Vec<SizeCoverage> = sizes
        .into_iter()
        .map(|s| {
            let wasted = if s.creatives == 0 { s.requests } else { 0 };
            SizeCoverage {
                coverage: match (s.requests > 0, s.creatives > 0) {
                    (true, false) => "no_creative",
                    (false, true) => "no_traffic",
                    _ => "covered",
                },
                wasted_qps: window.qps(wasted),
                wasted_requests: wasted,
                size: s.size,
                category: s.category,
                requests: s.requests,
                creatives: s.creatives,
                impressions: s.impressions,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.wasted_requests
            .cmp(&a.wasted_requests)
            .then(b.requests.cmp(&a.requests))
            .then(a.size.cmp(&b.size))
    });
    rows
}

/// The funnel's counts, as Google's funnel reports give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FunnelCounts {
    pub bid_requests: i64,
    pub inventory_matches: i64,
    pub successful_responses: i64,
    pub bids: i64,
    pub bids_in_auction: i64,
    pub auctions_won: i64,
    pub impressions: i64,
}

impl FunnelCounts {
    pub fn add(&mut self, other: &FunnelCounts) {
        self.bid_requests += other.bid_requests;
        self.inventory_matches += other.inventory_matches;
        self.successful_responses += other.successful_responses;
        self.bids += other.bids;
        self.bids_in_auction += other.bids_in_auction;
        self.auctions_won += other.auctions_won;
        self.impressions += other.impressions;
    }

    /// Bids per bid request: near zero means the bidder is sent traffic it never wants.
    pub fn bid_rate(&self) -> Option<f64> {
        (self.bid_requests > 0).then(|| self.bids as f64 / self.bid_requests as f64)
    }

    pub fn win_rate(&self) -> Option<f64> {
        (self.bids > 0).then(|| self.auctions_won as f64 / self.bids as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    pub step: &'static str,
    pub label: &'static str,
    pub count: i64,
    /// Lost since the step before (0 for the first).
    pub drop: i64,
    /// `drop` as a share of the step before.
    pub drop_share: Option<f64>,
    /// This step as a share of the bid requests.
    pub share_of_requests: Option<f64>,
}

pub fn funnel_steps(counts: &FunnelCounts) -> Vec<FunnelStep> {
    let steps = [
        ("bid_requests", "Bid requests", counts.bid_requests),
        ("inventory_matches", "Inventory matches", counts.inventory_matches),
        (
            "successful_responses",
            "Successful responses",
            counts.successful_responses,
        ),
        ("bids", "Bids", counts.bids),
        ("bids_in_auction", "Bids in auction", counts.bids_in_auction),
        ("auctions_won", "Auctions won", counts.auctions_won),
        ("impressions", "Impressions", counts.impressions),
    ];
    let mut previous: Option<i64> = None;
    steps
        .iter()
        .map(|(step, label, count)| {
            let drop = previous.map_or(0, |p| (p - count).max(0));
            let drop_share = previous.and_then(|p| (p > 0).then(|| drop as f64 / p as f64));
            previous = Some(*count);
            FunnelStep {
                step,
                label,
                count: *count,
                drop,
                drop_share,
                share_of_requests: (counts.bid_requests > 0).then(|| *count as f64 / counts.bid_requests as f64),
            }
        })
        .collect()
}

/// One geo, publisher or config with its funnel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunnelGroup {
    pub key: String,
    pub label: String,
    pub counts: FunnelCounts,
}

/// A publisher's delivered impressions and how many Google credited back as invalid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublisherQuality {
    pub publisher: String,
    pub label: String,
    pub impressions: i64,
    pub ivt_credited_impressions: i64,
}

/// The change a recommendation proposes to a pretargeting config (nothing is applied here).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PretargetingChange {
    /// The `PretargetingConfig` field of the Real-time Bidding API.
    pub field: &'static str,
    /// `exclude`: add the values to an exclusion; `remove`: drop them from an inclusion.
    pub action: &'static str,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub window: Window,
    pub requests: i64,
    pub bids: Option<i64>,
    pub impressions: Option<i64>,
    pub creatives: Option<i64>,
    pub ivt_credited_impressions: Option<i64>,
    /// The rate the rule looked at, with its 95% interval where it is a rate.
    pub rate: Option<f64>,
    pub rate_low: Option<f64>,
    pub rate_high: Option<f64>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// `exclude_size`, `exclude_geo` or `block_publisher`.
    pub kind: &'static str,
    pub title: String,
    /// `high`, `medium` or `low`, by share of all waste.
    pub severity: &'static str,
    /// `high`, `medium` or `low`, by how much traffic the figure rests on.
    pub confidence: &'static str,
    pub wasted_requests: i64,
    pub wasted_qps: f64,
    /// Of all the waste the recommendations name.
    pub share_of_waste: f64,
    pub evidence: Evidence,
    pub change: PretargetingChange,
}

/// Rules: the thresholds a recommendation needs (kept together so the page can say them).
pub struct Rules {
    /// A geo or publisher must carry at least this share of the bid requests.
    pub min_request_share: f64,
    /// …and bid on fewer than this share of them (upper 95% bound, so noise does not count)…
    pub max_bid_rate: f64,
    /// …and less than this fraction of how often the bidder bids on the others.
    pub bid_rate_of_others: f64,
    /// A publisher with at least this share of invalid traffic is blocked…
    pub max_ivt_share: f64,
    /// …when it delivered at least this many impressions…
    pub min_quality_impressions: i64,
    /// …and its share is at least this many times that of all other publishers.
    pub ivt_times_others: f64,
}

pub const RULES: Rules = Rules {
    min_request_share: 0.01,
    max_bid_rate: 0.001,
    bid_rate_of_others: 0.1,
    max_ivt_share: 0.10,
    min_quality_impressions: 1_000,
    ivt_times_others: 2.0,
};

fn confidence(trials: i64) -> &'static str {
    match trials {
        t if t >= 100_000 => "high",
        t if t >= 10_000 => "medium",
        _ => "low",
    }
}

impl Evidence {
    /// The numbers every recommendation rests on; the rule adds what else it looked at.
    fn of(window: &Window, requests: i64, summary: String) -> Evidence {
        Evidence {
            window: *window,
            requests,
            bids: None,
            impressions: None,
            creatives: None,
            ivt_credited_impressions: None,
            rate: None,
            rate_low: None,
            rate_high: None,
            summary,
        }
    }
}

/// A recommendation as a rule finds it; its confidence rests on `trials` (the counts the
/// rule looked at). Severity and share of waste depend on all the others and are set once
/// every rule has run (`recommend`).
fn proposal(
    kind: &'static str,
    title: String,
    wasted_requests: i64,
    trials: i64,
    evidence: Evidence,
    change: PretargetingChange,
    window: &Window,
) -> Recommendation {
    Recommendation {
        kind,
        title,
        severity: "low",
        confidence: confidence(trials),
        wasted_requests,
        wasted_qps: window.qps(wasted_requests),
        share_of_waste: 0.0,
        evidence,
        change,
    }
}

/// A geo or publisher sent in volume that the bidder (almost) never bids on: all its
/// requests are waste; `bounds` is the bid rate's 95% interval.
fn never_bid_on(
    kind: &'static str,
    verb: &str,
    group: &FunnelGroup,
    (low, high): (f64, f64),
    field: &'static str,
    window: &Window,
) -> Recommendation {
    let requests = group.counts.bid_requests;
    let summary = format!(
        "{} bids on {} bid requests in {} days (bid rate at most {:.3}%)",
        thousands(group.counts.bids),
        thousands(requests),
        window.days,
        high * 100.0
    );
    proposal(
        kind,
        format!(
            "{verb} {}: {:.1} QPS, almost never bid on",
            group.label,
            window.qps(requests)
        ),
        requests,
        requests,
        Evidence {
            bids: Some(group.counts.bids),
            impressions: Some(group.counts.impressions),
            rate: group.counts.bid_rate(),
            rate_low: Some(low),
            rate_high: Some(high),
            ..Evidence::of(window, requests, summary)
        },
        PretargetingChange {
            field,
            action: "exclude",
            values: vec![group.key.clone()],
        },
        window,
    )
}

/// Recommendations from sizes, geos, publishers and publisher quality, most waste first.
pub fn recommend(
    sizes: &[SizeCoverage],
    geos: &[FunnelGroup],
    publishers: &[FunnelGroup],
    quality: &[PublisherQuality],
    window: &Window,
) -> Vec<Recommendation> {
    let mut out: Vec<Recommendation> = Vec::new();
    for s in sizes.iter().filter(|s| s.coverage == "no_creative") {
        let summary = format!(
            "{} requests for {} in {} days; no approved creative has this size",
            thousands(s.requests),
            s.size,
            window.days
        );
        // Request counts are exact; the only doubt is whether the traffic continues.
        out.push(proposal(
            "exclude_size",
            format!(
                "Stop asking for {}: {:.1} QPS with no creative to serve it",
                s.size,
                window.qps(s.wasted_requests)
            ),
            s.wasted_requests,
            s.requests,
            Evidence {
                impressions: s.impressions,
                creatives: Some(0),
                ..Evidence::of(window, s.requests, summary)
            },
            PretargetingChange {
                field: "includedCreativeDimensions",
                action: "remove",
                values: vec![s.size.clone()],
            },
            window,
        ));
    }
    // Sent in volume, (almost) never bid on, and far below how often the bidder bids
    // elsewhere: a seat that bids on nothing anywhere is not told to exclude every geo.
    let idle = |groups: &[FunnelGroup]| -> Vec<(FunnelGroup, (f64, f64))> {
        let total: i64 = groups.iter().map(|g| g.counts.bid_requests).sum();
        let total_bids: i64 = groups.iter().map(|g| g.counts.bids.min(g.counts.bid_requests)).sum();
        groups
            .iter()
            .filter(|g| total > 0 && g.counts.bid_requests as f64 / total as f64 >= RULES.min_request_share)
            .filter_map(|g| {
                let bids = g.counts.bids.min(g.counts.bid_requests);
                let interval = wilson_interval(bids, g.counts.bid_requests)?;
                let others = total - g.counts.bid_requests;
                let others_rate = if others > 0 {
                    (total_bids - bids) as f64 / others as f64
                } else {
                    0.0
                };
                (interval.1 < RULES.max_bid_rate && interval.1 < others_rate * RULES.bid_rate_of_others)
                    .then(|| (g.clone(), interval))
            })
            .collect()
    };
    for (geo, bounds) in idle(geos) {
        out.push(never_bid_on(
            "exclude_geo",
            "Exclude",
            &geo,
            bounds,
            "geoTargeting.excludedIds",
            window,
        ));
    }
    let mut blocked: Vec<String> = Vec::new();
    let (all_impressions, all_ivt) = quality.iter().fold((0i64, 0i64), |(i, v), q| {
        (i + q.impressions, v + q.ivt_credited_impressions.min(q.impressions))
    });
    for q in quality {
        if q.impressions < RULES.min_quality_impressions {
            continue;
        }
        let ivt = q.ivt_credited_impressions.min(q.impressions);
        let share = ivt as f64 / q.impressions as f64;
        let Some((low, high)) = wilson_interval(ivt, q.impressions) else {
            continue;
        };
        // High in itself and well above everyone else's: where every publisher is as bad
        // (or the numbers are noise) no single one stands out to block.
        let others_impressions = all_impressions - q.impressions;
        let others_share = if others_impressions > 0 {
            (all_ivt - ivt) as f64 / others_impressions as f64
        } else {
            0.0
        };
        if low < RULES.max_ivt_share || low < RULES.ivt_times_others * others_share {
            continue;
        }
        // Its requests are waste too when the funnel by publisher knows them.
        let requests = publishers
            .iter()
            .find(|p| p.key == q.publisher)
            .map_or(q.impressions, |p| p.counts.bid_requests);
        blocked.push(q.publisher.clone());
        let summary = format!(
            "{} of {} impressions credited back as invalid in {} days",
            thousands(q.ivt_credited_impressions),
            thousands(q.impressions),
            window.days
        );
        out.push(proposal(
            "block_publisher",
            format!(
                "Block {}: {:.0}% of its impressions were invalid traffic",
                q.label,
                share * 100.0
            ),
            requests,
            q.impressions,
            Evidence {
                impressions: Some(q.impressions),
                ivt_credited_impressions: Some(q.ivt_credited_impressions),
                rate: Some(share),
                rate_low: Some(low),
                rate_high: Some(high),
                ..Evidence::of(window, requests, summary)
            },
            PretargetingChange {
                field: "publisherTargeting.values",
                action: "exclude",
                values: vec![q.publisher.clone()],
            },
            window,
        ));
    }
    for (publisher, bounds) in idle(publishers) {
        if !blocked.contains(&publisher.key) {
            out.push(never_bid_on(
                "block_publisher",
                "Block",
                &publisher,
                bounds,
                "publisherTargeting.values",
                window,
            ));
        }
    }
    let total: i64 = out.iter().map(|r| r.wasted_requests).sum();
    for r in &mut out {
        r.share_of_waste = if total > 0 {
            r.wasted_requests as f64 / total as f64
        } else {
            0.0
        };
        r.severity = match r.share_of_waste {
            s if s >= 0.2 => "high",
            s if s >= 0.05 => "medium",
            _ => "low",
        };
    }
    out.sort_by(|a, b| b.wasted_requests.cmp(&a.wasted_requests).then(a.title.cmp(&b.title)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn window() -> Window {
        Window::ending(date!(2026 - 11 - 20), 7).expect("window")
    }

    fn size(size: &str, requests: i64, creatives: i64) -> SizeTotals {
        SizeTotals {
            size: size.into(),
            category: "display".into(),
            requests,
            creatives,
            impressions: None,
        }
    }

    #[test]
    fn windows_and_qps() {
        let w = window();
        assert_eq!(
            (w.start, w.end, w.days),
            (date!(2026 - 11 - 14), date!(2026 - 11 - 20), 7)
        );
        assert_eq!(w.seconds(), 604_800);
        assert!((w.qps(604_800 * 1240) - 1240.0).abs() < 1e-9);
        assert_eq!(Window::ending(date!(2026 - 11 - 20), 0), None);
        assert_eq!(Window::ending(date!(2026 - 11 - 20), 367), None);
    }

    #[test]
    fn sizes_without_creatives_are_waste_and_creatives_without_traffic_are_listed() {
        let rows = size_coverage(
            vec![size("300x250", 1000, 4), size("320x100", 500, 0), size("728x90", 0, 2)],
            &window(),
        );
        let by = |s: &str| rows.iter().find(|r| r.size == s).expect("row");
        assert_eq!(rows[0].size, "320x100", "most waste first");
        assert_eq!(
            (by("320x100").wasted_requests, by("320x100").coverage),
            (500, "no_creative")
        );
        assert_eq!((by("300x250").wasted_requests, by("300x250").coverage), (0, "covered"));
        assert_eq!(by("728x90").coverage, "no_traffic");
        assert!((by("320x100").wasted_qps - 500.0 / 604_800.0).abs() < 1e-12);
    }

    #[test]
    fn funnel_drops_and_shares() {
        let steps = funnel_steps(&FunnelCounts {
            bid_requests: 1000,
            inventory_matches: 800,
            successful_responses: 600,
            bids: 300,
            bids_in_auction: 250,
            auctions_won: 50,
            impressions: 45,
        });
        assert_eq!(steps.len(), 7);
        assert_eq!((steps[0].drop, steps[0].drop_share), (0, None));
        assert_eq!(steps[1].drop, 200);
        assert_eq!(steps[1].drop_share, Some(0.2));
        assert_eq!(steps[3].share_of_requests, Some(0.3));
        assert_eq!(funnel_steps(&FunnelCounts::default())[2].share_of_requests, None);
    }

    fn group(key: &str, requests: i64, bids: i64) -> FunnelGroup {
        FunnelGroup {
            key: key.into(),
            label: key.into(),
            counts: FunnelCounts {
                bid_requests: requests,
                bids,
                ..Default::default()
            },
        }
    }

    #[test]
    fn recommendations_rest_on_evidence_and_ignore_noise() {
        let w = window();
        let sizes = size_coverage(vec![size("320x100", 600_000, 0), size("300x250", 5_000_000, 3)], &w);
        let geos = vec![
            group("BR", 5_000_000, 900_000),
            // A big geo that never bids: excluded.
            group("XX", 1_000_000, 10),
            // A small geo with no bids: too little traffic to count.
            group("YY", 1_000, 0),
        ];
        let quality = vec![
            PublisherQuality {
                publisher: "pub-bad".into(),
                label: "Bad Pub".into(),
                impressions: 50_000,
                ivt_credited_impressions: 20_000,
            },
            PublisherQuality {
                publisher: "pub-ok".into(),
                label: "Fine Pub".into(),
                impressions: 50_000,
                ivt_credited_impressions: 500,
            },
            // 3 of 10 is a lot but rests on nothing.
            PublisherQuality {
                publisher: "pub-tiny".into(),
                label: "Tiny".into(),
                impressions: 10,
                ivt_credited_impressions: 3,
            },
        ];
        let recs = recommend(&sizes, &geos, &[], &quality, &w);
        let kinds: Vec<(&str, Vec<String>)> = recs.iter().map(|r| (r.kind, r.change.values.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                ("exclude_geo", vec!["XX".to_string()]),
                ("exclude_size", vec!["320x100".to_string()]),
                ("block_publisher", vec!["pub-bad".to_string()]),
            ]
        );
        let total: f64 = recs.iter().map(|r| r.share_of_waste).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(recs[0].severity, "high");
        assert_eq!(recs[0].change.field, "geoTargeting.excludedIds");
        assert_eq!(recs[1].change.field, "includedCreativeDimensions");
        assert_eq!(recs[0].evidence.requests, 1_000_000);
        assert!(recs[0].evidence.rate_high.expect("bound") < RULES.max_bid_rate);
        assert_eq!(recs[2].confidence, "medium");
        // Pure noise: nothing to recommend.
        assert!(recommend(&[], &[group("A", 100, 0)], &[], &[], &w).is_empty());
        // Every publisher as bad as the next: none stands out to block.
        let uniform: Vec<PublisherQuality> = (0..20)
            .map(|i| PublisherQuality {
                publisher: format!("pub-{i}"),
                label: format!("pub-{i}"),
                impressions: 10_000 + i * 100,
                ivt_credited_impressions: 4_000 + (i * 137) % 2_000,
            })
            .collect();
        assert!(recommend(&[], &[], &[], &uniform, &w).is_empty());
        // A seat that bids on nothing anywhere is not told to exclude every geo.
        let silent = vec![
            group("BR", 1_000_000, 0),
            group("US", 900_000, 0),
            group("MX", 800_000, 0),
        ];
        assert!(recommend(&[], &silent, &[], &[], &w).is_empty());
    }
}
