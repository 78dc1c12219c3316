//! The offer-popup wing: properties, offers (the popup spec's "campaigns"), affiliate
//! networks, tracked events and their analytics.

pub mod analytics;
pub mod experiments;
pub mod networks;
pub mod offers;
pub mod properties;
pub mod reports;
pub mod tracking;
