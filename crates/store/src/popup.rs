//! Offer-popup storage shared by both backends: the rows, the SQL (written once with `?N`
//! placeholders and CAST()s both engines accept) and one row mapping over either driver.

use crate::{StoreError, StoreResult};
use serde::Serialize;

/// A publisher property the popup runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Property {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub domains: Vec<String>,
    pub active: bool,
    pub popup_enabled: bool,
    pub popup_frequency: String,
    pub popup_placement: String,
    pub theme_primary: String,
    pub theme_accent: String,
    pub logo_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An affiliate offer (the spec's campaign).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub id: i64,
    pub network_campaign_id: String,
    pub affiliate_id: String,
    pub name: String,
    pub display_title: String,
    pub tagline: Option<String>,
    pub description: String,
    pub cta_text: String,
    pub image_url: Option<String>,
    pub click_url: String,
    pub impression_pixel_url: Option<String>,
    pub payout_micros: i64,
    pub currency: String,
    pub active: bool,
    pub priority: i64,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub daily_impression_cap: Option<i64>,
    pub daily_click_cap: Option<i64>,
    pub sub_id_param: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Codes of the properties it runs on.
    pub properties: Vec<String>,
}

/// An affiliate network's postback settings. The secret never leaves the server: it is
/// skipped when serialised, and `has_secret` says whether there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Network {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub postback_secret: Option<String>,
    pub has_secret: bool,
    pub allow_ips: Vec<String>,
    pub click_id_param: String,
    pub payout_param: String,
    pub transaction_id_param: String,
    pub status_param: String,
    pub secret_param: String,
    pub created_at: i64,
    pub updated_at: i64,
}

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
}

/// What a postback needs to know about the click it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickRecord {
    pub click_id: String,
    pub property_id: i64,
    pub offer_id: i64,
    pub country: String,
    pub device: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalyticsGroup {
    Day,
    Hour,
    Offer,
    Property,
    Country,
    Device,
}

#[derive(Debug, Clone)]
pub struct AnalyticsFilter {
    pub property_id: Option<i64>,
    pub offer_id: Option<i64>,
    /// Inclusive, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub group_by: AnalyticsGroup,
}

/// Sums for one group of the hourly rollup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyticsRow {
    pub key: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub revenue_micros: i64,
    pub bot_hits: i64,
}

/// Rewrites `?N` placeholders as PostgreSQL's `$N`.
pub(crate) fn pg(sql: &str) -> String {
    sql.replace('?', "$")
}

pub(crate) const SELECT_PROPERTIES: &str = "SELECT id, code, name, domains, active, popup_enabled, popup_frequency, \
     popup_placement, theme_primary, theme_accent, logo_url, created_at, updated_at FROM properties";
pub(crate) const INSERT_PROPERTY: &str = "INSERT INTO properties (code, name, domains, active, popup_enabled, \
     popup_frequency, popup_placement, theme_primary, theme_accent, logo_url, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING id";
pub(crate) const UPDATE_PROPERTY: &str = "UPDATE properties SET code = ?1, name = ?2, domains = ?3, active = ?4, \
     popup_enabled = ?5, popup_frequency = ?6, popup_placement = ?7, theme_primary = ?8, theme_accent = ?9, \
     logo_url = ?10, updated_at = ?11 WHERE id = ?12 RETURNING id";

pub(crate) const OFFER_COLUMNS: &str = "network_campaign_id, affiliate_id, name, display_title, tagline, \
     description, cta_text, image_url, click_url, impression_pixel_url, payout_micros, currency, active, priority, \
     start_date, end_date, daily_impression_cap, daily_click_cap, sub_id_param, notes";
pub(crate) fn select_offers() -> String {
    format!("SELECT id, {OFFER_COLUMNS}, created_by, created_at, updated_at FROM offers")
}
pub(crate) const INSERT_OFFER: &str = "INSERT INTO offers (network_campaign_id, affiliate_id, name, display_title, \
     tagline, description, cta_text, image_url, click_url, impression_pixel_url, payout_micros, currency, active, \
     priority, start_date, end_date, daily_impression_cap, daily_click_cap, sub_id_param, notes, created_by, \
     created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
     ?18, ?19, ?20, ?21, ?22, ?22) RETURNING id";
