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

/// Whether an offer may run on `today` by its dates.
pub fn within_dates(start: Option<Date>, end: Option<Date>, today: Date) -> bool {
    start.is_none_or(|s| s <= today) && end.is_none_or(|e| today <= e)
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
    fn dates_bound_an_offer() {
        let today = date!(2026 - 11 - 22);
        assert!(within_dates(None, None, today));
        assert!(within_dates(Some(today), Some(today), today));
        assert!(!within_dates(Some(date!(2026 - 11 - 23)), None, today));
        assert!(!within_dates(None, Some(date!(2026 - 11 - 21)), today));
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
