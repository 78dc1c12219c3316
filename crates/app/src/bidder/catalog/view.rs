//! The creative listing with performance: totals for a period, ratios, top geo, trend
//! against the previous period and spend tiers, sorted and paged.

use rtbcat_core::bidder::performance::metrics::{self, PerformanceSummary, Period, Tier, TierThresholds};
use rtbcat_store::{Breakdown, CreativePage, CreativeQuery, CreativeTotals, FactFilter, SharedStore, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use time::Date;

/// What to sort a performance listing by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceSort {
    Spend,
    Cpc,
    Cpm,
    Ctr,
    Impressions,
    Clicks,
    /// Keep the catalog order (recent or creative id).
    Catalog,
}

impl PerformanceSort {
    pub fn parse(text: &str) -> Option<PerformanceSort> {
        Some(match text {
            "spend" => PerformanceSort::Spend,
            "cpc" => PerformanceSort::Cpc,
            "cpm" => PerformanceSort::Cpm,
            "ctr" => PerformanceSort::Ctr,
            "impressions" => PerformanceSort::Impressions,
            "clicks" => PerformanceSort::Clicks,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct PerformanceListing {
    pub period: Period,
    /// Last day of the period; default: the newest imported date, so old data still shows.
    pub as_of: Option<Date>,
    pub geo: Option<String>,
    pub tier: Option<Tier>,
    pub sort: PerformanceSort,
    pub descending: bool,
}

fn iso(date: Date) -> String {
    date.to_string()
}

type WindowTotals = Arc<HashMap<String, CreativeTotals>>;

/// Per-creative totals of recent windows, each kept until the data changes. A listing's
/// sort, filters and page change with every click, its window rarely; summing the daily
/// rollup over the window is most of a listing's cost on a large fact table (10M facts:
/// 10,000 creatives × 30 days × countries), so it runs once per window and data version.
/// 16: every period's current and previous window, with and without a country.
pub type TotalsCache = crate::platform::cache::VersionedCache<HashMap<String, CreativeTotals>, 16>;

fn window_key(filter: &FactFilter) -> String {
    format!("{:?}|{:?}|{:?}", filter.start, filter.end, filter.country)
}

/// Sum per creative into a map, from the cache when this window was summed at this version.
async fn totals(
    store: &SharedStore,
    cache: &TotalsCache,
    version: &str,
    filter: FactFilter,
) -> Result<WindowTotals, StoreError> {
    cache
        .get_or_compute(version, window_key(&filter), || async {
            Ok(store
                .performance_totals(filter)
                .await?
                .into_iter()
                .map(|t| (t.creative_id.clone(), t))
                .collect())
        })
        .await
}

/// A period's window as of `as_of` and the one before it (the trend's), if any.
fn windows(period: Period, as_of: Date, geo: Option<String>) -> (FactFilter, Option<FactFilter>) {
    let (start, end) = period.window(as_of);
    let current = FactFilter {
        start: start.map(iso),
        end: Some(iso(end)),
        country: geo.clone(),
    };
    let previous = period.previous_window(as_of).map(|(start, end)| FactFilter {
        start: Some(iso(start)),
        end: Some(iso(end)),
        country: geo,
    });
    (current, previous)
}

async fn newest_fact_date(store: &SharedStore) -> Result<Option<Date>, StoreError> {
    Ok(store
        .latest_fact_date()
        .await?
        .and_then(|d| rtbcat_core::bidder::performance::report::parse_report_date(&d)))
}

/// Sums the windows a listing opens on (every period as of the newest date, with the one
/// before it for the trend; no country) into `cache` ahead of the first request, so the
/// first listing after a start, an import or an edit is as fast as the next. Answers how
/// many windows it summed: 0 when the cache already held them all at this data version.
pub async fn warm_totals(store: &SharedStore, cache: &TotalsCache) -> Result<usize, StoreError> {
    let Some(as_of) = newest_fact_date(store).await? else {
        return Ok(0);
    };
    let version = store.campaign_data_version().await?;
    let mut summed = 0;
    for period in Period::ALL {
        let (current, previous) = windows(period, as_of, None);
        for filter in std::iter::once(current).chain(previous) {
            if !cache.holds(&version, &window_key(&filter)) {
                totals(store, cache, &version, filter).await?;
                summed += 1;
            }
        }
    }
    Ok(summed)
}

/// List creatives with their performance; the catalog filters of `query` apply.
pub async fn list_with_performance(
    store: &SharedStore,
    cache: &TotalsCache,
    query: CreativeQuery,
    listing: PerformanceListing,
) -> Result<(super::views::CreativePage, Option<Date>), StoreError> {
    let as_of = match listing.as_of {
        Some(date) => Some(date),
        None => newest_fact_date(store).await?,
    };
    let (current, previous) = match as_of {
        Some(as_of) => {
            let version = store.campaign_data_version().await?;
            let (current, previous) = windows(listing.period, as_of, listing.geo.clone());
            let current = totals(store, cache, &version, current).await?;
            let previous = match previous {
                Some(filter) => totals(store, cache, &version, filter).await?,
                None => WindowTotals::default(),
            };
            (current, previous)
        }
        None => (WindowTotals::default(), WindowTotals::default()),
    };
    let thresholds = TierThresholds::from_spends(current.values().map(|t| t.spend_micros));

    // The whole filtered catalog, slim: at most tens of thousands of small rows.
    let page = query.page.max(1);
    let page_size = query.page_size;
    let slim = query.slim;
    let all = store
        .list_creatives(CreativeQuery {
            slim: true,
            page: 1,
            page_size: i64::MAX / 4,
            ..query
        })
        .await?;
    let empty = CreativeTotals::default();
    let mut rows: Vec<_> = all
        .items
        .into_iter()
        .map(|mut item| {
            let t = current.get(&item.summary.creative_id).unwrap_or(&empty);
            let previous_spend = previous.get(&item.summary.creative_id).map_or(0, |p| p.spend_micros);
            item.performance = Some(PerformanceSummary {
                spend_micros: t.spend_micros,
                impressions: t.impressions,
                clicks: t.clicks,
                ctr: metrics::ctr(t.clicks, t.impressions),
                cpc_micros: metrics::cpc_micros(t.spend_micros, t.clicks),
                cpm_micros: metrics::cpm_micros(t.spend_micros, t.impressions),
                top_geo: None,
                top_geo_share: None,
                trend_pct: metrics::trend_pct(t.spend_micros, previous_spend),
                tier: TierThresholds::tier(thresholds, t.spend_micros),
            });
            item
        })
        .filter(|item| {
            let p = item.performance.as_ref();
            let tier_ok = listing.tier.is_none_or(|tier| p.is_some_and(|p| p.tier == tier));
            let geo_ok = listing.geo.is_none() || p.is_some_and(|p| p.impressions > 0 || p.spend_micros > 0);
            tier_ok && geo_ok
        })
        .collect();

    let key = |item: &rtbcat_store::CreativeListItem| -> Option<f64> {
        let p = item.performance.as_ref()?;
        match listing.sort {
            PerformanceSort::Spend => Some(p.spend_micros as f64),
            PerformanceSort::Impressions => Some(p.impressions as f64),
            PerformanceSort::Clicks => Some(p.clicks as f64),
            PerformanceSort::Cpc => p.cpc_micros.map(|v| v as f64),
            PerformanceSort::Cpm => p.cpm_micros.map(|v| v as f64),
            PerformanceSort::Ctr => p.ctr,
            PerformanceSort::Catalog => None,
        }
    };
    if listing.sort != PerformanceSort::Catalog {
        // Creatives without a value (no clicks for CPC…) go last in either order; the sort
        // is stable, so ties keep the catalog order.
        rows.sort_by(|a, b| match (key(a), key(b)) {
            (Some(x), Some(y)) => {
                let ordering = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
                if listing.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
    }
    let total = rows.len() as i64;
    let start = usize::try_from((page - 1) * page_size)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    let end = start
        .saturating_add(usize::try_from(page_size).unwrap_or(0))
        .min(rows.len());
    let mut items: Vec<_> = rows.drain(start..end).collect();

    // Top geo by spend for the page's creatives, over the whole period (not only `geo`).
    if let Some(as_of) = as_of {
        let (start, end) = listing.period.window(as_of);
        let ids: Vec<String> = items.iter().map(|i| i.summary.creative_id.clone()).collect();
        let breakdown = store
            .performance_breakdown(
                ids,
                FactFilter {
                    start: start.map(iso),
                    end: Some(iso(end)),
                    country: None,
                },
                Breakdown::Country,
            )
            .await?;
        let mut by_creative: HashMap<&str, Vec<&rtbcat_store::BreakdownRow>> = HashMap::new();
        for row in &breakdown {
            by_creative.entry(row.creative_id.as_str()).or_default().push(row);
        }
        for item in &mut items {
            let Some(rows) = by_creative.get(item.summary.creative_id.as_str()) else {
                continue;
            };
            let spend_total: i64 = rows.iter().map(|r| r.spend_micros).sum();
            let top = rows.iter().max_by_key(|r| (r.spend_micros, r.impressions));
            if let (Some(p), Some(top)) = (item.performance.as_mut(), top) {
                p.top_geo = Some(top.key.clone());
                p.top_geo_share = (spend_total > 0).then(|| top.spend_micros as f64 / spend_total as f64);
            }
        }
    }
    if !slim {
        for item in &mut items {
            let detail = store
                .creatives_by_id(item.summary.creative_id.clone(), Some(item.summary.seat_id.clone()))
                .await?;
            item.content = detail.into_iter().next().map(|d| d.content);
        }
    }
    let page = CreativePage {
        items,
        total,
        page,
        page_size,
    };
    Ok((page.into(), as_of))
}
