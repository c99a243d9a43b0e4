//! The experiments behind the CLI, as library functions so tests run exactly what users run:
//! train-and-test on a split, u1…u5 cross-validation, and the new-visitor scenario.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::baselines::{self, BiasModel, BiasedMf, GlobalMean};
use crate::bounds::ConfigError;
use crate::data::{DataDir, DataError, Movies, Rating, parse_descriptions, read_file};
use crate::encode::Encoder;
use crate::metrics::Metrics;
use crate::metrics::{MeanStd, mean_std, metrics};
use crate::model::MovieCnn;
use crate::modelfile::{CatalogEntry, ModelHeader, TrainingInfo};
use crate::predict::{History, Recommender, Scorer, histories, predict_ratings, token_tensor};
use crate::ranking::{self, TopNRow};
use crate::split::{SplitSpec, load_split, validation_split};
use crate::topn::TopN;
use crate::train::{Progress, TrainConfig, TrainOutcome, train};

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
    pub ease_lambda: f64,
    /// The CNN list's NDCG@10 on the validation carve-out (with a rank head).
    pub validation_ndcg: Option<f64>,
}

/// Per-movie figures from the training ratings, for the catalog shown in the browser.
pub fn catalog(movies: &Movies, train: &[Rating]) -> Vec<CatalogEntry> {
    let mut counts = vec![[0u32; 5]; movies.len()];
    for r in train {
        if let Some(i) = movies.index_of(r.movie) {
            counts[i][(r.rating.round().clamp(1.0, 5.0) as usize) - 1] += 1;
        }
    }
    movies
        .list
        .iter()
        .zip(counts)
        .map(|(m, c)| {
            let n: u32 = c.iter().sum();
            let mean = if n == 0 {
                0.0
            } else {
                c.iter()
                    .enumerate()
                    .map(|(k, &x)| (k + 1) as f32 * x as f32)
                    .sum::<f32>()
                    / n as f32
            };
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
                mean_rating: mean,
                rating_entropy: entropy,
            }
        })
        .collect()
}

fn load_descriptions(path: &Option<PathBuf>) -> Result<Option<HashMap<u32, String>>, DataError> {
    path.as_ref()
        .map(|p| parse_descriptions(&read_file(p)?, &p.display().to_string()))
        .transpose()
}

/// The three baselines on a split, in the same harness.
pub fn run_baselines(train: &[Rating], test: &[Rating], seed: u64) -> Vec<(String, Metrics)> {
    vec![
        (
            "global mean".into(),
            baselines::evaluate(&GlobalMean::fit(train), test),
        ),
        (
            "bias model".into(),
            baselines::evaluate(&BiasModel::fit(train), test),
        ),
        (
            "biased MF".into(),
            baselines::evaluate(&BiasedMf::fit(train, seed), test),
        ),
    ]
}

/// Trains on a split's training part (minus a validation carve-out) and scores the test part once.
pub fn run(
    spec: &RunSpec,
    with_baselines: bool,
    progress: &mut dyn Progress,
) -> Result<RunResult, DataError> {
    spec.config.check()?;
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
    let mean_rating = baselines::global_mean(&fitted.carve.train);
    let context = histories(&split.train, &movies);
    let table = outcome.model.movie_table(token_tensor(encoder, &device));
    let scorer = Scorer {
        model: &outcome.model,
        table: &table,
        encoder,
        mean_rating,
        device: &device,
    };
    let predicted = predict_ratings(&scorer, &context, &split.test, &movies);
    let actual: Vec<f32> = split.test.iter().map(|r| r.rating).collect();
    let test = metrics(&predicted, &actual);
    let (top_n, ease_lambda) = top_n_on(&scorer, fitted.rating_weight, &split, &movies, cfg);
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
    rating_weight: Option<f32>,
    split: &crate::split::Split,
    movies: &Movies,
    cfg: &TrainConfig,
) -> (Vec<TopNRow>, f64) {
    let cases = ranking::cases(&histories(&split.train, movies), &split.test, movies);
    let cnn = ranking::cnn_scores(scorer, &cases);
    let (ease, lambda) = ranking::fit_ease(&split.train, movies, cfg.validation_fraction, cfg.seed);
    let popularity = ranking::popularity(&split.train, movies);
    let rows = ranking::table(&cnn, rating_weight, &ease, &cases, &popularity, 0);
    (rows, lambda)
}

