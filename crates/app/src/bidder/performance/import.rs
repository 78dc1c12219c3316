//! Importing performance and traffic reports: streaming, constant memory, one transaction.
//!
//! A parser thread reads the file (gzip or not), recognises the report, checks every row
//! and sends batches of facts to the store, which upserts them inside one transaction and
//! commits only after the last row. Bad rows are skipped and reported with line, column and
//! reason; an interrupted import leaves nothing behind and re-running it completes it.

use rtbcat_core::bidder::performance::report::{
    sort_by_fact_key, ParsedRow, PerformanceFact, ReportKind, ReportLayout, RowError,
};
use rtbcat_store::{FactBatch, FactBatching, ImportRecord, NewAuditEntry, SharedStore, StoreError};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::Date;

/// Traffic facts per batch sent to the store; bounds memory whatever the file size.
/// Performance facts go in the batches the store asks for ([`FactBatching`]).
const TRAFFIC_BATCH_ROWS: usize = 10_000;
/// Row errors listed in the report; the rest are counted.
pub const MAX_LISTED_ROW_ERRORS: usize = 100;
/// The longest row (or header) a report may have, in bytes. Real rows are a few hundred
/// bytes; a longer one is a broken or hostile file (a gzip of one endless line), and the
/// import stops there instead of holding the line in memory.
pub const MAX_ROW_BYTES: u64 = 64 * 1024;
/// Longest text of a row error kept in a report or the import history.
const MAX_ERROR_TEXT: usize = 300;

/// Live counters, for progress bars and the UI.
#[derive(Debug, Default)]
pub struct ImportProgress {
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
    /// Set when whoever started the import has gone (an abandoned upload): the parser
    /// stops and nothing is committed.
    pub cancelled: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub file_name: String,
    pub actor: String,
    /// Reject rows for creatives the catalog does not know, instead of warning.
    pub strict: bool,
    pub now_unix: i64,
    pub today: Date,
}

