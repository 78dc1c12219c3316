//! Publisher properties the popup runs on on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl PropertyStore for PgStore {
    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::PropertySpec,
        audit: Option<AuditNote>,
        now: i64,
    ) -> StoreResult<Property> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let domains = json_list(&spec.domains);
        let (frequency, placement) = (spec.popup_frequency.as_str(), spec.popup_placement.as_str());
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
            &spec.code,
            &spec.name,
            &domains,
            &spec.active,
            &spec.popup_enabled,
            &frequency,
            &placement,
            &spec.theme_primary,
            &spec.theme_accent,
            &spec.logo_url,
            &spec.fallback_offer_id,
            &now,
        ];
        let sql = match id {
            None => INSERT_PROPERTY,
            Some(ref id) => {
                values.push(id);
                UPDATE_PROPERTY
            }
        };
        let saved = saved_id(
            tx.query_opt(&pg(sql), &values).await,
            format!("property {}", spec.code),
            format!("property {}", id.unwrap_or(0)),
        )?;
        let row = tx
            .query_one(&format!("{} WHERE id = $1", SELECT_PROPERTIES), &[&saved])
            .await?;
        let property = property_from(&row)?;
        if let Some(note) = audit {
            crate::platform::audit::postgres::insert_audit(&tx, &note.entry(property.code.clone(), now)).await?;
        }
        tx.commit().await?;
        Ok(property)
    }

    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{} ORDER BY code", SELECT_PROPERTIES), &[])
            .await?;
        rows.iter().map(property_from).collect()
    }
}
