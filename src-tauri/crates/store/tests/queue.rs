//! The judge queue on a real SQLite file: order, leases, expiry, binding of
//! results to the lease, rejudges that keep both verdicts.

mod common;

use common::problem;
use floorjudge_proto::Verdict;

use floorjudge_store::{
    ContestSettings, Inserted, JudgeState, LeaseCheck, NewSubmission, RejudgeFilter, RunRow, Store,
    SubmittedFile, TeamBatch, TeamImport, sha256_hex,
};

fn setup() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::create(&dir.path().join("c.sqlite"), &ContestSettings::default()).unwrap();
    s.import_problem(&problem("p", None, "1\n"), "test")
        .unwrap();
    s.import_teams(
        &TeamBatch {
            teams: vec![TeamImport {
                id: "t".into(),
                name: "T".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        "test",
    )
    .unwrap();
    s.add_judgehost("a", "key-a", "test").unwrap();
    s.add_judgehost("b", "key-b", "test").unwrap();
    (dir, s)
}

fn received(s: &mut Store, n: u8) -> i64 {
    let src = vec![b'x', n];
    let Inserted::New(id) = s
        .insert_submission(&NewSubmission {
            team_id: "t".into(),
            problem_id: "p".into(),
            language_id: "c".into(),
            source_ip: "127.0.0.2".into(),
            callback_name: format!("cb{n}"),
            callback_port: 1,
            client_nonce: format!("{n:032x}"),
            files: vec![SubmittedFile {
                name: "a.c".into(),
                size: 2,
                sha256: sha256_hex(&src),
            }],
        })
        .unwrap()
    else {
        panic!("not new")
    };
    assert!(s.receive_submission(id, &[("a.c".into(), src)]).unwrap());
    id
}

fn run(testcase_id: i64) -> RunRow {
    RunRow {
        testcase_id,
        verdict: Verdict::Accepted,
        fuel: 1,
        time_ms: 0,
        memory_bytes: 0,
        message: String::new(),
        team_output: None,
    }
}

#[test]
fn jobs_go_in_order_and_results_count_only_under_the_live_lease() {
    let (_d, mut s) = setup();
    let ids = s.judgehosts().unwrap();
    let (a, b) = (ids[0].id, ids[1].id);
    let tc = s.testcases("p").unwrap()[0].id;
    let first = received(&mut s, 1);
    let second = received(&mut s, 2);
    assert_eq!(
        s.judge_state(first).unwrap(),
        JudgeState::Queued { position: 1 }
    );
    assert_eq!(
        s.judge_state(second).unwrap(),
        JudgeState::Queued { position: 2 }
    );

    let l1 = s.lease_job(a, "n1", 1000, 2000).unwrap().unwrap();
    assert_eq!(l1.submission_id, first);
    assert_eq!(s.judge_state(first).unwrap(), JudgeState::Judging);
    assert_eq!(
        s.judge_state(second).unwrap(),
        JudgeState::Queued { position: 1 }
    );
    // b cannot report on a's lease; a can, with its nonce only
    assert_eq!(
        s.record_runs(l1.judging_id, b, "n1", &[run(tc)], 0)
            .unwrap(),
        Err(LeaseCheck::NotYours)
    );
    assert_eq!(
        s.record_runs(l1.judging_id, a, "other", &[run(tc)], 0)
            .unwrap(),
        Err(LeaseCheck::NotYours)
    );
    assert_eq!(
        s.record_runs(l1.judging_id, a, "n1", &[run(tc)], 0)
            .unwrap(),
        Ok(())
    );
    // the lease runs out: the job goes back, its partial run is dropped
    let expired = s.expire_leases(2001).unwrap();
    assert_eq!(
        expired
            .iter()
            .map(|e| (e.judging_id, e.lost_leases, e.given_up))
            .collect::<Vec<_>>(),
        vec![(l1.judging_id, 1, false)]
    );
    let l2 = s.lease_job(b, "n2", 2001, 5000).unwrap().unwrap();
    assert_eq!((l2.judging_id, l2.leases), (l1.judging_id, 2));
    assert!(s.judgings(first).unwrap()[0].runs.is_empty());
    assert_eq!(
        s.finish_judging(
            l1.judging_id,
            a,
            "n1",
            Some(Verdict::Accepted),
            "",
            None,
            2002
        )
        .unwrap(),
        Err(LeaseCheck::NotYours)
    );
    assert_eq!(
        s.finish_judging(
            l2.judging_id,
            b,
            "n2",
            Some(Verdict::WrongAnswer),
            "",
            None,
            2002
        )
        .unwrap(),
        Ok(())
    );
    assert_eq!(
        s.finish_judging(
            l2.judging_id,
            b,
            "n2",
            Some(Verdict::Accepted),
            "",
            None,
            2003
        )
        .unwrap(),
        Err(LeaseCheck::Finished)
    );
    assert_eq!(
        s.judge_state(first).unwrap(),
        JudgeState::Judged {
            verdict: Some(Verdict::WrongAnswer)
        }
    );

    // a rejudge waits behind new submissions and replaces the verdict when done
    let l3 = s.lease_job(a, "n3", 3000, 9000).unwrap().unwrap();
    assert_eq!(l3.submission_id, second);
    s.finish_judging(
        l3.judging_id,
        a,
        "n3",
        Some(Verdict::Accepted),
        "",
        None,
        3001,
    )
    .unwrap()
    .unwrap();
    let queued = s
        .rejudge(
            &RejudgeFilter {
                submissions: vec![first],
                ..Default::default()
            },
            "test",
        )
        .unwrap();
    assert_eq!(queued.len(), 1);
    let third = received(&mut s, 3);
    let next = s.lease_job(a, "n4", 4000, 9000).unwrap().unwrap();
    assert_eq!(next.submission_id, third, "new submissions before rejudges");
    let re = s.lease_job(b, "n5", 4000, 9000).unwrap().unwrap();
    assert_eq!(re.judging_id, queued[0].1);
    // until the rejudge is done the old verdict counts
    assert_eq!(
        s.judge_state(first).unwrap(),
        JudgeState::Judged {
            verdict: Some(Verdict::WrongAnswer)
        }
    );
    s.finish_judging(
        re.judging_id,
        b,
        "n5",
        Some(Verdict::Accepted),
        "",
        None,
        4001,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        s.judge_state(first).unwrap(),
        JudgeState::Judged {
            verdict: Some(Verdict::Accepted)
        }
    );
    let all = s.judgings(first).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].verdict, all[0].valid),
        (Some(Verdict::WrongAnswer), false)
    );
    assert_eq!(
        (all[1].verdict, all[1].valid, all[1].rejudge_of),
        (Some(Verdict::Accepted), true, Some(all[0].id))
    );
    // an open judging is not rejudged again; a filter is required
    assert!(
        s.rejudge(
            &RejudgeFilter {
                submissions: vec![third],
                ..Default::default()
            },
            "t"
        )
        .unwrap()
        .is_empty()
    );
    assert!(s.rejudge(&RejudgeFilter::default(), "t").is_err());
    assert!(
        s.rejudge(
            &RejudgeFilter {
                submissions: vec![999],
                ..Default::default()
            },
            "t"
        )
        .is_err()
    );
}

