//! `problem import` and `contest init --from` against the real packages in
//! `../shared/problems`, and every kind of broken package.

mod common;

use std::path::Path;

use common::*;

/// Testcases a package holds, counted straight from its files: every `.in`
/// under data/sample or data/secret (any depth) with an `.ans` beside it.
fn count_testcases(pkg: &Path) -> (usize, usize) {
    fn walk(dir: &Path, n: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, n);
            } else if p.extension().is_some_and(|x| x == "in") && p.with_extension("ans").is_file()
            {
                *n += 1;
            }
        }
    }
    let (mut sample, mut secret) = (0, 0);
    walk(&pkg.join("data/sample"), &mut sample);
    walk(&pkg.join("data/secret"), &mut secret);
    (sample, secret)
}

/// Copies a package (data only, as ../shared keeps them) and adds an output
/// validator, as its real package ships one.
fn with_validator(pkg: &Path, into: &Path) -> std::path::PathBuf {
    let dest = into.join(pkg.file_name().expect("name"));
    copy_tree(pkg, &dest);
    write(
        &dest.join("output_validators/check/validate.cpp"),
        "int main() { return 42; }\n",
    );
    dest
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("list").flatten() {
        let (f, t) = (e.path(), to.join(e.file_name()));
        if f.is_dir() {
            copy_tree(&f, &t);
        } else {
            std::fs::copy(&f, &t).expect("copy");
        }
    }
}

/// Whether problem.yaml asks for a custom validator (outside comments).
fn needs_validator(pkg: &Path) -> bool {
    std::fs::read_to_string(pkg.join("problem.yaml")).is_ok_and(|y| {
        y.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .any(|l| {
                (l.starts_with("validation:") && l.contains("custom"))
                    || (l.starts_with("type:")
                        && (l.contains("interactive") || l.contains("multi-pass")))
            })
    })
}