/// One row of the cross-validation table.
#[derive(Debug, Clone, Serialize)]
pub struct CvRow {
    pub model: String,
    pub folds: Vec<Metrics>,
    pub rmse: MeanStd,
    pub mae: MeanStd,
}

/// One row of the cross-validation top-N table: each fold's figures and their mean.
#[derive(Debug, Clone, Serialize)]
pub struct CvTopNRow {
    pub model: String,
    pub folds: Vec<TopN>,
    pub ndcg: MeanStd,
    pub hr: MeanStd,
    pub precision: MeanStd,
    pub recall: MeanStd,
    pub coverage: MeanStd,
    pub mean_popularity: MeanStd,
}

impl CvTopNRow {
    fn new(model: String, folds: Vec<TopN>) -> Self {
        let stat = |f: fn(&TopN) -> f64| mean_std(&folds.iter().map(f).collect::<Vec<_>>());
        Self {
            model,
            ndcg: stat(|t| t.ndcg),
            hr: stat(|t| t.hr),
            precision: stat(|t| t.precision),
            recall: stat(|t| t.recall),
            coverage: stat(|t| t.coverage),
            mean_popularity: stat(|t| t.mean_popularity),
            folds,
        }
    }
}

/// Cross-validation tables: rating accuracy and top-N.
#[derive(Debug, Clone, Serialize)]
pub struct CvTables {
    pub rating: Vec<CvRow>,
    pub top_n: Vec<CvTopNRow>,
}

/// u1…u5 cross-validation of the CNN and the baselines.
pub fn cross_validate(
    data: &DataDir,
    config: &TrainConfig,
    descriptions: &Option<PathBuf>,
    progress: &mut dyn Progress,
    mut on_fold: impl FnMut(usize, &RunResult),
) -> Result<CvTables, DataError> {
    let mut per_model: BTreeMap<usize, (String, Vec<Metrics>)> = BTreeMap::new();
    let mut per_list: BTreeMap<usize, (String, Vec<TopN>)> = BTreeMap::new();
    for fold in 1..=5 {
        let spec = RunSpec {
            data: data.clone(),
            split: SplitSpec::Canonical(format!("u{fold}")),
            config: config.clone(),
            descriptions: descriptions.clone(),
        };
        let result = run(&spec, true, progress)?;
        on_fold(fold, &result);
        let mut rows = vec![(format!("CNN ({})", config.preset), result.test)];
        rows.extend(result.baselines);
        for (k, (name, m)) in rows.into_iter().enumerate() {
            per_model
                .entry(k)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(m);
        }
        for (k, row) in result.top_n.into_iter().enumerate() {
            per_list
                .entry(k)
                .or_insert_with(|| (row.model, Vec::new()))
                .1
                .push(row.figures);
        }
    }
    let rating = per_model
        .into_values()
        .map(|(model, folds)| CvRow {
            rmse: mean_std(&folds.iter().map(|m| m.rmse).collect::<Vec<_>>()),
            mae: mean_std(&folds.iter().map(|m| m.mae).collect::<Vec<_>>()),
            model,
            folds,
        })
        .collect();
    let top_n = per_list
        .into_values()
        .map(|(model, folds)| CvTopNRow::new(model, folds))
        .collect();
    Ok(CvTables { rating, top_n })
}

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
}

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
    config.check()?;
    let movies = data.movies()?;
    let all = DataDir::ratings_file(&data.path("u.data"), &movies)?;
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
    let (ease, _) = ranking::fit_ease(&train, &movies, config.validation_fraction, config.seed);
    let visitors = Visitors {
        rec: &rec,
        bias: &bias,
        ease: &ease,
        popularity: ranking::popularity(&train, &movies),
        movies: &movies,
    };
    Ok(REVEALED.iter().map(|&k| visitors.row(&held, k)).collect())
}

/// What the new-visitor rows are computed with.
struct Visitors<'a> {
    rec: &'a Recommender,
    bias: &'a BiasModel,
    ease: &'a crate::ease::Ease,
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
                crate::metrics::clip_rating(self.bias.predict_with_user_bias(b, id))
            }));
        }
        let actual: Vec<f32> = held
            .iter()
            .flat_map(|h| h[last_k..].iter().map(|(_, r)| *r))
            .collect();
        let cases = ranking::revealed_cases(held, k);
        let cnn = ranking::cnn_scores(&self.rec.scorer(), &cases);
        let weight = self.rec.header.rating_weight;
        NewUserRow {
            k,
            cnn: metrics(&cnn_pred, &actual),
            bias: metrics(&bias_pred, &actual),
            n_predictions: actual.len(),
            top_n: ranking::table(&cnn, weight, self.ease, &cases, &self.popularity, 0),
        }
    }
}

