//! Tracking: offers that may be served, impression/click/conversion events with their hourly rollup, click lookup.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// An active offer on a property (or its fallback), with what it delivered for its caps.
#[derive(Debug, Clone)]
pub struct OfferCandidate {
    pub offer: Offer,
    pub impressions_today: i64,
    pub clicks_today: i64,
    pub impressions_total: i64,
    pub clicks_total: i64,
    /// False for the property's fallback offer when it is not one of the property's own.
    pub on_property: bool,
}

/// One minute of a property's and offer's events, for the real-time view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinuteTotals {
    /// Unix time / 60.
    pub minute: i64,
    pub property_id: i64,
    pub offer_id: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
}

/// How many minutes of the per-minute rollup are kept behind the newest event.
pub const MINUTES_KEPT: i64 = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupEventKind {
    Impression,
    Click,
    Conversion,
    /// A hit from a bot: counted in the rollup's bot_hits, never as an event.
    Bot,
}

impl PopupEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PopupEventKind::Impression => "impression",
            PopupEventKind::Click => "click",
            PopupEventKind::Conversion => "conversion",
            PopupEventKind::Bot => "bot",
        }
    }
}

/// One tracked event. `event_key` is what makes a repeat count once.
#[derive(Debug, Clone)]
pub struct PopupEvent {
    pub kind: PopupEventKind,
    pub event_key: String,
    pub occurred_at_ms: i64,
    pub property_id: Option<i64>,
    pub offer_id: Option<i64>,
    pub placement: String,
    pub visitor_hash: String,
    pub session_id: String,
    pub country: String,
    pub device: String,
    pub click_id: Option<String>,
    pub revenue_micros: i64,
    pub transaction_id: Option<String>,
    pub attributed: bool,
    /// The experiment arm the visitor was in, when the serve was part of an A/B test.
    pub arm_id: Option<i64>,
}

/// What a postback needs to know about the click it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickRecord {
    pub click_id: String,
    pub property_id: i64,
    pub offer_id: i64,
    pub country: String,
    pub device: String,
    pub arm_id: Option<i64>,
}

