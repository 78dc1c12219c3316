//! The platform's pages: getting started, users and roles, API tokens, the audit log,
//! settings (server configuration, affiliate networks), and the page for unknown
//! addresses under `/app/`. Forms post JSON to the documented API (app.js).

use crate::error::ApiError;
use crate::session::PageUser;
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_core::platform::accounts::Role;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app", get(start_page))
        .route("/app/welcome", get(welcome_page))
        .route("/app/users", get(users_page))
        .route("/app/tokens", get(tokens_page))
        .route("/app/audit", get(audit_page))
        .route("/app/settings", get(settings_page))
        .route("/app/{*rest}", get(unknown_page))
}

#[derive(Deserialize)]
struct SavedParams {
    saved: Option<String>,
}

/// The start page: Waste once traffic was imported (what users open every morning), the
/// catalog before.
async fn start_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    match rtbcat_app::bidder::waste::has_traffic(&state.store).await {
        Ok(true) => axum::response::Redirect::to("/app/waste").into_response(),
        Ok(false) => axum::response::Redirect::to("/app/creatives").into_response(),
        Err(e) => error_page(&user, "", e.into()),
    }
}

/// One step of getting started: done or not, and where to do it.
struct Step {
    title: &'static str,
    detail: &'static str,
    href: &'static str,
    action: &'static str,
    done: bool,
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    chrome: Chrome,
    steps: Vec<Step>,
    done: usize,
}

async fn welcome_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let stats = rtbcat_app::bidder::catalog::stats(&state.store).await;
    let imports = rtbcat_app::bidder::performance::recent_imports(&state.store, 1).await;
    let properties = rtbcat_app::popups::properties::list(&state.store).await;
    let offers = rtbcat_app::popups::offers::list(&state.store).await;
    let tokens = rtbcat_app::platform::accounts::list_api_tokens(&state.store, Some(user.id)).await;
    let users = rtbcat_app::platform::accounts::list_users(&state.store).await;
    let (stats, imports, properties, offers) = match (stats, imports, properties, offers) {
        (Ok(s), Ok(i), Ok(p), Ok(o)) => (s, i, p, o),
        (Err(e), ..) | (_, Err(e), ..) => return error_page(&user, "welcome", e.into()),
        (.., Err(e), _) | (.., Err(e)) => return error_page(&user, "welcome", e.into()),
    };
    let steps = vec![
        Step {
            title: "Load your creatives",
            detail: "Upload a creatives.list JSON export from the Real-time Bidding API (or run rtbcat demo on the server to explore with demo data).",
            href: "/app/import",
            action: "Import creatives",
            done: stats.creatives > 0,
        },
        Step {
            title: "Import performance",
            detail: "Drop an Authorized Buyers report or your bidder's CSV: spend, clicks and impressions by creative and day.",
            href: "/app/import",
            action: "Import a report",
            done: !imports.is_empty() || stats.performance.fact_rows > 0,
        },
        Step {
            title: "Add a property",
            detail: "A site the offer popup runs on: a code, a name and its domains.",
            href: "/app/properties#add-property",
            action: "Add a property",
            done: !properties.is_empty(),
        },
        Step {
            title: "Add an offer",
            detail: "Paste the network's click, pixel and image URLs, write the popup text, choose properties.",
            href: "/app/offers/new",
            action: "Add an offer",
            done: !offers.is_empty(),
        },
        Step {
            title: "Paste the snippet",
            detail: "Each property's page has its two-line snippet and a playground to see the popup live.",
            href: "/app/properties",
            action: "Open properties",
            done: properties.iter().any(|p| p.active && p.popup_enabled) && offers.iter().any(|o| o.active),
        },
        Step {
            title: "Create an API token",
            detail: "For scripts and your bidder: read-only (viewer) tokens are enough for reports.",
            href: "/app/tokens",
            action: "Create a token",
            done: tokens.map(|t| !t.is_empty()).unwrap_or(false),
        },
        Step {
            title: "Invite your team",
            detail: "Editors change offers and import data; viewers only look.",
            href: "/app/users",
            action: "Add users",
            done: users.map(|u| u.len() > 1).unwrap_or(false),
        },
    ];
    let done = steps.iter().filter(|s| s.done).count();
    render(&WelcomePage {
        chrome: Chrome::new(&user, "welcome"),
        steps,
        done,
    })
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    table: String,
    users: Vec<(i64, String)>,
}

