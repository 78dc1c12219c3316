//! Rows going in and out of the store.

use rtbcat_core::account::Role;
use rtbcat_core::NormalizedCreative;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthInfo {
    pub backend: crate::Backend,
    pub schema_version: i64,
}

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
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, PartialEq, Default, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CreativeListItem {
    #[serde(flatten)]
    pub summary: CreativeSummary,
    /// Absent in `slim` listings.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub content: Option<CreativeContent>,
    /// Present when the listing asked for a period, a performance sort, tier or geo.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub performance: Option<rtbcat_core::metrics::PerformanceSummary>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreativePage {
    pub items: Vec<CreativeListItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Everything about one creative, raw JSON included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreativeDetail {
    #[serde(flatten)]
    pub summary: CreativeSummary,
    #[serde(flatten)]
    pub content: CreativeContent,
    pub resource_name: String,
    pub size_snapped: bool,
    #[schema(value_type = Object)]
    pub policy_statuses: serde_json::Value,
    #[schema(value_type = Vec<String>)]
    pub declared_click_urls: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub destinations: serde_json::Value,
    pub api_update_time: Option<String>,
    pub first_seen_at: i64,
    /// The creative exactly as the API returned it.
    #[schema(value_type = Object)]
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SizeCount {
    pub canonical_size: String,
    pub size_category: String,
    pub creatives: i64,
    pub formats: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatSummary {
    pub seat_id: String,
    pub display_name: Option<String>,
    pub bidder_account_id: Option<String>,
    pub creatives: i64,
    pub last_import_at: Option<i64>,
}

/// Values the catalog filters offer, with counts.
#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct CatalogFacets {
    pub seats: Vec<NamedCount>,
    pub formats: Vec<NamedCount>,
    pub sizes: Vec<NamedCount>,
    pub statuses: Vec<NamedCount>,
    pub languages: Vec<NamedCount>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub now: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    #[schema(value_type = String, example = "editor")]
    pub role: Role,
    pub created_at: i64,
}

/// A user as an administrator manages it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UserAccount {
    pub id: i64,
    pub email: String,
    #[schema(value_type = String, example = "editor")]
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// What an administrator changes on a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new argon2 hash; setting it ends the user's sessions.
    pub password_hash: Option<String>,
}

/// A new bearer API token (only its SHA-256 is stored).
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub token_sha256: String,
    pub user_id: i64,
    pub label: String,
    /// The highest role the token acts with; `None`: its owner's role.
    pub scope: Option<Role>,
    pub expires_at: Option<i64>,
    pub now: i64,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub label: String,
    /// The highest role the token acts with; null: its owner's role.
    #[schema(value_type = Option<String>, example = "viewer")]
    pub scope: Option<Role>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub details: serde_json::Value,
}

/// Longest actor or subject the audit log keeps, in characters (an e-mail is at most 254).
pub const MAX_AUDIT_TEXT: usize = 320;
/// Largest details document the audit log keeps, in bytes of JSON.
pub const MAX_AUDIT_DETAILS: usize = 4096;

impl NewAuditEntry {
    /// The entry cut to what the log keeps: whoever can reach a form (a failed sign-in with
    /// a 5 MB e-mail) must not be able to grow the log by megabytes per request.
    pub fn bounded(mut self) -> Self {
        use rtbcat_core::text::truncate_chars;
        self.actor = truncate_chars(&self.actor, MAX_AUDIT_TEXT);
        self.action = truncate_chars(&self.action, MAX_AUDIT_TEXT);
        self.subject = self.subject.map(|s| truncate_chars(&s, MAX_AUDIT_TEXT));
        let details = self.details.to_string();
        if details.len() > MAX_AUDIT_DETAILS {
            self.details = serde_json::json!({ "truncated": truncate_chars(&details, MAX_AUDIT_DETAILS / 2) });
        }
        self
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// Why an account change is refused.
pub(crate) const LAST_ADMIN: &str = "at least one active administrator must remain";

/// The columns of an [`ApiTokenInfo`], the same on both backends.
pub(crate) const TOKEN_INFO_SELECT: &str = "SELECT t.id, t.user_id, u.email, t.label, t.scope, t.created_at, \
     t.expires_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id";

pub(crate) fn parse_role(text: &str) -> Role {
    // The schema's CHECK constraint keeps other values out; viewer is the safe reading.
    Role::parse(text).unwrap_or(Role::Viewer)
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

/// Facts streamed into the store during an import. The store writes everything in one
/// transaction and commits only when it receives `Commit`, writing the import's history line
/// (its counts filled in) in that same transaction: an import that stops half-way (killed,
/// failed) leaves no trace, and re-running it completes it.
#[derive(Debug)]
pub enum FactBatch {
    Performance(Vec<rtbcat_core::report::PerformanceFact>),
    Traffic(Vec<rtbcat_core::report::TrafficFact>),
    Commit(Option<Box<ImportRecord>>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FactCounts {
    /// Rows that were new.
    pub inserted: u64,
    /// Rows that replaced an earlier import of the same key.
    pub updated: u64,
    /// The history line written with the facts, when the commit carried one.
    pub import_id: Option<i64>,
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

/// Sums of one creative's facts over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreativeTotals {
    pub creative_id: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// How to break a creative's facts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Date,
    Hour,
    Country,
    Device,
}

/// One group of a breakdown: `key` is the date, hour, country or device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakdownRow {
    pub creative_id: String,
    pub key: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
}

/// Which facts to sum: dates are inclusive ISO `YYYY-MM-DD`; `None` is unbounded.
#[derive(Debug, Clone, Default)]
pub struct FactFilter {
    pub start: Option<String>,
    pub end: Option<String>,
    pub country: Option<String>,
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
