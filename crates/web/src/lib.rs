//! rtbcat over HTTP: the JSON API (documented at `/docs`), the server-rendered UI, auth.
//!
//! `App::bind` binds a listener (port 0 in tests) and reports its address before serving,
//! so tests and the CLI start the same server.

mod assets;
mod bidder;
pub mod dev;
mod error;
mod export;
mod openapi;
mod paging;
mod platform;
mod popups;
mod session;
mod ui;

pub use error::ApiError;
pub use openapi::{openapi, ApiDoc};
pub use popups::tracking::popup_js_version;

use axum::extract::FromRef;
use axum::Router;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rtbcat_app::popups::tracking::{EventWriter, Tracking};
use rtbcat_app::SharedStore;
use rtbcat_app::StoreError;
use rtbcat_app::{Clock, Config};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

/// Everything a handler may need. Cloned for every request by every layer that takes state,
/// so it is one shared pointer (one reference count to touch), not a struct of many.
#[derive(Clone)]
pub struct AppState(Arc<AppServices>);

impl std::ops::Deref for AppState {
    type Target = AppServices;

    fn deref(&self) -> &AppServices {
        &self.0
    }
}

/// What `AppState` shares.
pub struct AppServices {
    pub store: SharedStore,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    pub tracking_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    pub tracking: Arc<Tracking>,
    /// Postbacks per address, and refused postbacks per address (secret guessing).
    pub postback_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    pub postback_refusals: Arc<popups::tracking::RefusalBlock>,
    /// Failed sign-ins per account, with their growing waits.
    pub login_guard: Arc<rtbcat_app::platform::accounts::LoginGuard>,
    /// Campaign numbers, kept until the data changes.
    pub campaigns: Arc<rtbcat_app::bidder::campaigns::CampaignCache>,
    /// Findings, kept until the data changes.
    pub opportunities: Arc<rtbcat_app::bidder::opportunities::OpportunityCache>,
    /// The creative listing's per-window totals, kept until the data changes.
    pub listing_totals: Arc<rtbcat_app::bidder::catalog::view::TotalsCache>,
    /// Google's Real-time Bidding API: tokens and the request pace, for the whole process.
    pub google: Arc<rtbcat_app::bidder::google::GoogleApi>,
    /// This instance's name for the alert evaluator lease.
    pub alert_holder: Arc<String>,
    /// This server's Prometheus metrics.
    pub metrics: rtbcat_app::platform::metrics::SharedMetrics,
    /// One-time secret that allows first-run setup from a host name (see `/setup`).
    setup_token: Arc<String>,
    /// The event writer task, awaited at shutdown so queued events are written.
    writer_task: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

#[derive(Clone)]
struct AlertRun {
    store: SharedStore,
    config: Arc<Config>,
    opportunities: Arc<rtbcat_app::bidder::opportunities::OpportunityCache>,
    holder: Arc<String>,
    clock: Arc<dyn Clock>,
    google: Arc<rtbcat_app::bidder::google::GoogleApi>,
    metrics: rtbcat_app::platform::metrics::SharedMetrics,
}

impl AlertRun {
    /// The pretargeting guard reads the same new traffic: a change after which QPS halved
    /// is flagged (and rolled back when enabled).
    async fn guard(&self) {
        let accounts =
            rtbcat_app::bidder::google::accounts(&self.config.google, &self.config.data_dir).unwrap_or_default();
        let result = rtbcat_app::bidder::pretargeting::guard(
            &self.store,
            &self.google,
            &accounts,
            self.config.google.auto_rollback,
            self.clock.unix(),
        )
        .await;
        self.metrics.job("pretargeting_guard", &result);
        if let Err(e) = result {
            tracing::warn!(error = %e, "pretargeting guard failed");
        }
    }

    async fn evaluate(self) {
        self.guard().await;
        let result = rtbcat_app::bidder::alerts::evaluate(
            &self.store,
            &self.config,
            &self.opportunities,
            &self.holder,
            self.clock.unix(),
        )
        .await;
        self.metrics.job("alerts", &result);
        if let Err(e) = result {
            tracing::warn!(error = %e, "alert evaluation failed");
        }
    }
}

/// What summing the listing's windows ahead needs: the store, the cache and the metrics, not
/// the whole state (which would keep the tracking writer open and stop the server from
/// shutting down).
#[derive(Clone)]
struct ListingWarmup {
    store: SharedStore,
    cache: Arc<rtbcat_app::bidder::catalog::view::TotalsCache>,
    metrics: rtbcat_app::platform::metrics::SharedMetrics,
}

impl ListingWarmup {
    /// One pass; counted as a `listing_warmup` job when it summed something or failed (a pass
    /// that found every window kept did nothing worth counting).
    async fn run(self) {
        let started = std::time::Instant::now();
        let result = rtbcat_app::bidder::catalog::view::warm_totals(&self.store, &self.cache).await;
        match &result {
            Ok(0) => return,
            Ok(windows) => {
                let elapsed_ms = started.elapsed().as_millis() as u64;
                tracing::info!(windows, elapsed_ms, "listing windows summed ahead");
            }
            Err(e) => tracing::warn!(error = %e, "summing the listing windows ahead failed"),
        }
        self.metrics.job("listing_warmup", &result);
    }
}

/// Runs `job` every `every` while the server runs, the first time `first_after` from now. A
/// run that overruns its interval is followed by the next at once, and only one: missed runs
/// are not made up in a burst (a stalled process would otherwise sync or alert several times
/// in a row), and the interval counts again from there.
fn repeat<F, Fut>(first_after: std::time::Duration, every: std::time::Duration, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + first_after, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            job().await;
        }
    });
}

