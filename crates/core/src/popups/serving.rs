//! Serving: which offer a visitor sees, and which visitors are bots.

use super::*;

/// An offer the server may show, with what the choice needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub offer_id: i64,
    pub priority: i64,
}

/// Weighted by priority: an offer of priority 10 is shown ten times as often as one of 1.
/// `draw` is uniform in [0, 1). The one place the choice is made, so learning rotation and
/// A/B tests replace this function alone.
pub fn choose_offer(candidates: &[Candidate], draw: f64) -> Option<i64> {
    let total: i64 = candidates.iter().map(|c| c.priority.max(1)).sum();
    if total == 0 {
        return None;
    }
    let mut target = (draw.clamp(0.0, 1.0 - f64::EPSILON) * total as f64) as i64;
    for candidate in candidates {
        let weight = candidate.priority.max(1);
        if target < weight {
            return Some(candidate.offer_id);
        }
        target -= weight;
    }
    candidates.last().map(|c| c.offer_id)
}

/// An offer's delivery rules as serving reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRules {
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub daily_impression_cap: Option<i64>,
    pub daily_click_cap: Option<i64>,
    pub total_impression_cap: Option<i64>,
    pub total_click_cap: Option<i64>,
    /// Upper-case ISO codes; empty: everywhere.
    pub countries: Vec<String>,
    /// `desktop`, `mobile`, `tablet`; empty: all.
    pub devices: Vec<String>,
}

/// What an offer has delivered so far, for its caps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub impressions_today: i64,
    pub clicks_today: i64,
    pub impressions_total: i64,
    pub clicks_total: i64,
}

/// Why an offer is not served to a visitor now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    NotStarted,
    Ended,
    DailyImpressionCap,
    DailyClickCap,
    TotalImpressionCap,
    TotalClickCap,
    Country,
    Device,
}

impl DeliveryRules {
    /// None when the offer may be shown to a visitor from `country` on `device` today; else
    /// the first rule that holds it back. A visitor whose country is unknown (`ZZ`) does not
    /// match a country list: targeting is a promise to the network.
    pub fn held_back(&self, delivered: &Delivered, today: Date, country: &str, device: &str) -> Option<HeldBack> {
        let reached = |cap: Option<i64>, count: i64| cap.is_some_and(|c| count >= c);
        if self.start.is_some_and(|s| today < s) {
            Some(HeldBack::NotStarted)
        } else if self.end.is_some_and(|e| today > e) {
            Some(HeldBack::Ended)
        } else if reached(self.total_impression_cap, delivered.impressions_total) {
            Some(HeldBack::TotalImpressionCap)
        } else if reached(self.total_click_cap, delivered.clicks_total) {
            Some(HeldBack::TotalClickCap)
        } else if reached(self.daily_impression_cap, delivered.impressions_today) {
            Some(HeldBack::DailyImpressionCap)
        } else if reached(self.daily_click_cap, delivered.clicks_today) {
            Some(HeldBack::DailyClickCap)
        } else if !self.countries.is_empty() && !self.countries.iter().any(|c| c == country) {
            Some(HeldBack::Country)
        } else if !self.devices.is_empty() && !self.devices.iter().any(|d| d == device) {
            Some(HeldBack::Device)
        } else {
            None
        }
    }
}

/// Known bots, crawlers, headless browsers and link-preview fetchers, by user agent: the
/// `isbot` crate's list (kept in step with the widely used npm `isbot` patterns), plus the
/// link-preview fetchers it lets through. An empty user agent counts as a bot: browsers
/// always send one.
pub fn is_bot_user_agent(user_agent: &str) -> bool {
    static BOTS: std::sync::LazyLock<isbot::Bots> = std::sync::LazyLock::new(isbot::Bots::default);
    let ua = user_agent.trim();
    if ua.is_empty() {
        return true;
    }
    let lower = ua.to_ascii_lowercase();
    const PREVIEW_FETCHERS: &[&str] = &["whatsapp/", "telegrambot", "skypeuripreview", "viber", "snapchat"];
    PREVIEW_FETCHERS.iter().any(|marker| lower.contains(marker)) || BOTS.is_bot(ua)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn choice_is_weighted_by_priority() {
        let candidates = [
            Candidate {
                offer_id: 1,
                priority: 1,
            },
            Candidate {
                offer_id: 2,
                priority: 9,
            },
        ];
        let picks: Vec<i64> = (0..100)
            .filter_map(|i| choose_offer(&candidates, f64::from(i) / 100.0))
            .collect();
        assert_eq!(picks.iter().filter(|&&id| id == 1).count(), 10);
        assert_eq!(picks.iter().filter(|&&id| id == 2).count(), 90);
        assert_eq!(choose_offer(&[], 0.5), None);
    }

    #[test]
    fn delivery_rules_hold_an_offer_back_for_the_first_reason() {
        let today = date!(2026 - 11 - 22);
        let rules = DeliveryRules {
            daily_impression_cap: Some(100),
            total_impression_cap: Some(1_000),
            total_click_cap: Some(10),
            countries: vec!["US".into(), "CA".into()],
            devices: vec!["mobile".into()],
            ..DeliveryRules::default()
        };
        let fresh = Delivered::default();
        assert_eq!(rules.held_back(&fresh, today, "US", "mobile"), None);
        assert_eq!(rules.held_back(&fresh, today, "GB", "mobile"), Some(HeldBack::Country));
        assert_eq!(rules.held_back(&fresh, today, "ZZ", "mobile"), Some(HeldBack::Country));
        assert_eq!(rules.held_back(&fresh, today, "CA", "desktop"), Some(HeldBack::Device));
        let spent = Delivered {
            impressions_today: 5,
            impressions_total: 1_000,
            ..Delivered::default()
        };
        assert_eq!(
            rules.held_back(&spent, today, "US", "mobile"),
            Some(HeldBack::TotalImpressionCap)
        );
        let busy_day = Delivered {
            impressions_today: 100,
            impressions_total: 400,
            clicks_total: 9,
            ..Delivered::default()
        };
        assert_eq!(
            rules.held_back(&busy_day, today, "US", "mobile"),
            Some(HeldBack::DailyImpressionCap)
        );
        let clicked_out = Delivered {
            clicks_total: 10,
            ..Delivered::default()
        };
        assert_eq!(
            rules.held_back(&clicked_out, today, "US", "mobile"),
            Some(HeldBack::TotalClickCap)
        );
        let dated = DeliveryRules {
            start: Some(date!(2026 - 11 - 23)),
            ..DeliveryRules::default()
        };
        assert_eq!(
            dated.held_back(&fresh, today, "US", "mobile"),
            Some(HeldBack::NotStarted)
        );
        let ended = DeliveryRules {
            end: Some(date!(2026 - 11 - 21)),
            ..DeliveryRules::default()
        };
        assert_eq!(ended.held_back(&fresh, today, "US", "mobile"), Some(HeldBack::Ended));
    }

    #[test]
    fn bots_are_recognised() {
        for ua in [
            "",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
            "facebookexternalhit/1.1",
            "curl/8.1.2",
            "Slackbot-LinkExpanding 1.0",
            "WhatsApp/2.23.20.0",
        ] {
            assert!(is_bot_user_agent(ua), "{ua}");
        }
        assert!(!is_bot_user_agent(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
        ));
    }
}
