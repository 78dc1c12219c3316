//! rtbcat use cases, written once over the store trait. Web and CLI stay thin.

pub mod auth;
pub mod catalog;
pub mod catalog_view;
pub mod clock;
pub mod config;
pub mod demo;
pub mod performance;
pub mod popup;
pub mod popup_demo;

pub use clock::{Clock, SystemClock};
pub use config::Config;
