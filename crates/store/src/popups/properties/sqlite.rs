//! Publisher properties the popup runs on on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

#[async_trait]
impl PropertyStore for SqliteStore {
    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::PropertySpec,
        audit: Option<AuditNote>,
        now: i64,
    ) -> StoreResult<Property> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let values = params![
                spec.code,
                spec.name,
                json_list(&spec.domains),
                spec.active,
                spec.popup_enabled,
                spec.popup_frequency.as_str(),
                spec.popup_placement.as_str(),
                spec.theme_primary,
                spec.theme_accent,
                spec.logo_url,
                spec.fallback_offer_id,
                now,
            ];
            let result = match id {
                None => tx.query_row(INSERT_PROPERTY, values, |r| r.get::<_, i64>(0)),
                Some(id) => {
                    let mut all = values.to_vec();
                    all.push(&id);
                    tx.query_row(UPDATE_PROPERTY, all.as_slice(), |r| r.get::<_, i64>(0))
                }
            };
            let saved = saved_id(
                result,
                format!("property {}", spec.code),
                format!("property {}", id.unwrap_or(0)),
            )?;
            let sql = format!("{} WHERE id = ?1", SELECT_PROPERTIES);
            let property = tx.query_row(&sql, params![saved], |r| Ok(property_from(r)))??;
            if let Some(note) = audit {
                crate::platform::audit::sqlite::insert_audit(&tx, &note.entry(property.code.clone(), now))?;
            }
            tx.commit()?;
            Ok(property)
        })
        .await
    }

    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{} ORDER BY code", SELECT_PROPERTIES))?;
            let rows = stmt.query_map([], |r| Ok(property_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }
}
