//! The wire contract shared by every floorjudge role (team kiosk, jury, judgehost).
//!
//! Only plain data with `serde` derives lives here: identifiers, verdicts and the
//! messages the roles exchange. No I/O, no policy.

pub mod callback;
pub mod id;
pub mod judgehost;
pub mod staff;
pub mod team;
pub mod terminal;
pub mod verdict;

pub use id::{IdError, ProblemId, TeamId};
pub use verdict::Verdict;