async fn users_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    if !user.role.allows(Role::Admin) {
        return error_page(&user, "users", ApiError::forbidden("admin"));
    }
    let users = match rtbcat_app::platform::accounts::list_users(&state.store).await {
        Ok(u) => u,
        Err(e) => return error_page(&user, "users", e.into()),
    };
    let mut chrome = Chrome::new(&user, "users");
    chrome.saved_notice(params.saved.as_deref());
    let mut table = Table::new(
        "users-table",
        "Users",
        vec![
            Column::text("Email"),
            Column::text("Role"),
            Column::text("Status"),
            Column::text("Since (UTC)"),
            Column::actions("Change"),
        ],
    );
    for u in &users {
        let role_select = ["admin", "editor", "viewer"]
            .iter()
            .map(|r| {
                format!(
                    "<option value=\"{r}\"{}>{r}</option>",
                    if u.role.as_str() == *r { " selected" } else { "" }
                )
            })
            .collect::<String>();
        let toggle = if u.disabled {
            format!("<button type=\"button\" class=\"button button-small\" data-patch=\"/api/users/{}\" data-body='{{\"disabled\":false}}'>Enable</button>", u.id)
        } else {
            format!("<button type=\"button\" class=\"button button-small button-danger\" data-patch=\"/api/users/{}\" data-body='{{\"disabled\":true}}' data-confirm=\"Disable {}? Their sessions end and their tokens stop working.\">Disable</button>", u.id, escape(&u.email))
        };
        table.keyed_row(
            u.id.to_string(),
            vec![
                Cell::text(&u.email),
                Cell::markup(
                    format!(
                        "<select aria-label=\"Role of {}\" data-role-of=\"{}\">{role_select}</select>",
                        escape(&u.email),
                        u.id
                    ),
                    u.role.as_str(),
                ),
                Cell::markup(
                    if u.disabled {
                        "<span class=\"badge badge-muted\">disabled</span>".into()
                    } else {
                        "<span class=\"badge badge-ok\">active</span>".into()
                    },
                    if u.disabled { "disabled" } else { "active" },
                ),
                Cell::text(format::timestamp(u.created_at)),
                Cell::markup(format!("<span class=\"row-actions\">{toggle}</span>"), ""),
            ],
        );
    }
    render(&UsersPage {
        chrome,
        table: table.render(),
        users: users.iter().map(|u| (u.id, u.email.clone())).collect(),
    })
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    table: String,
    empty: bool,
}

