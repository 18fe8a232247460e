//! Statements and samples to teams, across real processes: nothing before
//! the start; from the start the statement folder as the package has it
//! (images included) and the samples, byte for byte; never secret data,
//! and no path leads out of the statement folder.

use std::path::PathBuf;

use floorjudge_tests::*;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn package(name: &str) -> PathBuf {
    workspace().join("../shared/problems").join(name)
}

#[test]
fn teams_get_the_statement_and_samples_from_the_start_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("contest");
    let sample = workspace().join("assets/sample-contest");
    ok(jury_cmd(
        &dir,
        &["contest", "init", "--from", sample.to_str().unwrap()],
    ));
    let maximal = package("problem-package-format-2025-09/maximal");
    // a legacy-format package with a Markdown statement, an image and a sample
    let different = tmp.path().join("different");
    copy_dir(
        &workspace().join("assets/sample-contest/greetings"),
        &different,
    );
    let _ = std::fs::remove_dir_all(different.join("statement"));
    std::fs::create_dir_all(different.join("problem_statement")).unwrap();
    std::fs::write(
        different.join("problem_statement/problem.en.tex"),
        "\\problemname{Different}\nSay hello.\n",
    )
    .unwrap();
    std::fs::create_dir_all(different.join("data/sample")).unwrap();
    std::fs::write(different.join("data/sample/1.in"), "Ada\n").unwrap();
    std::fs::write(different.join("data/sample/1.ans"), "Hello, Ada!\n").unwrap();
    let yaml = std::fs::read_to_string(different.join("problem.yaml")).unwrap();
    std::fs::write(
        different.join("problem.yaml"),
        yaml.replace("greetings", "different"),
    )
    .unwrap();
    ok(jury_cmd(
        &dir,
        &[
            "problem",
            "import",
            maximal.to_str().unwrap(),
            different.to_str().unwrap(),
        ],
    ));
    let jury = JuryProcess::start(&dir, &["--no-embedded-judgehost"]);
    let ws = Workstation::new(tmp.path(), &jury.url, "127.0.0.2", free_port());
    // before the start: nothing
    let out = ws.run(&["problem", "different"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("public from the start"),
        "{}",
        stderr(&out)
    );
    ok(jury_cmd(&dir, &["contest", "start"]));
    // the legacy problem_statement/ folder, and the samples
    let listed = last_json(&ws.run(&["--json", "problem", "different"]));
    let paths: Vec<&str> = listed["statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["problem.en.tex"]);
    assert_eq!(listed["samples"][0]["name"], "1");
    let out_dir = tmp.path().join("different");
    ok(ws.run(&["problem", "different", "--out", out_dir.to_str().unwrap()]));
    for (got, want) in [
        (
            "statement/problem.en.tex",
            "problem_statement/problem.en.tex",
        ),
        ("samples/1.in", "data/sample/1.in"),
        ("samples/1.ans", "data/sample/1.ans"),
    ] {
        assert_eq!(
            std::fs::read(out_dir.join(got)).unwrap(),
            std::fs::read(different.join(want)).unwrap(),
            "{got}"
        );
    }
    // the 2023+ statement/ folder with its image
    let listed = last_json(&ws.run(&["--json", "problem", "maximal"]));
    let files = listed["statement"].as_array().unwrap();
    let png = files
        .iter()
        .find(|f| f["path"] == "kattis.png")
        .expect("the image is listed");
    assert_eq!(png["media_type"], "image/png");
    let out_dir = tmp.path().join("maximal");
    ok(ws.run(&["problem", "maximal", "--out", out_dir.to_str().unwrap()]));
    assert_eq!(
        std::fs::read(out_dir.join("statement/kattis.png")).unwrap(),
        std::fs::read(maximal.join("statement/kattis.png")).unwrap()
    );

    // straight at the API: secret data, other package files and traversal get 404
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _in_runtime = rt.enter();
    let http = ws.http();
    let token = ws.token();
    let get = |path: &str| {
        rt.block_on(async {
            let r = http
                .get(format!("{}{path}", jury.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
        })
    };
    let (status, ct, body) = get("/api/team/problems/different/statement/problem.en.tex");
    assert_eq!((status, ct.as_str()), (200, "text/x-tex; charset=utf-8"));
    assert!(!body.is_empty());
    for path in [
        "/api/team/problems/different/statement/..%2Fdata%2Fsecret%2F1.ans",
        "/api/team/problems/different/statement/../problem.yaml",
        "/api/team/problems/different/statement/data/secret/1.in",
        "/api/team/problems/different/samples/secret-1/in",
        "/api/team/problems/different/samples/1/answer",
        "/api/team/problems/nope",
        "/api/team/problems/nope/statement/x.md",
    ] {
        let (status, _, body) = get(path);
        assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
    }
    // a secret testcase's name as a sample: not served
    let secret_names: Vec<String> = std::fs::read_dir(different.join("data/secret"))
        .unwrap()
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    for name in secret_names.iter().take(3) {
        let (status, _, _) = get(&format!("/api/team/problems/different/samples/{name}/in"));
        assert_eq!(status, 404, "secret testcase {name} served as a sample");
    }
    // without a session: refused
    let anon = floorjudge_tests::jury_http(&jury.url, Some("127.0.0.2".parse().unwrap()));
    let status = rt
        .block_on(
            anon.get(format!("{}/api/team/problems/different", jury.url))
                .send(),
        )
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 401);
}
