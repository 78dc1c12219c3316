//! The Creatives pages: cards with performance badges, filters, the detail page and
//! sandboxed previews.

//! Server-rendered pages: login, first-run setup, the creative catalog.

use crate::assets::ASSET_VERSION;
use crate::bidder::catalog::api::*;
use crate::error::ApiError;
use crate::page::*;
use crate::session::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::catalog::CreativeDetail;
use rtbcat_app::bidder::catalog::CreativeListItem;
use rtbcat_app::bidder::performance::Breakdown;
use serde::Deserialize;

#[derive(Default)]
pub(crate) struct FilterValues {
    search: String,
}

pub(crate) struct Card {
    creative_id: String,
    detail_url: String,
    preview_url: String,
    buyers_url: String,
    format: String,
    size_label: String,
    status_label: String,
    status_class: &'static str,
    advertiser: String,
    destination: String,
    is_app: bool,
    missing_macro: bool,
    thumb_kind: &'static str,
    frame_width: u32,
    frame_height: u32,
    natural_width: u32,
    natural_height: u32,
    scale: String,
    native_image: Option<String>,
    native_headline: String,
    native_cta: String,
    video_label: String,
    perf: Option<CardPerformance>,
}

/// The seed's badges: spend for the period, CPC/CPM, top geo with share, trend.
pub(crate) struct CardPerformance {
    spend: String,
    cpc: String,
    cpm: String,
    top_geo: String,
    trend: String,
    trend_class: &'static str,
    tier: &'static str,
}

pub(crate) fn period_label(period: Option<&str>) -> String {
    match period.filter(|p| !p.is_empty()).unwrap_or("7d") {
        "1d" => "Yesterday",
        "30d" => "30d",
        "all" => "All time",
        _ => "7d",
    }
    .to_string()
}

pub(crate) fn card_performance(
    p: &rtbcat_core::bidder::performance::metrics::PerformanceSummary,
    period_label: &str,
) -> CardPerformance {
    use rtbcat_core::bidder::performance::metrics::Tier;
    let (trend, trend_class) = match p.trend_pct {
        Some(t) if t > 0.0 => (format!("▲ {t:.0}%"), "up"),
        Some(t) if t < 0.0 => (format!("▼ {:.0}%", t.abs()), "down"),
        Some(_) => ("= 0%".to_string(), "flat"),
        None => (String::new(), "flat"),
    };
    CardPerformance {
        spend: format!("Spend ({period_label}): {}", money(Some(p.spend_micros))),
        cpc: money(p.cpc_micros),
        cpm: money(p.cpm_micros),
        top_geo: match (&p.top_geo, p.top_geo_share) {
            (Some(geo), Some(share)) => format!("{geo} ({:.0}%)", share * 100.0),
            (Some(geo), None) => geo.clone(),
            _ => "—".into(),
        },
        trend,
        trend_class,
        tier: match p.tier {
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
            Tier::Zero => "zero",
        },
    }
}

pub(crate) fn status_view(status: &str) -> (String, &'static str) {
    let class = match status {
        "APPROVED" => "ok",
        "DISAPPROVED" => "bad",
        "PENDING_REVIEW" | "CERTIFICATE_REQUIRED" => "warn",
        _ => "muted",
    };
    (status.replace('_', " ").to_lowercase(), class)
}

pub(crate) fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(crate) fn creative_urls(seat: &str, creative_id: &str) -> (String, String) {
    let base = format!(
        "/app/seats/{}/creatives/{}",
        path_segment(seat),
        path_segment(creative_id)
    );
    let preview = format!("{base}/preview");
    (base, preview)
}

/// The frame size a creative renders at: its own size, or a sensible stand-in.
pub(crate) fn natural_size(format: &str, width: Option<i64>, height: Option<i64>) -> (u32, u32) {
    let clamp = |v: Option<i64>, fallback: u32| {
        v.and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 1)
            .map_or(fallback, |v| v.min(1600))
    };
    match format {
        "HTML" => (clamp(width, 320), clamp(height, 250)),
        "NATIVE" => (360, 300),
        _ => (480, 270),
    }
}

pub(crate) const THUMB_WIDTH: f64 = 280.0;

pub(crate) const THUMB_HEIGHT: f64 = 170.0;

