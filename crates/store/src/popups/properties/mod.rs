//! Publisher properties the popup runs on.

mod postgres;

mod sqlite;

use crate::sql::*;
use crate::*;
use async_trait::async_trait;

/// A publisher property the popup runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Shown when none of its offers may be.
    pub fallback_offer_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const SELECT_PROPERTIES: &str = "SELECT id, code, name, domains, active, popup_enabled, popup_frequency, \
     popup_placement, theme_primary, theme_accent, logo_url, created_at, updated_at, fallback_offer_id FROM properties";

pub(crate) const INSERT_PROPERTY: &str = "INSERT INTO properties (code, name, domains, active, popup_enabled, \
     popup_frequency, popup_placement, theme_primary, theme_accent, logo_url, fallback_offer_id, created_at, \
     updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) RETURNING id";

pub(crate) const UPDATE_PROPERTY: &str = "UPDATE properties SET code = ?1, name = ?2, domains = ?3, active = ?4, \
     popup_enabled = ?5, popup_frequency = ?6, popup_placement = ?7, theme_primary = ?8, theme_accent = ?9, \
     logo_url = ?10, fallback_offer_id = ?11, updated_at = ?12 WHERE id = ?13 RETURNING id";

pub(crate) fn property_from(row: &impl Columns) -> StoreResult<Property> {
    let domains: Vec<String> = serde_json::from_str(&row.col::<String>(3)?)
        .map_err(|e| StoreError::Backend(format!("stored domains are not a JSON list: {e}")))?;
    Ok(Property {
        id: row.col::<i64>(0)?,
        code: row.col::<String>(1)?,
        name: row.col::<String>(2)?,
        domains,
        active: row.col::<bool>(4)?,
        popup_enabled: row.col::<bool>(5)?,
        popup_frequency: row.col::<String>(6)?,
        popup_placement: row.col::<String>(7)?,
        theme_primary: row.col::<String>(8)?,
        theme_accent: row.col::<String>(9)?,
        logo_url: row.col::<Option<String>>(10)?,
        created_at: row.col::<i64>(11)?,
        updated_at: row.col::<i64>(12)?,
        fallback_offer_id: row.col::<Option<i64>>(13)?,
    })
}

#[async_trait]
pub trait PropertyStore: Send + Sync {
    // Offer popups.
    /// Creates (`id` None) or replaces a property, with its audit line in the same transaction; `Conflict` when the code is taken.
    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::PropertySpec,
        audit: Option<AuditNote>,
        now: i64,
    ) -> StoreResult<Property>;

    async fn list_properties(&self) -> StoreResult<Vec<Property>>;
}
