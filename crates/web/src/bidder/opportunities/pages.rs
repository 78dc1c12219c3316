//! The Opportunities page: the findings as a sortable, exportable grid with what to do,
//! the evidence, and dismiss / snooze / done.

use super::api::{parse_query, OpportunityParams};
use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::opportunities::{self as opportunities, OpportunityKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/opportunities", get(opportunities_page))
        .route("/app/geography", get(geography_page))
}

#[derive(Template)]
#[template(path = "geography.html")]
struct GeographyPage {
    chrome: Chrome,
    window: String,
    heat_map: String,
    patterns: Vec<(String, String, String)>,
    segment_links: Vec<(String, &'static str, bool)>,
    days_links: Vec<(String, String, bool)>,
}

async fn geography_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<super::api::GeoParams>,
) -> Response {
    use rtbcat_app::bidder::opportunities::GeoSegment;
    let mut chrome = Chrome::new(&user, "geography");
    let geo = match super::api::parse_geo(&params) {
        Ok(q) => q,
        Err(e) => {
            chrome.error(format!("{}. Showing the defaults.", capitalised(&e.body.message)));
            super::api::parse_geo(&super::api::GeoParams::default()).expect("the defaults parse")
        }
    };
    let insights = match opportunities::geographic(
        &state.store,
        geo.segment,
        geo.query.as_of,
        geo.query.days,
        geo.query.settings.confidence,
    )
    .await
    {
        Ok(i) => i,
        Err(e) => return error_page(&user, "geography", e.into()),
    };
    let columns: Vec<String> = insights.countries.iter().map(|c| format::country(c)).collect();
    let rows: Vec<(String, Vec<crate::ui::chart::HeatCell>)> = insights
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|c| crate::ui::chart::HeatCell {
                    text: c.cpc_micros.map(format::money).unwrap_or_else(|| "—".into()),
                    title: format!(
                        "{} in {}: {} spend, {} clicks, {} impressions, CTR {}, CPC {}",
                        row.segment,
                        format::country(&c.country),
                        format::money(c.sums.spend_micros),
                        format::count(c.sums.clicks),
                        format::count(c.sums.impressions),
                        format::percent_or_dash(c.ctr, 2),
                        c.cpc_micros.map(format::money).unwrap_or_else(|| "—".into())
                    ),
                    // CPC against the row's: half is as green as it gets, double as red.
                    tone: c.cpc_index.filter(|_| c.sums.clicks >= 30).map(|i| i.log2()),
                })
                .collect();
            (row.segment.clone(), cells)
        })
        .collect();
    let segment = geo.segment.as_str();
    render(&GeographyPage {
        window: match (&insights.start, &insights.end) {
            (Some(s), Some(e)) => format!("{s} to {e}"),
            _ => "no performance imported yet".into(),
        },
        heat_map: if rows.is_empty() {
            String::new()
        } else {
            crate::ui::chart::heat_map("CPC by segment and country", &columns, &rows)
        },
        patterns: insights
            .patterns
            .iter()
            .map(|p| {
                (
                    p.description.clone(),
                    p.recommendation.clone(),
                    format!(
                        "confidence {:.1}%, {} clicks, CPC ratio {:.2} ({:.2}–{:.2})",
                        p.pattern.confidence * 100.0,
                        format::count(p.pattern.sums.clicks),
                        p.pattern.ratio,
                        p.pattern.interval.0,
                        p.pattern.interval.1
                    ),
                )
            })
            .collect(),
        segment_links: GeoSegment::ALL
            .iter()
            .map(|s| {
                (
                    format!("?segment={}&days={}", s.as_str(), geo.query.days),
                    match s {
                        GeoSegment::Campaign => "By campaign",
                        GeoSegment::Advertiser => "By advertiser",
                        GeoSegment::Format => "By format",
                    },
                    s.as_str() == segment,
                )
            })
            .collect(),
        days_links: [7, 14, 30]
            .iter()
            .map(|d| {
                (
                    format!("?segment={segment}&days={d}"),
                    format!("{d} days"),
                    *d == geo.query.days,
                )
            })
            .collect(),
        chrome,
    })
}

#[derive(Template)]
#[template(path = "opportunities.html")]
struct OpportunitiesPage {
    chrome: Chrome,
    table: String,
    count: usize,
    window: String,
    total_potential: String,
    type_options: Vec<(&'static str, &'static str, bool)>,
    days_links: Vec<(String, String, bool)>,
    show_all: bool,
    csv_url: String,
    all_url: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "undervalued_geo" => "Undervalued geo",
        "efficient_low_spend" => "Efficient, low spend",
        "size_gap" => "Size gap",
        "neglected_creative" => "Neglected creative",
        _ => "Opportunity",
    }
}

