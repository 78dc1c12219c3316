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
    Router::new().route("/app/opportunities", get(opportunities_page))
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
    let mut total = 0i64;
    for o in &list.opportunities {
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
