//! What both wings stand on: accounts and roles, web origins.

pub mod accounts;
pub mod origin;