/// Every problem package in ../shared/problems (folders holding problem.yaml or data/).
fn shared_packages() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![problems("")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("list").flatten() {
            let p = e.path();
            if !p.is_dir() {
                continue;
            }
            if p.join("problem.yaml").is_file() || p.join("data").is_dir() {
                out.push(p);
            } else {
                stack.push(p);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 15,
        "expected the shared packages, found {out:?}"
    );
    out
}

#[test]
fn every_shared_package_imports_unchanged_or_is_refused_with_a_reason() {
    let (_tmp, contest) = new_contest();
    let mut imported = 0;
    let mut refused_for_validator = 0;
    for pkg in shared_packages() {
        let path = pkg.to_str().expect("utf-8 path");
        let run = jury(&contest, &["--json", "problem", "import", path]);
        let id = pkg.file_name().expect("name").to_str().expect("utf-8");
        let is_submit_answer = std::fs::read_to_string(pkg.join("problem.yaml"))
            .is_ok_and(|y| y.contains("submit-answer"));
        if is_submit_answer {
            run.fails_with(&["submit-answer problems are not supported"]);
            continue;
        }
        if !pkg.join("data").is_dir() {
            run.fails_with(&[id, "missing data/ folder"]);
            continue;
        }
        if needs_validator(&pkg) && !pkg.join("output_validators").is_dir() {
            run.fails_with(&[id, "has no output validator", "add one and import again"]);
            refused_for_validator += 1;
            continue;
        }
        let reports = run.ok().json();
        let r = &reports[0];
        let (sample, secret) = count_testcases(&pkg);
        assert_eq!(r["id"], id);
        assert_eq!(
            (r["samples"].as_u64(), r["secret"].as_u64()),
            (Some(sample as u64), Some(secret as u64)),
            "{id}: testcase counts differ from the files"
        );
        assert!(sample + secret > 0, "{id}");
        imported += 1;
    }
    assert!(imported >= 9, "only {imported} packages imported");
    assert!(
        refused_for_validator >= 5,
        "different, guess, boolfind, hangman, jumble, knapsack ship no validator here: \
         {refused_for_validator} refused"
    );
    // Ids that appear twice (hello) were updated in place, not duplicated.
    let list = jury(&contest, &["--json", "problem", "list"]).ok().json();
    let ids: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
}

#[test]
fn limits_and_validation_come_from_the_right_files() {
    let (tmp, contest) = new_contest();
    let guess = with_validator(&problems("guess"), tmp.path());
    let different = with_validator(&problems("different"), tmp.path());
    let run = |p: &str| {
        let path = match p {
            "guess" => guess.clone(),
            "different" => different.clone(),
            _ => problems(p),
        };
        jury(
            &contest,
            &["--json", "problem", "import", path.to_str().expect("path")],
        )
        .ok()
        .json()[0]
            .clone()
    };
    let hello = run("hello");
    assert_eq!(
        (
            hello["memory_mib"].as_u64(),
            hello["time_limit_source"].as_str()
        ),
        (Some(512), Some("contest default"))
    );
    let fltcmp = run("domjudge-example/fltcmp");
    assert_eq!(
        (
            fltcmp["time_limit_ms"].as_u64(),
            fltcmp["time_limit_source"].as_str()
        ),
        (Some(5000), Some(".timelimit"))
    );
    let maximal = run("problem-package-format-2025-09/maximal");
    assert_eq!(
        (
            maximal["time_limit_ms"].as_u64(),
            maximal["time_limit_source"].as_str()
        ),
        (Some(10000), Some("problem.yaml"))
    );
    let guess = run("guess");
    assert_eq!(guess["validation"], "custom interactive");
    assert_eq!(guess["name"], "Guess the Number");
    let oddecho = run("oddecho");
    assert_eq!(
        oddecho["groups"], 5,
        "data, sample, secret and two subtasks"
    );
    let different = run("different");
    assert_eq!(different["validation"], "custom");
    assert_eq!(different["has_output_validator"], true);
    // Without its validator, a custom-validation package is refused, and
    // nothing is added.
    jury(
        &contest,
        &["problem", "import", problems("guess").to_str().expect("p")],
    )
    .fails_with(&["custom interactive", "has no output validator"]);
    // Labels follow import order.
    let labels: Vec<String> = jury(&contest, &["--json", "problem", "list"])
        .ok()
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                p["label"].as_str().expect("l"),
                p["id"].as_str().expect("id")
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            "A=hello",
            "B=fltcmp",
            "C=maximal",
            "D=guess",
            "E=oddecho",
            "F=different"
        ]
    );
}

