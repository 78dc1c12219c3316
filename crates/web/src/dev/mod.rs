//! Tools for trying rtbcat without third parties: a local fake of Google's APIs.

pub mod fake_google;
