//! Messages of the judgehost API (judgehost ⇄ jury) and how requests are
//! signed.
//!
//! Every judgehost request carries [`KEY_HEADER`] (its public key id), a
//! `Date` header (RFC 2822) and [`SIGNATURE_HEADER`]:
//! `base64(HMAC-SHA256(secret, METHOD \n lowercase URL \n Date \n body))`.

use serde::{Deserialize, Serialize};

use crate::Verdict;

/// Header naming the judgehost's key id.
pub const KEY_HEADER: &str = "x-judgehost-key";
/// Header with the base64 HMAC of [`signed_request`].
pub const SIGNATURE_HEADER: &str = "x-judgehost-signature";
/// Most a request's `Date` may differ from the jury's clock.
pub const MAX_SKEW_MS: i64 = 10 * 60 * 1000;

/// The bytes a judgehost signs for one request.
pub fn signed_request(method: &str, url: &str, date: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("{method}\n{}\n{date}\n", url.to_lowercase()).into_bytes();
    m.extend_from_slice(body);
    m
}

/// A judgehost's credentials, as `floorjudge-jury judgehost add` writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Judgehost name.
    pub name: String,
    /// Public key id (sent in [`KEY_HEADER`]).
    pub key_id: String,
    /// Shared secret, hex (never sent).
    pub secret: String,
    /// SHA-256 fingerprint of the jury's TLS certificate, which the
    /// judgehost pins (written by `judgehost add`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jury_fingerprint: Option<String>,
}

/// A judgehost's health, reported with every heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// One-minute load average.
    pub load_1m: f64,
    /// Memory in use, bytes.
    pub memory_used: u64,
    /// Total memory, bytes.
    pub memory_total: u64,
    /// Free disk space where the cache is, bytes.
    pub disk_free: u64,
    /// Judgings running now.
    pub judgings_in_flight: u32,
    /// The judgings this judgehost is working on: a heartbeat extends the
    /// leases of these, and of no others.
    #[serde(default)]
    pub judgings: Vec<i64>,
}

/// Asks for a job, waiting up to `wait_ms` for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRequest {
    /// Longest wait, ms (the jury caps it).
    pub wait_ms: u64,
}

/// A file the judgehost fetches by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// File name or package path.
    pub path: String,
    /// Lowercase hex SHA-256 (the fetch key).
    pub sha256: String,
}

/// A testcase of the job, in judging order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobTestcase {
    /// Jury testcase id (reported back with its result).
    pub id: i64,
    /// `group/name`, e.g. `data/secret/01`.
    pub name: String,
}

fn one() -> f64 {
    1.0
}

/// A leased judging job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The judging.
    pub judging_id: i64,
    /// The submission.
    pub submission_id: i64,
    /// Signed by the jury; every report must carry it.
    pub job_token: String,
    /// Language id.
    pub language: String,
    /// Source files.
    pub sources: Vec<BlobRef>,
    /// Problem id.
    pub problem_id: String,
    /// Hash of the whole package (the judgehost's cache key).
    pub package_sha256: String,
    /// Every package file.
    pub package_files: Vec<BlobRef>,
    /// Testcases in judging order.
    pub testcases: Vec<JobTestcase>,
    /// Time limit the jury set, ms.
    pub time_limit_ms: u64,
    /// The language's time factor (the contest's language table): runs get
    /// the time limit times this.
    #[serde(default = "one")]
    pub time_factor: f64,
    /// The backend that judges it (`wasm`, `native`); empty for the
    /// language's default.
    #[serde(default)]
    pub backend: String,
    /// Heartbeat at least this often to keep the lease, ms.
    pub heartbeat_ms: u64,
}

/// Testcase results, sent as they finish (those that finished while the
/// previous report was in flight go together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// The job token.
    pub job_token: String,
    /// The results, in judging order.
    pub runs: Vec<TestcaseRun>,
}

/// One testcase result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestcaseRun {
    /// Jury testcase id.
    pub testcase_id: i64,
    /// Verdict on this testcase.
    pub verdict: Verdict,
    /// Fuel used.
    pub fuel: u64,
    /// Charged time, ms.
    pub time_ms: u64,
    /// Peak memory, bytes.
    pub memory_bytes: u64,
    /// Validator feedback or trap message.
    pub message: String,
    /// On a failed testcase, the start of what the program wrote (at most
    /// [`TEAM_OUTPUT_BYTES`], lossy UTF-8), for the jury's diff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_output: Option<String>,
}

/// How much of a failed testcase's output a judgehost sends the jury.
pub const TEAM_OUTPUT_BYTES: usize = 64 * 1024;

/// `text` cut to at most `max` bytes on a character boundary.
pub fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The end of a judging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishReport {
    /// The job token.
    pub job_token: String,
    /// The verdict (`None` with `error`: a judge error).
    pub verdict: Option<Verdict>,
    /// Compiler output.
    pub compile_output: String,
    /// What went wrong in the judge itself.
    pub error: Option<String>,
}

/// A job handed back unjudged (shutdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReport {
    /// The job token.
    pub job_token: String,
}

/// Answer to a registration or heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The judgehost's id at the jury.
    pub judgehost_id: i64,
    /// Its name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_lowercased_and_the_body_appended() {
        assert_eq!(
            signed_request("POST", "HTTP://Jury:8470/API/x", "d", b"{}"),
            b"POST\nhttp://jury:8470/api/x\nd\n{}"
        );
    }
}
