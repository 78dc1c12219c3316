//! Demo data for the offer-popup wing: the spec's four properties, a dozen offers and 30
//! days of impressions, clicks and conversions at the spec's volume (~15,000 impressions a
//! day). Deterministic for a seed and written through the same store paths as live
//! tracking; event keys are fixed, so running it twice adds nothing.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rtbcat_core::popups::{OfferInput, PropertyInput};
use rtbcat_store::{PopupEvent, PopupEventKind, SharedStore, StoreError};

/// (code, name, domain, share of traffic)
const PROPERTIES: &[(&str, &str, &str, f64)] = &[
    ("mff", "ModeFreeFinds", "modefreefinds.com", 0.40),
    ("mmm", "ModeMarketMunchies", "modemarketmunchies.com", 0.25),
    ("mcad", "ModeCanada Deals", "modecanadadeals.com", 0.20),
    ("mmd", "ModeMoneyDaily", "modemoneydaily.com", 0.15),
];

/// (name, title, tagline, payout, priority, click-through rate, conversion rate, properties)
type DemoOffer = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    f64,
    f64,
    &'static [&'static str],
);
const OFFERS: &[DemoOffer] = &[
    (
        "Gift card sweeps US",
        "Win a $500 gift card",
        "Takes 30 seconds",
        "2.50",
        8,
        0.042,
        0.14,
        &["mff", "mmm"],
    ),
    (
        "Free samples box",
        "Claim your free samples box",
        "Shipping included",
        "1.80",
        7,
        0.038,
        0.18,
        &["mff"],
    ),
    (
        "Coupon app install",
        "Save on every grocery run",
        "Top-rated coupon app",
        "1.20",
        6,
        0.031,
        0.22,
        &["mmm", "mff"],
    ),
    (
        "Meal kit trial",
        "Your first meal kit, 60% off",
        "Chef-designed recipes",
        "9.00",
        5,
        0.019,
        0.06,
        &["mmm"],
    ),
    (
        "Canadian rewards card",
        "Earn 5% back on groceries",
        "No annual fee",
        "12.00",
        6,
        0.016,
        0.05,
        &["mcad"],
    ),
    (
        "Cashback browser extension",
        "Get paid to shop online",
        "Free to join",
        "1.50",
        5,
        0.027,
        0.20,
        &["mcad", "mff"],
    ),
    (
        "Budget planner survey",
        "Tell us how you budget",
        "Get a free planner",
        "0.90",
        4,
        0.045,
        0.30,
        &["mmd"],
    ),
    (
        "High-yield savings",
        "4.5% APY savings account",
        "FDIC insured",
        "25.00",
        7,
        0.012,
        0.03,
        &["mmd"],
    ),
    (
        "Credit score check",
        "See your score for free",
        "No card needed",
        "4.00",
        6,
        0.024,
        0.12,
        &["mmd", "mcad"],
    ),
    (
        "Product tester panel",
        "Test products, keep them",
        "Brands ship to you",
        "2.00",
        5,
        0.035,
        0.15,
        &["mff", "mmm"],
    ),
    (
        "Holiday deals digest",
        "The best holiday deals daily",
        "Unsubscribe anytime",
        "0.75",
        3,
        0.029,
        0.35,
        &["mff", "mmm", "mcad", "mmd"],
    ),
    (
        "Insurance quote",
        "Compare car insurance in 2 min",
        "Drivers save $600",
        "15.00",
        4,
        0.011,
        0.04,
        &["mcad", "mmd"],
    ),
];

/// (country, share)
const COUNTRIES: &[(&str, f64)] = &[
    ("US", 0.58),
    ("CA", 0.17),
    ("GB", 0.09),
    ("AU", 0.06),
    ("IE", 0.04),
    ("NZ", 0.06),
];
/// (device, share)
const DEVICES: &[(&str, f64)] = &[("mobile", 0.64), ("desktop", 0.29), ("tablet", 0.07)];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PopupDemoReport {
    pub properties: usize,
    pub offers: usize,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: u64,
    /// Events actually written (0 on a second run).
    pub events_written: u64,
}

