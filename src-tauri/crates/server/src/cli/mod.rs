//! `floorjudge-jury` subcommands, one file per area (the older ones still
//! live in `main.rs`).

pub mod clarifications;
pub mod clock;
pub mod staff;
pub mod standings;
