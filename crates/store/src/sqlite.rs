//! SQLite backend: one writer connection behind a mutex, a pool of readers, WAL.
//!
//! SQLite allows one writer at a time; funnelling writes through one connection avoids
//! "database is locked" under load, while WAL lets readers proceed beside it.

use crate::facts;
use crate::models::*;
use crate::popup::{
    self, AnalyticsFilter, AnalyticsRow, ClickRecord, Network, Offer, OfferCandidate, PopupEvent, PopupEventKind,
    Property,
};
use crate::query::{self, CreativeQuery, DerivedColumns};
use crate::{Backend, Store, StoreError, StoreResult};
use async_trait::async_trait;
use r2d2_sqlite::SqliteConnectionManager;
use rtbcat_core::account::Role;
use rusqlite::{params, Connection, OptionalExtension, Row};
use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

// synchronous = FULL: a commit is on disk when it returns, so an HTTP 2xx for a tracked
// event survives power loss, not only a crash. Group commit keeps that to one fsync a batch.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                       PRAGMA synchronous = FULL;";

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Backend(err.to_string())
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(err: r2d2::Error) -> Self {
        StoreError::Backend(format!("connection pool: {err}"))
    }
}

fn join_error(err: tokio::task::JoinError) -> StoreError {
    StoreError::Backend(format!("database task failed: {err}"))
}

pub(crate) fn schema_version_of_binary() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// The id an `INSERT/UPDATE … RETURNING id` answered; a constraint violation is
/// `Conflict(taken)`, an update that matched nothing `NotFound(missing)`.
fn saved_id(result: rusqlite::Result<i64>, taken: String, missing: String) -> StoreResult<i64> {
    match result {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            Err(StoreError::Conflict(taken))
        }
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(StoreError::NotFound(missing)),
        other => Ok(other?),
    }
}

