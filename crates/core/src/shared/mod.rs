//! The small vocabulary every domain uses: money, statistics, bounded text, secrets.

pub mod money;
pub mod secrets;
pub mod stats;
pub mod text;
