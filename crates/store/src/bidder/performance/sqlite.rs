//! Performance and traffic facts: streamed upserts in one transaction, sums and breakdowns, the import history on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use rustc_hash::FxHashMap;
use std::fmt::Write as _;

/// Writes an import's history line; its id.
fn insert_import(conn: &Connection, record: &ImportRecord) -> StoreResult<i64> {
    conn.execute(
        &format!(
            "INSERT INTO imports ({}) VALUES ({})",
            IMPORT_COLUMNS,
            placeholders(14, numbered)
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

/// Sums of one (creative, date, country) cell of the daily rollup.
#[derive(Default, Clone, Copy)]
struct DailyTotals {
    spend_micros: i64,
    impressions: i64,
    clicks: i64,
    fact_rows: i64,
}

impl DailyTotals {
    /// A new fact's contribution: its measures, and one more fact row.
    fn of_new(f: &Fact) -> DailyTotals {
        DailyTotals {
            spend_micros: f.spend_micros,
            impressions: f.impressions,
            clicks: f.clicks,
            fact_rows: 1,
        }
    }
}

/// A rollup cell's second key: `performance_daily` is by country, `performance_device_daily`
/// by device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Cut {
    Country([u8; 2]),
    Device(&'static str),
}

impl Cut {
    fn country(code: &str) -> Cut {
        Cut::Country(code.as_bytes().try_into().unwrap_or(*b"ZZ"))
    }
}

/// What an import changed in the daily rollups, summed in memory as facts are written and
/// added to `performance_daily` in the same transaction. Applied early once it holds
/// `FLUSH_AT` cells, so memory stays bounded whatever the file size.
#[derive(Default)]
struct RollupDelta {
    by_creative: FxHashMap<String, FxHashMap<(time::Date, Cut), DailyTotals>>,
    cells: usize,
}

impl RollupDelta {
    const FLUSH_AT: usize = 200_000;

    fn add(&mut self, creative_id: &str, date: time::Date, cut: Cut, change: DailyTotals) {
        let cells = match self.by_creative.get_mut(creative_id) {
            Some(cells) => cells,
            None => self.by_creative.entry(creative_id.to_string()).or_default(),
        };
        let cell = cells.entry((date, cut)).or_insert_with(|| {
            self.cells += 1;
            DailyTotals::default()
        });
        cell.spend_micros += change.spend_micros;
        cell.impressions += change.impressions;
        cell.clicks += change.clicks;
        cell.fact_rows += change.fact_rows;
    }

    /// A fact's change in both rollups: by country and by device.
    fn add_fact(&mut self, f: &Fact, change: DailyTotals) {
        self.add(&f.creative_id, f.date, Cut::country(&f.country), change);
        self.add(&f.creative_id, f.date, Cut::Device(f.device.as_str()), change);
    }

    fn apply(&mut self, tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO performance_daily (date, creative_id, country, spend_micros, impressions, clicks, fact_rows) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (date, creative_id, country) DO UPDATE SET \
             spend_micros = spend_micros + excluded.spend_micros, impressions = impressions + excluded.impressions, \
             clicks = clicks + excluded.clicks, fact_rows = fact_rows + excluded.fact_rows",
        )?;
        let mut upsert_device = tx.prepare_cached(
            "INSERT INTO performance_device_daily (date, creative_id, device, spend_micros, impressions, clicks) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (date, creative_id, device) DO UPDATE SET \
             spend_micros = spend_micros + excluded.spend_micros, impressions = impressions + excluded.impressions, \
             clicks = clicks + excluded.clicks",
        )?;
        for (creative_id, cells) in self.by_creative.drain() {
            for ((date, cut), totals) in cells {
                match cut {
                    Cut::Country(country) => upsert.execute(params![
                        date.to_string(),
                        creative_id,
                        std::str::from_utf8(&country).unwrap_or("ZZ"),
                        totals.spend_micros,
                        totals.impressions,
                        totals.clicks,
                        totals.fact_rows
                    ])?,
                    Cut::Device(device) => upsert_device.execute(params![
                        date.to_string(),
                        creative_id,
                        device,
                        totals.spend_micros,
                        totals.impressions,
                        totals.clicks
                    ])?,
                };
            }
        }
        self.cells = 0;
        Ok(())
    }
}

type Fact = rtbcat_core::bidder::performance::report::PerformanceFact;

/// Rows per multi-row INSERT of a new day's facts: one statement, and one cursor kept
/// across its rows, for this many facts instead of one each.
const NEW_DAY_CHUNK: usize = 32;

/// How an import writes performance facts on SQLite, with the statements it prepared once.
/// A new day — a run of one (creative, date) with none of its facts stored, its keys
/// ascending, as the sorted batches bring it — goes in as multi-row inserts. Other rows are
/// upserted one by one: a new fact costs one statement, the insert (`changes()` tells new
/// from stored); a stored one two, the read of its old values (for the rollups' deltas) and
/// the update, once the previous row was a stored one too.
struct FactWriter<'t> {
    insert: rusqlite::CachedStatement<'t>,
    update: rusqlite::CachedStatement<'t>,
    previous: rusqlite::CachedStatement<'t>,
    insert_new_day: rusqlite::CachedStatement<'t>,
    day_stored: rusqlite::CachedStatement<'t>,
    date_text: String,
    /// Rows come in runs: all new (days not stored yet) or all stored (a report imported
    /// again, or a "last 7 days" export taken daily).
    expect_stored: bool,
}

impl<'t> FactWriter<'t> {
    fn prepare(tx: &'t rusqlite::Transaction<'_>) -> StoreResult<FactWriter<'t>> {
        Ok(FactWriter {
            insert: tx.prepare_cached(&format!(
                "INSERT INTO performance_metrics ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                PERFORMANCE_COLUMNS,
                placeholders(12, numbered),
            ))?,
            update: tx.prepare_cached(PERFORMANCE_UPDATE_BY_KEY)?,
            previous: tx.prepare_cached(
                "SELECT impressions, clicks, spend_micros FROM performance_metrics WHERE seat_id = ?1 \
                 AND creative_id = ?2 AND date = ?3 AND hour = ?4 AND country = ?5 AND device = ?6 AND placement = ?7",
            )?,
            insert_new_day: tx.prepare_cached(&new_day_insert_sql())?,
            day_stored: tx.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM performance_metrics WHERE creative_id = ?1 AND date = ?2)",
            )?,
            date_text: String::with_capacity(10),
            expect_stored: false,
        })
    }

    /// Writes a batch, day run by day run, and adds what changed to `counts` and `rollup`.
    fn write(
        &mut self,
        rows: &[Fact],
        tx: &rusqlite::Transaction<'_>,
        counts: &mut FactCounts,
        rollup: &mut RollupDelta,
    ) -> StoreResult<()> {
        let mut start = 0;
        while start < rows.len() {
            let first = &rows[start];
            let length = rows[start..]
                .iter()
                .take_while(|f| f.creative_id == first.creative_id && f.date == first.date)
                .count();
            let day = &rows[start..start + length];
            // The rows past the last whole chunk of a new day are upserted as any other row.
            let in_chunks = if self.is_new_day(day)? {
                length - length % NEW_DAY_CHUNK
            } else {
                0
            };
            for chunk in day[..in_chunks].chunks_exact(NEW_DAY_CHUNK) {
                self.insert_new(chunk)?;
                counts.inserted += NEW_DAY_CHUNK as u64;
                for f in chunk {
                    rollup.add_fact(f, DailyTotals::of_new(f));
                }
            }
            if in_chunks > 0 {
                self.expect_stored = false;
            }
            for f in &day[in_chunks..] {
                let change = self.upsert(f, counts)?;
                rollup.add_fact(f, change);
            }
            // A day's run is at most a batch, so the rollup stays within a batch of its limit.
            if rollup.cells >= RollupDelta::FLUSH_AT {
                rollup.apply(tx)?;
            }
            start += length;
        }
        Ok(())
    }

    /// A run of one (creative, date), long enough for a multi-row insert, keys ascending
    /// (so none twice), and none of that day's facts stored.
    fn is_new_day(&mut self, day: &[Fact]) -> StoreResult<bool> {
        if day.len() < NEW_DAY_CHUNK || !day.windows(2).all(|w| w[0].key() < w[1].key()) {
            return Ok(false);
        }
        self.set_date(day[0].date);
        let stored: bool = self
            .day_stored
            .query_row(params![day[0].creative_id, self.date_text], |r| r.get(0))?;
        Ok(!stored)
    }

    /// One multi-row INSERT (`new_day_insert_sql`) of `NEW_DAY_CHUNK` facts of a new day.
    fn insert_new(&mut self, chunk: &[Fact]) -> StoreResult<()> {
        self.set_date(chunk[0].date);
        let insert = &mut self.insert_new_day;
        insert.raw_bind_parameter(1, &chunk[0].creative_id)?;
        insert.raw_bind_parameter(2, &self.date_text)?;
        let mut index = 2;
        for f in chunk {
            let values = fact_values(f, &self.date_text);
            for (column, value) in values.iter().enumerate() {
                if !BOUND_ONCE_PER_DAY.contains(&column) {
                    index += 1;
                    insert.raw_bind_parameter(index, value)?;
                }
            }
        }
        insert.raw_execute()?;
        Ok(())
    }

    fn set_date(&mut self, date: time::Date) {
        self.date_text.clear();
        write!(self.date_text, "{date}").expect("writing to a String");
    }

    /// Inserts or replaces one fact; what it changed in the day's sums.
    fn upsert(&mut self, f: &Fact, counts: &mut FactCounts) -> StoreResult<DailyTotals> {
        self.set_date(f.date);
        let values = fact_values(f, &self.date_text);
        let key = || params_from_iter(&values[..7]);
        let read_stored =
            |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64, i64)> { Ok((r.get(0)?, r.get(1)?, r.get(2)?)) };
        // Try first what the previous row was: one statement for a new fact (the insert),
        // two for a stored one (read, update).
        let read_first = if self.expect_stored {
            self.previous.query_row(key(), read_stored).optional()?
        } else {
            None
        };
        let stored = match read_first {
            Some(stored) => Some(stored),
            None if self.insert.execute(params_from_iter(&values))? == 1 => None,
            None => Some(self.previous.query_row(key(), read_stored)?),
        };
        self.expect_stored = stored.is_some();
        let Some((impressions, clicks, spend_micros)) = stored else {
            counts.inserted += 1;
            return Ok(DailyTotals::of_new(f));
        };
        self.update.execute(params_from_iter(&values))?;
        counts.updated += 1;
        Ok(DailyTotals {
            spend_micros: f.spend_micros - spend_micros,
            impressions: f.impressions - impressions,
            clicks: f.clicks - clicks,
            fact_rows: 0,
        })
    }
}

