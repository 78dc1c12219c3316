//! The creative catalog: creatives by seat, their sizes, formats and facets.

mod postgres;

mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;
use rtbcat_core::NormalizedCreative;
use serde::Serialize;

/// A creative ready to store: its normalised fields, raw JSON and the raw JSON's hash.
#[derive(Debug, Clone)]
pub struct CreativeRecord {
    pub creative: NormalizedCreative,
    pub raw_json: String,
    pub raw_sha256: String,
}

/// What an upsert did to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpsertOutcome {
    Inserted,
    Updated,
    Unchanged,
}

/// The catalog fields every listing shows (the `slim` shape).
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeSummary {
    /// Our row id, stable across re-imports.
    pub id: i64,
    pub seat_id: String,
    pub creative_id: String,
    pub format: String,
    pub advertiser: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub canonical_size: String,
    pub size_category: String,
    pub status: String,
    pub languages: Vec<String>,
    pub primary_destination: Option<String>,
    pub primary_domain: Option<String>,
    pub app_store: Option<String>,
    pub app_id: Option<String>,
    pub has_click_macro: Option<bool>,
    pub google_buyers_url: String,
    pub updated_at: i64,
}

/// What a card needs to draw a thumbnail, on top of the summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreativeContent {
    pub html_snippet: Option<String>,
    pub vast_xml: Option<String>,
    pub video_url: Option<String>,
    pub video_duration_seconds: Option<f64>,
    pub native_headline: Option<String>,
    pub native_body: Option<String>,
    pub native_call_to_action: Option<String>,
    pub native_image_url: Option<String>,
    pub native_logo_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreativeListItem {
    pub summary: CreativeSummary,
    /// Absent in `slim` listings.
    pub content: Option<CreativeContent>,
    /// Present when the listing asked for a period, a performance sort, tier or geo.
    pub performance: Option<rtbcat_core::bidder::performance::metrics::PerformanceSummary>,
}

#[derive(Debug, Clone)]
pub struct CreativePage {
    pub items: Vec<CreativeListItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Everything about one creative, raw JSON included.
#[derive(Debug, Clone)]
pub struct CreativeDetail {
    pub summary: CreativeSummary,
    pub content: CreativeContent,
    pub resource_name: String,
    pub size_snapped: bool,
    pub policy_statuses: serde_json::Value,
    pub declared_click_urls: serde_json::Value,
    pub destinations: serde_json::Value,
    pub api_update_time: Option<String>,
    pub first_seen_at: i64,
    /// The creative exactly as the API returned it.
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, Default)]
pub struct CatalogStats {
    pub creatives: i64,
    pub seats: i64,
    pub by_format: Vec<NamedCount>,
    pub by_status: Vec<NamedCount>,
    pub distinct_sizes: i64,
    pub app_destinations: i64,
    pub missing_click_macro: i64,
    /// Totals of all imported performance facts.
    pub performance: PerformanceStats,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone)]
pub struct SizeCount {
    pub canonical_size: String,
    pub size_category: String,
    pub creatives: i64,
    pub formats: Vec<String>,
}

/// Values the catalog filters offer, with counts.
#[derive(Debug, Clone, Default)]
pub struct CatalogFacets {
    pub seats: Vec<NamedCount>,
    pub formats: Vec<NamedCount>,
    pub sizes: Vec<NamedCount>,
    pub statuses: Vec<NamedCount>,
    pub languages: Vec<NamedCount>,
}

pub(crate) fn split_languages(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Languages are stored per creative as a set (",en,pt,"); facet counts expand the sets.
/// Input: each distinct stored set with how many creatives carry it.
pub(crate) fn language_counts(sets: impl IntoIterator<Item = (String, i64)>) -> Vec<NamedCount> {
    let mut totals: std::collections::BTreeMap<String, i64> = Default::default();
    for (set, count) in sets {
        for language in split_languages(&set) {
            *totals.entry(language).or_default() += count;
        }
    }
    let mut counts: Vec<NamedCount> = totals
        .into_iter()
        .map(|(name, count)| NamedCount { name, count })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    counts
}

pub(crate) fn join_languages(languages: &[String]) -> String {
    format!(",{},", languages.join(","))
}

/// Order of a creative listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreativeSort {
    /// Newest update first, then row id: what changed lately on top.
    #[default]
    Recent,
    /// Creative id, as the seed's UI sorted.
    CreativeId,
}

/// Filters and paging of `GET /creatives`. Empty strings count as absent.
#[derive(Debug, Clone, Default)]
pub struct CreativeQuery {
    pub seat_id: Option<String>,
    pub format: Option<String>,
    pub canonical_size: Option<String>,
    pub status: Option<String>,
    pub language: Option<String>,
    /// Substring of creative id, advertiser or destination, case-insensitive.
    pub search: Option<String>,
    pub slim: bool,
    pub sort: CreativeSort,
    /// 1-based.
    pub page: i64,
    pub page_size: i64,
}

