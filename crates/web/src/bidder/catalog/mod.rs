//! The creative catalog over HTTP.

pub mod api;
pub mod pages;
