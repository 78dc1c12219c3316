//! Waste sums on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::params;

/// Every row of `sql` mapped by `map` (a shared mapper, see `mod.rs`).
fn all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    values: impl rusqlite::Params,
    map: impl Fn(&rusqlite::Row<'_>) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(values, |r| Ok(map(r)?))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[async_trait]
impl WasteStore for SqliteStore {
    async fn latest_traffic_date(&self) -> StoreResult<Option<String>> {
        self.read(|conn| Ok(conn.query_row(&latest_traffic_sql("MAX(d)"), [], |r| r.get(0))?))
            .await
    }

    async fn size_requests(&self, f: WasteFilter) -> StoreResult<Vec<SizeRequests>> {
        self.read(move |conn| {
            all(
                conn,
                &size_requests_sql(&SQLITE),
                params![f.start, f.end, f.seat],
                |r| size_requests_from(r),
            )
        })
        .await
    }

    async fn size_creatives(&self, seat: Option<String>) -> StoreResult<Vec<SizeCreatives>> {
        self.read(move |conn| {
            all(conn, &size_creatives_sql(&SQLITE), params![seat], |r| {
                size_creatives_from(r)
            })
        })
        .await
    }

    async fn size_impressions(&self, f: WasteFilter) -> StoreResult<Vec<SizeImpressions>> {
        self.read(move |conn| {
            all(
                conn,
                &size_impressions_sql(&SQLITE),
                params![f.start, f.end, f.seat],
                |r| size_impressions_from(r),
            )
        })
        .await
    }

    async fn funnel_sums(&self, f: WasteFilter, by: FunnelBy) -> StoreResult<Vec<FunnelSums>> {
        self.read(move |conn| {
            all(conn, &funnel_sql(&SQLITE, by), params![f.start, f.end, f.seat], |r| {
                funnel_sums_from(r)
            })
        })
        .await
    }

    async fn filtering_sums(&self, f: WasteFilter) -> StoreResult<Vec<FilteringSums>> {
        self.read(move |conn| {
            all(conn, &filtering_sql(&SQLITE), params![f.start, f.end, f.seat], |r| {
                filtering_sums_from(r)
            })
        })
        .await
    }

    async fn quality_sums(&self, f: WasteFilter) -> StoreResult<Vec<QualitySums>> {
        self.read(move |conn| {
            all(conn, &quality_sql(&SQLITE), params![f.start, f.end, f.seat], |r| {
                quality_sums_from(r)
            })
        })
        .await
    }

    async fn kinds_present(&self, f: WasteFilter) -> StoreResult<Vec<String>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&kinds_present_sql(&SQLITE))?;
            let kinds = stmt
                .query_map(params![f.start, f.end, f.seat], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(kinds)
        })
        .await
    }
}
