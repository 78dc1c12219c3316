//! Live Authorized Buyers: the seats a service-account key can see, and creative syncs
//! that page through `buyers.creatives.list` (view FULL) into the same creative import a
//! file goes through. A sync records every page; one that fails resumes from the page it
//! did not get; a seat is synced by one instance at a time (a database lease).

pub mod client;

pub use client::{accounts, save_uploaded_key, Account, GoogleApi, GoogleError, KeyInfo};

use rtbcat_core::bidder::google::{self as wire, ListBiddersResponse, ListBuyersResponse, ListCreativesResponse};
use rtbcat_store::{DiscoveredSeat, SharedStore, StoreError, SyncCounts, SyncRun};
use serde::Serialize;
use utoipa::ToSchema;

/// A failed sync younger than this is taken up from its page token; an older one starts over
/// (Google's page tokens do not live for ever).
pub const RESUME_WITHIN_SECONDS: i64 = 6 * 3600;
/// How long a sync holds its seat's lease; renewed with every page.
const SYNC_LEASE_SECONDS: i64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Google(#[from] GoogleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("seat {0} is not known; discover seats first (POST /seats/discover)")]
    UnknownSeat(String),
    #[error("no key can see seat {0}; discover seats again or add its key")]
    NoKeyForSeat(String),
    #[error("seat {0} is being synced by another run; try again when it finishes")]
    Busy(String),
}

