//! Importing creatives in the Real-time Bidding API v1 JSON shape.
//!
//! A file is all-or-nothing: every element is checked first, and one bad element rejects
//! the file with the element and field named, so the catalog never holds half a file.

use rtbcat_core::bidder::catalog::creative::{self, CreativeError};
use rtbcat_store::{CreativeRecord, NewAuditEntry, SharedStore, StoreError, UpsertOutcome};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// At most this many element errors are listed; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 50;
/// The largest creatives document read (a `creatives.list` page of 1,000 creatives is a few
/// MB; 10,000 demo creatives are 4.8 MB). The CLI and the upload route both stop here.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// The largest single creative (its JSON, HTML snippet included).
pub const MAX_CREATIVE_BYTES: usize = 1024 * 1024;
/// Longest error text echoed back for one element.
const MAX_ERROR_TEXT: usize = 300;

/// Reads a whole document, refusing one over [`MAX_DOCUMENT_BYTES`] without holding more.
pub fn read_document(reader: impl std::io::Read) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    let limit = u64::try_from(MAX_DOCUMENT_BYTES).unwrap_or(u64::MAX);
    reader.take(limit + 1).read_to_string(&mut text)?;
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the document is larger than {} MiB; split it into several files",
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(text)
}

fn bounded(mut error: CreativeError) -> CreativeError {
    error.reason = rtbcat_core::shared::text::truncate_chars(&error.reason, MAX_ERROR_TEXT);
    error.field = rtbcat_core::shared::text::truncate_chars(&error.field, MAX_ERROR_TEXT);
    error.creative_id = error
        .creative_id
        .map(|id| rtbcat_core::shared::text::truncate_chars(&id, MAX_ERROR_TEXT));
    error
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FormatSummary {
    pub creatives: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreativeImportReport {
    pub source: String,
    pub creatives: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub by_format: BTreeMap<String, FormatSummary>,
    pub seats: Vec<String>,
    /// New creatives placed in a campaign (their product's, or a new one) by the rules.
    pub placed_in_campaigns: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{source_name}: {} invalid element(s); nothing was imported. First: {}", total_errors, errors.first().map(|e| e.to_string()).unwrap_or_default())]
    Invalid {
        source_name: String,
        errors: Vec<CreativeError>,
        total_errors: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parse and check a whole document; every error, not only the first.
pub fn prepare_records(
    text: &str,
    buyers_ui_template: &str,
) -> Result<Vec<CreativeRecord>, (Vec<CreativeError>, usize)> {
    let elements = creative::split_import_document(text).map_err(|e| (vec![bounded(e)], 1))?;
    let mut errors = Vec::new();
    let mut total_errors = 0usize;
    let mut records = Vec::with_capacity(elements.len());
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, raw) in elements.into_iter().enumerate() {
        let index = i + 1;
        match prepare_element(index, raw, buyers_ui_template) {
            Ok(record) => {
                let key = (record.creative.seat_id.clone(), record.creative.creative_id.clone());
                if let Some(first) = seen.insert(key, index) {
                    total_errors += 1;
                    if errors.len() < MAX_LISTED_ERRORS {
                        errors.push(CreativeError {
                            index,
                            creative_id: Some(record.creative.creative_id.clone()),
                            field: "creativeId".into(),
                            reason: format!(
                                "duplicate of creative #{first} in the same seat {}",
                                record.creative.seat_id
                            ),
                        });
                    }
                    continue;
                }
                records.push(record);
            }
            Err(err) => {
                total_errors += 1;
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(err);
                }
            }
        }
    }
    if total_errors > 0 {
        Err((errors, total_errors))
    } else {
        Ok(records)
    }
}

/// Checks one element (the `index`-th) and builds its record.
fn prepare_element(
    index: usize,
    raw: serde_json::Value,
    buyers_ui_template: &str,
) -> Result<CreativeRecord, CreativeError> {
    let raw_json = raw.to_string();
    if raw_json.len() > MAX_CREATIVE_BYTES {
        return Err(CreativeError {
            index,
            creative_id: None,
            field: "(creative)".into(),
            reason: format!(
                "the creative is {} bytes; at most {} KiB is accepted",
                raw_json.len(),
                MAX_CREATIVE_BYTES / 1024
            ),
        });
    }
    let parsed = creative::parse_api_creative(index, raw).map_err(bounded)?;
    let creative = creative::normalize(&parsed, buyers_ui_template);
    // serde_json objects keep keys sorted, so the hash ignores key order in the file.
    let raw_sha256 = hex::encode(Sha256::digest(raw_json.as_bytes()));
    Ok(CreativeRecord {
        creative,
        raw_json,
        raw_sha256,
    })
}

/// What storing one page of a live sync did.
#[derive(Debug, Default)]
pub struct PageOutcome {
    pub creatives: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Creatives the import refused, each with its reason; the rest of the page is stored.
    pub rejections: Vec<String>,
}

/// Stores a page of `creatives.list` (one transaction). Unlike a file, a page Google sends
/// is not refused whole for one creative the import cannot read: that one is reported.
pub async fn store_page(
    store: &SharedStore,
    creatives: Vec<serde_json::Value>,
    buyers_ui_template: &str,
    now: i64,
) -> Result<PageOutcome, StoreError> {
    let mut outcome = PageOutcome::default();
    let mut records = Vec::with_capacity(creatives.len());
    for (i, raw) in creatives.into_iter().enumerate() {
        match prepare_element(i + 1, raw, buyers_ui_template) {
            Ok(record) => records.push(record),
            Err(e) => outcome.rejections.push(e.to_string()),
        }
    }
    if records.is_empty() {
        return Ok(outcome);
    }
    let report = store_records(store, records, "Google API sync", now).await?;
    outcome.creatives = report.creatives as i64;
    outcome.inserted = report.inserted as i64;
    outcome.updated = report.updated as i64;
    outcome.unchanged = report.unchanged as i64;
    Ok(outcome)
}

/// Import a creatives document into the store and record it in the audit log.
pub async fn import_creatives(
    store: &SharedStore,
    text: &str,
    source_name: &str,
    actor: &str,
    buyers_ui_template: &str,
    now: i64,
) -> Result<CreativeImportReport, ImportError> {
    let records = prepare_records(text, buyers_ui_template).map_err(|(errors, total_errors)| ImportError::Invalid {
        source_name: source_name.to_string(),
        errors,
        total_errors,
    })?;
    let mut report = store_records(store, records, source_name, now).await?;
    store
        .append_audit(NewAuditEntry {
            at: now,
            actor: actor.to_string(),
            action: "creatives.import".into(),
            subject: Some(source_name.to_string()),
            details: serde_json::json!({
                "creatives": report.creatives,
                "inserted": report.inserted,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }),
        })
        .await?;
    if report.inserted > 0 {
        // Newcomers join their product's campaign; nothing a user placed moves.
        report.placed_in_campaigns = crate::bidder::campaigns::place_new(store, actor, now).await?.assigned;
    }
    Ok(report)
}

/// Upsert prepared records in one transaction and count what changed, per format.
async fn store_records(
    store: &SharedStore,
    records: Vec<CreativeRecord>,
    source_name: &str,
    now: i64,
) -> Result<CreativeImportReport, StoreError> {
    let formats: Vec<&'static str> = records.iter().map(|r| r.creative.format.as_str()).collect();
    let mut seats: Vec<String> = records.iter().map(|r| r.creative.seat_id.clone()).collect();
    seats.sort();
    seats.dedup();
    let outcomes = store.upsert_creatives(records, now).await?;
    let mut report = CreativeImportReport {
        source: source_name.to_string(),
        creatives: outcomes.len() as u64,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        by_format: BTreeMap::new(),
        seats,
        placed_in_campaigns: 0,
    };
    for (format, outcome) in formats.into_iter().zip(outcomes) {
        let summary = report.by_format.entry(format.to_string()).or_default();
        summary.creatives += 1;
        let (total, per_format) = match outcome {
            UpsertOutcome::Inserted => (&mut report.inserted, &mut summary.inserted),
            UpsertOutcome::Updated => (&mut report.updated, &mut summary.updated),
            UpsertOutcome::Unchanged => (&mut report.unchanged, &mut summary.unchanged),
        };
        *total += 1;
        *per_format += 1;
    }
    Ok(report)
}
