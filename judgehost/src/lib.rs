//! The floorjudge judgehost: problem packages, toolchains, the wasmtime
//! sandbox and the judging pipeline (compile → run → validate → verdict).

pub mod compile;
pub mod daemon;
pub mod jvm;
pub mod native_program;
pub mod native_run;
pub mod native_validator;
pub mod package;
pub mod pipeline;
pub mod sandbox;
pub mod toolchain;
pub mod validate;

pub use package::{PackageError, ProblemPackage, load_package};
