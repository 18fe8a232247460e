//! Nothing lost, ever: a rush from 50 kiosks on 127.0.2.N with two
//! judgehost daemons, while the jury is SIGKILLed twice, a judgehost once
//! and three kiosks are killed with submissions waiting in their callback
//! folders (see `floorjudge_tests::soak`).

use std::time::Duration;

use floorjudge_tests::soak::{SoakPlan, run};

#[test]
fn a_rush_with_the_jury_a_judgehost_and_kiosks_killed_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = SoakPlan {
        kiosks: 50,
        judgehosts: 2,
        rush: Duration::from_secs(40),
        rate: 4.0,
        jury_kills: 2,
        judgehost_kills: 1,
        kiosk_kills: 3,
        jury_down: Duration::from_secs(2),
        drain_limit: Duration::from_secs(180),
    };
    let report = run(tmp.path(), &plan);
    eprintln!("{}", report.summary());
    assert_eq!(report.kills, (2, 1, 3), "every planned kill happened");
    assert!(
        report.made >= 100,
        "a rush, not a trickle: {}",
        report.summary()
    );
    assert!(report.kept > 0, "no submission met a jury that was down");
    assert!(
        report.while_kiosk_down > 0,
        "no submission waited on a killed kiosk"
    );
    assert!(report.clean(), "{report:#?}");
    assert_eq!(report.judged, report.made);
}