/// Writes an import's history line; its id.
fn insert_import(conn: &Connection, record: &ImportRecord) -> StoreResult<i64> {
    conn.execute(
        &format!(
            "INSERT INTO imports ({}) VALUES ({})",
            facts::IMPORT_COLUMNS,
            facts::placeholders(14, numbered)
        ),
        params![
            record.file_name,
            record.size_bytes,
            record.sha256,
            record.kind,
            record.status,
            record.rows_read,
            record.imported,
            record.updated,
            record.skipped,
            record.warnings,
            record.first_errors.to_string(),
            record.duration_ms,
            record.actor,
            record.started_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Offers (all, or the one with `only`) with the codes of the properties they run on.
fn load_offers(conn: &Connection, only: Option<i64>) -> StoreResult<Vec<Offer>> {
    let sql = format!(
        "{} WHERE (?1 IS NULL OR id = ?1) ORDER BY active DESC, priority DESC, id DESC",
        popup::select_offers()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut offers = stmt
        .query_map(params![only], |r| Ok(popup::offer_from(r)))?
        .map(|r| r?)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut codes = conn.prepare_cached(popup::OFFER_PROPERTY_CODES)?;
    let codes = codes
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    popup::attach_properties(&mut offers, codes);
    Ok(offers)
}

/// Sums of one (creative, date, country) cell of the daily rollup.
#[derive(Default, Clone, Copy)]
struct DailyTotals {
    spend_micros: i64,
    impressions: i64,
    clicks: i64,
    fact_rows: i64,
}

/// What an import changed in the daily rollup, summed in memory as facts are written and
/// added to `performance_daily` in the same transaction. Applied early once it holds
/// `FLUSH_AT` cells, so memory stays bounded whatever the file size.
#[derive(Default)]
struct RollupDelta {
    by_creative: FxHashMap<String, FxHashMap<(time::Date, [u8; 2]), DailyTotals>>,
    cells: usize,
}

impl RollupDelta {
    const FLUSH_AT: usize = 200_000;

    fn add(&mut self, creative_id: &str, date: time::Date, country: &str, change: DailyTotals) {
        let country: [u8; 2] = country.as_bytes().try_into().unwrap_or(*b"ZZ");
        let cells = match self.by_creative.get_mut(creative_id) {
            Some(cells) => cells,
            None => self.by_creative.entry(creative_id.to_string()).or_default(),
        };
        let cell = cells.entry((date, country)).or_insert_with(|| {
            self.cells += 1;
            DailyTotals::default()
        });
        cell.spend_micros += change.spend_micros;
        cell.impressions += change.impressions;
        cell.clicks += change.clicks;
        cell.fact_rows += change.fact_rows;
    }

    fn apply(&mut self, tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO performance_daily (date, creative_id, country, spend_micros, impressions, clicks, fact_rows) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (date, creative_id, country) DO UPDATE SET \
             spend_micros = spend_micros + excluded.spend_micros, impressions = impressions + excluded.impressions, \
             clicks = clicks + excluded.clicks, fact_rows = fact_rows + excluded.fact_rows",
        )?;
        for (creative_id, cells) in self.by_creative.drain() {
            for ((date, country), totals) in cells {
                upsert.execute(params![
                    date.to_string(),
                    creative_id,
                    std::str::from_utf8(&country).unwrap_or("ZZ"),
                    totals.spend_micros,
                    totals.impressions,
                    totals.clicks,
                    totals.fact_rows
                ])?;
            }
        }
        self.cells = 0;
        Ok(())
    }
}

pub struct SqliteStore {
    writer: Arc<Mutex<Connection>>,
    readers: r2d2::Pool<SqliteConnectionManager>,
}

fn numbered(n: usize) -> String {
    format!("?{n}")
}

fn applied_schema_version(conn: &Connection) -> StoreResult<i64> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history')",
        [],
        |r| r.get(0),
    )?;
    if !has_history {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?)
}

impl SqliteStore {
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path: PathBuf = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(join_error)?
    }

    fn open_blocking(path: &Path) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut writer = Connection::open(path)?;
        writer.execute_batch(PRAGMAS)?;
        // Bulk upserts touch index pages all over the file; SQLite's default 2 MB page cache
        // turns that into constant eviction. 64 MB keeps the hot index pages resident.
        writer.execute_batch("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;")?;
        let database = applied_schema_version(&writer)?;
        let binary = schema_version_of_binary();
        if database > binary {
            return Err(StoreError::SchemaTooNew { database, binary });
        }
        embedded::migrations::runner()
            .set_grouped(true)
            .run(&mut writer)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let manager = SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PRAGMAS));
        let readers = r2d2::Pool::builder().max_size(8).build(manager)?;
        Ok(SqliteStore {
            writer: Arc::new(Mutex::new(writer)),
            readers,
        })
    }

    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            work(&conn)
        })
        .await
        .map_err(join_error)?
    }

    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves the connection usable: SQLite rolls back
            // the open transaction when it is dropped, so take the poisoned guard.
            let mut conn = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(join_error)?
    }
}

pub(crate) fn backup(source: &Path, destination: &Path) -> StoreResult<i64> {
    let src = Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.execute_batch("PRAGMA busy_timeout = 5000;")?;
    let mut dst = Connection::open(destination)?;
    let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
    backup.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    Ok(i64::from(backup.progress().pagecount))
}

fn summary_from(row: &Row<'_>, at: usize) -> rusqlite::Result<CreativeSummary> {
    Ok(CreativeSummary {
        id: row.get(at)?,
        seat_id: row.get(at + 1)?,
        creative_id: row.get(at + 2)?,
        format: row.get(at + 3)?,
        advertiser: row.get(at + 4)?,
        width: row.get(at + 5)?,
        height: row.get(at + 6)?,
        canonical_size: row.get(at + 7)?,
        size_category: row.get(at + 8)?,
        status: row.get(at + 9)?,
        languages: split_languages(&row.get::<_, String>(at + 10)?),
        primary_destination: row.get(at + 11)?,
        primary_domain: row.get(at + 12)?,
        app_store: row.get(at + 13)?,
        app_id: row.get(at + 14)?,
        has_click_macro: row.get(at + 15)?,
        google_buyers_url: row.get(at + 16)?,
        updated_at: row.get(at + 17)?,
    })
}
const SUMMARY_WIDTH: usize = 18;

