//! The fact table's date partitions on PostgreSQL (migration V19): which days they cover,
//! which of them an import's days replace, and empty partitions for the days an import
//! routes through the parent.

use crate::*;
use time::Date;

/// The fact key in the order of the primary key's columns. Sorting by it (for `DISTINCT ON`)
/// is twice as fast as sorting seat-first: the first column varies, so PostgreSQL's
/// abbreviated keys decide most comparisons; and rows inserted in this order walk the
/// index once instead of at random.
pub(super) const FACT_KEY_IN_INDEX_ORDER: &str = "creative_id, date, hour, country, device, placement, seat_id";

/// Days `[from, until)` of one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DayRange {
    pub from: Date,
    pub until: Date,
}

impl DayRange {
    /// The days from `first` to `last`, both included.
    pub fn spanning(first: Date, last: Date) -> Option<DayRange> {
        Some(DayRange {
            from: first,
            until: last.next_day()?,
        })
    }

    fn covers(&self, day: Date) -> bool {
        self.from <= day && day < self.until
    }

    fn overlaps(&self, other: &DayRange) -> bool {
        self.from < other.until && other.from < self.until
    }

    /// `performance_metrics_20261001_20261028`: first and last day, both included.
    pub fn partition_name(&self) -> String {
        let last = self.until.previous_day().unwrap_or(self.until);
        format!("performance_metrics_{}_{}", compact(self.from), compact(last))
    }
}

fn compact(day: Date) -> String {
    format!("{:04}{:02}{:02}", day.year(), u8::from(day.month()), day.day())
}

/// A partition of the fact table: its name and its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Partition {
    pub name: String,
    pub range: DayRange,
}

/// The fact table's partitions, their ranges read from their bounds.
pub(super) async fn partitions(tx: &tokio_postgres::Transaction<'_>) -> StoreResult<Vec<Partition>> {
    // A range partition's bound reads `FOR VALUES FROM ('2026-10-01') TO ('2026-10-29')`,
    // its dates in the session's DateStyle, which the casts back read the same way.
    let rows = tx
        .query(
            "SELECT name, substring(bound FROM $$FROM \\('([^']+)'\\)$$)::DATE, substring(bound FROM $$TO \\('([^']+)'\\)$$)::DATE \
             FROM (SELECT c.relname::TEXT AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i \
             JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'performance_metrics'::regclass) partitions",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Partition {
                name: r.try_get(0)?,
                range: DayRange {
                    from: r.try_get(1)?,
                    until: r.try_get(2)?,
                },
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(Into::into)
}

/// Where an import's days go as one partition: the partitions holding any of them (the
/// slice replaces those), and the range of the new partition, which spans the slice and
/// them, so that it overlaps no other.
pub(super) fn place_slice(slice: DayRange, partitions: &[Partition]) -> (Vec<Partition>, DayRange) {
    let replaced: Vec<Partition> = partitions
        .iter()
        .filter(|p| p.range.overlaps(&slice))
        .cloned()
        .collect();
    let range = replaced.iter().fold(slice, |span, p| DayRange {
        from: span.from.min(p.range.from),
        until: span.until.max(p.range.until),
    });
    (replaced, range)
}

/// Attaches an empty partition for each of `days` that no partition covers, so that rows
/// of those days can be inserted through the parent. Created apart and then attached:
/// `CREATE TABLE … PARTITION OF` would lock the parent against readers until the import
/// commits; `ATTACH` does not.
pub(super) async fn attach_missing_days(
    tx: &tokio_postgres::Transaction<'_>,
    days: &[Date],
    partitions: &[Partition],
) -> StoreResult<()> {
    for &day in days {
        if partitions.iter().any(|p| p.range.covers(day)) {
            continue;
        }
        let Some(range) = DayRange::spanning(day, day) else {
            return Err(StoreError::Backend(format!("no partition can hold the day {day}")));
        };
        let name = range.partition_name();
        tx.batch_execute(&format!(
            "CREATE TABLE {name} (LIKE performance_metrics INCLUDING DEFAULTS INCLUDING CONSTRAINTS); {}",
            attach_sql(&name, &range)
        ))
        .await?;
    }
    Ok(())
}

/// A table name as an SQL identifier: partitions are read from the catalog, where a name
/// someone else gave may need quoting.
pub(super) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `ALTER TABLE performance_metrics ATTACH PARTITION …` for `table` over `range`.
pub(super) fn attach_sql(table: &str, range: &DayRange) -> String {
    format!(
        "ALTER TABLE performance_metrics ATTACH PARTITION {table} FOR VALUES FROM ('{}') TO ('{}')",
        range.from, range.until
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn partition(first: Date, last: Date) -> Partition {
        let range = DayRange::spanning(first, last).expect("range");
        Partition {
            name: range.partition_name(),
            range,
        }
    }

    #[test]
    fn a_slice_replaces_the_partitions_holding_its_days_and_spans_them() {
        let early = partition(date!(2026 - 10 - 01), date!(2026 - 10 - 04));
        let middle = partition(date!(2026 - 10 - 10), date!(2026 - 10 - 10));
        let late = partition(date!(2026 - 10 - 20), date!(2026 - 10 - 28));
        assert_eq!(early.name, "performance_metrics_20261001_20261004");
        assert_eq!(early.range.until, date!(2026 - 10 - 05));
        let all = [early.clone(), middle.clone(), late.clone()];

        let new_days = DayRange::spanning(date!(2026 - 10 - 05), date!(2026 - 10 - 09)).expect("range");
        assert_eq!(place_slice(new_days, &all), (vec![], new_days), "between them: its own");

        let across = DayRange::spanning(date!(2026 - 10 - 03), date!(2026 - 10 - 12)).expect("range");
        let (replaced, range) = place_slice(across, &all);
        assert_eq!(replaced, vec![early.clone(), middle]);
        assert_eq!(
            (range.from, range.until),
            (date!(2026 - 10 - 01), date!(2026 - 10 - 13))
        );
        assert!(!late.range.overlaps(&range), "the new partition overlaps no other");

        let inside = DayRange::spanning(date!(2026 - 10 - 22), date!(2026 - 10 - 22)).expect("range");
        assert_eq!(place_slice(inside, &all), (vec![late.clone()], late.range));
        assert!(late.range.covers(date!(2026 - 10 - 28)) && !late.range.covers(date!(2026 - 10 - 29)));
    }
}
