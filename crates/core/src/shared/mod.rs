//! The small vocabulary every domain uses: countries, money, limits on stored values, statistics, bounded text, secrets.

pub mod country;
pub mod limits;
pub mod money;
pub mod secrets;
pub mod stats;
pub mod text;
