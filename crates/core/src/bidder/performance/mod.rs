//! Performance: the reports users import and the figures computed from them.

pub mod metrics;
pub mod report;
