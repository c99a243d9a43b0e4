//! The new-visitor scenario: users never seen in training reveal their k earliest ratings.

use std::path::PathBuf;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{Provenance, fit, load_descriptions};
use crate::baselines::BiasModel;
use crate::data::{DataDir, DataError, Movies, Rating};
use crate::metrics::{Metrics, metrics};
use crate::predict::{History, histories};
use crate::ranking::{self, TopNRow};
use crate::recommend::Recommender;
use crate::train::{Progress, TrainConfig};

/// The new-visitor scenario at one k.
#[derive(Debug, Clone, Serialize)]
pub struct NewUserRow {
    pub k: usize,
    pub cnn: Metrics,
    pub bias: Metrics,
    pub n_predictions: usize,
    /// Top-N lists from the k revealed ratings: relevant = the user's later ratings of 4 or more,
    /// candidates = every movie not among the k revealed.
    pub top_n: Vec<TopNRow>,
    /// The CNN's list at each setting of [`DISCOVERY_SETTINGS`], on the same users.
    pub discovery: Vec<DiscoveryRow>,
}

/// The CNN's top-N figures at one discovery setting.
#[derive(Debug, Clone, Serialize)]
pub struct DiscoveryRow {
    pub setting: f32,
    #[serde(flatten)]
    pub figures: crate::topn::TopN,
}

/// The discovery settings every new-visitor table reports (the page's control moves in tenths).
pub const DISCOVERY_SETTINGS: [f32; 7] = [0.0, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0];

/// How many earliest ratings are revealed; predictions are always of the ratings after the
/// largest k, so every row scores the same ratings and the rows are comparable.
pub const REVEALED: [usize; 5] = [1, 3, 5, 10, 20];

/// Splits ratings by user into (held-out users' ratings, the rest): a seeded 20% of the users.
/// With `validation`, the held-out users are dropped and 20% of the remaining users are held out
/// in their place, so that a validation run never sees the users the report is about.
pub fn split_new_users(
    all: Vec<Rating>,
    seed: u64,
    validation: bool,
) -> (Vec<Rating>, Vec<Rating>) {
    let (held, rest) = hold_out_users(all, seed);
    if validation {
        // A different seed, so the inner split is not a copy of the outer one's order.
        hold_out_users(rest, seed.wrapping_add(1))
    } else {
        (held, rest)
    }
}

fn hold_out_users(all: Vec<Rating>, seed: u64) -> (Vec<Rating>, Vec<Rating>) {
    let mut users: Vec<u32> = all
        .iter()
        .map(|r| r.user)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    users.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let held_out: std::collections::HashSet<u32> =
        users[..users.len() / 5].iter().copied().collect();
    all.into_iter().partition(|r| held_out.contains(&r.user))
}

/// Holds out 20% of users (seeded), trains on the rest, then for each held-out user reveals their
/// k earliest ratings and predicts their ratings after the 20th.
///
/// With `validation`, the held-out users are dropped and the same protocol runs inside the
/// remaining users (20% of them held out in turn): figures to choose models and settings by,
/// so that the reported ones are never used for that.
pub fn eval_new_users(
    data: &DataDir,
    config: &TrainConfig,
    descriptions: &Option<PathBuf>,
    validation: bool,
    progress: &mut dyn Progress,
) -> Result<Vec<NewUserRow>, DataError> {
    let movies = data.movies()?;
    let all = data.ratings(&movies)?;
    let (test_users, train) = split_new_users(all, config.seed, validation);
    let descriptions = load_descriptions(descriptions)?;
    let device = crate::device();
    let fitted = fit(
        &movies,
        &train,
        config,
        descriptions.as_ref(),
        &device,
        progress,
    )?;
    let bias = BiasModel::fit(&train);
    let header = fitted.header(
        config,
        &movies,
        Provenance {
            data,
            split: "new-users".into(),
            descriptions: descriptions.is_some(),
            train: &train,
            test: None,
            seconds: 0.0,
        },
    );
    let rec = Recommender::new(header, fitted.outcome.model, device);
    let last_k = *REVEALED.last().expect("non-empty");
    let held: Vec<History> = histories(&test_users, &movies)
        .into_values()
        .filter(|h| h.len() > last_k)
        .collect();
    let yardsticks = crate::yardsticks::Yardsticks::fit(
        &train,
        &movies,
        config.validation_fraction,
        config.seed,
    );
    let visitors = Visitors {
        rec: &rec,
        bias: &bias,
        yardsticks: &yardsticks,
        popularity: ranking::popularity(&train, &movies),
        movies: &movies,
    };
    Ok(REVEALED.iter().map(|&k| visitors.row(&held, k)).collect())
}

/// What the new-visitor rows are computed with.
struct Visitors<'a> {
    rec: &'a Recommender,
    bias: &'a BiasModel,
    yardsticks: &'a crate::yardsticks::Yardsticks,
    popularity: Vec<u32>,
    movies: &'a Movies,
}

impl Visitors<'_> {
    /// Reveals each held-out user's `k` earliest ratings: rating accuracy on their ratings after
    /// the largest k, and top-N lists against everything they rated after the k.
    fn row(&self, held: &[History], k: usize) -> NewUserRow {
        let last_k = *REVEALED.last().expect("non-empty");
        let targets: Vec<Vec<usize>> = held
            .iter()
            .map(|h| h[last_k..].iter().map(|(m, _)| *m).collect())
            .collect();
        let queries: Vec<crate::predict::Query> = held
            .iter()
            .zip(&targets)
            .map(|(h, t)| (&h[..k], t.as_slice()))
            .collect();
        let cnn_pred: Vec<f32> = self.rec.predict_indices(&queries).concat();
        let mut bias_pred = Vec::new();
        for h in held {
            let revealed: Vec<(u32, f32)> = h[..k]
                .iter()
                .map(|(m, r)| (self.movies.list[*m].id, *r))
                .collect();
            let b = self.bias.user_bias_from(&revealed);
            bias_pred.extend(h[last_k..].iter().map(|(m, _)| {
                let id = self.movies.list[*m].id;
                self.rec
                    .header
                    .encoder
                    .stars
                    .clip(self.bias.predict_with_user_bias(b, id))
            }));
        }
        let actual: Vec<f32> = held
            .iter()
            .flat_map(|h| h[last_k..].iter().map(|(_, r)| *r))
            .collect();
        let cases = ranking::revealed_cases(held, k);
        let cnn = ranking::cnn_scores(&self.rec.scorer(), &cases);
        let list = self.rec.header.list_weights();
        let genres = ranking::genres(self.movies);
        let catalog = (self.popularity.as_slice(), &genres);
        let discovery = DISCOVERY_SETTINGS
            .iter()
            .map(|&setting| DiscoveryRow {
                setting,
                figures: ranking::evaluate_cnn(
                    &cases,
                    &cnn,
                    &list.at_discovery(setting),
                    catalog,
                    0,
                ),
            })
            .collect();
        NewUserRow {
            k,
            cnn: metrics(&cnn_pred, &actual),
            bias: metrics(&bias_pred, &actual),
            n_predictions: actual.len(),
            top_n: ranking::table(&cnn, list, &self.yardsticks.rankers(), &cases, catalog, 0),
            discovery,
        }
    }
}
