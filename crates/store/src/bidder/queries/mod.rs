//! Custom queries: a parsed plan (core `queries`) turned into SQL built only from fixed
//! fragments, with every value the user wrote bound as a parameter; and saved queries.
//! The smallest table that holds every filter is read: the daily rollup by country, the
//! daily rollup by device, or the hourly facts.

mod postgres;
mod sqlite;

use crate::sql::Columns;
use crate::*;
use async_trait::async_trait;
use rtbcat_core::bidder::queries::{Entity, Filter, Measure, Platform, TIER1, TIER2};

/// What to compute: one row per entity value, with spend, impressions and clicks under each
/// measure's filters, over `start`–`end` (inclusive `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    pub entity: Entity,
    pub measures: Vec<Measure>,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRow {
    pub key: String,
    /// A campaign's name.
    pub label: Option<String>,
    /// (spend micros, impressions, clicks) per measure, in the plan's order.
    pub sums: Vec<(i64, i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedQuery {
    pub id: i64,
    pub name: String,
    pub text: String,
    pub created_by: String,
    pub created_at: i64,
}

#[async_trait]
pub trait QueryStore: Send + Sync {
    async fn run_query(&self, plan: QueryPlan) -> StoreResult<Vec<QueryRow>>;
    async fn saved_queries(&self) -> StoreResult<Vec<SavedQuery>>;
    /// Saves (or, by name, replaces) a query, with its audit line.
    async fn save_query(&self, name: String, text: String, actor: String, now: i64) -> StoreResult<SavedQuery>;
    async fn delete_saved_query(&self, id: i64, actor: String, now: i64) -> StoreResult<()>;
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
}

/// How the two engines differ for this SQL.
pub(crate) struct Dialect {
    /// Cast for a date parameter (`::TEXT::DATE` on PostgreSQL).
    pub date_param: &'static str,
    /// Day of week of `x.date`, 0 Sunday – 6 Saturday, as an integer.
    pub weekday: &'static str,
    /// Cast for an integer parameter (PostgreSQL needs its type).
    pub int_param: &'static str,
}

/// The SQL and its parameters for a plan.
pub(crate) fn query_sql(plan: &QueryPlan, dialect: &Dialect) -> (String, Vec<Value>) {
    let filters = plan.measures.iter().flat_map(|m| m.filters.iter());
    let needs_hour = filters.clone().any(|f| matches!(f, Filter::Hours(..)));
    let needs_device = plan.entity == Entity::Devices || filters.clone().any(|f| matches!(f, Filter::Device(_)));
    let needs_country = plan.entity == Entity::Countries
        || filters
            .clone()
            .any(|f| matches!(f, Filter::Country(_) | Filter::Tier(_)));
    let table = if needs_hour || (needs_device && needs_country) {
        "performance_metrics"
    } else if needs_device {
        "performance_device_daily"
    } else {
        "performance_daily"
    };
    let mut values = vec![Value::Text(plan.start.clone()), Value::Text(plan.end.clone())];
    let bind = |v: Value, values: &mut Vec<Value>| -> String {
        let cast = if matches!(v, Value::Int(_)) {
            dialect.int_param
        } else {
            ""
        };
        values.push(v);
        format!("?{}{cast}", values.len())
    };
    let mut columns = Vec::new();
    for m in &plan.measures {
        let mut parts: Vec<String> = Vec::new();
        for f in &m.filters {
            parts.push(match f {
                Filter::Device(d) => format!("x.device = {}", bind(Value::Text(d.clone()), &mut values)),
                Filter::Country(c) => format!("x.country = {}", bind(Value::Text(c.clone()), &mut values)),
                Filter::Tier(tier) => {
                    let list = |codes: &[&str], values: &mut Vec<Value>| -> String {
                        codes
                            .iter()
                            .map(|c| bind(Value::Text(c.to_string()), values))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    match tier {
                        1 => format!("x.country IN ({})", list(TIER1, &mut values)),
                        2 => format!("x.country IN ({})", list(TIER2, &mut values)),
                        _ => {
                            let mut both: Vec<&str> = TIER1.to_vec();
                            both.extend_from_slice(TIER2);
                            format!("x.country NOT IN ({})", list(&both, &mut values))
                        }
                    }
                }
                Filter::Platform(Platform::Ios) => "c.app_store = 'App Store'".into(),
                Filter::Platform(Platform::Android) => "c.app_store = 'Google Play'".into(),
                Filter::Platform(Platform::Web) => "c.app_store IS NULL".into(),
                Filter::Format(f) => format!("c.format = {}", bind(Value::Text(f.clone()), &mut values)),
                Filter::Size(s) => format!("c.canonical_size = {}", bind(Value::Text(s.clone()), &mut values)),
                Filter::Weekend => format!("{} IN (0, 6)", dialect.weekday),
                Filter::Weekday => format!("{} NOT IN (0, 6)", dialect.weekday),
                Filter::Hours(a, b) => format!(
                    "x.hour BETWEEN {} AND {}",
                    bind(Value::Int(i64::from(*a)), &mut values),
                    bind(Value::Int(i64::from(*b)), &mut values)
                ),
            });
        }
        let when = if parts.is_empty() {
            "1 = 1".to_string()
        } else {
            parts.join(" AND ")
        };
        for column in ["spend_micros", "impressions", "clicks"] {
            columns.push(format!(
                "CAST(SUM(CASE WHEN {when} THEN x.{column} ELSE 0 END) AS BIGINT)"
            ));
        }
    }
    let (key, label, joins) = match plan.entity {
        Entity::Campaigns => (
            "CAST(cm.campaign_id AS TEXT)",
            "MIN(cc.name)",
            " JOIN campaign_members cm ON cm.seat_id = c.seat_id AND cm.creative_id = c.creative_id \
             JOIN creative_campaigns cc ON cc.id = cm.campaign_id",
        ),
        Entity::Creatives => ("c.seat_id || '/' || c.creative_id", "NULL", ""),
        Entity::Advertisers => ("COALESCE(c.advertiser, '')", "NULL", ""),
        Entity::Formats => ("c.format", "NULL", ""),
        Entity::Sizes => ("c.canonical_size", "NULL", ""),
        Entity::Countries => ("x.country", "NULL", ""),
        Entity::Devices => ("x.device", "NULL", ""),
    };
    let sql = format!(
        "SELECT {key}, {label}, {} FROM {table} x JOIN creatives c ON c.creative_id = x.creative_id{joins} \
         WHERE x.date >= ?1{date} AND x.date <= ?2{date} GROUP BY {key}",
        columns.join(", "),
        date = dialect.date_param,
    );
    (sql, values)
}

pub(crate) const LIST_SAVED: &str =
    "SELECT id, name, query_text, created_by, created_at FROM saved_queries ORDER BY name";
pub(crate) const SAVE_QUERY: &str = "INSERT INTO saved_queries (name, query_text, created_by, created_at) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET query_text = excluded.query_text, \
     created_by = excluded.created_by, created_at = excluded.created_at \
     RETURNING id, name, query_text, created_by, created_at";
pub(crate) const DELETE_SAVED: &str = "DELETE FROM saved_queries WHERE id = ?1 RETURNING name";

pub(crate) fn saved_from(r: &impl Columns) -> StoreResult<SavedQuery> {
    Ok(SavedQuery {
        id: r.col(0)?,
        name: r.col(1)?,
        text: r.col(2)?,
        created_by: r.col(3)?,
        created_at: r.col(4)?,
    })
}

pub(crate) fn audit_line(action: &str, subject: &str, actor: String, at: i64) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor,
        action: action.into(),
        subject: Some(subject.to_string()),
        details: serde_json::Value::Null,
    }
}
