//! The temporal split: each user's latest ratings are held out, so the history a prediction
//! sees (the user's training ratings) never holds a rating made after the one predicted.

mod common;

use std::collections::HashMap;

use movierec::data::Rating;
use movierec::split::{SplitSpec, TEMPORAL_MIN_RATINGS, load_split, temporal_split};
use proptest::prelude::*;

/// Per user: the latest training timestamp and the earliest test timestamp.
fn never_sees_its_future(train: &[Rating], test: &[Rating]) -> Result<(), String> {
    let mut latest_train: HashMap<u32, u64> = HashMap::new();
    for r in train {
        let t = latest_train.entry(r.user).or_default();
        *t = (*t).max(r.timestamp);
    }
    for r in test {
        if let Some(&t) = latest_train.get(&r.user)
            && t > r.timestamp
        {
            return Err(format!(
                "user {} rated movie {} at {} but trains on a rating at {t}",
                r.user, r.movie, r.timestamp
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_held_out_rating_is_never_before_its_users_history(
        ratings in prop::collection::vec((0u32..8, 0u32..40, 0u64..50), 0..200),
        fraction in 0.05f64..0.6,
    ) {
        let mut seen = std::collections::HashSet::new();
        let ratings: Vec<Rating> = ratings
            .into_iter()
            .filter(|&(u, m, _)| seen.insert((u, m)))
            .map(|(user, movie, timestamp)| Rating { user, movie, rating: 3.0, timestamp })
            .collect();
        let split = temporal_split(ratings.clone(), fraction, TEMPORAL_MIN_RATINGS);
        prop_assert_eq!(split.train.len() + split.test.len(), ratings.len());
        prop_assert!(never_sees_its_future(&split.train, &split.test).is_ok());
        for user in 0..8 {
            let n = ratings.iter().filter(|r| r.user == user).count();
            let held = split.test.iter().filter(|r| r.user == user).count();
            if n < TEMPORAL_MIN_RATINGS {
                prop_assert_eq!(held, 0);
            } else {
                prop_assert!(held >= 1 && held < n);
            }
        }
    }
}

#[test]
fn ml100k_temporal_holds_out_each_users_latest_fifth() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let split = load_split(&data, &"temporal".parse::<SplitSpec>().unwrap(), &movies).unwrap();
    assert_eq!(split.train.len() + split.test.len(), 100_000);
    // Every ML-100K user has at least 20 ratings: each holds out a fifth.
    let share = split.test.len() as f64 / 100_000.0;
    assert!((0.19..0.21).contains(&share), "{share}");
    never_sees_its_future(&split.train, &split.test).unwrap();
    assert_eq!(SplitSpec::Temporal.to_string(), "temporal");
}
