//! Offer popups at run time: choosing the offer to show, signed serve tokens, visitor
//! hashing with a daily salt, and impressions, clicks and postbacks through the
//! group-commit event writer (`writer`).

use crate::clock::Clock;
use crate::platform::cache::{Refreshing, RefreshingMap};
use crate::popups::{Offer, Property};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use rtbcat_core::popups::{self as rules, Candidate, Placement};
use rtbcat_store::{OfferCandidate, PopupEvent, PopupEventKind, SharedStore, StoreError};
/// The event record, for tests and tools that write history directly.
pub use rtbcat_store::{PopupEvent as TrackedEvent, PopupEventKind as TrackedEventKind};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// How long a served offer's token stays good for an impression or a click.
pub const TOKEN_TTL_SECONDS: i64 = 7 * 24 * 3600;
/// Events written per transaction at most.
const MAX_BATCH: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    #[error("the tracking queue is full; retry shortly")]
    Busy,
    #[error("the token is invalid or expired")]
    BadToken,
    #[error("unknown property {0:?}")]
    UnknownProperty(String),
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a served offer's token carries, signed so no request can change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeToken {
    /// Random id of this serve; also the click id the network gets back.
    #[serde(rename = "s")]
    pub serve_id: String,
    #[serde(rename = "o")]
    pub offer_id: i64,
    #[serde(rename = "p")]
    pub property_id: i64,
    #[serde(rename = "l")]
    pub placement: String,
    #[serde(rename = "t")]
    pub issued_at: i64,
    #[serde(rename = "c")]
    pub country: String,
    #[serde(rename = "d")]
    pub device: String,
    /// The experiment arm, when this serve was part of an A/B test.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub arm_id: Option<i64>,
}

/// The request facts tracking needs. The raw address is used for the visitor hash and
/// rate limits only; it is never stored.
#[derive(Debug, Clone, Default)]
pub struct Visit {
    pub ip: String,
    pub user_agent: String,
    pub country: Option<String>,
    pub session_id: String,
    /// The popup script's random visitor id (local storage; no cookie): keeps a visitor in
    /// the same experiment arm across days. Empty when storage is blocked.
    pub visitor_id: String,
}

/// The offer to show, as the popup script receives it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServedOffer {
    pub offer_id: i64,
    pub title: String,
    pub tagline: Option<String>,
    pub description: String,
    pub cta_text: String,
    pub image_url: Option<String>,
    pub impression_pixel_url: Option<String>,
    /// Our click redirect (`/c/{token}`), relative to the API base.
    pub click_path: String,
    pub token: String,
    pub placement: String,
    pub theme_primary: String,
    pub theme_accent: String,
    pub logo_url: Option<String>,
}