fn pick<'a>(rng: &mut StdRng, table: &'a [(&'a str, f64)]) -> &'a str {
    let mut draw: f64 = rng.random();
    for (value, share) in table {
        if draw < *share {
            return value;
        }
        draw -= share;
    }
    table.last().map_or("", |t| t.0)
}

/// Loads the popup demo; `daily_impressions` across all properties (the spec: 15,000).
pub async fn load(
    store: &SharedStore,
    seed: u64,
    daily_impressions: u64,
    now: time::OffsetDateTime,
) -> Result<PopupDemoReport, StoreError> {
    let unix = now.unix_timestamp();
    let existing = store.list_properties().await?;
    for (code, name, domain, _) in PROPERTIES {
        if existing.iter().any(|p| p.code == *code) {
            continue;
        }
        let spec = PropertyInput {
            code: (*code).into(),
            name: (*name).into(),
            // Only the site itself: a local test page is added by hand, with its port.
            domains: vec![(*domain).into()],
            ..PropertyInput::default()
        }
        .validate()
        .map_err(|e| StoreError::Backend(format!("demo property {code}: {e:?}")))?;
        store.save_property(None, spec, None, unix).await?;
    }
    let properties = store.list_properties().await?;
    let mut offers = store.list_offers().await?;
    for (name, title, tagline, payout, priority, _, _, on) in OFFERS {
        if offers.iter().any(|o| o.name == *name) {
            continue;
        }
        let slug: String = name.to_ascii_lowercase().replace(' ', "-");
        let spec = OfferInput {
            network_campaign_id: format!("{}", 1000 + offers.len()),
            affiliate_id: "5501".into(),
            name: (*name).into(),
            display_title: (*title).into(),
            tagline: Some((*tagline).into()),
            description: format!("{title}. Limited time offer for our readers."),
            cta_text: Some("Claim offer".into()),
            image_url: None,
            click_url: format!("https://demo-network.example/aff_c?offer_id={slug}&aff_id=5501"),
            impression_pixel_url: None,
            payout: Some(serde_json::Value::String((*payout).into())),
            priority: Some(*priority),
            properties: on.iter().map(|c| (*c).to_string()).collect(),
            ..OfferInput::default()
        }
        .validate()
        .map_err(|e| StoreError::Backend(format!("demo offer {name}: {e:?}")))?;
        let note = rtbcat_store::AuditNote {
            actor: "demo".into(),
            action: "campaign.create".into(),
        };
        offers.push(store.save_offer(None, spec, note, unix).await?);
    }

    // Creation order, whatever order the store lists them in: the same seed, the same events.
    offers.sort_by_key(|o| o.id);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0FFE_4500);
    let mut report = PopupDemoReport {
        properties: PROPERTIES.len(),
        offers: OFFERS.len(),
        ..PopupDemoReport::default()
    };
    let mut batch: Vec<PopupEvent> = Vec::with_capacity(5000);
    let today = now.date();
    let mut serial: u64 = 0;
    let now_ms = unix * 1000;
    for days_ago in (0..30i64).rev() {
        let date = today - time::Duration::days(days_ago);
        let weekday_factor = match date.weekday() {
            time::Weekday::Saturday | time::Weekday::Sunday => 0.8,
            time::Weekday::Monday => 1.1,
            _ => 1.0,
        };
        let midnight = date.midnight().assume_utc().unix_timestamp();
        // Today runs up to the current hour only.
        let hours = if days_ago == 0 { u64::from(now.hour()) + 1 } else { 24 };
        let total = (daily_impressions as f64 * weekday_factor * hours as f64 / 24.0) as u64;
        for (code, _, _, share) in PROPERTIES {
            let Some(property) = properties.iter().find(|p| p.code == *code) else {
                continue;
            };
            let running: Vec<(&rtbcat_store::Offer, &DemoOffer)> = offers
                .iter()
                .filter(|o| o.properties.iter().any(|c| c == code))
                .filter_map(|o| OFFERS.iter().find(|d| d.0 == o.name).map(|d| (o, d)))
                .collect();
            let weights: i64 = running.iter().map(|(o, _)| o.priority).sum();
            if weights == 0 {
                continue;
            }
            for _ in 0..((total as f64) * share) as u64 {
                serial += 1;
                let mut draw = rng.random_range(0..weights);
                let (offer, demo) = running
                    .iter()
                    .find(|(o, _)| {
                        let hit = draw < o.priority;
                        draw -= o.priority;
                        hit
                    })
                    .copied()
                    .unwrap_or(running[0]);
                // Evenings are busiest.
                let hour = loop {
                    let h = rng.random_range(0..hours as i64);
                    let weight = 0.4 + 0.6 * (((h as f64 - 20.0) / 24.0 * std::f64::consts::TAU).cos() + 1.0) / 2.0;
                    if rng.random_bool(weight.clamp(0.05, 1.0)) {
                        break h;
                    }
                };
                let at_ms = (midnight + hour * 3600 + rng.random_range(0..3600)) * 1000;
                let country = pick(&mut rng, COUNTRIES).to_string();
                let device = pick(&mut rng, DEVICES).to_string();
                let event = |kind: PopupEventKind, key: String, at: i64| PopupEvent {
                    kind,
                    event_key: key,
                    occurred_at_ms: at.min(now_ms),
                    property_id: Some(property.id),
                    offer_id: Some(offer.id),
                    placement: property.popup_placement.clone(),
                    visitor_hash: format!("demo{:016x}", serial.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                    session_id: String::new(),
                    country: country.clone(),
                    device: device.clone(),
                    click_id: None,
                    revenue_micros: 0,
                    transaction_id: None,
                    attributed: true,
                    arm_id: None,
                };
                batch.push(event(PopupEventKind::Impression, format!("demo:i:{serial}"), at_ms));
                report.impressions += 1;
                if rng.random_bool(demo.5) {
                    let click_id = format!("demo{serial}");
                    let mut click = event(PopupEventKind::Click, format!("demo:c:{serial}"), at_ms + 4_000);
                    click.click_id = Some(click_id.clone());
                    batch.push(click);
                    report.clicks += 1;
                    if rng.random_bool(demo.6) {
                        let mut conversion =
                            event(PopupEventKind::Conversion, format!("v:demo-{serial}"), at_ms + 600_000);
                        conversion.click_id = Some(click_id);
                        conversion.transaction_id = Some(format!("demo-{serial}"));
                        conversion.revenue_micros = offer.payout_micros;
                        batch.push(conversion);
                        report.conversions += 1;
                    }
                }
                if batch.len() >= 5000 {
                    let written = store.record_popup_events(std::mem::take(&mut batch)).await?;
                    report.events_written += written.iter().filter(|new| **new).count() as u64;
                }
            }
        }
    }
    if !batch.is_empty() {
        let written = store.record_popup_events(batch).await?;
        report.events_written += written.iter().filter(|new| **new).count() as u64;
    }
    Ok(report)
}