/// Tracking events that may wait for the writer before new ones get 503.
const EVENT_QUEUE: usize = 65_536;

impl AppState {
    /// Evaluates the alert rules and the pretargeting guard in the background (after an import).
    pub fn evaluate_alerts_soon(&self) {
        let run = self.alert_run();
        tokio::spawn(run.evaluate());
    }

    /// What an alert evaluation needs, and nothing more: a task that kept the whole state
    /// would keep the tracking writer open and stop the server from shutting down.
    fn alert_run(&self) -> AlertRun {
        AlertRun {
            store: self.store.clone(),
            config: self.config.clone(),
            opportunities: self.opportunities.clone(),
            holder: self.alert_holder.clone(),
            clock: self.clock.clone(),
            google: self.google.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// Evaluates the alert rules every `alert_interval_minutes` while the server runs (the
    /// first time one interval after the start).
    pub fn start_alert_schedule(&self) {
        let run = self.alert_run();
        let every = std::time::Duration::from_secs(self.config.alert_interval_minutes * 60);
        repeat(every, every, move || run.clone().evaluate());
    }

    /// Syncs every discovered seat every `sync_interval_hours` while the server runs (the
    /// first time one interval after the start); off when the interval is 0. Each seat's
    /// lease keeps two instances from syncing it at once.
    pub fn start_sync_schedule(&self) {
        let hours = self.config.google.sync_interval_hours;
        if hours == 0 {
            return;
        }
        let (store, config, google, clock, metrics) = (
            self.store.clone(),
            self.config.clone(),
            self.google.clone(),
            self.clock.clone(),
            self.metrics.clone(),
        );
        let every = std::time::Duration::from_secs(hours * 3600);
        repeat(every, every, move || {
            let (store, config, google, clock, metrics) = (
                store.clone(),
                config.clone(),
                google.clone(),
                clock.clone(),
                metrics.clone(),
            );
            async move {
                rtbcat_app::bidder::google::scheduled_sync(&store, &google, &config, clock.as_ref(), &metrics).await;
            }
        });
    }

    /// Serves `/metrics` alone, without authentication, on `addr` (RTBCAT_METRICS_ADDR: a
    /// loopback or private address for Prometheus); answers the address it bound.
    pub async fn serve_metrics(&self, addr: &str) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let router = platform::observe::metrics_only(self.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
        Ok(bound)
    }

    /// Sums the performance listing's default windows ahead of its first request: now, then
    /// whenever the data version moved (checked every 15 s: an import or edit on any
    /// instance), so the first listing after a start or an import is as fast as the next.
    pub fn start_listing_warmup(&self) {
        let warmup = self.listing_warmup();
        repeat(
            std::time::Duration::ZERO,
            std::time::Duration::from_secs(15),
            move || warmup.clone().run(),
        );
    }

    /// Warms the listing's windows in the background now (after an import).
    pub fn warm_listings_soon(&self) {
        let warmup = self.listing_warmup();
        tokio::spawn(warmup.run());
    }

    fn listing_warmup(&self) -> ListingWarmup {
        ListingWarmup {
            store: self.store.clone(),
            cache: self.listing_totals.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// Mails the scheduled reports that are due, checking every minute while the server runs.
    /// Each period is claimed in the database before it goes out, so neither a restart nor
    /// a second instance sends it twice.
    pub fn start_report_schedule(&self) {
        let (store, config, clock, holder) = (
            self.store.clone(),
            self.config.clone(),
            self.clock.clone(),
            self.alert_holder.clone(),
        );
        let every = std::time::Duration::from_secs(60);
        repeat(every, every, move || {
            let (store, config, clock, holder) = (store.clone(), config.clone(), clock.clone(), holder.clone());
            async move {
                if let Err(e) = rtbcat_app::popups::reports::send_due(&store, &config, clock.as_ref(), &holder).await {
                    tracing::warn!(error = %e, "scheduled reports failed");
                }
            }
        });
    }

    /// Builds the state and starts the tracking event writer.
    pub async fn new(store: SharedStore, config: Config, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let per_minute = NonZeroU32::new(config.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        let tracking_per_minute = NonZeroU32::new(config.tracking_requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let postbacks_per_minute = NonZeroU32::new(config.postback_requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let refusals_per_minute =
            NonZeroU32::new(rtbcat_app::config::POSTBACK_REFUSALS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        let metrics = rtbcat_app::platform::metrics::Metrics::new();
        let (writer, writer_task) = EventWriter::start(store.clone(), EVENT_QUEUE, metrics.clone());
        let mut tracking = Tracking::new(store.clone(), clock.clone(), writer).await?;
        if let Some(path) = &config.geoip_database {
            let reader = rtbcat_app::popups::tracking::open_geoip(path).map_err(StoreError::Backend)?;
            tracking = tracking.with_geoip(reader);
        }
        let google = Arc::new(rtbcat_app::bidder::google::GoogleApi::new(&config.google));
        Ok(AppState(Arc::new(AppServices {
            metrics,
            google,
            store,
            config: Arc::new(config),
            clock,
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            tracking_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(tracking_per_minute))),
            tracking: Arc::new(tracking),
            postback_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(postbacks_per_minute))),
            postback_refusals: Arc::new(popups::tracking::RefusalBlock::new(Quota::per_minute(
                refusals_per_minute,
            ))),
            login_guard: Arc::new(rtbcat_app::platform::accounts::LoginGuard::default()),
            campaigns: Arc::default(),
            opportunities: Arc::default(),
            listing_totals: Arc::default(),
            alert_holder: Arc::new(rtbcat_app::platform::accounts::new_token()),
            setup_token: Arc::new(rtbcat_app::platform::accounts::new_token()),
            writer_task: Arc::new(std::sync::Mutex::new(Some(writer_task))),
        })))
    }
}

impl AppState {
    /// The first-run setup path with this server's one-time token (`/setup?token=…`):
    /// needed when the first administrator is created through a host name.
    pub fn setup_path(&self) -> String {
        format!("/setup?token={}", self.setup_token)
    }

    pub(crate) fn setup_token_matches(&self, given: &str) -> bool {
        rtbcat_core::shared::secrets::constant_time_eq(given.as_bytes(), self.setup_token.as_bytes())
    }
}

/// `Err(seconds to wait)` when this address is over its limit.
pub(crate) fn over_limit(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), u64> {
    limiter.check_key(&ip).map_err(|not_until| {
        let now = governor::clock::Clock::now(&governor::clock::DefaultClock::default());
        not_until.wait_time_from(now).as_secs().max(1)
    })
}

/// 429 with `Retry-After` when this address is over its limit.
pub(crate) fn rate_limit(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr, what: &str) -> Result<(), ApiError> {
    over_limit(limiter, ip).map_err(|seconds| {
        let mut e = ApiError::too_many(seconds);
        e.body.message = format!("too many {what} from this address");
        e
    })
}

impl FromRef<AppState> for () {
    fn from_ref(_: &AppState) {}
}

/// A query parameter holding a NUL character is refused by name (400) on every route: no
/// filter or form means one, PostgreSQL cannot compare text with it, and SQLite would
/// quietly treat it as another character. (The fuzzer found `?language=%00` giving a 500 on
/// PostgreSQL.)
async fn refuse_nul_in_query(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Some(query) = request.uri().query().filter(|q| q.contains("%00")) {
        let nul = url::form_urlencoded::parse(query.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0'));
        if let Some((name, _)) = nul {
            let name = name.replace('\0', "\\0");
            return ApiError::bad_parameter(&name, "contains a NUL character").into_response();
        }
    }
    next.run(request).await
}

/// The whole application: API, UI, docs and assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(platform::routes())
        .merge(bidder::routes())
        .merge(popups::routes())
        .merge(openapi::routes())
        .merge(assets::routes())
        // One layer made of the three, not three layers: axum boxes each layer around every
        // route, and a request clones every box inside the one it enters at each step, so
        // three stacked layers cost about fifteen boxed copies per request, one stack about
        // five (bench/tracking-instructions.sh counts the difference).
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    platform::observe::observe,
                ))
                .layer(axum::middleware::from_fn(refuse_nul_in_query))
                // Forms and JSON bodies are small; routes that take files set their own limit.
                .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024)),
        )
        .with_state(state)
        .merge(openapi::docs_routes())
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
        let writer_task = self.state.writer_task.lock().ok().and_then(|mut task| task.take());
        let service = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        // The router (and every handle on the writer) is gone: the writer drains its queue
        // and stops. Wait for it so no accepted event is lost on a clean shutdown.
        if let Some(task) = writer_task {
            let _ = task.await;
        }
        served
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A first run that overruns three intervals is followed by one run at once, then the
    /// interval again: the missed runs are not made up (that would be four runs by 36 s).
    #[tokio::test(start_paused = true)]
    async fn a_run_that_overruns_is_not_made_up_in_a_burst() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        super::repeat(Duration::ZERO, Duration::from_secs(10), move || {
            let counted = counted.clone();
            async move {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_secs(35)).await;
                }
            }
        });
        tokio::time::sleep(Duration::from_secs(36)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2, "the overrun is followed by one run");
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "then one per interval");
    }
}
