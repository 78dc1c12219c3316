//! Custom queries: parse (core), sum in the store (parameterised SQL), check the conditions
//! and sort here; saved queries by name.

use rtbcat_core::bidder::queries::{parse, Filter, Measure, Metric, Operand, ParseError, Platform, Query};
pub use rtbcat_store::SavedQuery;
use rtbcat_store::{QueryPlan, SharedStore, StoreError};
use serde::Serialize;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Parse(ParseError),
    #[error("`{name}` {reason}")]
    BadParameter { name: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One entity value that matched, with each measure's value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub key: String,
    /// A campaign's name.
    pub label: Option<String>,
    /// Per column: money in dollars, rates as fractions; null where undefined (no clicks
    /// for a CPC).
    pub values: Vec<Option<f64>>,
    /// Clicks behind each column, to judge how much to trust it.
    pub clicks: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueryResult {
    pub query: String,
    pub start: Option<String>,
    pub end: Option<String>,
    /// The measures, as written (`spend` first).
    pub columns: Vec<String>,
    pub rows: Vec<ResultRow>,
    /// Values of the entity looked at, before the conditions.
    pub considered: usize,
    pub duration_ms: u64,
}

fn filter_label(f: &Filter) -> String {
    match f {
        Filter::Device(d) => format!("device={d}"),
        Filter::Country(c) => format!("country={c}"),
        Filter::Tier(t) => format!("country in tier{t}"),
        Filter::Platform(Platform::Ios) => "platform=ios".into(),
        Filter::Platform(Platform::Android) => "platform=android".into(),
        Filter::Platform(Platform::Web) => "platform=web".into(),
        Filter::Format(f) => format!("format={}", f.to_lowercase()),
        Filter::Size(s) => format!("size={s}"),
        Filter::Weekend => "weekend".into(),
        Filter::Weekday => "weekday".into(),
        Filter::Hours(a, b) => format!("hours {a}-{b}"),
    }
}

pub fn measure_label(m: &Measure) -> String {
    let metric = match m.metric {
        Metric::Spend => "spend",
        Metric::Impressions => "impressions",
        Metric::Clicks => "clicks",
        Metric::Ctr => "ctr",
        Metric::Cpc => "cpc",
        Metric::Cpm => "cpm",
    };
    if m.filters.is_empty() {
        metric.into()
    } else {
        format!(
            "{metric}[{}]",
            m.filters.iter().map(filter_label).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Parses a query, naming the position of what is wrong.
pub fn check(text: &str) -> Result<Query, QueryError> {
    parse(text).map_err(QueryError::Parse)
}

/// Runs `text` over the `days` ending at `as_of` (the newest imported day by default).
pub async fn run(store: &SharedStore, text: &str, as_of: Option<Date>, days: i64) -> Result<QueryResult, QueryError> {
    let started = std::time::Instant::now();
    let query = check(text)?;
    if !(1..=366).contains(&days) {
        return Err(QueryError::BadParameter {
            name: "days",
            reason: "must be between 1 and 366".into(),
        });
    }
    let measures = query.measures();
    let columns: Vec<String> = measures.iter().map(measure_label).collect();
    let Some(end) = crate::bidder::performance::last_day(store, as_of).await? else {
        return Ok(QueryResult {
            query: text.to_string(),
            start: None,
            end: None,
            columns,
            rows: Vec::new(),
            considered: 0,
            duration_ms: 0,
        });
    };
    let start = end - time::Duration::days(days - 1);
    let found = store
        .run_query(QueryPlan {
            entity: query.entity,
            measures: measures.clone(),
            start: start.to_string(),
            end: end.to_string(),
        })
        .await?;
    let considered = found.len();
    let value_of = |row: &rtbcat_store::QueryRow, m: &Measure| -> Option<f64> {
        let i = measures.iter().position(|x| x == m)?;
        let (spend, impressions, clicks) = row.sums[i];
        m.metric.value(spend, impressions, clicks)
    };
    let operand = |row: &rtbcat_store::QueryRow, o: &Operand| -> Option<f64> {
        match o {
            Operand::Number(n) => Some(*n),
            Operand::Measure(scale, m) => value_of(row, m).map(|v| v * scale),
        }
    };
    let mut rows: Vec<(Option<f64>, i64, ResultRow)> = found
        .iter()
        .filter(|row| {
            query
                .conditions
                .iter()
                .all(|c| match (operand(row, &c.left), operand(row, &c.right)) {
                    (Some(l), Some(r)) => c.comparison.holds(l, r),
                    _ => false,
                })
        })
        .map(|row| {
            let sort = query.sort.as_ref().and_then(|(m, _)| value_of(row, m));
            (
                sort,
                row.sums[0].0,
                ResultRow {
                    key: row.key.clone(),
                    label: row.label.clone(),
                    values: measures.iter().map(|m| value_of(row, m)).collect(),
                    clicks: row.sums.iter().map(|s| s.2).collect(),
                },
            )
        })
        .collect();
    let descending = query.sort.as_ref().is_none_or(|s| s.1);
    rows.sort_by(|a, b| {
        let by_sort = match (a.0, b.0) {
            (Some(x), Some(y)) => {
                if descending {
                    y.total_cmp(&x)
                } else {
                    x.total_cmp(&y)
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_sort.then(b.1.cmp(&a.1)).then(a.2.key.cmp(&b.2.key))
    });
    rows.truncate(query.limit);
    Ok(QueryResult {
        query: text.to_string(),
        start: Some(start.to_string()),
        end: Some(end.to_string()),
        columns,
        rows: rows.into_iter().map(|r| r.2).collect(),
        considered,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// Saves a query under a name (replacing one of that name) once it parses.
pub async fn save(
    store: &SharedStore,
    name: &str,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<SavedQuery, QueryError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        return Err(QueryError::BadParameter {
            name: "name",
            reason: "is required, at most 100 characters".into(),
        });
    }
    check(text)?;
    Ok(store
        .save_query(name, text.trim().to_string(), actor.to_string(), now)
        .await?)
}

pub async fn saved(store: &SharedStore) -> Result<Vec<SavedQuery>, StoreError> {
    store.saved_queries().await
}

pub async fn delete(store: &SharedStore, id: i64, actor: &str, now: i64) -> Result<(), StoreError> {
    store.delete_saved_query(id, actor.to_string(), now).await
}

/// Example queries, for the editor and the docs.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Campaigns whose iOS clicks cost 50% more than their Android clicks",
        "find campaigns where cpc[platform=ios] > 1.5 * cpc[platform=android]",
    ),
    (
        "Creatives with over 2% CTR in tier-3 countries",
        "find creatives where ctr[country in tier3] > 2% and clicks[country in tier3] >= 50 sort by ctr[country in tier3]",
    ),
    ("Which formats do best on weekends", "find formats sort by ctr[weekend] desc"),
    (
        "Countries where evening clicks are cheaper than the day's",
        "find countries where cpc[hours 18-23] < 0.8 * cpc sort by spend",
    ),
    (
        "Advertisers spending over $1,000 on mobile",
        "find advertisers where spend[device=mobile] > 1000 sort by spend[device=mobile]",
    ),
];
