//! The demo's traffic and Authorized Buyers reports (funnel by geo and by publisher, bid
//! filtering, quality) for the same 30 days as its performance, with planted waste.

use super::DEMO_GEOS;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The bidder's own request counts by size for the same 30 days: for every size the demo
/// creatives won impressions on, several times those impressions (a bidder is asked far
/// more often than it wins), plus sizes no demo creative covers — exactly the waste the
/// waste report shows. `impressions` is per (date, size), tallied from the performance facts.
pub fn traffic_facts(
    seed: u64,
    today: time::Date,
    impressions: &std::collections::BTreeMap<(time::Date, String), i64>,
) -> Vec<rtbcat_core::bidder::performance::report::TrafficFact> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x007a_ff1c);
    // (size, format, requests per day) that no demo creative can serve.
    let uncovered: &[(&str, &str, i64)] = &[
        ("970x90", "HTML", 800_000),
        ("300x1050", "HTML", 300_000),
        ("120x600", "HTML", 250_000),
        ("234x60", "HTML", 450_000),
    ];
    let geo_total: i64 = DEMO_GEOS.iter().map(|g| i64::from(g.1)).sum();
    let mut facts = Vec::new();
    let mut push = |date: time::Date, size: &str, format: &str, daily: i64, rng: &mut StdRng| {
        for &(country, weight, _, _) in DEMO_GEOS {
            facts.push(rtbcat_core::bidder::performance::report::TrafficFact {
                kind: "traffic",
                date: Some(date),
                country: country.to_string(),
                device: "mobile".into(),
                size: size.to_string(),
                format: format.to_string(),
                requests: Some(daily * i64::from(weight) / geo_total * rng.random_range(90..110) / 100),
                ..Default::default()
            });
        }
    };
    for day_back in (1..=30i64).rev() {
        let date = today - time::Duration::days(day_back);
        for ((_, size), won) in impressions
            .range((date, String::new())..)
            .take_while(|((d, _), _)| *d == date)
        {
            let format = if size.starts_with("video") {
                "VIDEO"
            } else if size == "native" {
                "NATIVE"
            } else {
                "HTML"
            };
            let daily = won * rng.random_range(30..80) / 10;
            push(date, size, format, daily, &mut rng);
        }
        for &(size, format, base) in uncovered {
            push(date, size, format, base, &mut rng);
        }
    }
    facts
}

/// Funnel (by geo and by publisher), bid-filtering and quality reports for the same 30 days,
/// with the waste a real seat has planted in them: a geo sent in volume that the bidder
/// (almost) never bids on, and a publisher whose impressions are largely invalid traffic.
pub fn funnel_facts(seed: u64, today: time::Date) -> Vec<rtbcat_core::bidder::performance::report::TrafficFact> {
    use rtbcat_core::bidder::performance::report::TrafficFact;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x00f0_11e1);
    // (country, share of requests in percent, bids per 10,000 responses)
    let mut geos: Vec<(&str, i64, i64)> = DEMO_GEOS.iter().map(|g| (g.0, i64::from(g.1), 2_500)).collect();
    geos.push(("VN", 12, 0));
    // (publisher id, share of requests in percent, bids per 10,000, IVT per 10,000 impressions)
    let publishers: &[(&str, i64, i64, i64)] = &[
        ("pub-1001", 30, 2_600, 150),
        ("pub-1002", 22, 2_400, 120),
        ("pub-1003", 18, 2_500, 200),
        ("pub-1004", 12, 2_300, 90),
        ("pub-7734", 10, 2_700, 3_800),
        ("pub-2001", 8, 2_200, 160),
    ];
    let reasons: &[(&str, i64)] = &[
        ("Creative not approved", 38),
        ("Bid below floor", 27),
        ("Advertiser blocked by publisher", 15),
        ("Creative size not allowed", 11),
        ("Landing page not allowed", 9),
    ];
    // One funnel row: requests down to impressions, each step a plausible share of the last.
    let funnel = |kind: &'static str, date: time::Date, requests: i64, bid_bp: i64, rng: &mut StdRng| {
        let matches = requests * rng.random_range(80..90) / 100;
        let responses = matches * rng.random_range(75..85) / 100;
        let bids = responses * bid_bp / 10_000;
        let in_auction = bids * rng.random_range(80..90) / 100;
        let won = in_auction * rng.random_range(15..25) / 100;
        TrafficFact {
            kind,
            date: Some(date),
            country: "ZZ".into(),
            bid_requests: Some(requests),
            inventory_matches: Some(matches),
            successful_responses: Some(responses),
            bids: Some(bids),
            bids_in_auction: Some(in_auction),
            auctions_won: Some(won),
            impressions: Some(won * rng.random_range(92..98) / 100),
            ..Default::default()
        }
    };
    let mut facts = Vec::new();
    for day_back in (1..=30i64).rev() {
        let date = today - time::Duration::days(day_back);
        let daily = 150_000_000 * rng.random_range(90..110) / 100;
        for &(country, share, bid_bp) in &geos {
            facts.push(TrafficFact {
                country: country.to_string(),
                ..funnel("funnel_by_geo", date, daily * share / 100, bid_bp, &mut rng)
            });
        }
        for &(publisher, share, bid_bp, ivt_bp) in publishers {
            let row = TrafficFact {
                publisher: publisher.to_string(),
                ..funnel("funnel_by_publisher", date, daily * share / 100, bid_bp, &mut rng)
            };
            let impressions = row.impressions.unwrap_or(0);
            facts.push(row);
            facts.push(TrafficFact {
                kind: "quality",
                date: Some(date),
                country: "ZZ".into(),
                publisher: publisher.to_string(),
                impressions: Some(impressions),
                ivt_credited_impressions: Some(impressions * ivt_bp / 10_000),
                billed_impressions: Some(impressions - impressions * ivt_bp / 10_000),
                ..Default::default()
            });
        }
        let filtered = daily / 40;
        for &(reason, share) in reasons {
            let bids = filtered * share / 100 * rng.random_range(90..110) / 100;
            facts.push(TrafficFact {
                kind: "bid_filtering",
                date: Some(date),
                country: "ZZ".into(),
                filtering_reason: reason.to_string(),
                bids: Some(bids),
                bids_in_auction: Some(0),
                ..Default::default()
            });
        }
    }
    facts
}