pub(crate) const UPDATE_OFFER: &str = "UPDATE offers SET network_campaign_id = ?1, affiliate_id = ?2, name = ?3, \
     display_title = ?4, tagline = ?5, description = ?6, cta_text = ?7, image_url = ?8, click_url = ?9, \
     impression_pixel_url = ?10, payout_micros = ?11, currency = ?12, active = ?13, priority = ?14, \
     start_date = ?15, end_date = ?16, daily_impression_cap = ?17, daily_click_cap = ?18, sub_id_param = ?19, \
     notes = ?20, updated_at = ?21 WHERE id = ?22 RETURNING id";
/// The values of INSERT_OFFER / UPDATE_OFFER parameters ?1..?20 as references, for either
/// driver: the caller's `Vec<&dyn ToSql>` annotation picks the trait object.
macro_rules! offer_values {
    ($spec:expr, $start_date:expr, $end_date:expr) => {
        vec![
            &$spec.network_campaign_id,
            &$spec.affiliate_id,
            &$spec.name,
            &$spec.display_title,
            &$spec.tagline,
            &$spec.description,
            &$spec.cta_text,
            &$spec.image_url,
            &$spec.click_url,
            &$spec.impression_pixel_url,
            &$spec.payout_micros,
            &$spec.currency,
            &$spec.active,
            &$spec.priority,
            &$start_date,
            &$end_date,
            &$spec.daily_impression_cap,
            &$spec.daily_click_cap,
            &$spec.sub_id_param,
            &$spec.notes,
        ]
    };
}
pub(crate) use offer_values;

pub(crate) const SELECT_NETWORKS: &str = "SELECT id, name, postback_secret, allow_ips, click_id_param, payout_param, \
     transaction_id_param, status_param, secret_param, created_at, updated_at FROM affiliate_networks";
pub(crate) const INSERT_NETWORK: &str = "INSERT INTO affiliate_networks (name, postback_secret, allow_ips, \
     click_id_param, payout_param, transaction_id_param, status_param, secret_param, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id";
/// An update without a new secret keeps the stored one.
pub(crate) const UPDATE_NETWORK: &str = "UPDATE affiliate_networks SET name = ?1, \
     postback_secret = COALESCE(?2, postback_secret), allow_ips = ?3, click_id_param = ?4, payout_param = ?5, \
     transaction_id_param = ?6, status_param = ?7, secret_param = ?8, updated_at = ?9 WHERE id = ?10 RETURNING id";

pub(crate) fn network_from(row: &impl Columns) -> StoreResult<Network> {
    let secret = row.opt_text_at(2)?;
    Ok(Network {
        id: row.i64_at(0)?,
        name: row.text_at(1)?,
        has_secret: secret.is_some(),
        postback_secret: secret,
        allow_ips: serde_json::from_str(&row.text_at(3)?)
            .map_err(|e| StoreError::Backend(format!("stored allow_ips are not a JSON list: {e}")))?,
        click_id_param: row.text_at(4)?,
        payout_param: row.text_at(5)?,
        transaction_id_param: row.text_at(6)?,
        status_param: row.text_at(7)?,
        secret_param: row.text_at(8)?,
        created_at: row.i64_at(9)?,
        updated_at: row.i64_at(10)?,
    })
}

pub(crate) const OFFER_PROPERTY_CODES: &str = "SELECT op.offer_id, p.code FROM offer_properties op \
     JOIN properties p ON p.id = op.property_id ORDER BY op.offer_id, p.code";
