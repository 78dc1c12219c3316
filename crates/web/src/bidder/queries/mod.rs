//! Custom queries over HTTP: run, save, and the Queries page.

pub mod api;
pub mod pages;
