//! Tracking: offers that may be served, impression/click/conversion events with their hourly rollup, click lookup on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl TrackingStore for SqliteStore {
    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&offer_candidates_sql())?;
            let rows = stmt.query_map(params![property_id, first_hour, last_hour], |r| Ok(candidate_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>> {
        self.write_events(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcomes = Vec::with_capacity(events.len());
            let mut changes = Vec::new();
            {
                let mut insert = tx.prepare_cached(INSERT_EVENT)?;
                let mut hourly = tx.prepare_cached(ADD_TO_HOURLY)?;
                for event in &events {
                    let new = event.kind == PopupEventKind::Bot
                        || insert.execute(params![
                            event.event_key,
                            event.kind.as_str(),
                            event.occurred_at_ms,
                            event.property_id,
                            event.offer_id,
                            event.placement,
                            event.visitor_hash,
                            event.session_id,
                            event.country,
                            event.device,
                            event.click_id,
                            event.revenue_micros,
                            event.transaction_id,
                            event.attributed,
                            event.arm_id
                        ])? == 1;
                    if new {
                        changes.extend(hourly_change(event));
                    }
                    outcomes.push(new);
                }
                let mut minutely = tx.prepare_cached(ADD_TO_MINUTELY)?;
                let minutes = merge_minutes(&changes);
                for m in &minutes {
                    minutely.execute(params![
                        m.minute,
                        m.property_id,
                        m.offer_id,
                        m.impressions,
                        m.clicks,
                        m.conversions,
                        m.revenue_micros
                    ])?;
                }
                if let Some(newest) = minutes.iter().map(|m| m.minute).max() {
                    tx.prepare_cached(PRUNE_MINUTELY)?
                        .execute(params![newest - MINUTES_KEPT])?;
                }
                let mut totals = tx.prepare_cached(ADD_TO_OFFER_TOTALS)?;
                for (offer, impressions, clicks) in merge_offer_totals(&changes) {
                    totals.execute(params![offer, impressions, clicks])?;
                }
                for c in merge_hourly(changes) {
                    hourly.execute(params![
                        c.hour,
                        c.property_id,
                        c.offer_id,
                        c.country,
                        c.device,
                        c.impressions,
                        c.clicks,
                        c.conversions,
                        c.revenue_micros,
                        c.bot_hits
                    ])?;
                }
            }
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn popup_minutes(&self, property_id: Option<i64>, since_minute: i64) -> StoreResult<Vec<MinuteTotals>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(MINUTES_SINCE)?;
            let rows = stmt.query_map(params![since_minute, property_id], |r| Ok(minute_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>> {
        self.read(move |conn| {
            conn.query_row(CLICK_BY_ID, params![click_id], |r| Ok(click_from(r)))
                .optional()?
                .transpose()
        })
        .await
    }
}