fn content_from(row: &Row<'_>, at: usize) -> rusqlite::Result<CreativeContent> {
    Ok(CreativeContent {
        html_snippet: row.get(at)?,
        vast_xml: row.get(at + 1)?,
        video_url: row.get(at + 2)?,
        video_duration_seconds: row.get(at + 3)?,
        native_headline: row.get(at + 4)?,
        native_body: row.get(at + 5)?,
        native_call_to_action: row.get(at + 6)?,
        native_image_url: row.get(at + 7)?,
        native_logo_url: row.get(at + 8)?,
    })
}
const CONTENT_WIDTH: usize = 9;

fn json_column(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn user_from(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        role: parse_role(&row.get::<_, String>(2)?),
        created_at: row.get(3)?,
    })
}

fn user_account_from(row: &Row<'_>) -> rusqlite::Result<UserAccount> {
    let user = user_from(row)?;
    Ok(UserAccount {
        id: user.id,
        email: user.email,
        role: user.role,
        created_at: user.created_at,
        disabled: row.get(4)?,
    })
}

fn token_info_from(row: &Row<'_>) -> rusqlite::Result<ApiTokenInfo> {
    Ok(ApiTokenInfo {
        id: row.get(0)?,
        user_id: row.get(1)?,
        user_email: row.get(2)?,
        label: row.get(3)?,
        scope: row.get::<_, Option<String>>(4)?.map(|s| parse_role(&s)),
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        last_used_at: row.get(7)?,
    })
}

fn api_token_info(conn: &Connection, id: i64) -> StoreResult<Option<ApiTokenInfo>> {
    Ok(conn
        .query_row(
            &format!("{TOKEN_INFO_SELECT} WHERE t.id = ?1"),
            params![id],
            token_info_from,
        )
        .optional()?)
}

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

