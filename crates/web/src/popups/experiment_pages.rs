//! The Experiments pages: the list with a form for a new A/B test (control against an offer
//! or a variant of it), and one experiment with its numbers, intervals, comparisons with
//! control, the sample-ratio check and what is still missing before a verdict.

use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_core::popups::experiments::Estimate;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/experiments", get(experiments_page))
        .route("/app/experiments/{id}", get(experiment_page))
}

#[derive(Template)]
#[template(path = "experiments.html")]
struct ExperimentsPage {
    chrome: Chrome,
    table: String,
    properties: Vec<(i64, String)>,
    offers: Vec<(i64, String)>,
    /// Per property: name, mode line, the learned split as a table, and the switch's body.
    rotations: Vec<(String, String, String, i64, String)>,
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    saved: Option<String>,
}

async fn experiments_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<PageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "experiments");
    chrome.saved_notice(params.saved.as_deref());
    let (list, properties, offers) = match (
        rtbcat_app::popups::experiments::list(&state.store).await,
        rtbcat_app::popups::properties::list(&state.store).await,
        rtbcat_app::popups::offers::list(&state.store).await,
    ) {
        (Ok(l), Ok(p), Ok(o)) => (l, p, o),
        (Err(e), _, _) => return error_page(&user, "experiments", e.into()),
        (_, Err(e), _) | (_, _, Err(e)) => return error_page(&user, "experiments", e.into()),
    };
    let property_name = |id: i64| {
        properties
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    };
    let mut table = Table::new(
        "experiments-table",
        "Experiments",
        vec![
            Column::text("Experiment"),
            Column::text("Property"),
            Column::text("Placement"),
            Column::text("Status"),
            Column::text("Arms"),
        ],
    );
    for e in &list {
        table.keyed_row(
            e.id.to_string(),
            vec![
                Cell::link(&format!("/app/experiments/{}", e.id), &e.name),
                Cell::text(property_name(e.property_id)),
                Cell::text(&e.placement),
                Cell::text(&e.status),
                Cell::text(e.arms.iter().map(|a| a.label.clone()).collect::<Vec<_>>().join(" vs ")),
            ],
        );
    }
    let offer_name = |id: i64| {
        offers
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let today = state.clock.now().date();
    let mut rotations = Vec::new();
    for p in &properties {
        let Ok(r) = rtbcat_app::popups::experiments::rotation(&state.store, p.id, today).await else {
            continue;
        };
        let mut split = Table::new(
            &format!("rotation-{}", p.id),
            "Learned split",
            vec![
                Column::text("Offer"),
                Column::number("Share"),
                Column::number("Chance best"),
                Column::number("RPM"),
                Column::text("Why"),
            ],
        );
        for a in &r.allocation {
            split.row(vec![
                Cell::text(offer_name(a.offer_id)),
                Cell::percent(Some(a.share), 1),
                Cell::percent(Some(a.probability_best), 0),
                Cell::number(format!("${:.2}", a.rpm), a.rpm),
                Cell::text(&a.reason),
            ]);
        }
        let (line, switch) = if r.mode == "learning" {
            (
                format!("Learning: Thompson sampling on revenue per impression, floor {:.0}%, burn-in {} impressions per offer.", r.floor * 100.0, r.burn_in),
                serde_json::json!({"mode": "priority"}).to_string(),
            )
        } else {
            (
                "Priority: offers are drawn by their priority. The split below is what learning would use now."
                    .to_string(),
                serde_json::json!({"mode": "learning", "floor": r.floor, "burn_in": r.burn_in}).to_string(),
            )
        };
        rotations.push((
            p.name.clone(),
            line,
            if split.is_empty() {
                String::new()
            } else {
                split.render()
            },
            p.id,
            switch,
        ));
    }
    render(&ExperimentsPage {
        rotations,
        table: if table.is_empty() {
            String::new()
        } else {
            table.render()
        },
        properties: properties.iter().map(|p| (p.id, p.name.clone())).collect(),
        offers: offers.iter().map(|o| (o.id, o.name.clone())).collect(),
        chrome,
    })
}

#[derive(Template)]
#[template(path = "experiment.html")]
struct ExperimentPage {
    chrome: Chrome,
    id: i64,
    name: String,
    status: String,
    summary: String,
    arms: String,
    comparisons: String,
    waiting_for: Vec<String>,
    mismatch: Option<String>,
    /// (label, the stop request's body).
    winners: Vec<(String, String)>,
}

