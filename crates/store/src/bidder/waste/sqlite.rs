//! Waste sums on SQLite.

use super::*;
use crate::engine::sqlite::*;
use rusqlite::{params, Row};

fn all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    values: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(values, map)?.collect::<Result<Vec<_>, _>>()?;
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
                |r| {
                    Ok(SizeRequests {
                        size: r.get(0)?,
                        requests: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    async fn size_creatives(&self, seat: Option<String>) -> StoreResult<Vec<SizeCreatives>> {
        self.read(move |conn| {
            all(conn, &size_creatives_sql(&SQLITE), params![seat], |r| {
                Ok(SizeCreatives {
                    size: r.get(0)?,
                    category: r.get(1)?,
                    approved: r.get(2)?,
                })
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
                |r| {
                    Ok(SizeImpressions {
                        size: r.get(0)?,
                        impressions: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    async fn funnel_sums(&self, f: WasteFilter, by: FunnelBy) -> StoreResult<Vec<FunnelSums>> {
        self.read(move |conn| {
            all(conn, &funnel_sql(&SQLITE, by), params![f.start, f.end, f.seat], |r| {
                Ok(FunnelSums {
                    key: r.get(0)?,
                    bid_requests: r.get(1)?,
                    inventory_matches: r.get(2)?,
                    successful_responses: r.get(3)?,
                    bids: r.get(4)?,
                    bids_in_auction: r.get(5)?,
                    auctions_won: r.get(6)?,
                    impressions: r.get(7)?,
                })
            })
        })
        .await
    }

    async fn filtering_sums(&self, f: WasteFilter) -> StoreResult<Vec<FilteringSums>> {
        self.read(move |conn| {
            all(conn, &filtering_sql(&SQLITE), params![f.start, f.end, f.seat], |r| {
                Ok(FilteringSums {
                    reason: r.get(0)?,
                    bids: r.get(1)?,
                    bids_in_auction: r.get(2)?,
                })
            })
        })
        .await
    }

    async fn quality_sums(&self, f: WasteFilter) -> StoreResult<Vec<QualitySums>> {
        self.read(move |conn| {
            all(conn, &quality_sql(&SQLITE), params![f.start, f.end, f.seat], |r| {
                Ok(QualitySums {
                    publisher: r.get(0)?,
                    impressions: r.get(1)?,
                    ivt_credited_impressions: r.get(2)?,
                })
            })
        })
        .await
    }

    async fn kinds_present(&self, f: WasteFilter) -> StoreResult<Vec<String>> {
        self.read(move |conn| {
            all(
                conn,
                &kinds_present_sql(&SQLITE),
                params![f.start, f.end, f.seat],
                |r| r.get(0),
            )
        })
        .await
    }
}
