//! The bidder wing's use cases: the creative catalog, performance imports and views, the
//! demo data set.

pub mod alerts;
pub mod campaigns;
pub mod catalog;
pub mod demo;
pub mod demo_pretargeting;
pub mod google;
pub mod opportunities;
pub mod performance;
pub mod pretargeting;
pub mod queries;
pub mod waste;
