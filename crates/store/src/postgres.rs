//! PostgreSQL backend: a deadpool of tokio-postgres connections.
//!
//! Several `rtbcat serve` instances may share one database, so migrations run under an
//! advisory lock and nothing here keeps state between calls.

use crate::facts;
use crate::models::*;
use crate::popup::{
    self, AnalyticsFilter, AnalyticsRow, ClickRecord, Network, Offer, OfferCandidate, PopupEvent, PopupEventKind,
    Property,
};
use crate::query::{self, CreativeQuery, DerivedColumns};
use crate::{Backend, Store, StoreError, StoreResult};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rtbcat_core::account::Role;
use std::collections::HashMap;
use std::str::FromStr;
use tokio_postgres::{NoTls, Row};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Arbitrary, fixed key so concurrent starts of several instances migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x7274_6263_6174;

impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        match err.as_db_error() {
            Some(db) => StoreError::Backend(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Backend(err.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(err: deadpool_postgres::PoolError) -> Self {
        StoreError::Backend(format!("connection pool: {err}"))
    }
}

pub(crate) fn schema_version_of_binary() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

fn numbered(n: usize) -> String {
    format!("${n}")
}

/// The id an `INSERT/UPDATE … RETURNING id` answered; a unique violation is `Conflict(taken)`,
/// an update that matched nothing `NotFound(missing)`.
fn saved_id(
    result: Result<Option<tokio_postgres::Row>, tokio_postgres::Error>,
    taken: String,
    missing: String,
) -> StoreResult<i64> {
    match result {
        Ok(Some(row)) => Ok(row.try_get(0)?),
        Ok(None) => Err(StoreError::NotFound(missing)),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StoreError::Conflict(taken))
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes an import's history line; its id.
async fn insert_import(tx: &tokio_postgres::Transaction<'_>, record: &ImportRecord) -> StoreResult<i64> {
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO imports ({}) VALUES ({}) RETURNING id",
                facts::IMPORT_COLUMNS,
                facts::placeholders(14, numbered)
            ),
            &[
                &record.file_name,
                &record.size_bytes,
                &record.sha256,
                &record.kind,
                &record.status,
                &record.rows_read,
                &record.imported,
                &record.updated,
                &record.skipped,
                &record.warnings,
                &record.first_errors.to_string(),
                &record.duration_ms,
                &record.actor,
                &record.started_at,
            ],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Offers (all, or the one with `only`) with the codes of the properties they run on.
async fn load_offers(client: &tokio_postgres::Client, only: Option<i64>) -> StoreResult<Vec<Offer>> {
    let sql = format!(
        "{} WHERE ($1::BIGINT IS NULL OR id = $1) ORDER BY active DESC, priority DESC, id DESC",
        popup::select_offers()
    );
    let rows = client.query(&sql, &[&only]).await?;
    let mut offers = rows.iter().map(popup::offer_from).collect::<StoreResult<Vec<_>>>()?;
    let codes = client
        .query(popup::OFFER_PROPERTY_CODES, &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    popup::attach_properties(&mut offers, codes);
    Ok(offers)
}

pub struct PgStore {
    pool: Pool,
}

async fn applied_schema_version(client: &tokio_postgres::Client) -> StoreResult<i64> {
    let row = client
        .query_one("SELECT to_regclass('refinery_schema_history') IS NOT NULL", &[])
        .await?;
    if !row.try_get::<_, bool>(0)? {
        return Ok(0);
    }
    let row = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM refinery_schema_history",
            &[],
        )
        .await?;
    Ok(row.try_get(0)?)
}

impl PgStore {
    pub async fn open(url: &str) -> StoreResult<Self> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::UnsupportedUrl(format!("{}: {e}", rtbcat_core::secrets::redact_url(url))))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut client = pool.get().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
            .await?;
        let result = Self::migrate(&mut client).await;
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
            .await?;
        result?;
        drop(client);
        Ok(PgStore { pool })
    }

    async fn migrate(client: &mut deadpool_postgres::Object) -> StoreResult<()> {
        let database = applied_schema_version(client).await?;
        let binary = schema_version_of_binary();
        if database > binary {
            return Err(StoreError::SchemaTooNew { database, binary });
        }
        let raw: &mut tokio_postgres::Client = client.as_mut();
        embedded::migrations::runner()
            .set_grouped(true)
            .run_async(raw)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(())
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }
}

fn summary_from(row: &Row, at: usize) -> Result<CreativeSummary, tokio_postgres::Error> {
    Ok(CreativeSummary {
        id: row.try_get(at)?,
        seat_id: row.try_get(at + 1)?,
        creative_id: row.try_get(at + 2)?,
        format: row.try_get(at + 3)?,
        advertiser: row.try_get(at + 4)?,
        width: row.try_get(at + 5)?,
        height: row.try_get(at + 6)?,
        canonical_size: row.try_get(at + 7)?,
        size_category: row.try_get(at + 8)?,
        status: row.try_get(at + 9)?,
        languages: split_languages(row.try_get(at + 10)?),
        primary_destination: row.try_get(at + 11)?,
        primary_domain: row.try_get(at + 12)?,
        app_store: row.try_get(at + 13)?,
        app_id: row.try_get(at + 14)?,
        has_click_macro: row.try_get(at + 15)?,
        google_buyers_url: row.try_get(at + 16)?,
        updated_at: row.try_get(at + 17)?,
    })
}
const SUMMARY_WIDTH: usize = 18;

fn content_from(row: &Row, at: usize) -> Result<CreativeContent, tokio_postgres::Error> {
    Ok(CreativeContent {
        html_snippet: row.try_get(at)?,
        vast_xml: row.try_get(at + 1)?,
        video_url: row.try_get(at + 2)?,
        video_duration_seconds: row.try_get(at + 3)?,
        native_headline: row.try_get(at + 4)?,
        native_body: row.try_get(at + 5)?,
        native_call_to_action: row.try_get(at + 6)?,
        native_image_url: row.try_get(at + 7)?,
        native_logo_url: row.try_get(at + 8)?,
    })
}
const CONTENT_WIDTH: usize = 9;

fn json_column(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn user_from(row: &Row) -> Result<User, tokio_postgres::Error> {
    Ok(User {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        role: parse_role(row.try_get(2)?),
        created_at: row.try_get(3)?,
    })
}

fn user_account_from(row: &Row) -> Result<UserAccount, tokio_postgres::Error> {
    let user = user_from(row)?;
    Ok(UserAccount {
        id: user.id,
        email: user.email,
        role: user.role,
        created_at: user.created_at,
        disabled: row.try_get(4)?,
    })
}

fn token_info_from(row: &Row) -> Result<ApiTokenInfo, tokio_postgres::Error> {
    Ok(ApiTokenInfo {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        user_email: row.try_get(2)?,
        label: row.try_get(3)?,
        scope: row.try_get::<_, Option<String>>(4)?.map(|s| parse_role(&s)),
        created_at: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        last_used_at: row.try_get(7)?,
    })
}

async fn api_token_info(client: &impl deadpool_postgres::GenericClient, id: i64) -> StoreResult<Option<ApiTokenInfo>> {
    let row = client
        .query_opt(&format!("{TOKEN_INFO_SELECT} WHERE t.id = $1"), &[&id])
        .await?;
    Ok(row.map(|r| token_info_from(&r)).transpose()?)
}

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

async fn insert_user(client: &impl deadpool_postgres::GenericClient, user: &NewUser) -> StoreResult<User> {
    let result = client
        .query_one(
            "INSERT INTO users (email, role, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&user.email, &user.role.as_str(), &user.password_hash, &user.now],
        )
        .await;
    match result {
        Ok(row) => Ok(User {
            id: row.try_get(0)?,
            email: user.email.clone(),
            role: user.role,
            created_at: user.now,
        }),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StoreError::Conflict(format!("user {}", user.email)))
        }
        Err(e) => Err(e.into()),
    }
}

