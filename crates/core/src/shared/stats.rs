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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (low, high) = wilson_interval(50, 1000).expect("interval");
        assert!(low < 0.05 && 0.05 < high && low > 0.03 && high < 0.07, "{low} {high}");
        assert_eq!(wilson_interval(0, 0), None);
    }
}