#[test]
fn revoking_a_judgehost_returns_its_jobs_and_replays_are_remembered() {
    let (_d, mut s) = setup();
    let a = s.judgehosts().unwrap()[0].id;
    let id = received(&mut s, 1);
    s.lease_job(a, "n", 0, i64::MAX).unwrap().unwrap();
    s.revoke_judgehost("a", "test").unwrap();
    assert_eq!(
        s.judge_state(id).unwrap(),
        JudgeState::Queued { position: 1 }
    );
    assert!(s.judgehost_by_key("key-a").unwrap().is_none());
    assert!(
        s.add_judgehost("b", "key-b2", "test").is_err(),
        "an active name is not reissued"
    );
    assert!(s.remember_signature("sig", 100, 0).unwrap());
    assert!(!s.remember_signature("sig", 101, 0).unwrap());
    assert!(
        s.remember_signature("sig", 5000, 200).unwrap(),
        "forgotten after the window"
    );
}

#[test]
fn a_judging_that_loses_its_lease_three_times_ends_as_a_judge_error() {
    let (_d, mut s) = setup();
    let a = s.judgehosts().unwrap()[0].id;
    let sub = received(&mut s, 1);
    // a graceful return (a judgehost shutting down) is not a lost lease
    let l = s.lease_job(a, "r", 0, 100).unwrap().unwrap();
    assert_eq!(s.return_job(l.judging_id, a, "r").unwrap(), Ok(()));
    let mut now = 1000;
    for lost in 1..=3 {
        let l = s
            .lease_job(a, &format!("n{lost}"), now, now + 100)
            .unwrap()
            .expect("leased again");
        now += 101;
        let expired = s.expire_leases(now).unwrap();
        assert_eq!(
            expired,
            vec![floorjudge_store::ExpiredLease {
                judging_id: l.judging_id,
                lost_leases: lost,
                given_up: lost == floorjudge_store::MAX_LOST_LEASES,
            }]
        );
    }
    assert!(
        s.lease_job(a, "n4", now, now + 100).unwrap().is_none(),
        "not leased a fourth time"
    );
    assert_eq!(
        s.judge_state(sub).unwrap(),
        JudgeState::Judged { verdict: None }
    );
    let j = &s.judgings(sub).unwrap()[0];
    assert_eq!((j.state.as_str(), j.verdict), ("done", None));
    let error = j.error.as_deref().expect("judge error for the jury");
    assert!(error.contains("3 times"), "{error}");
    assert!(
        s.audit_log(100)
            .unwrap()
            .iter()
            .any(|e| e.action == "judging.given_up")
    );
}