fn to_i64(value: Option<u32>) -> Option<i64> {
    value.map(i64::from)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn health(&self) -> StoreResult<HealthInfo> {
        let client = self.client().await?;
        Ok(HealthInfo {
            backend: Backend::Postgres,
            schema_version: applied_schema_version(&client).await?,
        })
    }

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
        let upsert = tx.prepare(&query::upsert_sql(numbered)).await?;
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
        let (filter, params) = query::creative_filter(&q, numbered);
        let bind: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let total: i64 = client
            .query_one(&format!("SELECT COUNT(*) FROM creatives {filter}"), &bind)
            .await?
            .try_get(0)?;
        let columns = if q.slim {
            query::SUMMARY_COLUMNS.to_string()
        } else {
            format!("{}, {}", query::SUMMARY_COLUMNS, query::CONTENT_COLUMNS)
        };
        let sql = format!(
            "SELECT {columns} FROM creatives {filter} {} LIMIT {} OFFSET {}",
            query::order_by(q.sort),
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
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
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
            query::SUMMARY_COLUMNS,
            query::CONTENT_COLUMNS,
            query::DETAIL_COLUMNS
        );
        let rows = client.query(&sql, &[&creative_id, &seat_id]).await?;
        let at = SUMMARY_WIDTH + CONTENT_WIDTH;
        rows.iter()
            .map(|row| {
                Ok(CreativeDetail {
                    summary: summary_from(row, 0)?,
                    content: content_from(row, SUMMARY_WIDTH)?,
                    resource_name: row.try_get(at)?,
                    size_snapped: row.try_get(at + 1)?,
                    policy_statuses: json_column(row.try_get(at + 2)?),
                    declared_click_urls: json_column(row.try_get(at + 3)?),
                    destinations: json_column(row.try_get(at + 4)?),
                    api_update_time: row.try_get(at + 5)?,
                    first_seen_at: row.try_get(at + 6)?,
                    raw: json_column(row.try_get(at + 7)?),
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
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

    async fn seats(&self) -> StoreResult<Vec<SeatSummary>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT s.seat_id, s.display_name, s.bidder_account_id, \
                 (SELECT COUNT(*) FROM creatives c WHERE c.seat_id = s.seat_id), s.last_import_at \
                 FROM buyer_seats s ORDER BY s.seat_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SeatSummary {
                    seat_id: r.try_get(0)?,
                    display_name: r.try_get(1)?,
                    bidder_account_id: r.try_get(2)?,
                    creatives: r.try_get(3)?,
                    last_import_at: r.try_get(4)?,
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

    async fn creative_seats(&self) -> StoreResult<Vec<(String, String)>> {
        let client = self.client().await?;
        let rows = client.query("SELECT creative_id, seat_id FROM creatives", &[]).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn write_facts(&self, mut batches: tokio::sync::mpsc::Receiver<FactBatch>) -> StoreResult<FactCounts> {
        use tokio_postgres::binary_copy::BinaryCopyInWriter;
        use tokio_postgres::types::Type;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Facts stream through binary COPY into staging tables, then one set-based upsert
        // each; `seq` keeps the file order so the last of duplicate keys wins. The dedup sort
        // of a large file fits in memory with a larger work_mem for this transaction only.
        tx.batch_execute(
            "SET LOCAL work_mem = '256MB'; CREATE TEMP TABLE perf_staging (seq BIGSERIAL, seat_id TEXT COLLATE \"C\", creative_id TEXT COLLATE \"C\", date DATE, hour BIGINT,                country TEXT COLLATE \"C\", device TEXT COLLATE \"C\", placement TEXT COLLATE \"C\", impressions BIGINT, clicks BIGINT, spend_micros BIGINT,                reached_queries BIGINT, bids BIGINT) ON COMMIT DROP;              CREATE TEMP TABLE traffic_staging (seq BIGSERIAL, kind TEXT, date DATE, hour BIGINT, country TEXT, device TEXT,                seat_id TEXT, publisher TEXT, size TEXT, format TEXT, filtering_reason TEXT, bid_requests BIGINT,                inventory_matches BIGINT, successful_responses BIGINT, reached_queries BIGINT, bids BIGINT,                bids_in_auction BIGINT, auctions_won BIGINT, impressions BIGINT, clicks BIGINT, ivt_credited_impressions BIGINT,                billed_impressions BIGINT, viewable_impressions BIGINT, measurable_impressions BIGINT, requests BIGINT) ON COMMIT DROP;",
        )
        .await?;
        let perf_sink = tx
            .copy_in(&format!(
                "COPY perf_staging ({}) FROM STDIN (FORMAT binary)",
                facts::PERFORMANCE_COLUMNS
            ))
            .await?;
        let perf_types = [
            Type::TEXT,
            Type::TEXT,
            Type::DATE,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
        ];
        let mut perf_writer = std::pin::pin!(BinaryCopyInWriter::new(perf_sink, &perf_types));
        let mut traffic_rows: Vec<rtbcat_core::report::TrafficFact> = Vec::new();
        let mut committed: Option<Option<Box<ImportRecord>>> = None;
        while let Some(batch) = batches.recv().await {
            match batch {
                FactBatch::Performance(rows) => {
                    for f in rows {
                        let hour = facts::stored_hour(f.hour);
                        let seat = f.seat_id.clone().unwrap_or_default();
                        perf_writer
                            .as_mut()
                            .write(&[
                                &seat,
                                &f.creative_id,
                                &f.date,
                                &hour,
                                &f.country,
                                &f.device.as_str(),
                                &f.placement,
                                &f.impressions,
                                &f.clicks,
                                &f.spend_micros,
                                &f.reached_queries,
                                &f.bids,
                            ])
                            .await?;
                    }
                }
                // Traffic files are small (aggregated by day and size): buffered, then copied.
                FactBatch::Traffic(rows) => traffic_rows.extend(rows),
                FactBatch::Commit(record) => {
                    committed = Some(record);
                    break;
                }
            }
        }
        perf_writer.as_mut().finish().await?;
        let Some(record) = committed else {
            return Err(StoreError::Backend(
                "the import stopped before its end; nothing was written".into(),
            ));
        };
        if !traffic_rows.is_empty() {
            let sink = tx
                .copy_in(&format!(
                    "COPY traffic_staging ({}) FROM STDIN (FORMAT binary)",
                    facts::TRAFFIC_COLUMNS
                ))
                .await?;
            let mut types = vec![
                Type::TEXT,
                Type::DATE,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
            ];
            types.extend(std::iter::repeat_n(Type::INT8, facts::TRAFFIC_METRICS.len()));
            let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
            for f in &traffic_rows {
                let hour = facts::stored_hour(f.hour);
                writer
                    .as_mut()
                    .write(&[
                        &f.kind,
                        &f.date,
                        &hour,
                        &f.country,
                        &f.device,
                        &f.seat_id,
                        &f.publisher,
                        &f.size,
                        &f.format,
                        &f.filtering_reason,
                        &f.bid_requests,
                        &f.inventory_matches,
                        &f.successful_responses,
                        &f.reached_queries,
                        &f.bids,
                        &f.bids_in_auction,
                        &f.auctions_won,
                        &f.impressions,
                        &f.clicks,
                        &f.ivt_credited_impressions,
                        &f.billed_impressions,
                        &f.viewable_impressions,
                        &f.measurable_impressions,
                        &f.requests,
                    ])
                    .await?;
            }
            writer.as_mut().finish().await?;
        }
        let upsert = |table: &str, staging: &str, columns: &str, key: &str, update: &str| {
            format!(
                "WITH up AS (INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({key}) {columns} FROM {staging}                  ORDER BY {key}, seq DESC ON CONFLICT ({key}) DO UPDATE SET {update} RETURNING (xmax = 0) AS inserted)                  SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM up"
            )
        };
        let mut counts = FactCounts::default();
        for sql in [
            upsert(
                "performance_metrics",
                "perf_staging",
                facts::PERFORMANCE_COLUMNS,
                facts::PERFORMANCE_KEY,
                facts::PERFORMANCE_UPDATE,
            ),
            upsert(
                "rtb_traffic",
                "traffic_staging",
                facts::TRAFFIC_COLUMNS,
                facts::TRAFFIC_KEY,
                &facts::traffic_update(),
            ),
        ] {
            let row = tx.query_one(&sql, &[]).await?;
            counts.inserted += u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
            counts.updated += u64::try_from(row.try_get::<_, i64>(1)?).unwrap_or(0);
        }
        for sql in facts::rebuild_daily_sql("(SELECT DISTINCT creative_id, date FROM perf_staging)") {
            tx.execute(&sql, &[]).await?;
        }
        if let Some(mut record) = record {
            record.imported = i64::try_from(counts.inserted).unwrap_or(i64::MAX);
            record.updated = i64::try_from(counts.updated).unwrap_or(i64::MAX);
            counts.import_id = Some(insert_import(&tx, &record).await?);
        }
        tx.commit().await?;
        Ok(counts)
    }

    async fn latest_fact_date(&self) -> StoreResult<Option<String>> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT to_char(MAX(date), 'YYYY-MM-DD') FROM performance_daily", &[])
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn performance_totals(&self, filter: FactFilter) -> StoreResult<Vec<CreativeTotals>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT creative_id, SUM(spend_micros)::BIGINT, SUM(impressions)::BIGINT, SUM(clicks)::BIGINT FROM performance_daily \
                 WHERE ($1::TEXT IS NULL OR date >= $1::DATE) AND ($2::TEXT IS NULL OR date <= $2::DATE) \
                 AND ($3::TEXT IS NULL OR country = $3) GROUP BY creative_id",
                &[&filter.start, &filter.end, &filter.country],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CreativeTotals {
                    creative_id: r.try_get(0)?,
                    spend_micros: r.try_get(1)?,
                    impressions: r.try_get(2)?,
                    clicks: r.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn performance_breakdown(
        &self,
        creative_ids: Vec<String>,
        filter: FactFilter,
        by: Breakdown,
    ) -> StoreResult<Vec<BreakdownRow>> {
        if creative_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (key, table) = match by {
            Breakdown::Date => ("to_char(date, 'YYYY-MM-DD')", "performance_daily"),
            Breakdown::Hour => ("hour::TEXT", "performance_metrics"),
            Breakdown::Country => ("country", "performance_daily"),
            Breakdown::Device => ("device", "performance_metrics"),
        };
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT creative_id, {key} AS k, SUM(spend_micros)::BIGINT, SUM(impressions)::BIGINT, SUM(clicks)::BIGINT \
                     FROM {table} WHERE ($1::TEXT IS NULL OR date >= $1::DATE) AND ($2::TEXT IS NULL OR date <= $2::DATE) \
                     AND ($3::TEXT IS NULL OR country = $3) AND creative_id = ANY($4) GROUP BY creative_id, k ORDER BY creative_id, k"
                ),
                &[&filter.start, &filter.end, &filter.country, &creative_ids],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(BreakdownRow {
                    creative_id: r.try_get(0)?,
                    key: r.try_get(1)?,
                    spend_micros: r.try_get(2)?,
                    impressions: r.try_get(3)?,
                    clicks: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn recent_imports(&self, limit: i64) -> StoreResult<Vec<ImportRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT id, {} FROM imports ORDER BY id DESC LIMIT $1",
                    facts::IMPORT_COLUMNS
                ),
                &[&limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportRecord {
                    id: r.try_get(0)?,
                    file_name: r.try_get(1)?,
                    size_bytes: r.try_get(2)?,
                    sha256: r.try_get(3)?,
                    kind: r.try_get(4)?,
                    status: r.try_get(5)?,
                    rows_read: r.try_get(6)?,
                    imported: r.try_get(7)?,
                    updated: r.try_get(8)?,
                    skipped: r.try_get(9)?,
                    warnings: r.try_get(10)?,
                    first_errors: json_column(r.try_get(11)?),
                    duration_ms: r.try_get(12)?,
                    actor: r.try_get(13)?,
                    started_at: r.try_get(14)?,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        Ok(client.query_one("SELECT COUNT(*) FROM users", &[]).await?.try_get(0)?)
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let client = self.client().await?;
        insert_user(&client, &user).await
    }

    async fn create_first_admin(&self, user: NewUser) -> StoreResult<Option<User>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Serialise concurrent first-run setups: the table lock blocks a second one until
        // this transaction ends, and it then sees the user.
        tx.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", &[]).await?;
        let existing: i64 = tx.query_one("SELECT COUNT(*) FROM users", &[]).await?.try_get(0)?;
        if existing > 0 {
            return Ok(None);
        }
        let created = insert_user(&tx, &user).await?;
        tx.commit().await?;
        Ok(Some(created))
    }

    async fn user_credentials(&self, email: String) -> StoreResult<Option<UserCredentials>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, email, role, created_at, password_hash, disabled FROM users WHERE email = $1",
                &[&email],
            )
            .await?;
        row.map(|r| {
            Ok(UserCredentials {
                user: user_from(&r)?,
                password_hash: r.try_get(4)?,
                disabled: r.try_get(5)?,
            })
        })
        .transpose()
        .map_err(|e: tokio_postgres::Error| e.into())
    }

    async fn create_session(&self, token_sha256: String, user_id: i64, now: i64, expires_at: i64) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM sessions WHERE expires_at < $1", &[&now])
            .await?;
        client
            .execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&token_sha256, &user_id, &now, &expires_at],
            )
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT u.id, u.email, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND NOT u.disabled",
                &[&token_sha256, &now],
            )
            .await?;
        Ok(row.map(|r| user_from(&r)).transpose()?)
    }

    async fn delete_session(&self, token_sha256: String) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM sessions WHERE token_sha256 = $1", &[&token_sha256])
            .await?;
        Ok(())
    }

    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO api_tokens (token_sha256, user_id, label, created_at, scope, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &token.token_sha256,
                    &token.user_id,
                    &token.label,
                    &token.now,
                    &token.scope.map(Role::as_str),
                    &token.expires_at,
                ],
            )
            .await?;
        let id: i64 = row.try_get(0)?;
        api_token_info(&client, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))
    }

    async fn api_token_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT u.id, u.email, u.role, u.created_at, t.scope, t.id, t.last_used_at \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_sha256 = $1 AND NOT u.disabled AND (t.expires_at IS NULL OR t.expires_at > $2)",
                &[&token_sha256, &now],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut user = user_from(&row)?;
        if let Some(scope) = row.try_get::<_, Option<String>>(4)? {
            user.role = user.role.min(parse_role(&scope));
        }
        let token_id: i64 = row.try_get(5)?;
        let last_used_at: Option<i64> = row.try_get(6)?;
        // last_used_at is written at most once an hour: most requests stay pure reads.
        if last_used_at.is_none_or(|at| at < now - 3600) {
            client
                .execute(
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                    &[&now, &token_id],
                )
                .await?;
        }
        Ok(Some(user))
    }

    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiTokenInfo>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{TOKEN_INFO_SELECT} WHERE $1::BIGINT IS NULL OR t.user_id = $1 ORDER BY t.id DESC"),
                &[&user_id],
            )
            .await?;
        Ok(rows.iter().map(token_info_from).collect::<Result<Vec<_>, _>>()?)
    }

    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<ApiTokenInfo> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let info = api_token_info(&tx, id)
            .await?
            .filter(|t| owner.is_none_or(|o| o == t.user_id))
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        tx.execute("DELETE FROM api_tokens WHERE id = $1", &[&id]).await?;
        tx.commit().await?;
        Ok(info)
    }

    async fn list_users(&self) -> StoreResult<Vec<UserAccount>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, email, role, created_at, disabled FROM users ORDER BY email",
                &[],
            )
            .await?;
        Ok(rows.iter().map(user_account_from).collect::<Result<Vec<_>, _>>()?)
    }

    async fn update_user(&self, id: i64, update: UserUpdate) -> StoreResult<UserAccount> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Lock the administrators first: two admins demoting each other at once must not
        // both see the other one still active.
        tx.query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE", &[])
            .await?;
        let row = tx
            .query_opt(
                "UPDATE users SET role = COALESCE($2, role), disabled = COALESCE($3, disabled), \
                 password_hash = COALESCE($4, password_hash) WHERE id = $1 \
                 RETURNING id, email, role, created_at, disabled",
                &[
                    &id,
                    &update.role.map(Role::as_str),
                    &update.disabled,
                    &update.password_hash,
                ],
            )
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let account = user_account_from(&row)?;
        let admins: i64 = tx
            .query_one("SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled", &[])
            .await?
            .try_get(0)?;
        if admins == 0 {
            return Err(StoreError::Refused(LAST_ADMIN.into()));
        }
        if update.disabled == Some(true) || update.password_hash.is_some() {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&id]).await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
        let entry = entry.bounded();
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO audit_log (at, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &entry.at,
                    &entry.actor,
                    &entry.action,
                    &entry.subject,
                    &entry.details.to_string(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    subject: r.try_get(4)?,
                    details: json_column(r.try_get(5)?),
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }

    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::PropertySpec,
        now: i64,
    ) -> StoreResult<Property> {
        let client = self.client().await?;
        let domains = popup::json_list(&spec.domains);
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
            &now,
        ];
        let sql = match id {
            None => popup::INSERT_PROPERTY,
            Some(ref id) => {
                values.push(id);
                popup::UPDATE_PROPERTY
            }
        };
        let saved = saved_id(
            client.query_opt(&popup::pg(sql), &values).await,
            format!("property {}", spec.code),
            format!("property {}", id.unwrap_or(0)),
        )?;
        let row = client
            .query_one(&format!("{} WHERE id = $1", popup::SELECT_PROPERTIES), &[&saved])
            .await?;
        popup::property_from(&row)
    }

    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{} ORDER BY code", popup::SELECT_PROPERTIES), &[])
            .await?;
        rows.iter().map(popup::property_from).collect()
    }

    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::OfferSpec,
        actor: String,
        now: i64,
    ) -> StoreResult<Offer> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let start_date = spec.start_date.map(|d| d.to_string());
        let end_date = spec.end_date.map(|d| d.to_string());
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            popup::offer_values!(spec, start_date, end_date);
        let sql = match id {
            None => {
                values.push(&actor);
                values.push(&now);
                popup::INSERT_OFFER
            }
            Some(ref id) => {
                values.push(&now);
                values.push(id);
                popup::UPDATE_OFFER
            }
        };
        let saved: i64 = tx
            .query_opt(&popup::pg(sql), &values)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("offer {}", id.unwrap_or(0))))?
            .try_get(0)?;
        tx.execute(&popup::pg(popup::CLEAR_OFFER_PROPERTIES), &[&saved]).await?;
        for code in &spec.properties {
            let property: i64 = tx
                .query_opt(&popup::pg(popup::PROPERTY_ID_BY_CODE), &[code])
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("property {code}")))?
                .try_get(0)?;
            tx.execute(&popup::pg(popup::ADD_OFFER_PROPERTY), &[&saved, &property])
                .await?;
        }
        tx.commit().await?;
        load_offers(&client, Some(saved))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("offer {saved}")))
    }

    async fn list_offers(&self) -> StoreResult<Vec<Offer>> {
        let client = self.client().await?;
        load_offers(&client, None).await
    }

    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &popup::pg(&popup::offer_candidates_sql()),
                &[&property_id, &first_hour, &last_hour],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OfferCandidate {
                    offer: popup::offer_from(r)?,
                    impressions_today: r.try_get(24)?,
                    clicks_today: r.try_get(25)?,
                })
            })
            .collect()
    }

    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>> {
        // One round trip per batch: the events go in as arrays, and the keys that were new
        // come back; the rollup changes likewise.
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stored: Vec<&PopupEvent> = events.iter().filter(|e| e.kind != PopupEventKind::Bot).collect();
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
        let inserted: std::collections::HashSet<String> = tx
            .query(
                "INSERT INTO popup_events (event_key, kind, occurred_at, property_id, offer_id, placement, visitor_hash, \
                 session_id, country, device, click_id, revenue_micros, transaction_id, attributed) \
                 SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[], \
                 $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::BIGINT[], $13::TEXT[], $14::BOOLEAN[]) \
                 ON CONFLICT (event_key) DO NOTHING RETURNING event_key",
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
                ],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        // A key twice in one batch is new only the first time.
        let mut claimed = std::collections::HashSet::new();
        let mut outcomes = Vec::with_capacity(events.len());
        let mut changes = Vec::new();
        for event in &events {
            let new = event.kind == PopupEventKind::Bot
                || (inserted.contains(&event.event_key) && claimed.insert(event.event_key.as_str()));
            if new {
                changes.extend(popup::hourly_change(event));
            }
            outcomes.push(new);
        }
        let merged = popup::merge_hourly(changes);
        if !merged.is_empty() {
            let text = |f: fn(&popup::HourlyChange) -> String| merged.iter().map(f).collect::<Vec<String>>();
            let number = |f: fn(&popup::HourlyChange) -> i64| merged.iter().map(f).collect::<Vec<i64>>();
            tx.execute(
                "INSERT INTO popup_hourly (hour, property_id, offer_id, country, device, impressions, clicks, \
                 conversions, revenue_micros, bot_hits) \
                 SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[], \
                 $7::BIGINT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[]) \
                 ON CONFLICT (hour, property_id, offer_id, country, device) DO UPDATE SET \
                 impressions = popup_hourly.impressions + excluded.impressions, \
                 clicks = popup_hourly.clicks + excluded.clicks, \
                 conversions = popup_hourly.conversions + excluded.conversions, \
                 revenue_micros = popup_hourly.revenue_micros + excluded.revenue_micros, \
                 bot_hits = popup_hourly.bot_hits + excluded.bot_hits",
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
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>> {
        let client = self.client().await?;
        let row = client.query_opt(&popup::pg(popup::CLICK_BY_ID), &[&click_id]).await?;
        row.as_ref().map(popup::click_from).transpose()
    }

    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>> {
        let client = self.client().await?;
        let last = format!("{}T23", filter.to);
        let rows = client
            .query(
                &popup::pg(&popup::analytics_sql(filter.group_by)),
                &[&filter.property_id, &filter.offer_id, &filter.from, &last],
            )
            .await?;
        rows.iter().map(popup::analytics_from).collect()
    }

    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String> {
        let client = self.client().await?;
        client
            .execute(&popup::pg(popup::SECRET_INSERT), &[&name, &candidate, &now])
            .await?;
        Ok(client
            .query_one(&popup::pg(popup::SECRET_SELECT), &[&name])
            .await?
            .try_get(0)?)
    }

    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(&popup::pg(popup::SECRET_PRUNE), &[&pattern, &before])
            .await?;
        Ok(())
    }

    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::NetworkSpec,
        now: i64,
    ) -> StoreResult<Network> {
        let client = self.client().await?;
        let ips = popup::json_list(&spec.allow_ips);
        let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![
            &spec.name,
            &spec.postback_secret,
            &ips,
            &spec.click_id_param,
            &spec.payout_param,
            &spec.transaction_id_param,
            &spec.status_param,
            &spec.secret_param,
            &now,
        ];
        let sql = match id {
            None => popup::INSERT_NETWORK,
            Some(ref id) => {
                values.push(id);
                popup::UPDATE_NETWORK
            }
        };
        let saved = saved_id(
            client.query_opt(&popup::pg(sql), &values).await,
            format!("network {}", spec.name),
            format!("network {}", id.unwrap_or(0)),
        )?;
        let row = client
            .query_one(&format!("{} WHERE id = $1", popup::SELECT_NETWORKS), &[&saved])
            .await?;
        popup::network_from(&row)
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{} ORDER BY name", popup::SELECT_NETWORKS), &[])
            .await?;
        rows.iter().map(popup::network_from).collect()
    }
}