/// A trained model with what it was trained from.
pub struct Fitted {
    /// Training ratings split into the part learned from and the validation carve-out.
    pub carve: crate::split::Split,
    pub encoder: Encoder,
    pub outcome: TrainOutcome,
    /// How much the predicted rating counts beside the rank logit in a list (chosen on the
    /// validation carve-out's NDCG@10); `None` without a rank head.
    pub rating_weight: Option<f32>,
    /// The validation carve-out's NDCG@10 with that weight.
    pub validation_ndcg: Option<f64>,
}

/// Where a fitted model came from, for its file header.
struct Provenance<'a> {
    data: &'a DataDir,
    split: String,
    descriptions: bool,
    /// All training ratings (fit + validation carve-out): the catalog's counts come from them.
    train: &'a [Rating],
    test: Option<Metrics>,
    seconds: f64,
}

impl Fitted {
    /// The model file header describing this fit; `run` and `eval_new_users` describe theirs alike.
    fn header(&self, config: &TrainConfig, movies: &Movies, from: Provenance) -> ModelHeader {
        ModelHeader {
            model: config.model.sized_for(&self.encoder),
            rating_weight: self.rating_weight,
            encoder: self.encoder.clone(),
            rating_offset: baselines::global_mean(&self.carve.train),
            catalog: catalog(movies, from.train),
            training: TrainingInfo {
                data: from.data.root.display().to_string(),
                split: from.split,
                preset: config.preset.clone(),
                seed: config.seed,
                descriptions: from.descriptions,
                epochs_run: self.outcome.log.len(),
                best_epoch: self.outcome.best_epoch,
                validation: self.outcome.validation,
                test: from.test,
                train_ratings: from.train.len(),
                seconds: from.seconds,
                crate_version: env!("CARGO_PKG_VERSION").into(),
            },
        }
    }
}

/// Carves validation out of `train`, builds the encoder on the rest and trains: the one
/// sequence every experiment, test and benchmark uses.
pub fn fit(
    movies: &Movies,
    train_ratings: &[Rating],
    config: &TrainConfig,
    descriptions: Option<&HashMap<u32, String>>,
    device: &burn::tensor::Device,
    progress: &mut dyn Progress,
) -> Result<Fitted, ConfigError> {
    config.check()?;
    let carve = validation_split(train_ratings, config.validation_fraction, config.seed);
    let encoder = Encoder::build(config.encoder.clone(), movies, &carve.train, descriptions);
    let mut outcome = train(
        movies,
        &carve.train,
        &carve.test,
        &encoder,
        config,
        device,
        progress,
    );
    // Everything after training scores the weights as the model file will hold them.
    outcome.model = crate::modelfile::to_stored_precision(outcome.model);
    let chosen = choose_rating_weight(&outcome.model, &encoder, &carve, movies, device);
    Ok(Fitted {
        carve,
        encoder,
        outcome,
        rating_weight: chosen.map(|c| c.0),
        validation_ndcg: chosen.map(|c| c.1),
    })
}

/// The list's rating weight with the best NDCG@10 on the validation carve-out, and that NDCG
/// (`None` without a rank head).
fn choose_rating_weight(
    model: &MovieCnn,
    encoder: &Encoder,
    carve: &crate::split::Split,
    movies: &Movies,
    device: &burn::tensor::Device,
) -> Option<(f32, f64)> {
    if !model.has_rank_head() {
        return None;
    }
    let context = histories(&carve.train, movies);
    let cases = ranking::cases(&context, &carve.test, movies);
    let table = model.movie_table(token_tensor(encoder, device));
    let scorer = Scorer {
        model,
        table: &table,
        encoder,
        mean_rating: baselines::global_mean(&carve.train),
        device,
    };
    let scores = ranking::cnn_scores(&scorer, &cases);
    ranking::choose_rating_weight(&scores, &cases, &ranking::popularity(&carve.train, movies))
}
