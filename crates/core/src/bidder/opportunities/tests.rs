//! Simulated portfolios: pure noise (with day-to-day swings wider than Poisson) gives no
//! finding; planted effects of a realistic size are found, with the right segment.

use super::*;

/// A small deterministic generator (no dependency for a test).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn poisson(&mut self, lambda: f64) -> i64 {
        if lambda > 50.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as i64;
        }
        let (limit, mut k, mut p) = ((-lambda).exp(), 0, 1.0);
        loop {
            p *= self.next();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    }
}

const GEOS: [(&str, f64); 8] = [
    ("BR", 0.35),
    ("US", 0.25),
    ("IN", 0.12),
    ("MX", 0.1),
    ("DE", 0.08),
    ("GB", 0.05),
    ("AO", 0.03),
    ("IE", 0.02),
];

/// Planted: (campaign, geo) CPC multipliers and (campaign, creative) ones.
struct Plant {
    geo: Option<(i64, &'static str, f64)>,
    creative: Option<(i64, usize, f64)>,
    /// Campaigns 0–5 get a sixth creative in 300x600 at this CPC multiplier; 6–11 lack it.
    tall_size: Option<f64>,
}

const NO_PLANT: Plant = Plant {
    geo: None,
    creative: None,
    tall_size: None,
};

fn portfolio(seed: u64, plant: &Plant) -> (Vec<Cell>, Vec<CreativeOf>) {
    let mut rng = Rng(seed);
    let mut creatives = Vec::new();
    let mut cells = Vec::new();
    for campaign in 0..12i64 {
        // Campaigns differ in size, not in price: the bidder holds CPC near its target.
        let budget = 2_000_000_000.0 * (1.0 + (campaign % 4) as f64);
        let count = if plant.tall_size.is_some() && campaign < 6 {
            6
        } else {
            5
        };
        for n in 0..count {
            let index = creatives.len();
            creatives.push(CreativeOf {
                campaign_id: campaign,
                id: format!("1/c{campaign}-{n}"),
                size: ["300x250", "320x50", "728x90", "300x250", "320x50", "300x600"][n].into(),
                format: "HTML".into(),
            });
            // The fifth creative gets little traffic.
            let weight = if n == 4 { 0.03 } else { 0.2425 };
            for day in 0..14 {
                let swing = 1.0 + 0.15 * rng.normal();
                for (geo, share) in GEOS {
                    let spend = budget / 14.0 * weight * share * (0.8 + 0.4 * rng.next());
                    let mut cpc = 400_000.0 * swing.max(0.5);
                    if let Some((c, g, m)) = plant.geo {
                        if c == campaign && g == geo {
                            cpc *= m;
                        }
                    }
                    if let Some((c, k, m)) = plant.creative {
                        if c == campaign && k == n {
                            cpc *= m;
                        }
                    }
                    if let (Some(m), 5) = (plant.tall_size, n) {
                        cpc *= m;
                    }
                    let clicks = rng.poisson(spend / cpc);
                    cells.push(Cell {
                        creative: index,
                        day: format!("2026-11-{:02}", day + 1),
                        country: geo.into(),
                        spend_micros: spend as i64,
                        impressions: (spend / 2_000.0) as i64,
                        clicks,
                    });
                }
            }
        }
    }
    (cells, creatives)
}

#[test]
fn pure_noise_yields_no_finding() {
    for seed in 1..=6 {
        // The tall size at the same price as the others: a size some campaigns lack is no gap.
        for plant in [
            NO_PLANT,
            Plant {
                tall_size: Some(1.0),
                ..NO_PLANT
            },
        ] {
            let (cells, creatives) = portfolio(seed, &plant);
            let findings = detect(&cells, &creatives, &Settings::default());
            assert!(findings.is_empty(), "seed {seed}: {:#?}", findings.first());
        }
    }
}

#[test]
fn planted_effects_are_found_with_their_numbers() {
    let plant = Plant {
        geo: Some((3, "AO", 0.6)),
        creative: Some((7, 4, 0.5)),
        ..NO_PLANT
    };
    let (cells, creatives) = portfolio(42, &plant);
    let findings = detect(&cells, &creatives, &Settings::default());
    let geo = findings
        .iter()
        .find(|f| f.kind == Kind::UndervaluedGeo)
        .expect("the planted geo");
    assert_eq!((geo.campaign_id, geo.geography.as_deref()), (3, Some("AO")));
    assert!(geo.confidence >= 0.9);
    assert!(geo.test.ratio_low < 0.6 && 0.6 < geo.test.ratio_high, "{:?}", geo.test);
    assert!(geo.potential_weekly_micros > 0);
    let (low, high) = geo.potential_weekly_interval;
    assert!(low <= geo.potential_weekly_micros && geo.potential_weekly_micros <= high);
    let creative = findings
        .iter()
        .find(|f| f.kind == Kind::NeglectedCreative)
        .expect("the planted creative");
    assert_eq!(creative.creative_id.as_deref(), Some("1/c7-4"));
    assert_eq!(findings.len(), 2, "nothing else: {findings:#?}");
}

#[test]
fn a_cheap_size_is_a_gap_for_exactly_the_campaigns_that_lack_it() {
    for seed in [7, 42] {
        let (cells, creatives) = portfolio(
            seed,
            &Plant {
                tall_size: Some(0.6),
                ..NO_PLANT
            },
        );
        let findings = detect(&cells, &creatives, &Settings::default());
        let mut gaps: Vec<i64> = findings
            .iter()
            .filter(|f| f.kind == Kind::SizeGap)
            .inspect(|f| {
                assert_eq!(f.size.as_deref(), Some("300x600"));
                assert!(f.test.ratio_low < 0.6 && 0.6 < f.test.ratio_high, "{:?}", f.test);
                assert!(f.potential_weekly_micros > 0);
            })
            .map(|f| f.campaign_id)
            .collect();
        gaps.sort();
        assert_eq!(gaps, (6..12).collect::<Vec<_>>(), "seed {seed}");
        assert_eq!(findings.len(), 6, "nothing else: {findings:#?}");
    }
}

#[test]
fn the_test_widens_with_dispersion_and_needs_clicks() {
    let segment = Sums {
        spend_micros: 30_000_000,
        impressions: 0,
        clicks: 100,
    };
    let baseline = Sums {
        spend_micros: 1_000_000_000,
        impressions: 0,
        clicks: 2_000,
    };
    let poisson = cpc_test(segment, baseline, 1.0, 0.9).expect("test");
    let wide = cpc_test(segment, baseline, 4.0, 0.9).expect("test");
    assert!((poisson.ratio - 0.6).abs() < 1e-9);
    assert!(poisson.p_value < wide.p_value);
    assert!(wide.interval.1 - wide.interval.0 > poisson.interval.1 - poisson.interval.0);
    assert!(cpc_test(Sums::default(), baseline, 1.0, 0.9).is_none());
}
