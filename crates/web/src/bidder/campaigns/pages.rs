//! The Campaigns page: creatives grouped by the product they sell, with their numbers.

use crate::bidder::catalog::api::parse_period;
use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/campaigns", get(campaigns_page))
}

#[derive(Deserialize)]
struct CampaignsPageParams {
    period: Option<String>,
}

#[derive(Template)]
#[template(path = "creative_campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    table: String,
    count: usize,
    creatives: usize,
    period_links: Vec<(String, &'static str, bool)>,
}

async fn campaigns_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<CampaignsPageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "campaigns");
    let chosen = match parse_period(params.period.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            chrome.error(format!("{}. Showing the last 7 days.", capitalised(&e.body.message)));
            rtbcat_core::bidder::performance::metrics::Period::Week
        }
    };
    let campaigns = match rtbcat_app::bidder::campaigns::list(&state.store, chosen, None).await {
        Ok(c) => c,
        Err(e) => return error_page(&user, "campaigns", e.into()),
    };
    let mut table = Table::new(
        "campaigns-table",
        "Campaigns",
        vec![
            Column::text("Campaign"),
            Column::number("Creatives"),
            Column::text("Formed by"),
            Column::number("Confidence"),
            Column::number("Spend"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR"),
            Column::number("CPC"),
            Column::number("CPM"),
        ],
    );
    let (mut spend, mut impressions, mut clicks, mut creatives) = (0i64, 0i64, 0i64, 0usize);
    for c in &campaigns {
        spend += c.spend_micros;
        impressions += c.impressions;
        clicks += c.clicks;
        creatives += c.creative_count;
        table.keyed_row(
            c.id.to_string(),
            vec![
                Cell::text(&c.name),
                Cell::count(c.creative_count as i64),
                Cell::text(&c.rule),
                Cell::percent(Some(c.confidence), 0),
                Cell::money(c.spend_micros),
                Cell::count(c.impressions),
                Cell::count(c.clicks),
                Cell::percent(c.ctr, 2),
                Cell::money_or_dash(c.cpc_micros),
                Cell::money_or_dash(c.cpm_micros),
            ],
        );
    }
    use rtbcat_core::bidder::performance::metrics::{cpc_micros, cpm_micros, ctr};
    table.totals(vec![
        Cell::text("Total"),
        Cell::count(creatives as i64),
        Cell::text(""),
        Cell::text(""),
        Cell::money(spend),
        Cell::count(impressions),
        Cell::count(clicks),
        Cell::percent(ctr(clicks, impressions), 2),
        Cell::money_or_dash(cpc_micros(spend, clicks)),
        Cell::money_or_dash(cpm_micros(spend, impressions)),
    ]);
    let current = chosen.as_str();
    render(&CampaignsPage {
        chrome,
        count: campaigns.len(),
        creatives,
        table: if table.is_empty() {
            String::new()
        } else {
            table.exportable("campaigns.csv").render()
        },
        period_links: [
            ("1d", "Yesterday"),
            ("7d", "7 days"),
            ("30d", "30 days"),
            ("all", "All time"),
        ]
        .iter()
        .map(|(p, label)| (format!("?period={p}"), *label, *p == current))
        .collect(),
    })
}
