//! Campaigns of creatives over HTTP: `/campaigns` (the bidder wing's; the popup offers stay
//! at `/api/campaigns`) and the Campaigns page.

pub mod api;
pub mod pages;
