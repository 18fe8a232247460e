//! The store on a real SQLite file: migrations, refusal of newer schemas,
//! imports that happen whole or not at all.

mod common;

use common::problem;

use floorjudge_store::{
    Account, AccountKind, ContestSettings, Group, SCHEMA_VERSION, Store, StoreError, TeamBatch,
    TeamImport,
};

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store =
        Store::create(&dir.path().join("c.sqlite"), &ContestSettings::default()).expect("create");
    (dir, store)
}

fn team(id: &str, groups: &[&str]) -> TeamImport {
    TeamImport {
        id: id.into(),
        name: format!("Team {id}"),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
        ..Default::default()
    }
}

#[test]
fn create_applies_every_migration_and_reopens() {
    let (dir, store) = new_store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(
        store.contest().expect("contest").settings,
        ContestSettings::default()
    );
    assert_eq!(store.languages().expect("languages").len(), 6);
    drop(store);
    let again = Store::open(&dir.path().join("c.sqlite")).expect("reopen");
    assert_eq!(
        again.contest().expect("contest").settings.name,
        "floorjudge contest"
    );
    // Creating over an existing contest is refused.
    assert!(matches!(
        Store::create(&dir.path().join("c.sqlite"), &ContestSettings::default()),
        Err(StoreError::AlreadyExists(_))
    ));
}

#[test]
fn an_empty_database_file_is_migrated_from_scratch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.sqlite");
    rusqlite::Connection::open(&path).expect("create empty db");
    let store = Store::open(&path).expect("open empty");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(store.teams().expect("teams table exists").is_empty());
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let (dir, store) = new_store();
    drop(store);
    let path = dir.path().join("c.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
        .expect("bump");
    drop(conn);
    match Store::open(&path) {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 7, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let v: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("read");
    assert_eq!(v, SCHEMA_VERSION + 7, "the refused file is not modified");
}

#[test]
fn opening_a_missing_file_does_not_create_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nope.sqlite");
    assert!(matches!(Store::open(&path), Err(StoreError::Missing(_))));
    assert!(!path.exists());
}

#[test]
fn problems_get_labels_in_order_and_reimport_in_place() {
    let (_dir, mut store) = new_store();
    let a = store
        .import_problem(&problem("alpha", None, "3\n"), "test")
        .expect("alpha");
    let b = store
        .import_problem(&problem("beta", None, "3\n"), "test")
        .expect("beta");
    assert_eq!((a.label.as_str(), b.label.as_str()), ("A", "B"));
    assert!(!a.replaced);

    // Same id again: in place, same label, new answer.
    let again = store
        .import_problem(&problem("alpha", None, "4\n"), "test")
        .expect("reimport");
    assert!(again.replaced);
    assert_eq!(again.label, "A");
    let tcs = store.testcases("alpha").expect("testcases");
    assert_eq!(tcs.len(), 1);
    assert_eq!(
        store.blob(&tcs[0].answer_sha256).expect("blob"),
        Some(b"4\n".to_vec())
    );

    // By label: B is replaced by a package with another id.
    let gamma = store
        .import_problem(&problem("gamma", Some("B"), "5\n"), "test")
        .expect("by label");
    assert!(gamma.replaced);
    assert_eq!(store.problem("B").expect("B").id, "gamma");
    assert!(matches!(
        store.problem("beta"),
        Err(StoreError::NotFound { .. })
    ));

    // A label held by one problem and an id held by another: refused, nothing changed.
    let err = store
        .import_problem(&problem("alpha", Some("B"), "6\n"), "test")
        .expect_err("conflict");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.problem("A").expect("A").id, "alpha");
    let ids: Vec<_> = store
        .problems()
        .expect("list")
        .into_iter()
        .map(|p| p.problem.id)
        .collect();
    assert_eq!(ids, ["alpha", "gamma"]);
}

#[test]
fn team_import_is_all_or_nothing() {
    let (_dir, mut store) = new_store();
    let bad = TeamBatch {
        groups: vec![Group {
            id: "g1".into(),
            icpc_id: None,
            name: "G1".into(),
            hidden: false,
        }],
        teams: vec![team("1", &["g1"]), team("2", &["nope"])],
        ..Default::default()
    };
    let err = store.import_teams(&bad, "test").expect_err("unknown group");
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(store.teams().expect("teams").is_empty());
    assert!(
        store.groups().expect("groups").is_empty(),
        "the group of the failed batch is not kept"
    );

    let good = TeamBatch {
        groups: bad.groups.clone(),
        teams: vec![team("1", &["g1"]), team("2", &[])],
        accounts: vec![Account {
            id: "team1".into(),
            username: "team1".into(),
            kind: AccountKind::Team,
            name: None,
            team_id: Some("1".into()),
            ip: Some("127.0.0.2".into()),
            password_hash: Some("$argon2id$fake".into()),
        }],
        ..Default::default()
    };
    let counts = store.import_teams(&good, "test").expect("import");
    assert_eq!((counts.teams, counts.ips, counts.passwords), (2, 1, 1));
    let t1 = store.team("team1").expect("by username");
    assert_eq!(
        (t1.id.as_str(), t1.ip.as_deref(), t1.has_password),
        ("1", Some("127.0.0.2"), true)
    );
    assert_eq!(t1.group_ids, ["g1"]);
    assert_eq!(
        store.team_by_ip("127.0.0.2").expect("lookup").as_deref(),
        Some("1")
    );
}

