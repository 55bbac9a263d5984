//! A/B splits: assignment is stable per (workflow, step, customer, run), close to the weights
//! over many customers, and recorded on the journey.

mod workflow_support;

use segflow::workflow::split::assign;
use segflow::workflow::{run_once, RecordingDispatcher, Variant};
use workflow_support::*;

fn variants(weights: &[(&str, u32)]) -> Vec<Variant> {
    weights
        .iter()
        .map(|(n, w)| Variant {
            name: n.to_string(),
            weight: *w,
            steps: vec![],
        })
        .collect()
}

#[test]
fn assignment_is_within_two_percent_of_the_weights_and_stable() {
    for weights in [
        &[("a", 50), ("b", 50)][..],
        &[("a", 20), ("b", 30), ("c", 50)][..],
    ] {
        let vs = variants(weights);
        let total: u32 = weights.iter().map(|w| w.1).sum();
        let n = 10_000;
        for (name, weight) in weights {
            let got = (1..=n)
                .filter(|c| assign("wf", "ab", *c, 1, &vs).name == *name)
                .count();
            let share = got as f64 / n as f64;
            let want = f64::from(*weight) / f64::from(total);
            assert!((share - want).abs() <= 0.02, "{name}: {share} vs {want}");
        }
        for c in 1..200 {
            assert_eq!(
                assign("wf", "ab", c, 1, &vs).name,
                assign("wf", "ab", c, 1, &vs).name
            );
        }
    }
    // Another run may land elsewhere; over many customers some do.
    let vs = variants(&[("a", 50), ("b", 50)]);
    assert!(
        (1..200).any(|c| assign("wf", "ab", c, 1, &vs).name != assign("wf", "ab", c, 2, &vs).name)
    );
}

#[test]
fn split_steps_follow_the_assigned_variant_and_record_it() {
    let text = r#"
workflow: vip_reward
trigger: { segment_entered: vip }
steps:
  - id: ab
    split:
      - { variant: a, weight: 50, steps: [ { id: reward_a, send: vip_reward } ] }
      - { variant: b, weight: 50, steps: [ { id: reward_b, send: vip_reward, subject: "B" } ] }
  - { id: after, tag: rewarded }
"#;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("vip_reward", text)]);
    live(&mut conn, &wf);
    let ids: Vec<i64> = (1..=40).map(|n| customer(&conn, n)).collect();
    for &c in &ids {
        entered(&conn, "vip", c, T0);
    }
    let mut d = RecordingDispatcher::default();
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!(d.requests.len(), 40);
    let vs = match &wf.get("vip_reward").unwrap().steps[0].kind {
        segflow::workflow::StepKind::Split(v, _) => v.clone(),
        _ => unreachable!(),
    };
    for r in &d.requests {
        let want = assign("vip_reward", "ab", r.customer, 1, &vs).name.clone();
        assert_eq!(r.step, format!("reward_{want}"));
        let recorded: String = conn
            .query_row(
                "SELECT variant FROM journeys WHERE customer = ?1",
                [r.customer],
                |x| x.get(0),
            )
            .unwrap();
        assert_eq!(recorded, format!(r#"{{"ab":"{want}"}}"#));
    }
    let done: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM journeys WHERE state = 'done'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(done, 40);
}
