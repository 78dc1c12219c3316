//! The creative catalog: creatives by seat, their sizes, formats and facets on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, Connection, OptionalExtension};

fn named_counts(conn: &Connection, sql: &str) -> StoreResult<Vec<NamedCount>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(NamedCount {
                name: r.get(0)?,
                count: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn upsert_creatives(&self, creatives: Vec<CreativeRecord>, now: i64) -> StoreResult<Vec<UpsertOutcome>> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcomes = Vec::with_capacity(creatives.len());
            {
                let mut existing =
                    tx.prepare_cached("SELECT raw_sha256 FROM creatives WHERE seat_id = ?1 AND creative_id = ?2")?;
                let mut seat = tx.prepare_cached(
                    "INSERT INTO buyer_seats (seat_id, created_at, last_import_at) VALUES (?1, ?2, ?2) \
                     ON CONFLICT (seat_id) DO UPDATE SET last_import_at = excluded.last_import_at",
                )?;
                let mut upsert = tx.prepare_cached(&upsert_sql(numbered))?;
                let mut seats_touched = std::collections::HashSet::new();
                for record in &creatives {
                    let c = &record.creative;
                    let previous: Option<String> = existing
                        .query_row(params![c.seat_id, c.creative_id], |r| r.get(0))
                        .optional()?;
                    match previous {
                        Some(hash) if hash == record.raw_sha256 => {
                            outcomes.push(UpsertOutcome::Unchanged);
                            continue;
                        }
                        Some(_) => outcomes.push(UpsertOutcome::Updated),
                        None => outcomes.push(UpsertOutcome::Inserted),
                    }
                    if seats_touched.insert(c.seat_id.clone()) {
                        seat.execute(params![c.seat_id, now])?;
                    }
                    let d = DerivedColumns::of(c);
                    upsert.execute(params![
                        c.seat_id,
                        c.creative_id,
                        c.resource_name,
                        c.format.as_str(),
                        c.advertiser,
                        c.width,
                        c.height,
                        c.size.label,
                        c.size.category.as_str(),
                        c.size.snapped,
                        c.status.as_str(),
                        d.policy_statuses,
                        d.languages,
                        d.declared_click_urls,
                        d.destinations,
                        d.primary_destination,
                        d.primary_domain,
                        d.app_store,
                        d.app_id,
                        c.has_click_macro,
                        c.html_snippet,
                        c.vast_xml,
                        c.video_url,
                        c.video_duration_seconds,
                        c.native_headline,
                        c.native_body,
                        c.native_call_to_action,
                        c.native_image_url,
                        c.native_logo_url,
                        c.google_buyers_url,
                        c.api_update_time,
                        record.raw_json,
                        record.raw_sha256,
                        now,
                    ])?;
                }
            }
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    async fn list_creatives(&self, q: CreativeQuery) -> StoreResult<CreativePage> {
        self.read(move |conn| {
            let (filter, params) = creative_filter(&q, numbered);
            let total: i64 = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM creatives {filter}"))?
                .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
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
            let mut stmt = conn.prepare_cached(&sql)?;
            let items = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), |row| {
                    Ok(CreativeListItem {
                        summary: summary_from(row, 0)?,
                        content: if q.slim {
                            None
                        } else {
                            Some(content_from(row, SUMMARY_WIDTH)?)
                        },
                        performance: None,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CreativePage {
                items,
                total,
                page: q.page.max(1),
                page_size: q.page_size,
            })
        })
        .await
    }

    async fn creatives_by_id(&self, creative_id: String, seat_id: Option<String>) -> StoreResult<Vec<CreativeDetail>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {}, {}, {} FROM creatives WHERE creative_id = ?1 AND (?2 IS NULL OR seat_id = ?2) ORDER BY seat_id",
                SUMMARY_COLUMNS,
                CONTENT_COLUMNS,
                DETAIL_COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt
                .query_map(params![creative_id, seat_id], |row| Ok(detail_from(row)?))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn catalog_stats(&self) -> StoreResult<CatalogStats> {
        self.read(|conn| {
            let (creatives, distinct_sizes, app_destinations, missing_click_macro): (i64, i64, i64, i64) = conn
                .query_row(
                    "SELECT COUNT(*), COUNT(DISTINCT canonical_size), COUNT(app_id), \
                 COALESCE(SUM(CASE WHEN has_click_macro = 0 THEN 1 ELSE 0 END), 0) FROM creatives",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
            let seats: i64 = conn.query_row("SELECT COUNT(*) FROM buyer_seats", [], |r| r.get(0))?;
            let performance = conn.query_row(
                "SELECT COALESCE(SUM(fact_rows), 0), COALESCE(SUM(spend_micros), 0), COALESCE(SUM(impressions), 0), \
                 COALESCE(SUM(clicks), 0), MIN(date), MAX(date), (SELECT COUNT(*) FROM rtb_traffic), \
                 (SELECT COUNT(*) FROM imports) FROM performance_daily",
                [],
                |r| {
                    Ok(PerformanceStats {
                        fact_rows: r.get(0)?,
                        spend_micros: r.get(1)?,
                        impressions: r.get(2)?,
                        clicks: r.get(3)?,
                        first_date: r.get(4)?,
                        last_date: r.get(5)?,
                        traffic_rows: r.get(6)?,
                        imports: r.get(7)?,
                    })
                },
            )?;
            Ok(CatalogStats {
                performance,
                creatives,
                seats,
                by_format: named_counts(
                    conn,
                    "SELECT format, COUNT(*) FROM creatives GROUP BY format ORDER BY 2 DESC, 1",
                )?,
                by_status: named_counts(
                    conn,
                    "SELECT status, COUNT(*) FROM creatives GROUP BY status ORDER BY 2 DESC, 1",
                )?,
                distinct_sizes,
                app_destinations,
                missing_click_macro,
            })
        })
        .await
    }

    async fn size_counts(&self) -> StoreResult<Vec<SizeCount>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT canonical_size, size_category, COUNT(*), GROUP_CONCAT(DISTINCT format) FROM creatives \
                 GROUP BY canonical_size, size_category ORDER BY 3 DESC, 1",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    let formats: String = r.get(3)?;
                    let mut formats: Vec<String> = formats.split(',').map(str::to_string).collect();
                    formats.sort();
                    Ok(SizeCount {
                        canonical_size: r.get(0)?,
                        size_category: r.get(1)?,
                        creatives: r.get(2)?,
                        formats,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn facet_values(&self) -> StoreResult<CatalogFacets> {
        self.read(|conn| {
            let sets: Vec<(String, i64)> = conn
                .prepare_cached("SELECT languages, COUNT(*) FROM creatives GROUP BY languages")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(CatalogFacets {
                seats: named_counts(
                    conn,
                    "SELECT seat_id, COUNT(*) FROM creatives GROUP BY seat_id ORDER BY 1",
                )?,
                formats: named_counts(
                    conn,
                    "SELECT format, COUNT(*) FROM creatives GROUP BY format ORDER BY 1",
                )?,
                sizes: named_counts(
                    conn,
                    "SELECT canonical_size, COUNT(*) FROM creatives GROUP BY canonical_size ORDER BY 2 DESC, 1",
                )?,
                statuses: named_counts(
                    conn,
                    "SELECT status, COUNT(*) FROM creatives GROUP BY status ORDER BY 1",
                )?,
                languages: language_counts(sets),
            })
        })
        .await
    }
}