impl CreativeQuery {
    pub fn offset(&self) -> i64 {
        (self.page.max(1) - 1) * self.page_size
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `WHERE …` (or empty) and its text parameters, numbered from 1 with the backend's
/// placeholder spelling (`?1` for SQLite, `$1` for PostgreSQL).
pub(crate) fn creative_filter(query: &CreativeQuery, placeholder: fn(usize) -> String) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut params: Vec<String> = Vec::new();
    let mut bind = |value: String| {
        params.push(value);
        placeholder(params.len())
    };
    if let Some(seat) = present(&query.seat_id) {
        clauses.push(format!("seat_id = {}", bind(seat.to_string())));
    }
    if let Some(format) = present(&query.format) {
        clauses.push(format!("format = {}", bind(format.to_ascii_uppercase())));
    }
    if let Some(size) = present(&query.canonical_size) {
        clauses.push(format!("canonical_size = {}", bind(size.to_string())));
    }
    if let Some(status) = present(&query.status) {
        clauses.push(format!("status = {}", bind(status.to_ascii_uppercase())));
    }
    if let Some(language) = present(&query.language) {
        clauses.push(format!(
            "languages LIKE {}",
            bind(format!("%,{},%", like_escape(&language.to_lowercase())))
        ));
        // The ESCAPE clause is appended below for every LIKE.
        if let Some(last) = clauses.last_mut() {
            last.push_str(" ESCAPE '\\'");
        }
    }
    if let Some(search) = present(&query.search) {
        let p = bind(format!("%{}%", like_escape(&search.to_lowercase())));
        clauses.push(format!(
            "(LOWER(creative_id) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(advertiser, '')) LIKE {p} ESCAPE '\\' \
             OR LOWER(COALESCE(primary_destination, '')) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(primary_domain, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    if clauses.is_empty() {
        (String::new(), params)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), params)
    }
}

pub(crate) fn order_by(sort: CreativeSort) -> &'static str {
    match sort {
        CreativeSort::Recent => "ORDER BY updated_at DESC, id DESC",
        CreativeSort::CreativeId => "ORDER BY creative_id ASC, seat_id ASC",
    }
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub(crate) const SUMMARY_COLUMNS: &str =
    "id, seat_id, creative_id, format, advertiser, width, height, canonical_size, \
     size_category, status, languages, primary_destination, primary_domain, app_store, app_id, has_click_macro, \
     google_buyers_url, updated_at";

pub(crate) const CONTENT_COLUMNS: &str = "html_snippet, vast_xml, video_url, video_duration_seconds, native_headline, \
     native_body, native_call_to_action, native_image_url, native_logo_url";

pub(crate) const DETAIL_COLUMNS: &str =
    "resource_name, size_snapped, policy_statuses, declared_click_urls, destinations, \
     api_update_time, first_seen_at, raw_json";

/// Columns written on insert/update, in bind order (after seat_id, creative_id).
pub(crate) const WRITE_COLUMNS: &[&str] = &[
    "resource_name",
    "format",
    "advertiser",
    "width",
    "height",
    "canonical_size",
    "size_category",
    "size_snapped",
    "status",
    "policy_statuses",
    "languages",
    "declared_click_urls",
    "destinations",
    "primary_destination",
    "primary_domain",
    "app_store",
    "app_id",
    "has_click_macro",
    "html_snippet",
    "vast_xml",
    "video_url",
    "video_duration_seconds",
    "native_headline",
    "native_body",
    "native_call_to_action",
    "native_image_url",
    "native_logo_url",
    "google_buyers_url",
    "api_update_time",
    "raw_json",
    "raw_sha256",
];

/// The upsert statement; `$n`-style numbering works in both SQLite and PostgreSQL because
/// parameters are numbered in order of first appearance.
pub(crate) fn upsert_sql(placeholder: fn(usize) -> String) -> String {
    let mut columns = vec!["seat_id", "creative_id"];
    columns.extend_from_slice(WRITE_COLUMNS);
    let values: Vec<String> = (1..=columns.len()).map(placeholder).collect();
    let now = placeholder(columns.len() + 1);
    let updates: Vec<String> = WRITE_COLUMNS.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    format!(
        "INSERT INTO creatives ({}, first_seen_at, updated_at) VALUES ({}, {now}, {now}) \
         ON CONFLICT (seat_id, creative_id) DO UPDATE SET {}, updated_at = excluded.updated_at",
        columns.join(", "),
        values.join(", "),
        updates.join(", ")
    )
}

/// Primary-destination fields derived from a normalised creative, shared by both backends.
pub(crate) struct DerivedColumns {
    pub primary_destination: Option<String>,
    pub primary_domain: Option<String>,
    pub app_store: Option<String>,
    pub app_id: Option<String>,
    pub policy_statuses: String,
    pub declared_click_urls: String,
    pub destinations: String,
    pub languages: String,
}

impl DerivedColumns {
    pub fn of(c: &rtbcat_core::NormalizedCreative) -> Self {
        let primary = c.primary_destination();
        DerivedColumns {
            primary_destination: primary.map(|d| d.label()),
            primary_domain: primary.and_then(|d| d.domain.clone()),
            app_store: primary.and_then(|d| d.app_store).map(|s| s.label().to_string()),
            app_id: primary.and_then(|d| d.app_id.clone()),
            policy_statuses: serde_json::to_string(&c.policy_statuses).unwrap_or_else(|_| "{}".into()),
            declared_click_urls: serde_json::to_string(&c.declared_click_urls).unwrap_or_else(|_| "[]".into()),
            destinations: serde_json::to_string(&c.destinations).unwrap_or_else(|_| "[]".into()),
            languages: join_languages(&c.languages),
        }
    }
}

/// A creative's summary columns from `at` on (either driver's row).
pub(crate) fn summary_from(row: &impl Columns, at: usize) -> StoreResult<CreativeSummary> {
    Ok(CreativeSummary {
        id: row.col(at)?,
        seat_id: row.col(at + 1)?,
        creative_id: row.col(at + 2)?,
        format: row.col(at + 3)?,
        advertiser: row.col(at + 4)?,
        width: row.col(at + 5)?,
        height: row.col(at + 6)?,
        canonical_size: row.col(at + 7)?,
        size_category: row.col(at + 8)?,
        status: row.col(at + 9)?,
        languages: split_languages(&row.col::<String>(at + 10)?),
        primary_destination: row.col(at + 11)?,
        primary_domain: row.col(at + 12)?,
        app_store: row.col(at + 13)?,
        app_id: row.col(at + 14)?,
        has_click_macro: row.col(at + 15)?,
        google_buyers_url: row.col(at + 16)?,
        updated_at: row.col(at + 17)?,
    })
}

pub(crate) const SUMMARY_WIDTH: usize = 18;

/// A creative's content columns from `at` on.
pub(crate) fn content_from(row: &impl Columns, at: usize) -> StoreResult<CreativeContent> {
    Ok(CreativeContent {
        html_snippet: row.col(at)?,
        vast_xml: row.col(at + 1)?,
        video_url: row.col(at + 2)?,
        video_duration_seconds: row.col(at + 3)?,
        native_headline: row.col(at + 4)?,
        native_body: row.col(at + 5)?,
        native_call_to_action: row.col(at + 6)?,
        native_image_url: row.col(at + 7)?,
        native_logo_url: row.col(at + 8)?,
    })
}

pub(crate) const CONTENT_WIDTH: usize = 9;

/// A creative's detail: summary, content and the detail columns after them.
pub(crate) fn detail_from(row: &impl Columns) -> StoreResult<CreativeDetail> {
    let at = SUMMARY_WIDTH + CONTENT_WIDTH;
    let json = |i: usize| -> StoreResult<serde_json::Value> {
        Ok(serde_json::from_str(&row.col::<String>(i)?).unwrap_or(serde_json::Value::Null))
    };
    Ok(CreativeDetail {
        summary: summary_from(row, 0)?,
        content: content_from(row, SUMMARY_WIDTH)?,
        resource_name: row.col(at)?,
        size_snapped: row.col(at + 1)?,
        policy_statuses: json(at + 2)?,
        declared_click_urls: json(at + 3)?,
        destinations: json(at + 4)?,
        api_update_time: row.col(at + 5)?,
        first_seen_at: row.col(at + 6)?,
        raw: json(at + 7)?,
    })
}

#[async_trait]
pub trait CatalogStore: Send + Sync {
    // ------------------------------------------------------------ catalog
    /// Insert or update creatives by (seat, creative id) in one transaction. A creative whose
    /// raw JSON is unchanged is left alone, so importing a file twice changes nothing.
    /// Returns what happened to each record, in input order.
    async fn upsert_creatives(&self, creatives: Vec<CreativeRecord>, now: i64) -> StoreResult<Vec<UpsertOutcome>>;

    async fn list_creatives(&self, query: CreativeQuery) -> StoreResult<CreativePage>;

    /// All creatives with this id (a creative id is unique per seat only).
    async fn creatives_by_id(&self, creative_id: String, seat_id: Option<String>) -> StoreResult<Vec<CreativeDetail>>;

    async fn catalog_stats(&self) -> StoreResult<CatalogStats>;

    async fn size_counts(&self) -> StoreResult<Vec<SizeCount>>;

    async fn facet_values(&self) -> StoreResult<CatalogFacets>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_facets_expand_stored_sets() {
        let counts = language_counts([
            (",en,pt,".to_string(), 3),
            (",pt,".to_string(), 2),
            (",".to_string(), 4),
        ]);
        assert_eq!(
            counts,
            vec![
                NamedCount {
                    name: "pt".into(),
                    count: 5
                },
                NamedCount {
                    name: "en".into(),
                    count: 3
                }
            ]
        );
        assert_eq!(
            split_languages(&join_languages(&["en".into(), "pt".into()])),
            vec!["en", "pt"]
        );
    }
}
