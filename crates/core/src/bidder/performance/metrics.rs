//! Ratios, periods, trends and spend tiers — computed at read time from integer facts.

use serde::Serialize;
use time::{Date, Duration};

/// A reporting period ending on an `as_of` date (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    #[serde(rename = "1d")]
    Yesterday,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "all")]
    All,
}

impl Period {
    /// Every period, in the order the listing offers them.
    pub const ALL: [Period; 4] = [Period::Yesterday, Period::Week, Period::Month, Period::All];

    pub fn parse(text: &str) -> Option<Period> {
        match text.trim() {
            "1d" | "yesterday" => Some(Period::Yesterday),
            "7d" => Some(Period::Week),
            "30d" => Some(Period::Month),
            "all" => Some(Period::All),
            _ => None,
        }
    }

    /// The parameter's spelling: `1d`, `7d`, `30d`, `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Yesterday => "1d",
            Period::Week => "7d",
            Period::Month => "30d",
            Period::All => "all",
        }
    }

    pub fn days(self) -> Option<i64> {
        match self {
            Period::Yesterday => Some(1),
            Period::Week => Some(7),
            Period::Month => Some(30),
            Period::All => None,
        }
    }

    /// The period's first and last day; `None` start for all time.
    pub fn window(self, as_of: Date) -> (Option<Date>, Date) {
        (self.days().map(|d| as_of - Duration::days(d - 1)), as_of)
    }

    /// The equal period just before, for trends; none for all time.
    pub fn previous_window(self, as_of: Date) -> Option<(Date, Date)> {
        let days = self.days()?;
        let end = as_of - Duration::days(days);
        Some((end - Duration::days(days - 1), end))
    }
}

/// Spend tier of a creative within a period (the seed's quartiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    High,
    Medium,
    Low,
    Zero,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
            Tier::Zero => "zero",
        }
    }

    pub fn parse(text: &str) -> Option<Tier> {
        match text.trim().to_lowercase().as_str() {
            "high" => Some(Tier::High),
            "medium" => Some(Tier::Medium),
            "low" => Some(Tier::Low),
            "zero" => Some(Tier::Zero),
            _ => None,
        }
    }
}

/// Quartile bounds over the creatives that spent anything: the top quarter is high, the
/// bottom quarter low, the middle half medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierThresholds {
    high_from: i64,
    low_up_to: i64,
}

impl TierThresholds {
    pub fn from_spends(spends: impl IntoIterator<Item = i64>) -> Option<TierThresholds> {
        let mut positive: Vec<i64> = spends.into_iter().filter(|s| *s > 0).collect();
        if positive.is_empty() {
            return None;
        }
        positive.sort_unstable_by(|a, b| b.cmp(a));
        let quarter = positive.len().div_ceil(4);
        Some(TierThresholds {
            high_from: positive[quarter - 1],
            low_up_to: positive[positive.len() - quarter],
        })
    }

    pub fn tier(thresholds: Option<TierThresholds>, spend_micros: i64) -> Tier {
        match thresholds {
            _ if spend_micros <= 0 => Tier::Zero,
            None => Tier::Zero,
            Some(t) if spend_micros >= t.high_from => Tier::High,
            Some(t) if spend_micros <= t.low_up_to => Tier::Low,
            Some(_) => Tier::Medium,
        }
    }
}

/// Cost per click in micros, rounded; none without clicks.
pub fn cpc_micros(spend_micros: i64, clicks: i64) -> Option<i64> {
    (clicks > 0).then(|| spend_micros.saturating_add(clicks / 2) / clicks)
}

/// Cost per thousand impressions in micros, rounded; none without impressions.
pub fn cpm_micros(spend_micros: i64, impressions: i64) -> Option<i64> {
    (impressions > 0)
        .then(|| (i128::from(spend_micros) * 1000 + i128::from(impressions) / 2) / i128::from(impressions))
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// Click-through rate as a fraction; none without impressions.
pub fn ctr(clicks: i64, impressions: i64) -> Option<f64> {
    (impressions > 0).then(|| clicks as f64 / impressions as f64)
}

/// Change against the previous period in percent; none when there was nothing before.
pub fn trend_pct(current: i64, previous: i64) -> Option<f64> {
    (previous > 0).then(|| ((current - previous) as f64 / previous as f64 * 1000.0).round() / 10.0)
}

/// Everything a creative card shows about its performance in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceSummary {
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub ctr: Option<f64>,
    pub cpc_micros: Option<i64>,
    pub cpm_micros: Option<i64>,
    pub top_geo: Option<String>,
    /// Share of the period's spend in the top geo, 0–1.
    pub top_geo_share: Option<f64>,
    pub trend_pct: Option<f64>,
    pub tier: Tier,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn windows() {
        let as_of = date!(2026 - 11 - 20);
        assert_eq!(Period::Week.window(as_of), (Some(date!(2026 - 11 - 14)), as_of));
        assert_eq!(
            Period::Week.previous_window(as_of),
            Some((date!(2026 - 11 - 07), date!(2026 - 11 - 13)))
        );
        assert_eq!(Period::Yesterday.window(as_of), (Some(as_of), as_of));
        assert_eq!(Period::Month.window(as_of).0, Some(date!(2026 - 10 - 22)));
        assert_eq!(Period::All.window(as_of), (None, as_of));
        assert_eq!(Period::All.previous_window(as_of), None);
        assert_eq!(Period::parse("30d"), Some(Period::Month));
        assert_eq!(Period::parse("90d"), None);
        for p in [Period::Yesterday, Period::Week, Period::Month, Period::All] {
            assert_eq!(Period::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn ratios() {
        assert_eq!(cpc_micros(125_500_000, 250), Some(502_000));
        assert_eq!(cpc_micros(1, 0), None);
        assert_eq!(cpm_micros(125_500_000, 10_000), Some(12_550_000));
        assert_eq!(cpm_micros(5, 0), None);
        assert_eq!(ctr(250, 10_000), Some(0.025));
        assert_eq!(trend_pct(115, 100), Some(15.0));
        assert_eq!(trend_pct(50, 100), Some(-50.0));
        assert_eq!(trend_pct(50, 0), None);
    }

    #[test]
    fn tiers_are_quartiles() {
        let spends = [800, 700, 600, 500, 400, 300, 200, 100, 0];
        let t = TierThresholds::from_spends(spends);
        let tiers: Vec<Tier> = spends.iter().map(|s| TierThresholds::tier(t, *s)).collect();
        assert_eq!(
            tiers,
            [
                Tier::High,
                Tier::High,
                Tier::Medium,
                Tier::Medium,
                Tier::Medium,
                Tier::Medium,
                Tier::Low,
                Tier::Low,
                Tier::Zero
            ]
        );
        assert_eq!(TierThresholds::tier(TierThresholds::from_spends([0, 0]), 0), Tier::Zero);
        assert_eq!(TierThresholds::tier(TierThresholds::from_spends([5]), 5), Tier::High);
    }
}