fn insert_user(conn: &Connection, user: &NewUser) -> StoreResult<User> {
    let result = conn.execute(
        "INSERT INTO users (email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.email, user.role.as_str(), user.password_hash, user.now],
    );
    match result {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            return Err(StoreError::Conflict(format!("user {}", user.email)))
        }
        other => other?,
    };
    Ok(User {
        id: conn.last_insert_rowid(),
        email: user.email.clone(),
        role: user.role,
        created_at: user.now,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn health(&self) -> StoreResult<HealthInfo> {
        self.read(|conn| {
            Ok(HealthInfo {
                backend: Backend::Sqlite,
                schema_version: applied_schema_version(conn)?,
            })
        })
        .await
    }

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
                let mut upsert = tx.prepare_cached(&query::upsert_sql(numbered))?;
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
            let (filter, params) = query::creative_filter(&q, numbered);
            let total: i64 = conn
                .prepare_cached(&format!("SELECT COUNT(*) FROM creatives {filter}"))?
                .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
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
                query::SUMMARY_COLUMNS,
                query::CONTENT_COLUMNS,
                query::DETAIL_COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let at = SUMMARY_WIDTH + CONTENT_WIDTH;
            let rows = stmt
                .query_map(params![creative_id, seat_id], |row| {
                    Ok(CreativeDetail {
                        summary: summary_from(row, 0)?,
                        content: content_from(row, SUMMARY_WIDTH)?,
                        resource_name: row.get(at)?,
                        size_snapped: row.get(at + 1)?,
                        policy_statuses: json_column(row.get(at + 2)?),
                        declared_click_urls: json_column(row.get(at + 3)?),
                        destinations: json_column(row.get(at + 4)?),
                        api_update_time: row.get(at + 5)?,
                        first_seen_at: row.get(at + 6)?,
                        raw: json_column(row.get(at + 7)?),
                    })
                })?
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

    async fn seats(&self) -> StoreResult<Vec<SeatSummary>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.seat_id, s.display_name, s.bidder_account_id, \
                 (SELECT COUNT(*) FROM creatives c WHERE c.seat_id = s.seat_id), s.last_import_at \
                 FROM buyer_seats s ORDER BY s.seat_id",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(SeatSummary {
                        seat_id: r.get(0)?,
                        display_name: r.get(1)?,
                        bidder_account_id: r.get(2)?,
                        creatives: r.get(3)?,
                        last_import_at: r.get(4)?,
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

    async fn creative_seats(&self) -> StoreResult<Vec<(String, String)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT creative_id, seat_id FROM creatives")?;
            let pairs = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(pairs)
        })
        .await
    }

    async fn write_facts(&self, mut batches: tokio::sync::mpsc::Receiver<FactBatch>) -> StoreResult<FactCounts> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Traffic rows created by this import get ids above today's highest: that tells new from replaced.
            let traffic_max: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM rtb_traffic", [], |r| r.get(0))?;
            let mut counts = FactCounts::default();
            let mut committed: Option<Option<Box<ImportRecord>>> = None;
            let mut rollup = RollupDelta::default();
            {
                // Insert first and update only on a conflict: a fresh row costs one b-tree descent,
                // and `changes()` tells new from replaced without a RETURNING round trip.
                let mut insert_perf = tx.prepare_cached(&format!(
                    "INSERT INTO performance_metrics ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                    facts::PERFORMANCE_COLUMNS,
                    facts::placeholders(12, numbered),
                ))?;
                let mut update_perf = tx.prepare_cached(facts::PERFORMANCE_UPDATE_BY_KEY)?;
                let mut previous_perf = tx.prepare_cached(
                    "SELECT impressions, clicks, spend_micros FROM performance_metrics WHERE seat_id = ?1 \
                     AND creative_id = ?2 AND date = ?3 AND hour = ?4 AND country = ?5 AND device = ?6 AND placement = ?7",
                )?;
                let mut traffic = tx.prepare_cached(&format!(
                    "INSERT INTO rtb_traffic ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {} RETURNING id",
                    facts::TRAFFIC_COLUMNS,
                    facts::placeholders(24, numbered),
                    facts::TRAFFIC_KEY,
                    facts::traffic_update()
                ))?;
                let mut date_text = String::with_capacity(10);
                while let Some(batch) = batches.blocking_recv() {
                    match batch {
                        FactBatch::Performance(rows) => {
                            for f in rows {
                                date_text.clear();
                                write!(date_text, "{}", f.date).expect("writing to a String");
                                let values = params![
                                    f.seat_id.as_deref().unwrap_or(""),
                                    f.creative_id,
                                    date_text,
                                    facts::stored_hour(f.hour),
                                    f.country,
                                    f.device.as_str(),
                                    f.placement,
                                    f.impressions,
                                    f.clicks,
                                    f.spend_micros,
                                    f.reached_queries,
                                    f.bids
                                ];
                                let mut change = DailyTotals {
                                    spend_micros: f.spend_micros,
                                    impressions: f.impressions,
                                    clicks: f.clicks,
                                    fact_rows: 1,
                                };
                                if insert_perf.execute(values)? == 1 {
                                    counts.inserted += 1;
                                } else {
                                    let (impressions, clicks, spend_micros): (i64, i64, i64) = previous_perf
                                        .query_row(&values[..7], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                                    update_perf.execute(values)?;
                                    counts.updated += 1;
                                    change = DailyTotals {
                                        spend_micros: f.spend_micros - spend_micros,
                                        impressions: f.impressions - impressions,
                                        clicks: f.clicks - clicks,
                                        fact_rows: 0,
                                    };
                                }
                                rollup.add(&f.creative_id, f.date, &f.country, change);
                                if rollup.cells >= RollupDelta::FLUSH_AT {
                                    rollup.apply(&tx)?;
                                }
                            }
                        }
                        FactBatch::Traffic(rows) => {
                            for f in rows {
                                let id: i64 = traffic.query_row(
                                    params![
                                        f.kind,
                                        f.date.map(|d| d.to_string()).unwrap_or_default(),
                                        facts::stored_hour(f.hour),
                                        f.country,
                                        f.device,
                                        f.seat_id,
                                        f.publisher,
                                        f.size,
                                        f.format,
                                        f.filtering_reason,
                                        f.bid_requests,
                                        f.inventory_matches,
                                        f.successful_responses,
                                        f.reached_queries,
                                        f.bids,
                                        f.bids_in_auction,
                                        f.auctions_won,
                                        f.impressions,
                                        f.clicks,
                                        f.ivt_credited_impressions,
                                        f.billed_impressions,
                                        f.viewable_impressions,
                                        f.measurable_impressions,
                                        f.requests
                                    ],
                                    |r| r.get(0),
                                )?;
                                if id > traffic_max {
                                    counts.inserted += 1;
                                } else {
                                    counts.updated += 1;
                                }
                            }
                        }
                        FactBatch::Commit(record) => {
                            committed = Some(record);
                            break;
                        }
                    }
                }
            }
            let Some(record) = committed else {
                // Dropping the transaction rolls it back.
                return Err(StoreError::Backend(
                    "the import stopped before its end; nothing was written".into(),
                ));
            };
            rollup.apply(&tx)?;
            if let Some(mut record) = record {
                record.imported = i64::try_from(counts.inserted).unwrap_or(i64::MAX);
                record.updated = i64::try_from(counts.updated).unwrap_or(i64::MAX);
                counts.import_id = Some(insert_import(&tx, &record)?);
            }
            tx.commit()?;
            Ok(counts)
        })
        .await
    }

    async fn latest_fact_date(&self) -> StoreResult<Option<String>> {
        self.read(|conn| Ok(conn.query_row("SELECT MAX(date) FROM performance_daily", [], |r| r.get(0))?))
            .await
    }

    async fn performance_totals(&self, filter: FactFilter) -> StoreResult<Vec<CreativeTotals>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT creative_id, SUM(spend_micros), SUM(impressions), SUM(clicks) FROM performance_daily \
                 WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2) AND (?3 IS NULL OR country = ?3) \
                 GROUP BY creative_id",
            )?;
            let rows = stmt
                .query_map(params![filter.start, filter.end, filter.country], |r| {
                    Ok(CreativeTotals {
                        creative_id: r.get(0)?,
                        spend_micros: r.get(1)?,
                        impressions: r.get(2)?,
                        clicks: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
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
        self.read(move |conn| {
            let (key, table) = match by {
                Breakdown::Date => ("date", "performance_daily"),
                Breakdown::Hour => ("CAST(hour AS TEXT)", "performance_metrics"),
                Breakdown::Country => ("country", "performance_daily"),
                Breakdown::Device => ("device", "performance_metrics"),
            };
            let ids: Vec<String> = (4..4 + creative_ids.len()).map(numbered).collect();
            let sql = format!(
                "SELECT creative_id, {key} AS k, SUM(spend_micros), SUM(impressions), SUM(clicks) FROM {table} \
                 WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2) AND (?3 IS NULL OR country = ?3) \
                 AND creative_id IN ({}) GROUP BY creative_id, k ORDER BY creative_id, k",
                ids.join(", ")
            );
            let mut values: Vec<Option<String>> = vec![filter.start, filter.end, filter.country];
            values.extend(creative_ids.into_iter().map(Some));
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    Ok(BreakdownRow {
                        creative_id: r.get(0)?,
                        key: r.get(1)?,
                        spend_micros: r.get(2)?,
                        impressions: r.get(3)?,
                        clicks: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn recent_imports(&self, limit: i64) -> StoreResult<Vec<ImportRecord>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id, {} FROM imports ORDER BY id DESC LIMIT ?1",
                facts::IMPORT_COLUMNS
            ))?;
            let rows = stmt
                .query_map(params![limit], |r| {
                    Ok(ImportRecord {
                        id: r.get(0)?,
                        file_name: r.get(1)?,
                        size_bytes: r.get(2)?,
                        sha256: r.get(3)?,
                        kind: r.get(4)?,
                        status: r.get(5)?,
                        rows_read: r.get(6)?,
                        imported: r.get(7)?,
                        updated: r.get(8)?,
                        skipped: r.get(9)?,
                        warnings: r.get(10)?,
                        first_errors: json_column(r.get(11)?),
                        duration_ms: r.get(12)?,
                        actor: r.get(13)?,
                        started_at: r.get(14)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn count_users(&self) -> StoreResult<i64> {
        self.read(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?))
            .await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.write(move |conn| insert_user(conn, &user)).await
    }

    async fn create_first_admin(&self, user: NewUser) -> StoreResult<Option<User>> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let existing: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            if existing > 0 {
                return Ok(None);
            }
            let created = insert_user(&tx, &user)?;
            tx.commit()?;
            Ok(Some(created))
        })
        .await
    }

    async fn user_credentials(&self, email: String) -> StoreResult<Option<UserCredentials>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, email, role, created_at, password_hash, disabled FROM users WHERE email = ?1",
                    params![email],
                    |r| {
                        Ok(UserCredentials {
                            user: user_from(r)?,
                            password_hash: r.get(4)?,
                            disabled: r.get(5)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn create_session(&self, token_sha256: String, user_id: i64, now: i64, expires_at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE expires_at < ?1", params![now])?;
            conn.execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_sha256, user_id, now, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT u.id, u.email, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_sha256 = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                    params![token_sha256, now],
                    user_from,
                )
                .optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_sha256: String) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE token_sha256 = ?1", params![token_sha256])?;
            Ok(())
        })
        .await
    }

    async fn create_api_token(&self, token: NewApiToken) -> StoreResult<ApiTokenInfo> {
        self.write(move |conn| {
            let id: i64 = conn.query_row(
                "INSERT INTO api_tokens (token_sha256, user_id, label, created_at, scope, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    token.token_sha256,
                    token.user_id,
                    token.label,
                    token.now,
                    token.scope.map(Role::as_str),
                    token.expires_at
                ],
                |r| r.get(0),
            )?;
            api_token_info(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("token {id}")))
        })
        .await
    }

    async fn api_token_user(&self, token_sha256: String, now: i64) -> StoreResult<Option<User>> {
        let found = self
            .read(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT u.id, u.email, u.role, u.created_at, t.scope, t.id, t.last_used_at \
                         FROM api_tokens t JOIN users u ON u.id = t.user_id \
                         WHERE t.token_sha256 = ?1 AND u.disabled = 0 AND (t.expires_at IS NULL OR t.expires_at > ?2)",
                        params![token_sha256, now],
                        |r| {
                            let user = user_from(r)?;
                            let scope: Option<String> = r.get(4)?;
                            Ok((user, scope, r.get::<_, i64>(5)?, r.get::<_, Option<i64>>(6)?))
                        },
                    )
                    .optional()?)
            })
            .await?;
        let Some((mut user, scope, token_id, last_used_at)) = found else {
            return Ok(None);
        };
        if let Some(scope) = scope {
            user.role = user.role.min(parse_role(&scope));
        }
        // last_used_at is written at most once an hour: most requests stay pure reads.
        if last_used_at.is_none_or(|at| at < now - 3600) {
            self.write(move |conn| {
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = ?1 WHERE id = ?2",
                    params![now, token_id],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(Some(user))
    }

    async fn list_api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiTokenInfo>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{TOKEN_INFO_SELECT} WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.id DESC"
            ))?;
            let rows = stmt.query_map(params![user_id], token_info_from)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn revoke_api_token(&self, id: i64, owner: Option<i64>) -> StoreResult<ApiTokenInfo> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let info = api_token_info(&tx, id)?
                .filter(|t| owner.is_none_or(|o| o == t.user_id))
                .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
            tx.execute("DELETE FROM api_tokens WHERE id = ?1", params![id])?;
            tx.commit()?;
            Ok(info)
        })
        .await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserAccount>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id, email, role, created_at, disabled FROM users ORDER BY email")?;
            let rows = stmt.query_map([], user_account_from)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn update_user(&self, id: i64, update: UserUpdate) -> StoreResult<UserAccount> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE users SET role = COALESCE(?2, role), disabled = COALESCE(?3, disabled), \
                 password_hash = COALESCE(?4, password_hash) WHERE id = ?1",
                params![id, update.role.map(Role::as_str), update.disabled, update.password_hash],
            )?;
            let account = tx
                .query_row(
                    "SELECT id, email, role, created_at, disabled FROM users WHERE id = ?1",
                    params![id],
                    user_account_from,
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
            let admins: i64 = tx.query_row(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
                [],
                |r| r.get(0),
            )?;
            if admins == 0 {
                return Err(StoreError::Refused(LAST_ADMIN.into()));
            }
            if update.disabled == Some(true) || update.password_hash.is_some() {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", params![id])?;
            }
            tx.commit()?;
            Ok(account)
        })
        .await
    }

    async fn append_audit(&self, entry: NewAuditEntry) -> StoreResult<()> {
        let entry = entry.bounded();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, subject, details) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    entry.at,
                    entry.actor,
                    entry.action,
                    entry.subject,
                    entry.details.to_string()
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn recent_audit(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, at, actor, action, subject, details FROM audit_log ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt
                .query_map(params![limit], |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        subject: r.get(4)?,
                        details: json_column(r.get(5)?),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn save_property(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::PropertySpec,
        now: i64,
    ) -> StoreResult<Property> {
        self.write(move |conn| {
            let values = params![
                spec.code,
                spec.name,
                popup::json_list(&spec.domains),
                spec.active,
                spec.popup_enabled,
                spec.popup_frequency.as_str(),
                spec.popup_placement.as_str(),
                spec.theme_primary,
                spec.theme_accent,
                spec.logo_url,
                now,
            ];
            let result = match id {
                None => conn.query_row(popup::INSERT_PROPERTY, values, |r| r.get::<_, i64>(0)),
                Some(id) => {
                    let mut all = values.to_vec();
                    all.push(&id);
                    conn.query_row(popup::UPDATE_PROPERTY, all.as_slice(), |r| r.get::<_, i64>(0))
                }
            };
            let saved = saved_id(
                result,
                format!("property {}", spec.code),
                format!("property {}", id.unwrap_or(0)),
            )?;
            let sql = format!("{} WHERE id = ?1", popup::SELECT_PROPERTIES);
            conn.query_row(&sql, params![saved], |r| Ok(popup::property_from(r)))?
        })
        .await
    }

    async fn list_properties(&self) -> StoreResult<Vec<Property>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{} ORDER BY code", popup::SELECT_PROPERTIES))?;
            let rows = stmt.query_map([], |r| Ok(popup::property_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn save_offer(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::OfferSpec,
        actor: String,
        now: i64,
    ) -> StoreResult<Offer> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let start_date = spec.start_date.map(|d| d.to_string());
            let end_date = spec.end_date.map(|d| d.to_string());
            let mut values: Vec<&dyn rusqlite::ToSql> = popup::offer_values!(spec, start_date, end_date);
            let saved: i64 = match id {
                None => {
                    values.push(&actor);
                    values.push(&now);
                    tx.query_row(popup::INSERT_OFFER, values.as_slice(), |r| r.get(0))?
                }
                Some(ref id) => {
                    values.push(&now);
                    values.push(id);
                    tx.query_row(popup::UPDATE_OFFER, values.as_slice(), |r| r.get(0))
                        .optional()?
                        .ok_or_else(|| StoreError::NotFound(format!("offer {id}")))?
                }
            };
            tx.execute(popup::CLEAR_OFFER_PROPERTIES, params![saved])?;
            for code in &spec.properties {
                let property: i64 = tx
                    .query_row(popup::PROPERTY_ID_BY_CODE, params![code], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| StoreError::NotFound(format!("property {code}")))?;
                tx.execute(popup::ADD_OFFER_PROPERTY, params![saved, property])?;
            }
            tx.commit()?;
            let offers = load_offers(conn, Some(saved))?;
            offers
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::NotFound(format!("offer {saved}")))
        })
        .await
    }

    async fn list_offers(&self) -> StoreResult<Vec<Offer>> {
        self.read(|conn| load_offers(conn, None)).await
    }

    async fn offer_candidates(
        &self,
        property_id: i64,
        first_hour: String,
        last_hour: String,
    ) -> StoreResult<Vec<OfferCandidate>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&popup::offer_candidates_sql())?;
            let rows = stmt.query_map(params![property_id, first_hour, last_hour], |r| {
                Ok(popup::offer_from(r).and_then(|offer| {
                    Ok(OfferCandidate {
                        offer,
                        impressions_today: r.get(24)?,
                        clicks_today: r.get(25)?,
                    })
                }))
            })?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn record_popup_events(&self, events: Vec<PopupEvent>) -> StoreResult<Vec<bool>> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcomes = Vec::with_capacity(events.len());
            let mut changes = Vec::new();
            {
                let mut insert = tx.prepare_cached(popup::INSERT_EVENT)?;
                let mut hourly = tx.prepare_cached(popup::ADD_TO_HOURLY)?;
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
                            event.attributed
                        ])? == 1;
                    if new {
                        changes.extend(popup::hourly_change(event));
                    }
                    outcomes.push(new);
                }
                for c in popup::merge_hourly(changes) {
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

    async fn click_record(&self, click_id: String) -> StoreResult<Option<ClickRecord>> {
        self.read(move |conn| {
            conn.query_row(popup::CLICK_BY_ID, params![click_id], |r| Ok(popup::click_from(r)))
                .optional()?
                .transpose()
        })
        .await
    }

    async fn popup_analytics(&self, filter: AnalyticsFilter) -> StoreResult<Vec<AnalyticsRow>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&popup::analytics_sql(filter.group_by))?;
            let rows = stmt.query_map(
                params![
                    filter.property_id,
                    filter.offer_id,
                    filter.from,
                    format!("{}T23", filter.to)
                ],
                |r| Ok(popup::analytics_from(r)),
            )?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn server_secret(&self, name: String, candidate: String, now: i64) -> StoreResult<String> {
        self.write(move |conn| {
            conn.execute(popup::SECRET_INSERT, params![name, candidate, now])?;
            Ok(conn.query_row(popup::SECRET_SELECT, params![name], |r| r.get(0))?)
        })
        .await
    }

    async fn prune_server_secrets(&self, pattern: String, before: String) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(popup::SECRET_PRUNE, params![pattern, before])?;
            Ok(())
        })
        .await
    }

    async fn save_network(
        &self,
        id: Option<i64>,
        spec: rtbcat_core::popup::NetworkSpec,
        now: i64,
    ) -> StoreResult<Network> {
        self.write(move |conn| {
            let ips = popup::json_list(&spec.allow_ips);
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![
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
                conn.query_row(sql, values.as_slice(), |r| r.get(0)),
                format!("network {}", spec.name),
                format!("network {}", id.unwrap_or(0)),
            )?;
            conn.query_row(
                &format!("{} WHERE id = ?1", popup::SELECT_NETWORKS),
                params![saved],
                |r| Ok(popup::network_from(r)),
            )?
        })
        .await
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{} ORDER BY name", popup::SELECT_NETWORKS))?;
            let rows = stmt.query_map([], |r| Ok(popup::network_from(r)))?;
            rows.map(|r| r?).collect()
        })
        .await
    }
}