pub(crate) fn card(item: &CreativeListItem, period_label: &str) -> Card {
    let s = &item.summary;
    let content = item.content.clone().unwrap_or_default();
    let (detail_url, preview_url) = creative_urls(&s.seat_id, &s.creative_id);
    let (natural_width, natural_height) = natural_size(&s.format, s.width, s.height);
    let scale = (THUMB_WIDTH / f64::from(natural_width))
        .min(THUMB_HEIGHT / f64::from(natural_height))
        .min(1.0);
    let (status_label, status_class) = status_view(&s.status);
    let thumb_kind = match s.format.as_str() {
        "HTML" if content.html_snippet.is_some() => "html",
        "NATIVE" => "native",
        "VIDEO" => "video",
        _ => "none",
    };
    let video_label = match content.video_duration_seconds {
        Some(seconds) => format!("{} · {:.0}s", s.canonical_size, seconds),
        None => s.canonical_size.clone(),
    };
    Card {
        creative_id: s.creative_id.clone(),
        detail_url,
        preview_url,
        buyers_url: s.google_buyers_url.clone(),
        format: s.format.clone(),
        size_label: s.canonical_size.clone(),
        status_label,
        status_class,
        advertiser: s.advertiser.clone().unwrap_or_else(|| "—".into()),
        destination: s.primary_destination.clone().unwrap_or_else(|| "no destination".into()),
        is_app: s.app_id.is_some(),
        missing_macro: s.has_click_macro == Some(false),
        thumb_kind,
        frame_width: natural_width,
        frame_height: natural_height,
        natural_width,
        natural_height,
        scale: format!("{scale:.4}"),
        native_image: content
            .native_image_url
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
        native_headline: content.native_headline.unwrap_or_default(),
        native_cta: content.native_call_to_action.unwrap_or_default(),
        video_label,
        perf: item.performance.as_ref().map(|p| card_performance(p, period_label)),
    }
}

#[derive(Template)]
#[template(path = "creative_grid.html")]
pub(crate) struct CreativeGrid {
    cards: Vec<Card>,
    has_performance: bool,
    as_of_label: String,
    catalog_empty: bool,
    range_label: String,
    page: i64,
    page_count: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

#[derive(Template)]
#[template(path = "creatives.html")]
pub(crate) struct CreativesPage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    stats_line: String,
    filters: FilterValues,
    seat_options: Vec<SelectOption>,
    format_options: Vec<SelectOption>,
    size_options: Vec<SelectOption>,
    status_options: Vec<SelectOption>,
    language_options: Vec<SelectOption>,
    sort_options: Vec<SelectOption>,
    period_options: Vec<SelectOption>,
    tier_options: Vec<SelectOption>,
    geo: String,
    grid: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct CreativesPageParams {
    #[serde(flatten)]
    list: CreativeListParamsForm,
    partial: Option<String>,
}

/// Form fields arrive as strings (an empty select is `""`), so page params are read
/// leniently and handed to the API's validation.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct CreativeListParamsForm {
    seat: Option<String>,
    format: Option<String>,
    size: Option<String>,
    status: Option<String>,
    language: Option<String>,
    search: Option<String>,
    page: Option<String>,
    sort: Option<String>,
    period: Option<String>,
    tier: Option<String>,
    geo: Option<String>,
}

pub(crate) const PAGE_SIZE: i64 = 48;

pub(crate) fn page_url(form: &CreativeListParamsForm, page: i64) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("search", &form.search),
        ("seat", &form.seat),
        ("format", &form.format),
        ("size", &form.size),
        ("status", &form.status),
        ("language", &form.language),
        ("sort", &form.sort),
        ("period", &form.period),
        ("tier", &form.tier),
        ("geo", &form.geo),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            serializer.append_pair(key, v);
        }
    }
    serializer.append_pair("page", &page.to_string());
    format!("/app/creatives?{}", serializer.finish())
}

