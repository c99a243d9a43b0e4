//! The top-N yardstick: metrics against hand-computed values, EASE against a hand-solved toy
//! matrix, and the protocols' guarantees (nothing rated is a candidate, nothing revealed is
//! relevant).

use movierec::ease::Ease;
use movierec::ranking::{self, Case};
use movierec::topn::{TopNAccumulator, top_n};

#[test]
fn metrics_match_hand_computed_values() {
    let popularity: Vec<u32> = (0..40).collect();
    let mut acc = TopNAccumulator::new(popularity);
    // Hits at ranks 2 and 5 (1-based) of three relevant movies.
    let first: Vec<usize> = (0..10).collect();
    acc.add(&first, &[1, 4, 20]);
    // No hit.
    let second: Vec<usize> = (10..20).collect();
    acc.add(&second, &[25]);
    // No relevant movie: skipped, its list not counted anywhere.
    acc.add(&(30..40).collect::<Vec<_>>(), &[]);
    let t = acc.finish();
    let dcg = 1.0 / 3f64.log2() + 1.0 / 6f64.log2();
    let ideal = 1.0 + 1.0 / 3f64.log2() + 0.5;
    assert_eq!(t.users, 2);
    assert!((t.hr - 0.5).abs() < 1e-12);
    assert!((t.precision - 0.1).abs() < 1e-12);
    assert!((t.recall - 1.0 / 3.0).abs() < 1e-12);
    assert!((t.ndcg - dcg / ideal / 2.0).abs() < 1e-12);
    assert!((t.coverage - 0.5).abs() < 1e-12);
    assert!((t.mean_popularity - 9.5).abs() < 1e-12);
}

#[test]
fn top_n_is_best_first_and_never_lists_an_excluded_movie() {
    let scores = [0.5, 3.0, 2.0, 3.0, -1.0, 9.0];
    let excluded = [false, false, false, false, false, true];
    assert_eq!(top_n(&scores, &excluded, 3), vec![1, 3, 2]);
    assert_eq!(top_n(&scores, &excluded, 10), vec![1, 3, 2, 0, 4]);
}

#[test]
fn ease_matches_a_hand_solved_toy_matrix() {
    // Users rated {0,1}, {1,2}, {0,1,2}; λ = 1: XᵀX + λI = [[3,2,1],[2,4,2],[1,2,3]], whose
    // inverse is [[8,-4,0],[-4,8,-4],[0,-4,8]] / 16, so B = -P / diag(P) off the diagonal:
    // B01 = B10 = B12 = B21 = 0.5, B02 = B20 = 0.
    let ease = Ease::fit(&[vec![0, 1], vec![1, 2], vec![0, 1, 2]], 3, 1.0);
    let expected = [[0.0, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.0]];
    for (i, row) in expected.iter().enumerate() {
        for (j, &b) in row.iter().enumerate() {
            assert!((ease.weight(i, j) - b).abs() < 1e-6, "B[{i}][{j}]");
        }
    }
    assert_eq!(ease.scores(&[0, 2]), vec![0.0, 1.0, 0.0]);
}

#[test]
fn no_candidate_is_among_the_users_training_ratings() {
    // A scorer that loves exactly the movies the user already rated must list none of them.
    let case = Case {
        history: vec![(0, 5.0), (2, 4.0)],
        relevant: vec![3],
    };
    let popularity = vec![1u32; 5];
    let t = ranking::evaluate(std::slice::from_ref(&case), &popularity, |_| {
        vec![10.0, 0.0, 10.0, 1.0, 0.5]
    });
    // Listed: 3, 4, 1 — the hit at rank 1 makes NDCG 1.
    assert!((t.ndcg - 1.0).abs() < 1e-12);
    assert!((t.coverage - 3.0 / 5.0).abs() < 1e-12);
}

#[test]
fn new_visitor_cases_never_reveal_a_relevant_rating() {
    let held = vec![
        vec![(0, 5.0), (1, 2.0), (2, 4.0), (3, 5.0), (4, 1.0)],
        vec![(5, 4.0), (6, 3.0)],
    ];
    let cases = ranking::revealed_cases(&held, 2);
    assert_eq!(cases.len(), 1, "the second user liked nothing after 2");
    assert_eq!(cases[0].history, vec![(0, 5.0), (1, 2.0)]);
    assert_eq!(cases[0].relevant, vec![2, 3]);
    for case in ranking::revealed_cases(&held, 1) {
        for m in &case.relevant {
            assert!(!case.history.iter().any(|(h, _)| h == m));
        }
    }
}

#[test]
fn the_figures_that_do_not_reward_popularity_match_hand_computed_values() {
    use movierec::topn::{interleave, is_deep_place, mean_overlap, short_head};
    // 0…39 ratings: 780 in all; the most rated 39, 38, … hold a third (257.4) once 32 is in.
    let popularity: Vec<u32> = (0..40).collect();
    let head = short_head(&popularity);
    assert_eq!(head.iter().filter(|&&h| h).count(), 8);
    assert!(head[32] && !head[31]);
    let mut acc = TopNAccumulator::new(popularity);
    acc.add(&(0..10).collect::<Vec<_>>(), &[1, 4, 20]); // hits 1 and 4, all beyond the head
    acc.add(&(10..20).collect::<Vec<_>>(), &[25]); // no hit
    acc.add(&(30..40).collect::<Vec<_>>(), &[35]); // a hit in the head only
    let t = acc.finish();
    let first = (1.0 / 3f64.log2() + 1.0 / 6f64.log2()) / (1.0 + 1.0 / 3f64.log2() + 0.5);
    // The third user liked nothing beyond the head: not counted in the long-tail figure.
    assert!((t.long_tail_ndcg - first / 2.0).abs() < 1e-12);
    assert!(t.ndcg > t.long_tail_ndcg / 1.5);
    let w = |p: f64| 1.0 / p.sqrt();
    let stratified = (w(1.0) + w(4.0) + w(35.0)) / (w(1.0) + w(4.0) + w(20.0) + w(25.0) + w(35.0));
    assert!((t.stratified_recall - stratified).abs() < 1e-12);
    assert_eq!(t.overlap, 0.0);
    assert!((t.short_head_share - 0.8 / 3.0).abs() < 1e-12);
    // Two users with one list and a third with another: one pair in three overlaps fully.
    let (a, b) = (vec![1, 2, 3], vec![4, 5, 6]);
    assert!((mean_overlap(&[a.clone(), a.clone(), b], 10) - 1.0 / 3.0).abs() < 1e-12);
    // Half the places to deep cuts: every second place; a tenth: the tenth place only.
    assert_eq!(interleave(&[0, 1, 2, 3], &[5, 6], 0.5, 4), [0, 5, 1, 6]);
    assert_eq!(interleave(&[0, 5, 1], &[5, 6], 0.5, 4), [0, 5, 1, 6]);
    let deep: Vec<usize> = (0..10).filter(|&i| is_deep_place(i, 0.3)).collect();
    assert_eq!(deep, [3, 6, 9]);
    assert!((0..10).all(|i| is_deep_place(i, 1.0) && !is_deep_place(i, 0.0)));
}