pub(crate) const PROPERTY_ID_BY_CODE: &str = "SELECT id FROM properties WHERE code = ?1";
pub(crate) const CLEAR_OFFER_PROPERTIES: &str = "DELETE FROM offer_properties WHERE offer_id = ?1";
pub(crate) const ADD_OFFER_PROPERTY: &str = "INSERT INTO offer_properties (offer_id, property_id) VALUES (?1, ?2)";

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
     placement, visitor_hash, session_id, country, device, click_id, revenue_micros, transaction_id, attributed) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (event_key) DO NOTHING";
pub(crate) const ADD_TO_HOURLY: &str = "INSERT INTO popup_hourly (hour, property_id, offer_id, country, device, \
     impressions, clicks, conversions, revenue_micros, bot_hits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
     ON CONFLICT (hour, property_id, offer_id, country, device) DO UPDATE SET \
     impressions = popup_hourly.impressions + excluded.impressions, clicks = popup_hourly.clicks + excluded.clicks, \
     conversions = popup_hourly.conversions + excluded.conversions, \
     revenue_micros = popup_hourly.revenue_micros + excluded.revenue_micros, \
     bot_hits = popup_hourly.bot_hits + excluded.bot_hits";
pub(crate) const CLICK_BY_ID: &str = "SELECT click_id, property_id, offer_id, country, device FROM popup_events \
     WHERE click_id = ?1 AND kind = 'click'";
pub(crate) const SECRET_INSERT: &str =
    "INSERT INTO server_secrets (name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING";
pub(crate) const SECRET_SELECT: &str = "SELECT value FROM server_secrets WHERE name = ?1";
pub(crate) const SECRET_PRUNE: &str = "DELETE FROM server_secrets WHERE name LIKE ?1 AND name < ?2";

pub(crate) fn analytics_sql(group: AnalyticsGroup) -> String {
    let key = match group {
        AnalyticsGroup::Day => "substr(hour, 1, 10)",
        AnalyticsGroup::Hour => "hour",
        AnalyticsGroup::Offer => "CAST(offer_id AS TEXT)",
        AnalyticsGroup::Property => "CAST(property_id AS TEXT)",
        AnalyticsGroup::Country => "country",
        AnalyticsGroup::Device => "device",
    };
    format!(
        "SELECT {key} AS k, CAST(SUM(impressions) AS BIGINT), CAST(SUM(clicks) AS BIGINT), \
         CAST(SUM(conversions) AS BIGINT), CAST(SUM(revenue_micros) AS BIGINT), CAST(SUM(bot_hits) AS BIGINT) \
         FROM popup_hourly WHERE (CAST(?1 AS BIGINT) IS NULL OR property_id = ?1) \
         AND (CAST(?2 AS BIGINT) IS NULL OR offer_id = ?2) AND hour >= ?3 AND hour <= ?4 \
         GROUP BY {key} ORDER BY k"
    )
}

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

/// Column access over either driver's row, so each row type is mapped once.
pub(crate) trait Columns {
    fn i64_at(&self, i: usize) -> StoreResult<i64>;
    fn opt_i64_at(&self, i: usize) -> StoreResult<Option<i64>>;
    fn text_at(&self, i: usize) -> StoreResult<String>;
    fn opt_text_at(&self, i: usize) -> StoreResult<Option<String>>;
    fn bool_at(&self, i: usize) -> StoreResult<bool>;
}

impl Columns for rusqlite::Row<'_> {
    fn i64_at(&self, i: usize) -> StoreResult<i64> {
        Ok(self.get(i)?)
    }
    fn opt_i64_at(&self, i: usize) -> StoreResult<Option<i64>> {
        Ok(self.get(i)?)
    }
    fn text_at(&self, i: usize) -> StoreResult<String> {
        Ok(self.get(i)?)
    }
    fn opt_text_at(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.get(i)?)
    }
    fn bool_at(&self, i: usize) -> StoreResult<bool> {
        Ok(self.get(i)?)
    }
}

