//! The floorjudge judgehost.
//!
//! Today: reading Kattis / ICPC problem packages ([`package`]). The sandboxed
//! judging pipeline (toolchains, wasmtime runs, validators) builds on it.

pub mod package;

pub use package::{PackageError, ProblemPackage, load_package};