async fn opportunities_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(mut params): Query<OpportunityParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "opportunities");
    params.format = None;
    let query = match parse_query(&params) {
        Ok(q) => q,
        Err(e) => {
            chrome.error(format!("{}. Showing the defaults.", capitalised(&e.body.message)));
            params = OpportunityParams::default();
            parse_query(&params).expect("the defaults parse")
        }
    };
    let list = match opportunities::list(&state.store, &state.opportunities, &query, state.clock.unix()).await {
        Ok(l) => l,
        Err(e) => return error_page(&user, "opportunities", e.into()),
    };
    let mut table = Table::new(
        "opportunities-table",
        "Opportunities",
        vec![
            Column::text("Creative"),
            Column::text("Campaign"),
            Column::text("Insight"),
            Column::number("Current CPC"),
            Column::number("Baseline CPC"),
            Column::number("Potential / week"),
            Column::number("Confidence"),
            Column::text("Recommendation"),
            Column::actions("Action"),
        ],
    );
    // A finding about a creative shows that creative; any other shows its campaign's top one.
    let top_creatives: std::collections::HashMap<i64, String> = rtbcat_app::bidder::campaigns::list(
        &state.store,
        &state.campaigns,
        rtbcat_core::bidder::performance::metrics::Period::Month,
        rtbcat_app::bidder::campaigns::CampaignSort::Spend,
        true,
    )
    .await
    .map(|views| {
        views
            .into_iter()
            .filter_map(|v| v.top_creative_ids.first().cloned().map(|id| (v.id, id)))
            .collect()
    })
    .unwrap_or_default();
    let mut total = 0i64;
    for o in &list.opportunities {
        let shown = o.creative_id.as_ref().or_else(|| top_creatives.get(&o.campaign_id));
        let thumbnail = match shown {
            Some(id) => crate::bidder::campaigns::pages::thumb(&state, id)
                .await
                .map(|t| t.markup())
                .unwrap_or_default(),
            None => String::new(),
        };
        total += o.potential_weekly_micros;
        let segment = match (&o.geography, &o.creative_id, &o.size) {
            (Some(geo), _, _) => format::country(geo),
            (None, Some(creative), _) => creative.clone(),
            (None, None, Some(size)) => size.clone(),
            _ => "whole campaign".into(),
        };
        let insight = format!(
            "<strong>{}</strong>: {} · {:.0}% cheaper<br><span class=\"muted small\">{}</span>",
            kind_label(&o.kind),
            escape(&segment),
            (1.0 - o.cpc_ratio) * 100.0,
            escape(&o.evidence)
        );
        let actions = if chrome.can_edit {
            let button = |label: &str, body: &str| {
                format!(
                    "<button type=\"button\" class=\"button button-small\" data-post=\"/opportunities/{}/state\" data-body='{}'>{}</button>",
                    escape(&o.id),
                    body,
                    label
                )
            };
            if o.state == "open" {
                format!(
                    "{} {} {}",
                    button("Done", r#"{"state":"done"}"#),
                    button("Snooze 7 days", r#"{"state":"snoozed","days":7}"#),
                    button("Dismiss", r#"{"state":"dismissed"}"#)
                )
            } else {
                format!(
                    "<span class=\"muted\">{}</span> {}",
                    escape(&o.state),
                    button("Reopen", r#"{"state":"open"}"#)
                )
            }
        } else {
            escape(&o.state)
        };
        table.keyed_row(
            o.id.clone(),
            vec![
                Cell::markup(thumbnail, shown.map(String::as_str).unwrap_or("")),
                Cell::link(&format!("/app/campaigns/{}", o.campaign_id), &o.campaign_name),
                Cell::markup(insight, kind_label(&o.kind)),
                Cell::money_or_dash(o.current_cpc_micros),
                Cell::money_or_dash(o.baseline_cpc_micros),
                Cell::number(
                    format!(
                        "{} ({}–{})",
                        format::money(o.potential_weekly_micros),
                        format::money(o.potential_weekly_interval.0),
                        format::money(o.potential_weekly_interval.1)
                    ),
                    o.potential_weekly_micros as f64,
                ),
                Cell::percent(Some(o.confidence), 1),
                Cell::text(&o.recommendation),
                Cell::markup(actions, ""),
            ],
        );
    }
    let query_string = |extra: &str| {
        let mut parts = vec![format!("days={}", query.days)];
        if let Some(k) = query.kind {
            parts.push(format!("type={}", k.as_str()));
        }
        if !extra.is_empty() {
            parts.push(extra.to_string());
        }
        parts.join("&")
    };
    render(&OpportunitiesPage {
        count: list.opportunities.len(),
        window: match (&list.start, &list.end) {
            (Some(s), Some(e)) => format!("{s} to {e}"),
            _ => "no performance imported yet".into(),
        },
        total_potential: format::money(total),
        table: if table.is_empty() {
            String::new()
        } else {
            table.exportable("opportunities-shown.csv").render()
        },
        type_options: OpportunityKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(k.as_str()), query.kind == Some(*k)))
            .collect(),
        days_links: [7, 14, 30]
            .iter()
            .map(|d| {
                let kind = query.kind.map(|k| format!("&type={}", k.as_str())).unwrap_or_default();
                (format!("?days={d}{kind}"), format!("{d} days"), *d == query.days)
            })
            .collect(),
        show_all: query.include_closed,
        csv_url: format!(
            "/opportunities?{}&format=csv",
            query_string(if query.include_closed { "state=all" } else { "" })
        ),
        all_url: format!("?{}", query_string(if query.include_closed { "" } else { "state=all" })),
        chrome,
    })
}
