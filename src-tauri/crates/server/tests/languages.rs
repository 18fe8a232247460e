//! The language table: defaults, `language set` and `language import`
//! (CLICS languages.json / languages.yaml), `contest init --from` with one,
//! and every bad input refused with nothing changed.

mod common;

use common::*;

fn languages(contest: &std::path::Path) -> serde_json::Value {
    jury(contest, &["--json", "language", "list"]).ok().json()
}

fn lang<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list.as_array()
        .expect("list")
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {list}"))
}

#[test]
fn a_new_contest_has_every_language_the_judgehost_judges() {
    let (_tmp, contest) = new_contest();
    let list = languages(&contest);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c", "cpp", "java", "kotlin", "python3", "rust"]);
    assert_eq!(lang(&list, "java")["backend"], "native");
    assert_eq!(lang(&list, "cpp")["backend"], "wasm");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|l| l["time_factor"] == 1.0)
    );
    let status = jury(&contest, &["status"]).ok();
    assert!(status.stdout.contains("java (native)"), "{}", status.stdout);
}

#[test]
fn set_changes_one_language_and_refuses_nonsense() {
    let (_tmp, contest) = new_contest();
    let list = jury(
        &contest,
        &[
            "--json",
            "language",
            "set",
            "kotlin",
            "--time-factor",
            "2",
            "--deny",
        ],
    )
    .ok()
    .json();
    assert_eq!(lang(&list, "kotlin")["time_factor"], 2.0);
    assert_eq!(lang(&list, "kotlin")["allow_submit"], false);
    let status = jury(&contest, &["status"]).ok();
    assert!(
        !status.stdout.contains("kotlin"),
        "closed languages are not listed: {}",
        status.stdout
    );
    let before = languages(&contest);
    jury(&contest, &["language", "set", "java", "--time-factor", "0"])
        .fails_with(&["java", "outside"]);
    jury(
        &contest,
        &["language", "set", "java", "--time-factor", "NaN"],
    )
    .fails_with(&["java", "outside"]);
    jury(&contest, &["language", "set", "go", "--allow"]).fails_with(&["no language \"go\""]);
    jury(&contest, &["language", "set", "java"]).fails_with(&["nothing to change"]);
    jury(&contest, &["language", "set", "java", "--allow", "--deny"])
        .fails_with(&["cannot be used with"]);
    assert_eq!(
        languages(&contest),
        before,
        "refused changes change nothing"
    );
    let audit = jury(&contest, &["--json", "audit"]).ok().json();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "language.update"),
        "{audit}"
    );
}

#[test]
fn a_clics_languages_file_becomes_the_table() {
    let (tmp, contest) = new_contest();
    // the CLICS specification's own example (java, cpp, python3)
    let example = shared()
        .join("contest-samples/ccs-specs/examples-2023-06/contest-api/interface-specification-languages-1.json");
    let list = jury(
        &contest,
        &["--json", "language", "import", example.to_str().unwrap()],
    )
    .ok()
    .json();
    let open: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["allow_submit"] == true)
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(open, ["cpp", "java", "python3"]);
    assert_eq!(lang(&list, "cpp")["name"], "GNU C++");
    assert!(
        lang(&list, "cpp")["extensions"]
            .as_array()
            .unwrap()
            .contains(&"C".into())
    );
    assert_eq!(lang(&list, "java")["compiler"], "javac -O {files}");

    // bad files: nothing changes
    let before = languages(&contest);
    let bad = |name: &str, body: &str, needles: &[&str]| {
        let path = tmp.path().join(name);
        write(&path, body);
        jury(&contest, &["language", "import", path.to_str().unwrap()]).fails_with(needles);
        assert_eq!(languages(&contest), before, "{name}");
    };
    bad(
        "unknown.yaml",
        "- id: cpp\n- id: haskell\n  name: Haskell\n",
        &["unknown.yaml:2", "haskell", "cannot judge"],
    );
    bad("twice.yaml", "- id: java\n- id: java\n", &["listed twice"]);
    bad(
        "factor.yaml",
        "- id: java\n  time_factor: 100\n",
        &["outside"],
    );
    bad("empty.yaml", "[]\n", &["lists no language"]);
    bad("notalist.yaml", "id: java\n", &["invalid YAML"]);
    bad("noid.json", "[{\"name\": \"C\"}]", &["invalid JSON", "id"]);
}

#[test]
fn contest_init_from_a_folder_reads_its_languages_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let from = tmp.path().join("pkg");
    write(
        &from.join("contest.yaml"),
        "name: With languages\nduration: 1:00:00\n",
    );
    write(
        &from.join("languages.yaml"),
        "- id: c\n- id: kt\n  time_factor: 1.5\n- id: py3\n  name: PyPy-free Python\n",
    );
    write(&from.join("sum/data/secret/1.in"), "1 2\n");
    write(&from.join("sum/data/secret/1.ans"), "3\n");
    let contest = tmp.path().join("c");
    jury(
        &contest,
        &["contest", "init", "--from", from.to_str().unwrap()],
    )
    .ok();
    let list = languages(&contest);
    assert_eq!(lang(&list, "kotlin")["time_factor"], 1.5);
    assert_eq!(lang(&list, "python3")["name"], "PyPy-free Python");
    assert_eq!(lang(&list, "java")["allow_submit"], false);
    // a bad languages.yaml stops the init before any contest exists
    write(&from.join("languages.yaml"), "- id: cobol\n");
    let other = tmp.path().join("d");
    jury(
        &other,
        &["contest", "init", "--from", from.to_str().unwrap()],
    )
    .fails_with(&["cobol"]);
    jury(&other, &["status"]).fails_with(&["holds no contest"]);
}

#[test]
fn c_and_cpp_may_be_judged_natively_and_nothing_else_changes_backend() {
    let (_tmp, contest) = new_contest();
    let list = jury(
        &contest,
        &["--json", "language", "set", "cpp", "--backend", "native"],
    )
    .ok()
    .json();
    assert_eq!(lang(&list, "cpp")["backend"], "native");
    assert!(
        lang(&list, "cpp")["compiler"]
            .as_str()
            .unwrap()
            .starts_with("g++"),
        "{list}"
    );
    let status = jury(&contest, &["status"]).ok();
    assert!(status.stdout.contains("cpp (native)"), "{}", status.stdout);
    let before = languages(&contest);
    jury(
        &contest,
        &["language", "set", "rust", "--backend", "native"],
    )
    .fails_with(&["rust", "not one that judges it", "wasm"]);
    jury(&contest, &["language", "set", "java", "--backend", "wasm"])
        .fails_with(&["java", "native"]);
    jury(&contest, &["language", "set", "c", "--backend", "gpu"]).fails_with(&["gpu"]);
    assert_eq!(languages(&contest), before);
    // and back
    let list = jury(
        &contest,
        &["--json", "language", "set", "cpp", "--backend", "wasm"],
    )
    .ok()
    .json();
    assert!(
        lang(&list, "cpp")["compiler"]
            .as_str()
            .unwrap()
            .starts_with("clang++"),
        "{list}"
    );
}
