//! Known cases with published or independently computed answers, stickiness, and the
//! behaviour of the decision rules on simulated experiments.

use super::*;

#[test]
fn sample_ratio_mismatch_matches_kohavis_example() {
    // Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments", ch. 21: a 50/50 test
    // with 821,588 vs 815,482 users has p ≈ 1.8e-6.
    let srm = sample_ratio(&[821_588, 815_482], &[1, 1]).expect("computed");
    assert!((srm.p_value - 1.82e-6).abs() < 0.02e-6, "{}", srm.p_value);
    assert!(srm.mismatch);
    let fine = sample_ratio(&[5_030, 4_970], &[50, 50]).expect("computed");
    assert!(!fine.mismatch && fine.p_value > 0.5, "{fine:?}");
    // A 90/10 split is checked against 90/10, not 50/50.
    assert!(!sample_ratio(&[9_010, 990], &[9, 1]).expect("computed").mismatch);
}

#[test]
fn two_proportion_test_and_chance_to_beat_match_independent_answers() {
    // 200/1000 vs 250/1000: pooled z = 2.677, two-sided p = 0.00742 (scipy.stats.norm).
    let p = two_proportion_p(200, 1000, 250, 1000).expect("computed");
    assert!((p - 0.007420).abs() < 0.00001, "{p}");
    // Beta posteriors, checked against 4M Monte Carlo draws with numpy: 0.9963 and 0.838.
    assert!((chance_to_beat(200, 1000, 250, 1000) - 0.9963).abs() < 0.0005);
    assert!((chance_to_beat(10, 1000, 15, 1000) - 0.838).abs() < 0.002);
    // Symmetry, and the large-count approximation agrees with the exact sum near its edge.
    let forward = chance_to_beat(30, 1000, 40, 1000);
    assert!((forward + chance_to_beat(40, 1000, 30, 1000) - 1.0).abs() < 1e-9);
    let exact = chance_to_beat(19_000, 1_000_000, 19_900, 1_000_000);
    let approximate = chance_to_beat(20_100, 1_000_000, 21_000, 1_000_000);
    assert!(exact > 0.99 && approximate > 0.99);
}

#[test]
fn assignment_is_sticky_and_follows_the_weights() {
    let weights = [70, 30];
    let mut counts = [0usize; 2];
    for v in 0..20_000 {
        let key = format!("visitor-{v}");
        let arm = assign(9, &key, &weights).expect("an arm");
        // The same visitor, asked again (another day, another request): the same arm.
        assert_eq!(assign(9, &key, &weights), Some(arm));
        counts[arm] += 1;
    }
    let share = counts[0] as f64 / 20_000.0;
    assert!((share - 0.7).abs() < 0.015, "{share}");
    // Another experiment reshuffles: assignments are independent across experiments.
    let moved = (0..1000)
        .filter(|v| assign(9, &format!("visitor-{v}"), &[1, 1]) != assign(10, &format!("visitor-{v}"), &[1, 1]))
        .count();
    assert!((400..600).contains(&moved), "{moved}");
    assert_eq!(assign(1, "x", &[0, 0]), None);
}

fn arm(impressions: i64, clicks: i64, payouts: Vec<i64>) -> ArmCounts {
    ArmCounts {
        impressions,
        clicks,
        conversions: payouts.len() as i64,
        revenue_micros: payouts.iter().sum(),
        payouts,
    }
}

#[test]
fn a_clear_winner_is_significant_once_ready_and_noise_is_not() {
    let s = Settings::default();
    // CTR 2% vs 3% on 20,000 impressions each, conversions at $2.
    let control = arm(20_000, 400, vec![2_000_000; 100]);
    let variant = arm(20_000, 600, vec![2_000_000; 160]);
    let r = results(&[control.clone(), variant], &[1, 1], 0, 10.0, &s);
    assert!(r.ready, "{:?}", r.waiting_for);
    let ctr = &r.arms[1].versus_control[0];
    assert_eq!(ctr.metric, "ctr");
    assert!(ctr.significant && ctr.chance_to_beat > 0.999, "{ctr:?}");
    let rpm = r.arms[1]
        .versus_control
        .iter()
        .find(|c| c.metric == "rpm")
        .expect("rpm");
    assert!(rpm.significant && rpm.chance_to_beat > 0.99, "{rpm:?}");
    assert!(r.arms[1].versus_control.iter().all(|c| c.difference.low > 0.0));
    // The RPM interval holds the value: $16 vs $10 per thousand.
    let est = r.arms[1].rpm.expect("rpm");
    assert!(
        (est.value - 16.0).abs() < 1e-9 && est.low < 16.0 && 16.0 < est.high,
        "{est:?}"
    );
    // The same numbers after 2 days and on 500 impressions: not ready.
    let early = results(&[arm(500, 10, vec![]), arm(500, 16, vec![])], &[1, 1], 0, 2.0, &s);
    assert!(!early.ready && early.waiting_for.len() == 2, "{:?}", early.waiting_for);
    // Equal arms: nothing significant.
    let same = results(&[control.clone(), control], &[1, 1], 0, 10.0, &s);
    assert!(same.arms[1].versus_control.iter().all(|c| !c.significant));
}

#[test]
fn the_always_valid_interval_is_wider_than_a_fixed_one_and_shrinks() {
    // Per-observation variance 0.25 (p = 0.5).
    let fixed = 1.96 * (0.25_f64 / 10_000.0).sqrt();
    let sequential = sequential_half_width(0.25, 10_000.0, 0.05, 10_000.0);
    assert!(
        sequential > fixed && sequential < 3.0 * fixed,
        "{sequential} vs {fixed}"
    );
    assert!(sequential_half_width(0.25, 100_000.0, 0.05, 10_000.0) < sequential);
}

/// Peeking every day at an A/A test: with the always-valid interval the share of tests that
/// ever look significant stays below α; the fixed interval would exceed it.
#[test]
fn daily_peeking_at_aa_tests_rarely_declares_a_winner() {
    let s = Settings {
        min_impressions_per_arm: 0,
        min_days: 0.0,
        ..Settings::default()
    };
    let mut rng = SplitMix(42);
    let mut false_wins = 0;
    let tests = 200;
    for _ in 0..tests {
        let (mut a, mut b) = (ArmCounts::default(), ArmCounts::default());
        let mut won = false;
        for _day in 0..30 {
            for _ in 0..500 {
                for arm in [&mut a, &mut b] {
                    arm.impressions += 1;
                    if rng.next() < 0.03 {
                        arm.clicks += 1;
                    }
                }
            }
            let r = results(&[a.clone(), b.clone()], &[1, 1], 0, 30.0, &s);
            won |= r.arms[1].versus_control[0].significant;
        }
        false_wins += usize::from(won);
    }
    assert!((false_wins as f64) / (tests as f64) <= 0.05, "{false_wins} of {tests}");
}
