//! The team agent behind the kiosk window and `floorjudge-team`.
//!
//! Identification, the hidden callback folder, the callback file server and
//! the submit client arrive with the callback issue; this crate holds their
//! place in the workspace so the dependency graph is fixed from the start.
