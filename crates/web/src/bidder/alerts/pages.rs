//! The Alerts page: rules with what is firing, a form for a new rule, the delivery log.

use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_core::bidder::alerts::AlertKind;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/alerts", get(alerts_page))
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    rules: String,
    deliveries: String,
    kinds: Vec<(&'static str, &'static str)>,
    smtp_configured: bool,
    interval: u64,
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    saved: Option<String>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "cpc_spike" => "CPC spike",
        "spend_drop" => "Spend drop",
        "new_opportunity" => "New opportunity",
        "waste_jump" => "Waste jump",
        _ => "Alert",
    }
}

async fn alerts_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<PageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "alerts");
    chrome.saved_notice(params.saved.as_deref());
    let (rules, deliveries) = match (
        rtbcat_app::bidder::alerts::rules(&state.store).await,
        rtbcat_app::bidder::alerts::deliveries(&state.store, 100).await,
    ) {
        (Ok(r), Ok(d)) => (r, d),
        (Err(e), _) | (_, Err(e)) => return error_page(&user, "alerts", e.into()),
    };
    let mut table = Table::new(
        "alert-rules",
        "Rules",
        vec![
            Column::text("Rule"),
            Column::text("When"),
            Column::text("Sends to"),
            Column::text("Firing now"),
            Column::actions(""),
        ],
    );
    for r in &rules {
        let when = match r.kind.as_str() {
            "cpc_spike" => format!("CPC up more than {:.0}% on the week", r.threshold * 100.0),
            "spend_drop" => format!(
                "spend down more than {:.0}% on the week's daily average",
                r.threshold * 100.0
            ),
            "waste_jump" => format!("waste share up more than {:.0} points on the week", r.threshold * 100.0),
            _ => "an opportunity appears".into(),
        };
        let targets = [r.webhook_url.as_deref(), r.email.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let delete = if chrome.can_edit {
            format!(
                "<button type=\"button\" class=\"button button-small\" data-delete=\"/alerts/rules/{}/delete\" data-confirm=\"Delete the rule {}?\" data-redirect=\"/app/alerts\">Delete</button>",
                r.id,
                escape(&r.name)
            )
        } else {
            String::new()
        };
        table.row(vec![
            Cell::text(format!("{} ({})", r.name, kind_label(&r.kind))),
            Cell::text(when),
            Cell::text(if targets.is_empty() {
                "the log only".into()
            } else {
                targets
            }),
            Cell::text(if r.active.is_empty() {
                "—".into()
            } else {
                r.active.join(" · ")
            }),
            Cell::markup(delete, ""),
        ]);
    }
    let mut log = Table::new(
        "alert-deliveries",
        "Deliveries",
        vec![
            Column::text("When"),
            Column::text("Event"),
            Column::text("Message"),
            Column::text("Channel"),
            Column::text("Status"),
            Column::number("Attempts"),
        ],
    );
    for d in &deliveries {
        log.row(vec![
            Cell::text(format::timestamp(d.at)),
            Cell::text(&d.event),
            Cell::text(&d.message),
            Cell::text(&d.channel),
            Cell::text(match &d.error {
                Some(e) => format!("{} — {e}", d.status),
                None => d.status.clone(),
            }),
            Cell::count(d.attempts),
        ]);
    }
    render(&AlertsPage {
        rules: if table.is_empty() {
            String::new()
        } else {
            table.render()
        },
        deliveries: if log.is_empty() {
            String::new()
        } else {
            log.exportable("alert-deliveries.csv").render()
        },
        kinds: AlertKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(k.as_str())))
            .collect(),
        smtp_configured: state.config.smtp_url.is_some(),
        interval: state.config.alert_interval_minutes,
        chrome,
    })
}
