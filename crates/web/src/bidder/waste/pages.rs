//! The Waste page: what the bidder is sent and cannot use, the funnel, where it leaks, and
//! what to stop asking for.

use crate::bidder::waste::api::WasteParams;
use crate::session::PageUser;
use crate::ui::chart::{funnel_chart, pair_bars, FunnelBar};
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::waste::{FunnelGroupView, FunnelReport, WasteReport};

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/waste", get(waste_page))
}

struct RecommendationView {
    kind: &'static str,
    title: String,
    severity: &'static str,
    confidence: &'static str,
    impact: String,
    evidence: String,
    change: String,
}

#[derive(Template)]
#[template(path = "waste.html")]
struct WastePage {
    chrome: Chrome,
    window_label: String,
    stats: Vec<(&'static str, String)>,
    has_traffic: bool,
    has_funnel: bool,
    missing: Vec<&'static str>,
    recommendations: Vec<RecommendationView>,
    funnel_html: String,
    sizes_table: String,
    geo_table: String,
    publisher_table: String,
    filtering_table: String,
    period_links: Vec<(String, String, bool)>,
    days: i64,
    seats: Vec<(String, bool)>,
    query: String,
}

fn funnel_table(id: &str, label: &str, groups: &[FunnelGroupView], seconds: i64) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let mut table = Table::new(
        id,
        label,
        vec![
            Column::text(label),
            Column::number("Bid requests"),
            Column::number("QPS"),
            Column::number("Bids"),
            Column::number("Bid rate"),
            Column::number("Won"),
            Column::number("Win rate"),
            Column::number("Impressions"),
            Column::number("Unbid QPS"),
        ],
    );
    for g in groups {
        let c = &g.counts;
        let qps = c.bid_requests as f64 / seconds.max(1) as f64;
        table.keyed_row(
            g.key.clone(),
            vec![
                Cell::text(&g.label),
                Cell::count(c.bid_requests),
                Cell::number(format!("{qps:.1}"), qps),
                Cell::count(c.bids),
                Cell::percent(g.bid_rate, 2),
                Cell::count(c.auctions_won),
                Cell::percent(g.win_rate, 1),
                Cell::count(c.impressions),
                Cell::number(format!("{:.1}", g.unbid_qps), g.unbid_qps),
            ],
        );
    }
    table.exportable(&format!("{id}.csv")).render()
}

fn sizes_table(report: &WasteReport) -> String {
    if report.sizes.is_empty() {
        return String::new();
    }
    let max = report.sizes.iter().map(|s| s.requests).max().unwrap_or(1);
    let mut table = Table::new(
        "sizes-table",
        "Size",
        vec![
            Column::text("Size"),
            Column::text("Category"),
            Column::text("Coverage"),
            Column::number("Requests"),
            Column::number("QPS"),
            Column::number("Creatives"),
            Column::number("Impressions"),
            Column::actions("Requests / impressions"),
            Column::number("Wasted QPS"),
        ],
    );
    for s in &report.sizes {
        let (badge, text) = match s.coverage {
            "no_creative" => ("bad", "no creative"),
            "no_traffic" => ("warn", "no traffic"),
            _ => ("ok", "covered"),
        };
        let qps = s.requests as f64 / report.window.seconds.max(1) as f64;
        table.keyed_row(
            s.size.clone(),
            vec![
                Cell::text(&s.size),
                Cell::text(&s.category),
                Cell::markup(format!("<span class=\"badge badge-{badge}\">{text}</span>"), text),
                Cell::count(s.requests),
                Cell::number(format!("{qps:.1}"), qps),
                Cell::count(s.creatives),
                s.impressions.map_or_else(Cell::dash, Cell::count),
                Cell::markup(pair_bars(s.requests, s.impressions, max), ""),
                Cell::number(format!("{:.1}", s.wasted_qps), s.wasted_qps),
            ],
        );
    }
    let creatives: i64 = report.sizes.iter().map(|s| s.creatives).sum();
    let impressions: i64 = report.sizes.iter().filter_map(|s| s.impressions).sum();
    table.totals(vec![
        Cell::text("Total"),
        Cell::text(""),
        Cell::text(""),
        Cell::count(report.total_requests),
        Cell::number(format!("{:.1}", report.total_qps), report.total_qps),
        Cell::count(creatives),
        Cell::count(impressions),
        Cell::text(""),
        Cell::number(format!("{:.1}", report.wasted_qps), report.wasted_qps),
    ]);
    table.exportable("sizes.csv").render()
}

fn filtering_table(report: &FunnelReport) -> String {
    if report.filtering.is_empty() {
        return String::new();
    }
    let mut table = Table::new(
        "filtering-table",
        "Bid filtering reason",
        vec![
            Column::text("Bid filtering reason"),
            Column::number("Bids filtered"),
            Column::number("Share"),
        ],
    );
    for r in &report.filtering {
        table.row(vec![
            Cell::text(&r.reason),
            Cell::count(r.bids),
            Cell::percent(r.share, 1),
        ]);
    }
    table.render()
}