/// A seat as `GET /seats` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeatView {
    /// The buyer account id (`buyers/{id}`).
    pub buyer_id: String,
    pub display_name: Option<String>,
    pub bidder_account_id: Option<String>,
    /// The service account whose key syncs it.
    pub key_email: Option<String>,
    /// Active creatives as Google counts them (from discovery).
    pub active_creative_count: Option<i64>,
    pub maximum_active_creative_count: Option<i64>,
    /// Creatives in rtbcat's catalog for this seat.
    pub creative_count: i64,
    pub discovered_at: Option<i64>,
    pub last_sync: Option<i64>,
    pub last_sync_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiscoveryReport {
    pub keys: Vec<KeyInfo>,
    pub seats: Vec<SeatView>,
    /// Seats found by this discovery.
    pub found: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncView {
    pub id: i64,
    pub buyer_id: String,
    pub actor: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// The failed sync this one took up from its page token.
    pub resumed_from: Option<i64>,
    pub pages: i64,
    pub creatives: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Creatives Google sent that the import refused (the first errors are in `error`).
    pub rejected: i64,
    pub error: Option<String>,
    /// Whether a later sync will start where this one stopped.
    pub resumable: bool,
}

impl From<SyncRun> for SyncView {
    fn from(r: SyncRun) -> Self {
        SyncView {
            id: r.id,
            buyer_id: r.seat_id,
            actor: r.actor,
            started_at: r.started_at,
            finished_at: r.finished_at,
            resumable: r.status == "failed" && r.next_page_token.is_some(),
            status: r.status,
            resumed_from: r.resumed_from,
            pages: r.counts.pages,
            creatives: r.counts.creatives,
            inserted: r.counts.inserted,
            updated: r.counts.updated,
            unchanged: r.counts.unchanged,
            rejected: r.counts.rejected,
            error: r.error,
        }
    }
}

/// Checks and keeps an uploaded key (readable by the service only), with an audit line.
pub async fn add_key(
    store: &SharedStore,
    data_dir: &std::path::Path,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<KeyInfo, SyncError> {
    let info = save_uploaded_key(data_dir, text)?;
    store
        .append_audit(rtbcat_store::NewAuditEntry {
            at: now,
            actor: actor.to_string(),
            action: "seats.key_added".into(),
            subject: Some(info.client_email.clone()),
            details: serde_json::json!({ "private_key_id": info.private_key_id }),
        })
        .await?;
    Ok(info)
}

pub async fn seats(store: &SharedStore) -> Result<Vec<SeatView>, StoreError> {
    Ok(store
        .google_seats()
        .await?
        .into_iter()
        .map(|s| SeatView {
            buyer_id: s.seat_id,
            display_name: s.display_name,
            bidder_account_id: s.bidder_account_id,
            key_email: s.key_email,
            active_creative_count: s.active_creative_count,
            maximum_active_creative_count: s.maximum_active_creative_count,
            creative_count: s.creatives,
            discovered_at: s.discovered_at,
            last_sync: s.last_sync_at,
            last_sync_error: s.last_sync_error,
        })
        .collect())
}

pub async fn sync_runs(store: &SharedStore, buyer_id: Option<String>, limit: i64) -> Result<Vec<SyncView>, StoreError> {
    Ok(store
        .sync_runs(buyer_id, limit)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Pages through a list method until Google stops sending a page token.
async fn all_pages<T: serde::de::DeserializeOwned>(
    api: &GoogleApi,
    account: &Account,
    path: &str,
    next: impl Fn(&T) -> Option<String>,
) -> Result<Vec<T>, GoogleError> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query = vec![("pageSize", "500".to_string())];
        if let Some(t) = &token {
            query.push(("pageToken", t.clone()));
        }
        let page: T = api.get(account, path, &query).await?;
        token = next(&page).filter(|t| !t.is_empty());
        pages.push(page);
        if token.is_none() {
            return Ok(pages);
        }
    }
}

/// Asks Google which bidders and buyers each key can see, and records them as seats.
pub async fn discover(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    actor: &str,
    now: i64,
) -> Result<DiscoveryReport, SyncError> {
    if accounts.is_empty() {
        return Err(GoogleError::NoKeys.into());
    }
    let mut found: Vec<DiscoveredSeat> = Vec::new();
    for account in accounts {
        // bidders.list names the bidder accounts (a buyer-only key sees none).
        let bidders: Vec<String> = all_pages(api, account, "bidders", |p: &ListBiddersResponse| {
            p.next_page_token.clone()
        })
        .await?
        .into_iter()
        .flat_map(|p| p.bidders)
        .map(|b| wire::account_id(&b.name).to_string())
        .collect();
        let buyers = all_pages(api, account, "buyers", |p: &ListBuyersResponse| {
            p.next_page_token.clone()
        })
        .await?
        .into_iter()
        .flat_map(|p| p.buyers);
        for buyer in buyers {
            let seat_id = wire::account_id(&buyer.name).to_string();
            if found.iter().any(|s| s.seat_id == seat_id) {
                continue;
            }
            let bidder = buyer
                .bidder
                .as_deref()
                .map(|b| wire::account_id(b).to_string())
                .or_else(|| (bidders.len() == 1).then(|| bidders[0].clone()));
            found.push(DiscoveredSeat {
                seat_id,
                display_name: buyer.display_name,
                bidder_account_id: bidder,
                key_email: account.key.client_email.clone(),
                active_creative_count: buyer.active_creative_count,
                maximum_active_creative_count: buyer.maximum_active_creative_count,
            });
        }
    }
    let count = found.len();
    store.record_discovered_seats(found, actor.to_string(), now).await?;
    Ok(DiscoveryReport {
        keys: accounts.iter().map(Account::info).collect(),
        seats: seats(store).await?,
        found: count,
    })
}

/// Syncs one seat's creatives: every page of `buyers.creatives.list` (view FULL) through the
/// creative import, the run recorded page by page.
pub async fn sync_seat(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    buyer_id: &str,
    actor: &str,
    buyers_ui_template: &str,
    clock: &dyn crate::Clock,
) -> Result<SyncView, SyncError> {
    let seat = store
        .google_seats()
        .await?
        .into_iter()
        .find(|s| s.seat_id == buyer_id)
        .ok_or_else(|| SyncError::UnknownSeat(buyer_id.to_string()))?;
    let account = match &seat.key_email {
        Some(email) => accounts.iter().find(|a| &a.key.client_email == email),
        None => accounts.first(),
    }
    .ok_or_else(|| SyncError::NoKeyForSeat(buyer_id.to_string()))?;
    let lease = format!("sync/{buyer_id}");
    let holder = format!("{}-{}", std::process::id(), rand::random::<u32>());
    let now = clock.unix();
    if !store
        .take_lease(lease.clone(), holder.clone(), now, now + SYNC_LEASE_SECONDS)
        .await?
    {
        return Err(SyncError::Busy(buyer_id.to_string()));
    }
    let outcome = run_sync(
        store,
        api,
        account,
        buyer_id,
        actor,
        buyers_ui_template,
        clock,
        &lease,
        &holder,
    )
    .await;
    // Give the lease back (expired a second ago) whatever happened.
    let now = clock.unix();
    let _ = store.take_lease(lease, holder, now, now - 1).await;
    outcome
}

#[allow(clippy::too_many_arguments)]
async fn run_sync(
    store: &SharedStore,
    api: &GoogleApi,
    account: &Account,
    buyer_id: &str,
    actor: &str,
    buyers_ui_template: &str,
    clock: &dyn crate::Clock,
    lease: &str,
    holder: &str,
) -> Result<SyncView, SyncError> {
    let started = clock.unix();
    let previous = store.sync_runs(Some(buyer_id.to_string()), 1).await?.into_iter().next();
    let resume = previous.filter(|r| {
        r.status == "failed" && r.next_page_token.is_some() && started - r.started_at <= RESUME_WITHIN_SECONDS
    });
    let mut token = resume.as_ref().and_then(|r| r.next_page_token.clone());
    let id = store
        .start_sync(
            buyer_id.to_string(),
            actor.to_string(),
            resume.as_ref().map(|r| r.id),
            started,
        )
        .await?;
    let mut counts = SyncCounts::default();
    let mut first_rejections: Vec<String> = Vec::new();
    let mut inserted_any = false;
    let path = format!("buyers/{buyer_id}/creatives");
    // buyers.get first: Google's current counts for the seat, and an early, recorded failure
    // when the key lost access to it (the page token is kept for the next sync).
    let refreshed = match api
        .get::<wire::Buyer>(account, &format!("buyers/{buyer_id}"), &[])
        .await
    {
        Ok(buyer) => {
            let seat = DiscoveredSeat {
                seat_id: buyer_id.to_string(),
                display_name: buyer.display_name,
                bidder_account_id: buyer.bidder.as_deref().map(|b| wire::account_id(b).to_string()),
                key_email: account.key.client_email.clone(),
                active_creative_count: buyer.active_creative_count,
                maximum_active_creative_count: buyer.maximum_active_creative_count,
            };
            store
                .record_discovered_seats(vec![seat], actor.to_string(), started)
                .await?;
            None
        }
        Err(e) => {
            store.record_sync_page(id, counts, token.clone()).await?;
            Some(e.to_string())
        }
    };
    let failure: Option<String> = if refreshed.is_some() {
        refreshed
    } else {
        loop {
            let mut query = vec![
                ("view", "FULL".to_string()),
                ("pageSize", wire::CREATIVES_PAGE_SIZE.to_string()),
            ];
            if let Some(t) = &token {
                query.push(("pageToken", t.clone()));
            }
            let page: ListCreativesResponse = match api.get(account, &path, &query).await {
                Ok(p) => p,
                Err(e) => {
                    // Keep the token of the page not fetched: the next sync starts there.
                    store.record_sync_page(id, counts, token.clone()).await?;
                    break Some(e.to_string());
                }
            };
            let next = page.next_page_token.clone().filter(|t| !t.is_empty());
            let stored =
                crate::bidder::catalog::import::store_page(store, page.creatives, buyers_ui_template, clock.unix())
                    .await?;
            counts.pages += 1;
            counts.creatives += stored.creatives;
            counts.inserted += stored.inserted;
            counts.updated += stored.updated;
            counts.unchanged += stored.unchanged;
            counts.rejected += stored.rejections.len() as i64;
            inserted_any |= stored.inserted > 0;
            for r in stored.rejections {
                if first_rejections.len() < 5 {
                    first_rejections.push(r);
                }
            }
            store.record_sync_page(id, counts, next.clone()).await?;
            let now = clock.unix();
            store
                .take_lease(lease.to_string(), holder.to_string(), now, now + SYNC_LEASE_SECONDS)
                .await?;
            match next {
                Some(t) => token = Some(t),
                None => break None,
            }
        }
    };
    if !first_rejections.is_empty() {
        tracing::warn!(
            seat = buyer_id,
            rejected = counts.rejected,
            "creatives refused by the import: {}",
            first_rejections.join("; ")
        );
    }
    let run = store.finish_sync(id, failure, clock.unix()).await?;
    if inserted_any {
        crate::bidder::campaigns::place_new(store, actor, clock.unix()).await?;
    }
    let mut view: SyncView = run.into();
    if view.error.is_none() && !first_rejections.is_empty() {
        // Every page was read (not a failed sync), but say what was refused.
        view.error = Some(format!("refused by the import: {}", first_rejections.join("; ")));
    }
    Ok(view)
}

/// Syncs every known seat in turn; each seat's outcome (a busy seat is skipped).
pub async fn sync_all(
    store: &SharedStore,
    api: &GoogleApi,
    accounts: &[Account],
    actor: &str,
    buyers_ui_template: &str,
    clock: &dyn crate::Clock,
) -> Result<Vec<Result<SyncView, String>>, StoreError> {
    let mut out = Vec::new();
    for seat in store.google_seats().await? {
        if seat.key_email.is_none() {
            continue;
        }
        out.push(
            sync_seat(store, api, accounts, &seat.seat_id, actor, buyers_ui_template, clock)
                .await
                .map_err(|e| e.to_string()),
        );
    }
    Ok(out)
}

/// One scheduled round (inside `rtbcat serve`): every discovered seat, outcomes logged and
/// counted in `metrics` (`sync` ok/error per seat). No key configured is not an error
/// (nothing to sync); an unreadable key is logged.
pub async fn scheduled_sync(
    store: &SharedStore,
    api: &GoogleApi,
    config: &crate::Config,
    clock: &dyn crate::Clock,
    metrics: &crate::platform::metrics::Metrics,
) {
    let accounts = match accounts(&config.google, &config.data_dir) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => return,
        Err(e) => {
            metrics.jobs.with_label_values(&["sync", "error"]).inc();
            tracing::warn!("scheduled sync skipped: {e}");
            return;
        }
    };
    match sync_all(store, api, &accounts, "schedule", &config.buyers_ui_template, clock).await {
        Ok(outcomes) => {
            for outcome in outcomes {
                metrics.job("sync", &outcome);
                match outcome {
                    Ok(run) => tracing::info!(
                        seat = run.buyer_id,
                        status = run.status,
                        creatives = run.creatives,
                        "scheduled sync"
                    ),
                    Err(e) => tracing::warn!("scheduled sync: {e}"),
                }
            }
        }
        Err(e) => {
            metrics.jobs.with_label_values(&["sync", "error"]).inc();
            tracing::warn!("scheduled sync: {e}");
        }
    }
}
