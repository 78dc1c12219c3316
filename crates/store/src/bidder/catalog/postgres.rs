//! The creative catalog: creatives by seat, their sizes, formats and facets on PostgreSQL.

use super::*;
use crate::engine::postgres::*;
use std::collections::HashMap;

async fn named_counts(client: &tokio_postgres::Client, sql: &str) -> StoreResult<Vec<NamedCount>> {
    let rows = client.query(sql, &[]).await?;
    rows.iter()
        .map(|r| {
            Ok(NamedCount {
                name: r.try_get(0)?,
                count: r.try_get(1)?,
            })
        })
        .collect()
}

fn to_i64(value: Option<u32>) -> Option<i64> {
    value.map(i64::from)
}

#[async_trait]
impl CatalogStore for PgStore {
    async fn upsert_creatives(&self, creatives: Vec<CreativeRecord>, now: i64) -> StoreResult<Vec<UpsertOutcome>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut seat_ids: Vec<String> = creatives.iter().map(|r| r.creative.seat_id.clone()).collect();
        seat_ids.sort();
        seat_ids.dedup();
        let known: HashMap<(String, String), String> = tx
            .query(
                "SELECT seat_id, creative_id, raw_sha256 FROM creatives WHERE seat_id = ANY($1)",
                &[&seat_ids],
            )
            .await?
            .iter()
            .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
            .collect::<Result<_, tokio_postgres::Error>>()?;
        let seat = tx
            .prepare(
                "INSERT INTO buyer_seats (seat_id, created_at, last_import_at) VALUES ($1, $2, $2) \
                 ON CONFLICT (seat_id) DO UPDATE SET last_import_at = excluded.last_import_at",
            )
            .await?;
        let upsert = tx.prepare(&upsert_sql(numbered)).await?;
        let mut outcomes = Vec::with_capacity(creatives.len());
        let mut seats_touched = std::collections::HashSet::new();
        for record in &creatives {
            let c = &record.creative;
            match known.get(&(c.seat_id.clone(), c.creative_id.clone())) {
                Some(hash) if *hash == record.raw_sha256 => {
                    outcomes.push(UpsertOutcome::Unchanged);
                    continue;
                }
                Some(_) => outcomes.push(UpsertOutcome::Updated),
                None => outcomes.push(UpsertOutcome::Inserted),
            }
            if seats_touched.insert(c.seat_id.clone()) {
                tx.execute(&seat, &[&c.seat_id, &now]).await?;
            }
            let d = DerivedColumns::of(c);
            tx.execute(
                &upsert,
                &[
                    &c.seat_id,
                    &c.creative_id,
                    &c.resource_name,
                    &c.format.as_str(),
                    &c.advertiser,
                    &to_i64(c.width),
                    &to_i64(c.height),
                    &c.size.label,
                    &c.size.category.as_str(),
                    &c.size.snapped,
                    &c.status.as_str(),
                    &d.policy_statuses,
                    &d.languages,
                    &d.declared_click_urls,
                    &d.destinations,
                    &d.primary_destination,
                    &d.primary_domain,
                    &d.app_store,
                    &d.app_id,
                    &c.has_click_macro,
                    &c.html_snippet,
                    &c.vast_xml,
                    &c.video_url,
                    &c.video_duration_seconds,
                    &c.native_headline,
                    &c.native_body,
                    &c.native_call_to_action,
                    &c.native_image_url,
                    &c.native_logo_url,
                    &c.google_buyers_url,
                    &c.api_update_time,
                    &record.raw_json,
                    &record.raw_sha256,
                    &now,
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn list_creatives(&self, q: CreativeQuery) -> StoreResult<CreativePage> {
        let client = self.client().await?;
        let (filter, params) = creative_filter(&q, numbered);
        let bind: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let total: i64 = client
            .query_one(&format!("SELECT COUNT(*) FROM creatives {filter}"), &bind)
            .await?
            .try_get(0)?;
        let columns = if q.slim {
            SUMMARY_COLUMNS.to_string()
        } else {
            format!("{}, {}", SUMMARY_COLUMNS, CONTENT_COLUMNS)
        };
        let sql = format!(
            "SELECT {columns} FROM creatives {filter} {} LIMIT {} OFFSET {}",
            order_by(q.sort),
            q.page_size,
            q.offset()
        );
        let rows = client.query(&sql, &bind).await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(CreativeListItem {
                    summary: summary_from(row, 0)?,
                    content: if q.slim {
                        None
                    } else {
                        Some(content_from(row, SUMMARY_WIDTH)?)
                    },
                    performance: None,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(CreativePage {
            items,
            total,
            page: q.page.max(1),
            page_size: q.page_size,
        })
    }

    async fn creatives_by_id(&self, creative_id: String, seat_id: Option<String>) -> StoreResult<Vec<CreativeDetail>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {}, {}, {} FROM creatives WHERE creative_id = $1 AND ($2::TEXT IS NULL OR seat_id = $2) ORDER BY seat_id",
            SUMMARY_COLUMNS,
            CONTENT_COLUMNS,
            DETAIL_COLUMNS
        );
        let rows = client.query(&sql, &[&creative_id, &seat_id]).await?;
        rows.iter().map(detail_from).collect::<StoreResult<Vec<_>>>()
    }

    async fn catalog_stats(&self) -> StoreResult<CatalogStats> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COUNT(*), COUNT(DISTINCT canonical_size), COUNT(app_id), \
                 COUNT(*) FILTER (WHERE has_click_macro = FALSE) FROM creatives",
                &[],
            )
            .await?;
        let seats: i64 = client
            .query_one("SELECT COUNT(*) FROM buyer_seats", &[])
            .await?
            .try_get(0)?;
        let p = client
            .query_one(
                "SELECT COALESCE(SUM(fact_rows), 0)::BIGINT, COALESCE(SUM(spend_micros), 0)::BIGINT, \
                 COALESCE(SUM(impressions), 0)::BIGINT, COALESCE(SUM(clicks), 0)::BIGINT, to_char(MIN(date), 'YYYY-MM-DD'), \
                 to_char(MAX(date), 'YYYY-MM-DD'), (SELECT COUNT(*) FROM rtb_traffic), (SELECT COUNT(*) FROM imports) \
                 FROM performance_daily",
                &[],
            )
            .await?;
        let performance = PerformanceStats {
            fact_rows: p.try_get(0)?,
            spend_micros: p.try_get(1)?,
            impressions: p.try_get(2)?,
            clicks: p.try_get(3)?,
            first_date: p.try_get(4)?,
            last_date: p.try_get(5)?,
            traffic_rows: p.try_get(6)?,
            imports: p.try_get(7)?,
        };
        Ok(CatalogStats {
            performance,
            creatives: row.try_get(0)?,
            seats,
            by_format: named_counts(
                &client,
                "SELECT format, COUNT(*) FROM creatives GROUP BY format ORDER BY 2 DESC, 1",
            )
            .await?,
            by_status: named_counts(
                &client,
                "SELECT status, COUNT(*) FROM creatives GROUP BY status ORDER BY 2 DESC, 1",
            )
            .await?,
            distinct_sizes: row.try_get(1)?,
            app_destinations: row.try_get(2)?,
            missing_click_macro: row.try_get(3)?,
        })
    }

    async fn size_counts(&self) -> StoreResult<Vec<SizeCount>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT canonical_size, size_category, COUNT(*), string_agg(DISTINCT format, ',' ORDER BY format) \
                 FROM creatives GROUP BY canonical_size, size_category ORDER BY 3 DESC, 1",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let formats: String = r.try_get(3)?;
                Ok(SizeCount {
                    canonical_size: r.try_get(0)?,
                    size_category: r.try_get(1)?,
                    creatives: r.try_get(2)?,
                    formats: formats.split(',').map(str::to_string).collect(),
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn facet_values(&self) -> StoreResult<CatalogFacets> {
        let client = self.client().await?;
        let sets: Vec<(String, i64)> = client
            .query("SELECT languages, COUNT(*) FROM creatives GROUP BY languages", &[])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, tokio_postgres::Error>>()?;
        Ok(CatalogFacets {
            seats: named_counts(
                &client,
                "SELECT seat_id, COUNT(*) FROM creatives GROUP BY seat_id ORDER BY 1",
            )
            .await?,
            formats: named_counts(
                &client,
                "SELECT format, COUNT(*) FROM creatives GROUP BY format ORDER BY 1",
            )
            .await?,
            sizes: named_counts(
                &client,
                "SELECT canonical_size, COUNT(*) FROM creatives GROUP BY canonical_size ORDER BY 2 DESC, 1",
            )
            .await?,
            statuses: named_counts(
                &client,
                "SELECT status, COUNT(*) FROM creatives GROUP BY status ORDER BY 1",
            )
            .await?,
            languages: language_counts(sets),
        })
    }
}
