//! Tracking: offers that may be served, impression/click/conversion events with their hourly rollup, click lookup on PostgreSQL.

use super::*;
use crate::engine::postgres::*;

#[async_trait]
impl TrackingStore for PgStore {
    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>> {
        // Every serve asks this: prepared once per connection, not parsed and planned each time.
        let client = self.client().await?;
        let statement = client.prepare_cached(&pg(&offer_candidates_sql())).await?;
        let rows = client
            .query(&statement, &[&property_id, &first_hour, &last_hour])
            .await?;
        rows.iter().map(candidate_from).collect()
    }

    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>> {
        // Server instances sharing the database write batches at once; they lock keys and
        // rollup rows in key order, so they wait for each other rather than deadlock.
        let mut client = self.client().await?;
        Ok(write_event_batch(&mut client, &events).await?)
    }

    async fn popup_minutes(&self, property_id: Option<i64>, since_minute: i64) -> StoreResult<Vec<MinuteTotals>> {
        let client = self.client().await?;
        let rows = client.query(&pg(MINUTES_SINCE), &[&since_minute, &property_id]).await?;
        rows.iter().map(minute_from).collect()
    }

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&pg(CLICK_BY_ID)).await?;
        let row = client.query_opt(&statement, &[&click_id]).await?;
        row.as_ref().map(click_from).transpose()
    }
}

