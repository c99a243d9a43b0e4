//! The experiments behind the CLI, as library functions so tests run exactly what users run:
//! train-and-test on a split ([`run`]), u1…u5 cross-validation ([`cross_validate`]) and the
//! new-visitor scenario ([`eval_new_users`]), all through one [`fit`].

mod cv;
mod fit;
mod new_users;
pub mod taste;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::baselines::{self, BiasModel, BiasedMf, GlobalMean, MfConfig};
use crate::data::{DataDir, DataError, Movies, Rating, Stars, parse_descriptions, read_file};
use crate::list::ListWeights;
use crate::metrics::{Metrics, metrics};
use crate::model::MovieCnn;
use crate::modelfile::{CatalogEntry, ModelHeader};
use crate::predict::{Scorer, histories, predict_ratings, token_tensor};
use crate::ranking::{self, TopNRow};
use crate::split::{SplitSpec, load_split};
use crate::train::{Progress, TrainConfig, TrainOutcome};
use crate::yardsticks::Yardsticks;

pub use cv::{CvRow, CvTables, CvTopNRow, cross_validate};
use fit::Provenance;
pub use fit::{Fitted, fit};
pub use new_users::{
    DISCOVERY_SETTINGS, DiscoveryRow, NewUserRow, REVEALED, eval_new_users, split_new_users,
};

/// Inputs of one training run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub data: DataDir,
    pub split: SplitSpec,
    pub config: TrainConfig,
    pub descriptions: Option<PathBuf>,
}

/// What a training run produced.
pub struct RunResult {
    pub header: ModelHeader,
    pub model: MovieCnn,
    pub outcome: TrainOutcome,
    pub test: Metrics,
    pub baselines: Vec<(String, Metrics)>,
    /// Top-N figures of the CNN and its baselines on the test users.
    pub top_n: Vec<TopNRow>,
    /// EASE's λ, chosen on the validation carve-out.
    pub ease_lambda: Option<f64>,
    /// The CNN list's NDCG@10 on the validation carve-out (with a rank head).
    pub validation_ndcg: Option<f64>,
}

/// Per-movie figures from the training ratings, for the catalog shown in the browser: counts,
/// mean, and the entropy of the ratings over the ten half-star steps (a whole-star release uses
/// five of them).
pub fn catalog(movies: &Movies, train: &[Rating]) -> Vec<CatalogEntry> {
    let mut counts = vec![[0u32; 10]; movies.len()];
    let mut sums = vec![0f64; movies.len()];
    for r in train {
        if let Some(i) = movies.index_of(r.movie) {
            let step = (r.rating * 2.0).round().clamp(1.0, 10.0) as usize - 1;
            counts[i][step] += 1;
            sums[i] += f64::from(r.rating);
        }
    }
    movies
        .list
        .iter()
        .zip(counts)
        .zip(sums)
        .map(|((m, c), sum)| {
            let n: u32 = c.iter().sum();
            let entropy = c
                .iter()
                .filter(|&&x| x > 0)
                .map(|&x| {
                    let p = x as f32 / n as f32;
                    -p * p.log2()
                })
                .sum();
            CatalogEntry {
                id: m.id,
                title: m.title.clone(),
                year: m.year,
                genres: m.genres.clone(),
                n_ratings: n,
                mean_rating: if n == 0 {
                    0.0
                } else {
                    (sum / f64::from(n)) as f32
                },
                rating_entropy: entropy,
                links: m.links,
            }
        })
        .collect()
}

pub(super) fn load_descriptions(
    path: &Option<PathBuf>,
) -> Result<Option<HashMap<u32, String>>, DataError> {
    path.as_ref()
        .map(|p| parse_descriptions(&read_file(p)?, &p.display().to_string()))
        .transpose()
}

/// The three baselines on a split, in the same harness.
pub fn run_baselines(train: &[Rating], test: &[Rating], seed: u64) -> Vec<(String, Metrics)> {
    let stars = Stars::of(train);
    vec![
        (
            "global mean".into(),
            baselines::evaluate(&GlobalMean::fit(train), test, stars),
        ),
        (
            "bias model".into(),
            baselines::evaluate(&BiasModel::fit(train), test, stars),
        ),
        (
            "biased MF".into(),
            baselines::evaluate(
                &BiasedMf::fit(train, &MfConfig::surprise(), seed),
                test,
                stars,
            ),
        ),
    ]
}