pub(crate) async fn creatives_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<CreativesPageParams>,
) -> Response {
    let form = params.list.clone();
    let page = match form.page.as_deref().filter(|p| !p.is_empty()).map(str::parse::<i64>) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => return page_error(ApiError::bad_parameter("page", "must be a whole number, 1 or more")),
    };
    let list_params = CreativeListParams {
        seat: form.seat.clone(),
        format: form.format.clone(),
        size: form.size.clone(),
        status: form.status.clone(),
        language: form.language.clone(),
        search: form.search.clone(),
        slim: Some(false),
        page: Some(page),
        page_size: Some(PAGE_SIZE),
        // The catalog opens sorted by spend over the last 7 days, as the seed asks.
        sort: Some(
            form.sort
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "spend".into()),
        ),
        period: Some(
            form.period
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "7d".into()),
        ),
        tier: form.tier.clone(),
        geo: form.geo.clone(),
        ..Default::default()
    };
    let listing = match crate::bidder::catalog::api::performance_listing(&list_params) {
        Ok(listing) => listing,
        Err(err) => return page_error(err),
    };
    let query = match creative_query(list_params, PAGE_SIZE) {
        Ok(q) => q,
        Err(err) => return page_error(err),
    };
    let (result, as_of) = match listing {
        Some(listing) => {
            match rtbcat_app::bidder::catalog::view::list_with_performance(&state.store, query, listing).await {
                Ok(r) => r,
                Err(err) => return page_error(err.into()),
            }
        }
        None => match rtbcat_app::bidder::catalog::list(&state.store, query).await {
            Ok(r) => (r, None),
            Err(err) => return page_error(err.into()),
        },
    };
    let period_label = period_label(form.period.as_deref());
    let page_count = ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let first = (page - 1) * PAGE_SIZE + 1;
    let last = (first + result.items.len() as i64 - 1).max(first);
    let catalog_empty = result.total == 0
        && [
            &form.seat,
            &form.format,
            &form.size,
            &form.status,
            &form.language,
            &form.search,
        ]
        .iter()
        .all(|v| v.as_deref().is_none_or(str::is_empty));
    let grid = CreativeGrid {
        cards: result.items.iter().map(|item| card(item, &period_label)).collect(),
        has_performance: as_of.is_some(),
        as_of_label: as_of.map(|d| format!("{period_label} to {d}")).unwrap_or_default(),
        catalog_empty,
        range_label: format!("{first}–{last} of {} creatives", result.total),
        page,
        page_count,
        prev_url: (page > 1).then(|| page_url(&form, page - 1)),
        next_url: (page < page_count).then(|| page_url(&form, page + 1)),
    };
    let grid_html = match grid.render() {
        Ok(html) => html,
        Err(err) => return page_error(ApiError::internal(err)),
    };
    if params.partial.is_some() {
        return Html(grid_html).into_response();
    }
    let facets = match rtbcat_app::bidder::catalog::facets(&state.store).await {
        Ok(f) => f,
        Err(err) => return page_error(err.into()),
    };
    let stats_line = format!(
        "{} creatives · {} seats · {} sizes",
        facets.formats.iter().map(|f| f.count).sum::<i64>(),
        facets.seats.len(),
        facets.sizes.len()
    );
    let (user_email, user_role) = user_header(&user);
    render(&CreativesPage {
        asset_version: ASSET_VERSION,
        user_email,
        user_role,
        active: "creatives",
        stats_line,
        filters: FilterValues {
            search: form.search.clone().unwrap_or_default(),
        },
        seat_options: options(&facets.seats, &form.seat, str::to_string),
        format_options: options(&facets.formats, &form.format, str::to_string),
        size_options: options(&facets.sizes, &form.size, str::to_string),
        status_options: options(&facets.statuses, &form.status, |s| status_view(s).0),
        language_options: options(&facets.languages, &form.language, str::to_string),
        sort_options: fixed_options(
            &[
                ("spend", "Spend"),
                ("cpc", "CPC"),
                ("cpm", "CPM"),
                ("ctr", "CTR"),
                ("impressions", "Impressions"),
                ("clicks", "Clicks"),
                ("recent", "Recently updated"),
            ],
            form.sort.as_deref(),
            "spend",
        ),
        period_options: fixed_options(
            &[
                ("1d", "Yesterday"),
                ("7d", "Last 7 days"),
                ("30d", "Last 30 days"),
                ("all", "All time"),
            ],
            form.period.as_deref(),
            "7d",
        ),
        tier_options: fixed_options(
            &[
                ("", "All tiers"),
                ("high", "High spend (top 25%)"),
                ("medium", "Medium spend"),
                ("low", "Low spend (bottom 25%)"),
                ("zero", "No spend"),
            ],
            form.tier.as_deref(),
            "",
        ),
        geo: form.geo.clone().unwrap_or_default(),
        grid: grid_html,
    })
}

pub(crate) async fn find_creative(
    state: &AppState,
    seat: String,
    creative_id: String,
) -> Result<CreativeDetail, ApiError> {
    let mut found = rtbcat_app::bidder::catalog::by_id(&state.store, creative_id.clone(), Some(seat)).await?;
    if found.is_empty() {
        return Err(ApiError::not_found(format!("no creative {creative_id:?} in this seat")));
    }
    Ok(found.remove(0))
}

pub(crate) struct DestinationRow {
    original: String,
    final_url: String,
    domain: String,
    app: String,
    via: String,
}

