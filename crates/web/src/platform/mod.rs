//! Accounts, sign-in, setup, audit and health over HTTP, for both wings.

pub mod accounts;
pub mod audit;
pub mod observe;
pub mod pages;
pub mod sign_in;
pub mod system;

use crate::AppState;
use axum::Router;

/// Every platform route; pages get the page headers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(system::routes())
        .merge(observe::routes())
        .merge(audit::routes())
        .merge(accounts::routes())
        .merge(
            sign_in::routes()
                .merge(pages::routes())
                .layer(axum::middleware::map_response(crate::ui::page_headers)),
        )
}