/// One batch in one transaction and two statements: the events go in as arrays and the keys
/// that were new come back; then every rollup change in one statement. Both are prepared
/// once per connection: parsing and planning them for every batch cost a third of its time.
async fn write_event_batch(
    client: &mut deadpool_postgres::Object,
    events: &[PopupEvent],
) -> Result<Vec<bool>, tokio_postgres::Error> {
    let insert = client.prepare_cached(INSERT_EVENTS).await?;
    let rollups = client.prepare_cached(ADD_TO_ROLLUPS).await?;
    let written = pipelined_batch(client, &insert, &rollups, events).await;
    if written.is_err() {
        // The pooled connection must not carry an open or failed transaction to its next
        // user. A ROLLBACK outside a transaction is only a warning.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    written
}

/// The batch in two round trips, not four: BEGIN goes out with the insert, and COMMIT with
/// the rollup statement (tokio-postgres pipelines requests in the order they are first
/// polled, hence `biased`). A failed statement aborts the transaction, so the COMMIT behind
/// it ends as a rollback, and the statement's error is what the caller gets.
async fn pipelined_batch(
    client: &deadpool_postgres::Object,
    insert: &tokio_postgres::Statement,
    rollups: &tokio_postgres::Statement,
    events: &[PopupEvent],
) -> Result<Vec<bool>, tokio_postgres::Error> {
    // In key order, so two batches carrying the same retried key wait for each other rather
    // than deadlock.
    let mut stored: Vec<&PopupEvent> = events.iter().filter(|e| e.kind != PopupEventKind::Bot).collect();
    stored.sort_unstable_by(|a, b| a.event_key.cmp(&b.event_key));
    let column = |f: fn(&PopupEvent) -> String| stored.iter().map(|e| f(e)).collect::<Vec<String>>();
    let keys = column(|e| e.event_key.clone());
    let kinds = column(|e| e.kind.as_str().to_string());
    let placements = column(|e| e.placement.clone());
    let visitors = column(|e| e.visitor_hash.clone());
    let sessions = column(|e| e.session_id.clone());
    let countries = column(|e| e.country.clone());
    let devices = column(|e| e.device.clone());
    let times: Vec<i64> = stored.iter().map(|e| e.occurred_at_ms).collect();
    let revenues: Vec<i64> = stored.iter().map(|e| e.revenue_micros).collect();
    let properties: Vec<Option<i64>> = stored.iter().map(|e| e.property_id).collect();
    let offers: Vec<Option<i64>> = stored.iter().map(|e| e.offer_id).collect();
    let clicks: Vec<Option<String>> = stored.iter().map(|e| e.click_id.clone()).collect();
    let transactions: Vec<Option<String>> = stored.iter().map(|e| e.transaction_id.clone()).collect();
    let attributed: Vec<bool> = stored.iter().map(|e| e.attributed).collect();
    let arms: Vec<Option<i64>> = stored.iter().map(|e| e.arm_id).collect();
    // The parameters are temporaries of the statement inside each async block, so they live
    // as long as the request they belong to.
    let (begun, inserted) = tokio::join!(
        biased;
        client.batch_execute("BEGIN"),
        async {
            client
                .query(
                    insert,
                    &[
                        &keys,
                        &kinds,
                        &times,
                        &properties,
                        &offers,
                        &placements,
                        &visitors,
                        &sessions,
                        &countries,
                        &devices,
                        &clicks,
                        &revenues,
                        &transactions,
                        &attributed,
                        &arms,
                    ],
                )
                .await
        }
    );
    begun?;
    let inserted: std::collections::HashSet<String> =
        inserted?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    // A key twice in one batch is new only the first time.
    let mut claimed = std::collections::HashSet::new();
    let mut outcomes = Vec::with_capacity(events.len());
    let mut changes = Vec::new();
    for event in events {
        let new = event.kind == PopupEventKind::Bot
            || (inserted.contains(&event.event_key) && claimed.insert(event.event_key.as_str()));
        if new {
            changes.extend(hourly_change(event));
        }
        outcomes.push(new);
    }
    // Every rollup in one statement (data-modifying CTEs): one round trip per batch,
    // whatever the number of rollups.
    let minutes = merge_minutes(&changes);
    let totals = merge_offer_totals(&changes);
    let merged = merge_hourly(changes);
    if !merged.is_empty() {
        let text = |f: fn(&HourlyChange) -> String| merged.iter().map(f).collect::<Vec<String>>();
        let number = |f: fn(&HourlyChange) -> i64| merged.iter().map(f).collect::<Vec<i64>>();
        let minute = |f: fn(&MinuteTotals) -> i64| minutes.iter().map(f).collect::<Vec<i64>>();
        let total = |f: fn(&(i64, i64, i64)) -> i64| totals.iter().map(f).collect::<Vec<i64>>();
        let newest = minutes.iter().map(|m| m.minute).max().unwrap_or(0);
        let (rolled_up, committed) = tokio::join!(
            biased;
            async {
                client
                    .execute(
                        rollups,
                        &[
                            &text(|c| c.hour.clone()),
                            &number(|c| c.property_id),
                            &number(|c| c.offer_id),
                            &text(|c| c.country.clone()),
                            &text(|c| c.device.clone()),
                            &number(|c| c.impressions),
                            &number(|c| c.clicks),
                            &number(|c| c.conversions),
                            &number(|c| c.revenue_micros),
                            &number(|c| c.bot_hits),
                            &minute(|m| m.minute),
                            &minute(|m| m.property_id),
                            &minute(|m| m.offer_id),
                            &minute(|m| m.impressions),
                            &minute(|m| m.clicks),
                            &minute(|m| m.conversions),
                            &minute(|m| m.revenue_micros),
                            &(newest - MINUTES_KEPT),
                            &total(|t| t.0),
                            &total(|t| t.1),
                            &total(|t| t.2),
                        ],
                    )
                    .await
            },
            client.batch_execute("COMMIT")
        );
        rolled_up?;
        committed?;
    } else {
        client.batch_execute("COMMIT").await?;
    }
    Ok(outcomes)
}

/// A batch of events as arrays; the keys that were new come back.
const INSERT_EVENTS: &str =
    "INSERT INTO popup_events (event_key, kind, occurred_at, property_id, offer_id, placement, visitor_hash, \
    session_id, country, device, click_id, revenue_micros, transaction_id, attributed, arm_id) \
    SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[], \
    $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::BIGINT[], $13::TEXT[], $14::BOOLEAN[], \
    $15::BIGINT[]) \
    ON CONFLICT (event_key) DO NOTHING RETURNING event_key";

/// Every rollup change of a batch in one statement (data-modifying CTEs): hourly, per
/// minute with the old minutes pruned, and lifetime offer totals.
const ADD_TO_ROLLUPS: &str = "WITH minutely AS (\
    INSERT INTO popup_minutely (minute, property_id, offer_id, impressions, clicks, conversions, \
    revenue_micros) \
    SELECT * FROM UNNEST($11::BIGINT[], $12::BIGINT[], $13::BIGINT[], $14::BIGINT[], $15::BIGINT[], \
    $16::BIGINT[], $17::BIGINT[]) \
    ON CONFLICT (minute, property_id, offer_id) DO UPDATE SET \
    impressions = popup_minutely.impressions + excluded.impressions, \
    clicks = popup_minutely.clicks + excluded.clicks, \
    conversions = popup_minutely.conversions + excluded.conversions, \
    revenue_micros = popup_minutely.revenue_micros + excluded.revenue_micros), \
    pruned AS (DELETE FROM popup_minutely WHERE minute < $18), \
    lifetime AS (\
    INSERT INTO offer_totals (offer_id, impressions, clicks) \
    SELECT * FROM UNNEST($19::BIGINT[], $20::BIGINT[], $21::BIGINT[]) \
    ON CONFLICT (offer_id) DO UPDATE SET impressions = offer_totals.impressions + excluded.impressions, \
    clicks = offer_totals.clicks + excluded.clicks) \
    INSERT INTO popup_hourly (hour, property_id, offer_id, country, device, impressions, clicks, \
    conversions, revenue_micros, bot_hits) \
    SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], \
    $7::BIGINT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[]) \
    ON CONFLICT (hour, property_id, offer_id, country, device) DO UPDATE SET \
    impressions = popup_hourly.impressions + excluded.impressions, \
    clicks = popup_hourly.clicks + excluded.clicks, \
    conversions = popup_hourly.conversions + excluded.conversions, \
    revenue_micros = popup_hourly.revenue_micros + excluded.revenue_micros, \
    bot_hits = popup_hourly.bot_hits + excluded.bot_hits";
