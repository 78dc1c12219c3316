//! A/B tests of offers: sticky assignment, and the statistics a campaign manager can trust.
//!
//! - **Assignment** is a pure function of the experiment and a visitor key, so a visitor
//!   sees the same arm for the experiment's life as long as the key holds (see `assign`).
//! - **Rates** (CTR, conversion rate per impression): Wilson intervals per arm; the
//!   difference to control with a two-proportion z-test (fixed horizon) and Bayesian chance
//!   to beat control from Beta(1+x, 1+n−x) posteriors (Evan Miller's closed form).
//! - **Revenue per impression** is heavy-tailed (mostly zeros, a few payouts of different
//!   size): its interval and chance to beat come from a seeded bootstrap that resamples the
//!   number of conversions and the observed payouts, not from a normal curve.
//! - **Peeking**: the decision interval on every difference is an always-valid confidence
//!   sequence (the normal-mixture boundary of Howard et al. 2021, as GrowthBook uses), so
//!   looking every day does not inflate false wins. A verdict also needs the minimum sample
//!   and duration.
//! - **Sample-ratio mismatch**: a chi-square goodness-of-fit test of impressions per arm
//!   against the configured split; p < 0.001 warns that the data cannot be trusted.

use crate::shared::stats::{normal_cdf, normal_quantile, wilson_interval};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The arm a visitor key gets: a hash of (experiment, key) to [0, 1), against the weights.
/// The same inputs always give the same arm; keys spread across arms in proportion to the
/// weights.
pub fn assign(experiment_id: i64, visitor_key: &str, weights: &[u32]) -> Option<usize> {
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if total == 0 {
        return None;
    }
    let digest = Sha256::digest(format!("{experiment_id}:{visitor_key}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let mut point = u64::from_be_bytes(bytes) % total;
    for (i, w) in weights.iter().enumerate() {
        if point < u64::from(*w) {
            return Some(i);
        }
        point -= u64::from(*w);
    }
    None
}

/// What one arm collected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArmCounts {
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    /// Each conversion's revenue (the bootstrap resamples them).
    #[serde(skip)]
    pub payouts: Vec<i64>,
}

/// A value with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A metric of a variant against control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    /// `ctr`, `conversion_rate` or `rpm`.
    pub metric: &'static str,
    /// Variant minus control, with the always-valid interval (valid however often you look).
    pub difference: Estimate,
    /// Relative to control (`0.2` = 20% better), when control is not zero.
    pub lift: Option<f64>,
    /// Fixed-horizon two-sided p-value (for reference; decisions use the interval above).
    pub p_value: Option<f64>,
    /// Probability the variant is better than control.
    pub chance_to_beat: f64,
    /// The always-valid interval excludes zero.
    pub significant: bool,
}

/// Sample-ratio mismatch check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SampleRatio {
    pub expected_shares: Vec<f64>,
    pub observed_shares: Vec<f64>,
    pub p_value: f64,
    /// p < 0.001: the split is not what was configured; the results are suspect.
    pub mismatch: bool,
}

/// Chi-square goodness of fit of impressions per arm to the configured weights.
pub fn sample_ratio(impressions: &[i64], weights: &[u32]) -> Option<SampleRatio> {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let total: i64 = impressions.iter().sum();
    let weight_total: u32 = weights.iter().sum();
    if total == 0 || weight_total == 0 || impressions.len() != weights.len() || impressions.len() < 2 {
        return None;
    }
    let expected: Vec<f64> = weights
        .iter()
        .map(|w| f64::from(*w) / f64::from(weight_total))
        .collect();
    let chi2: f64 = impressions
        .iter()
        .zip(&expected)
        .map(|(o, e)| {
            let want = e * total as f64;
            (*o as f64 - want).powi(2) / want
        })
        .sum();
    let p_value = ChiSquared::new((impressions.len() - 1) as f64).ok()?.sf(chi2);
    Some(SampleRatio {
        observed_shares: impressions.iter().map(|o| *o as f64 / total as f64).collect(),
        expected_shares: expected,
        p_value,
        mismatch: p_value < 0.001,
    })
}

/// Two-proportion z-test (pooled), two-sided p-value.
pub fn two_proportion_p(x_a: i64, n_a: i64, x_b: i64, n_b: i64) -> Option<f64> {
    if n_a <= 0 || n_b <= 0 {
        return None;
    }
    let pooled = (x_a + x_b) as f64 / (n_a + n_b) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n_a as f64 + 1.0 / n_b as f64)).sqrt();
    if se == 0.0 {
        return None;
    }
    let z = (x_b as f64 / n_b as f64 - x_a as f64 / n_a as f64) / se;
    Some(2.0 * (1.0 - normal_cdf(z.abs())))
}