/// The import report (the seed's `{imported, skipped, errors}` shape, extended).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PerformanceImportReport {
    pub import_id: i64,
    pub file_name: String,
    #[schema(value_type = String)]
    pub kind: ReportKind,
    pub kind_label: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub rows_read: u64,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub totals_rows: u64,
    /// Rows for creatives the catalog does not know yet (kept; they join when it arrives).
    pub warnings: u64,
    pub unknown_creatives: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<RowError>,
    pub errors_total: u64,
    pub duration_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PerformanceImportError {
    #[error("{file}: {message}")]
    Unrecognised { file: String, message: String },
    #[error("{file}: cannot read the file: {message}")]
    Read { file: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hashes and counts the raw bytes as they are read.
struct MeteredReader<R> {
    inner: R,
    hasher: Sha256,
    progress: Arc<ImportProgress>,
    bytes: u64,
}

impl<R: Read> Read for MeteredReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

struct ParseOutcome {
    kind: ReportKind,
    rows_read: u64,
    skipped: u64,
    totals_rows: u64,
    warnings: u64,
    unknown_creatives: Vec<String>,
    errors: Vec<RowError>,
    errors_total: u64,
    sha256: String,
    size_bytes: u64,
}

fn read_error(file: &str, err: impl std::fmt::Display) -> PerformanceImportError {
    PerformanceImportError::Read {
        file: file.to_string(),
        message: err.to_string(),
    }
}

/// The parser side: runs on a blocking thread.
fn parse_into_batches<R: Read>(
    reader: R,
    options: &ImportOptions,
    known: &FxHashMap<String, Option<String>>,
    batching: FactBatching,
    progress: Arc<ImportProgress>,
    batches: tokio::sync::mpsc::Sender<FactBatch>,
    started: std::time::Instant,
) -> Result<ParseOutcome, PerformanceImportError> {
    let file = options.file_name.as_str();
    let mut metered = BufReader::with_capacity(
        256 * 1024,
        MeteredReader {
            inner: reader,
            hasher: Sha256::new(),
            progress: progress.clone(),
            bytes: 0,
        },
    );
    let gzip = metered
        .fill_buf()
        .map_err(|e| read_error(file, e))?
        .starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(&mut metered))
    } else {
        Box::new(&mut metered)
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(RowLimit::new(CrlfToLf::new(decoded)));
    let mut record = csv::StringRecord::new();
    let header_found = csv.read_record(&mut record).map_err(|e| read_error(file, e))?;
    if !header_found {
        return Err(PerformanceImportError::Unrecognised {
            file: file.into(),
            message: "the file is empty".into(),
        });
    }
    let header: Vec<&str> = record.iter().collect();
    let layout = ReportLayout::detect(&header).map_err(|e| PerformanceImportError::Unrecognised {
        file: file.into(),
        message: e.message,
    })?;

    let mut outcome = ParseOutcome {
        kind: layout.kind,
        rows_read: 0,
        skipped: 0,
        totals_rows: 0,
        warnings: 0,
        unknown_creatives: Vec::new(),
        errors: Vec::new(),
        errors_total: 0,
        sha256: String::new(),
        size_bytes: 0,
    };
    let mut unknown: FxHashSet<String> = FxHashSet::default();
    let mut performance = Vec::with_capacity(batching.rows);
    let mut traffic = Vec::new();
    let note_error = |outcome: &mut ParseOutcome, error: RowError| {
        outcome.skipped += 1;
        outcome.errors_total += 1;
        if outcome.errors.len() < MAX_LISTED_ROW_ERRORS {
            // A hostile field can be megabytes long: report and store only its start.
            outcome.errors.push(RowError {
                line: error.line,
                column: rtbcat_core::shared::text::truncate_chars(&error.column, MAX_ERROR_TEXT),
                reason: rtbcat_core::shared::text::truncate_chars(&error.reason, MAX_ERROR_TEXT),
            });
        }
    };
    let send = |batch: FactBatch| {
        batches
            .blocking_send(batch)
            .map_err(|_| read_error(file, "the database writer stopped"))
    };
    let performance_batch = |mut rows: Vec<PerformanceFact>| {
        if batching.key_order {
            sort_by_fact_key(&mut rows);
        }
        FactBatch::Performance(rows)
    };
    loop {
        if progress.cancelled.load(Ordering::Relaxed) {
            return Err(read_error(file, "the import was cancelled (the upload was abandoned)"));
        }
        let start = csv.position().clone();
        csv.get_mut().row_starts_at(start.byte(), start.line());
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(read_error(file, e));
                }
                note_error(
                    &mut outcome,
                    RowError {
                        line,
                        column: "(row)".into(),
                        reason: e.to_string(),
                    },
                );
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        outcome.rows_read += 1;
        progress.rows.fetch_add(1, Ordering::Relaxed);
        let fields: Vec<&str> = record.iter().collect();
        match layout.parse_row(&fields, line, options.today) {
            Ok(ParsedRow::Totals) => outcome.totals_rows += 1,
            Ok(ParsedRow::Performance(mut fact)) => {
                match known.get(&fact.creative_id) {
                    // File facts under the catalog's seat, so the same creative from two
                    // kinds of report (with and without a seat column) is one key.
                    Some(Some(seat)) => fact.seat_id = Some(seat.clone()),
                    Some(None) => {}
                    None if options.strict => {
                        note_error(
                            &mut outcome,
                            RowError {
                                line,
                                column: layout
                                    .column_name(rtbcat_core::bidder::performance::report::Column::CreativeId),
                                reason: format!("creative {:?} is not in the catalog (--strict)", fact.creative_id),
                            },
                        );
                        continue;
                    }
                    None => {
                        outcome.warnings += 1;
                        if unknown.len() < 20 && unknown.insert(fact.creative_id.clone()) {
                            outcome.unknown_creatives.push(fact.creative_id.clone());
                        }
                    }
                }
                performance.push(fact);
                if performance.len() >= batching.rows {
                    send(performance_batch(std::mem::replace(
                        &mut performance,
                        Vec::with_capacity(batching.rows),
                    )))?;
                }
            }
            Ok(ParsedRow::Traffic(fact)) => {
                traffic.push(*fact);
                if traffic.len() >= TRAFFIC_BATCH_ROWS {
                    send(FactBatch::Traffic(std::mem::take(&mut traffic)))?;
                }
            }
            Err(error) => note_error(&mut outcome, error),
        }
    }
    if !performance.is_empty() {
        send(performance_batch(performance))?;
    }
    if !traffic.is_empty() {
        send(FactBatch::Traffic(traffic))?;
    }
    drop(csv);
    if progress.cancelled.load(Ordering::Relaxed) {
        return Err(read_error(file, "the import was cancelled (the upload was abandoned)"));
    }
    // Read to the end so the checksum covers the whole file even past a gzip trailer.
    std::io::copy(&mut metered, &mut std::io::sink()).map_err(|e| read_error(file, e))?;
    let metered = metered.into_inner();
    outcome.sha256 = hex::encode(metered.hasher.finalize());
    outcome.size_bytes = metered.bytes;
    // The history line rides with the commit: the store fills in the counts and writes it in
    // the facts' transaction, so a history line means the facts are there, and vice versa.
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    send(FactBatch::Commit(Some(Box::new(ImportRecord {
        id: 0,
        file_name: options.file_name.clone(),
        size_bytes: as_i64(outcome.size_bytes),
        sha256: outcome.sha256.clone(),
        kind: outcome.kind.as_str().to_string(),
        status: "done".into(),
        rows_read: as_i64(outcome.rows_read),
        imported: 0,
        updated: 0,
        skipped: as_i64(outcome.skipped),
        warnings: as_i64(outcome.warnings),
        first_errors: serde_json::to_value(outcome.errors.iter().take(10).collect::<Vec<_>>()).unwrap_or_default(),
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        actor: options.actor.clone(),
        started_at: options.now_unix,
    }))))?;
    Ok(outcome)
}

