//! Offer-popup admin pages: offers (list, form with live preview), properties (list, form,
//! integration snippet, playground). Analytics are in `analytics_pages`.
//! Forms post JSON to the same API the docs describe (a few lines in app.js).

use crate::error::ApiError;
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
    /// Each device class and whether the offer targets it.
    devices: Vec<(&'static str, bool)>,
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
    let targeted: Vec<String> = offer.as_ref().map(|o| o.devices.clone()).unwrap_or_default();
    let devices = rtbcat_core::popups::DEVICES
        .iter()
        .map(|d| (*d, targeted.iter().any(|t| t == d)))
        .collect();
    render(&OfferFormPage {
        chrome,
        devices,
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
    /// (offer id, name, chosen) for the fallback offer select.
    fallbacks: Vec<(i64, String, bool)>,
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
        Ok(p) => (*p).clone(),
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
    let fallbacks = match rtbcat_app::popups::offers::list(&state.store).await {
        Ok(offers) => offers
            .into_iter()
            .map(|o| (o.id, o.name, Some(o.id) == p.fallback_offer_id))
            .collect(),
        Err(e) => return error_page(&user, "properties", e.into()),
    };
    let mut chrome = Chrome::new(&user, "properties");
    chrome.saved_notice(params.saved.as_deref());
    render(&PropertyPage {
        fallbacks,
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
        Ok(p) => (*p).clone(),
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
