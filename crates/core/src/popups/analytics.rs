//! Popup analytics figures.

/// Revenue per thousand impressions, in micros.
pub fn rpm_micros(revenue_micros: i64, impressions: i64) -> Option<i64> {
    (impressions > 0)
        .then(|| i64::try_from(i128::from(revenue_micros) * 1000 / i128::from(impressions)).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpm_is_revenue_per_thousand_and_never_wraps() {
        assert_eq!(rpm_micros(2_500_000, 1000), Some(2_500_000));
        assert_eq!(rpm_micros(1, 0), None);
        assert_eq!(rpm_micros(i64::MAX, 1), Some(i64::MAX));
    }
}