#[test]
fn only_news_of_its_job_keeps_a_lease_and_a_restarted_judgehost_loses_its_old_leases() {
    let (_d, mut s) = setup();
    let hosts = s.judgehosts().unwrap();
    let (a, b) = (hosts[0].id, hosts[1].id);
    let tc = s.testcases("p").unwrap()[0].id;
    let first = received(&mut s, 1);
    let _second = received(&mut s, 2);
    let l1 = s.lease_job(a, "n1", 0, 1000).unwrap().unwrap();
    let l2 = s.lease_job(b, "n2", 0, 1000).unwrap().unwrap();
    // a's request about nothing, and a heartbeat naming b's job, extend nothing
    s.judgehost_seen(a, 500, None, 5000, &[]).unwrap();
    s.judgehost_seen(a, 500, Some("{}"), 5000, &[l2.judging_id])
        .unwrap();
    // b's heartbeat naming its own job does
    s.judgehost_seen(b, 500, Some("{}"), 5000, &[l2.judging_id])
        .unwrap();
    let expired: Vec<i64> = s
        .expire_leases(1001)
        .unwrap()
        .iter()
        .map(|e| e.judging_id)
        .collect();
    assert_eq!(expired, [l1.judging_id]);
    // runs are news of the job too
    let l1 = s.lease_job(a, "n3", 1001, 2000).unwrap().unwrap();
    assert_eq!(l1.submission_id, first);
    assert_eq!(
        s.record_runs(l1.judging_id, a, "n3", &[run(tc)], 9000)
            .unwrap(),
        Ok(())
    );
    assert!(
        s.expire_leases(4000).unwrap().is_empty(),
        "both leases extended"
    );
    // a registers again (a new run): its job goes back at once, as lost
    let released = s.release_leases_of(a, 2500).unwrap();
    assert_eq!(
        released,
        vec![floorjudge_store::ExpiredLease {
            judging_id: l1.judging_id,
            lost_leases: 2,
            given_up: false,
        }]
    );
    assert_eq!(
        s.judge_state(first).unwrap(),
        JudgeState::Queued { position: 1 }
    );
    assert!(
        s.judgings(first).unwrap()[0].runs.is_empty(),
        "partial runs dropped"
    );
    assert!(s.release_leases_of(a, 2600).unwrap().is_empty());
    assert!(
        s.audit_log(50)
            .unwrap()
            .iter()
            .any(|e| e.action == "judging.lease_lost_on_register")
    );
}

