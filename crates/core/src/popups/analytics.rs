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

/// A report period: its key (`2026-11-28`, `2026-W48`) and first and last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub key: String,
    pub first: time::Date,
    pub last: time::Date,
}

/// The newest complete period a `daily` or `weekly` schedule sends at `now` (UTC): the day
/// before, from `hour_utc` on; the ISO week before (Monday to Sunday), from Monday at
/// `hour_utc` on. None before that hour, for another frequency, or when the period ended
/// before the schedule existed (`created_at`, Unix seconds): a new schedule starts with the
/// next report, not an old one.
pub fn due_report_period(
    frequency: &str,
    hour_utc: i64,
    created_at: i64,
    now: time::OffsetDateTime,
) -> Option<ReportPeriod> {
    let today = now.date();
    let past_hour = i64::from(now.hour()) >= hour_utc;
    let period = match frequency {
        "daily" if past_hour => {
            let day = today.previous_day()?;
            ReportPeriod {
                key: day.to_string(),
                first: day,
                last: day,
            }
        }
        "weekly" => {
            let weekday = i64::from(today.weekday().number_days_from_monday());
            if weekday == 0 && !past_hour {
                return None;
            }
            let last = today - time::Duration::days(weekday + 1);
            let first = last - time::Duration::days(6);
            let (year, week, _) = first.to_iso_week_date();
            ReportPeriod {
                key: format!("{year}-W{week:02}"),
                first,
                last,
            }
        }
        _ => return None,
    };
    let ended_at = period.last.next_day()?.midnight().assume_utc().unix_timestamp();
    (ended_at > created_at).then_some(period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reports_are_due_for_the_newest_complete_period() {
        let created = datetime!(2026-11-01 00:00 UTC).unix_timestamp();
        // Sunday 2026-11-29: the daily report of the 28th from 06:00 on.
        assert_eq!(
            due_report_period("daily", 6, created, datetime!(2026-11-29 05:59 UTC)),
            None
        );
        let daily = due_report_period("daily", 6, created, datetime!(2026-11-29 06:00 UTC)).expect("due");
        assert_eq!(daily.key, "2026-11-28");
        assert_eq!(
            (daily.first, daily.last),
            (time::macros::date!(2026 - 11 - 28), time::macros::date!(2026 - 11 - 28))
        );
        // The weekly one of ISO week 47 (Mon 16th – Sun 22nd) all of that week; week 48 from Monday 30th 06:00.
        let sunday = due_report_period("weekly", 6, created, datetime!(2026-11-29 23:00 UTC)).expect("due");
        assert_eq!(sunday.key, "2026-W47");
        assert_eq!(sunday.first, time::macros::date!(2026 - 11 - 16));
        assert_eq!(sunday.last, time::macros::date!(2026 - 11 - 22));
        let early_monday = due_report_period("weekly", 6, created, datetime!(2026-11-30 05:00 UTC));
        assert_eq!(early_monday, None);
        let monday = due_report_period("weekly", 6, created, datetime!(2026-11-30 06:00 UTC)).expect("due");
        assert_eq!(monday.key, "2026-W48");
        assert_eq!(monday.last, time::macros::date!(2026 - 11 - 29));
        // A schedule made today starts with tomorrow's report, not yesterday's.
        let made_today = datetime!(2026-11-29 14:00 UTC).unix_timestamp();
        assert_eq!(
            due_report_period("daily", 6, made_today, datetime!(2026-11-29 15:00 UTC)),
            None
        );
        assert_eq!(
            due_report_period("hourly", 6, created, datetime!(2026-11-29 15:00 UTC)),
            None
        );
    }

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