async fn waste_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<WasteParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "waste");
    let today = state.clock.now().date();
    let mut query = match params.query() {
        Ok(q) => q,
        Err(e) => {
            chrome.error(capitalised(&e.body.message));
            Default::default()
        }
    };
    let mut reports = (
        rtbcat_app::bidder::waste::waste(&state.store, &query, today).await,
        rtbcat_app::bidder::waste::funnel(&state.store, &query, "geo", today).await,
        rtbcat_app::bidder::waste::funnel(&state.store, &query, "publisher", today).await,
    );
    if let (Err(rtbcat_app::bidder::waste::WasteError::BadParameter { .. }), ..) = &reports {
        if let (Err(e), ..) = &reports {
            chrome.error(format!(
                "{}. Showing the last 7 days instead.",
                capitalised(&e.to_string())
            ));
        }
        query = Default::default();
        reports = (
            rtbcat_app::bidder::waste::waste(&state.store, &query, today).await,
            rtbcat_app::bidder::waste::funnel(&state.store, &query, "geo", today).await,
            rtbcat_app::bidder::waste::funnel(&state.store, &query, "publisher", today).await,
        );
    }
    let (report, geo, publisher) = match reports {
        (Ok(r), Ok(g), Ok(p)) => (r, g, p),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return error_page(&user, "waste", e.into()),
    };
    let seats = match rtbcat_app::bidder::catalog::facets(&state.store).await {
        Ok(f) => f
            .seats
            .iter()
            .map(|s| (s.name.clone(), query.seat.as_deref() == Some(s.name.as_str())))
            .collect(),
        Err(e) => return error_page(&user, "waste", e.into()),
    };
    let sources = &report.sources;
    let mut missing = Vec::new();
    if !sources.traffic {
        missing.push("your bidder's traffic CSV (date, size, requests — plus country, device) for waste by size");
    }
    if !sources.funnel_by_geo {
        missing.push("an Authorized Buyers funnel report by geo (Day, Country, Bid requests … Impressions)");
    }
    if !sources.funnel_by_publisher {
        missing.push("a funnel report by publisher (Day, Publisher ID, Bid requests …)");
    }
    if !sources.quality {
        missing.push("a quality report (Day, Publisher ID, Impressions, IVT credited impressions)");
    }
    if !sources.bid_filtering {
        missing.push("a bid filtering report (Day, Bid filtering reason, Bids)");
    }
    let covered = report.total_requests - report.wasted_requests;
    let no_creative = report.sizes.iter().filter(|s| s.coverage == "no_creative").count();
    let no_traffic = report.sizes.iter().filter(|s| s.coverage == "no_traffic").count();
    let stats = vec![
        ("Bid requests", format!("{:.0} QPS", report.total_qps)),
        (
            "Wasted on sizes with no creative",
            format!("{:.1} QPS", report.wasted_qps),
        ),
        ("Waste share", format::percent_or_dash(report.waste_share, 1)),
        (
            "Coverage",
            format::percent_or_dash(
                (report.total_requests > 0).then(|| covered as f64 / report.total_requests as f64),
                1,
            ),
        ),
        ("Sizes without a creative", format::count(no_creative as i64)),
        ("Sizes without traffic", format::count(no_traffic as i64)),
    ];
    let recommendations = report
        .recommendations
        .iter()
        .map(|r| RecommendationView {
            kind: r.kind,
            title: r.title.clone(),
            severity: r.severity,
            confidence: r.confidence,
            impact: format!(
                "{:.1} QPS · {} of the waste named here",
                r.wasted_qps,
                format::percent(r.share_of_waste, 0)
            ),
            evidence: format!(
                "{} ({} to {})",
                r.evidence.summary, r.evidence.window.start, r.evidence.window.end
            ),
            change: format!("{}: {} {}", r.change.field, r.change.action, r.change.values.join(", ")),
        })
        .collect();
    let bars: Vec<FunnelBar<'_>> = geo
        .steps
        .iter()
        .map(|s| FunnelBar {
            label: s.label,
            count: s.count,
            drop_share: s.drop_share,
        })
        .collect();
    let has_funnel = geo.steps.first().is_some_and(|s| s.count > 0);
    let days = report.window.days;
    let seat_query = query
        .seat
        .as_deref()
        .map(|s| format!("&seat={}", crate::bidder::catalog::pages::path_segment(s)))
        .unwrap_or_default();
    render(&WastePage {
        window_label: format!(
            "{} to {} ({} days, UTC) · {}",
            report.window.start,
            report.window.end,
            days,
            query
                .seat
                .as_deref()
                .map_or("all seats".into(), |s| format!("seat {s}"))
        ),
        has_traffic: sources.traffic,
        has_funnel,
        missing,
        stats,
        recommendations,
        funnel_html: if has_funnel { funnel_chart(&bars) } else { String::new() },
        sizes_table: sizes_table(&report),
        geo_table: funnel_table("geo-table", "Country", &geo.groups, report.window.seconds),
        publisher_table: funnel_table("publisher-table", "Publisher", &publisher.groups, report.window.seconds),
        days,
        filtering_table: filtering_table(&geo),
        period_links: [7, 30, 90]
            .iter()
            .map(|d| (format!("?days={d}{seat_query}"), format!("{d} days"), *d == days))
            .collect(),
        seats,
        query: format!("days={days}&as_of={}{seat_query}", report.window.end),
        chrome,
    })
}
