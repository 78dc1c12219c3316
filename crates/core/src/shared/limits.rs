//! Upper bounds on what one stored value may be. Sums over a long history (millions of
//! rows) must stay far inside `i64`; values past these are typing or encoding mistakes (or
//! attacks), refused with the line and field named instead of wrapping totals negative.

/// One row's count (impressions, clicks, bid requests…): a trillion.
pub const MAX_COUNT: i64 = 1_000_000_000_000;
/// One row's spend: 10 million currency units.
pub const MAX_ROW_SPEND_MICROS: i64 = 10_000_000 * 1_000_000;
/// One conversion's payout: 100,000 currency units.
pub const MAX_PAYOUT_MICROS: i64 = 100_000 * 1_000_000;
/// The earliest date a report or offer may name.
pub const EARLIEST_DATE: time::Date = time::macros::date!(2000 - 01 - 01);
/// The latest date an offer may name.
pub const LATEST_DATE: time::Date = time::macros::date!(2099 - 12 - 31);
