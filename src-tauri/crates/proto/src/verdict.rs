//! Judging outcomes, named by their CLICS judgement-type ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The final outcome of judging a submission or one of its testcases.
///
/// Serialised as the CLICS judgement-type id (`"AC"`, `"WA"`, …).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// Accepted.
    #[serde(rename = "AC")]
    Accepted,
    /// Wrong answer.
    #[serde(rename = "WA")]
    WrongAnswer,
    /// Time limit exceeded (CPU budget or wall clock).
    #[serde(rename = "TLE")]
    TimeLimit,
    /// Memory limit exceeded.
    #[serde(rename = "MLE")]
    MemoryLimit,
    /// Run-time error: a trap or a non-zero exit code.
    #[serde(rename = "RTE")]
    RunTimeError,
    /// Output limit exceeded.
    #[serde(rename = "OLE")]
    OutputLimit,
    /// Compilation error.
    #[serde(rename = "CE")]
    CompileError,
}

impl Verdict {
    /// Every verdict, in the order CLICS lists the judgement types.
    pub const ALL: [Verdict; 7] = [
        Verdict::Accepted,
        Verdict::WrongAnswer,
        Verdict::TimeLimit,
        Verdict::MemoryLimit,
        Verdict::RunTimeError,
        Verdict::OutputLimit,
        Verdict::CompileError,
    ];

    /// The CLICS judgement-type id, e.g. `"TLE"`.
    pub fn clics_id(self) -> &'static str {
        match self {
            Verdict::Accepted => "AC",
            Verdict::WrongAnswer => "WA",
            Verdict::TimeLimit => "TLE",
            Verdict::MemoryLimit => "MLE",
            Verdict::RunTimeError => "RTE",
            Verdict::OutputLimit => "OLE",
            Verdict::CompileError => "CE",
        }
    }

    /// The human name CLICS gives the judgement type.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accepted => "correct",
            Verdict::WrongAnswer => "wrong answer",
            Verdict::TimeLimit => "timelimit",
            Verdict::MemoryLimit => "memory limit",
            Verdict::RunTimeError => "run-error",
            Verdict::OutputLimit => "output limit",
            Verdict::CompileError => "compiler-error",
        }
    }

    /// Whether the verdict solves the problem.
    pub fn is_accepted(self) -> bool {
        self == Verdict::Accepted
    }

    /// Whether the verdict costs penalty time when the problem is later solved
    /// (CLICS: compile errors do not).
    pub fn is_penalized(self) -> bool {
        !matches!(self, Verdict::Accepted | Verdict::CompileError)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.clics_id())
    }
}

/// A string that is not a CLICS judgement-type id we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownVerdict(pub String);

impl fmt::Display for UnknownVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown verdict {:?} (expected one of AC, WA, TLE, MLE, RTE, OLE, CE)",
            self.0
        )
    }
}

impl std::error::Error for UnknownVerdict {}

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.clics_id() == s)
            .ok_or_else(|| UnknownVerdict(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_clics_id_and_parses_back() {
        for v in Verdict::ALL {
            let json = serde_json::to_string(&v).expect("serialise");
            assert_eq!(json, format!("\"{}\"", v.clics_id()));
            assert_eq!(v.clics_id().parse::<Verdict>(), Ok(v));
        }
        assert!("XX".parse::<Verdict>().is_err());
    }

    #[test]
    fn compile_errors_are_not_penalized() {
        assert!(!Verdict::CompileError.is_penalized());
        assert!(!Verdict::Accepted.is_penalized());
        assert!(Verdict::WrongAnswer.is_penalized());
    }
}
