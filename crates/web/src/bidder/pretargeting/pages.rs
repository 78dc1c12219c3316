//! The Pretargeting page: each config's targeting next to the waste it could act on (with a
//! proposal one click away), a form for a change by hand, proposals with their dry-run diff
//! and QPS effect (admins apply, with a confirmation), and snapshots to roll back to.

use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::pretargeting::{self as pretargeting, ConfigView, ProposalView};

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/pretargeting", get(pretargeting_page))
}

struct ConfigPanel {
    name: String,
    title: String,
    facts: Vec<(&'static str, String)>,
    waste: String,
}

#[derive(Template)]
#[template(path = "pretargeting.html")]
struct PretargetingPage {
    chrome: Chrome,
    configs: Vec<ConfigPanel>,
    config_names: Vec<String>,
    proposals: String,
    snapshots: String,
    auto_rollback: bool,
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    saved: Option<String>,
}

fn or_all(values: &[String], all: &str) -> String {
    if values.is_empty() {
        all.to_string()
    } else {
        values.join(", ")
    }
}

fn panel(c: &ConfigView, can_edit: bool) -> ConfigPanel {
    let mut waste = Table::new(
        &format!("waste-{}", c.config_id),
        "Waste it could act on",
        vec![
            Column::text("Recommendation"),
            Column::number("Wasted QPS"),
            Column::text("Change"),
            Column::actions(""),
        ],
    );
    for w in &c.waste {
        let change = format!("{} {} {}", w.change.action, w.change.field, w.change.values.join(", "));
        let action = match (&w.refused, can_edit) {
            (Some(reason), _) => format!("<span class=\"muted small\">{}</span>", escape(reason)),
            (None, true) => {
                let body =
                    serde_json::json!({"config": c.name, "changes": [w.change], "source": "waste", "note": w.title});
                format!(
                    "<button type=\"button\" class=\"button button-small\" data-post=\"/pretargeting/proposals\" data-body=\"{}\">Propose</button>",
                    escape(&body.to_string())
                )
            }
            (None, false) => String::new(),
        };
        waste.row(vec![
            Cell::text(&w.title),
            Cell::number(format!("{:.1}", w.wasted_qps), w.wasted_qps),
            Cell::code(change),
            Cell::markup(action, ""),
        ]);
    }
    ConfigPanel {
        name: c.name.clone(),
        title: format!(
            "{} ({})",
            c.display_name.as_deref().unwrap_or("Unnamed config"),
            c.config_id
        ),
        facts: vec![
            ("State", c.state.clone().unwrap_or_else(|| "—".into())),
            ("Billing ID", c.billing_id.clone().unwrap_or_else(|| "—".into())),
            ("QPS limit", c.maximum_qps.clone().unwrap_or_else(|| "none".into())),
            ("Sizes", or_all(&c.sizes, "every size")),
            ("Geos included", or_all(&c.included_geo_ids, "every geo")),
            ("Geos excluded", or_all(&c.excluded_geo_ids, "none")),
            ("Formats", or_all(&c.formats, "every format")),
            ("Platforms", or_all(&c.platforms, "every platform")),
            ("Environments", or_all(&c.environments, "app and web")),
            (
                "Publishers",
                if c.publishers.is_empty() {
                    "every publisher".into()
                } else {
                    c.publishers.clone()
                },
            ),
            (
                "Sites",
                if c.sites.is_empty() {
                    "every site".into()
                } else {
                    c.sites.clone()
                },
            ),
            (
                "Apps",
                if c.apps.is_empty() {
                    "every app".into()
                } else {
                    c.apps.clone()
                },
            ),
            (
                "Read",
                format!("{} (snapshot {})", format::timestamp(c.taken_at), c.snapshot_id),
            ),
        ],
        waste: if waste.is_empty() {
            String::new()
        } else {
            waste.render()
        },
    }
}

fn diff_text(p: &ProposalView) -> String {
    if let Some(e) = &p.dry_run_error {
        return format!("<span class=\"text-error\">{}</span>", escape(e));
    }
    let mut lines: Vec<String> = p
        .diff
        .iter()
        .map(|d| {
            let mut parts = Vec::new();
            if !d.removed.is_empty() {
                parts.push(format!("−{}", d.removed.join(", −")));
            }
            if !d.added.is_empty() {
                parts.push(format!("+{}", d.added.join(", +")));
            }
            if parts.is_empty() {
                parts.push(format!("{} → {}", d.before, d.after));
            }
            format!(
                "<code>{}</code>: {}{}",
                escape(&d.path),
                escape(&parts.join(" ")),
                if d.widens { " <strong>(widens)</strong>" } else { "" }
            )
        })
        .collect();
    for w in &p.warnings {
        lines.push(format!("<span class=\"muted\">{}</span>", escape(w)));
    }
    lines.join("<br>")
}

async fn pretargeting_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<PageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "pretargeting");
    chrome.saved_notice(params.saved.as_deref());
    let today = state.clock.now().date();
    let (configs, proposals, snapshots) = match (
        pretargeting::configs(&state.store, today).await,
        pretargeting::proposals(&state.store, 50, today).await,
        pretargeting::snapshots(&state.store, None, 50).await,
    ) {
        (Ok(c), Ok(p), Ok(s)) => (c, p, s),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return error_page(&user, "pretargeting", crate::error::ApiError::from(e))
        }
    };
    let mut table = Table::new(
        "proposals-table",
        "Proposals",
        vec![
            Column::number("#"),
            Column::text("Config"),
            Column::text("Status"),
            Column::text("Dry run"),
            Column::number("QPS effect"),
            Column::text("By"),
            Column::actions(""),
        ],
    );
    for p in &proposals {
        let effect = p.qps_effect.as_ref().map_or_else(Cell::dash, |e| {
            Cell::number(
                format!(
                    "{:+.1} of {:.1}{}",
                    e.qps_change,
                    e.total_qps,
                    if e.unknown.is_empty() {
                        String::new()
                    } else {
                        format!(" ({} unknown)", e.unknown.len())
                    }
                ),
                e.qps_change,
            )
        });
        let mut status = p.status.clone();
        if let Some(g) = &p.guard {
            status.push_str(&format!(
                " · guard {} ({} → {} QPS)",
                g.status, g.qps_before, g.qps_after
            ));
        }
        if let Some(e) = &p.error {
            status.push_str(&format!(" · {e}"));
        }
        let action = if chrome.is_admin && p.status == "proposed" && p.dry_run_error.is_none() {
            format!(
                "<button type=\"button\" class=\"button button-small button-primary\" data-post=\"/pretargeting/proposals/{}/apply\" data-body='{{\"approve\":true}}' data-confirm=\"Apply this change to {} at Google now? It may cut QPS. A snapshot is taken first and you can roll back.\">Apply</button>",
                p.id,
                escape(&p.config_name)
            )
        } else {
            String::new()
        };
        table.keyed_row(
            p.id.to_string(),
            vec![
                Cell::count(p.id),
                Cell::code(&p.config_name),
                Cell::text(status),
                Cell::markup(diff_text(p), ""),
                effect,
                Cell::text(format!("{} ({})", p.created_by, p.source)),
                Cell::markup(action, ""),
            ],
        );
    }
    let mut history = Table::new(
        "snapshots-table",
        "Snapshots",
        vec![
            Column::number("#"),
            Column::text("Config"),
            Column::text("Why"),
            Column::text("By"),
            Column::text("When"),
            Column::actions(""),
        ],
    );
    for s in &snapshots {
        let action = if chrome.is_admin {
            format!(
                "<button type=\"button\" class=\"button button-small\" data-post=\"/pretargeting/snapshots/{}/rollback\" data-body='{{\"approve\":true}}' data-confirm=\"Put {} back as snapshot {} has it, at Google, now?\">Roll back to this</button>",
                s.id,
                escape(&s.config_name),
                s.id
            )
        } else {
            String::new()
        };
        history.row(vec![
            Cell::count(s.id),
            Cell::code(&s.config_name),
            Cell::text(s.reason.replace('_', " ")),
            Cell::text(&s.actor),
            Cell::text(format::timestamp(s.taken_at)),
            Cell::markup(action, ""),
        ]);
    }
    let can_edit = chrome.can_edit;
    render(&PretargetingPage {
        config_names: configs.iter().map(|c| c.name.clone()).collect(),
        configs: configs.iter().map(|c| panel(c, can_edit)).collect(),
        proposals: if table.is_empty() {
            String::new()
        } else {
            table.render()
        },
        snapshots: if history.is_empty() {
            String::new()
        } else {
            history.render()
        },
        auto_rollback: state.config.google.auto_rollback,
        chrome,
    })
}
