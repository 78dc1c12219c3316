//! Integration tests of the web layer over a real socket, against real databases.
//!
//! One test binary for the crate (link time dominates on small machines); modules below.
//! The catalog scenario runs on SQLite always and on PostgreSQL when
//! `RTBCAT_TEST_POSTGRES_URL` is set (CI sets it and runs the ignored tests).

mod alerts;
mod auth;
mod campaigns;
mod campaigns_llm;
mod catalog;
mod delivery;
mod experiments;
mod instances;
mod matrix;
mod observe;
mod opportunities;
mod paging;
mod performance;
mod popups;
mod pretargeting;
mod queries;
mod reports;
mod seats;
mod security;
mod support;
mod tokens;
mod ui;
mod waste;
