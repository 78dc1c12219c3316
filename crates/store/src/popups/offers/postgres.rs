//! Affiliate offers (the popup spec's "campaigns") and the properties each runs on on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

/// Offers (all, or the one with `only`) with the codes of the properties they run on.
async fn load_offers(client: &impl deadpool_postgres::GenericClient, only: Option<i64>) -> StoreResult<Vec<Offer>> {
    let sql = format!(
        "{} WHERE ($1::BIGINT IS NULL OR id = $1) ORDER BY active DESC, priority DESC, id DESC",
        select_offers()
    );
    let rows = client.query(&sql, &[&only]).await?;
    let mut offers = rows.iter().map(offer_from).collect::<StoreResult<Vec<_>>>()?;
    let codes = client
        .query(OFFER_PROPERTY_CODES, &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    attach_properties(&mut offers, codes);
    Ok(offers)
}

#[async_trait]
impl OfferStore for PgStore {
    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::OfferSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Offer> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let start_date = spec.start_date.map(|d| d.to_string());
        let end_date = spec.end_date.map(|d| d.to_string());
        let (countries, devices) = (spec.countries.join(","), spec.devices.join(","));
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            offer_values!(spec, start_date, end_date, countries, devices);
        let sql = match id {
            None => {
                values.push(&audit.actor);
                values.push(&now);
                INSERT_OFFER
            }
            Some(ref id) => {
                values.push(&now);
                values.push(id);
                UPDATE_OFFER
            }
        };
        let saved: i64 = tx
            .query_opt(&pg(sql), &values)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("offer {}", id.unwrap_or(0))))?
            .try_get(0)?;
        tx.execute(&pg(CLEAR_OFFER_PROPERTIES), &[&saved]).await?;
        for code in &spec.properties {
            let property: i64 = tx
                .query_opt(&pg(PROPERTY_ID_BY_CODE), &[code])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("property {code}")))?
                .try_get(0)?;
            tx.execute(&pg(ADD_OFFER_PROPERTY), &[&saved, &property]).await?;
        }
        let offer = load_offers(&tx, Some(saved))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("offer {saved}")))?;
        let subject = format!("{} {}", offer.id, offer.name);
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(subject, now)).await?;
        tx.commit().await?;
        Ok(offer)
    }

    async fn list_offers(&self) -> StoreResult<Vec<Offer>> {
        let client = self.client().await?;
        load_offers(&client, None).await
    }

    async fn delete_offer(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let name: String = tx
            .query_opt(&pg(OFFER_NAME), &[&id])
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("offer {id}")))?
            .try_get(0)?;
        let events: i64 = tx.query_one(&pg(OFFER_EVENT_COUNT), &[&id]).await?.try_get(0)?;
        if events > 0 {
            return Err(has_history(events));
        }
        tx.execute(&pg(CLEAR_OFFER_PROPERTIES), &[&id]).await?;
        tx.execute(&pg(DELETE_OFFER), &[&id]).await?;
        crate::platform::audit::postgres::insert_audit(&tx, &audit.entry(format!("{id} {name}"), now)).await?;
        tx.commit().await?;
        Ok(())
    }
}
