//! Waste use cases: the window (the last `days` ending at `as_of`, by default the newest
//! traffic date), size coverage, the funnel by geo or publisher, bid-filtering reasons and
//! the recommendations, as the API and the page show them.

use rtbcat_core::bidder::performance::report::parse_report_date;
use rtbcat_core::bidder::waste::{
    funnel_steps, recommend, size_coverage, FunnelCounts, FunnelGroup, FunnelStep, PublisherQuality, Recommendation,
    SizeCoverage, SizeTotals, Window,
};
use rtbcat_core::shared::country::country_label;
use rtbcat_store::{FunnelBy, FunnelSums, SharedStore, StoreError, WasteFilter};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum WasteError {
    #[error("`{name}` {reason}")]
    BadParameter { name: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What every waste view is asked with.
#[derive(Debug, Clone, Default)]
pub struct WasteQuery {
    /// 1–366; default 7.
    pub days: Option<i64>,
    /// The window's last day; default the newest traffic date.
    pub as_of: Option<String>,
    pub seat: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WindowView {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, included.
    pub end: String,
    pub days: i64,
    /// Seconds in the window: requests / seconds = QPS.
    pub seconds: i64,
}

impl From<Window> for WindowView {
    fn from(w: Window) -> Self {
        WindowView {
            start: w.start.to_string(),
            end: w.end.to_string(),
            days: w.days,
            seconds: w.seconds(),
        }
    }
}

/// Which reports the window has rows of; a missing one is named on the page with what to import.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Sources {
    pub traffic: bool,
    pub funnel_by_geo: bool,
    pub funnel_by_publisher: bool,
    pub bid_filtering: bool,
    pub quality: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WasteReport {
    pub window: WindowView,
    pub seat: Option<String>,
    /// Bid requests in the bidder's traffic report, all sizes.
    pub total_requests: i64,
    /// Of them, for sizes no approved creative can serve.
    pub wasted_requests: i64,
    /// `wasted_requests / total_requests`; null without traffic.
    pub waste_share: Option<f64>,
    pub total_qps: f64,
    pub wasted_qps: f64,
    #[schema(value_type = Vec<Object>)]
    pub sizes: Vec<SizeCoverage>,
    #[schema(value_type = Vec<Object>)]
    pub recommendations: Vec<Recommendation>,
    pub sources: Sources,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelGroupView {
    pub key: String,
    pub label: String,
    #[schema(value_type = Object)]
    pub counts: FunnelCounts,
    pub bid_rate: Option<f64>,
    pub win_rate: Option<f64>,
    /// Requests nobody bid on, over the window, per second.
    pub unbid_qps: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilteringReason {
    pub reason: String,
    pub bids: i64,
    pub bids_in_auction: i64,
    /// Of all filtered bids in the window.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelReport {
    pub window: WindowView,
    /// `all`, `geo`, `publisher` or `config`.
    pub by: String,
    #[schema(value_type = Vec<Object>)]
    pub steps: Vec<FunnelStep>,
    pub groups: Vec<FunnelGroupView>,
    pub filtering: Vec<FilteringReason>,
    /// Why a view is empty when it is (e.g. configs: Google gives no funnel by Billing ID).
    pub note: Option<String>,
    pub sources: Sources,
}

fn groups(rows: Vec<FunnelSums>, label: impl Fn(&str) -> String) -> Vec<FunnelGroup> {
    let mut out: Vec<FunnelGroup> = rows
        .into_iter()
        .map(|r| FunnelGroup {
            label: label(&r.key),
            counts: r.counts,
            key: r.key,
        })
        .collect();
    out.sort_by(|a, b| {
        b.counts
            .bid_requests
            .cmp(&a.counts.bid_requests)
            .then(a.key.cmp(&b.key))
    });
    out
}

/// Whether any traffic or funnel report was imported: the Waste page is then the bidder
/// wing's start page.
pub async fn has_traffic(store: &SharedStore) -> Result<bool, StoreError> {
    Ok(store.latest_traffic_date().await?.is_some())
}

/// The window a query asks for, or why it cannot be read.
pub async fn window(store: &SharedStore, query: &WasteQuery, today: Date) -> Result<Window, WasteError> {
    let days = query.days.unwrap_or(7);
    let end = match query.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => parse_report_date(text).ok_or_else(|| WasteError::BadParameter {
            name: "as_of",
            reason: format!("{text:?} is not a date (YYYY-MM-DD)"),
        })?,
        None => store
            .latest_traffic_date()
            .await?
            .as_deref()
            .and_then(parse_report_date)
            .unwrap_or(today),
    };
    Window::ending(end, days).ok_or_else(|| WasteError::BadParameter {
        name: "days",
        reason: format!("{days} is not 1–366"),
    })
}

fn filter(window: &Window, seat: &Option<String>) -> WasteFilter {
    WasteFilter {
        start: window.start.to_string(),
        end: window.end.to_string(),
        seat: seat.clone().filter(|s| !s.trim().is_empty()),
    }
}

async fn sources(store: &SharedStore, f: &WasteFilter) -> Result<Sources, StoreError> {
    let kinds = store.kinds_present(f.clone()).await?;
    let has = |kind: &str| kinds.iter().any(|k| k == kind);
    Ok(Sources {
        traffic: has("traffic"),
        funnel_by_geo: has("funnel_by_geo"),
        funnel_by_publisher: has("funnel_by_publisher"),
        bid_filtering: has("bid_filtering"),
        quality: has("quality"),
    })
}

/// Every canonical size in traffic or among creatives, with its waste.
pub async fn sizes(
    store: &SharedStore,
    window: &Window,
    seat: &Option<String>,
) -> Result<Vec<SizeCoverage>, StoreError> {
    let f = filter(window, seat);
    let mut by_size: BTreeMap<String, SizeTotals> = BTreeMap::new();
    for r in store.size_requests(f.clone()).await? {
        let category = rtbcat_core::bidder::catalog::size::parse_size_text(&r.size)
            .map(|s| s.category.as_str().to_string())
            .unwrap_or_else(|_| "non-standard".into());
        let entry = by_size.entry(r.size.clone()).or_insert_with(|| SizeTotals {
            size: r.size.clone(),
            category,
            ..Default::default()
        });
        entry.requests += r.requests;
    }
    for c in store.size_creatives(f.seat.clone()).await? {
        let entry = by_size.entry(c.size.clone()).or_insert_with(|| SizeTotals {
            size: c.size.clone(),
            ..Default::default()
        });
        // The catalog's category is the one creatives of this size were given.
        entry.category = c.category.clone();
        entry.creatives += c.approved;
    }
    for i in store.size_impressions(f).await? {
        if let Some(entry) = by_size.get_mut(&i.size) {
            entry.impressions = Some(entry.impressions.unwrap_or(0) + i.impressions);
        }
    }
    Ok(size_coverage(by_size.into_values().collect(), window))
}

/// The waste overview: size coverage, totals in requests and QPS, recommendations.
pub async fn waste(store: &SharedStore, query: &WasteQuery, today: Date) -> Result<WasteReport, WasteError> {
    let window = window(store, query, today).await?;
    let f = filter(&window, &query.seat);
    let sizes = sizes(store, &window, &query.seat).await?;
    let geos = groups(store.funnel_sums(f.clone(), FunnelBy::Geo).await?, country_label);
    let publishers = groups(store.funnel_sums(f.clone(), FunnelBy::Publisher).await?, str::to_string);
    let quality: Vec<PublisherQuality> = store
        .quality_sums(f.clone())
        .await?
        .into_iter()
        .map(|q| PublisherQuality {
            label: q.publisher.clone(),
            publisher: q.publisher,
            impressions: q.impressions,
            ivt_credited_impressions: q.ivt_credited_impressions,
        })
        .collect();
    let recommendations = recommend(&sizes, &geos, &publishers, &quality, &window);
    let total_requests: i64 = sizes.iter().map(|s| s.requests).sum();
    let wasted_requests: i64 = sizes.iter().map(|s| s.wasted_requests).sum();
    Ok(WasteReport {
        window: window.into(),
        seat: f.seat.clone(),
        total_requests,
        wasted_requests,
        waste_share: (total_requests > 0).then(|| wasted_requests as f64 / total_requests as f64),
        total_qps: window.qps(total_requests),
        wasted_qps: window.qps(wasted_requests),
        sizes,
        recommendations,
        sources: sources(store, &f).await?,
    })
}

/// The funnel overall with its drops, per geo or publisher, and bid-filtering reasons.
pub async fn funnel(
    store: &SharedStore,
    query: &WasteQuery,
    by: &str,
    today: Date,
) -> Result<FunnelReport, WasteError> {
    let window = window(store, query, today).await?;
    let f = filter(&window, &query.seat);
    let (by_store, note) = match by {
        "" | "all" => (Some(FunnelBy::All), None),
        "geo" => (Some(FunnelBy::Geo), None),
        "publisher" => (Some(FunnelBy::Publisher), None),
        "config" => (
            None,
            Some(
                "Google's reports cannot combine Billing ID (the pretargeting config) with the funnel metrics, \
                 so no funnel by config can be imported."
                    .to_string(),
            ),
        ),
        other => {
            return Err(WasteError::BadParameter {
                name: "by",
                reason: format!("{other:?} is not one of geo, publisher, config"),
            })
        }
    };
    let overall: FunnelCounts =
        store
            .funnel_sums(f.clone(), FunnelBy::All)
            .await?
            .iter()
            .fold(FunnelCounts::default(), |mut total, s| {
                total.add(&s.counts);
                total
            });
    let grouped = match by_store {
        Some(FunnelBy::All) | None => Vec::new(),
        Some(FunnelBy::Geo) => groups(store.funnel_sums(f.clone(), FunnelBy::Geo).await?, country_label),
        Some(FunnelBy::Publisher) => groups(store.funnel_sums(f.clone(), FunnelBy::Publisher).await?, str::to_string),
    };
    let filtering_rows = store.filtering_sums(f.clone()).await?;
    let filtered_total: i64 = filtering_rows.iter().map(|r| r.bids).sum();
    Ok(FunnelReport {
        window: window.into(),
        by: if by.is_empty() { "all".into() } else { by.to_string() },
        steps: funnel_steps(&overall),
        groups: grouped
            .into_iter()
            .map(|g| FunnelGroupView {
                bid_rate: g.counts.bid_rate(),
                win_rate: g.counts.win_rate(),
                unbid_qps: window.qps((g.counts.bid_requests - g.counts.bids).max(0)),
                key: g.key,
                label: g.label,
                counts: g.counts,
            })
            .collect(),
        filtering: filtering_rows
            .into_iter()
            .map(|r| FilteringReason {
                share: (filtered_total > 0).then(|| r.bids as f64 / filtered_total as f64),
                reason: r.reason,
                bids: r.bids,
                bids_in_auction: r.bids_in_auction,
            })
            .collect(),
        note,
        sources: sources(store, &f).await?,
    })
}