#[derive(Template)]
#[template(path = "creative_detail.html")]
pub(crate) struct CreativePage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    seat_id: String,
    creative_id: String,
    advertiser: String,
    format: String,
    size_label: String,
    status_label: String,
    status_class: &'static str,
    buyers_url: String,
    preview_url: String,
    frame_width: u32,
    frame_height: u32,
    facts: Vec<(String, String)>,
    destinations: Vec<DestinationRow>,
    policies: Vec<(String, String)>,
    raw_json: String,
    /// Server-rendered SVG (numbers and dates we produced, escaped).
    chart_svg: String,
    performance_period: String,
    geo_rows: Vec<BreakdownView>,
    device_rows: Vec<BreakdownView>,
}

pub(crate) struct BreakdownView {
    key: String,
    spend: String,
    impressions: i64,
    clicks: i64,
    ctr: String,
    cpc: String,
    share: String,
}

pub(crate) fn breakdown_views(rows: &[rtbcat_app::bidder::performance::BreakdownRow]) -> Vec<BreakdownView> {
    let total: i64 = rows.iter().map(|r| r.spend_micros).sum();
    let mut sorted: Vec<&rtbcat_app::bidder::performance::BreakdownRow> = rows.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.spend_micros));
    sorted
        .into_iter()
        .map(|r| BreakdownView {
            key: r.key.clone(),
            spend: money(Some(r.spend_micros)),
            impressions: r.impressions,
            clicks: r.clicks,
            ctr: rtbcat_core::bidder::performance::metrics::ctr(r.clicks, r.impressions)
                .map_or_else(|| "—".into(), |c| format!("{:.2}%", c * 100.0)),
            cpc: money(rtbcat_core::bidder::performance::metrics::cpc_micros(
                r.spend_micros,
                r.clicks,
            )),
            share: if total > 0 {
                format!("{:.0}%", r.spend_micros as f64 / total as f64 * 100.0)
            } else {
                "—".into()
            },
        })
        .collect()
}

