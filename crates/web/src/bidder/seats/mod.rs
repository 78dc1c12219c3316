//! Live Authorized Buyers over HTTP: keys, seat discovery, creative syncs.

pub mod api;
pub mod pages;
