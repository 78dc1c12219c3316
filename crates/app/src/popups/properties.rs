//! Properties: validated, saved with their audit line in one transaction, cached for
//! serving.

use super::ChangeError;
use crate::popups::tracking::Tracking;
use rtbcat_core::popups::PropertyInput;
use rtbcat_store::{AuditNote, SharedStore, StoreError};
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
    /// The offer shown when none of the property's own may be (capped, paused, out of dates,
    /// not targeted at the visitor).
    pub fallback_offer_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<rtbcat_store::Property> for Property {
    fn from(row: rtbcat_store::Property) -> Self {
        Property {
            id: row.id,
            code: row.code,
            name: row.name,
            domains: row.domains,
            active: row.active,
            popup_enabled: row.popup_enabled,
            popup_frequency: row.popup_frequency,
            popup_placement: row.popup_placement,
            theme_primary: row.theme_primary,
            theme_accent: row.theme_accent,
            logo_url: row.logo_url,
            fallback_offer_id: row.fallback_offer_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub async fn list(store: &SharedStore) -> Result<Vec<Property>, StoreError> {
    Ok(store.list_properties().await?.into_iter().map(Into::into).collect())
}

/// Creates (`id` None) or replaces a property; every problem named by its field.
pub async fn save(
    store: &SharedStore,
    tracking: &Tracking,
    id: Option<i64>,
    input: PropertyInput,
    actor: &str,
    now: i64,
) -> Result<Property, ChangeError> {
    let spec = input.validate().map_err(ChangeError::Invalid)?;
    if let Some(fallback) = spec.fallback_offer_id {
        if !store.list_offers().await?.iter().any(|o| o.id == fallback) {
            return Err(ChangeError::Invalid(vec![rtbcat_core::popups::FieldError {
                field: "fallback_offer_id".into(),
                reason: format!("there is no offer {fallback}"),
            }]));
        }
    }
    let action = if id.is_some() {
        "property.update"
    } else {
        "property.create"
    };
    let note = AuditNote {
        actor: actor.to_string(),
        action: action.into(),
    };
    let saved = store.save_property(id, spec, Some(note), now).await?;
    tracking.forget_cached();
    Ok(saved.into())
}

/// Deactivates a property: the popup stops there; its history stays.
pub async fn deactivate(
    store: &SharedStore,
    tracking: &Tracking,
    property: &Property,
    actor: &str,
    now: i64,
) -> Result<Property, ChangeError> {
    let spec = PropertyInput {
        active: Some(false),
        ..input_of(property)
    }
    .validate()
    .map_err(ChangeError::Invalid)?;
    let note = AuditNote {
        actor: actor.to_string(),
        action: "property.deactivate".into(),
    };
    let saved = store.save_property(Some(property.id), spec, Some(note), now).await?;
    tracking.forget_cached();
    Ok(saved.into())
}

/// A property back as input, to save it again with a change.
pub fn input_of(property: &Property) -> PropertyInput {
    PropertyInput {
        code: property.code.clone(),
        name: property.name.clone(),
        domains: property.domains.clone(),
        active: Some(property.active),
        popup_enabled: Some(property.popup_enabled),
        popup_frequency: Some(property.popup_frequency.clone()),
        popup_placement: Some(property.popup_placement.clone()),
        theme_primary: Some(property.theme_primary.clone()),
        theme_accent: Some(property.theme_accent.clone()),
        logo_url: property.logo_url.clone(),
        fallback_offer_id: property.fallback_offer_id,
    }
}