pub(crate) fn offer_candidates_sql() -> String {
    format!(
        "SELECT o.id, {}, o.created_by, o.created_at, o.updated_at, \
         CAST(COALESCE(t.impressions, 0) AS BIGINT), CAST(COALESCE(t.clicks, 0) AS BIGINT), \
         CAST(COALESCE(ot.impressions, 0) AS BIGINT), CAST(COALESCE(ot.clicks, 0) AS BIGINT), \
         EXISTS (SELECT 1 FROM offer_properties op WHERE op.offer_id = o.id AND op.property_id = ?1) \
         FROM offers o \
         LEFT JOIN (SELECT offer_id, SUM(impressions) AS impressions, SUM(clicks) AS clicks FROM popup_hourly \
                    WHERE hour >= ?2 AND hour <= ?3 GROUP BY offer_id) t ON t.offer_id = o.id \
         LEFT JOIN offer_totals ot ON ot.offer_id = o.id \
         WHERE o.active AND (o.id IN (SELECT offer_id FROM offer_properties WHERE property_id = ?1) \
               OR o.id = (SELECT fallback_offer_id FROM properties WHERE id = ?1)) \
         ORDER BY o.id",
        OFFER_COLUMNS
            .split(", ")
            .map(|c| format!("o.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub(crate) const INSERT_EVENT: &str = "INSERT INTO popup_events (event_key, kind, occurred_at, property_id, offer_id, \
     placement, visitor_hash, session_id, country, device, click_id, revenue_micros, transaction_id, attributed, arm_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT (event_key) DO NOTHING";

pub(crate) const ADD_TO_HOURLY: &str = "INSERT INTO popup_hourly (hour, property_id, offer_id, country, device, \
     impressions, clicks, conversions, revenue_micros, bot_hits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
     ON CONFLICT (hour, property_id, offer_id, country, device) DO UPDATE SET \
     impressions = popup_hourly.impressions + excluded.impressions, clicks = popup_hourly.clicks + excluded.clicks, \
     conversions = popup_hourly.conversions + excluded.conversions, \
     revenue_micros = popup_hourly.revenue_micros + excluded.revenue_micros, \
     bot_hits = popup_hourly.bot_hits + excluded.bot_hits";

/// An offer candidate row: the offer, then its counts and whether it is the property's own.
pub(crate) fn candidate_from(row: &impl Columns) -> StoreResult<OfferCandidate> {
    Ok(OfferCandidate {
        offer: offer_from(row)?,
        impressions_today: row.col::<i64>(OFFER_ROW_WIDTH)?,
        clicks_today: row.col::<i64>(OFFER_ROW_WIDTH + 1)?,
        impressions_total: row.col::<i64>(OFFER_ROW_WIDTH + 2)?,
        clicks_total: row.col::<i64>(OFFER_ROW_WIDTH + 3)?,
        on_property: row.col::<bool>(OFFER_ROW_WIDTH + 4)?,
    })
}

pub(crate) const ADD_TO_MINUTELY: &str = "INSERT INTO popup_minutely (minute, property_id, offer_id, impressions, \
     clicks, conversions, revenue_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
     ON CONFLICT (minute, property_id, offer_id) DO UPDATE SET \
     impressions = popup_minutely.impressions + excluded.impressions, \
     clicks = popup_minutely.clicks + excluded.clicks, \
     conversions = popup_minutely.conversions + excluded.conversions, \
     revenue_micros = popup_minutely.revenue_micros + excluded.revenue_micros";

pub(crate) const PRUNE_MINUTELY: &str = "DELETE FROM popup_minutely WHERE minute < ?1";

pub(crate) const ADD_TO_OFFER_TOTALS: &str = "INSERT INTO offer_totals (offer_id, impressions, clicks) \
     VALUES (?1, ?2, ?3) ON CONFLICT (offer_id) DO UPDATE SET \
     impressions = offer_totals.impressions + excluded.impressions, clicks = offer_totals.clicks + excluded.clicks";

pub(crate) const MINUTES_SINCE: &str = "SELECT minute, property_id, offer_id, impressions, clicks, conversions, \
     revenue_micros FROM popup_minutely WHERE minute >= ?1 AND (CAST(?2 AS BIGINT) IS NULL OR property_id = ?2) \
     ORDER BY minute, property_id, offer_id";

pub(crate) fn minute_from(row: &impl Columns) -> StoreResult<MinuteTotals> {
    Ok(MinuteTotals {
        minute: row.col::<i64>(0)?,
        property_id: row.col::<i64>(1)?,
        offer_id: row.col::<i64>(2)?,
        impressions: row.col::<i64>(3)?,
        clicks: row.col::<i64>(4)?,
        conversions: row.col::<i64>(5)?,
        revenue_micros: row.col::<i64>(6)?,
    })
}

pub(crate) const CLICK_BY_ID: &str =
    "SELECT click_id, property_id, offer_id, country, device, arm_id FROM popup_events \
     WHERE click_id = ?1 AND kind = 'click'";

/// Hour bucket of an event time: `YYYY-MM-DDTHH` in UTC.
pub(crate) fn hour_bucket(occurred_at_ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(occurred_at_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{}T{:02}", at.date(), at.hour())
}

/// The rollup row an event adds to, if any; unattributed conversions have none.
pub(crate) struct HourlyChange {
    pub hour: String,
    /// Unix minute of the event, for the per-minute rollup.
    pub minute: i64,
    pub property_id: i64,
    pub offer_id: i64,
    pub country: String,
    pub device: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    pub bot_hits: i64,
}

pub(crate) fn hourly_change(event: &PopupEvent) -> Option<HourlyChange> {
    if !event.attributed {
        return None;
    }
    let one = |kind: PopupEventKind| i64::from(event.kind == kind);
    Some(HourlyChange {
        hour: hour_bucket(event.occurred_at_ms),
        minute: event.occurred_at_ms.div_euclid(60_000),
        property_id: event.property_id.unwrap_or(0),
        offer_id: event.offer_id.unwrap_or(0),
        country: event.country.clone(),
        device: event.device.clone(),
        impressions: one(PopupEventKind::Impression),
        clicks: one(PopupEventKind::Click),
        conversions: one(PopupEventKind::Conversion),
        revenue_micros: if event.kind == PopupEventKind::Conversion {
            event.revenue_micros
        } else {
            0
        },
        bot_hits: one(PopupEventKind::Bot),
    })
}

/// Sums the rollup changes of a batch by rollup key: one upsert per key, not per event.
/// The result is in key order, so concurrent batches lock rollup rows in the same order
/// and cannot deadlock.
pub(crate) fn merge_hourly(changes: Vec<HourlyChange>) -> Vec<HourlyChange> {
    let mut merged: std::collections::BTreeMap<(String, i64, i64, String, String), HourlyChange> =
        std::collections::BTreeMap::new();
    for change in changes {
        let key = (
            change.hour.clone(),
            change.property_id,
            change.offer_id,
            change.country.clone(),
            change.device.clone(),
        );
        match merged.entry(key) {
            std::collections::btree_map::Entry::Occupied(mut entry) => {
                let into = entry.get_mut();
                into.impressions += change.impressions;
                into.clicks += change.clicks;
                into.conversions += change.conversions;
                into.revenue_micros += change.revenue_micros;
                into.bot_hits += change.bot_hits;
            }
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(change);
            }
        }
    }
    merged.into_values().collect()
}

/// The per-minute rollup changes of a batch (bot hits have none), summed by minute,
/// property and offer, in key order.
pub(crate) fn merge_minutes(changes: &[HourlyChange]) -> Vec<MinuteTotals> {
    let mut merged: std::collections::BTreeMap<(i64, i64, i64), MinuteTotals> = std::collections::BTreeMap::new();
    for c in changes.iter().filter(|c| c.bot_hits == 0) {
        let into = merged
            .entry((c.minute, c.property_id, c.offer_id))
            .or_insert_with(|| MinuteTotals {
                minute: c.minute,
                property_id: c.property_id,
                offer_id: c.offer_id,
                impressions: 0,
                clicks: 0,
                conversions: 0,
                revenue_micros: 0,
            });
        into.impressions += c.impressions;
        into.clicks += c.clicks;
        into.conversions += c.conversions;
        into.revenue_micros += c.revenue_micros;
    }
    merged.into_values().collect()
}

/// Lifetime impressions and clicks a batch adds per offer: `(offer_id, impressions, clicks)`.
pub(crate) fn merge_offer_totals(changes: &[HourlyChange]) -> Vec<(i64, i64, i64)> {
    let mut totals: std::collections::BTreeMap<i64, (i64, i64)> = std::collections::BTreeMap::new();
    for c in changes.iter().filter(|c| c.impressions + c.clicks > 0) {
        let entry = totals.entry(c.offer_id).or_default();
        entry.0 += c.impressions;
        entry.1 += c.clicks;
    }
    totals.into_iter().map(|(offer, (i, c))| (offer, i, c)).collect()
}

pub(crate) fn click_from(row: &impl Columns) -> StoreResult<ClickRecord> {
    Ok(ClickRecord {
        click_id: row.col::<String>(0)?,
        property_id: row.col::<i64>(1)?,
        offer_id: row.col::<i64>(2)?,
        country: row.col::<String>(3)?,
        device: row.col::<String>(4)?,
        arm_id: row.col::<Option<i64>>(5)?,
    })
}

#[async_trait]
pub trait TrackingStore: Send + Sync {
    /// Active offers on a property with their impressions and clicks between two hour buckets.
    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>>;

    /// Writes a batch of events and their rollup in one transaction; per event, whether it
    /// was new (false: its key was already stored, so it counted before). Batches from
    /// several server instances may be written at once.
    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>>;

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>>;

    /// The per-minute rollup from `since_minute` on, for one property or all.
    async fn popup_minutes(&self, property_id: Option<i64>, since_minute: i64) -> StoreResult<Vec<MinuteTotals>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_buckets_are_utc() {
        assert_eq!(hour_bucket(1_763_790_000_000), "2025-11-22T05");
        assert_eq!(hour_bucket(0), "1970-01-01T00");
    }
}