/// Import one report. The reader is consumed on a blocking thread.
pub async fn import_report<R: Read + Send + 'static>(
    store: &SharedStore,
    reader: R,
    options: ImportOptions,
    progress: Arc<ImportProgress>,
) -> Result<PerformanceImportReport, PerformanceImportError> {
    let started = std::time::Instant::now();
    // creative id → its seat, or None when several seats use the id.
    let mut known: FxHashMap<String, Option<String>> = FxHashMap::default();
    for (creative_id, seat) in store.creative_seats().await? {
        known
            .entry(creative_id)
            .and_modify(|existing| {
                if existing.as_deref() != Some(seat.as_str()) {
                    *existing = None;
                }
            })
            .or_insert(Some(seat));
    }
    let batching = store.fact_batching();
    let (batch_tx, batch_rx) = tokio::sync::mpsc::channel(batching.in_flight.max(1));
    let parser_options = options.clone();
    let parser = tokio::task::spawn_blocking(move || {
        parse_into_batches(reader, &parser_options, &known, batching, progress, batch_tx, started)
    });
    let writer = store.write_facts(batch_rx);
    let (parsed, written) = tokio::join!(parser, writer);
    let parsed = parsed.map_err(|e| read_error(&options.file_name, e))?;
    // A parse failure explains a writer that saw no commit better than the writer can.
    let outcome = parsed?;
    let counts = written?;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let report = PerformanceImportReport {
        import_id: counts.import_id.unwrap_or(0),
        file_name: options.file_name.clone(),
        kind: outcome.kind,
        kind_label: outcome.kind.label().to_string(),
        sha256: outcome.sha256,
        size_bytes: outcome.size_bytes,
        rows_read: outcome.rows_read,
        imported: counts.inserted,
        updated: counts.updated,
        skipped: outcome.skipped,
        totals_rows: outcome.totals_rows,
        warnings: outcome.warnings,
        unknown_creatives: outcome.unknown_creatives,
        errors: outcome.errors,
        errors_total: outcome.errors_total,
        duration_ms,
    };
    store
        .append_audit(NewAuditEntry {
            at: options.now_unix,
            actor: options.actor.clone(),
            action: "performance.import".into(),
            subject: Some(report.file_name.clone()),
            details: serde_json::json!({"kind": report.kind.as_str(), "imported": report.imported, "updated": report.updated, "skipped": report.skipped}),
        })
        .await?;
    Ok(report)
}

/// Refuses a row longer than [`MAX_ROW_BYTES`] while it is being read, so memory stays
/// bounded whatever the file holds. The csv reader tells it where each row starts; the
/// count covers quoted fields that span lines too.
struct RowLimit<R> {
    inner: R,
    delivered: u64,
    row_start: u64,
    row_line: u64,
}

