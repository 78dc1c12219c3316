//! The small vocabulary every domain uses: money, limits on stored values, statistics, bounded text, secrets.

pub mod limits;
pub mod money;
pub mod secrets;
pub mod stats;
pub mod text;
