//! The offer-popup wing over HTTP: offers (at the spec's `/api/campaigns` paths),
//! properties, networks, analytics, the public tracking routes, and the admin pages.

pub mod analytics;
pub mod analytics_pages;
pub mod experiment_pages;
pub mod experiments;
pub mod networks;
pub mod offers;
pub mod pages;
pub mod properties;
pub mod reports;
pub mod tracking;

use crate::AppState;
use axum::Router;
use rtbcat_app::popups::tracking::{PostbackOutcome, ServedOffer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(properties::routes())
        .merge(offers::routes())
        .merge(experiments::routes())
        .merge(networks::routes())
        .merge(analytics::routes())
        .merge(tracking::routes())
        .merge(reports::routes())
        .merge(reports::pages().layer(axum::middleware::map_response(crate::ui::page_headers)))
        .merge(experiment_pages::routes().layer(axum::middleware::map_response(crate::ui::page_headers)))
        .merge(analytics_pages::routes().layer(axum::middleware::map_response(crate::ui::page_headers)))
        .merge(pages::routes().layer(axum::middleware::map_response(crate::ui::page_headers)))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(properties::list_properties, properties::create_property, properties::update_property,
          properties::deactivate_property, offers::list_campaigns, offers::create_campaign,
          offers::update_campaign, offers::deactivate_campaign, offers::campaign_action, tracking::serve_offer,
          tracking::impression, tracking::click_json, tracking::click_redirect, tracking::postback,
          tracking::network_postback, networks::list_networks, networks::create_network,
          networks::update_network, analytics::analytics, reports::realtime, reports::property_pdf,
          reports::experiment_pdf, reports::list_schedules, reports::create_schedule, reports::update_schedule,
          reports::delete_schedule, reports::send_schedule, reports::run_schedules),
    components(schemas(rtbcat_app::popups::Property, rtbcat_app::popups::Offer, rtbcat_app::popups::Network,
          tracking::OfferAnswer, ServedOffer, tracking::TokenBody, tracking::ClickAnswer, PostbackOutcome,
          analytics::AnalyticsLine, rtbcat_core::popups::OfferInput,
          rtbcat_app::popups::analytics::Realtime, rtbcat_app::popups::analytics::RealtimeMinute,
          rtbcat_app::popups::analytics::RealtimeOffer, rtbcat_app::popups::reports::ScheduleInput,
          rtbcat_app::popups::reports::ScheduleView, rtbcat_app::popups::reports::DeliveryView,
          rtbcat_app::popups::reports::SendRound,
          rtbcat_core::popups::PropertyInput, rtbcat_core::popups::NetworkInput)),
    tags((name = "popups", description = "Offers (campaigns), properties and their analytics"),
         (name = "tracking", description = "Public routes the popup script and affiliate networks call"))
)]
pub struct PopupDoc;
