//! Offers (the popup spec's "campaigns"): validated, checked against the known
//! properties, saved with their audit line in one transaction; pause, resume, duplicate.

use super::ChangeError;
use crate::popups::tracking::Tracking;
use rtbcat_core::popups::{FieldError, OfferInput};
use rtbcat_store::{AuditNote, SharedStore, StoreError};
use serde::Serialize;

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
    /// Lifetime caps: once reached, the offer is not served again.
    pub total_impression_cap: Option<i64>,
    pub total_click_cap: Option<i64>,
    /// ISO codes it is shown in; empty: everywhere.
    pub countries: Vec<String>,
    /// `desktop`, `mobile`, `tablet`; empty: all.
    pub devices: Vec<String>,
    pub sub_id_param: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Codes of the properties it runs on.
    pub properties: Vec<String>,
}

impl From<rtbcat_store::Offer> for Offer {
    fn from(row: rtbcat_store::Offer) -> Self {
        Offer {
            id: row.id,
            network_campaign_id: row.network_campaign_id,
            affiliate_id: row.affiliate_id,
            name: row.name,
            display_title: row.display_title,
            tagline: row.tagline,
            description: row.description,
            cta_text: row.cta_text,
            image_url: row.image_url,
            click_url: row.click_url,
            impression_pixel_url: row.impression_pixel_url,
            payout_micros: row.payout_micros,
            currency: row.currency,
            active: row.active,
            priority: row.priority,
            start_date: row.start_date,
            end_date: row.end_date,
            daily_impression_cap: row.daily_impression_cap,
            daily_click_cap: row.daily_click_cap,
            total_impression_cap: row.total_impression_cap,
            total_click_cap: row.total_click_cap,
            countries: row.countries,
            devices: row.devices,
            sub_id_param: row.sub_id_param,
            notes: row.notes,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            properties: row.properties,
        }
    }
}

pub async fn list(store: &SharedStore) -> Result<Vec<Offer>, StoreError> {
    Ok(store.list_offers().await?.into_iter().map(Into::into).collect())
}

pub async fn find(store: &SharedStore, id: i64) -> Result<Offer, StoreError> {
    list(store)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("campaign {id}")))
}

/// Creates (`id` None) or replaces an offer. Unknown property codes are named by field
/// before anything is written.
pub async fn save(
    store: &SharedStore,
    tracking: &Tracking,
    id: Option<i64>,
    input: OfferInput,
    actor: &str,
    now: i64,
) -> Result<Offer, ChangeError> {
    let spec = input.validate().map_err(ChangeError::Invalid)?;
    let known: Vec<String> = store.list_properties().await?.into_iter().map(|p| p.code).collect();
    let unknown: Vec<FieldError> = spec
        .properties
        .iter()
        .filter(|code| !known.contains(code))
        .map(|code| FieldError {
            field: "properties".into(),
            reason: format!("no property has the code {code:?}"),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ChangeError::Invalid(unknown));
    }
    let action = if id.is_some() {
        "campaign.update"
    } else {
        "campaign.create"
    };
    let note = AuditNote {
        actor: actor.to_string(),
        action: action.into(),
    };
    let saved = store.save_offer(id, spec, note, now).await?;
    tracking.forget_cached();
    Ok(saved.into())
}

/// Pauses (`active` false) or resumes an offer.
pub async fn set_active(
    store: &SharedStore,
    tracking: &Tracking,
    id: i64,
    active: bool,
    actor: &str,
    now: i64,
) -> Result<Offer, ChangeError> {
    let offer = find(store, id).await?;
    let input = OfferInput {
        active: Some(active),
        ..input_of(&offer)
    };
    save(store, tracking, Some(id), input, actor, now).await
}

/// Deletes an offer that never served; one with tracked history is refused (pause it).
pub async fn delete(
    store: &SharedStore,
    tracking: &Tracking,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<(), ChangeError> {
    let note = AuditNote {
        actor: actor.to_string(),
        action: "campaign.delete".into(),
    };
    store.delete_offer(id, note, now).await?;
    tracking.forget_cached();
    Ok(())
}

/// Copies an offer as a new, paused one named "… (copy)".
pub async fn duplicate(
    store: &SharedStore,
    tracking: &Tracking,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<Offer, ChangeError> {
    let offer = find(store, id).await?;
    let name: String = format!("{} (copy)", offer.name).chars().take(120).collect();
    let input = OfferInput {
        name,
        active: Some(false),
        ..input_of(&offer)
    };
    save(store, tracking, None, input, actor, now).await
}

/// An offer back as input, to save it again with a change.
pub fn input_of(offer: &Offer) -> OfferInput {
    OfferInput {
        network_campaign_id: offer.network_campaign_id.clone(),
        affiliate_id: offer.affiliate_id.clone(),
        name: offer.name.clone(),
        display_title: offer.display_title.clone(),
        tagline: offer.tagline.clone(),
        description: offer.description.clone(),
        cta_text: Some(offer.cta_text.clone()),
        image_url: offer.image_url.clone(),
        click_url: offer.click_url.clone(),
        impression_pixel_url: offer.impression_pixel_url.clone(),
        payout: Some(serde_json::Value::String(rtbcat_core::shared::money::format_micros(
            offer.payout_micros,
        ))),
        currency: Some(offer.currency.clone()),
        active: Some(offer.active),
        priority: Some(offer.priority),
        start_date: offer.start_date.clone(),
        end_date: offer.end_date.clone(),
        daily_impression_cap: offer.daily_impression_cap,
        daily_click_cap: offer.daily_click_cap,
        total_impression_cap: offer.total_impression_cap,
        total_click_cap: offer.total_click_cap,
        countries: offer.countries.clone(),
        devices: offer.devices.clone(),
        sub_id_param: Some(offer.sub_id_param.clone()),
        notes: offer.notes.clone(),
        properties: offer.properties.clone(),
    }
}
