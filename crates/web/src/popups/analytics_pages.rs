//! The popup analytics page: totals, the daily chart against the period before, a table by
//! day, ISO week or month, tables by offer, country and device, the last 60 minutes
//! (refreshing), and CSV and PDF downloads.

use crate::error::ApiError;
use crate::popups::analytics::{analytics_lines, AnalyticsParams};
use crate::session::PageUser;
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::popups::Property;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/popups/analytics", get(analytics_page))
        .route("/app/popups/analytics/realtime", get(realtime_fragment))
}

#[derive(Template)]
#[template(path = "popup_analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    properties: Vec<Property>,
    selected: String,
    from: String,
    to: String,
    presets: Vec<(String, &'static str, bool)>,
    chart_html: String,
    totals: Vec<(&'static str, String)>,
    /// (heading, rendered table): by offer, by country, by device.
    sections: Vec<(&'static str, String)>,
    csv_query: String,
    pdf_query: String,
    /// `day`, `week` or `month`: the period table's grouping.
    period: String,
    periods: Vec<(String, &'static str, bool)>,
    period_table: String,
    realtime_html: String,
}

#[derive(Debug, Deserialize)]
struct AnalyticsPageParams {
    property: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `day` (default), `week` or `month`.
    period: Option<String>,
}

/// The table of lines, most impressions first.
fn analytics_table(
    id: &str,
    label: &str,
    lines: &[crate::popups::analytics::AnalyticsLine],
    key_label: impl Fn(&crate::popups::analytics::AnalyticsLine) -> String,
) -> String {
    let mut sorted: Vec<&crate::popups::analytics::AnalyticsLine> = lines.iter().collect();
    sorted.sort_by_key(|l| std::cmp::Reverse(l.impressions));
    table_of(id, label, &sorted, key_label)
}

/// The table of lines in the order given (periods: newest first).
fn analytics_table_in_order(
    id: &str,
    label: &str,
    lines: &[crate::popups::analytics::AnalyticsLine],
    key_label: impl Fn(&crate::popups::analytics::AnalyticsLine) -> String,
) -> String {
    table_of(id, label, &lines.iter().collect::<Vec<_>>(), key_label)
}

fn table_of(
    id: &str,
    label: &str,
    lines: &[&crate::popups::analytics::AnalyticsLine],
    key_label: impl Fn(&crate::popups::analytics::AnalyticsLine) -> String,
) -> String {
    let mut table = Table::new(
        id,
        label,
        vec![
            Column::text(label),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR (95% interval)"),
            Column::number("Conversions"),
            Column::number("Revenue"),
            Column::number("RPM"),
            Column::number("Bot hits"),
        ],
    );
    for l in lines {
        table.row(vec![
            Cell::text(key_label(l)),
            Cell::count(l.impressions),
            Cell::count(l.clicks),
            match (l.ctr, l.ctr_low, l.ctr_high) {
                (Some(ctr), Some(low), Some(high)) => Cell::number(
                    format!("{:.2}% ({:.2}–{:.2}%)", ctr * 100.0, low * 100.0, high * 100.0),
                    ctr * 100.0,
                ),
                _ => Cell::dash(),
            },
            Cell::count(l.conversions),
            Cell::money(l.revenue_micros),
            Cell::money_or_dash(l.rpm_micros),
            Cell::count(l.bot_hits),
        ]);
    }
    let sum = |f: fn(&crate::popups::analytics::AnalyticsLine) -> i64| lines.iter().map(|l| f(l)).sum::<i64>();
    let (impressions, clicks, revenue) = (sum(|l| l.impressions), sum(|l| l.clicks), sum(|l| l.revenue_micros));
    table.totals(vec![
        Cell::text("Total"),
        Cell::count(impressions),
        Cell::count(clicks),
        Cell::percent(rtbcat_core::bidder::performance::metrics::ctr(clicks, impressions), 2),
        Cell::count(sum(|l| l.conversions)),
        Cell::money(revenue),
        Cell::money_or_dash(rtbcat_core::popups::rpm_micros(revenue, impressions)),
        Cell::count(sum(|l| l.bot_hits)),
    ]);
    if table.is_empty() {
        return "<p class=\"muted\">No events in this range.</p>".into();
    }
    table.exportable(&format!("{id}.csv")).render()
}

/// The chart's days: revenue and impressions of each day from `from` to `to`.
fn analytics_points(
    lines: &[crate::popups::analytics::AnalyticsLine],
    from: time::Date,
    to: time::Date,
) -> Vec<crate::ui::chart::DailyPoint> {
    crate::ui::chart::every_day(from, to, |day| {
        lines
            .iter()
            .find(|l| l.key == day)
            .map_or((0, 0), |l| (l.revenue_micros, l.impressions))
    })
}

async fn analytics_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<AnalyticsPageParams>,
) -> Response {
    let properties = match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(p) => p,
        Err(e) => return error_page(&user, "analytics", e.into()),
    };
    let mut chrome = Chrome::new(&user, "analytics");
    let mut selected = params
        .property
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "all".into());
    let property = properties.iter().find(|p| p.code == selected).cloned();
    if property.is_none() && selected != "all" {
        chrome.error(format!("There is no property {selected:?}; showing all properties."));
        selected = "all".into();
    }
    let period = match params.period.as_deref() {
        Some(p @ ("week" | "month")) => p.to_string(),
        _ => "day".to_string(),
    };
    let today = state.clock.now().date();
    let mut query_range = (params.from.clone(), params.to.clone());
    let mut views = Vec::new();
    let mut range = (String::new(), String::new());
    for group in ["day", "offer", "country", "device"] {
        let query = AnalyticsParams::new(query_range.0.clone(), query_range.1.clone(), group);
        match analytics_lines(&state, property.as_ref(), &query).await {
            Ok((from, to, lines)) => {
                range = (from, to);
                views.push(lines);
            }
            Err(e) if e.status.is_client_error() && views.is_empty() && query_range != (None, None) => {
                // A bad range: say why, keep the page, show the default range instead.
                chrome.error(format!(
                    "{}. Showing the last 30 days instead.",
                    capitalised(&e.body.message)
                ));
                query_range = (None, None);
                match analytics_lines(&state, property.as_ref(), &AnalyticsParams::new(None, None, group)).await {
                    Ok((from, to, lines)) => {
                        range = (from, to);
                        views.push(lines);
                    }
                    Err(e) => return error_page(&user, "analytics", e),
                }
            }
            Err(e) => return error_page(&user, "analytics", e),
        }
    }
    let [days, offers, countries, devices]: [Vec<_>; 4] = match views.try_into() {
        Ok(v) => v,
        Err(_) => return error_page(&user, "analytics", ApiError::internal("analytics groups")),
    };
    let sum = |f: fn(&crate::popups::analytics::AnalyticsLine) -> i64| days.iter().map(f).sum::<i64>();
    let (impressions, clicks) = (sum(|l| l.impressions), sum(|l| l.clicks));
    let revenue = sum(|l| l.revenue_micros);
    let totals = vec![
        ("Impressions", format::count(impressions)),
        ("Clicks", format::count(clicks)),
        (
            "CTR",
            format::percent_or_dash(rtbcat_core::bidder::performance::metrics::ctr(clicks, impressions), 2),
        ),
        ("Conversions", format::count(sum(|l| l.conversions))),
        ("Revenue", format::money(revenue)),
        (
            "RPM",
            format::money_or_dash(rtbcat_core::popups::rpm_micros(revenue, impressions)),
        ),
        ("Bot hits (not counted)", format::count(sum(|l| l.bot_hits))),
    ];
    let parse = |d: &str| time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok();
    let mut chart_html = String::new();
    if let (Some(from), Some(to)) = (parse(&range.0), parse(&range.1)) {
        if !days.is_empty() {
            let length = (to - from).whole_days() + 1;
            let previous_to = from - time::Duration::days(1);
            let previous_from = previous_to - time::Duration::days(length - 1);
            let previous = analytics_lines(
                &state,
                property.as_ref(),
                &AnalyticsParams::new(Some(previous_from.to_string()), Some(previous_to.to_string()), "day"),
            )
            .await
            .map(|(_, _, lines)| lines)
            .unwrap_or_default();
            let points = analytics_points(&days, from, to);
            let previous_points = if previous.is_empty() {
                Vec::new()
            } else {
                analytics_points(&previous, previous_from, previous_to)
            };
            chart_html = crate::ui::chart::DailyChart {
                points: &points,
                previous: &previous_points,
                series: &crate::ui::chart::REVENUE_AND_IMPRESSIONS,
                partial_last: to == today,
            }
            .render();
        }
    }
    let presets = [(7, "7 days"), (30, "30 days"), (90, "90 days")]
        .iter()
        .map(|(days, label)| {
            let from = today - time::Duration::days(days - 1);
            let current = range.0 == from.to_string() && range.1 == today.to_string();
            (
                format!("?property={selected}&from={from}&to={today}&period={period}"),
                *label,
                current,
            )
        })
        .collect();
    let by_period = if period == "day" {
        days.clone()
    } else {
        analytics_lines(
            &state,
            property.as_ref(),
            &AnalyticsParams::new(Some(range.0.clone()), Some(range.1.clone()), &period),
        )
        .await
        .map(|(_, _, lines)| lines)
        .unwrap_or_default()
    };
    let period_label = match period.as_str() {
        "week" => "Week",
        "month" => "Month",
        _ => "Day",
    };
    let mut period_rows = by_period;
    period_rows.sort_by(|a, b| b.key.cmp(&a.key));
    let period_table = analytics_table_in_order("period-table", period_label, &period_rows, |l| l.key.clone());
    let periods = [("day", "By day"), ("week", "By week"), ("month", "By month")]
        .iter()
        .map(|(p, label)| {
            (
                format!("?property={selected}&from={}&to={}&period={p}", range.0, range.1),
                *label,
                *p == period,
            )
        })
        .collect();
    let realtime_html =
        match rtbcat_app::popups::analytics::realtime(&state.store, state.clock.as_ref(), property.as_ref()).await {
            Ok(r) => realtime_html(&r),
            Err(e) => return error_page(&user, "analytics", e.into()),
        };
    let csv_query = format!("from={}&to={}&group_by={period}&format=csv", range.0, range.1);
    let pdf_query = format!("from={}&to={}", range.0, range.1);
    render(&AnalyticsPage {
        chrome,
        chart_html,
        sections: vec![
            (
                "By offer",
                analytics_table("offer-table", "Offer", &offers, |l| {
                    l.label.clone().unwrap_or_else(|| l.key.clone())
                }),
            ),
            (
                "By country",
                analytics_table("country-table", "Country", &countries, |l| format::country(&l.key)),
            ),
            (
                "By device",
                analytics_table("device-table", "Device", &devices, |l| format::device(&l.key)),
            ),
        ],
        totals,
        presets,
        properties,
        selected,
        from: range.0,
        to: range.1,
        csv_query,
        pdf_query,
        period,
        periods,
        period_table,
        realtime_html,
    })
}

