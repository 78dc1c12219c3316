//! Tracking: offers that may be served, impression/click/conversion events with their hourly rollup, click lookup.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// An offer that may be served on a property, with today's counts for its caps.
#[derive(Debug, Clone)]
pub struct OfferCandidate {
    pub offer: Offer,
    pub impressions_today: i64,
    pub clicks_today: i64,
}

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
         CAST(COALESCE(t.impressions, 0) AS BIGINT), CAST(COALESCE(t.clicks, 0) AS BIGINT) \
         FROM offers o JOIN offer_properties op ON op.offer_id = o.id \
         LEFT JOIN (SELECT offer_id, SUM(impressions) AS impressions, SUM(clicks) AS clicks FROM popup_hourly \
                    WHERE hour >= ?2 AND hour <= ?3 GROUP BY offer_id) t ON t.offer_id = o.id \
         WHERE op.property_id = ?1 AND o.active ORDER BY o.id",
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
pub(crate) fn merge_hourly(changes: Vec<HourlyChange>) -> Vec<HourlyChange> {
    let mut merged: Vec<HourlyChange> = Vec::new();
    let mut index: std::collections::HashMap<(String, i64, i64, String, String), usize> =
        std::collections::HashMap::new();
    for change in changes {
        let key = (
            change.hour.clone(),
            change.property_id,
            change.offer_id,
            change.country.clone(),
            change.device.clone(),
        );
        match index.get(&key) {
            Some(&i) => {
                let into = &mut merged[i];
                into.impressions += change.impressions;
                into.clicks += change.clicks;
                into.conversions += change.conversions;
                into.revenue_micros += change.revenue_micros;
                into.bot_hits += change.bot_hits;
            }
            None => {
                index.insert(key, merged.len());
                merged.push(change);
            }
        }
    }
    merged
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
    /// was new (false: its key was already stored, so it counted before).
    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>>;

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>>;
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
