//! The Campaigns pages: the campaigns as cards (thumbnails of their top creatives, their
//! numbers) or a table, sortable by any number; one campaign with its daily chart, its
//! creatives by spend, its countries and devices, and the edits (rename, lock, move
//! creatives in, merge, split off).

use super::api::{parse_list_query, CampaignParams};
use crate::bidder::catalog::pages::{breakdown_table, creative_urls, natural_size};
use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::campaigns::{self as campaigns, CampaignSort, CampaignView, CutView, Share};
use rtbcat_core::bidder::performance::metrics::{cpc_micros, cpm_micros, ctr, Period};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/campaigns", get(campaigns_page))
        .route("/app/campaigns/{id}", get(campaign_page))
}

/// A tiny preview of one of a campaign's top creatives.
pub(crate) struct Thumb {
    id: String,
    detail_url: String,
    /// An HTML creative's preview page; none for video and native.
    preview_url: Option<String>,
    label: String,
    width: u32,
    height: u32,
    scale: String,
}

struct CampaignCard {
    id: i64,
    name: String,
    source: String,
    rule: String,
    confidence: String,
    locked: bool,
    creatives: String,
    formats: String,
    spend: String,
    trend: String,
    trend_class: &'static str,
    rates: String,
    where_label: String,
    thumbs: Vec<Thumb>,
}

const THUMB_BOX: (f64, f64) = (120.0, 90.0);

/// Below this much spend in the previous period a change in percent means nothing.
const TREND_MIN_PREVIOUS_MICROS: i64 = 1_000_000;

fn share_label(share: &Option<Share>, label: impl Fn(&str) -> String) -> Option<String> {
    share
        .as_ref()
        .map(|s| format!("{} ({:.0}%)", label(&s.value), s.share * 100.0))
}

fn trend_of(c: &CampaignView) -> (String, &'static str) {
    format::trend(
        c.spend_change_pct,
        c.previous.as_ref().map_or(0, |p| p.spend_micros),
        TREND_MIN_PREVIOUS_MICROS,
    )
}

fn counts_label(counts: &std::collections::BTreeMap<String, usize>) -> String {
    counts
        .iter()
        .map(|(k, n)| format!("{} {}", format::count(*n as i64), k.replace('_', " ").to_lowercase()))
        .collect::<Vec<_>>()
        .join(" · ")
}

async fn thumbs(state: &AppState, c: &CampaignView) -> Vec<Thumb> {
    let mut out = Vec::new();
    for id in &c.top_creative_ids {
        out.extend(thumb(state, id).await);
    }
    out
}

/// The thumbnail of one creative (`seat/creative`); none when it is not in the catalog.
pub(crate) async fn thumb(state: &AppState, id: &str) -> Option<Thumb> {
    let (seat, creative_id) = id.split_once('/')?;
    let found = rtbcat_app::bidder::catalog::by_id(&state.store, creative_id.to_string(), Some(seat.to_string()))
        .await
        .ok()?;
    let detail = found.into_iter().next()?;
    let s = &detail.summary;
    let (detail_url, preview) = creative_urls(&s.seat_id, &s.creative_id);
    let (width, height) = natural_size(&s.format, s.width, s.height);
    let scale = (THUMB_BOX.0 / f64::from(width))
        .min(THUMB_BOX.1 / f64::from(height))
        .min(1.0);
    Some(Thumb {
        id: id.to_string(),
        detail_url,
        preview_url: (s.format == "HTML" && detail.content.html_snippet.is_some()).then_some(preview),
        label: format!("{} {}", s.format.to_lowercase(), s.canonical_size),
        width,
        height,
        scale: format!("{scale:.4}"),
    })
}

impl Thumb {
    /// The same markup the campaign cards draw, for a table cell.
    pub(crate) fn markup(&self) -> String {
        let inner = match &self.preview_url {
            Some(url) => format!(
                "<iframe class=\"thumb-frame\" sandbox=\"\" loading=\"lazy\" referrerpolicy=\"no-referrer\" tabindex=\"-1\" title=\"Creative {id}\" src=\"{url}\" width=\"{w}\" height=\"{h}\" style=\"transform: scale({scale})\"></iframe>",
                id = escape(&self.id),
                url = escape(url),
                w = self.width,
                h = self.height,
                scale = self.scale
            ),
            None => format!("<span>{}</span>", escape(&self.label)),
        };
        format!(
            "<a class=\"mini-thumb\" href=\"{}\" title=\"{} · {}\">{inner}</a>",
            escape(&self.detail_url),
            escape(&self.id),
            escape(&self.label)
        )
    }
}

