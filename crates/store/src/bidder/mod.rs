//! The bidder wing: what a buyer's team on Google Authorized Buyers stores.

pub mod alerts;
pub mod campaigns;
pub mod catalog;
pub mod google;
pub mod opportunities;
pub mod performance;
pub mod pretargeting;
pub mod queries;
pub mod waste;
