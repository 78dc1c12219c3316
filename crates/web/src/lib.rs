//! rtbcat over HTTP: the JSON API (documented at `/docs`), the server-rendered UI, auth.
//!
//! `App::bind` binds a listener (port 0 in tests) and reports its address before serving,
//! so tests and the CLI start the same server.

mod api;
mod assets;
mod charts;
mod error;
mod pages;
mod session;

pub use api::ApiDoc;
pub use error::ApiError;

use axum::extract::FromRef;
use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rtbcat_app::{Clock, Config};
use rtbcat_store::SharedStore;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Everything a handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl AppState {
    pub fn new(store: SharedStore, config: Config, clock: Arc<dyn Clock>) -> Self {
        let per_minute = NonZeroU32::new(config.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        AppState {
            store,
            config: Arc::new(config),
            clock,
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
        }
    }
}

impl FromRef<AppState> for () {
    fn from_ref(_: &AppState) {}
}

/// The whole application: API, UI, docs and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(assets::routes())
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(state)
        .merge(api::docs_routes())
}

/// A bound server, ready to run.
pub struct App {
    listener: tokio::net::TcpListener,
    state: AppState,
}

impl App {
    pub async fn bind(addr: &str, state: AppState) -> std::io::Result<App> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(App { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` resolves, then finish the requests in flight.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let service = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