#[test]
fn an_ip_belongs_to_one_team_and_every_change_is_audited() {
    let (_dir, mut store) = new_store();
    let batch = TeamBatch {
        teams: vec![team("1", &[]), team("2", &[])],
        ..Default::default()
    };
    store.import_teams(&batch, "test").expect("teams");
    store
        .set_team_ip("1", Some("127.0.0.5"), "alice", None)
        .expect("bind");
    let err = store
        .set_team_ip("2", Some("127.0.0.5"), "alice", None)
        .expect_err("taken");
    assert!(
        err.to_string().contains("already assigned to team 1"),
        "{err}"
    );
    assert_eq!(store.team("2").expect("2").ip, None);
    store
        .set_team_ip("1", None, "alice", Some("10.0.0.1"))
        .expect("reset");
    store
        .set_team_ip("2", Some("127.0.0.5"), "alice", None)
        .expect("now free");
    assert!(matches!(
        store.set_team_ip("99", Some("127.0.0.9"), "alice", None),
        Err(StoreError::NotFound { .. })
    ));
    let log = store.audit_log(10).expect("audit");
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[..3],
        ["team.set_ip", "team.reset_ip", "team.set_ip"]
    );
    assert_eq!(log[1].source_ip.as_deref(), Some("10.0.0.1"));
    assert!(
        log.iter()
            .all(|e| e.actor == "alice" || e.actor == "test" || e.actor == "organizer")
    );
}

#[test]
fn contest_settings_are_updated_in_place() {
    let (_dir, mut store) = new_store();
    let created = store.contest().expect("contest").created_ms;
    let s = ContestSettings {
        name: "Renamed".into(),
        penalty_minutes: 10,
        start_time_ms: Some(1_800_000_000_000),
        thawed_ms: Some(1_800_000_100_000),
        ..ContestSettings::default()
    };
    store.update_contest(&s, "alice").expect("update");
    let c = store.contest().expect("contest");
    assert_eq!(c.settings, s);
    assert_eq!(c.created_ms, created, "creation time survives an update");
    assert_eq!(
        store.audit_log(1).expect("audit")[0].action,
        "contest.update"
    );
}

#[test]
fn sessions_stay_bounded_per_workstation_and_expired_ones_go() {
    use floorjudge_store::{IdMode, SESSIONS_PER_WORKSTATION, StoredSession};
    let (_dir, mut store) = new_store();
    let batch = TeamBatch {
        teams: vec![team("1", &[])],
        ..Default::default()
    };
    store.import_teams(&batch, "test").expect("teams");
    let session = |selector: &str, ip: &str, created: i64, expires: i64| StoredSession {
        selector: selector.into(),
        team_id: "1".into(),
        ip: ip.into(),
        mode: IdMode::Ip,
        verifier_mac: "00".into(),
        created_ms: created,
        expires_ms: expires,
    };
    // one that expires early, from another address
    store
        .insert_session(&session("short", "127.0.0.9", 0, 5))
        .unwrap();
    // a workstation identifying 10 times keeps only its newest few
    for i in 0..10 {
        store
            .insert_session(&session(&format!("s{i}"), "127.0.0.2", 10 + i, 1_000_000))
            .unwrap();
    }
    let kept: Vec<i64> = (0..10)
        .filter(|i| store.session(&format!("s{i}")).unwrap().is_some())
        .collect();
    assert_eq!(kept.len() as i64, SESSIONS_PER_WORKSTATION);
    assert_eq!(
        kept,
        (10 - SESSIONS_PER_WORKSTATION..10).collect::<Vec<_>>()
    );
    assert!(store.session("short").unwrap().is_none(), "expired, purged");
}

#[test]
fn a_refused_pairing_code_is_no_longer_offered_nor_approvable() {
    let (_dir, mut s) = new_store();
    s.import_teams(
        &TeamBatch {
            teams: vec![team("5", &[])],
            ..Default::default()
        },
        "test",
    )
    .unwrap();
    s.insert_pairing_code("abc123", "127.0.0.30", 1000, 900_000)
        .unwrap();
    s.insert_pairing_code("def456", "127.0.0.31", 1001, 900_000)
        .unwrap();
    let open: Vec<String> = s
        .open_pairing_codes(2000)
        .unwrap()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(open, ["abc123", "def456"], "oldest first");
    assert!(s.open_pairing_codes(950_000).unwrap().is_empty(), "expired");
    let refused = s.refuse_pairing("abc123", "staff:judy", 3000).unwrap();
    assert_eq!(refused.ip, "127.0.0.30");
    assert!(s.open_pairing_code("127.0.0.30", 3000).unwrap().is_none());
    assert_eq!(s.open_pairing_codes(3000).unwrap().len(), 1);
    let again = s.refuse_pairing("abc123", "x", 3001).unwrap_err();
    assert!(again.to_string().contains("already refused"), "{again}");
    let approve = s.approve_pairing("abc123", "5", "x", 3002).unwrap_err();
    assert!(approve.to_string().contains("was refused"), "{approve}");
    assert!(s.team("5").unwrap().ip.is_none());
    assert!(matches!(
        s.refuse_pairing("nope", "x", 3003),
        Err(StoreError::NotFound { .. })
    ));
    s.approve_pairing("def456", "5", "x", 3004).unwrap();
    let used = s.refuse_pairing("def456", "x", 3005).unwrap_err();
    assert!(used.to_string().contains("already approved"), "{used}");
}