/// P(p_B > p_A) for Beta(1+x_a, 1+n_a−x_a) and Beta(1+x_b, 1+n_b−x_b) posteriors: Evan
/// Miller's closed form (a sum over the variant's successes), with a normal approximation
/// when the counts are large.
pub fn chance_to_beat(x_a: i64, n_a: i64, x_b: i64, n_b: i64) -> f64 {
    use statrs::function::beta::ln_beta;
    let (a_a, b_a) = (1.0 + x_a as f64, 1.0 + (n_a - x_a) as f64);
    let (a_b, b_b) = (1.0 + x_b as f64, 1.0 + (n_b - x_b) as f64);
    if x_b > 20_000 {
        let mean = |a: f64, b: f64| a / (a + b);
        let var = |a: f64, b: f64| a * b / ((a + b).powi(2) * (a + b + 1.0));
        let z = (mean(a_b, b_b) - mean(a_a, b_a)) / (var(a_a, b_a) + var(a_b, b_b)).sqrt();
        return normal_cdf(z);
    }
    let mut total = 0.0;
    for i in 0..(a_b as i64) {
        let i = i as f64;
        total += (ln_beta(a_a + i, b_a + b_b) - (b_b + i).ln() - ln_beta(1.0 + i, b_b) - ln_beta(a_a, b_a)).exp();
    }
    total.clamp(0.0, 1.0)
}

/// Half-width of the always-valid (1−α) confidence sequence for a mean difference whose
/// per-observation variance is `variance` after `n` observations: Howard et al.'s normal
/// mixture, tuned to be tightest near `tuning` observations.
pub fn sequential_half_width(variance: f64, n: f64, alpha: f64, tuning: f64) -> f64 {
    if n <= 0.0 || variance <= 0.0 {
        return f64::INFINITY;
    }
    let l = -2.0 * alpha.ln() + (-2.0 * alpha.ln() + 1.0).ln();
    let rho2 = l / tuning;
    let factor = 2.0 * (n * rho2 + 1.0) / (n * n * rho2) * ((n * rho2 + 1.0).sqrt() / alpha).ln();
    (variance * factor).sqrt()
}

/// A small deterministic generator for the bootstrap (SplitMix64), so results are repeatable.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

const BOOTSTRAP_DRAWS: usize = 2000;

/// Bootstrap draws of revenue per impression (micros): conversions resampled around the
/// observed rate, their payouts resampled from the observed ones.
fn rpi_draws(arm: &ArmCounts, rng: &mut SplitMix) -> Vec<f64> {
    let n = arm.impressions.max(0) as f64;
    if n == 0.0 {
        return vec![0.0; BOOTSTRAP_DRAWS];
    }
    let p = arm.conversions as f64 / n;
    (0..BOOTSTRAP_DRAWS)
        .map(|_| {
            // Conversions: binomial, by the normal curve when it is wide, else by counting
            // Bernoulli trials over the expected few (Poisson limit).
            let sd = (n * p * (1.0 - p)).sqrt();
            let count = if sd >= 3.0 {
                (n * p + sd * normal_quantile(rng.next().clamp(1e-12, 1.0 - 1e-12)))
                    .round()
                    .max(0.0) as usize
            } else {
                // Poisson(n·p) by multiplication of uniforms.
                let limit = (-(n * p)).exp();
                let (mut k, mut product) = (0usize, rng.next());
                while product > limit && k < 10_000 {
                    k += 1;
                    product *= rng.next();
                }
                k
            };
            if arm.payouts.is_empty() {
                return 0.0;
            }
            let revenue: f64 = (0..count)
                .map(|_| {
                    arm.payouts[((rng.next() * arm.payouts.len() as f64) as usize).min(arm.payouts.len() - 1)] as f64
                })
                .sum();
            revenue / n
        })
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((q * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)]
}

