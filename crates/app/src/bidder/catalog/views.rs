//! What the API and pages show of the catalog, owned here and mapped from the store's
//! rows: a change on either side is a change of one `From`.

use crate::bidder::performance::views::PerformanceStats;
use serde::Serialize;

/// The catalog fields every listing shows (the `slim` shape).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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

impl From<rtbcat_store::CreativeSummary> for CreativeSummary {
    fn from(row: rtbcat_store::CreativeSummary) -> Self {
        CreativeSummary {
            id: row.id,
            seat_id: row.seat_id,
            creative_id: row.creative_id,
            format: row.format,
            advertiser: row.advertiser,
            width: row.width,
            height: row.height,
            canonical_size: row.canonical_size,
            size_category: row.size_category,
            status: row.status,
            languages: row.languages,
            primary_destination: row.primary_destination,
            primary_domain: row.primary_domain,
            app_store: row.app_store,
            app_id: row.app_id,
            has_click_macro: row.has_click_macro,
            google_buyers_url: row.google_buyers_url,
            updated_at: row.updated_at,
        }
    }
}

/// What a card needs to draw a thumbnail, on top of the summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, utoipa::ToSchema)]
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

impl From<rtbcat_store::CreativeContent> for CreativeContent {
    fn from(row: rtbcat_store::CreativeContent) -> Self {
        CreativeContent {
            html_snippet: row.html_snippet,
            vast_xml: row.vast_xml,
            video_url: row.video_url,
            video_duration_seconds: row.video_duration_seconds,
            native_headline: row.native_headline,
            native_body: row.native_body,
            native_call_to_action: row.native_call_to_action,
            native_image_url: row.native_image_url,
            native_logo_url: row.native_logo_url,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CreativeListItem {
    #[serde(flatten)]
    pub summary: CreativeSummary,
    /// Absent in `slim` listings.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub content: Option<CreativeContent>,
    /// Present when the listing asked for a period, a performance sort, tier or geo.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub performance: Option<rtbcat_core::bidder::performance::metrics::PerformanceSummary>,
}

impl From<rtbcat_store::CreativeListItem> for CreativeListItem {
    fn from(row: rtbcat_store::CreativeListItem) -> Self {
        CreativeListItem {
            summary: row.summary.into(),
            content: row.content.map(Into::into),
            performance: row.performance,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreativePage {
    pub items: Vec<CreativeListItem>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl From<rtbcat_store::CreativePage> for CreativePage {
    fn from(row: rtbcat_store::CreativePage) -> Self {
        CreativePage {
            items: row.items.into_iter().map(Into::into).collect(),
            total: row.total,
            page: row.page,
            page_size: row.page_size,
        }
    }
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

impl From<rtbcat_store::CreativeDetail> for CreativeDetail {
    fn from(row: rtbcat_store::CreativeDetail) -> Self {
        CreativeDetail {
            summary: row.summary.into(),
            content: row.content.into(),
            resource_name: row.resource_name,
            size_snapped: row.size_snapped,
            policy_statuses: row.policy_statuses,
            declared_click_urls: row.declared_click_urls,
            destinations: row.destinations,
            api_update_time: row.api_update_time,
            first_seen_at: row.first_seen_at,
            raw: row.raw,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
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

impl From<rtbcat_store::CatalogStats> for CatalogStats {
    fn from(row: rtbcat_store::CatalogStats) -> Self {
        CatalogStats {
            creatives: row.creatives,
            seats: row.seats,
            by_format: row.by_format.into_iter().map(Into::into).collect(),
            by_status: row.by_status.into_iter().map(Into::into).collect(),
            distinct_sizes: row.distinct_sizes,
            app_destinations: row.app_destinations,
            missing_click_macro: row.missing_click_macro,
            performance: row.performance.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NamedCount {
    pub name: String,
    pub count: i64,
}

impl From<rtbcat_store::NamedCount> for NamedCount {
    fn from(row: rtbcat_store::NamedCount) -> Self {
        NamedCount {
            name: row.name,
            count: row.count,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SizeCount {
    pub canonical_size: String,
    pub size_category: String,
    pub creatives: i64,
    pub formats: Vec<String>,
}

impl From<rtbcat_store::SizeCount> for SizeCount {
    fn from(row: rtbcat_store::SizeCount) -> Self {
        SizeCount {
            canonical_size: row.canonical_size,
            size_category: row.size_category,
            creatives: row.creatives,
            formats: row.formats,
        }
    }
}

/// Values the catalog filters offer, with counts.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CatalogFacets {
    pub seats: Vec<NamedCount>,
    pub formats: Vec<NamedCount>,
    pub sizes: Vec<NamedCount>,
    pub statuses: Vec<NamedCount>,
    pub languages: Vec<NamedCount>,
}

impl From<rtbcat_store::CatalogFacets> for CatalogFacets {
    fn from(row: rtbcat_store::CatalogFacets) -> Self {
        CatalogFacets {
            seats: row.seats.into_iter().map(Into::into).collect(),
            formats: row.formats.into_iter().map(Into::into).collect(),
            sizes: row.sizes.into_iter().map(Into::into).collect(),
            statuses: row.statuses.into_iter().map(Into::into).collect(),
            languages: row.languages.into_iter().map(Into::into).collect(),
        }
    }
}
