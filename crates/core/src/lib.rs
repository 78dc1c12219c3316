//! Pure domain code shared by both wings of rtbcat.
//!
//! Nothing here does IO, reads the clock or spawns tasks: every input is a parameter,
//! so the rules can be unit- and property-tested exhaustively. One folder per wing
//! (`bidder`, `popups`), `platform` for what both stand on, `shared` for the small
//! vocabulary (money, statistics, text) every domain uses.

pub mod bidder;
pub mod platform;
pub mod popups;
pub mod shared;

pub use bidder::catalog::creative::{ApiCreative, CreativeFormat, NormalizedCreative};
pub use bidder::catalog::destination::{AppStore, Destination};
pub use bidder::catalog::size::{CanonicalSize, SizeCategory};
