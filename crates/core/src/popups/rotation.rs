//! Learning rotation: how a property splits its impressions among its offers when it learns
//! from revenue. Thompson sampling on revenue per impression: each offer's conversion rate
//! has a Beta(1+conversions, 1+non-converting impressions) posterior, times its mean payout;
//! an offer's share is the probability that it is the best, after a burn-in where every
//! offer gets an equal share, and never below the floor (so a worse offer keeps being
//! measured and a change in the market is noticed).

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferStats {
    pub offer_id: i64,
    pub impressions: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotationSettings {
    /// The least share any offer gets (0.05 = 5%).
    pub floor: f64,
    /// Until every offer has this many impressions, all get equal shares.
    pub burn_in: i64,
}

impl Default for RotationSettings {
    fn default() -> Self {
        RotationSettings {
            floor: 0.05,
            burn_in: 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub offer_id: i64,
    /// Share of impressions, 0–1; the shares add up to 1.
    pub share: f64,
    /// Probability that this offer earns the most per impression.
    pub probability_best: f64,
    /// Revenue per thousand impressions so far, in dollars.
    pub rpm: f64,
    pub reason: String,
}

/// SplitMix64 with Marsaglia–Tsang gamma draws: Beta(a, b) = X / (X + Y), X ~ Γ(a), Y ~ Γ(b).
struct Draws(u64);

impl Draws {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }

    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}

const ROUNDS: usize = 2000;

/// Each offer's share of the next impressions.
pub fn allocate(stats: &[OfferStats], settings: &RotationSettings, seed: u64) -> Vec<Allocation> {
    let k = stats.len();
    if k == 0 {
        return Vec::new();
    }
    let rpm = |s: &OfferStats| {
        if s.impressions > 0 {
            s.revenue_micros as f64 / s.impressions as f64 * 1000.0 / 1_000_000.0
        } else {
            0.0
        }
    };
    let short: Vec<&OfferStats> = stats.iter().filter(|s| s.impressions < settings.burn_in).collect();
    if !short.is_empty() {
        return stats
            .iter()
            .map(|s| Allocation {
                offer_id: s.offer_id,
                share: 1.0 / k as f64,
                probability_best: 1.0 / k as f64,
                rpm: rpm(s),
                reason: format!(
                    "burn-in: equal shares until every offer has {} impressions ({} offer(s) short)",
                    settings.burn_in,
                    short.len()
                ),
            })
            .collect();
    }
    // An offer with no conversion yet is valued at the portfolio's mean payout.
    let (all_revenue, all_conversions): (i64, i64) = stats
        .iter()
        .fold((0, 0), |(r, c), s| (r + s.revenue_micros, c + s.conversions));
    let prior_payout = if all_conversions > 0 {
        all_revenue as f64 / all_conversions as f64
    } else {
        1.0
    };
    let mut draws = Draws(seed);
    let mut wins = vec![0usize; k];
    for _ in 0..ROUNDS {
        let mut best = (f64::MIN, 0usize);
        for (i, s) in stats.iter().enumerate() {
            let payout = if s.conversions > 0 {
                s.revenue_micros as f64 / s.conversions as f64
            } else {
                prior_payout
            };
            let rate = draws.beta(
                1.0 + s.conversions as f64,
                1.0 + (s.impressions - s.conversions).max(0) as f64,
            );
            let value = rate * payout;
            if value > best.0 {
                best = (value, i);
            }
        }
        wins[best.1] += 1;
    }
    let floor = settings.floor.clamp(0.0, 1.0 / k as f64);
    stats
        .iter()
        .zip(wins)
        .map(|(s, w)| {
            let probability = w as f64 / ROUNDS as f64;
            Allocation {
                offer_id: s.offer_id,
                share: floor + (1.0 - floor * k as f64) * probability,
                probability_best: probability,
                rpm: rpm(s),
                reason: format!(
                    "{:.0}% likely the best earner per impression; never under the {:.0}% floor",
                    probability * 100.0,
                    floor * 100.0
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated property: offer 2 earns twice what offer 1 does per impression. Learning
    /// moves most impressions to offer 2 and keeps offer 1 at its floor, not at zero.
    #[test]
    fn learning_moves_traffic_to_the_better_offer_and_keeps_the_floor() {
        let settings = RotationSettings::default();
        let rates = [0.01, 0.02];
        let payout = 2_000_000;
        let mut stats = vec![
            OfferStats {
                offer_id: 1,
                ..OfferStats::default()
            },
            OfferStats {
                offer_id: 2,
                ..OfferStats::default()
            },
        ];
        let mut world = Draws(99);
        let mut shares = Vec::new();
        for day in 0..30u64 {
            let allocation = allocate(&stats, &settings, day);
            shares = allocation.iter().map(|a| a.share).collect();
            assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            for _ in 0..2000 {
                let pick = usize::from(world.uniform() >= shares[0]);
                stats[pick].impressions += 1;
                if world.uniform() < rates[pick] {
                    stats[pick].conversions += 1;
                    stats[pick].revenue_micros += payout;
                }
            }
            if day == 0 {
                assert!(allocation[0].reason.starts_with("burn-in"), "{:?}", allocation[0]);
                assert_eq!(shares, vec![0.5, 0.5]);
            }
        }
        assert!(shares[1] > 0.9, "{shares:?}");
        assert!((shares[0] - settings.floor).abs() < 0.01, "{shares:?}");
        assert!(stats[1].impressions > 3 * stats[0].impressions, "{stats:?}");
    }

    #[test]
    fn equal_offers_share_and_burn_in_is_equal() {
        let even = |n: i64| OfferStats {
            offer_id: n,
            impressions: 100_000,
            conversions: 1_000,
            revenue_micros: 2_000_000_000,
        };
        let allocation = allocate(&[even(1), even(2), even(3)], &RotationSettings::default(), 7);
        for a in &allocation {
            assert!((a.share - 1.0 / 3.0).abs() < 0.08, "{allocation:?}");
        }
        let fresh = allocate(
            &[
                even(1),
                OfferStats {
                    offer_id: 2,
                    impressions: 10,
                    ..OfferStats::default()
                },
            ],
            &RotationSettings::default(),
            7,
        );
        assert_eq!(fresh.iter().map(|a| a.share).collect::<Vec<_>>(), vec![0.5, 0.5]);
        assert!(allocate(&[], &RotationSettings::default(), 1).is_empty());
    }
}
