//! The bidder wing over HTTP: the creative catalog and performance, API and pages.

pub mod alerts;
pub mod campaigns;
pub mod catalog;
pub mod opportunities;
pub mod performance;
pub mod pretargeting;
pub mod queries;
pub mod seats;
pub mod waste;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .merge(catalog::pages::routes())
        .merge(campaigns::pages::routes())
        .merge(alerts::pages::routes())
        .merge(opportunities::pages::routes())
        .merge(performance::pages::routes())
        .merge(queries::pages::routes())
        .merge(pretargeting::pages::routes())
        .merge(seats::pages::routes())
        .merge(waste::pages::routes())
        .layer(axum::middleware::map_response(crate::ui::page_headers));
    Router::new()
        .merge(catalog::api::routes())
        .merge(campaigns::api::routes())
        .merge(alerts::api::routes())
        .merge(opportunities::api::routes())
        .merge(performance::api::routes())
        .merge(queries::api::routes())
        .merge(pretargeting::api::routes())
        .merge(seats::api::routes())
        .merge(waste::api::routes())
        .merge(pages)
}