impl<R: Read> RowLimit<R> {
    fn new(inner: R) -> Self {
        RowLimit {
            inner,
            delivered: 0,
            row_start: 0,
            row_line: 1,
        }
    }

    fn row_starts_at(&mut self, byte: u64, line: u64) {
        self.row_start = byte;
        self.row_line = line;
    }
}

/// The csv reader reads ahead by its buffer; a row is refused once this much past its
/// start has been handed over without the row ending.
const CSV_READ_AHEAD: u64 = 64 * 1024;

impl<R: Read> Read for RowLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.delivered.saturating_sub(self.row_start) > MAX_ROW_BYTES + CSV_READ_AHEAD {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {}: the row is longer than {} KiB; is this a CSV report?",
                    self.row_line,
                    MAX_ROW_BYTES / 1024
                ),
            ));
        }
        let n = self.inner.read(buf)?;
        self.delivered += n as u64;
        Ok(n)
    }
}

/// Turns CRLF line ends into LF. The csv crate numbers lines one short after a CRLF, and
/// Authorized Buyers exports use CRLF: errors must name the line the user sees.
struct CrlfToLf<R> {
    inner: R,
    buffer: Vec<u8>,
    start: usize,
    pending_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            buffer: Vec::new(),
            start: 0,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.start >= self.buffer.len() {
            let mut raw = vec![0u8; out.len().max(8 * 1024)];
            let n = self.inner.read(&mut raw)?;
            self.buffer.clear();
            self.start = 0;
            if n == 0 {
                if std::mem::take(&mut self.pending_cr) {
                    self.buffer.push(b'\r');
                    break;
                }
                return Ok(0);
            }
            for &byte in &raw[..n] {
                if std::mem::take(&mut self.pending_cr) && byte != b'\n' {
                    self.buffer.push(b'\r');
                }
                if byte == b'\r' {
                    self.pending_cr = true;
                } else {
                    self.buffer.push(byte);
                }
            }
        }
        let n = out.len().min(self.buffer.len() - self.start);
        out[..n].copy_from_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// What an upload sends the parser: a chunk of the file, a read error, or the end.
pub enum UploadChunk {
    Data(Vec<u8>),
    Failed(std::io::Error),
    /// The whole file has arrived. A channel that closes without it was abandoned.
    End,
}

/// A blocking `Read` over chunks arriving on a channel: lets an async upload feed the
/// blocking parser without holding the whole file. A channel closed before `End` is an
/// error, never a short file, so an abandoned upload cannot commit what it sent so far.
pub struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<UploadChunk>,
    current: Vec<u8>,
    position: usize,
    ended: bool,
}

