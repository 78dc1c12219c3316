//! The Seats page: the service-account keys (admins add one), discovery, each seat with its
//! creatives, Google's count, last sync and error, a sync button, and the sync history.

use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::google;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/seats", get(seats_page))
}

#[derive(Template)]
#[template(path = "seats.html")]
struct SeatsPage {
    chrome: Chrome,
    keys: Vec<google::KeyInfo>,
    key_error: Option<String>,
    seats: String,
    syncs: String,
    api_url: String,
    schedule: String,
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    saved: Option<String>,
}

fn duration(run: &google::SyncView) -> String {
    match run.finished_at {
        Some(end) => format!("{} s", format::count(end - run.started_at)),
        None => "running".into(),
    }
}

async fn seats_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<PageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "seats");
    chrome.saved_notice(params.saved.as_deref());
    let (seats, runs) = match (
        google::seats(&state.store).await,
        google::sync_runs(&state.store, None, 50).await,
    ) {
        (Ok(s), Ok(r)) => (s, r),
        (Err(e), _) | (_, Err(e)) => return error_page(&user, "seats", e.into()),
    };
    let (keys, key_error) = match google::accounts(&state.config.google, &state.config.data_dir) {
        Ok(accounts) => (accounts.iter().map(google::Account::info).collect(), None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let mut table = Table::new(
        "seats-table",
        "Seats",
        vec![
            Column::text("Seat"),
            Column::text("Name"),
            Column::text("Bidder"),
            Column::number("Creatives here"),
            Column::number("Active at Google"),
            Column::text("Last sync"),
            Column::text("Problem"),
            Column::actions(""),
        ],
    );
    for s in &seats {
        let action = if chrome.can_edit && s.key_email.is_some() {
            format!(
                "<button type=\"button\" class=\"button button-small\" data-post=\"/seats/{}/sync\">Sync now</button>",
                escape(&s.buyer_id)
            )
        } else if s.key_email.is_none() {
            "<span class=\"muted small\">from an import; discover to sync</span>".into()
        } else {
            String::new()
        };
        table.keyed_row(
            s.buyer_id.clone(),
            vec![
                Cell::link(&format!("/app/creatives?seat={}", escape(&s.buyer_id)), &s.buyer_id),
                Cell::text(s.display_name.as_deref().unwrap_or("—")),
                Cell::text(s.bidder_account_id.as_deref().unwrap_or("—")),
                Cell::count(s.creative_count),
                s.active_creative_count.map_or_else(Cell::dash, Cell::count),
                Cell::text(s.last_sync.map_or_else(|| "never".into(), format::timestamp)),
                Cell::text(s.last_sync_error.as_deref().unwrap_or("")),
                Cell::markup(action, ""),
            ],
        );
    }
    let mut history = Table::new(
        "sync-runs",
        "Syncs",
        vec![
            Column::text("Started"),
            Column::text("Seat"),
            Column::text("By"),
            Column::text("Status"),
            Column::number("Pages"),
            Column::number("Creatives"),
            Column::number("New"),
            Column::number("Changed"),
            Column::number("Unchanged"),
            Column::number("Refused"),
            Column::text("Took"),
            Column::text("Error"),
        ],
    );
    for r in &runs {
        let status = match (r.status.as_str(), r.resumed_from) {
            ("failed", _) if r.resumable => "failed (the next sync resumes here)".to_string(),
            (s, Some(from)) => format!("{s} (resumed #{from})"),
            (s, None) => s.to_string(),
        };
        history.row(vec![
            Cell::text(format::timestamp(r.started_at)),
            Cell::text(&r.buyer_id),
            Cell::text(&r.actor),
            Cell::text(status),
            Cell::count(r.pages),
            Cell::count(r.creatives),
            Cell::count(r.inserted),
            Cell::count(r.updated),
            Cell::count(r.unchanged),
            Cell::count(r.rejected),
            Cell::text(duration(r)),
            Cell::text(r.error.as_deref().unwrap_or("")),
        ]);
    }
    let hours = state.config.google.sync_interval_hours;
    render(&SeatsPage {
        keys,
        key_error,
        seats: if table.is_empty() {
            String::new()
        } else {
            table.render()
        },
        syncs: if history.is_empty() {
            String::new()
        } else {
            history.render()
        },
        api_url: state.config.google.api_url.clone(),
        schedule: if hours == 0 {
            "Scheduled syncs are off (RTBCAT_SYNC_INTERVAL_HOURS=0).".into()
        } else {
            format!("rtbcat serve syncs every seat every {hours} hours (RTBCAT_SYNC_INTERVAL_HOURS).")
        },
        chrome,
    })
}
