//! A creative's detail page (facts, destinations, policy, performance with a chosen
//! period) and its sandboxed preview document.

use super::*;

#[derive(Template)]
#[template(path = "creative_detail.html")]
pub(crate) struct CreativePage {
    /// The campaign it is in: (link, name).
    campaign: Option<(String, String)>,
    chrome: Chrome,
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
    destinations_table: String,
    policies_table: String,
    raw_json: String,
    /// Server-rendered chart and tables (numbers and dates we produced, escaped).
    chart_html: String,
    performance_period: String,
    period_links: Vec<(String, String, bool)>,
    geo_table: String,
    device_table: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct CreativePageParams {
    days: Option<String>,
}

/// Spend, share, impressions, clicks, CTR and CPC by one dimension, biggest spend first,
/// with totals.
pub(crate) fn breakdown_table(
    id: &str,
    label: &str,
    rows: &[rtbcat_app::bidder::performance::BreakdownRow],
    key_label: impl Fn(&str) -> String,
) -> Table {
    use rtbcat_core::bidder::performance::metrics::{cpc_micros, ctr};
    let total_spend: i64 = rows.iter().map(|r| r.spend_micros).sum();
    let total_impressions: i64 = rows.iter().map(|r| r.impressions).sum();
    let total_clicks: i64 = rows.iter().map(|r| r.clicks).sum();
    let mut sorted: Vec<&rtbcat_app::bidder::performance::BreakdownRow> = rows.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.spend_micros));
    let mut table = Table::new(
        id,
        label,
        vec![
            Column::text(label),
            Column::number("Spend"),
            Column::number("Share"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR"),
            Column::number("CPC"),
        ],
    );
    for r in sorted {
        table.row(vec![
            Cell::text(key_label(&r.key)),
            Cell::money(r.spend_micros),
            Cell::percent((total_spend > 0).then(|| r.spend_micros as f64 / total_spend as f64), 0),
            Cell::count(r.impressions),
            Cell::count(r.clicks),
            Cell::percent(ctr(r.clicks, r.impressions), 2),
            Cell::money_or_dash(cpc_micros(r.spend_micros, r.clicks)),
        ]);
    }
    table.totals(vec![
        Cell::text("Total"),
        Cell::money(total_spend),
        Cell::percent((total_spend > 0).then_some(1.0), 0),
        Cell::count(total_impressions),
        Cell::count(total_clicks),
        Cell::percent(ctr(total_clicks, total_impressions), 2),
        Cell::money_or_dash(cpc_micros(total_spend, total_clicks)),
    ]);
    table.exportable(&format!("{}.csv", id))
}

/// The chart's days: spend and clicks of each day from `start` to `end`.
fn daily_points(
    rows: &[rtbcat_app::bidder::performance::BreakdownRow],
    start: time::Date,
    end: time::Date,
) -> Vec<crate::ui::chart::DailyPoint> {
    crate::ui::chart::every_day(start, end, |day| {
        rows.iter()
            .find(|r| r.key == day)
            .map_or((0, 0), |r| (r.spend_micros, r.clicks))
    })
}

