//! The creative catalog: the Real-time Bidding API's creatives, their sizes and where
//! they lead.

pub mod creative;
pub mod destination;
pub mod size;
