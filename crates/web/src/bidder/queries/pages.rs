//! The Queries page: an editor with examples, the result as a sortable, exportable table,
//! and saved queries.

use crate::session::PageUser;
use crate::ui::table::{Cell, Column, Table};
use crate::ui::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rtbcat_app::bidder::queries::{self as queries, QueryError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/queries", get(queries_page))
}

#[derive(serde::Deserialize, Default)]
struct PageParams {
    q: Option<String>,
    days: Option<String>,
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "queries.html")]
struct QueriesPage {
    chrome: Chrome,
    text: String,
    days: i64,
    table: String,
    summary: String,
    /// The query with a caret under the character a parse error points at.
    caret: Option<String>,
    examples: Vec<(&'static str, String, &'static str)>,
    saved: Vec<(i64, String, String, String)>,
}

fn link_for(text: &str, days: i64) -> String {
    format!(
        "/app/queries?q={}&days={days}",
        url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
    )
}

async fn queries_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(params): Query<PageParams>,
) -> Response {
    let mut chrome = Chrome::new(&user, "queries");
    chrome.saved_notice(params.saved.as_deref());
    let days = match params.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => 30,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (1..=366).contains(&n) => n,
            _ => {
                chrome.error(format!("Days: {d:?} is not 1 to 366 days; using 30."));
                30
            }
        },
    };
    let text = params.q.unwrap_or_default();
    let (mut table, mut summary, mut caret) = (String::new(), String::new(), None);
    if !text.trim().is_empty() {
        match queries::run(&state.store, &text, None, days).await {
            Ok(result) => {
                let mut t = Table::new(
                    "query-result",
                    "Result",
                    std::iter::once(Column::text("Value"))
                        .chain(result.columns.iter().map(|c| Column::number(c)))
                        .collect(),
                );
                for row in &result.rows {
                    let first = match &row.label {
                        Some(label) => Cell::link(&format!("/app/campaigns/{}", row.key), label),
                        None => Cell::text(&row.key),
                    };
                    let mut cells = vec![first];
                    for (column, value) in result.columns.iter().zip(&row.values) {
                        cells.push(match value {
                            None => Cell::dash(),
                            Some(v) if column.starts_with("ctr") => Cell::percent(Some(*v), 2),
                            Some(v)
                                if column.starts_with("spend")
                                    || column.starts_with("cpc")
                                    || column.starts_with("cpm") =>
                            {
                                Cell::number(format!("${v:.2}"), *v)
                            }
                            Some(v) => Cell::number(format::count(v.round() as i64), *v),
                        });
                    }
                    t.row(cells);
                }
                summary = format!(
                    "{} of {} match · {} to {} · {} ms",
                    format::count(result.rows.len() as i64),
                    format::count(result.considered as i64),
                    result.start.unwrap_or_default(),
                    result.end.unwrap_or_default(),
                    result.duration_ms
                );
                if !t.is_empty() {
                    table = t.exportable("query.csv").render();
                }
            }
            Err(QueryError::Parse(e)) => {
                chrome.error(format!("Query: {e}"));
                let before: String = text
                    .chars()
                    .take(e.position)
                    .map(|c| if c == '\n' { ' ' } else { c })
                    .collect();
                caret = Some(format!(
                    "{}\n{}^",
                    text.replace('\n', " "),
                    " ".repeat(before.chars().count())
                ));
            }
            Err(QueryError::BadParameter { name, reason }) => chrome.error(format!("{}: {reason}", capitalised(name))),
            Err(QueryError::Store(e)) => return error_page(&user, "queries", e.into()),
        }
    }
    let saved = match queries::saved(&state.store).await {
        Ok(list) => list
            .into_iter()
            .map(|s| (s.id, s.name, link_for(&s.text, days), s.text))
            .collect(),
        Err(e) => return error_page(&user, "queries", e.into()),
    };
    render(&QueriesPage {
        chrome,
        days,
        table,
        summary,
        caret,
        examples: queries::EXAMPLES
            .iter()
            .map(|(label, q)| (*label, link_for(q, days), *q))
            .collect(),
        saved,
        text,
    })
}