/// A fact's values in `PERFORMANCE_COLUMNS` order, its key's seven first; `date` is its date
/// as stored.
fn fact_values<'a>(f: &'a Fact, date: &'a str) -> [ToSqlOutput<'a>; 12] {
    let text = |value: &'a str| ToSqlOutput::Borrowed(ValueRef::Text(value.as_bytes()));
    let integer = |value: i64| ToSqlOutput::Borrowed(ValueRef::Integer(value));
    let optional = |value: Option<i64>| value.map_or(ToSqlOutput::Borrowed(ValueRef::Null), integer);
    [
        text(f.seat_id.as_deref().unwrap_or("")),
        text(&f.creative_id),
        text(date),
        integer(stored_hour(f.hour)),
        text(&f.country),
        text(f.device.as_str()),
        text(&f.placement),
        integer(f.impressions),
        integer(f.clicks),
        integer(f.spend_micros),
        optional(f.reached_queries),
        optional(f.bids),
    ]
}

/// The columns of `fact_values` that one day's facts share (creative, date): a new day's
/// multi-row INSERT binds them once per statement.
const BOUND_ONCE_PER_DAY: [usize; 2] = [1, 2];

/// The multi-row INSERT of `NEW_DAY_CHUNK` facts of one (creative, date): the columns in
/// `BOUND_ONCE_PER_DAY` are `?1` and `?2` in every row, each row's other ten follow in order.
fn new_day_insert_sql() -> String {
    let rows: Vec<String> = (0..NEW_DAY_CHUNK)
        .map(|row| {
            let mut own = 2 + row * 10;
            let values: Vec<String> = (0..12)
                .map(|column| match BOUND_ONCE_PER_DAY.iter().position(|&c| c == column) {
                    Some(shared) => format!("?{}", shared + 1),
                    None => {
                        own += 1;
                        format!("?{own}")
                    }
                })
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO performance_metrics ({PERFORMANCE_COLUMNS}) VALUES {}",
        rows.join(", ")
    )
}

#[async_trait]
impl PerformanceStore for SqliteStore {
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

    fn fact_batching(&self) -> FactBatching {
        // Rows in key order walk the facts' b-tree in one pass per batch instead of descending
        // it at random for each row. 1M rows, 4 rounds side by side: 2.02-2.16 s in file order
        // (10k-row batches) against 1.74-1.81 s in sorted 50k-row batches into an empty table,
        // 2.24-2.28 against 1.77-1.87 s for new days of the same creatives; peak memory 95-102
        // → 130-139 MB (100k-row batches were no faster and took 175 MB). One batch queued is
        // enough: the parser fills and sorts the next while the writer writes.
        FactBatching {
            rows: 50_000,
            in_flight: 1,
            key_order: true,
        }
    }

    async fn write_facts(&self, mut batches: tokio::sync::mpsc::Receiver<FactBatch>) -> StoreResult<FactCounts> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Traffic rows created by this import get ids above today's highest: that tells new from replaced.
            let traffic_max: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM rtb_traffic", [], |r| r.get(0))?;
            let mut counts = FactCounts::default();
            let mut committed: Option<Option<Box<ImportRecord>>> = None;
            let mut rollup = RollupDelta::default();
            let mut traffic_days: std::collections::BTreeSet<time::Date> = std::collections::BTreeSet::new();
            {
                let mut facts = FactWriter::prepare(&tx)?;
                let mut traffic = tx.prepare_cached(&format!(
                    "INSERT INTO rtb_traffic ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {} RETURNING id",
                    TRAFFIC_COLUMNS,
                    placeholders(24, numbered),
                    TRAFFIC_KEY,
                    traffic_update()
                ))?;
                while let Some(batch) = batches.blocking_recv() {
                    match batch {
                        FactBatch::Performance(rows) => facts.write(&rows, &tx, &mut counts, &mut rollup)?,
                        FactBatch::Traffic(rows) => {
                            for f in rows {
                                if f.kind == "traffic" {
                                    if let Some(date) = f.date {
                                        traffic_days.insert(date);
                                    }
                                }
                                let id: i64 = traffic.query_row(
                                    params![
                                        f.kind,
                                        f.date.map(|d| d.to_string()).unwrap_or_default(),
                                        stored_hour(f.hour),
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
            {
                let [clear, fill] = crate::bidder::waste::rebuild_size_daily_sql("date = ?1");
                let (mut clear, mut fill) = (tx.prepare_cached(&clear)?, tx.prepare_cached(&fill)?);
                for day in &traffic_days {
                    let day = day.to_string();
                    clear.execute(params![day])?;
                    fill.execute(params![day])?;
                }
            }
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
                IMPORT_COLUMNS
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
                        first_errors: json_value(&r.get::<_, String>(11)?),
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
}
