//! A realistic synthetic data set, so a newcomer sees a living product in one command.
//!
//! Deterministic for a seed: the same seed yields byte-identical API JSON, so running the
//! demo twice changes nothing. Everything goes through the same importers users use.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

pub const DEFAULT_SEED: u64 = 652;
pub const DEFAULT_CREATIVES: usize = 652;

/// The two demo buyer seats.
pub const SEATS: [(&str, &str); 2] = [("1234567", "Playful Apps Bidder"), ("7654321", "Commerce Growth Seat")];

struct Advertiser {
    name: &'static str,
    seat: usize,
    languages: &'static [&'static str],
    headline: &'static str,
    body: &'static str,
    cta: &'static str,
    landing: Landing,
    colours: (&'static str, &'static str),
}

enum Landing {
    /// Android package via an attribution tracker or straight to the store.
    Play(&'static str),
    Apple(&'static str),
    Web(&'static str),
}

const ADVERTISERS: &[Advertiser] = &[
    Advertiser {
        name: "Puzzle Blocks",
        seat: 0,
        languages: &["pt"],
        headline: "Encaixe os blocos!",
        body: "O quebra-cabeça mais viciante do Brasil.",
        cta: "Jogar grátis",
        landing: Landing::Play("com.puzzleblocks.game"),
        colours: ("#ff7a18", "#af002d"),
    },
    Advertiser {
        name: "Word Quest",
        seat: 0,
        languages: &["en"],
        headline: "Find the hidden words",
        body: "Daily puzzles for curious minds.",
        cta: "Install",
        landing: Landing::Apple("1452267890"),
        colours: ("#4776e6", "#8e54e9"),
    },
    Advertiser {
        name: "Royal Slots Casino",
        seat: 0,
        languages: &["es"],
        headline: "¡Gira y gana hoy!",
        body: "Miles de monedas gratis al registrarte.",
        cta: "Descargar",
        landing: Landing::Play("com.royalslots.casino"),
        colours: ("#f7971e", "#c0392b"),
    },
    Advertiser {
        name: "Empires of Steel",
        seat: 0,
        languages: &["en", "fr"],
        headline: "Build your empire",
        body: "Strategy battles with friends worldwide.",
        cta: "Play now",
        landing: Landing::Play("com.empiresofsteel.strategy"),
        colours: ("#283c86", "#45a247"),
    },
    Advertiser {
        name: "RideGo",
        seat: 0,
        languages: &["en"],
        headline: "Your ride in 3 minutes",
        body: "First trip 50% off in your city.",
        cta: "Get the app",
        landing: Landing::Apple("1389012345"),
        colours: ("#11998e", "#38ef7d"),
    },
    Advertiser {
        name: "Haber Akışı",
        seat: 0,
        languages: &["tr"],
        headline: "Son dakika haberleri",
        body: "Türkiye'nin en hızlı haber uygulaması.",
        cta: "Yükle",
        landing: Landing::Play("com.haberakisi.news"),
        colours: ("#cb2d3e", "#ef473a"),
    },
    Advertiser {
        name: "FitCoach",
        seat: 0,
        languages: &["it"],
        headline: "Allenati a casa",
        body: "Piani personalizzati in 10 minuti al giorno.",
        cta: "Inizia ora",
        landing: Landing::Apple("1501234567"),
        colours: ("#00b09b", "#96c93d"),
    },
    Advertiser {
        name: "Akhbar Live",
        seat: 0,
        languages: &["ar"],
        headline: "أخبار عاجلة",
        body: "تابع الأحداث لحظة بلحظة.",
        cta: "حمّل الآن",
        landing: Landing::Play("com.akhbarlive.app"),
        colours: ("#1d976c", "#2c3e50"),
    },
    Advertiser {
        name: "Loja Rápida",
        seat: 1,
        languages: &["pt"],
        headline: "Ofertas relâmpago",
        body: "Frete grátis em todo o Brasil.",
        cta: "Comprar",
        landing: Landing::Web("https://www.lojarapida.com.br/ofertas"),
        colours: ("#fc4a1a", "#f7b733"),
    },
    Advertiser {
        name: "Moda Express",
        seat: 1,
        languages: &["es"],
        headline: "Nueva colección",
        body: "Hasta -40% en toda la tienda.",
        cta: "Ver ofertas",
        landing: Landing::Web("https://tienda.modaexpress.es/rebajas"),
        colours: ("#ee9ca7", "#c471ed"),
    },
    Advertiser {
        name: "TravelNow",
        seat: 1,
        languages: &["de"],
        headline: "Sommer am Meer",
        body: "Pauschalreisen ab 299 €.",
        cta: "Jetzt buchen",
        landing: Landing::Web("https://www.travelnow.de/angebote"),
        colours: ("#2193b0", "#6dd5ed"),
    },
    Advertiser {
        name: "FinWallet",
        seat: 1,
        languages: &["en"],
        headline: "Send money free",
        body: "No fees on your first 10 transfers.",
        cta: "Open account",
        landing: Landing::Web("https://www.finwallet.co.uk/signup"),
        colours: ("#0f2027", "#2c5364"),
    },
    Advertiser {
        name: "Kredit24",
        seat: 1,
        languages: &["de"],
        headline: "Sofortkredit online",
        body: "Entscheidung in 60 Sekunden.",
        cta: "Antrag starten",
        landing: Landing::Web("https://www.kredit24.de/antrag"),
        colours: ("#1e3c72", "#2a5298"),
    },
    Advertiser {
        name: "Sushi Go Delivery",
        seat: 1,
        languages: &["ja"],
        headline: "寿司を30分でお届け",
        body: "初回注文は送料無料。",
        cta: "注文する",
        landing: Landing::Web("https://order.sushigo.jp/menu"),
        colours: ("#e52d27", "#b31217"),
    },
    Advertiser {
        name: "FlipMart",
        seat: 1,
        languages: &["hi", "en"],
        headline: "बड़ी बचत सेल",
        body: "Top brands, lowest prices.",
        cta: "अभी खरीदें",
        landing: Landing::Web("https://www.flipmart.in/sale"),
        colours: ("#f12711", "#f5af19"),
    },
    Advertiser {
        name: "Rencontres Paris",
        seat: 1,
        languages: &["fr"],
        headline: "Rencontrez près de chez vous",
        body: "Inscription gratuite et rapide.",
        cta: "S'inscrire",
        landing: Landing::Web("https://www.rencontres-paris.fr/inscription"),
        colours: ("#e96443", "#904e95"),
    },
    Advertiser {
        name: "CoinVault",
        seat: 1,
        languages: &["en"],
        headline: "Buy crypto in minutes",
        body: "Secure wallet, low fees.",
        cta: "Start",
        landing: Landing::Play("com.coinvault.wallet"),
        colours: ("#373b44", "#4286f4"),
    },
    Advertiser {
        name: "Polski Bank Plus",
        seat: 1,
        languages: &["pl"],
        headline: "Konto za 0 zł",
        body: "Załóż konto w 5 minut.",
        cta: "Otwórz konto",
        landing: Landing::Web("https://www.bankplus.pl/konto"),
        colours: ("#3a1c71", "#d76d77"),
    },
];

/// (width, height, weight): standard sizes dominate, with the near-misses, fluid and odd
/// sizes real catalogs carry.
const HTML_SIZES: &[(u32, u32, u32)] = &[
    (300, 250, 30),
    (320, 50, 18),
    (728, 90, 10),
    (300, 600, 6),
    (160, 600, 5),
    (320, 480, 6),
    (480, 320, 2),
    (336, 280, 3),
    (970, 250, 2),
    (468, 60, 2),
    (320, 100, 3),
    (300, 50, 2),
    (298, 250, 2),
    (0, 250, 2),
    (1, 1, 1),
    (768, 1024, 1),
    (300, 251, 1),
    (640, 100, 1),
    (250, 250, 1),
];

const VIDEO_SIZES: &[(u32, u32)] = &[
    (1920, 1080),
    (1280, 720),
    (1080, 1920),
    (640, 480),
    (1080, 1080),
    (1080, 1350),
];

fn weighted_size(rng: &mut StdRng) -> (u32, u32) {
    let total: u32 = HTML_SIZES.iter().map(|s| s.2).sum();
    let mut pick = rng.random_range(0..total);
    for &(w, h, weight) in HTML_SIZES {
        if pick < weight {
            return (w, h);
        }
        pick -= weight;
    }
    (300, 250)
}

fn encode(text: &str) -> String {
    percent_encode_all(text)
}

fn percent_encode_all(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The click URL as an ad server would declare it: straight, behind a tracker, or behind a
/// (sometimes double-encoded) redirect chain.
fn click_url(advertiser: &Advertiser, rng: &mut StdRng, campaign: &str) -> String {
    match &advertiser.landing {
        Landing::Play(package) => match rng.random_range(0..4) {
            0 => format!("https://play.google.com/store/apps/details?id={package}&referrer=utm_source%3Dadx"),
            1 => format!("https://app.appsflyer.com/{package}?pid=adx_int&c={campaign}&af_siteid={{{{SITE_ID}}}}"),
            2 => format!(
                "https://app.adjust.com/{}?campaign={campaign}&redirect={}",
                &campaign[..6.min(campaign.len())],
                encode(&format!("https://play.google.com/store/apps/details?id={package}"))
            ),
            _ => format!("market://details?id={package}"),
        },
        Landing::Apple(id) => match rng.random_range(0..3) {
            0 => format!("https://apps.apple.com/app/id{id}?mt=8"),
            1 => format!("https://app.appsflyer.com/id{id}?pid=adx_int&c={campaign}"),
            _ => format!(
                "https://go.app.link/x{id}?$fallback_url={}",
                encode(&format!("https://apps.apple.com/app/id{id}"))
            ),
        },
        Landing::Web(url) => {
            let landing = format!("{url}?utm_source=google&utm_medium=display&utm_campaign={campaign}");
            match rng.random_range(0..4) {
                0 | 1 => landing,
                2 => format!(
                    "https://ad.doubleclick.net/ddm/clk/{}?adurl={}",
                    rng.random_range(100_000..999_999),
                    encode(&landing)
                ),
                _ => format!(
                    "https://clk.tracker-hub.net/r?cid={campaign}&url={}",
                    encode(&encode(&landing))
                ),
            }
        }
    }
}

fn html_snippet(
    advertiser: &Advertiser,
    width: u32,
    height: u32,
    click: &str,
    with_macro: bool,
    rng: &mut StdRng,
) -> String {
    let (from, to) = advertiser.colours;
    let macro_prefix = if with_macro { "%%CLICK_URL_UNESC%%" } else { "" };
    let w = if width == 0 {
        "100%".to_string()
    } else {
        format!("{width}px")
    };
    let small = height < 120;
    let headline_size = if small { 14 } else { 22 };
    let body = if small {
        String::new()
    } else {
        format!(
            "<p style=\"margin:6px 0 10px;font-size:13px;opacity:.9\">{}</p>",
            advertiser.body
        )
    };
    let dir = if advertiser.languages.contains(&"ar") {
        " dir=\"rtl\""
    } else {
        ""
    };
    let style = format!(
        "display:flex;flex-direction:{};align-items:center;justify-content:center;gap:8px;box-sizing:border-box;width:{w};height:{height}px;\
         padding:8px;background:linear-gradient(135deg,{from},{to});color:#fff;font-family:Helvetica,Arial,sans-serif;text-align:center;text-decoration:none;overflow:hidden",
        if small { "row" } else { "column" }
    );
    let cta = format!(
        "<span style=\"background:#fff;color:{to};border-radius:4px;padding:{}px 12px;font-weight:700;font-size:12px;white-space:nowrap\">{}</span>",
        if small { 4 } else { 8 },
        advertiser.cta
    );
    let inner = format!(
        "<strong style=\"font-size:{headline_size}px;line-height:1.15\">{}</strong>{body}{cta}",
        advertiser.headline
    );
    if rng.random_bool(0.2) {
        // Rich-media style: a clickTag variable and a script-driven click.
        format!(
            "<div{dir} id=\"ad\" style=\"{style};cursor:pointer\" onclick=\"window.open(clickTag)\">{inner}</div>\
             <script>var clickTag = \"{macro_prefix}{click}\";</script>\
             <img src=\"https://ads.example-adserver.com/imp?c=%%CACHEBUSTER%%\" width=\"1\" height=\"1\" style=\"display:none\" alt=\"\">"
        )
    } else {
        format!(
            "<a{dir} href=\"{macro_prefix}{}\" target=\"_blank\" style=\"{style}\">{inner}</a>",
            click.replace('&', "&amp;")
        )
    }
}

fn vast_xml(
    advertiser: &Advertiser,
    id: &str,
    width: u32,
    height: u32,
    seconds: u32,
    click: &str,
    with_macro: bool,
) -> String {
    let macro_prefix = if with_macro { "%%CLICK_URL_UNESC%%" } else { "" };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<VAST version="3.0">
  <Ad id="{id}">
    <InLine>
      <AdSystem>rtbcat demo</AdSystem>
      <AdTitle><![CDATA[{name} {seconds}s]]></AdTitle>
      <Impression><![CDATA[https://ads.example-adserver.com/vimp?c={id}]]></Impression>
      <Creatives>
        <Creative id="{id}">
          <Linear>
            <Duration>00:00:{seconds:02}</Duration>
            <VideoClicks>
              <ClickThrough><![CDATA[{macro_prefix}{click}]]></ClickThrough>
              <ClickTracking><![CDATA[https://ads.example-adserver.com/vclk?c={id}]]></ClickTracking>
            </VideoClicks>
            <MediaFiles>
              <MediaFile delivery="progressive" type="video/mp4" width="{width}" height="{height}" bitrate="1800"><![CDATA[https://cdn.example-adserver.com/video/{id}_{width}x{height}.mp4]]></MediaFile>
            </MediaFiles>
          </Linear>
        </Creative>
      </Creatives>
    </InLine>
  </Ad>
</VAST>"#,
        name = advertiser.name
    )
}

fn slug(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' {
                Some('_')
            } else {
                None
            }
        })
        .collect()
}

fn status(rng: &mut StdRng) -> &'static str {
    match rng.random_range(0..100) {
        0..=84 => "APPROVED",
        85..=91 => "DISAPPROVED",
        92..=96 => "PENDING_REVIEW",
        _ => "CERTIFICATE_REQUIRED",
    }
}

/// `count` creatives in the Real-time Bidding API v1 `creatives.list` shape.
pub fn creatives_document(seed: u64, count: usize) -> Value {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut creatives = Vec::with_capacity(count);
    for n in 0..count {
        let advertiser = ADVERTISERS.choose(&mut rng).unwrap_or(&ADVERTISERS[0]);
        let seat = SEATS[advertiser.seat].0;
        let format = match rng.random_range(0..100) {
            0..=59 => "HTML",
            60..=84 => "VIDEO",
            _ => "NATIVE",
        };
        let campaign = format!("{}_{}", slug(advertiser.name), advertiser.languages[0]);
        // Half numeric ids as in older seats, half descriptive ones; unique by construction.
        let creative_id = if n % 2 == 0 {
            format!("{}", 70_000 + n * 37)
        } else {
            format!("{}_{}_v{}", campaign, format.to_ascii_lowercase(), n)
        };
        let click = click_url(advertiser, &mut rng, &campaign);
        let with_macro = rng.random_range(0..100) >= 4;
        let network_status = status(&mut rng);
        let mut decision = json!({
            "networkPolicyCompliance": {"status": network_status},
            "platformPolicyCompliance": {"status": if network_status == "DISAPPROVED" { "DISAPPROVED" } else { "APPROVED" }},
            "dealsPolicyCompliance": {"status": "APPROVED"},
            "detectedLanguages": advertiser.languages,
            "detectedAdvertisers": [{"advertiserName": advertiser.name}],
            "lastStatusUpdate": format!("2026-10-{:02}T{:02}:00:00Z", 1 + n % 28, n % 24),
        });
        if rng.random_bool(0.3) {
            decision["chinaPolicyCompliance"] =
                json!({"status": "DISAPPROVED", "topics": [{"policyTopic": "UNSUPPORTED_LANGUAGE"}]});
        }
        let mut creative = json!({
            "name": format!("buyers/{seat}/creatives/{creative_id}"),
            "accountId": seat,
            "creativeId": creative_id,
            "advertiserName": advertiser.name,
            "creativeFormat": format,
            "declaredClickThroughUrls": [click],
            "apiUpdateTime": format!("2026-10-{:02}T{:02}:{:02}:00.{:03}Z", 1 + n % 28, n % 24, n % 60, n % 1000),
            "version": 1 + (n % 5) as i64,
            "creativeServingDecision": decision,
            "dealIds": [],
            "declaredAttributes": [],
        });
        match format {
            "HTML" => {
                let (w, h) = weighted_size(&mut rng);
                creative["html"] = json!({
                    "snippet": html_snippet(advertiser, w, h, &click, with_macro, &mut rng),
                    "width": w,
                    "height": h,
                });
            }
            "VIDEO" => {
                let &(w, h) = VIDEO_SIZES.choose(&mut rng).unwrap_or(&(1920, 1080));
                let seconds = *[6u32, 15, 15, 30].choose(&mut rng).unwrap_or(&15);
                creative["video"] = json!({
                    "videoVastXml": vast_xml(advertiser, &creative_id, w, h, seconds, &click, with_macro),
                    "videoMetadata": {"duration": format!("{seconds}s"), "vastVersion": "VAST_VERSION_3_0", "isValidVast": true},
                });
            }
            _ => {
                let domain = match &advertiser.landing {
                    Landing::Web(url) => url.split('/').nth(2).unwrap_or("cdn.example.com").to_string(),
                    _ => format!("{}.example-cdn.com", slug(advertiser.name).replace('_', "")),
                };
                creative["native"] = json!({
                    "headline": advertiser.headline,
                    "body": advertiser.body,
                    "callToAction": advertiser.cta,
                    "advertiserName": advertiser.name,
                    "image": {"url": format!("https://{domain}/native/{creative_id}_1200x627.jpg"), "width": 1200, "height": 627},
                    "logo": {"url": format!("https://{domain}/native/logo_128.png"), "width": 128, "height": 128},
                    "clickLinkUrl": click,
                    "starRating": if matches!(advertiser.landing, Landing::Web(_)) { Value::Null } else { json!(4.5) },
                });
            }
        }
        creatives.push(creative);
    }
    json!({ "creatives": creatives, "nextPageToken": "" })
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod tests;

// The traffic, funnel, bid-filtering and quality reports waste reads.
#[path = "demo_reports.rs"]
mod reports;
pub use reports::{funnel_facts, traffic_facts};

/// Countries of the demo traffic: (code, traffic weight, CPM in micros, CTR in basis points).
/// Prices differ a lot by country but the bidder bids to a target, so a click costs about the
/// same everywhere (within a few percent): what the opportunity finder should find is only
/// what `Planted` puts there, not the price list.
const DEMO_GEOS: &[(&str, u32, i64, i64)] = &[
    ("BR", 30, 900_000, 36),
    ("US", 20, 4_200_000, 170),
    ("IN", 15, 350_000, 14),
    ("DE", 8, 3_100_000, 122),
    ("MX", 8, 800_000, 33),
    ("GB", 6, 3_600_000, 146),
    ("AO", 3, 300_000, 12),
    ("IE", 2, 3_900_000, 152),
    ("JP", 5, 2_800_000, 113),
    ("TR", 3, 600_000, 24),
];

/// The demo's real opportunities among its noise: CTR multipliers (so cheaper clicks at the
/// same spend) for some creatives, in some countries.
#[derive(Default)]
pub struct Planted {
    /// (creative index, country or "" for all) → CTR multiplier.
    pub boosts: std::collections::HashMap<(usize, String), f64>,
}

impl Planted {
    fn boost(&self, creative: usize, country: &str) -> f64 {
        self.boosts
            .get(&(creative, country.to_string()))
            .or_else(|| self.boosts.get(&(creative, String::new())))
            .copied()
            .unwrap_or(1.0)
    }

    /// For the demo catalog: FinWallet's clicks in Angola cost half (an undervalued geo),
    /// FitCoach's clicks cost 40% less everywhere (an efficient campaign the
    /// optimiser starves), and one little-served creative is far cheaper (a neglected one).
    pub fn for_demo(
        creatives: &[(String, String)],
        advertiser_of: &std::collections::HashMap<String, String>,
    ) -> Planted {
        let mut boosts = std::collections::HashMap::new();
        let mut neglected = None;
        for (index, (id, _)) in creatives.iter().enumerate() {
            match advertiser_of.get(id).map(String::as_str) {
                Some("FinWallet") => {
                    boosts.insert((index, "AO".to_string()), 2.2);
                }
                Some("FitCoach") => {
                    boosts.insert((index, String::new()), 1.7);
                }
                Some("Puzzle Blocks") if index >= 60 && neglected.is_none() => neglected = Some(index),
                _ => {}
            }
        }
        if let Some(index) = neglected {
            boosts.insert((index, String::new()), 2.5);
        }
        Planted { boosts }
    }
}
const DEMO_DEVICES: &[(rtbcat_core::bidder::performance::report::Device, u32)] = &[
    (rtbcat_core::bidder::performance::report::Device::Mobile, 70),
    (rtbcat_core::bidder::performance::report::Device::Desktop, 22),
    (rtbcat_core::bidder::performance::report::Device::Tablet, 6),
    (rtbcat_core::bidder::performance::report::Device::Ctv, 2),
];
/// Relative traffic by hour of day (UTC), peaking in the Brazilian evening.
const HOUR_SHAPE: [u32; 24] = [
    6, 4, 3, 2, 2, 2, 3, 5, 7, 8, 9, 10, 11, 12, 12, 12, 13, 14, 15, 16, 16, 15, 12, 9,
];

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if pick < *weight {
            return *item;
        }
        pick -= weight;
    }
    items[0].0
}

/// Hourly performance facts for the last 30 days before `today`, about `rows` of them,
/// handed over in batches. A few creatives carry most of the spend (Zipf-like weights).
pub fn performance_facts(
    seed: u64,
    creatives: &[(String, String)],
    rows: usize,
    today: time::Date,
    planted: &Planted,
    mut emit: impl FnMut(Vec<rtbcat_core::bidder::performance::report::PerformanceFact>) -> bool,
) -> usize {
    use rtbcat_core::bidder::performance::report::PerformanceFact;
    if creatives.is_empty() || rows == 0 {
        return 0;
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_fac7);
    let weights: Vec<(usize, u32)> = (0..creatives.len())
        .map(|rank| (rank, (1_000_000.0 / (rank as f64 + 1.0).powf(1.1)) as u32 + 1))
        .collect();
    let geos: Vec<(usize, u32)> = DEMO_GEOS.iter().enumerate().map(|(i, g)| (i, g.1)).collect();
    let per_hour = rows.div_ceil(30 * 24).max(1);
    let mut written = 0;
    for day_back in (1..=30i64).rev() {
        let date = today - time::Duration::days(day_back);
        let weekend = matches!(date.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
        let mut batch = Vec::with_capacity(per_hour * 24);
        for hour in 0..24u8 {
            let mut seen = std::collections::HashSet::with_capacity(per_hour);
            let mut attempts = 0;
            while seen.len() < per_hour && attempts < per_hour * 20 {
                attempts += 1;
                let creative = weighted(&mut rng, &weights);
                let geo = weighted(&mut rng, &geos);
                let device = weighted(&mut rng, DEMO_DEVICES);
                if !seen.insert((creative, geo, device)) {
                    continue;
                }
                let (country, _, cpm, ctr_bp) = DEMO_GEOS[geo];
                let shape = f64::from(HOUR_SHAPE[usize::from(hour)]) / 10.0 * if weekend { 0.8 } else { 1.0 };
                let popularity = f64::from(weights[creative].1) / 1_000_000.0;
                let impressions = ((200.0 + 40_000.0 * popularity) * shape * rng.random_range(0.6..1.4)) as i64 + 1;
                // Expected clicks, rounded up or down at random so small cells are not biased.
                let expected = (impressions * ctr_bp * rng.random_range(6..14)) as f64 / 100_000.0
                    * planted.boost(creative, country);
                let clicks = (expected.floor() as i64 + i64::from(rng.random_bool(expected.fract()))).min(impressions);
                let spend_micros = impressions * cpm * rng.random_range(8..12) / 10_000;
                let (creative_id, seat) = &creatives[creative];
                batch.push(PerformanceFact {
                    seat_id: Some(seat.clone()),
                    creative_id: creative_id.clone(),
                    date,
                    hour: Some(hour),
                    country: country.to_string(),
                    device,
                    placement: String::new(),
                    impressions,
                    clicks,
                    spend_micros,
                    reached_queries: Some(impressions * rng.random_range(3..9)),
                    bids: None,
                });
            }
        }
        written += batch.len();
        if !emit(batch) {
            break;
        }
    }
    written
}

/// What `rtbcat demo` loaded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub catalog: crate::bidder::catalog::CreativeImportReport,
    pub performance_rows: usize,
    pub performance_inserted: u64,
    pub performance_updated: u64,
    pub traffic_rows: usize,
}

/// Load the whole demo: catalog, 30 days of hourly performance, traffic by size. Every part
/// goes through the same store paths real imports use; running it twice changes nothing.
pub async fn load(
    store: &rtbcat_store::SharedStore,
    seed: u64,
    creatives: usize,
    rows: usize,
    buyers_ui_template: &str,
    now: time::OffsetDateTime,
) -> Result<DemoReport, crate::bidder::catalog::ImportError> {
    use rtbcat_store::FactBatch;
    let document = creatives_document(seed, creatives).to_string();
    let catalog = crate::bidder::catalog::import_creatives(
        store,
        &document,
        &format!("demo (seed {seed})"),
        "demo",
        buyers_ui_template,
        now.unix_timestamp(),
    )
    .await?;
    let doc: Value = serde_json::from_str(&document).unwrap_or_default();
    // (creative id, seat) in catalog order, and each creative's advertiser.
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut advertiser_of: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for c in doc["creatives"].as_array().into_iter().flatten() {
        if let (Some(id), Some(seat)) = (c["creativeId"].as_str(), c["accountId"].as_str()) {
            pairs.push((id.to_string(), seat.to_string()));
            if let Some(advertiser) = c["advertiserName"].as_str() {
                advertiser_of.insert(id.to_string(), advertiser.to_string());
            }
        }
    }
    // Each creative's canonical size, as the catalog computed it, to tally won impressions
    // per size for the traffic report.
    let sizes: std::collections::HashMap<String, String> =
        rtbcat_core::bidder::catalog::creative::split_import_document(&document)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, raw)| {
                let parsed = rtbcat_core::bidder::catalog::creative::parse_api_creative(i, raw).ok()?;
                let normalized = rtbcat_core::bidder::catalog::creative::normalize(&parsed, buyers_ui_template);
                Some((normalized.creative_id.clone(), normalized.size.label.clone()))
            })
            .collect();
    let today = now.date();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let writer = store.write_facts(rx);
    let producer = tokio::task::spawn_blocking(move || {
        let mut won: std::collections::BTreeMap<(time::Date, String), i64> = std::collections::BTreeMap::new();
        let planted = Planted::for_demo(&pairs, &advertiser_of);
        let written = performance_facts(seed, &pairs, rows, today, &planted, |batch| {
            for fact in &batch {
                if let Some(size) = sizes.get(&fact.creative_id) {
                    *won.entry((fact.date, size.clone())).or_default() += fact.impressions;
                }
            }
            tx.blocking_send(FactBatch::Performance(batch)).is_ok()
        });
        let mut traffic = traffic_facts(seed, today, &won);
        traffic.extend(funnel_facts(seed, today));
        let traffic_rows = traffic.len();
        let _ = tx.blocking_send(FactBatch::Traffic(traffic));
        let _ = tx.blocking_send(FactBatch::Commit(None));
        (written, traffic_rows)
    });
    let (counts, produced) = tokio::join!(writer, producer);
    let counts = counts?;
    let (performance_rows, traffic_rows) = produced.unwrap_or((0, 0));
    // The demo catalog, clustered into the campaigns its products make.
    crate::bidder::campaigns::cluster_by_rules(store, "demo", now.unix_timestamp()).await?;
    crate::bidder::demo_pretargeting::load(store, now.unix_timestamp()).await?;
    Ok(DemoReport {
        catalog,
        performance_rows,
        performance_inserted: counts.inserted,
        performance_updated: counts.updated,
        traffic_rows,
    })
}
