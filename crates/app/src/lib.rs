//! rtbcat use cases, written once over the store's domain traits. Web and CLI stay thin:
//! they parse requests and render answers; everything between is here, per domain
//! (`bidder/`, `popups/`, `platform/`), with the API's types owned here and mapped from
//! the store's rows.

pub mod bidder;
pub mod clock;
pub mod config;
pub mod platform;
pub mod popups;

pub use clock::{Clock, SystemClock};
pub use config::Config;

/// The storage handle every use case takes. Opaque above this layer: web and CLI pass it
/// along but cannot query it (they do not depend on the store crate's traits).
pub use rtbcat_store::SharedStore;
/// Storage errors, as the use cases report them.
pub use rtbcat_store::StoreError;

/// Opens the database a URL names (`sqlite://PATH` or `postgres://…`) and brings its
/// schema up to date.
pub async fn open_store(url: &str) -> Result<SharedStore, StoreError> {
    rtbcat_store::open(url).await
}
