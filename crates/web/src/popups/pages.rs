//! Offer-popup admin pages: offers (list, form with live preview), properties (list, form,
//! integration snippet, playground) and analytics (daily chart, per-offer table, CSV).
//! Forms post JSON to the same API the docs describe (a few lines in app.js).

use crate::error::ApiError;
use crate::popups::analytics::{analytics_lines, AnalyticsParams};
use crate::session::PageUser;
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::platform::accounts::User;
use rtbcat_app::popups::Offer;
use rtbcat_app::popups::Property;
use rtbcat_core::shared::money::format_micros;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/offers", get(offers_page))
        .route("/app/offers/new", get(new_offer_page))
        .route("/app/offers/{id}", get(edit_offer_page))
        .route("/app/properties", get(properties_page))
        .route("/app/properties/{code}", get(property_page))
        .route("/app/properties/{code}/playground", get(playground_page))
        .route("/app/popups/analytics", get(analytics_page))
}

#[derive(Deserialize)]
struct SavedParams {
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "offers.html")]
struct OffersPage {
    chrome: Chrome,
    table: String,
    empty: bool,
}

async fn offers_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    let offers = match rtbcat_app::popups::offers::list(&state.store).await {
        Ok(o) => o,
        Err(e) => return error_page(&user, "offers", e.into()),
    };
    let mut chrome = Chrome::new(&user, "offers");
    chrome.saved_notice(params.saved.as_deref());
    // What a manager acts on first (status, actions, payout) comes right after the name, so
    // it is on screen on a phone too; the rest scrolls.
    let mut columns = vec![Column::text("Offer"), Column::text("Status")];
    if chrome.can_edit {
        columns.push(Column::actions("Actions"));
    }
    columns.extend([
        Column::number("Payout"),
        Column::number("Priority"),
        Column::text("Properties"),
        Column::text("Dates"),
        Column::text("Popup title"),
    ]);
    let mut table = Table::new("offers-table", "Offers", columns);
    for o in &offers {
        let mut cells = vec![
            if chrome.can_edit {
                Cell::link(&format!("/app/offers/{}", o.id), &o.name)
            } else {
                Cell::text(&o.name)
            },
            if o.active {
                Cell::markup("<span class=\"badge badge-ok\">active</span>".into(), "active")
            } else {
                Cell::markup("<span class=\"badge badge-muted\">paused</span>".into(), "paused")
            },
        ];
        if chrome.can_edit {
            let toggle = if o.active {
                format!("<button type=\"button\" class=\"button button-small\" data-post=\"/api/campaigns/{}/pause\">Pause</button>", o.id)
            } else {
                format!("<button type=\"button\" class=\"button button-small\" data-post=\"/api/campaigns/{}/resume\">Resume</button>", o.id)
            };
            cells.push(Cell::markup(
                format!(
                    "<span class=\"row-actions\">{toggle}<button type=\"button\" class=\"button button-small\" data-post=\"/api/campaigns/{}/duplicate\">Duplicate</button></span>",
                    o.id
                ),
                "",
            ));
        }
        cells.extend([
            Cell::number(
                format!("{} {}", format::money(o.payout_micros), o.currency),
                o.payout_micros as f64 / 1e6,
            ),
            Cell::count(o.priority),
            Cell::text(if o.properties.is_empty() {
                "none".into()
            } else {
                o.properties.join(", ")
            }),
            Cell::text(match (&o.start_date, &o.end_date) {
                (None, None) => "always".into(),
                (start, end) => format!(
                    "{} → {}",
                    start.as_deref().unwrap_or("…"),
                    end.as_deref().unwrap_or("…")
                ),
            }),
            Cell::text(&o.display_title),
        ]);
        table.keyed_row(o.id.to_string(), cells);
    }
    render(&OffersPage {
        chrome,
        empty: table.is_empty(),
        table: table.exportable("offers.csv").render(),
    })
}

struct PropertyChoice {
    code: String,
    name: String,
    primary: String,
    accent: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "offer_form.html")]
struct OfferFormPage {
    chrome: Chrome,
    offer: Option<Offer>,
    payout: String,
    properties: Vec<PropertyChoice>,
}

fn offer_form(user: &User, offer: Option<Offer>, properties: Vec<Property>) -> Response {
    let chosen: Vec<String> = offer.as_ref().map(|o| o.properties.clone()).unwrap_or_default();
    // A new offer starts on no property and paused: nothing goes live by accident.
    let choices = properties
        .into_iter()
        .map(|p| PropertyChoice {
            selected: chosen.contains(&p.code),
            code: p.code,
            name: p.name,
            primary: p.theme_primary,
            accent: p.theme_accent,
        })
        .collect();
    let mut chrome = Chrome::new(user, "offers");
    if !chrome.can_edit {
        chrome.error(format!(
            "Your role ({}) can look at offers but not change them.",
            chrome.user_role
        ));
    }
    render(&OfferFormPage {
        chrome,
        payout: offer
            .as_ref()
            .map(|o| format_micros(o.payout_micros))
            .unwrap_or_default(),
        offer,
        properties: choices,
    })
}

async fn new_offer_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(properties) => offer_form(&user, None, properties),
        Err(e) => error_page(&user, "offers", e.into()),
    }
}

async fn edit_offer_page(State(state): State<AppState>, PageUser(user): PageUser, Path(id): Path<i64>) -> Response {
    let (offers, properties) = match (
        rtbcat_app::popups::offers::list(&state.store).await,
        rtbcat_app::popups::properties::list(&state.store).await,
    ) {
        (Ok(o), Ok(p)) => (o, p),
        (Err(e), _) | (_, Err(e)) => return error_page(&user, "offers", e.into()),
    };
    match offers.into_iter().find(|o| o.id == id) {
        Some(offer) => offer_form(&user, Some(offer), properties),
        None => error_page(
            &user,
            "offers",
            ApiError::not_found(format!("there is no offer {id}; it may have been deleted")),
        ),
    }
}

