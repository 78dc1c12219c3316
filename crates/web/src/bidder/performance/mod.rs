//! Performance over HTTP.

pub mod api;
pub mod pages;
