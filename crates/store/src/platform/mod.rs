//! What both wings stand on: accounts, the audit log, server secrets, health.

pub mod accounts;
pub mod audit;
pub mod secrets;
pub mod system;