/// A conversion postback's parameters, names already mapped.
#[derive(Debug, Clone, Default)]
pub struct Postback {
    pub click_id: String,
    pub payout: Option<String>,
    pub transaction_id: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostbackOutcome {
    /// False when this transaction was already counted (or the status is not approved).
    pub recorded: bool,
    pub attributed: bool,
    pub revenue_micros: i64,
    pub offer_id: Option<i64>,
    pub note: Option<String>,
}

/// How long the tracking routes may use a cached copy of properties and offers. Saves in
/// this process drop the cache at once; the TTL bounds staleness from other processes.
const CACHE_TTL_MS: i64 = 2000;

type Cached<T> = Refreshing<Arc<Vec<T>>>;

/// Milliseconds since this process started: the clock of the property and offer copies,
/// which age in real time whatever the app's clock says.
fn monotonic_ms() -> i64 {
    static START: std::sync::LazyLock<std::time::Instant> = std::sync::LazyLock::new(std::time::Instant::now);
    i64::try_from(START.elapsed().as_millis()).unwrap_or(i64::MAX)
}

pub struct Tracking {
    store: SharedStore,
    clock: Arc<dyn Clock>,
    signer: TokenSigner,
    writer: EventWriter,
    /// Today's visitor salt (aged in days) as a `keyed_hmac`, so a hash costs no database
    /// round trip and no hashing of the salt.
    salt: Refreshing<HmacSha256>,
    properties: Cached<Property>,
    offers: Cached<Offer>,
    /// The running experiment per (property, placement), kept a few seconds.
    experiments: RefreshingMap<(i64, String), Option<rtbcat_store::Experiment>>,
    /// A learning property's split, recomputed at most every `ALLOCATION_CACHE_SECONDS`.
    allocations: RefreshingMap<i64, Option<Vec<rtbcat_core::popups::rotation::Allocation>>>,
    geoip: Option<maxminddb::Reader<Vec<u8>>>,
}

/// How long serving keeps a learning split: sampling is too costly for every request, and
/// a minute of traffic changes little.
const ALLOCATION_CACHE_SECONDS: i64 = 60;

/// How long serving trusts its copy of a placement's running experiment.
const EXPERIMENT_CACHE_SECONDS: i64 = 5;

/// A country record in either layout: GeoIP2 (`country.iso_code`) or ip-location-db
/// (`country_code`).
#[derive(Deserialize)]
struct GeoRecord {
    country_code: Option<String>,
    country: Option<GeoCountry>,
}

#[derive(Deserialize)]
struct GeoCountry {
    iso_code: Option<String>,
}

/// ISO alpha-2 country of an address in a country database.
pub fn country_in(reader: &maxminddb::Reader<Vec<u8>>, ip: &str) -> Option<String> {
    let address: std::net::IpAddr = ip.parse().ok()?;
    let record: GeoRecord = reader.lookup(address).ok()?.decode().ok()??;
    record
        .country_code
        .or_else(|| record.country.and_then(|c| c.iso_code))
        .filter(|c| c.len() == 2)
        .map(|c| c.to_ascii_uppercase())
}

/// Opens a MaxMind-format country database, saying which file failed and why.
pub fn open_geoip(path: &std::path::Path) -> Result<maxminddb::Reader<Vec<u8>>, String> {
    maxminddb::Reader::open_readfile(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A new serve's id (also its click id): a ULID, milliseconds first, then 80 random bits.
/// Events are keyed by it, and keys that grow with time land at the end of the key index,
/// a few pages per commit, where random ids dirtied about one page per event (SQLite, 500k
/// events stored: a 27-event commit took 0.95 ms with ordered keys, 3.0 ms with random
/// ones). Tokens issued before keep their ids, so a retried beacon still meets its key.
fn time_ordered_id(clock: &dyn Clock) -> String {
    let millis = u64::try_from(clock.unix_millis()).unwrap_or(0);
    ulid::Ulid::from_parts(millis, rand::rng().random::<u128>()).to_string()
}

fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// `mobile`, `tablet` or `desktop` from a user agent.
pub fn device_of(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("ipad") || ua.contains("tablet") || (ua.contains("android") && !ua.contains("mobile")) {
        "tablet"
    } else if ua.contains("mobi") || ua.contains("iphone") || ua.contains("android") {
        "mobile"
    } else {
        "desktop"
    }
}

/// Bytes of HMAC-SHA256 a serve token carries. Only a tag of exactly this length is
/// accepted: a shorter one would be guessable (one byte: 256 tries).
const TOKEN_TAG_BYTES: usize = 16;

/// An HMAC-SHA256 with `key` absorbed, to be copied for each message: the key's two padded
/// blocks are hashed once, not per message.
fn keyed_hmac(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// Signs serve tokens and opens them again: `payload.tag`, both URL-safe base64.
pub struct TokenSigner {
    /// From `keyed_hmac`: each token costs a copy of this state.
    keyed: HmacSha256,
}

impl TokenSigner {
    pub fn new(key: &[u8]) -> Self {
        TokenSigner { keyed: keyed_hmac(key) }
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(payload);
        mac
    }

    pub fn sign(&self, token: &ServeToken) -> String {
        let payload = serde_json::to_vec(token).unwrap_or_default();
        let tag = self.mac(&payload).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(&tag[..TOKEN_TAG_BYTES])
        )
    }

    /// The token's content when its full-length signature holds (expiry is the caller's).
    pub fn open(&self, text: &str) -> Option<ServeToken> {
        let (payload, tag) = text.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != TOKEN_TAG_BYTES {
            return None;
        }
        // Constant-time comparison of the leading bytes of the MAC.
        self.mac(&payload).verify_truncated_left(&tag).ok()?;
        serde_json::from_slice(&payload).ok()
    }
}

impl Tracking {
    /// Events waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.writer.depth()
    }

    /// Loads the token-signing key, making one on first start.
    pub async fn new(store: SharedStore, clock: Arc<dyn Clock>, writer: EventWriter) -> Result<Tracking, StoreError> {
        let key = store
            .server_secret("tracking_key".into(), random_token(32), clock.unix())
            .await?;
        Ok(Tracking {
            store,
            clock,
            signer: TokenSigner::new(key.as_bytes()),
            writer,
            salt: Refreshing::default(),
            properties: Refreshing::default(),
            offers: Refreshing::default(),
            experiments: RefreshingMap::default(),
            allocations: RefreshingMap::default(),
            geoip: None,
        })
    }

    /// Looks countries up in this database when a request has no country header.
    pub fn with_geoip(mut self, reader: maxminddb::Reader<Vec<u8>>) -> Self {
        self.geoip = Some(reader);
        self
    }

    /// ISO country of an address from the country database, if one is configured.
    pub fn country_of(&self, ip: &str) -> Option<String> {
        country_in(self.geoip.as_ref()?, ip)
    }

    /// Drops cached properties and offers: call after saving either.
    pub fn forget_cached(&self) {
        self.properties.forget();
        self.offers.forget();
    }

    /// Properties, from a copy at most `CACHE_TTL_MS` old (or, while one caller reloads it, a
    /// little older).
    pub async fn properties(&self) -> Result<Arc<Vec<Property>>, StoreError> {
        self.properties
            .get(monotonic_ms(), CACHE_TTL_MS, || async {
                let stored = self.store.list_properties().await?;
                Ok(Arc::new(stored.into_iter().map(Into::into).collect()))
            })
            .await
    }

    /// Offers, from a copy at most `CACHE_TTL_MS` old (or, while one caller reloads it, a
    /// little older).
    pub async fn offers(&self) -> Result<Arc<Vec<Offer>>, StoreError> {
        self.offers
            .get(monotonic_ms(), CACHE_TTL_MS, || async {
                let stored = self.store.list_offers().await?;
                Ok(Arc::new(stored.into_iter().map(Into::into).collect()))
            })
            .await
    }

    pub fn sign(&self, token: &ServeToken) -> String {
        self.signer.sign(token)
    }

    /// The token's content when its signature holds and it has not expired.
    pub fn verify(&self, text: &str) -> Option<ServeToken> {
        let token = self.signer.open(text)?;
        let age = self.clock.unix() - token.issued_at;
        (-300..TOKEN_TTL_SECONDS).contains(&age).then_some(token)
    }

    /// Keyed hash of address + user agent + property under today's salt. Salts are random,
    /// one per UTC day, and only today's and yesterday's are kept: after two days a hash can
    /// no longer be tied to an address by anyone, us included.
    pub async fn visitor_hash(&self, visit: &Visit, property_id: i64) -> Result<String, StoreError> {
        let today = self.clock.now().date();
        let mut mac = self
            .salt
            .get_current(i64::from(today.to_julian_day()), 1, || self.load_salt(today))
            .await?;
        mac.update(visit.ip.as_bytes());
        mac.update(b"\n");
        mac.update(visit.user_agent.as_bytes());
        mac.update(b"\n");
        mac.update(property_id.to_string().as_bytes());
        Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// The day's salt from the store, made there by the first instance to ask (so every
    /// instance agrees on it); yesterday's is the oldest kept.
    async fn load_salt(&self, today: time::Date) -> Result<HmacSha256, StoreError> {
        let name = format!("visitor_salt:{today}");
        let salt = self
            .store
            .server_secret(name, random_token(32), self.clock.unix())
            .await?;
        if let Some(yesterday) = today.previous_day() {
            self.store
                .prune_server_secrets("visitor_salt:%".into(), format!("visitor_salt:{yesterday}"))
                .await?;
        }
        Ok(keyed_hmac(salt.as_bytes()))
    }

    fn today_hours(&self) -> (String, String) {
        let today = self.clock.now().date();
        (format!("{today}T00"), format!("{today}T23"))
    }

    fn country(&self, visit: &Visit) -> String {
        visit
            .country
            .as_deref()
            .and_then(rtbcat_core::shared::country::country_code)
            .or_else(|| self.country_of(&visit.ip))
            .unwrap_or_else(|| "ZZ".into())
    }

    /// Picks the offer to show on a property (active, in dates, under its daily and total
    /// caps, targeted at the visitor's country and device, on the property; else the
    /// property's fallback offer under the same rules), by the running experiment, the
    /// learned split or priority, and signs a token for it. None: nothing to show.
    pub async fn serve(
        &self,
        property: &Property,
        placement: Placement,
        visit: &Visit,
    ) -> Result<Option<ServedOffer>, TrackError> {
        if !property.active || !property.popup_enabled {
            return Ok(None);
        }
        let (first, last) = self.today_hours();
        let today = self.clock.now().date();
        let (country, device) = (self.country(visit), device_of(&visit.user_agent));
        let (own, fallback): (Vec<OfferCandidate>, Vec<OfferCandidate>) = self
            .store
            .offer_candidates(property.id, first, last)
            .await?
            .into_iter()
            .filter(|c| {
                delivery_rules(&c.offer)
                    .held_back(&delivered(c), today, &country, device)
                    .is_none()
            })
            .partition(|c| c.on_property);
        // The fallback offer stands in only when none of the property's own may be shown.
        let candidates: Vec<OfferCandidate> = if !own.is_empty() {
            own
        } else {
            fallback
                .into_iter()
                .filter(|c| Some(c.offer.id) == property.fallback_offer_id)
                .collect()
        };
        let weights: Vec<Candidate> = candidates
            .iter()
            .map(|c| Candidate {
                offer_id: c.offer.id,
                priority: c.offer.priority,
            })
            .collect();
        // A running experiment decides, when the visitor's arm can be served; else the usual draw.
        let arm = self.experiment_arm(property, placement, visit, &candidates).await?;
        let chosen = match &arm {
            Some(a) => a.offer_id,
            None => {
                // A learning property weighs its offers by their learned shares.
                let weights = match self.allocation(property.id).await? {
                    Some(split) => weights
                        .iter()
                        .map(|c| Candidate {
                            offer_id: c.offer_id,
                            priority: split
                                .iter()
                                .find(|a| a.offer_id == c.offer_id)
                                .map_or(1, |a| (a.share * 1_000_000.0).round().max(1.0) as i64),
                        })
                        .collect(),
                    None => weights,
                };
                let draw = f64::from(rand::rng().next_u32()) / (f64::from(u32::MAX) + 1.0);
                let Some(chosen) = rules::choose_offer(&weights, draw) else {
                    return Ok(None);
                };
                chosen
            }
        };
        let Some(mut offer) = candidates.into_iter().map(|c| c.offer).find(|o| o.id == chosen) else {
            return Ok(None);
        };
        if let Some(a) = &arm {
            // A variant arm shows the offer with its own title, tagline, CTA or image.
            if let Some(t) = &a.title {
                offer.display_title = t.clone();
            }
            if a.tagline.is_some() {
                offer.tagline = a.tagline.clone();
            }
            if let Some(c) = &a.cta_text {
                offer.cta_text = c.clone();
            }
            if a.image_url.is_some() {
                offer.image_url = a.image_url.clone();
            }
        }
        let token = self.sign(&ServeToken {
            serve_id: time_ordered_id(self.clock.as_ref()),
            offer_id: offer.id,
            property_id: property.id,
            placement: placement.as_str().into(),
            issued_at: self.clock.unix(),
            country,
            device: device.into(),
            arm_id: arm.as_ref().map(|a| a.id),
        });
        Ok(Some(ServedOffer {
            offer_id: offer.id,
            title: offer.display_title,
            tagline: offer.tagline,
            description: offer.description,
            cta_text: offer.cta_text,
            image_url: offer.image_url,
            impression_pixel_url: offer.impression_pixel_url,
            click_path: format!("/c/{token}"),
            token,
            placement: placement.as_str().into(),
            theme_primary: property.theme_primary.clone(),
            theme_accent: property.theme_accent.clone(),
            logo_url: property.logo_url.clone(),
        }))
    }

    /// `count` signed tokens for the offer this property would serve now, each a distinct
    /// serve (so each can be counted once): for load and crash tests.
    pub async fn load_test_tokens(&self, property: &Property, count: usize) -> Result<Vec<String>, TrackError> {
        let visit = Visit {
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0".into(),
            ..Visit::default()
        };
        let placement = Placement::parse(&property.popup_placement).unwrap_or(Placement::ThankYou);
        let served = self
            .serve(property, placement, &visit)
            .await?
            .ok_or_else(|| TrackError::Rejected(format!("property {} has no offer to serve", property.code)))?;
        let template = self.verify(&served.token).ok_or(TrackError::BadToken)?;
        Ok((0..count)
            .map(|_| {
                self.sign(&ServeToken {
                    serve_id: time_ordered_id(self.clock.as_ref()),
                    ..template.clone()
                })
            })
            .collect())
    }

    async fn event(
        &self,
        kind: PopupEventKind,
        key: String,
        token: &ServeToken,
        visit: &Visit,
    ) -> Result<PopupEvent, TrackError> {
        let bot = rules::is_bot_user_agent(&visit.user_agent);
        Ok(PopupEvent {
            kind: if bot { PopupEventKind::Bot } else { kind },
            event_key: key,
            occurred_at_ms: self.clock.unix_millis(),
            property_id: Some(token.property_id),
            offer_id: Some(token.offer_id),
            placement: token.placement.clone(),
            visitor_hash: self.visitor_hash(visit, token.property_id).await?,
            session_id: visit.session_id.chars().take(64).collect(),
            country: token.country.clone(),
            device: token.device.clone(),
            click_id: (kind == PopupEventKind::Click).then(|| token.serve_id.clone()),
            revenue_micros: 0,
            transaction_id: None,
            attributed: true,
            arm_id: token.arm_id,
        })
    }

    /// Counts a bot's request for an offer (it is shown none) in the property's bot hits, under
    /// offer 0, since no offer was involved. Written like every event: durable when it returns.
    pub async fn bot_request(
        &self,
        property: &Property,
        placement: Placement,
        visit: &Visit,
    ) -> Result<(), TrackError> {
        let event = PopupEvent {
            kind: PopupEventKind::Bot,
            event_key: format!("b:{}", time_ordered_id(self.clock.as_ref())),
            occurred_at_ms: self.clock.unix_millis(),
            property_id: Some(property.id),
            offer_id: Some(0),
            placement: placement.as_str().into(),
            visitor_hash: String::new(),
            session_id: String::new(),
            country: self.country(visit),
            device: device_of(&visit.user_agent).into(),
            click_id: None,
            revenue_micros: 0,
            transaction_id: None,
            attributed: true,
            arm_id: None,
        };
        self.writer.record(event).await?;
        Ok(())
    }

    /// Records that the popup was shown. Ok(false): this serve's impression was already
    /// counted (a retried beacon), or the visitor is a bot (counted apart).
    /// `token`: from `verify` (the route checked it to find the property's CORS origin).
    pub async fn impression(&self, token: &ServeToken, visit: &Visit) -> Result<bool, TrackError> {
        let event = self
            .event(
                PopupEventKind::Impression,
                format!("i:{}", token.serve_id),
                token,
                visit,
            )
            .await?;
        let counted = event.kind == PopupEventKind::Impression;
        Ok(self.writer.record(event).await? && counted)
    }

    /// Records a click and answers the stored offer URL with our click id in the network's
    /// sub-id parameter. A second click on the same serve is not counted again.
    /// `token`: from `verify`.
    pub async fn click(&self, token: &ServeToken, visit: &Visit) -> Result<String, TrackError> {
        let offers = self.offers().await?;
        let offer = offers
            .iter()
            .find(|o| o.id == token.offer_id)
            .ok_or(TrackError::BadToken)?;
        let event = self
            .event(PopupEventKind::Click, format!("c:{}", token.serve_id), token, visit)
            .await?;
        self.writer.record(event).await?;
        Ok(rules::click_url_with_id(
            &offer.click_url,
            &offer.sub_id_param,
            &token.serve_id,
        ))
    }

    /// Attributes a conversion to the click it names (last click). Revenue is the payout
    /// given, else the offer's default; the same transaction twice counts once; an unknown
    /// click id is stored as unattributed rather than dropped.
    pub async fn postback(&self, postback: Postback) -> Result<PostbackOutcome, TrackError> {
        let click_id = postback.click_id.trim().to_string();
        if click_id.is_empty() || click_id.len() > 128 {
            return Err(TrackError::Rejected(
                "click_id is required (at most 128 characters)".into(),
            ));
        }
        if let Some(status) = postback.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let approved = matches!(
                status.to_ascii_lowercase().as_str(),
                "approved" | "1" | "ok" | "success" | "converted"
            );
            if !approved {
                return Ok(PostbackOutcome {
                    recorded: false,
                    attributed: false,
                    revenue_micros: 0,
                    offer_id: None,
                    note: Some(format!("status {status:?} is not an approved conversion; not counted")),
                });
            }
        }
        let payout = match postback.payout.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(text) => Some(
                rtbcat_core::shared::money::parse_money_micros(text)
                    .map_err(|e| TrackError::Rejected(format!("payout: {e}")))?,
            ),
            None => None,
        };
        if payout.is_some_and(|p| p < 0) {
            return Err(TrackError::Rejected("payout: cannot be negative".into()));
        }
        if payout.is_some_and(|p| p > rtbcat_core::shared::limits::MAX_PAYOUT_MICROS) {
            return Err(TrackError::Rejected(format!(
                "payout: at most {} per conversion",
                rtbcat_core::shared::money::format_micros(rtbcat_core::shared::limits::MAX_PAYOUT_MICROS)
            )));
        }
        let click = self.store.click_record(click_id.clone()).await?;
        let offer = match &click {
            Some(c) => self.offers().await?.iter().find(|o| o.id == c.offer_id).cloned(),
            None => None,
        };
        let revenue_micros = payout.or(offer.as_ref().map(|o| o.payout_micros)).unwrap_or(0);
        let transaction = postback
            .transaction_id
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(128).collect::<String>());
        let key = format!(
            "v:{}",
            transaction.clone().unwrap_or_else(|| format!("click:{click_id}"))
        );
        let event = PopupEvent {
            kind: PopupEventKind::Conversion,
            event_key: key,
            occurred_at_ms: self.clock.unix_millis(),
            property_id: click.as_ref().map(|c| c.property_id),
            offer_id: click.as_ref().map(|c| c.offer_id),
            placement: String::new(),
            visitor_hash: String::new(),
            session_id: String::new(),
            country: click.as_ref().map_or_else(|| "ZZ".into(), |c| c.country.clone()),
            device: click.as_ref().map_or_else(String::new, |c| c.device.clone()),
            click_id: Some(click_id),
            revenue_micros,
            transaction_id: transaction,
            attributed: click.is_some(),
            arm_id: click.as_ref().and_then(|c| c.arm_id),
        };
        let recorded = self.writer.record(event).await?;
        Ok(PostbackOutcome {
            recorded,
            attributed: click.is_some(),
            revenue_micros,
            offer_id: click.map(|c| c.offer_id),
            note: (!recorded).then(|| "this transaction was already counted".into()),
        })
    }
}

mod choice;
pub use choice::{delivered, delivery_rules};
mod writer;
pub use writer::EventWriter;
#[cfg(test)]
mod tests;
