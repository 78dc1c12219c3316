//! Waste over HTTP: the API (`/analytics/waste`, `/analytics/size-coverage`,
//! `/analytics/funnel`, each with `format=csv`) and the Waste page.

pub mod api;
pub mod pages;
