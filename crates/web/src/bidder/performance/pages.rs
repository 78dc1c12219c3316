//! The Import page: one drop zone for performance reports (CSV, .gz) and creatives
//! (creatives.list JSON), upload progress, the report, the history (refreshed after each
//! import), past reports reopened by id, and a sample file to start from.

use crate::error::ApiError;
use crate::session::PageUser;
use crate::ui::format;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::performance::ImportRecord;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    chrome: Chrome,
    history: String,
}

#[derive(Template)]
#[template(path = "import_report.html")]
pub(crate) struct ImportReportPage {
    chrome: Chrome,
    record: ImportRecord,
    when: String,
    summary: Vec<(&'static str, String)>,
    errors: String,
}

#[derive(Deserialize)]
pub(crate) struct ImportPageParams {
    partial: Option<String>,
}

/// How many past imports the history shows (and a report can be reopened from).
const HISTORY: i64 = 200;

fn history_table(history: &[ImportRecord]) -> String {
    if history.is_empty() {
        return "<div class=\"empty-state\"><p>No imports yet. Drop a report above, or start from the <a href=\"/app/import/sample.csv\" download>sample file</a>.</p></div>".into();
    }
    let mut table = Table::new(
        "import-history",
        "Import history",
        vec![
            Column::text("When (UTC)"),
            Column::text("File"),
            Column::text("Kind"),
            Column::text("Result"),
            Column::number("Rows"),
            Column::number("New"),
            Column::number("Replaced"),
            Column::number("Skipped"),
            Column::number("Warnings"),
            Column::number("Time (s)"),
            Column::text("By"),
        ],
    );
    for h in history {
        let result_class = match h.status.as_str() {
            "done" => "ok",
            "rejected" => "warn",
            _ => "bad",
        };
        table.keyed_row(
            h.id.to_string(),
            vec![
                Cell::link(&format!("/app/import/{}", h.id), format::timestamp(h.started_at)),
                Cell::text(&h.file_name),
                Cell::text(h.kind.replace('_', " ")),
                Cell::markup(
                    format!(
                        "<span class=\"badge badge-{result_class}\">{}</span>",
                        escape(&h.status)
                    ),
                    h.status.clone(),
                ),
                Cell::count(h.rows_read),
                Cell::count(h.imported),
                Cell::count(h.updated),
                Cell::count(h.skipped),
                Cell::count(h.warnings),
                Cell::number(
                    format!("{:.1}", h.duration_ms as f64 / 1000.0),
                    h.duration_ms as f64 / 1000.0,
                ),
                Cell::text(&h.actor),
            ],
        );
    }
    table.exportable("imports.csv").render()
}

/// Upload a report (drag and drop, upload progress, the report) and the import history.
pub(crate) async fn import_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<ImportPageParams>,
) -> Response {
    let history = match rtbcat_app::bidder::performance::recent_imports(&state.store, HISTORY).await {
        Ok(h) => h,
        Err(err) => return error_page(&user, "import", err.into()),
    };
    let history = history_table(&history);
    if params.partial.as_deref() == Some("history") {
        return Html(history).into_response();
    }
    let mut chrome = Chrome::new(&user, "import");
    if !chrome.can_edit {
        chrome.error(format!(
            "Your role ({}) can look at imports but not run them; ask an editor or an admin.",
            chrome.user_role
        ));
    }
    render(&ImportPage { chrome, history })
}

/// One past import, reopened: what was read, what was kept, the first errors by line.
pub(crate) async fn import_report_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> Response {
    let history = match rtbcat_app::bidder::performance::recent_imports(&state.store, HISTORY).await {
        Ok(h) => h,
        Err(err) => return error_page(&user, "import", err.into()),
    };
    let Some(record) = history.into_iter().find(|h| h.id == id) else {
        return error_page(
            &user,
            "import",
            ApiError::not_found(format!(
                "there is no import {id} among the last {HISTORY}; see the history on the Import page"
            )),
        );
    };
    let mut errors = Table::new(
        "import-errors",
        "Errors",
        vec![Column::number("Line"), Column::text("Column"), Column::text("Reason")],
    );
    for e in record.first_errors.as_array().into_iter().flatten() {
        let line = e.get("line").and_then(|v| v.as_i64()).unwrap_or(0);
        errors.row(vec![
            Cell::count(line),
            Cell::text(e.get("column").and_then(|v| v.as_str()).unwrap_or("")),
            Cell::text(e.get("reason").and_then(|v| v.as_str()).unwrap_or("")),
        ]);
    }
    let summary = vec![
        ("Kind", record.kind.replace('_', " ")),
        ("Result", record.status.clone()),
        ("Size", format!("{} bytes", format::count(record.size_bytes))),
        ("Rows read", format::count(record.rows_read)),
        ("Imported (new)", format::count(record.imported)),
        ("Replaced", format::count(record.updated)),
        ("Skipped", format::count(record.skipped)),
        ("Warnings", format::count(record.warnings)),
        ("Time", format!("{:.2} s", record.duration_ms as f64 / 1000.0)),
        ("By", record.actor.clone()),
        ("SHA-256", record.sha256.clone()),
    ];
    render(&ImportReportPage {
        chrome: Chrome::new(&user, "import"),
        when: format::timestamp(record.started_at),
        summary,
        errors: if errors.is_empty() {
            String::new()
        } else {
            errors.exportable(&format!("import-{id}-errors.csv")).render()
        },
        record,
    })
}

/// A small report in the seed's CSV layout, to see what a good file looks like.
const SAMPLE_CSV: &str = "creative_id,date,impressions,clicks,spend,geography,device_type
cr-banner-300x250,2026-11-01,12840,96,18.42,BR,mobile
cr-banner-300x250,2026-11-01,4210,21,6.10,US,desktop
cr-video-16x9,2026-11-01,3120,12,22.75,BR,ctv
cr-banner-300x250,2026-11-02,13105,101,19.03,BR,mobile
cr-video-16x9,2026-11-02,2980,9,21.40,MX,mobile
";

pub(crate) async fn sample_csv(_user: PageUser) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rtbcat-sample.csv\"",
            ),
        ],
        SAMPLE_CSV,
    )
        .into_response()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/import", get(import_page))
        .route("/app/import/sample.csv", get(sample_csv))
        .route("/app/import/{id}", get(import_report_page))
}