fn interval(e: &Option<Estimate>, percent: bool) -> Cell {
    match e {
        Some(e) if percent => Cell::number(
            format!("{:.2}% ({:.2}–{:.2})", e.value * 100.0, e.low * 100.0, e.high * 100.0),
            e.value,
        ),
        Some(e) => Cell::number(format!("${:.2} (${:.2}–${:.2})", e.value, e.low, e.high), e.value),
        None => Cell::dash(),
    }
}

async fn experiment_page(State(state): State<AppState>, PageUser(user): PageUser, Path(id): Path<i64>) -> Response {
    let chrome = Chrome::new(&user, "experiments");
    let e = match rtbcat_app::popups::experiments::get(&state.store, id, state.clock.unix()).await {
        Ok(e) => e,
        Err(err) => return error_page(&user, "experiments", err.into()),
    };
    let Some(results) = &e.results else {
        return error_page(&user, "experiments", crate::error::ApiError::not_found("results"));
    };
    let mut arms = Table::new(
        "arms-table",
        "Arms",
        vec![
            Column::text("Arm"),
            Column::number("Weight"),
            Column::number("Impressions"),
            Column::number("Clicks"),
            Column::number("CTR (95%)"),
            Column::number("Conversions"),
            Column::number("Conversion rate"),
            Column::number("Revenue"),
            Column::number("RPM (95%)"),
        ],
    );
    let mut comparisons = Table::new(
        "comparisons-table",
        "Against control",
        vec![
            Column::text("Arm"),
            Column::text("Metric"),
            Column::number("Difference (always-valid 95%)"),
            Column::number("Lift"),
            Column::number("Chance to beat control"),
            Column::number("p (fixed horizon)"),
            Column::text("Verdict"),
        ],
    );
    for (arm, r) in e.arms.iter().zip(&results.arms) {
        let label = if arm.control {
            format!("{} (control)", arm.label)
        } else {
            arm.label.clone()
        };
        arms.row(vec![
            Cell::text(&label),
            Cell::count(arm.weight),
            Cell::count(r.impressions),
            Cell::count(r.clicks),
            interval(&r.ctr, true),
            Cell::count(r.conversions),
            interval(&r.conversion_rate, true),
            Cell::money(r.revenue_micros),
            interval(&r.rpm, false),
        ]);
        for c in &r.versus_control {
            let scale = if c.metric == "rpm" { 1.0 } else { 100.0 };
            let unit = if c.metric == "rpm" { " $" } else { " pts" };
            comparisons.row(vec![
                Cell::text(&arm.label),
                Cell::text(c.metric.replace('_', " ")),
                Cell::number(
                    format!(
                        "{:+.3}{unit} ({:+.3} to {:+.3})",
                        c.difference.value * scale,
                        c.difference.low * scale,
                        c.difference.high * scale
                    ),
                    c.difference.value,
                ),
                c.lift
                    .map_or_else(Cell::dash, |l| Cell::number(format!("{:+.1}%", l * 100.0), l)),
                Cell::number(format!("{:.1}%", c.chance_to_beat * 100.0), c.chance_to_beat),
                c.p_value
                    .map_or_else(Cell::dash, |p| Cell::number(format!("{p:.4}"), p)),
                Cell::text(match (c.significant, results.ready, c.difference.value > 0.0) {
                    (true, true, true) => "better than control",
                    (true, true, false) => "worse than control",
                    (true, false, _) => "looks different; wait for the minimums",
                    (false, _, _) => "no clear difference yet",
                }),
            ]);
        }
    }
    let mismatch = results.sample_ratio.as_ref().filter(|s| s.mismatch).map(|s| {
        format!(
            "Sample-ratio mismatch (p = {:.2e}): the arms got {} of the impressions, configured {}. Something is filtering or redirecting one arm; do not trust these results until it is explained.",
            s.p_value,
            s.observed_shares.iter().map(|x| format!("{:.1}%", x * 100.0)).collect::<Vec<_>>().join(" / "),
            s.expected_shares.iter().map(|x| format!("{:.1}%", x * 100.0)).collect::<Vec<_>>().join(" / ")
        )
    });
    render(&ExperimentPage {
        id: e.id,
        name: e.name.clone(),
        status: e.status.clone(),
        summary: format!(
            "{} · {} · at least {} impressions per arm and {} days before a verdict",
            e.placement,
            e.status,
            format::count(e.min_impressions_per_arm),
            e.min_days
        ),
        arms: arms.render(),
        comparisons: if comparisons.is_empty() {
            String::new()
        } else {
            comparisons.render()
        },
        waiting_for: results.waiting_for.clone(),
        mismatch,
        winners: e
            .arms
            .iter()
            .map(|a| (a.label.clone(), serde_json::json!({"winner": a.label}).to_string()))
            .collect(),
        chrome,
    })
}
