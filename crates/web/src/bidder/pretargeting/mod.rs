//! Pretargeting over HTTP: configs, proposals with their dry run, apply, rollback, guard.

pub mod api;
pub mod pages;
