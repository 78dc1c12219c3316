//! Pure domain code shared by both wings of rtbcat.
//!
//! Nothing here does IO, reads the clock or spawns tasks: every input is a parameter,
//! so the rules can be unit- and property-tested exhaustively.

pub mod account;
pub mod creative;
pub mod destination;
pub mod metrics;
pub mod money;
pub mod origin;
pub mod popup;
pub mod report;
pub mod secrets;
pub mod size;
pub mod text;

pub use creative::{ApiCreative, CreativeFormat, NormalizedCreative};
pub use destination::{AppStore, Destination};
pub use size::{CanonicalSize, SizeCategory};
