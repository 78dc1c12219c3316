//! The offer-popup wing's use cases: offers, properties and networks with their audit
//! trail, serving and tracking, analytics, the demo data set.

pub mod analytics;
pub mod demo;
pub mod experiments;
pub mod networks;
pub mod offers;
pub mod properties;
pub mod reports;
pub mod tracking;

pub use networks::Network;
pub use offers::Offer;
pub use properties::Property;

use rtbcat_core::popups::FieldError;
use rtbcat_store::StoreError;

/// Why a change to an offer, property or network was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Every problem, each named by its field.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}
