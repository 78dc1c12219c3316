//! What the API and pages show of performance, mapped from the store's rows.

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PerformanceStats {
    pub fact_rows: i64,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub traffic_rows: i64,
    pub imports: i64,
}

impl From<rtbcat_store::PerformanceStats> for PerformanceStats {
    fn from(row: rtbcat_store::PerformanceStats) -> Self {
        PerformanceStats {
            fact_rows: row.fact_rows,
            spend_micros: row.spend_micros,
            impressions: row.impressions,
            clicks: row.clicks,
            first_date: row.first_date,
            last_date: row.last_date,
            traffic_rows: row.traffic_rows,
            imports: row.imports,
        }
    }
}

/// One line of the import history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub kind: String,
    /// `done`, `rejected` (nothing imported) or `failed`.
    pub status: String,
    pub rows_read: i64,
    pub imported: i64,
    pub updated: i64,
    pub skipped: i64,
    pub warnings: i64,
    #[schema(value_type = Vec<Object>)]
    pub first_errors: serde_json::Value,
    pub duration_ms: i64,
    pub actor: String,
    pub started_at: i64,
}

impl From<rtbcat_store::ImportRecord> for ImportRecord {
    fn from(row: rtbcat_store::ImportRecord) -> Self {
        ImportRecord {
            id: row.id,
            file_name: row.file_name,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            kind: row.kind,
            status: row.status,
            rows_read: row.rows_read,
            imported: row.imported,
            updated: row.updated,
            skipped: row.skipped,
            warnings: row.warnings,
            first_errors: row.first_errors,
            duration_ms: row.duration_ms,
            actor: row.actor,
            started_at: row.started_at,
        }
    }
}

/// One group of a breakdown: `key` is the date, hour, country or device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BreakdownRow {
    pub creative_id: String,
    pub key: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

impl From<rtbcat_store::BreakdownRow> for BreakdownRow {
    fn from(row: rtbcat_store::BreakdownRow) -> Self {
        BreakdownRow {
            creative_id: row.creative_id,
            key: row.key,
            spend_micros: row.spend_micros,
            impressions: row.impressions,
            clicks: row.clicks,
        }
    }
}
