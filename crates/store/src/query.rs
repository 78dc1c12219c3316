//! The catalog query, and the SQL both backends build from it.

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
            languages: crate::models::join_languages(&c.languages),
        }
    }
}