pub(crate) async fn creative_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((seat, creative_id)): Path<(String, String)>,
    Query(params): Query<CreativePageParams>,
) -> Response {
    let detail = match find_creative(&state, seat, creative_id).await {
        Ok(d) => d,
        Err(err) => return error_page(&user, "creatives", err),
    };
    let mut chrome = Chrome::new(&user, "creatives");
    let days: i64 = match params.days.as_deref().filter(|d| !d.is_empty()) {
        None => 30,
        Some(d @ ("7" | "30" | "90")) => d.parse().unwrap_or(30),
        Some(other) => {
            chrome.error(format!(
                "{other:?} is not a period this page offers; showing the last 30 days."
            ));
            30
        }
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
    let mut destinations = Table::new(
        "destinations-table",
        "Destinations",
        vec![
            Column::text("Destination"),
            Column::text("Domain"),
            Column::text("App"),
            Column::text("Via"),
        ],
    );
    for d in detail.destinations.as_array().into_iter().flatten() {
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
        let final_url = field("final_url");
        destinations.row(vec![
            Cell::code(if final_url.is_empty() {
                field("original_url")
            } else {
                final_url
            }),
            Cell::text(d.get("domain").and_then(|v| v.as_str()).unwrap_or("—")),
            Cell::text(app),
            Cell::text(if via.is_empty() {
                "direct".into()
            } else {
                via.join(" → ")
            }),
        ]);
    }
    let mut policies = Table::new(
        "policy-table",
        "Policy",
        vec![Column::text("Context"), Column::text("Status")],
    );
    for (k, v) in detail.policy_statuses.as_object().into_iter().flatten() {
        policies.row(vec![
            Cell::text(k),
            Cell::text(v.as_str().unwrap_or("").replace('_', " ").to_lowercase()),
        ]);
    }
    // The chosen period ending at the newest imported date, and the period before it.
    let mut chart_html = String::new();
    let mut performance_period = String::new();
    let mut geo_table = String::new();
    let mut device_table = String::new();
    if let Ok(Some(latest)) = rtbcat_app::bidder::performance::latest_fact_date(&state.store).await {
        if let Some(end) = rtbcat_core::bidder::performance::report::parse_report_date(&latest) {
            let start = end - time::Duration::days(days - 1);
            let previous_end = start - time::Duration::days(1);
            let previous_start = previous_end - time::Duration::days(days - 1);
            let filter = |from: time::Date, to: time::Date| rtbcat_app::bidder::performance::FactFilter {
                start: Some(from.to_string()),
                end: Some(to.to_string()),
                country: None,
            };
            let ids = vec![s.creative_id.clone()];
            let by = |b, from, to| {
                rtbcat_app::bidder::performance::breakdown(&state.store, ids.clone(), filter(from, to), b)
            };
            match (
                by(Breakdown::Date, start, end).await,
                by(Breakdown::Date, previous_start, previous_end).await,
                by(Breakdown::Country, start, end).await,
                by(Breakdown::Device, start, end).await,
            ) {
                (Ok(daily), Ok(previous), Ok(geo), Ok(device)) => {
                    if !daily.is_empty() {
                        let points = daily_points(&daily, start, end);
                        let previous_points = if previous.is_empty() {
                            Vec::new()
                        } else {
                            daily_points(&previous, previous_start, previous_end)
                        };
                        chart_html = crate::ui::chart::DailyChart {
                            points: &points,
                            previous: &previous_points,
                            series: &crate::ui::chart::SPEND_AND_CLICKS,
                            partial_last: end == state.clock.now().date(),
                        }
                        .render();
                        performance_period = format!("{start} to {end}");
                        geo_table = breakdown_table("geo-table", "Country", &geo, format::country).render();
                        device_table = breakdown_table("device-table", "Device", &device, format::device).render();
                    }
                }
                (Err(e), ..) | (_, Err(e), ..) | (.., Err(e), _) | (.., Err(e)) => {
                    chrome.error(format!("Performance could not be read: {e}"))
                }
            }
        }
    }
    let campaign = rtbcat_app::bidder::campaigns::campaign_of_creatives(&state.store)
        .await
        .ok()
        .and_then(|map| map.get(&(s.seat_id.clone(), s.creative_id.clone())).cloned())
        .map(|(id, name)| (format!("/app/campaigns/{id}"), name));
    render(&CreativePage {
        campaign,
        chrome,
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
        destinations_table: if destinations.is_empty() {
            String::new()
        } else {
            destinations.render()
        },
        policies_table: if policies.is_empty() {
            String::new()
        } else {
            policies.render()
        },
        raw_json: serde_json::to_string_pretty(&detail.raw).unwrap_or_default(),
        chart_html,
        performance_period,
        period_links: [7, 30, 90]
            .iter()
            .map(|d| (format!("?days={d}"), format!("{d} days"), *d == days))
            .collect(),
        geo_table,
        device_table,
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
        Err(err) => return bare_error(err),
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