fn period_links(base: &str, current: Period, extra: &str) -> Vec<(String, &'static str, bool)> {
    [
        ("1d", "Yesterday"),
        ("7d", "7 days"),
        ("30d", "30 days"),
        ("all", "All time"),
    ]
    .iter()
    .map(|(p, label)| (format!("{base}?period={p}{extra}"), *label, *p == current.as_str()))
    .collect()
}

#[derive(Template)]
#[template(path = "creative_campaigns.html")]
struct CampaignsPage {
    chrome: Chrome,
    cards: Vec<CampaignCard>,
    table: String,
    table_view: bool,
    count: usize,
    creatives: usize,
    as_of: String,
    period_links: Vec<(String, &'static str, bool)>,
    sort_options: Vec<(&'static str, &'static str, bool)>,
    period: &'static str,
    view_links: Vec<(String, &'static str, bool)>,
    llm_configured: bool,
}

const SORTS: [(&str, &str); 10] = [
    ("spend", "Spend"),
    ("change", "Change in spend"),
    ("impressions", "Impressions"),
    ("clicks", "Clicks"),
    ("ctr", "CTR"),
    ("cpc", "CPC"),
    ("cpm", "CPM"),
    ("creatives", "Creatives"),
    ("confidence", "Confidence"),
    ("name", "Name"),
];

#[derive(serde::Deserialize, Default)]
struct ListPageParams {
    period: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    view: Option<String>,
}

async fn campaigns_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<ListPageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "campaigns");
    let api_params = CampaignParams {
        period: params.period.clone(),
        sort: params.sort.clone(),
        order: params.order.clone(),
        ..CampaignParams::default()
    };
    let query = match parse_list_query(&api_params) {
        Ok(q) => q,
        Err(e) => {
            chrome.error(format!(
                "{}. Showing the last 7 days by spend.",
                capitalised(&e.body.message)
            ));
            parse_list_query(&CampaignParams::default()).expect("the defaults parse")
        }
    };
    let list = match campaigns::list(
        &state.store,
        &state.campaigns,
        query.period,
        query.sort,
        query.descending,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return error_page(&user, "campaigns", e.into()),
    };
    let table_view = params.view.as_deref() == Some("table");
    let mut cards = Vec::new();
    if !table_view {
        for c in &list {
            let (trend, trend_class) = trend_of(c);
            cards.push(CampaignCard {
                id: c.id,
                name: c.name.clone(),
                source: c.source.clone(),
                rule: c.rule.clone(),
                confidence: format::percent(c.confidence, 0),
                locked: c.locked,
                creatives: format!(
                    "{} creative{}",
                    format::count(c.creative_count as i64),
                    if c.creative_count == 1 { "" } else { "s" }
                ),
                formats: counts_label(&c.formats),
                spend: format::money(c.totals.spend_micros),
                trend,
                trend_class,
                rates: format!(
                    "CTR {} · CPC {} · CPM {}",
                    format::percent_or_dash(c.totals.ctr, 2),
                    format::money_or_dash(c.totals.cpc_micros),
                    format::money_or_dash(c.totals.cpm_micros)
                ),
                where_label: [
                    share_label(&c.top_country, format::country).map(|s| format!("top geo {s}")),
                    share_label(&c.top_device, format::device).map(|s| format!("top device {s}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                thumbs: thumbs(&state, c).await,
            });
        }
    }
    let creatives: usize = list.iter().map(|c| c.creative_count).sum();
    let period = query.period.as_str();
    let sort_name = SORTS
        .iter()
        .find(|(key, _)| CampaignSort::parse(key) == Some(query.sort))
        .map_or("spend", |(key, _)| *key);
    let keep = |view: &str| format!("&sort={sort_name}&view={view}");
    let current_view = if table_view { "table" } else { "cards" };
    render(&CampaignsPage {
        period_links: period_links("/app/campaigns", query.period, &keep(current_view)),
        view_links: [("cards", "Cards"), ("table", "Table")]
            .iter()
            .map(|(v, label)| {
                (
                    format!("/app/campaigns?period={period}&sort={sort_name}&view={v}"),
                    *label,
                    *v == current_view,
                )
            })
            .collect(),
        sort_options: SORTS
            .iter()
            .map(|(key, label)| (*key, *label, *key == sort_name))
            .collect(),
        period,
        table: if table_view && !list.is_empty() {
            campaigns_table(&list).render()
        } else {
            String::new()
        },
        table_view,
        count: list.len(),
        creatives,
        as_of: list
            .first()
            .and_then(|c| c.as_of.clone())
            .map_or_else(|| "no performance imported yet".into(), |d| format!("ending {d}")),
        cards,
        chrome,
        llm_configured: state.config.llm.is_some(),
    })
}

fn campaigns_table(list: &[CampaignView]) -> Table {
    let mut table = Table::new(
        "campaigns-table",
        "Campaigns",
        vec![
            Column::text("Campaign"),
            Column::number("Creatives"),
            Column::text("Formed by"),
            Column::number("Confidence"),
            Column::number("Spend"),
            Column::number("Change"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR"),
            Column::number("CPC"),
            Column::number("CPM"),
            Column::text("Top geo"),
            Column::text("Top device"),
        ],
    );
    let (mut spend, mut impressions, mut clicks, mut creatives) = (0i64, 0i64, 0i64, 0usize);
    for c in list {
        spend += c.totals.spend_micros;
        impressions += c.totals.impressions;
        clicks += c.totals.clicks;
        creatives += c.creative_count;
        let (trend, _) = trend_of(c);
        table.keyed_row(
            c.id.to_string(),
            vec![
                Cell::link(&format!("/app/campaigns/{}", c.id), &c.name),
                Cell::count(c.creative_count as i64),
                Cell::text(&c.rule),
                Cell::percent(Some(c.confidence), 0),
                Cell::money(c.totals.spend_micros),
                Cell::text(if trend.is_empty() { "—".into() } else { trend }),
                Cell::count(c.totals.impressions),
                Cell::count(c.totals.clicks),
                Cell::percent(c.totals.ctr, 2),
                Cell::money_or_dash(c.totals.cpc_micros),
                Cell::money_or_dash(c.totals.cpm_micros),
                Cell::text(share_label(&c.top_country, format::country).unwrap_or_else(|| "—".into())),
                Cell::text(share_label(&c.top_device, format::device).unwrap_or_else(|| "—".into())),
            ],
        );
    }
    table.totals(vec![
        Cell::text("Total"),
        Cell::count(creatives as i64),
        Cell::text(""),
        Cell::text(""),
        Cell::money(spend),
        Cell::text(""),
        Cell::count(impressions),
        Cell::count(clicks),
        Cell::percent(ctr(clicks, impressions), 2),
        Cell::money_or_dash(cpc_micros(spend, clicks)),
        Cell::money_or_dash(cpm_micros(spend, impressions)),
        Cell::text(""),
        Cell::text(""),
    ]);
    table.exportable("campaigns.csv")
}

#[derive(Template)]
#[template(path = "creative_campaign.html")]
struct CampaignPage {
    chrome: Chrome,
    c: CampaignView,
    confidence: String,
    stats: Vec<(&'static str, String)>,
    period_links: Vec<(String, &'static str, bool)>,
    period_label: String,
    chart: String,
    creatives_table: String,
    countries_table: String,
    devices_table: String,
    /// Other campaigns to merge in: (id, name).
    others: Vec<(i64, String)>,
    lock_body: String,
}

#[derive(serde::Deserialize, Default)]
struct DetailPageParams {
    period: Option<String>,
    saved: Option<String>,
}

fn breakdown_rows(cuts: &[CutView]) -> Vec<rtbcat_app::bidder::performance::BreakdownRow> {
    cuts.iter()
        .map(|c| rtbcat_app::bidder::performance::BreakdownRow {
            creative_id: String::new(),
            key: c.value.clone(),
            spend_micros: c.totals.spend_micros,
            impressions: c.totals.impressions,
            clicks: c.totals.clicks,
        })
        .collect()
}

async fn campaign_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Query(params): Query<DetailPageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "campaigns");
    chrome.saved_notice(params.saved.as_deref());
    let period = match crate::bidder::catalog::api::parse_period(params.period.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            chrome.error(format!("{}. Showing the last 7 days.", capitalised(&e.body.message)));
            Period::Week
        }
    };
    let detail = match campaigns::detail(&state.store, &state.campaigns, id, period).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return error_page(
                &user,
                "campaigns",
                crate::error::ApiError::not_found(format!("campaign {id}")),
            )
        }
        Err(e) => return error_page(&user, "campaigns", e.into()),
    };
    let others = match campaigns::list(&state.store, &state.campaigns, period, CampaignSort::Name, false).await {
        Ok(list) => list
            .into_iter()
            .filter(|c| c.id != id && !c.locked)
            .map(|c| (c.id, c.name))
            .collect(),
        Err(_) => Vec::new(),
    };
    let c = detail.campaign;
    let (trend, _) = trend_of(&c);
    let chart = match (
        detail.daily.first().and_then(|d| parse_day(&d.value)),
        c.as_of.as_deref().and_then(parse_day),
    ) {
        (Some(first), Some(end)) => {
            let start = match period.window(end).0 {
                Some(start) => start,
                None => first,
            };
            let points = crate::ui::chart::every_day(start, end, |day| day_values(&detail.daily, day));
            let previous = match period.previous_window(end) {
                Some((from, to)) if !detail.previous_daily.is_empty() => {
                    crate::ui::chart::every_day(from, to, |day| day_values(&detail.previous_daily, day))
                }
                _ => Vec::new(),
            };
            crate::ui::chart::DailyChart {
                points: &points,
                previous: &previous,
                series: &crate::ui::chart::SPEND_AND_CLICKS,
                partial_last: end == state.clock.now().date(),
            }
            .render()
        }
        _ => String::new(),
    };
    let mut creatives = Table::new(
        "campaign-creatives",
        "Creatives",
        vec![
            Column::actions(""),
            Column::text("Creative"),
            Column::text("Format"),
            Column::text("Status"),
            Column::number("Spend"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR"),
            Column::number("CPC"),
            Column::number("CPM"),
        ],
    );
    for m in &detail.creatives {
        let (url, _) = creative_urls(&m.seat_id, &m.creative_id);
        let pick = format!(
            "<input type=\"checkbox\" name=\"creative_ids\" value=\"{}\" form=\"split-form\" data-list aria-label=\"Pick {} to split off\">",
            escape(&m.id),
            escape(&m.id)
        );
        creatives.row(vec![
            Cell::markup(pick, ""),
            Cell::link(&url, &m.id),
            Cell::text(&m.format),
            Cell::text(m.status.replace('_', " ").to_lowercase()),
            Cell::money(m.totals.spend_micros),
            Cell::count(m.totals.impressions),
            Cell::count(m.totals.clicks),
            Cell::percent(m.totals.ctr, 2),
            Cell::money_or_dash(m.totals.cpc_micros),
            Cell::money_or_dash(m.totals.cpm_micros),
        ]);
    }
    let stats = vec![
        ("Spend", format::money(c.totals.spend_micros)),
        ("Change", if trend.is_empty() { "—".into() } else { trend }),
        ("Impressions", format::count(c.totals.impressions)),
        ("Clicks", format::count(c.totals.clicks)),
        ("CTR", format::percent_or_dash(c.totals.ctr, 2)),
        ("CPC", format::money_or_dash(c.totals.cpc_micros)),
        ("CPM", format::money_or_dash(c.totals.cpm_micros)),
        ("Creatives", format::count(c.creative_count as i64)),
    ];
    render(&CampaignPage {
        chrome,
        confidence: format::percent(c.confidence, 0),
        stats,
        period_links: period_links(&format!("/app/campaigns/{id}"), period, ""),
        period_label: c.as_of.as_deref().map_or_else(
            || "no performance imported yet".into(),
            |d| format!("{} ending {d}", period.as_str()),
        ),
        chart,
        creatives_table: creatives.exportable("campaign-creatives.csv").render(),
        countries_table: if detail.countries.is_empty() {
            String::new()
        } else {
            breakdown_table(
                "campaign-countries",
                "Country",
                &breakdown_rows(&detail.countries),
                format::country,
            )
            .render()
        },
        devices_table: if detail.devices.is_empty() {
            String::new()
        } else {
            breakdown_table(
                "campaign-devices",
                "Device",
                &breakdown_rows(&detail.devices),
                format::device,
            )
            .render()
        },
        others,
        lock_body: format!("{{\"locked\": {}}}", !c.locked),
        c,
    })
}

fn parse_day(text: &str) -> Option<time::Date> {
    rtbcat_core::bidder::performance::report::parse_report_date(text)
}

fn day_values(days: &[CutView], day: &str) -> (i64, i64) {
    days.iter()
        .find(|d| d.value == day)
        .map_or((0, 0), |d| (d.totals.spend_micros, d.totals.clicks))
}