impl ChannelReader {
    pub fn new(chunks: tokio::sync::mpsc::Receiver<UploadChunk>) -> Self {
        ChannelReader {
            chunks,
            current: Vec::new(),
            position: 0,
            ended: false,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.position >= self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.chunks.blocking_recv() {
                Some(UploadChunk::Data(chunk)) => {
                    self.current = chunk;
                    self.position = 0;
                }
                Some(UploadChunk::Failed(err)) => return Err(err),
                Some(UploadChunk::End) => self.ended = true,
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the upload ended before the whole file arrived",
                    ))
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.position);
        buf[..n].copy_from_slice(&self.current[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Cancels an import when dropped before `finish`: held by a request handler, it stops the
/// parser when the client goes away and the handler is dropped.
pub struct CancelOnDrop(Option<Arc<ImportProgress>>);

impl CancelOnDrop {
    pub fn new(progress: Arc<ImportProgress>) -> Self {
        CancelOnDrop(Some(progress))
    }

    pub fn finish(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(progress) = self.0.take() {
            progress.cancelled.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fuzz_tests::fresh_store;
    use super::*;

    #[test]
    fn crlf_becomes_lf_and_lone_cr_survives() {
        for (input, expected) in [
            (&b"a\r\nb\r\n"[..], &b"a\nb\n"[..]),
            (b"a\rb\r", b"a\rb\r"),
            (b"x\r", b"x\r"),
            (b"", b""),
        ] {
            let mut out = Vec::new();
            // One byte at a time exercises a CR at the end of a read.
            let slow = std::io::BufReader::with_capacity(1, input);
            CrlfToLf::new(slow).read_to_end(&mut out).expect("read");
            assert_eq!(out, expected, "{input:?}");
        }
    }

    fn test_options(file_name: &str) -> ImportOptions {
        ImportOptions {
            file_name: file_name.into(),
            actor: "test".into(),
            strict: false,
            now_unix: 1_795_262_400,
            today: time::macros::date!(2026 - 11 - 20),
        }
    }

    /// Rows for as long as the reader is read, each a valid seed-CSV line.
    struct EndlessRows {
        row: u64,
        pending: Vec<u8>,
    }

    impl Read for EndlessRows {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pending.is_empty() {
                self.pending = if self.row == 0 {
                    b"Day,Creative ID,Impressions,Clicks,Spend\n".to_vec()
                } else {
                    format!("2026-11-01,c{},10,1,0.50\n", self.row).into_bytes()
                };
                self.row += 1;
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_import_whose_caller_went_away_commits_nothing() {
        let (_dir, store) = fresh_store().await;
        let progress = Arc::new(ImportProgress::default());
        let guard = CancelOnDrop::new(progress.clone());
        let watcher = {
            let progress = progress.clone();
            tokio::spawn(async move {
                // The caller (a request handler) is dropped once the import is under way.
                while progress.rows.load(Ordering::Relaxed) < 50_000 {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                drop(guard);
            })
        };
        let options = test_options("endless.csv");
        let result = import_report(
            &store,
            EndlessRows {
                row: 0,
                pending: Vec::new(),
            },
            options,
            progress,
        )
        .await;
        watcher.await.expect("watcher");
        let error = result.expect_err("a cancelled import fails");
        assert!(error.to_string().contains("cancelled"), "{error}");
        assert!(store.recent_imports(10).await.expect("imports").is_empty());
        assert_eq!(store.catalog_stats().await.expect("stats").performance.fact_rows, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_out_of_key_order_keep_the_last_row_of_a_key() {
        let (_dir, store) = fresh_store().await;
        // The SQLite store takes facts sorted by key: the key (b, 11-02, US) comes three times
        // among rows of other keys, and its last row (60) must be what stays.
        let file = "creative_id,date,hour,impressions,clicks,spend,geography,device_type\n\
            b,2026-11-02,0,10,1,1.00,US,mobile\n\
            a,2026-11-01,0,20,2,2.00,US,mobile\n\
            b,2026-11-01,0,30,3,3.00,US,mobile\n\
            b,2026-11-02,0,40,4,4.00,US,mobile\n\
            a,2026-11-01,0,50,5,5.00,DE,mobile\n\
            b,2026-11-02,0,60,6,6.00,US,mobile\n";
        let options = test_options("scrambled.csv");
        let report = import_report(
            &store,
            std::io::Cursor::new(file.as_bytes().to_vec()),
            options,
            Arc::new(ImportProgress::default()),
        )
        .await
        .expect("import");
        assert_eq!(
            (report.imported, report.updated),
            (4, 2),
            "four keys, two rows replaced"
        );
        let mut totals: Vec<(String, i64, i64)> = store
            .performance_totals(rtbcat_store::FactFilter::default())
            .await
            .expect("totals")
            .into_iter()
            .map(|t| (t.creative_id, t.impressions, t.spend_micros))
            .collect();
        totals.sort();
        assert_eq!(
            totals,
            vec![("a".to_string(), 70, 7_000_000), ("b".to_string(), 90, 9_000_000)]
        );
    }

    #[test]
    fn a_row_longer_than_the_limit_stops_the_read() {
        let mut text = b"Day,Creative ID\n2026-11-01,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(RowLimit::new(&text[..]));
        let mut record = csv::StringRecord::new();
        let mut outcome = Ok(true);
        for _ in 0..2 {
            let start = csv.position().clone();
            csv.get_mut().row_starts_at(start.byte(), start.line());
            outcome = csv.read_record(&mut record);
        }
        let error = outcome.expect_err("the long row is refused");
        assert!(
            error.to_string().contains("line 2: the row is longer than 64 KiB"),
            "{error}"
        );
        // It stopped near the limit, not at the end of the 10 MB.
        assert!(
            csv.get_ref().delivered < 4 * MAX_ROW_BYTES,
            "{} bytes read",
            csv.get_ref().delivered
        );
    }
}
