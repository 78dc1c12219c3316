//! Importing performance and traffic reports: streaming, constant memory, one transaction.
//!
//! A parser thread reads the file (gzip or not), recognises the report, checks every row
//! and sends batches of facts to the store, which upserts them inside one transaction and
//! commits only after the last row. Bad rows are skipped and reported with line, column and
//! reason; an interrupted import leaves nothing behind and re-running it completes it.

use rtbcat_core::report::{ParsedRow, ReportKind, ReportLayout, RowError};
use rtbcat_store::{FactBatch, ImportRecord, NewAuditEntry, SharedStore, StoreError};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::Date;

/// Facts per batch sent to the store; bounds memory whatever the file size.
const BATCH_ROWS: usize = 10_000;
/// Batches in flight between parser and store.
const BATCHES_IN_FLIGHT: usize = 4;
/// Row errors listed in the report; the rest are counted.
pub const MAX_LISTED_ROW_ERRORS: usize = 100;

/// Live counters, for progress bars and the UI.
#[derive(Debug, Default)]
pub struct ImportProgress {
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
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
        .from_reader(CrlfToLf::new(decoded));
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
    let mut performance = Vec::with_capacity(BATCH_ROWS);
    let mut traffic = Vec::new();
    let note_error = |outcome: &mut ParseOutcome, error: RowError| {
        outcome.skipped += 1;
        outcome.errors_total += 1;
        if outcome.errors.len() < MAX_LISTED_ROW_ERRORS {
            outcome.errors.push(error);
        }
    };
    let send = |batch: FactBatch| {
        batches
            .blocking_send(batch)
            .map_err(|_| read_error(file, "the database writer stopped"))
    };
    loop {
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
                                column: layout.column_name(rtbcat_core::report::Column::CreativeId),
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
                if performance.len() >= BATCH_ROWS {
                    send(FactBatch::Performance(std::mem::replace(
                        &mut performance,
                        Vec::with_capacity(BATCH_ROWS),
                    )))?;
                }
            }
            Ok(ParsedRow::Traffic(fact)) => {
                traffic.push(*fact);
                if traffic.len() >= BATCH_ROWS {
                    send(FactBatch::Traffic(std::mem::take(&mut traffic)))?;
                }
            }
            Err(error) => note_error(&mut outcome, error),
        }
    }
    if !performance.is_empty() {
        send(FactBatch::Performance(performance))?;
    }
    if !traffic.is_empty() {
        send(FactBatch::Traffic(traffic))?;
    }
    drop(csv);
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
    let (batch_tx, batch_rx) = tokio::sync::mpsc::channel(BATCHES_IN_FLIGHT);
    let parser_options = options.clone();
    let parser = tokio::task::spawn_blocking(move || {
        parse_into_batches(reader, &parser_options, &known, progress, batch_tx, started)
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

/// A blocking `Read` over chunks arriving on a channel: lets an async upload feed the
/// blocking parser without holding the whole file.
pub struct ChannelReader {
    chunks: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    position: usize,
}

impl ChannelReader {
    pub fn new(chunks: tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>) -> Self {
        ChannelReader {
            chunks,
            current: Vec::new(),
            position: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.position >= self.current.len() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.position = 0;
                }
                Some(Err(err)) => return Err(err),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.position);
        buf[..n].copy_from_slice(&self.current[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
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
}