impl Columns for tokio_postgres::Row {
    fn i64_at(&self, i: usize) -> StoreResult<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_i64_at(&self, i: usize) -> StoreResult<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn text_at(&self, i: usize) -> StoreResult<String> {
        Ok(self.try_get(i)?)
    }
    fn opt_text_at(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.try_get(i)?)
    }
    fn bool_at(&self, i: usize) -> StoreResult<bool> {
        Ok(self.try_get(i)?)
    }
}

pub(crate) fn property_from(row: &impl Columns) -> StoreResult<Property> {
    let domains: Vec<String> = serde_json::from_str(&row.text_at(3)?)
        .map_err(|e| StoreError::Backend(format!("stored domains are not a JSON list: {e}")))?;
    Ok(Property {
        id: row.i64_at(0)?,
        code: row.text_at(1)?,
        name: row.text_at(2)?,
        domains,
        active: row.bool_at(4)?,
        popup_enabled: row.bool_at(5)?,
        popup_frequency: row.text_at(6)?,
        popup_placement: row.text_at(7)?,
        theme_primary: row.text_at(8)?,
        theme_accent: row.text_at(9)?,
        logo_url: row.opt_text_at(10)?,
        created_at: row.i64_at(11)?,
        updated_at: row.i64_at(12)?,
    })
}

/// An offer row as `select_offers()` (or the candidates query) lays it out.
pub(crate) fn offer_from(row: &impl Columns) -> StoreResult<Offer> {
    Ok(Offer {
        id: row.i64_at(0)?,
        network_campaign_id: row.text_at(1)?,
        affiliate_id: row.text_at(2)?,
        name: row.text_at(3)?,
        display_title: row.text_at(4)?,
        tagline: row.opt_text_at(5)?,
        description: row.text_at(6)?,
        cta_text: row.text_at(7)?,
        image_url: row.opt_text_at(8)?,
        click_url: row.text_at(9)?,
        impression_pixel_url: row.opt_text_at(10)?,
        payout_micros: row.i64_at(11)?,
        currency: row.text_at(12)?,
        active: row.bool_at(13)?,
        priority: row.i64_at(14)?,
        start_date: row.opt_text_at(15)?,
        end_date: row.opt_text_at(16)?,
        daily_impression_cap: row.opt_i64_at(17)?,
        daily_click_cap: row.opt_i64_at(18)?,
        sub_id_param: row.text_at(19)?,
        notes: row.opt_text_at(20)?,
        created_by: row.text_at(21)?,
        created_at: row.i64_at(22)?,
        updated_at: row.i64_at(23)?,
        properties: Vec::new(),
    })
}

pub(crate) fn analytics_from(row: &impl Columns) -> StoreResult<AnalyticsRow> {
    Ok(AnalyticsRow {
        key: row.text_at(0)?,
        impressions: row.i64_at(1)?,
        clicks: row.i64_at(2)?,
        conversions: row.i64_at(3)?,
        revenue_micros: row.i64_at(4)?,
        bot_hits: row.i64_at(5)?,
    })
}

pub(crate) fn click_from(row: &impl Columns) -> StoreResult<ClickRecord> {
    Ok(ClickRecord {
        click_id: row.text_at(0)?,
        property_id: row.i64_at(1)?,
        offer_id: row.i64_at(2)?,
        country: row.text_at(3)?,
        device: row.text_at(4)?,
    })
}

/// Puts each offer's property codes on it.
pub(crate) fn attach_properties(offers: &mut [Offer], codes: Vec<(i64, String)>) {
    for (offer_id, code) in codes {
        if let Some(offer) = offers.iter_mut().find(|o| o.id == offer_id) {
            offer.properties.push(code);
        }
    }
}

/// A list stored as JSON text (property domains, network address allow-lists).
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_buckets_are_utc() {
        assert_eq!(hour_bucket(1_763_790_000_000), "2025-11-22T05");
        assert_eq!(hour_bucket(0), "1970-01-01T00");
    }

    #[test]
    fn placeholders_become_postgres_style() {
        assert_eq!(pg("a = ?1 AND b = ?12"), "a = $1 AND b = $12");
    }
}
