//! Affiliate offers (the popup spec's "campaigns") and the properties each runs on.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// An affiliate offer (the spec's campaign).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub total_impression_cap: Option<i64>,
    pub total_click_cap: Option<i64>,
    /// ISO codes it targets; empty: everywhere.
    pub countries: Vec<String>,
    /// Devices it targets; empty: all.
    pub devices: Vec<String>,
    pub sub_id_param: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Codes of the properties it runs on.
    pub properties: Vec<String>,
}

pub(crate) const OFFER_COLUMNS: &str = "network_campaign_id, affiliate_id, name, display_title, tagline, \
     description, cta_text, image_url, click_url, impression_pixel_url, payout_micros, currency, active, priority, \
     start_date, end_date, daily_impression_cap, daily_click_cap, sub_id_param, notes, total_impression_cap, \
     total_click_cap, countries, devices";

pub(crate) fn select_offers() -> String {
    format!("SELECT id, {OFFER_COLUMNS}, created_by, created_at, updated_at FROM offers")
}

pub(crate) const INSERT_OFFER: &str = "INSERT INTO offers (network_campaign_id, affiliate_id, name, display_title, \
     tagline, description, cta_text, image_url, click_url, impression_pixel_url, payout_micros, currency, active, \
     priority, start_date, end_date, daily_impression_cap, daily_click_cap, sub_id_param, notes, \
     total_impression_cap, total_click_cap, countries, devices, created_by, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, \
     ?23, ?24, ?25, ?26, ?26) RETURNING id";

pub(crate) const UPDATE_OFFER: &str = "UPDATE offers SET network_campaign_id = ?1, affiliate_id = ?2, name = ?3, \
     display_title = ?4, tagline = ?5, description = ?6, cta_text = ?7, image_url = ?8, click_url = ?9, \
     impression_pixel_url = ?10, payout_micros = ?11, currency = ?12, active = ?13, priority = ?14, \
     start_date = ?15, end_date = ?16, daily_impression_cap = ?17, daily_click_cap = ?18, sub_id_param = ?19, \
     notes = ?20, total_impression_cap = ?21, total_click_cap = ?22, countries = ?23, devices = ?24, \
     updated_at = ?25 WHERE id = ?26 RETURNING id";

/// The values of INSERT_OFFER / UPDATE_OFFER parameters ?1..?24 as references, for either
/// driver: the caller's `Vec<&dyn ToSql>` annotation picks the trait object. The dates and
/// the lists are passed already as their stored text.
macro_rules! offer_values {
    ($spec:expr, $start_date:expr, $end_date:expr, $countries:expr, $devices:expr) => {
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
            &$spec.total_impression_cap,
            &$spec.total_click_cap,
            &$countries,
            &$devices,
        ]
    };
}

pub(crate) use offer_values;

pub(crate) const OFFER_PROPERTY_CODES: &str = "SELECT op.offer_id, p.code FROM offer_properties op \
     JOIN properties p ON p.id = op.property_id ORDER BY op.offer_id, p.code";

pub(crate) const PROPERTY_ID_BY_CODE: &str = "SELECT id FROM properties WHERE code = ?1";

pub(crate) const CLEAR_OFFER_PROPERTIES: &str = "DELETE FROM offer_properties WHERE offer_id = ?1";

pub(crate) const ADD_OFFER_PROPERTY: &str = "INSERT INTO offer_properties (offer_id, property_id) VALUES (?1, ?2)";

/// An offer row as `select_offers()` (or the candidates query) lays it out.
pub(crate) fn offer_from(row: &impl Columns) -> StoreResult<Offer> {
    Ok(Offer {
        id: row.col::<i64>(0)?,
        network_campaign_id: row.col::<String>(1)?,
        affiliate_id: row.col::<String>(2)?,
        name: row.col::<String>(3)?,
        display_title: row.col::<String>(4)?,
        tagline: row.col::<Option<String>>(5)?,
        description: row.col::<String>(6)?,
        cta_text: row.col::<String>(7)?,
        image_url: row.col::<Option<String>>(8)?,
        click_url: row.col::<String>(9)?,
        impression_pixel_url: row.col::<Option<String>>(10)?,
        payout_micros: row.col::<i64>(11)?,
        currency: row.col::<String>(12)?,
        active: row.col::<bool>(13)?,
        priority: row.col::<i64>(14)?,
        start_date: row.col::<Option<String>>(15)?,
        end_date: row.col::<Option<String>>(16)?,
        daily_impression_cap: row.col::<Option<i64>>(17)?,
        daily_click_cap: row.col::<Option<i64>>(18)?,
        sub_id_param: row.col::<String>(19)?,
        notes: row.col::<Option<String>>(20)?,
        total_impression_cap: row.col::<Option<i64>>(21)?,
        total_click_cap: row.col::<Option<i64>>(22)?,
        countries: stored_list(&row.col::<String>(23)?),
        devices: stored_list(&row.col::<String>(24)?),
        created_by: row.col::<String>(25)?,
        created_at: row.col::<i64>(26)?,
        updated_at: row.col::<i64>(27)?,
        properties: Vec::new(),
    })
}

/// The columns an offer row has before the ones a query adds after it.
pub(crate) const OFFER_ROW_WIDTH: usize = 28;

/// A comma-separated stored list (`US,CA`); '' is the empty list.
fn stored_list(text: &str) -> Vec<String> {
    text.split(',').filter(|v| !v.is_empty()).map(str::to_string).collect()
}

/// Puts each offer's property codes on it.
pub(crate) fn attach_properties(offers: &mut [Offer], codes: Vec<(i64, String)>) {
    for (offer_id, code) in codes {
        if let Some(offer) = offers.iter_mut().find(|o| o.id == offer_id) {
            offer.properties.push(code);
        }
    }
}

#[async_trait]
pub trait OfferStore: Send + Sync {
    /// Creates (`id` None) or replaces an offer and the properties it runs on; `NotFound`
    /// names an unknown property code.
    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::OfferSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Offer>;

    async fn list_offers(&self) -> StoreResult<Vec<Offer>>;

    /// Deletes an offer that never served: `Refused` once it has tracked events (its
    /// history and the revenue it earned must stay; pause it instead).
    async fn delete_offer(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()>;
}

pub(crate) const OFFER_EVENT_COUNT: &str =
    "SELECT (SELECT COUNT(*) FROM popup_events WHERE offer_id = ?1) + (SELECT COUNT(*) FROM popup_hourly WHERE offer_id = ?1)";
pub(crate) const OFFER_NAME: &str = "SELECT name FROM offers WHERE id = ?1";
pub(crate) const DELETE_OFFER: &str = "DELETE FROM offers WHERE id = ?1";

/// Why an offer with history cannot be deleted.
pub(crate) fn has_history(events: i64) -> StoreError {
    StoreError::Refused(format!(
        "this offer has {events} tracked events or hours of history; pause it instead so its numbers stay"
    ))
}
