//! Affiliate offers (the popup spec's "campaigns") and the properties each runs on on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, Connection, OptionalExtension};

/// Offers (all, or the one with `only`) with the codes of the properties they run on.
fn load_offers(conn: &Connection, only: Option<i64>) -> StoreResult<Vec<Offer>> {
    let sql = format!(
        "{} WHERE (?1 IS NULL OR id = ?1) ORDER BY active DESC, priority DESC, id DESC",
        select_offers()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut offers = stmt
        .query_map(params![only], |r| Ok(offer_from(r)))?
        .map(|r| r?)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut codes = conn.prepare_cached(OFFER_PROPERTY_CODES)?;
    let codes = codes
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    attach_properties(&mut offers, codes);
    Ok(offers)
}

#[async_trait]
impl OfferStore for SqliteStore {
    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popups::OfferSpec,
        audit: AuditNote,
        now: i64,
    ) -> StoreResult<Offer> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let start_date = spec.start_date.map(|d| d.to_string());
            let end_date = spec.end_date.map(|d| d.to_string());
            let (countries, devices) = (spec.countries.join(","), spec.devices.join(","));
            let mut values: Vec<&dyn rusqlite::ToSql> = offer_values!(spec, start_date, end_date, countries, devices);
            let saved: i64 = match id {
                None => {
                    values.push(&audit.actor);
                    values.push(&now);
                    tx.query_row(INSERT_OFFER, values.as_slice(), |r| r.get(0))?
                }
                Some(ref id) => {
                    values.push(&now);
                    values.push(id);
                    tx.query_row(UPDATE_OFFER, values.as_slice(), |r| r.get(0))
                        .optional()?
                        .ok_or_else(|| StoreError::NotFound(format!("offer {id}")))?
                }
            };
            tx.execute(CLEAR_OFFER_PROPERTIES, params![saved])?;
            for code in &spec.properties {
                let property: i64 = tx
                    .query_row(PROPERTY_ID_BY_CODE, params![code], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("property {code}")))?;
                tx.execute(ADD_OFFER_PROPERTY, params![saved, property])?;
            }
            let offer = load_offers(&tx, Some(saved))?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::NotFound(format!("offer {saved}")))?;
            let subject = format!("{} {}", offer.id, offer.name);
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(subject, now))?;
            tx.commit()?;
            Ok(offer)
        })
        .await
    }

    async fn list_offers(&self) -> StoreResult<Vec<Offer>> {
        self.read(|conn| load_offers(conn, None)).await
    }

    async fn delete_offer(&self, id: i64, audit: AuditNote, now: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let name: String = tx
                .query_row(OFFER_NAME, params![id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("offer {id}")))?;
            let events: i64 = tx.query_row(OFFER_EVENT_COUNT, params![id], |r| r.get(0))?;
            if events > 0 {
                return Err(has_history(events));
            }
            tx.execute(CLEAR_OFFER_PROPERTIES, params![id])?;
            tx.execute(DELETE_OFFER, params![id])?;
            crate::platform::audit::sqlite::insert_audit(&tx, &audit.entry(format!("{id} {name}"), now))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
