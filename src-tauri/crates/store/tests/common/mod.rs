//! Fixtures shared by the store's tests.

use floorjudge_store::{NewProblem, NewTestcase, PackageFile};

/// A one-testcase problem `id` whose answer is `answer`.
pub fn problem(id: &str, label: Option<&str>, answer: &str) -> NewProblem {
    NewProblem {
        id: id.into(),
        label: label.map(Into::into),
        name: format!("Problem {id}"),
        color: None,
        rgb: None,
        format_version: "legacy".into(),
        problem_type: "pass-fail".into(),
        validation: "default".into(),
        validator_flags: String::new(),
        time_limit_ms: 1000,
        time_limit_source: "problem.yaml".into(),
        memory_mib: 256,
        output_mib: 8,
        package_sha256: "0".repeat(64),
        files: vec![
            PackageFile {
                path: "data/secret/1.in".into(),
                content: b"1 2\n".to_vec(),
            },
            PackageFile {
                path: "data/secret/1.ans".into(),
                content: answer.as_bytes().to_vec(),
            },
        ],
        test_groups: vec![("data/secret".into(), "{}".into())],
        testcases: vec![NewTestcase {
            group_path: "data/secret".into(),
            name: "1".into(),
            sample: false,
            input_path: "data/secret/1.in".into(),
            answer_path: "data/secret/1.ans".into(),
            description: None,
        }],
    }
}