#[derive(Debug, Deserialize)]
struct RealtimeParams {
    property: Option<String>,
}

/// The last 60 minutes: totals, a bar per minute and the offers that served, as the
/// analytics page shows it and its refresh fetches it.
pub(crate) fn realtime_html(r: &rtbcat_app::popups::analytics::Realtime) -> String {
    let bars: Vec<crate::ui::chart::MinuteBar> = r
        .minutes
        .iter()
        .map(|m| crate::ui::chart::MinuteBar {
            minute: m.minute,
            impressions: m.impressions,
            clicks: m.clicks,
            revenue_micros: m.revenue_micros,
        })
        .collect();
    let as_of = time::OffsetDateTime::from_unix_timestamp(r.as_of).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut html = format!(
        "<dl class=\"stat-grid\"><div class=\"stat\"><dt>Impressions</dt><dd id=\"realtime-impressions\">{}</dd></div><div class=\"stat\"><dt>Clicks</dt><dd>{}</dd></div><div class=\"stat\"><dt>Conversions</dt><dd>{}</dd></div><div class=\"stat\"><dt>Revenue</dt><dd>{}</dd></div></dl><p class=\"muted\">As of {:02}:{:02}:{:02} UTC; refreshes every 15 seconds while this tab is open.</p>",
        format::count(r.impressions),
        format::count(r.clicks),
        format::count(r.conversions),
        format::money(r.revenue_micros),
        as_of.hour(),
        as_of.minute(),
        as_of.second()
    );
    if r.impressions + r.clicks + r.conversions == 0 {
        html.push_str("<p class=\"muted\">Nothing tracked in the last 60 minutes.</p>");
        return html;
    }
    html.push_str(&crate::ui::chart::minute_bars(&bars));
    let mut table = Table::new(
        "realtime-table",
        "Offers in the last 60 minutes",
        vec![
            Column::text("Offer"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("Conversions"),
            Column::number("Revenue"),
        ],
    );
    for o in &r.offers {
        table.row(vec![
            Cell::text(o.name.clone()),
            Cell::count(o.impressions),
            Cell::count(o.clicks),
            Cell::count(o.conversions),
            Cell::money(o.revenue_micros),
        ]);
    }
    html.push_str(&table.render());
    html
}

/// The real-time section alone, for the page's refresh.
async fn realtime_fragment(
    State(state): State<AppState>,
    PageUser(_user): PageUser,
    Query(params): Query<RealtimeParams>,
) -> Result<Response, ApiError> {
    let property = match params.property.as_deref().filter(|p| !p.is_empty() && *p != "all") {
        Some(code) => Some(crate::popups::properties::find_property(&state, code).await?),
        None => None,
    };
    let realtime =
        rtbcat_app::popups::analytics::realtime(&state.store, state.clock.as_ref(), property.as_deref()).await?;
    Ok(axum::response::Html(realtime_html(&realtime)).into_response())
}
