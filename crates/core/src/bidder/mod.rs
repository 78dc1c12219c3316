//! The bidder wing: creatives on Google Authorized Buyers and how they perform.

pub mod alerts;
pub mod campaigns;
pub mod catalog;
pub mod google;
pub mod opportunities;
pub mod performance;
pub mod pretargeting;
pub mod queries;
pub mod waste;
