//! The simulation's goals, on a smaller seeded run: every injected anomaly caught by a rule
//! meant for it, at most 2% false step-ups for established users, no habitual claim refused.
//! It fails if a rule regresses (too loose: a miss; too tight: false step-ups).

use crate::simulation::{Anomaly, UserType, run, table};

#[test]
fn every_anomaly_is_caught_and_false_step_ups_stay_under_two_percent() {
    let reports = run(42, 4, 150);
    let summary = table(&reports);
    for kind in UserType::ALL {
        let r = &reports[&kind];
        assert_eq!(r.users, 4);
        assert_eq!(
            r.anomalies,
            4 * u32::try_from(Anomaly::ALL.len()).unwrap(),
            "every anomaly injected for {kind:?}\n{summary}"
        );
        assert_eq!(
            r.caught, r.anomalies,
            "{kind:?} missed: {:?}\n{summary}",
            r.notes
        );
        assert_eq!(
            r.caught_by_expected_rule, r.anomalies,
            "{kind:?}: {:?}",
            r.notes
        );
        assert!(
            r.normal_established > 50,
            "{kind:?}: too few claims to judge\n{summary}"
        );
        assert!(
            r.false_rate_bp() <= 200,
            "{kind:?}: {} false step-ups in {} ({:?})\n{summary}",
            r.false_step_ups,
            r.normal_established,
            r.false_by_rule
        );
        assert_eq!(
            r.normal_denied, 0,
            "{kind:?}: a habitual claim was refused\n{summary}"
        );
    }
}

#[test]
fn the_simulation_is_reproducible() {
    assert_eq!(run(9, 1, 80), run(9, 1, 80));
}
