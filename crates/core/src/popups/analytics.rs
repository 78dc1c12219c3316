//! Popup analytics figures.

/// Revenue per thousand impressions, in micros.
pub fn rpm_micros(revenue_micros: i64, impressions: i64) -> Option<i64> {
    (impressions > 0)
        .then(|| i64::try_from(i128::from(revenue_micros) * 1000 / i128::from(impressions)).unwrap_or(i64::MAX))
}

/// The report period a day (`YYYY-MM-DD`) falls in: `week` gives its ISO week
/// (`2026-W48`, weeks start on Monday), `month` its month (`2026-11`).
pub fn period_of(day: &str, period: &str) -> Option<String> {
    let date = time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    match period {
        "week" => {
            let (year, week, _) = date.to_iso_week_date();
            Some(format!("{year}-W{week:02}"))
        }
        "month" => Some(format!("{}-{:02}", date.year(), u8::from(date.month()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_fall_in_iso_weeks_and_months() {
        // 2026-11-29 is a Sunday: the end of ISO week 48; 2026-11-30 starts week 49.
        assert_eq!(period_of("2026-11-29", "week").as_deref(), Some("2026-W48"));
        assert_eq!(period_of("2026-11-30", "week").as_deref(), Some("2026-W49"));
        // 2027-01-01 is a Friday, in the last ISO week of 2026.
        assert_eq!(period_of("2027-01-01", "week").as_deref(), Some("2026-W53"));
        assert_eq!(period_of("2026-02-28", "month").as_deref(), Some("2026-02"));
        assert_eq!(period_of("2026-13-01", "month"), None);
        assert_eq!(period_of("2026-11-29", "year"), None);
    }

    #[test]
    fn rpm_is_revenue_per_thousand_and_never_wraps() {
        assert_eq!(rpm_micros(2_500_000, 1000), Some(2_500_000));
        assert_eq!(rpm_micros(1, 0), None);
        assert_eq!(rpm_micros(i64::MAX, 1), Some(i64::MAX));
    }
}