/// The decision settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// 0.05 for 95% intervals.
    pub alpha: f64,
    pub min_impressions_per_arm: i64,
    pub min_days: f64,
    /// Where the always-valid interval is tightest (impressions per comparison).
    pub tuning: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            alpha: 0.05,
            min_impressions_per_arm: 1000,
            min_days: 7.0,
            tuning: 10_000.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArmResult {
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    pub ctr: Option<Estimate>,
    pub conversion_rate: Option<Estimate>,
    /// Revenue per thousand impressions, in dollars (bootstrap interval).
    pub rpm: Option<Estimate>,
    /// Against control; none for control itself.
    pub versus_control: Vec<Comparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Results {
    pub arms: Vec<ArmResult>,
    pub sample_ratio: Option<SampleRatio>,
    /// Whether every arm has the minimum sample and the test the minimum duration.
    pub ready: bool,
    /// What is still missing before a verdict.
    pub waiting_for: Vec<String>,
}

fn rate(x: i64, n: i64) -> Option<Estimate> {
    let (low, high) = wilson_interval(x, n)?;
    Some(Estimate {
        value: x as f64 / n as f64,
        low,
        high,
    })
}

fn rate_comparison(metric: &'static str, control: (i64, i64), variant: (i64, i64), s: &Settings) -> Option<Comparison> {
    let ((x_a, n_a), (x_b, n_b)) = (control, variant);
    if n_a <= 0 || n_b <= 0 {
        return None;
    }
    let (p_a, p_b) = (x_a as f64 / n_a as f64, x_b as f64 / n_b as f64);
    let diff = p_b - p_a;
    // Per-observation variance of the difference, for a sequence over n_a + n_b observations.
    let n = (n_a + n_b) as f64;
    let variance = (p_a * (1.0 - p_a) / n_a as f64 + p_b * (1.0 - p_b) / n_b as f64) * n;
    let half = sequential_half_width(variance, n, s.alpha, s.tuning);
    Some(Comparison {
        metric,
        difference: Estimate {
            value: diff,
            low: diff - half,
            high: diff + half,
        },
        lift: (p_a > 0.0).then(|| diff / p_a),
        p_value: two_proportion_p(x_a, n_a, x_b, n_b),
        chance_to_beat: chance_to_beat(x_a, n_a, x_b, n_b),
        significant: half.is_finite() && (diff - half > 0.0 || diff + half < 0.0),
    })
}

/// Per-impression revenue variance from aggregates: E[r²] − E[r]², r in micros.
fn rpi_variance(arm: &ArmCounts) -> f64 {
    let n = arm.impressions as f64;
    if n <= 0.0 {
        return 0.0;
    }
    let mean = arm.revenue_micros as f64 / n;
    let square: f64 = arm.payouts.iter().map(|p| (*p as f64).powi(2)).sum::<f64>() / n;
    (square - mean * mean).max(0.0)
}

/// Every arm's numbers and its comparisons with control (arm 0 is control unless `control`
/// says otherwise).
pub fn results(arms: &[ArmCounts], weights: &[u32], control: usize, days_running: f64, s: &Settings) -> Results {
    let mut rng = SplitMix(0x5EED);
    let draws: Vec<Vec<f64>> = arms.iter().map(|a| rpi_draws(a, &mut rng)).collect();
    let control_arm = arms.get(control).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (i, arm) in arms.iter().enumerate() {
        let rpm = (arm.impressions > 0).then(|| {
            let mut sorted: Vec<f64> = draws[i].clone();
            sorted.sort_by(f64::total_cmp);
            let per_thousand = |micros: f64| micros * 1000.0 / 1_000_000.0;
            Estimate {
                value: per_thousand(arm.revenue_micros as f64 / arm.impressions as f64),
                low: per_thousand(percentile(&sorted, s.alpha / 2.0)),
                high: per_thousand(percentile(&sorted, 1.0 - s.alpha / 2.0)),
            }
        });
        let mut versus = Vec::new();
        if i != control {
            versus.extend(rate_comparison(
                "ctr",
                (control_arm.clicks, control_arm.impressions),
                (arm.clicks, arm.impressions),
                s,
            ));
            versus.extend(rate_comparison(
                "conversion_rate",
                (control_arm.conversions, control_arm.impressions),
                (arm.conversions, arm.impressions),
                s,
            ));
            if arm.impressions > 0 && control_arm.impressions > 0 {
                let per_thousand = 1000.0 / 1_000_000.0;
                let mean = |a: &ArmCounts| a.revenue_micros as f64 / a.impressions as f64;
                let diff = mean(arm) - mean(&control_arm);
                let n = (arm.impressions + control_arm.impressions) as f64;
                let variance = (rpi_variance(arm) / arm.impressions as f64
                    + rpi_variance(&control_arm) / control_arm.impressions as f64)
                    * n;
                let half = sequential_half_width(variance, n, s.alpha, s.tuning);
                let wins = draws[i].iter().zip(&draws[control]).filter(|(b, a)| b > a).count();
                let ties = draws[i].iter().zip(&draws[control]).filter(|(b, a)| b == a).count();
                versus.push(Comparison {
                    metric: "rpm",
                    difference: Estimate {
                        value: diff * per_thousand,
                        low: (diff - half) * per_thousand,
                        high: (diff + half) * per_thousand,
                    },
                    lift: (mean(&control_arm) > 0.0).then(|| diff / mean(&control_arm)),
                    p_value: None,
                    chance_to_beat: (wins as f64 + ties as f64 / 2.0) / BOOTSTRAP_DRAWS as f64,
                    significant: half.is_finite() && (diff - half > 0.0 || diff + half < 0.0),
                });
            }
        }
        out.push(ArmResult {
            impressions: arm.impressions,
            clicks: arm.clicks,
            conversions: arm.conversions,
            revenue_micros: arm.revenue_micros,
            ctr: rate(arm.clicks, arm.impressions),
            conversion_rate: rate(arm.conversions, arm.impressions),
            rpm,
            versus_control: versus,
        });
    }
    let mut waiting_for = Vec::new();
    let short: Vec<usize> = arms
        .iter()
        .enumerate()
        .filter(|(_, a)| a.impressions < s.min_impressions_per_arm)
        .map(|(i, _)| i + 1)
        .collect();
    if !short.is_empty() {
        waiting_for.push(format!(
            "at least {} impressions in every arm (arm {} not yet)",
            s.min_impressions_per_arm,
            short.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    if days_running < s.min_days {
        waiting_for.push(format!("{} days of running (so far {:.1})", s.min_days, days_running));
    }
    Results {
        sample_ratio: sample_ratio(&arms.iter().map(|a| a.impressions).collect::<Vec<_>>(), weights),
        ready: waiting_for.is_empty(),
        waiting_for,
        arms: out,
    }
}

#[cfg(test)]
mod tests;
