//! Alerts over HTTP: rules, delivery history, evaluate now, and the Alerts page.

pub mod api;
pub mod pages;