/// Leases the next job on judgehost `host` and finishes it with `verdict`.
fn judge_next(s: &mut Store, host: i64, nonce: &str, verdict: Verdict) -> i64 {
    let lease = s.lease_job(host, nonce, 5000, 9000).unwrap().unwrap();
    s.finish_judging(lease.judging_id, host, nonce, Some(verdict), "", None, 5001)
        .unwrap()
        .unwrap();
    lease.submission_id
}

#[test]
fn a_previewed_rejudging_counts_only_once_applied_and_a_cancelled_one_never() {
    let (_d, mut s) = setup();
    let a = s.judgehosts().unwrap()[0].id;
    let (one, two) = (received(&mut s, 1), received(&mut s, 2));
    judge_next(&mut s, a, "n1", Verdict::WrongAnswer);
    judge_next(&mut s, a, "n2", Verdict::Accepted);
    let wa = |s: &Store, id| s.judge_state(id).unwrap();

    // a filter on the verdict picks only the WA
    let r = s
        .create_rejudging(
            &RejudgeFilter {
                verdict: Some("WA".into()),
                ..Default::default()
            },
            "testcase fixed",
            "staff:judy",
            5100,
        )
        .unwrap();
    assert_eq!(r.entries.len(), 1);
    assert_eq!(r.entries[0].submission_id, one);
    assert_eq!(r.entries[0].old_verdict.as_deref(), Some("WA"));
    assert!(!r.entries[0].done);
    let err = s.apply_rejudging(r.id, "staff:judy", 5150).unwrap_err();
    assert!(err.to_string().contains("still has 1"), "{err}");

    // judged AC: the preview shows it, but WA still counts
    judge_next(&mut s, a, "n3", Verdict::Accepted);
    let preview = s.rejudging(r.id).unwrap().unwrap();
    assert_eq!(preview.entries[0].new_verdict.as_deref(), Some("AC"));
    assert!(preview.entries[0].done);
    assert_eq!(
        wa(&s, one),
        JudgeState::Judged {
            verdict: Some(Verdict::WrongAnswer)
        },
        "nothing counts before it is applied"
    );
    let applied = s.apply_rejudging(r.id, "staff:judy", 5200).unwrap();
    assert_eq!(applied.state, floorjudge_store::RejudgingState::Applied);
    assert_eq!(applied.ended_by.as_deref(), Some("staff:judy"));
    assert_eq!(
        wa(&s, one),
        JudgeState::Judged {
            verdict: Some(Verdict::Accepted)
        }
    );
    assert!(s.apply_rejudging(r.id, "x", 5300).is_err(), "applied once");

    // a cancelled one: its waiting judging leaves the queue, AC stays
    let c = s
        .create_rejudging(
            &RejudgeFilter {
                submissions: vec![two],
                ..Default::default()
            },
            "check",
            "staff:judy",
            5400,
        )
        .unwrap();
    let cancelled = s.cancel_rejudging(c.id, "staff:judy", 5500).unwrap();
    assert_eq!(cancelled.state, floorjudge_store::RejudgingState::Cancelled);
    assert!(cancelled.entries[0].done);
    assert_eq!(
        cancelled.entries[0].error.as_deref(),
        Some("the rejudging was cancelled")
    );
    assert!(
        s.lease_job(a, "n5", 6000, 9000).unwrap().is_none(),
        "nothing left to judge"
    );
    assert_eq!(
        wa(&s, two),
        JudgeState::Judged {
            verdict: Some(Verdict::Accepted)
        }
    );
    assert!(s.cancel_rejudging(c.id, "x", 5600).is_err());
    assert!(s.cancel_rejudging(999, "x", 5600).is_err());
    // nothing selected: refused in words
    let none = s
        .create_rejudging(
            &RejudgeFilter {
                problem: Some("nope".into()),
                ..Default::default()
            },
            "x",
            "x",
            5700,
        )
        .unwrap_err();
    assert!(none.to_string().contains("nothing to rejudge"), "{none}");
    assert_eq!(s.rejudgings().unwrap().len(), 2);
    let audit: Vec<String> = s
        .audit_log(50)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["rejudging.create", "rejudging.apply", "rejudging.cancel"] {
        assert!(audit.iter().any(|a| a == action), "{action}: {audit:?}");
    }
}