async fn tokens_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let owner = (!user.role.allows(Role::Admin)).then_some(user.id);
    let tokens = match rtbcat_app::platform::accounts::list_api_tokens(&state.store, owner).await {
        Ok(t) => t,
        Err(e) => return error_page(&user, "tokens", e.into()),
    };
    let now = state.clock.unix();
    let mut table = Table::new(
        "tokens-table",
        "API tokens",
        vec![
            Column::text("Label"),
            Column::text("Owner"),
            Column::text("Acts as"),
            Column::text("Created (UTC)"),
            Column::text("Expires"),
            Column::text("Last used"),
            Column::actions(""),
        ],
    );
    for t in &tokens {
        let expired = t.expires_at.is_some_and(|e| e <= now);
        table.keyed_row(
            t.id.to_string(),
            vec![
                Cell::text(if t.label.is_empty() { "(no label)" } else { &t.label }),
                Cell::text(&t.user_email),
                Cell::text(t.scope.map_or("owner's role", |r| r.as_str())),
                Cell::text(format::timestamp(t.created_at)),
                Cell::text(match t.expires_at {
                    None => "never".into(),
                    Some(e) if expired => format!("expired {}", format::timestamp(e)),
                    Some(e) => format::timestamp(e),
                }),
                Cell::text(t.last_used_at.map_or_else(|| "never".into(), format::timestamp)),
                Cell::markup(
                    format!(
                        "<button type=\"button\" class=\"button button-small button-danger\" data-delete=\"/api/tokens/{}\" data-method=\"DELETE\" data-confirm=\"Revoke this token? Scripts using it stop working at once.\">Revoke</button>",
                        t.id
                    ),
                    "",
                ),
            ],
        );
    }
    render(&TokensPage {
        chrome: Chrome::new(&user, "tokens"),
        empty: table.is_empty(),
        table: table.render(),
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    table: String,
}

const AUDIT_LINES: i64 = 500;

async fn audit_page(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    if !user.role.allows(Role::Admin) {
        return error_page(&user, "audit", ApiError::forbidden("admin"));
    }
    let entries = match rtbcat_app::platform::audit::recent(&state.store, AUDIT_LINES).await {
        Ok(e) => e,
        Err(e) => return error_page(&user, "audit", e.into()),
    };
    let mut table = Table::new(
        "audit-table",
        "Audit log",
        vec![
            Column::text("When (UTC)"),
            Column::text("Who"),
            Column::text("Action"),
            Column::text("Subject"),
            Column::text("Details"),
        ],
    );
    for e in &entries {
        table.row(vec![
            Cell::text(format::timestamp(e.at)),
            Cell::text(&e.actor),
            Cell::text(&e.action),
            Cell::text(e.subject.as_deref().unwrap_or("")),
            Cell::code(if e.details.is_null() {
                String::new()
            } else {
                e.details.to_string()
            }),
        ]);
    }
    render(&AuditPage {
        chrome: Chrome::new(&user, "audit"),
        table: if table.is_empty() {
            "<div class=\"empty-state\"><p>Nothing recorded yet. Sign-ins, imports and every change to offers, properties, users and tokens appear here.</p></div>".into()
        } else {
            table.exportable("audit.csv").render()
        },
    })
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    server: Vec<(&'static str, String)>,
    networks: String,
    base: String,
}

async fn settings_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<SavedParams>,
) -> Response {
    if !user.role.allows(Role::Admin) {
        return error_page(&user, "settings", ApiError::forbidden("admin"));
    }
    let networks = match rtbcat_app::popups::networks::list(&state.store).await {
        Ok(n) => n,
        Err(e) => return error_page(&user, "settings", e.into()),
    };
    let database = match rtbcat_app::platform::system::health(&state.store).await {
        Ok(info) => format!("{:?}, schema version {}", info.backend, info.schema_version),
        Err(e) => format!("unreachable: {e}"),
    };
    let config = &state.config;
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen_addr));
    let server = vec![
        ("Database", database),
        ("Data directory", config.data_dir.display().to_string()),
        (
            "Public URL",
            config
                .public_url
                .clone()
                .unwrap_or_else(|| "not set (the Host header is used)".into()),
        ),
        (
            "Secure cookies",
            if config.secure_cookies { "on (HTTPS)" } else { "off" }.into(),
        ),
        ("Session length", format!("{} hours", config.session_ttl_hours)),
        (
            "Server-wide postback secret",
            if config.postback_secret.is_some() {
                "set (hidden)"
            } else {
                "not set: /api/postback needs a network's secret or allowed addresses"
            }
            .into(),
        ),
        (
            "Server-wide postback addresses",
            if config.postback_allow_ips.is_empty() {
                "any".into()
            } else {
                config.postback_allow_ips.join(", ")
            },
        ),
        (
            "GeoIP database",
            config.geoip_database.as_ref().map_or_else(
                || format!("none: countries come from the {} header", config.country_header),
                |p| p.display().to_string(),
            ),
        ),
        (
            "Sign-in attempts per minute",
            format::count(i64::from(config.login_attempts_per_minute)),
        ),
        (
            "Tracking requests per minute per address",
            format::count(i64::from(config.tracking_requests_per_minute)),
        ),
        (
            "Postbacks per minute per address",
            format::count(i64::from(config.postback_requests_per_minute)),
        ),
        (
            "Schedules",
            "none: imports run when you upload; live Authorized Buyers sync is not set up".into(),
        ),
    ];
    let mut table = Table::new(
        "networks-table",
        "Affiliate networks",
        vec![
            Column::text("Name"),
            Column::text("Postback URL"),
            Column::text("Secret"),
            Column::text("Allowed addresses"),
            Column::text("Parameters"),
        ],
    );
    for n in &networks {
        table.keyed_row(
            n.name.clone(),
            vec![
                Cell::text(&n.name),
                Cell::code(format!(
                    "{base}/api/postback/{}?{}=…&{}=…&{}=…{}",
                    n.name,
                    n.click_id_param,
                    n.payout_param,
                    n.transaction_id_param,
                    if n.has_secret {
                        format!("&{}=…", n.secret_param)
                    } else {
                        String::new()
                    }
                )),
                Cell::text(if n.has_secret { "set" } else { "none" }),
                Cell::text(if n.allow_ips.is_empty() {
                    "any".into()
                } else {
                    n.allow_ips.join(", ")
                }),
                Cell::text(format!(
                    "{}, {}, {}, {}",
                    n.click_id_param, n.payout_param, n.transaction_id_param, n.status_param
                )),
            ],
        );
    }
    let mut chrome = Chrome::new(&user, "settings");
    chrome.saved_notice(params.saved.as_deref());
    render(&SettingsPage {
        chrome,
        server,
        networks: if table.is_empty() {
            "<p class=\"muted\">No networks yet; <code>/api/postback</code> uses the server-wide secret.</p>".into()
        } else {
            table.render()
        },
        base,
    })
}

/// Any other address under /app/: a page that says so, with the navigation.
async fn unknown_page(PageUser(user): PageUser, uri: axum::http::Uri) -> Response {
    let mut err = ApiError::not_found(format!("There is no page at {}.", uri.path()));
    err.status = StatusCode::NOT_FOUND;
    error_page(&user, "", err)
}