/// Trains on a split's training part (minus a validation carve-out) and scores the test part once.
pub fn run(
    spec: &RunSpec,
    with_baselines: bool,
    progress: &mut dyn Progress,
) -> Result<RunResult, DataError> {
    let started = Instant::now();
    let movies = spec.data.movies()?;
    let split = load_split(&spec.data, &spec.split, &movies)?;
    if split.train.is_empty() || split.test.is_empty() {
        return Err(DataError::Invalid(format!(
            "split {} has an empty train or test part",
            spec.split
        )));
    }
    let descriptions = load_descriptions(&spec.descriptions)?;
    let cfg = &spec.config;
    let device = crate::device();
    let fitted = fit(
        &movies,
        &split.train,
        cfg,
        descriptions.as_ref(),
        &device,
        progress,
    )?;
    let (encoder, outcome) = (&fitted.encoder, &fitted.outcome);

    // The test set is read here, once, for the final report; context = all training ratings.
    let context = histories(&split.train, &movies);
    let table = outcome.model.movie_table(token_tensor(encoder, &device));
    let scorer = fitted.scorer(&table, &device);
    let predicted = predict_ratings(&scorer, &context, &split.test, &movies);
    let actual: Vec<f32> = split.test.iter().map(|r| r.rating).collect();
    let test = metrics(&predicted, &actual);
    let (top_n, ease_lambda) = top_n_on(&scorer, fitted.list_weights(), &split, &movies, cfg);
    let baselines = if with_baselines {
        run_baselines(&split.train, &split.test, cfg.seed)
    } else {
        Vec::new()
    };

    let header = fitted.header(
        cfg,
        &movies,
        Provenance {
            data: &spec.data,
            split: spec.split.to_string(),
            descriptions: spec.descriptions.is_some(),
            train: &split.train,
            test: Some(test),
            seconds: started.elapsed().as_secs_f64(),
        },
    );
    let validation_ndcg = fitted.validation_ndcg;
    let outcome = fitted.outcome;
    Ok(RunResult {
        model: outcome.model.clone(),
        header,
        outcome,
        test,
        baselines,
        top_n,
        ease_lambda,
        validation_ndcg,
    })
}

/// The top-N table of a split: the test users' lists from their whole training history.
fn top_n_on(
    scorer: &Scorer,
    list: ListWeights,
    split: &crate::split::Split,
    movies: &Movies,
    cfg: &TrainConfig,
) -> (Vec<TopNRow>, Option<f64>) {
    let cases = ranking::cases(&histories(&split.train, movies), &split.test, movies);
    let cnn = ranking::cnn_scores(scorer, &cases);
    let yardsticks = Yardsticks::fit(&split.train, movies, cfg.validation_fraction, cfg.seed);
    let popularity = ranking::popularity(&split.train, movies);
    let genres = ranking::genres(movies);
    let catalog = (popularity.as_slice(), &genres);
    let rows = ranking::table(&cnn, list, &yardsticks.rankers(), &cases, catalog, 0);
    (rows, yardsticks.ease_lambda())
}

/// The top-N table of a loaded model on `test`, each user's history being their `context`
/// ratings, lists without movies of fewer than `min_ratings` ratings; EASE's λ is chosen on a
/// `validation_fraction` carve-out of `context`, seeded as the model was trained.
pub fn model_table(
    rec: &crate::recommend::Recommender,
    context: &[Rating],
    test: &[Rating],
    movies: &Movies,
    validation_fraction: f64,
    min_ratings: u32,
) -> Vec<TopNRow> {
    let cases = ranking::cases(&histories(context, movies), test, movies);
    let cnn = ranking::cnn_scores(&rec.scorer(), &cases);
    let seed = rec.header.training.seed;
    let yardsticks = Yardsticks::fit(context, movies, validation_fraction, seed);
    let popularity = ranking::popularity(context, movies);
    ranking::table(
        &cnn,
        rec.header.list_weights(),
        &yardsticks.rankers(),
        &cases,
        (&popularity, &ranking::genres(movies)),
        min_ratings,
    )
}