#[test]
fn init_from_a_domjudge_contest_folder_takes_labels_colors_and_settings() {
    let tmp = tempfile::tempdir().expect("tmp");
    let contest = tmp.path().join("c");
    // As kept here (data only), its interactive and multi-pass problems
    // have no validator: the whole init is refused, naming the first.
    jury(
        &contest,
        &[
            "contest",
            "init",
            "--from",
            problems("domjudge-example").to_str().expect("p"),
        ],
    )
    .fails_with(&["boolfind", "has no output validator"]);
    jury(&contest, &["status"]).fails_with(&["holds no contest"]);
    // With validators where the real packages have them, it imports.
    let from = tmp.path().join("domjudge-example");
    std::fs::create_dir_all(&from).expect("mkdir");
    for e in std::fs::read_dir(problems("domjudge-example"))
        .expect("list")
        .flatten()
    {
        let p = e.path();
        if p.is_dir() && needs_validator(&p) {
            with_validator(&p, &from);
        } else if p.is_dir() {
            copy_tree(&p, &from.join(e.file_name()));
        } else {
            std::fs::copy(&p, from.join(e.file_name())).expect("copy");
        }
    }
    jury(
        &contest,
        &["contest", "init", "--from", from.to_str().expect("path")],
    )
    .ok();
    let status = jury(&contest, &["--json", "status"]).ok().json();
    assert_eq!(status["contest"]["id"], "demo");
    assert_eq!(status["contest"]["name"], "Demo contest");
    assert_eq!(status["contest"]["duration_s"], 18000);
    assert_eq!(status["contest"]["freeze_s"], 3600);
    assert_eq!(status["contest"]["penalty_minutes"], 20);
    let problems: Vec<(String, String, String)> = status["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["label"].as_str().expect("l").into(),
                p["id"].as_str().expect("i").into(),
                p["rgb"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(problems[0], ("A".into(), "hello".into(), "#9486EA".into()));
    assert_eq!(problems[4], ("E".into(), "hangman".into(), "#6f0".into()));
    assert_eq!(status["problems"][4]["time_limit_ms"], 1000);
    // A second init into the same folder is refused and keeps the contest.
    jury(&contest, &["contest", "init"]).fails_with(&["already holds a contest"]);
    assert_eq!(
        jury(&contest, &["--json", "status"]).ok().json()["contest"]["id"],
        "demo"
    );
}

#[test]
fn init_from_a_folder_with_a_bad_package_leaves_no_contest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let from = tmp.path().join("pkgs");
    write(
        &from.join("contest.yaml"),
        "name: Broken\nduration: 1:00:00\n",
    );
    write(&from.join("good/data/secret/1.in"), "1\n");
    write(&from.join("good/data/secret/1.ans"), "1\n");
    write(&from.join("bad/problem.yaml"), "name: Bad\n");
    write(&from.join("bad/data/secret/1.in"), "1\n");
    let contest = tmp.path().join("c");
    jury(
        &contest,
        &["contest", "init", "--from", from.to_str().expect("p")],
    )
    .fails_with(&["bad/data/secret/1.in", "1.ans"]);
    jury(&contest, &["status"]).fails_with(&["holds no contest"]);
}

#[test]
fn reimport_updates_in_place_by_label() {
    let (tmp, contest) = new_contest();
    let pkg = tmp.path().join("sum");
    write(
        &pkg.join("problem.yaml"),
        "name: Sum\nlimits:\n  time_limit: 1\n",
    );
    write(&pkg.join("data/secret/1.in"), "1 2\n");
    write(&pkg.join("data/secret/1.ans"), "3\n");
    let p = pkg.to_str().expect("p");
    assert_eq!(
        jury(&contest, &["--json", "problem", "import", p])
            .ok()
            .json()[0]["label"],
        "A"
    );
    write(&pkg.join("data/secret/2.in"), "2 2\n");
    write(&pkg.join("data/secret/2.ans"), "4\n");
    let again = jury(&contest, &["--json", "problem", "import", p])
        .ok()
        .json();
    assert_eq!(
        (
            again[0]["label"].as_str(),
            again[0]["replaced"].as_bool(),
            again[0]["secret"].as_u64()
        ),
        (Some("A"), Some(true), Some(2))
    );
    // Under an explicit label, a new folder replaces that problem.
    let pkg2 = tmp.path().join("sum2");
    write(&pkg2.join("data/secret/1.in"), "5 5\n");
    write(&pkg2.join("data/secret/1.ans"), "10\n");
    let r = jury(
        &contest,
        &[
            "--json",
            "problem",
            "import",
            "--label",
            "A",
            pkg2.to_str().expect("p"),
        ],
    )
    .ok()
    .json();
    assert_eq!(
        (r[0]["id"].as_str(), r[0]["replaced"].as_bool()),
        (Some("sum2"), Some(true))
    );
    let list = jury(&contest, &["--json", "problem", "list"]).ok().json();
    assert_eq!(list.as_array().expect("list").len(), 1);
    jury(&contest, &["problem", "import", "--label", "no way!", p]).fails_with(&["label"]);
}

fn broken_case(setup: impl FnOnce(&Path), needles: &[&str]) {
    let (tmp, contest) = new_contest();
    let ok = tmp.path().join("ok");
    write(&ok.join("data/secret/1.in"), "1\n");
    write(&ok.join("data/secret/1.ans"), "1\n");
    jury(&contest, &["problem", "import", ok.to_str().expect("p")]).ok();
    let before = snapshot(&contest);
    let pkg = tmp.path().join("broken");
    setup(&pkg);
    // Imported together with a good package: the whole command is refused.
    let good2 = tmp.path().join("fine");
    write(&good2.join("data/secret/1.in"), "2\n");
    write(&good2.join("data/secret/1.ans"), "2\n");
    jury(
        &contest,
        &[
            "problem",
            "import",
            good2.to_str().expect("p"),
            pkg.to_str().expect("p"),
        ],
    )
    .fails_with(needles);
    assert_eq!(
        snapshot(&contest),
        before,
        "a refused import changed the contest"
    );
}

#[test]
fn a_package_without_data_is_refused() {
    broken_case(
        |p| write(&p.join("problem.yaml"), "name: X\n"),
        &["broken/data", "missing data/ folder"],
    );
}

#[test]
fn an_input_without_answer_is_refused() {
    broken_case(
        |p| {
            write(&p.join("data/secret/1.in"), "1\n");
            write(&p.join("data/secret/1.ans"), "1\n");
            write(&p.join("data/secret/2.in"), "2\n");
        },
        &["broken/data/secret/2.in", "no 2.ans"],
    );
}

#[test]
fn a_broken_problem_yaml_is_refused_with_its_line() {
    broken_case(
        |p| {
            write(
                &p.join("problem.yaml"),
                "name: X\nlimits:\n  time_limit: [1,\n",
            );
            write(&p.join("data/secret/1.in"), "1\n");
            write(&p.join("data/secret/1.ans"), "1\n");
        },
        &["broken/problem.yaml:", "not valid YAML"],
    );
    broken_case(
        |p| {
            write(&p.join("problem.yaml"), "name: X\nlimits:\n  memory: -5\n");
            write(&p.join("data/secret/1.in"), "1\n");
            write(&p.join("data/secret/1.ans"), "1\n");
        },
        &["broken/problem.yaml:3:", "memory"],
    );
}

#[test]
fn a_broken_testdata_yaml_is_refused() {
    broken_case(
        |p| {
            write(&p.join("data/secret/testdata.yaml"), "on_reject: [\n");
            write(&p.join("data/secret/1.in"), "1\n");
            write(&p.join("data/secret/1.ans"), "1\n");
        },
        &["broken/data/secret/testdata.yaml", "not valid YAML"],
    );
}

#[test]
fn a_symlink_out_of_the_package_is_refused() {
    broken_case(
        |p| {
            write(&p.join("data/secret/1.in"), "1\n");
            std::fs::create_dir_all(p.join("data/secret")).expect("mkdir");
            std::os::unix::fs::symlink("/etc/passwd", p.join("data/secret/1.ans"))
                .expect("symlink");
        },
        &["symlink points outside the package"],
    );
}

#[test]
fn zips_import_and_zip_slip_is_refused() {
    use std::io::Write;
    let (tmp, contest) = new_contest();
    let zip_with = |name: &str, entries: &[(&str, &str)]| {
        let path = tmp.path().join(name);
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        for (n, c) in entries {
            z.start_file(*n, zip::write::SimpleFileOptions::default())
                .expect("entry");
            z.write_all(c.as_bytes()).expect("write");
        }
        z.finish().expect("finish");
        path
    };
    let good = zip_with(
        "plus.zip",
        &[
            ("problem.yaml", "name: Plus\n"),
            ("data/sample/1.in", "1\n"),
            ("data/sample/1.ans", "2\n"),
            ("data/secret/a.in", "3\n"),
            ("data/secret/a.ans", "4\n"),
        ],
    );
    let r = jury(
        &contest,
        &["--json", "problem", "import", good.to_str().expect("p")],
    )
    .ok()
    .json();
    assert_eq!(
        (
            r[0]["id"].as_str(),
            r[0]["samples"].as_u64(),
            r[0]["secret"].as_u64()
        ),
        (Some("plus"), Some(1), Some(1))
    );
    let nested = zip_with(
        "download.zip",
        &[
            ("minus/problem.yaml", "name: Minus\n"),
            ("minus/data/secret/1.in", "1\n"),
            ("minus/data/secret/1.ans", "0\n"),
        ],
    );
    let r = jury(
        &contest,
        &["--json", "problem", "import", nested.to_str().expect("p")],
    )
    .ok()
    .json();
    assert_eq!(
        r[0]["id"], "minus",
        "a zip with one top folder takes that folder's name"
    );
    let before = snapshot(&contest);
    let evil = zip_with(
        "evil.zip",
        &[
            ("data/secret/1.in", "1\n"),
            ("data/secret/1.ans", "1\n"),
            ("../../escape.txt", "x"),
        ],
    );
    jury(&contest, &["problem", "import", evil.to_str().expect("p")])
        .fails_with(&["evil.zip", "unsafe path"]);
    assert!(!tmp.path().join("escape.txt").exists());
    let not_zip = tmp.path().join("junk.zip");
    std::fs::write(&not_zip, "this is not a zip").expect("write");
    jury(
        &contest,
        &["problem", "import", not_zip.to_str().expect("p")],
    )
    .fails_with(&["junk.zip", "not a valid zip"]);
    assert_eq!(snapshot(&contest), before);
}

#[test]
fn bad_arguments_are_named() {
    let (tmp, contest) = new_contest();
    jury(&contest, &["problem", "import", "/nonexistent/pkg"])
        .fails_with(&["/nonexistent/pkg", "cannot read"]);
    let weird = tmp.path().join("bad id!");
    write(&weird.join("data/secret/1.in"), "1\n");
    write(&weird.join("data/secret/1.ans"), "1\n");
    jury(&contest, &["problem", "import", weird.to_str().expect("p")])
        .fails_with(&["cannot be a problem id"]);
    let contest_folder = problems("domjudge-example");
    jury(
        &contest,
        &["problem", "import", contest_folder.to_str().expect("p")],
    )
    .fails_with(&["contest folder", "contest init --from"]);
    let nowhere = tmp.path().join("no-contest-here");
    jury(&nowhere, &["status"]).fails_with(&["holds no contest", "contest init"]);
    assert!(!nowhere.exists(), "status must not create a contest");
}

#[test]
fn the_sample_contest_in_assets_is_complete() {
    let tmp = tempfile::tempdir().expect("tmp");
    let contest = tmp.path().join("c");
    let from = repo().join("assets/sample-contest");
    let report = jury(
        &contest,
        &[
            "--json",
            "contest",
            "init",
            "--from",
            from.to_str().expect("p"),
        ],
    )
    .ok()
    .json();
    assert_eq!(report["warnings"], serde_json::json!([]));
    let status = jury(&contest, &["--json", "status"]).ok().json();
    assert_eq!(status["contest"]["id"], "floordemo");
    assert_eq!(
        (status["teams"].as_u64(), status["teams_with_ip"].as_u64()),
        (Some(6), Some(4))
    );
    let labels: Vec<&str> = status["problems"]
        .as_array()
        .expect("p")
        .iter()
        .map(|p| p["label"].as_str().expect("l"))
        .collect();
    assert_eq!(labels, ["A", "B", "C"]);
    for (p, (sample, secret)) in
        status["problems"]
            .as_array()
            .expect("p")
            .iter()
            .zip([(1, 8), (2, 5), (1, 2)])
    {
        assert_eq!(
            (p["samples"].as_u64(), p["secret"].as_u64()),
            (Some(sample), Some(secret)),
            "{}",
            p["id"]
        );
    }
    let teams = jury(&contest, &["--json", "team", "list"]).ok().json();
    for t in teams.as_array().expect("teams") {
        let n: u32 = t["id"].as_str().expect("id").parse().expect("numeric id");
        let expected = (n <= 4).then(|| format!("127.0.0.{}", n + 1));
        assert_eq!(t["ip"].as_str().map(str::to_owned), expected);
    }
}
