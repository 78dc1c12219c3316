//! Performance and traffic facts: streamed upserts in one transaction, sums and breakdowns, the import history on PostgreSQL.

use super::postgres_partitions::*;
use super::*;
use crate::engine::postgres::*;

/// The transaction-scoped advisory lock fact writers take before they look for stored days.
const FACT_WRITER_LOCK_KEY: i64 = 0x7274_6263_6674; // "rtbcft"

/// Writes an import's history line; its id.
async fn insert_import(tx: &tokio_postgres::Transaction<'_>, record: &ImportRecord) -> StoreResult<i64> {
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO imports ({}) VALUES ({}) RETURNING id",
                IMPORT_COLUMNS,
                placeholders(14, numbered)
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

/// A daily rollup kept in step with the facts: its table, its key after (date, creative_id),
/// and whether it counts the facts it sums.
struct DailyRollup {
    table: &'static str,
    by: &'static str,
    counts_facts: bool,
}

const DAILY_ROLLUPS: [DailyRollup; 2] = [
    DailyRollup {
        table: "performance_daily",
        by: "country",
        counts_facts: true,
    },
    DailyRollup {
        table: "performance_device_daily",
        by: "device",
        counts_facts: false,
    },
];

impl DailyRollup {
    /// `INSERT INTO … (columns)`, and the sums of the SELECT that feeds it, in that order.
    /// `facts` counts the facts behind a group: `COUNT(*)` over facts, a sum over rows that
    /// already counted them.
    fn insert_and_sums(&self, facts: &str) -> (String, String) {
        let (table, by) = (self.table, self.by);
        let (count_column, count) = if self.counts_facts {
            (", fact_rows", format!(", CAST({facts} AS BIGINT)"))
        } else {
            ("", String::new())
        };
        (
            format!("INSERT INTO {table} (date, creative_id, {by}, spend_micros, impressions, clicks{count_column})"),
            format!(
                "CAST(SUM(spend_micros) AS BIGINT), CAST(SUM(impressions) AS BIGINT), CAST(SUM(clicks) AS BIGINT){count}"
            ),
        )
    }
}

/// Facts of days not stored yet from the import's load table, with their rollups, in one
/// statement: the rollups are summed from the rows the insert returns, so no fact is read
/// back. No rollup row of these days exists, as no fact does. Answers the facts inserted.
/// The way when the days cannot be attached whole (a key twice in the file, or a partition
/// already holding some of the file's span).
fn new_days_with_rollups(load: &str) -> String {
    let [by_country, by_device] = DAILY_ROLLUPS.map(|rollup| {
        let ((insert, sums), by) = (rollup.insert_and_sums("COUNT(*)"), rollup.by);
        format!("{insert} SELECT date, creative_id, {by}, {sums} FROM up GROUP BY date, creative_id, {by}")
    });
    format!(
        "WITH up AS (INSERT INTO performance_metrics ({PERFORMANCE_COLUMNS}) {} \
         RETURNING date, creative_id, country, device, spend_micros, impressions, clicks), \
         by_country AS ({by_country}), by_device AS ({by_device}) \
         SELECT COUNT(*) FROM up",
        last_row_of_each_key(load)
    )
}

/// The load table's rows, the file's last of each key only. A table filled by one COPY in
/// this transaction and never updated keeps its rows in file order, so `ctid` is that order.
fn last_row_of_each_key(load: &str) -> String {
    format!(
        "SELECT DISTINCT ON ({FACT_KEY_IN_INDEX_ORDER}) {PERFORMANCE_COLUMNS} FROM {load} \
         ORDER BY {FACT_KEY_IN_INDEX_ORDER}, ctid DESC"
    )
}

/// The load table's facts over those stored: a key already stored is replaced. (A
/// partitioned table cannot return `xmax`, which told inserts from updates; the caller
/// counts the days' facts before and after instead.)
fn upsert_facts(load: &str) -> String {
    format!(
        "INSERT INTO performance_metrics ({PERFORMANCE_COLUMNS}) {} \
         ON CONFLICT ({FACT_KEY_IN_INDEX_ORDER}) DO UPDATE SET {PERFORMANCE_UPDATE}",
        last_row_of_each_key(load)
    )
}

/// Makes the load table the partition of `range`, in place of the `replaced` partitions:
/// their facts whose keys the file does not hold are copied into it first, then its index is
/// built in one sorted pass (which is also what finds a key twice in the file), and the
/// rollups of its days are summed from it again. Answers how many stored facts it kept
/// (their keys not in the file); None, with everything as it was, when the file holds a key
/// twice: the caller then keeps the last row of each, through the parent.
///
/// Replacing detaches partitions, which locks the fact table against readers until the
/// import commits; what remains after that point is the attach, the rollups and the commit.
async fn take_slice(
    tx: &tokio_postgres::Transaction<'_>,
    load: &str,
    range: &DayRange,
    replaced: &[Partition],
) -> StoreResult<Option<u64>> {
    tx.batch_execute("SAVEPOINT slice").await?;
    let kept = if replaced.is_empty() {
        0
    } else {
        // The statement reads the load table as it was before the statement: the rows it
        // adds are not compared with themselves.
        let same_key = FACT_KEY_IN_INDEX_ORDER
            .split(", ")
            .map(|column| format!("f.{column} = s.{column}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        tx.execute(
            &format!(
                "INSERT INTO {load} ({PERFORMANCE_COLUMNS}) SELECT {PERFORMANCE_COLUMNS} FROM performance_metrics s \
                 WHERE s.date >= $1 AND s.date < $2 AND NOT EXISTS (SELECT 1 FROM {load} f WHERE {same_key})"
            ),
            &[&range.from, &range.until],
        )
        .await?
    };
    let index = tx
        .batch_execute(&format!(
            "ALTER TABLE {load} ADD PRIMARY KEY ({FACT_KEY_IN_INDEX_ORDER})"
        ))
        .await;
    if let Err(error) = index {
        if error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            tx.batch_execute("ROLLBACK TO SAVEPOINT slice").await?;
            return Ok(None);
        }
        return Err(error.into());
    }
    let name = range.partition_name();
    let mut statements = Vec::new();
    for partition in replaced {
        statements.push(format!(
            "ALTER TABLE performance_metrics DETACH PARTITION {0}; DROP TABLE {0}",
            quoted(&partition.name)
        ));
    }
    statements.extend([
        attach_sql(load, range),
        format!("ALTER TABLE {load} RENAME TO {name}"),
        format!("ALTER INDEX {load}_pkey RENAME TO {name}_pkey"),
        "RELEASE SAVEPOINT slice".to_string(),
    ]);
    for rollup in DAILY_ROLLUPS {
        statements.push(format!(
            "DELETE FROM {} WHERE date >= '{}' AND date < '{}'",
            rollup.table, range.from, range.until
        ));
    }
    statements.push(rollups_summed_from(&name));
    tx.batch_execute(&statements.join("; ")).await?;
    Ok(Some(kept))
}

/// Both daily rollups of a partition's facts in one scan (two took twice as long, 1.2 s at
/// 1M facts): the facts summed by date, creative, country and device, then each rollup
/// summed from those cells.
fn rollups_summed_from(partition: &str) -> String {
    let [by_country, by_device] = DAILY_ROLLUPS.map(|rollup| {
        let ((insert, sums), by) = (rollup.insert_and_sums("SUM(facts)"), rollup.by);
        format!("{insert} SELECT date, creative_id, {by}, {sums} FROM cells GROUP BY date, creative_id, {by}")
    });
    format!(
        "WITH cells AS (SELECT date, creative_id, country, device, SUM(spend_micros) AS spend_micros, \
         SUM(impressions) AS impressions, SUM(clicks) AS clicks, COUNT(*) AS facts FROM {partition} \
         GROUP BY date, creative_id, country, device), by_country AS ({by_country}) {by_device}"
    )
}

/// Facts stored from `from` until `until`, from the daily rollup (which counts them).
async fn facts_between(tx: &tokio_postgres::Transaction<'_>, range: &DayRange) -> StoreResult<i64> {
    let row = tx
        .query_one(
            "SELECT CAST(COALESCE(SUM(fact_rows), 0) AS BIGINT) FROM performance_daily WHERE date >= $1 AND date < $2",
            &[&range.from, &range.until],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Stored facts per loaded row up to which re-imported days are taken as a slice: copying
/// the stored facts the file keeps costs less than updating row by row up to there.
const SLICE_COPIES_AT_MOST: u64 = 4;

/// The load table's `loaded` facts as the partition of `slice` (see `take_slice`), when its
/// partitions hold few enough stored facts; None when it cannot be (nothing written then).
async fn write_as_slice(
    tx: &tokio_postgres::Transaction<'_>,
    load: &str,
    slice: DayRange,
    partitions: &[Partition],
    loaded: u64,
) -> StoreResult<Option<FactCounts>> {
    let (replaced, range) = place_slice(slice, partitions);
    let stored = u64::try_from(facts_between(tx, &range).await?).unwrap_or(0);
    if stored > loaded.saturating_mul(SLICE_COPIES_AT_MOST) {
        return Ok(None);
    }
    Ok(take_slice(tx, load, &range, &replaced).await?.map(|kept| {
        let updated = stored.saturating_sub(kept);
        FactCounts {
            inserted: loaded.saturating_sub(updated),
            updated,
            import_id: None,
        }
    }))
}

/// The load table's facts through the parent into the partitions of their `days` (an empty
/// one attached for each day none covers), as new rows or over stored ones; the load table
/// is dropped after.
async fn write_through_parent(
    tx: &tokio_postgres::Transaction<'_>,
    load: &str,
    days: &[time::Date],
    slice: Option<DayRange>,
    partitions: &[Partition],
    loaded: u64,
) -> StoreResult<FactCounts> {
    attach_missing_days(tx, days, partitions).await?;
    // The daily rollup is exact per date and keyed by it: it says which days are stored.
    let days_stored: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM performance_daily WHERE date = ANY($1))",
            &[&days],
        )
        .await?
        .try_get(0)?;
    let inserted = match slice {
        Some(span) if days_stored => {
            // Only the file's days change, so the facts of its span before and after differ
            // by the facts it inserted.
            let before = facts_between(tx, &span).await?;
            tx.execute(&upsert_facts(load), &[]).await?;
            for sql in rebuild_daily_sql(&format!("(SELECT DISTINCT creative_id, date FROM {load})")) {
                tx.execute(&sql, &[]).await?;
            }
            facts_between(tx, &span).await? - before
        }
        _ => tx.query_one(&new_days_with_rollups(load), &[]).await?.try_get(0)?,
    };
    tx.batch_execute(&format!("DROP TABLE {load}")).await?;
    // Every other row replaced a stored fact or an earlier row of its key in the file, as
    // SQLite counts them row by row.
    let inserted = u64::try_from(inserted).unwrap_or(0);
    Ok(FactCounts {
        inserted,
        updated: loaded.saturating_sub(inserted),
        import_id: None,
    })
}

/// Rebuilds the daily rollups for the (creative_id, date) pairs listed by `touched`, a table
/// or subquery: drop their rollup rows, then sum their facts again, inside the import's
/// transaction, so the rollup never disagrees with the facts. Each pair's facts are summed
/// in its own `LATERAL` subquery, read through the key (creative_id, date, …); as a plain
/// join the planner hashed the pairs and scanned every fact (0.7 s per rollup at 1.3M facts
/// for a 100k-row day, and growing with the table).
fn rebuild_daily_sql(touched: &str) -> Vec<String> {
    let mut statements = Vec::new();
    for rollup in DAILY_ROLLUPS {
        let ((insert, sums), table, by) = (rollup.insert_and_sums("COUNT(*)"), rollup.table, rollup.by);
        statements.push(format!(
            "DELETE FROM {table} WHERE (date, creative_id) IN (SELECT date, creative_id FROM {touched} t)"
        ));
        statements.push(format!(
            "{insert} SELECT t.date, t.creative_id, s.* FROM {touched} t CROSS JOIN LATERAL \
             (SELECT m.{by}, {sums} FROM performance_metrics m \
             WHERE m.creative_id = t.creative_id AND m.date = t.date GROUP BY m.{by}) s"
        ));
    }
    statements
}

#[async_trait]
impl PerformanceStore for PgStore {
    fn fact_batching(&self) -> FactBatching {
        // The facts go to a load table by COPY, keyed afterwards in one sort: file order is
        // as good, and the parser, which sets COPY's pace, is spared the sorting.
        FactBatching {
            rows: 10_000,
            in_flight: 4,
            key_order: false,
        }
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
        // Facts stream through binary COPY into a load table of this import's own (a plain
        // table, as it may become a partition of the facts; it goes with a rollback), and
        // traffic into a staging table, `seq` keeping its file order so the last of duplicate
        // keys wins. Sorts and the index build of a large file fit in memory with larger
        // work_mem and maintenance_work_mem, for this transaction only.
        let transaction_id: i64 = tx.query_one("SELECT txid_current()", &[]).await?.try_get(0)?;
        let load = format!("performance_load_{transaction_id}");
        tx.batch_execute(&format!(
            "SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '256MB'; \
             CREATE TABLE {load} (LIKE performance_metrics INCLUDING DEFAULTS INCLUDING CONSTRAINTS); \
             CREATE TEMP TABLE traffic_staging (seq BIGSERIAL, kind TEXT, date DATE, hour BIGINT, country TEXT, device TEXT, \
             seat_id TEXT, publisher TEXT, size TEXT, format TEXT, filtering_reason TEXT, bid_requests BIGINT, \
             inventory_matches BIGINT, successful_responses BIGINT, reached_queries BIGINT, bids BIGINT, \
             bids_in_auction BIGINT, auctions_won BIGINT, impressions BIGINT, clicks BIGINT, ivt_credited_impressions BIGINT, \
             billed_impressions BIGINT, viewable_impressions BIGINT, measurable_impressions BIGINT, requests BIGINT) ON COMMIT DROP;"
        ))
        .await?;
        let perf_sink = tx
            .copy_in(&format!(
                "COPY {load} ({PERFORMANCE_COLUMNS}) FROM STDIN (FORMAT binary)"
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
        let mut traffic_rows: Vec<rtbcat_core::bidder::performance::report::TrafficFact> = Vec::new();
        let mut committed: Option<Option<Box<ImportRecord>>> = None;
        // The file's days, in order: where its facts go.
        let mut days = std::collections::BTreeSet::new();
        while let Some(batch) = batches.recv().await {
            match batch {
                FactBatch::Performance(rows) => {
                    for f in rows {
                        days.insert(f.date);
                        let hour = stored_hour(f.hour);
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
        let loaded = perf_writer.as_mut().finish().await?;
        let Some(record) = committed else {
            return Err(StoreError::Backend(
                "the import stopped before its end; nothing was written".into(),
            ));
        };
        if !traffic_rows.is_empty() {
            let sink = tx
                .copy_in(&format!(
                    "COPY traffic_staging ({}) FROM STDIN (FORMAT binary)",
                    TRAFFIC_COLUMNS
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
            types.extend(std::iter::repeat_n(Type::INT8, TRAFFIC_METRICS.len()));
            let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
            for f in &traffic_rows {
                let hour = stored_hour(f.hour);
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
        // The common cases are a report of days not stored yet, and the same days sent again.
        // Both are taken as a slice (`take_slice`): the load table becomes the partition of
        // those days, indexed in one sorted pass, no conflict checked row by row. Sent again,
        // the slice first takes in the stored facts of its partitions that the file does not
        // replace, so a key keeps its upsert semantics; that pays while those partitions
        // hold no more than `SLICE_COPIES_AT_MOST` stored facts per loaded one. Otherwise the
        // facts go through the parent into the partitions of their days, as new rows
        // (`new_days_with_rollups`) or over stored ones (`upsert_facts`). Fact writers take
        // turns from here to their commit, so two imports of one day cannot both find it
        // absent.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FACT_WRITER_LOCK_KEY])
            .await?;
        let days: Vec<time::Date> = days.into_iter().collect();
        let partitions = partitions(&tx).await?;
        let slice = match (days.first(), days.last()) {
            (Some(&first), Some(&last)) => DayRange::spanning(first, last),
            _ => None,
        };
        let taken = match slice {
            Some(slice) => write_as_slice(&tx, &load, slice, &partitions, loaded).await?,
            None => None,
        };
        let mut counts = match taken {
            Some(counts) => counts,
            None => write_through_parent(&tx, &load, &days, slice, &partitions, loaded).await?,
        };
        // The file's last row of a key wins (DISTINCT ON … seq DESC); a key already stored is
        // replaced.
        let traffic = format!(
            "WITH up AS (INSERT INTO rtb_traffic ({TRAFFIC_COLUMNS}) SELECT DISTINCT ON ({TRAFFIC_KEY}) {TRAFFIC_COLUMNS} \
             FROM traffic_staging ORDER BY {TRAFFIC_KEY}, seq DESC ON CONFLICT ({TRAFFIC_KEY}) DO UPDATE SET {} \
             RETURNING (xmax = 0) AS inserted) \
             SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM up",
            traffic_update()
        );
        let row = tx.query_one(&traffic, &[]).await?;
        counts.inserted += u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
        counts.updated += u64::try_from(row.try_get::<_, i64>(1)?).unwrap_or(0);
        if traffic_rows.iter().any(|f| f.kind == "traffic") {
            for sql in crate::bidder::waste::rebuild_size_daily_sql(
                "date IN (SELECT DISTINCT date FROM traffic_staging WHERE kind = 'traffic')",
            ) {
                tx.execute(&sql, &[]).await?;
            }
        }
        if let Some(mut record) = record {
            record.imported = i64::try_from(counts.inserted).unwrap_or(i64::MAX);
            record.updated = i64::try_from(counts.updated).unwrap_or(i64::MAX);
            counts.import_id = Some(insert_import(&tx, &record).await?);
        }
        tx.commit().await?;
        if counts.inserted + counts.updated > 0 {
            // Fresh statistics for the rollups the listings read: until autovacuum gets to
            // them (a minute or more) the planner takes a large import's new days for a few
            // rows and scans by date where the creative index is the way. In the background
            // (about 0.2 s at 10M facts): the import is done and its caller need not wait.
            tokio::spawn(async move {
                if let Err(e) = client
                    .batch_execute("ANALYZE performance_daily, performance_device_daily")
                    .await
                {
                    tracing::warn!(error = %e, "refreshing the rollups' statistics after an import failed");
                }
            });
        }
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
                &format!("SELECT id, {} FROM imports ORDER BY id DESC LIMIT $1", IMPORT_COLUMNS),
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
                    first_errors: json_value(r.try_get(11)?),
                    duration_ms: r.try_get(12)?,
                    actor: r.try_get(13)?,
                    started_at: r.try_get(14)?,
                })
            })
            .collect::<Result<Vec<_>, tokio_postgres::Error>>()
            .map_err(Into::into)
    }
}