#[derive(Template)]
#[template(path = "properties.html")]
struct PropertiesPage {
    chrome: Chrome,
    table: String,
    empty: bool,
}

async fn properties_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    let properties = match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(p) => p,
        Err(e) => return error_page(&user, "properties", e.into()),
    };
    let mut chrome = Chrome::new(&user, "properties");
    chrome.saved_notice(params.saved.as_deref());
    let mut table = Table::new(
        "properties-table",
        "Properties",
        vec![
            Column::text("Code"),
            Column::text("Name"),
            Column::text("Domains"),
            Column::text("Placement"),
            Column::text("Frequency"),
            Column::text("Status"),
            Column::actions("Open"),
        ],
    );
    for p in &properties {
        let live = p.active && p.popup_enabled;
        table.keyed_row(
            p.code.clone(),
            vec![
                Cell::link(&format!("/app/properties/{}", p.code), &p.code),
                Cell::text(&p.name),
                Cell::text(p.domains.join(", ")),
                Cell::text(&p.popup_placement),
                Cell::text(&p.popup_frequency),
                Cell::markup(
                    if live {
                        "<span class=\"badge badge-ok\">live</span>".into()
                    } else {
                        "<span class=\"badge badge-muted\">off</span>".into()
                    },
                    if live { "live" } else { "off" },
                ),
                Cell::markup(
                    format!(
                        "<span class=\"row-actions\"><a class=\"button button-small\" href=\"/app/properties/{code}\">Snippet &amp; settings</a><a class=\"button button-small\" href=\"/app/properties/{code}/playground\">Playground</a><a class=\"button button-small\" href=\"/app/popups/analytics?property={code}\">Analytics</a></span>",
                        code = escape(&p.code)
                    ),
                    "",
                ),
            ],
        );
    }
    render(&PropertiesPage {
        chrome,
        empty: table.is_empty(),
        table: table.render(),
    })
}

#[derive(Template)]
#[template(path = "property.html")]
struct PropertyPage {
    chrome: Chrome,
    p: Property,
    domains: String,
    snippet: String,
    snippet_async: String,
}

/// The API base as the browser reached us: what the embed snippet must point at.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(public) = &state.config.public_url {
        return public.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8000");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

async fn property_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(params): Query<SavedParams>,
    headers: HeaderMap,
) -> Response {
    let p = match crate::popups::properties::find_property(&state, &code).await {
        Ok(p) => p,
        Err(e) => return error_page(&user, "properties", e),
    };
    let src = format!(
        "{}/popup.js?v={}",
        public_base(&state, &headers),
        crate::popups::tracking::popup_js_version()
    );
    let options = format!(
        "{{ property: '{}', placement: '{}', frequency: '{}', debug: false }}",
        p.code, p.popup_placement, p.popup_frequency
    );
    let snippet = format!("<script src=\"{src}\"></script>\n<script>ModePopup.init({options});</script>");
    let snippet_async =
        format!("<script>window.ModePopup = {{ q: [{options}] }};</script>\n<script async src=\"{src}\"></script>");
    let mut chrome = Chrome::new(&user, "properties");
    chrome.saved_notice(params.saved.as_deref());
    render(&PropertyPage {
        chrome,
        domains: p.domains.join("\n"),
        snippet,
        snippet_async,
        p,
    })
}

#[derive(Debug, Deserialize)]
struct PlaygroundParams {
    placement: Option<String>,
    frequency: Option<String>,
}

#[derive(Template)]
#[template(path = "playground.html")]
struct PlaygroundPage {
    chrome: Chrome,
    p: Property,
    placement: String,
    frequency: String,
    options_json: String,
    script_version: &'static str,
}

/// The popup on a test page with `debug: true` (console messages on), any placement;
/// when no offer comes back, the page says why.
async fn playground_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(params): Query<PlaygroundParams>,
) -> Response {
    let p = match crate::popups::properties::find_property(&state, &code).await {
        Ok(p) => p,
        Err(e) => return error_page(&user, "properties", e),
    };
    let placement = params
        .placement
        .filter(|v| rtbcat_core::popups::Placement::parse(v).is_some())
        .unwrap_or_else(|| p.popup_placement.clone());
    let frequency = params
        .frequency
        .filter(|v| rtbcat_core::popups::Frequency::parse(v).is_some())
        .unwrap_or_else(|| "always".into());
    let options_json = serde_json::json!({
        "property": p.code, "placement": placement, "frequency": frequency, "debug": true, "delay": 1500, "minTime": 1000
    })
    .to_string();
    render(&PlaygroundPage {
        chrome: Chrome::new(&user, "properties"),
        p,
        placement,
        frequency,
        options_json,
        script_version: crate::popups::tracking::popup_js_version(),
    })
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
}

#[derive(Debug, Deserialize)]
struct AnalyticsPageParams {
    property: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn analytics_table(
    id: &str,
    label: &str,
    lines: &[crate::popups::analytics::AnalyticsLine],
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
    let mut sorted: Vec<&crate::popups::analytics::AnalyticsLine> = lines.iter().collect();
    sorted.sort_by_key(|l| std::cmp::Reverse(l.impressions));
    for l in sorted {
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
    let sum = |f: fn(&crate::popups::analytics::AnalyticsLine) -> i64| lines.iter().map(f).sum::<i64>();
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
            (format!("?property={selected}&from={from}&to={today}"), *label, current)
        })
        .collect();
    let csv_query = format!("from={}&to={}&group_by=day&format=csv", range.0, range.1);
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
    })
}
