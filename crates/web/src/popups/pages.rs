//! Offer-popup admin pages: offers (list, form with live preview), properties (list, form,
//! integration snippet, playground) and analytics (daily chart, per-offer table, CSV).
//! Forms post JSON to the same API the docs describe (a few lines in app.js).

use crate::assets::ASSET_VERSION;
use crate::error::ApiError;
use crate::popups::analytics::{analytics_lines, AnalyticsParams};
use crate::session::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::platform::accounts::User;
use rtbcat_app::popups::Offer;
use rtbcat_app::popups::Property;
use rtbcat_core::platform::accounts::Role;
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

fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

fn failed(err: impl Into<ApiError>) -> Response {
    let err = err.into();
    (err.status, err.body.message).into_response()
}

struct OfferRow {
    id: i64,
    name: String,
    title: String,
    properties: String,
    priority: i64,
    payout: String,
    active: bool,
    dates: String,
}

#[derive(Template)]
#[template(path = "offers.html")]
struct OffersPage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    can_edit: bool,
    offers: Vec<OfferRow>,
}

async fn offers_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let offers = match rtbcat_app::popups::offers::list(&state.store).await {
        Ok(o) => o,
        Err(e) => return failed(e),
    };
    let rows = offers
        .into_iter()
        .map(|o| OfferRow {
            id: o.id,
            title: o.display_title,
            properties: o.properties.join(", "),
            priority: o.priority,
            payout: format!("{} {}", format_micros(o.payout_micros), o.currency),
            active: o.active,
            dates: match (&o.start_date, &o.end_date) {
                (None, None) => "always".into(),
                (start, end) => format!(
                    "{} → {}",
                    start.as_deref().unwrap_or("…"),
                    end.as_deref().unwrap_or("…")
                ),
            },
            name: o.name,
        })
        .collect();
    render(&OffersPage {
        asset_version: ASSET_VERSION,
        user_email: user.email.clone(),
        user_role: user.role.as_str(),
        active: "offers",
        can_edit: user.role.allows(Role::Editor),
        offers: rows,
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
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    can_edit: bool,
    offer: Option<Offer>,
    payout: String,
    properties: Vec<PropertyChoice>,
}

fn offer_form(user: &User, offer: Option<Offer>, properties: Vec<Property>) -> Response {
    let chosen: Vec<String> = offer.as_ref().map(|o| o.properties.clone()).unwrap_or_default();
    let choices = properties
        .into_iter()
        .map(|p| PropertyChoice {
            selected: chosen.contains(&p.code) || (offer.is_none() && p.active),
            code: p.code,
            name: p.name,
            primary: p.theme_primary,
            accent: p.theme_accent,
        })
        .collect();
    render(&OfferFormPage {
        asset_version: ASSET_VERSION,
        user_email: user.email.clone(),
        user_role: user.role.as_str(),
        active: "offers",
        can_edit: user.role.allows(Role::Editor),
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
        Err(e) => failed(e),
    }
}

async fn edit_offer_page(State(state): State<AppState>, PageUser(user): PageUser, Path(id): Path<i64>) -> Response {
    let (offers, properties) = match (
        rtbcat_app::popups::offers::list(&state.store).await,
        rtbcat_app::popups::properties::list(&state.store).await,
    ) {
        (Ok(o), Ok(p)) => (o, p),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    match offers.into_iter().find(|o| o.id == id) {
        Some(offer) => offer_form(&user, Some(offer), properties),
        None => failed(ApiError::not_found(format!("offer {id}"))),
    }
}

#[derive(Template)]
#[template(path = "properties.html")]
struct PropertiesPage {
    networks: Vec<rtbcat_app::popups::Network>,
    is_admin: bool,
    base: String,
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    can_edit: bool,
    properties: Vec<Property>,
}

async fn properties_page(State(state): State<AppState>, PageUser(user): PageUser, headers: HeaderMap) -> Response {
    let networks = match rtbcat_app::popups::networks::list(&state.store).await {
        Ok(n) => n,
        Err(e) => return failed(e),
    };
    match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(properties) => render(&PropertiesPage {
            networks,
            is_admin: user.role.allows(Role::Admin),
            base: public_base(&headers),
            asset_version: ASSET_VERSION,
            user_email: user.email.clone(),
            user_role: user.role.as_str(),
            active: "properties",
            can_edit: user.role.allows(Role::Editor),
            properties,
        }),
        Err(e) => failed(e),
    }
}

#[derive(Template)]
#[template(path = "property.html")]
struct PropertyPage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    can_edit: bool,
    p: Property,
    domains: String,
    snippet: String,
    snippet_async: String,
}

/// The API base as the browser reached us: what the embed snippet must point at.
fn public_base(headers: &HeaderMap) -> String {
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
    headers: HeaderMap,
) -> Response {
    let p = match crate::popups::properties::find_property(&state, &code).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    let src = format!(
        "{}/popup.js?v={}",
        public_base(&headers),
        crate::popups::tracking::popup_js_version()
    );
    let options = format!(
        "{{ property: '{}', placement: '{}', frequency: '{}', debug: false }}",
        p.code, p.popup_placement, p.popup_frequency
    );
    let snippet = format!("<script src=\"{src}\"></script>\n<script>ModePopup.init({options});</script>");
    let snippet_async =
        format!("<script>window.ModePopup = {{ q: [{options}] }};</script>\n<script async src=\"{src}\"></script>");
    render(&PropertyPage {
        asset_version: ASSET_VERSION,
        user_email: user.email.clone(),
        user_role: user.role.as_str(),
        active: "properties",
        can_edit: user.role.allows(Role::Editor),
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
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    p: Property,
    placement: String,
    frequency: String,
    options_json: String,
    script_version: &'static str,
}

/// The popup on a test page with `debug: true` (console messages on), any placement.
async fn playground_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(code): Path<String>,
    Query(params): Query<PlaygroundParams>,
) -> Response {
    let p = match crate::popups::properties::find_property(&state, &code).await {
        Ok(p) => p,
        Err(e) => return failed(e),
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
        asset_version: ASSET_VERSION,
        user_email: user.email.clone(),
        user_role: user.role.as_str(),
        active: "properties",
        p,
        placement,
        frequency,
        options_json,
        script_version: crate::popups::tracking::popup_js_version(),
    })
}

struct LineView {
    label: String,
    impressions: i64,
    clicks: i64,
    ctr: String,
    conversions: i64,
    revenue: String,
    rpm: String,
    bot_hits: i64,
}

#[derive(Template)]
#[template(path = "popup_analytics.html")]
struct AnalyticsPage {
    asset_version: &'static str,
    user_email: String,
    user_role: &'static str,
    active: &'static str,
    properties: Vec<Property>,
    selected: String,
    from: String,
    to: String,
    chart_svg: String,
    totals: LineView,
    /// (heading, rows): by offer, by country, by device.
    sections: Vec<(&'static str, Vec<LineView>)>,
    csv_query: String,
}

#[derive(Debug, Deserialize)]
struct AnalyticsPageParams {
    property: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn percent(ratio: Option<f64>) -> String {
    ratio
        .map(|r| format!("{:.2}%", r * 100.0))
        .unwrap_or_else(|| "–".into())
}

async fn analytics_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<AnalyticsPageParams>,
) -> Response {
    let properties = match rtbcat_app::popups::properties::list(&state.store).await {
        Ok(p) => p,
        Err(e) => return failed(e),
    };
    let selected = params
        .property
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "all".into());
    let property = properties.iter().find(|p| p.code == selected).cloned();
    let query = |group_by: &str| AnalyticsParams::new(params.from.clone(), params.to.clone(), group_by);
    let mut views = Vec::new();
    let mut range = (String::new(), String::new());
    for group in ["day", "offer", "country", "device"] {
        match analytics_lines(&state, property.as_ref(), &query(group)).await {
            Ok((from, to, lines)) => {
                range = (from, to);
                views.push(lines);
            }
            Err(e) => return failed(e),
        }
    }
    let [days, offers, countries, devices]: [Vec<_>; 4] = match views.try_into() {
        Ok(v) => v,
        Err(_) => return failed(ApiError::internal("analytics groups")),
    };
    let sum = |f: fn(&crate::popups::analytics::AnalyticsLine) -> i64| days.iter().map(f).sum::<i64>();
    let (impressions, clicks) = (sum(|l| l.impressions), sum(|l| l.clicks));
    let revenue = sum(|l| l.revenue_micros);
    let totals = LineView {
        label: "All".into(),
        impressions,
        clicks,
        ctr: percent((impressions > 0).then(|| clicks as f64 / impressions as f64)),
        conversions: sum(|l| l.conversions),
        revenue: format_micros(revenue),
        rpm: rtbcat_core::popups::rpm_micros(revenue, impressions).map_or_else(|| "–".into(), format_micros),
        bot_hits: sum(|l| l.bot_hits),
    };
    let view = |lines: &[crate::popups::analytics::AnalyticsLine]| -> Vec<LineView> {
        let mut out: Vec<LineView> = lines
            .iter()
            .map(|l| LineView {
                label: l.label.clone().unwrap_or_else(|| l.key.clone()),
                impressions: l.impressions,
                clicks: l.clicks,
                ctr: match (l.ctr, l.ctr_low, l.ctr_high) {
                    (Some(ctr), Some(low), Some(high)) => {
                        format!("{:.2}% ({:.2}–{:.2})", ctr * 100.0, low * 100.0, high * 100.0)
                    }
                    _ => "–".into(),
                },
                conversions: l.conversions,
                revenue: format_micros(l.revenue_micros),
                rpm: l.rpm_micros.map_or_else(|| "–".into(), format_micros),
                bot_hits: l.bot_hits,
            })
            .collect();
        out.sort_by_key(|l| std::cmp::Reverse(l.impressions));
        out
    };
    let points: Vec<crate::charts::DailyPoint> = days
        .iter()
        .map(|l| crate::charts::DailyPoint {
            date: l.key.clone(),
            money_micros: l.revenue_micros,
            count: l.impressions,
        })
        .collect();
    let csv_query = format!("from={}&to={}&group_by=day&format=csv", range.0, range.1);
    render(&AnalyticsPage {
        asset_version: ASSET_VERSION,
        user_email: user.email.clone(),
        user_role: user.role.as_str(),
        active: "analytics",
        chart_svg: crate::charts::daily_chart(&points, &crate::charts::REVENUE_AND_IMPRESSIONS),
        sections: vec![
            ("By offer", view(&offers)),
            ("By country", view(&countries)),
            ("By device", view(&devices)),
        ],
        totals,
        properties,
        selected,
        from: range.0,
        to: range.1,
        csv_query,
    })
}
