//! Statistics shared by the wings.

/// Wilson score 95% interval for a rate of `successes` in `trials`.
pub fn wilson_interval(successes: i64, trials: i64) -> Option<(f64, f64)> {
    if trials <= 0 {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let n = trials as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let margin = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - margin).max(0.0), (centre + margin).min(1.0)))
}

/// P(Z ≤ z) for a standard normal Z.
pub fn normal_cdf(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().cdf(z)
}

/// The z with P(Z ≤ z) = p.
pub fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

/// Benjamini–Hochberg adjusted p-values ("q-values"), in the order given: a finding with
/// q ≤ α is reported with the false discovery rate kept at α across all of them.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let n = p_values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| p_values[*a].total_cmp(&p_values[*b]));
    let mut adjusted = vec![1.0; n];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let q = (p_values[i] * n as f64 / (rank + 1) as f64).min(1.0);
        running = running.min(q);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benjamini_hochberg_adjusts_in_rank_order() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        // Sorted 0.01, 0.03, 0.04, 0.5 → 0.04, 0.0533, 0.0533, 0.5.
        assert!((q[0] - 0.04).abs() < 1e-12);
        assert!((q[1] - 0.16 / 3.0).abs() < 1e-12 && (q[2] - 0.16 / 3.0).abs() < 1e-12);
        assert!((q[3] - 0.5).abs() < 1e-12);
        assert!((normal_cdf(1.6448536269514722) - 0.95).abs() < 1e-9);
        assert!((normal_quantile(0.95) - 1.6448536269514722).abs() < 1e-9);
    }

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (low, high) = wilson_interval(50, 1000).expect("interval");
        assert!(low < 0.05 && 0.05 < high && low > 0.03 && high < 0.07, "{low} {high}");
        assert_eq!(wilson_interval(0, 0), None);
    }
}
