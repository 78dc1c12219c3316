//! Opportunities over HTTP: the findings as JSON or CSV, one in full, the user's decisions,
//! and the Opportunities page.

pub mod api;
pub mod pages;