pub(crate) async fn creative_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((seat, creative_id)): Path<(String, String)>,
) -> Response {
    let detail = match find_creative(&state, seat, creative_id).await {
        Ok(d) => d,
        Err(err) => return page_error(err),
    };
    let s = &detail.summary;
    let (_, preview_url) = creative_urls(&s.seat_id, &s.creative_id);
    let (frame_width, frame_height) = natural_size(&s.format, s.width, s.height);
    let (status_label, status_class) = status_view(&s.status);
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let mut facts = vec![
        ("Seat".to_string(), s.seat_id.clone()),
        ("Resource".to_string(), detail.resource_name.clone()),
        ("Format".to_string(), s.format.clone()),
        (
            "Declared size".to_string(),
            match (s.width, s.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => "—".into(),
            },
        ),
        (
            "Canonical size".to_string(),
            format!(
                "{} ({}){}",
                s.canonical_size,
                s.size_category,
                if detail.size_snapped { ", snapped" } else { "" }
            ),
        ),
        (
            "Languages".to_string(),
            if s.languages.is_empty() {
                "—".into()
            } else {
                s.languages.join(", ")
            },
        ),
        ("Primary destination".to_string(), text(&s.primary_destination)),
        (
            "Click macro".to_string(),
            match s.has_click_macro {
                Some(true) => "present".into(),
                Some(false) => "missing — Google requires one".into(),
                None => "not required".into(),
            },
        ),
        ("API update time".to_string(), text(&detail.api_update_time)),
    ];
    if let Some(seconds) = detail.content.video_duration_seconds {
        facts.push(("Duration".to_string(), format!("{seconds:.1} s")));
    }
    let destinations = detail
        .destinations
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    let field = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                    let app = match (
                        d.get("app_store").and_then(|v| v.as_str()),
                        d.get("app_id").and_then(|v| v.as_str()),
                    ) {
                        (Some(store), Some(id)) => format!("{} {id}", store.replace('_', " ")),
                        _ => "—".into(),
                    };
                    let mut via: Vec<String> = d
                        .get("redirect_hosts")
                        .and_then(|v| v.as_array())
                        .map(|h| h.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                        .unwrap_or_default();
                    if let Some(tracker) = d.get("tracker").and_then(|v| v.as_str()) {
                        via.push(tracker.to_string());
                    }
                    DestinationRow {
                        original: field("original_url"),
                        final_url: field("final_url"),
                        domain: d.get("domain").and_then(|v| v.as_str()).unwrap_or("—").to_string(),
                        app,
                        via: if via.is_empty() {
                            "direct".into()
                        } else {
                            via.join(" → ")
                        },
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let policies = detail
        .policy_statuses
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").replace('_', " ").to_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    // The last 30 days of data, ending at the newest imported date.
    let mut chart_svg = String::new();
    let mut performance_period = String::new();
    let mut geo_rows = Vec::new();
    let mut device_rows = Vec::new();
    if let Ok(Some(latest)) = rtbcat_app::bidder::performance::latest_fact_date(&state.store).await {
        if let Some(end) = rtbcat_core::bidder::performance::report::parse_report_date(&latest) {
            let (start, _) = rtbcat_core::bidder::performance::metrics::Period::Month.window(end);
            let filter = |country: Option<String>| rtbcat_app::bidder::performance::FactFilter {
                start: start.map(|d| d.to_string()),
                end: Some(end.to_string()),
                country,
            };
            let ids = vec![s.creative_id.clone()];
            let by = |b| rtbcat_app::bidder::performance::breakdown(&state.store, ids.clone(), filter(None), b);
            if let (Ok(daily), Ok(geo), Ok(device)) = (
                by(Breakdown::Date).await,
                by(Breakdown::Country).await,
                by(Breakdown::Device).await,
            ) {
                if !daily.is_empty() {
                    let points: Vec<crate::charts::DailyPoint> = daily
                        .iter()
                        .map(|r| crate::charts::DailyPoint {
                            date: r.key.clone(),
                            money_micros: r.spend_micros,
                            count: r.clicks,
                        })
                        .collect();
                    chart_svg = crate::charts::daily_chart(&points, &crate::charts::SPEND_AND_CLICKS);
                    performance_period = format!("{} to {end}", start.map(|d| d.to_string()).unwrap_or_default());
                }
                geo_rows = breakdown_views(&geo);
                device_rows = breakdown_views(&device);
            }
        }
    }
    let (user_email, user_role) = user_header(&user);
    render(&CreativePage {
        asset_version: ASSET_VERSION,
        user_email,
        user_role,
        active: "creatives",
        seat_id: s.seat_id.clone(),
        creative_id: s.creative_id.clone(),
        advertiser: text(&s.advertiser),
        format: s.format.clone(),
        size_label: s.canonical_size.clone(),
        status_label,
        status_class,
        buyers_url: s.google_buyers_url.clone(),
        preview_url,
        frame_width,
        frame_height,
        facts,
        destinations,
        policies,
        raw_json: serde_json::to_string_pretty(&detail.raw).unwrap_or_default(),
        chart_svg,
        performance_period,
        geo_rows,
        device_rows,
    })
}

#[derive(Template)]
#[template(path = "preview.html")]
pub(crate) struct PreviewDocument {
    kind: &'static str,
    snippet: String,
    native_image: Option<String>,
    headline: String,
    body: String,
    cta: String,
    advertiser: String,
    media_url: Option<String>,
}

/// The creative rendered alone, for the sandboxed preview frames.
pub(crate) async fn creative_preview(
    State(state): State<AppState>,
    _user: PageUser,
    Path((seat, creative_id)): Path<(String, String)>,
) -> Response {
    let detail = match find_creative(&state, seat, creative_id).await {
        Ok(d) => d,
        Err(err) => return page_error(err),
    };
    let c = &detail.content;
    let kind = match detail.summary.format.as_str() {
        "HTML" => "html",
        "NATIVE" => "native",
        _ => "video",
    };
    let media_url = c.video_url.clone().or_else(|| {
        c.vast_xml.as_deref().and_then(|v| {
            rtbcat_core::bidder::catalog::destination::find_urls(v)
                .into_iter()
                .find(|u| u.contains(".mp4") || u.contains(".webm"))
        })
    });
    let document = PreviewDocument {
        kind,
        snippet: c.html_snippet.clone().unwrap_or_default(),
        native_image: c.native_image_url.clone(),
        headline: c
            .native_headline
            .clone()
            .unwrap_or_else(|| format!("{} video", detail.summary.advertiser.clone().unwrap_or_default())),
        body: c.native_body.clone().unwrap_or_else(|| {
            format!(
                "{}{}",
                detail.summary.canonical_size,
                c.video_duration_seconds
                    .map(|s| format!(" · {s:.0}s"))
                    .unwrap_or_default()
            )
        }),
        cta: c.native_call_to_action.clone().unwrap_or_default(),
        advertiser: detail.summary.advertiser.clone().unwrap_or_default(),
        media_url,
    };
    let mut response = render(&document);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PREVIEW_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    response
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/creatives", get(creatives_page))
        .route("/app/seats/{seat}/creatives/{creative_id}", get(creative_page))
        .route(
            "/app/seats/{seat}/creatives/{creative_id}/preview",
            get(creative_preview),
        )
}
