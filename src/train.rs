//! Training: per-user examples (a history that never contains its targets), mini-batches,
//! MSE loss, early stopping on a validation set carved out of the training data.

use std::collections::BTreeMap;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{
    AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig, decay::WeightDecayConfig,
    momentum::MomentumConfig,
};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::average::WeightAverage;
use crate::data::{Movies, Rating};
use crate::encode::{Encoder, EncoderConfig, UserSequence};
use crate::metrics::metrics;
use crate::model::{ModelConfig, MovieCnn, UserEncoding};
use crate::modelfile::Metrics;
use crate::predict::{
    History, Scorer, histories, history_bag, predict_ratings, token_tensor, user_tensors,
};

/// How parameters are updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OptimizerConfig {
    Sgd { lr: f64, momentum: f64 },
    Adam { lr: f64, weight_decay: f64 },
}

/// Everything that defines a training run. Presets: [`TrainConfig::paper`] and
/// [`TrainConfig::default_preset`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub preset: String,
    /// Model widths; `vocab_size` is filled in from the encoder.
    pub model: ModelConfig,
    pub encoder: EncoderConfig,
    pub optimizer: OptimizerConfig,
    /// Examples (user histories) per step (with `max_examples_per_user`: about
    /// `batch_size × targets_per_example` targets per step).
    pub batch_size: usize,
    /// Ratings predicted from each history. 1 = one example per rating (the paper's setup);
    /// more amortises one history encoding over several targets.
    pub targets_per_example: usize,
    /// At most this many examples per user per epoch (0 = no cap): a heavy rater's ratings are
    /// then cut into fewer, larger target groups, so an epoch costs users × history rather than
    /// ratings × history. With 5, each group is at least a fifth of the user's ratings and the
    /// history the rest — the shape of an 80/20 split.
    #[serde(default)]
    pub max_examples_per_user: usize,
    pub epochs: usize,
    /// Stop after this many epochs without a better validation RMSE (0 = never stop early).
    pub patience: usize,
    /// Learning rate multiplier applied after each epoch.
    pub lr_decay: f64,
    /// Probability that an example's history is cut to a few random ratings, so the model also
    /// learns to serve visitors who rated only a handful of movies.
    pub short_history_prob: f64,
    pub short_history_max: usize,
    /// Probability that an example's history is instead the user's *earliest* few ratings, 1 to
    /// `short_history_max` drawn log-uniformly (one or two ratings over a third of the time): a
    /// newcomer's first ratings — popular, sign-up-page movies — are neither a random sample of
    /// their ratings nor many, and `eval-new-users` and the browser start from exactly those.
    #[serde(default)]
    pub newcomer_history_prob: f64,
    /// Share of the training ratings held out for validation.
    pub validation_fraction: f64,
    /// Validate and keep an exponential moving average of the weights with this per-step decay
    /// (0 = the latest weights), see [`crate::average`].
    #[serde(default)]
    pub weight_average: f64,
    /// Weight of the rank head's softmax cross-entropy beside the rating MSE (0 = rating loss
    /// only, as in the paper). Needs `model.rank_dim > 0`.
    #[serde(default)]
    pub rank_weight: f64,
    pub seed: u64,
}

impl TrainConfig {
    /// The paper as described: SGD, batch 32, 100 epochs, one rating per example, MSE.
    pub fn paper() -> Self {
        Self {
            preset: "paper".into(),
            model: ModelConfig::paper(0),
            encoder: EncoderConfig::default(),
            optimizer: OptimizerConfig::Sgd {
                lr: 0.01,
                momentum: 0.0,
            },
            batch_size: 32,
            targets_per_example: 1,
            max_examples_per_user: 0,
            epochs: 100,
            patience: 0,
            lr_decay: 1.0,
            short_history_prob: 0.0,
            short_history_max: 20,
            newcomer_history_prob: 0.0,
            validation_fraction: 0.05,
            weight_average: 0.0,
            rank_weight: 0.0,
            seed: 1,
        }
    }

    /// The best configuration we found by validation RMSE (see README): the paper's widths plus
    /// the bias path and the history gate; Adam on batches of 32 histories × 32 targets, with a
    /// moving average of the weights and learning-rate decay; no dropout (the model underfits
    /// rather than overfits); a 64-rating history; a tenth of the histories cut to a newcomer's
    /// first few ratings and a quarter of the rest to a few random ones. More steps kept helping;
    /// 13 epochs is what fits `cv`'s 10-minute budget on 2 cores.
    pub fn default_preset() -> Self {
        Self {
            preset: "default".into(),
            model: ModelConfig {
                bias_path: true,
                history_gate: true,
                rank_dim: 32,
                ..ModelConfig::paper(0)
            },
            encoder: EncoderConfig::default(),
            optimizer: OptimizerConfig::Adam {
                lr: 3e-3,
                weight_decay: 0.0,
            },
            batch_size: 32,
            targets_per_example: 32,
            max_examples_per_user: 0,
            epochs: 13,
            patience: 4,
            lr_decay: 0.9,
            short_history_prob: 0.25,
            short_history_max: 20,
            newcomer_history_prob: 0.1,
            validation_fraction: 0.05,
            weight_average: 0.99,
            rank_weight: 0.3,
            seed: 1,
        }
    }

    /// Rejects values training cannot use (a probability above 1 would panic in the sampler, a
    /// zero batch would never step), naming the field and the value: configs come from files.
    pub fn check(&self) -> Result<(), String> {
        let unit = [
            ("short_history_prob", self.short_history_prob),
            ("newcomer_history_prob", self.newcomer_history_prob),
            ("validation_fraction", self.validation_fraction),
        ];
        for (field, value) in unit {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!(
                    "{field} = {value}: expected a share between 0 and 1"
                ));
            }
        }
        if !(0.0..1.0).contains(&self.weight_average) {
            return Err(format!(
                "weight_average = {}: expected a decay in [0, 1)",
                self.weight_average
            ));
        }
        let lr = match self.optimizer {
            OptimizerConfig::Sgd { lr, .. } | OptimizerConfig::Adam { lr, .. } => lr,
        };
        if !(self.rank_weight.is_finite() && self.rank_weight >= 0.0) {
            return Err(format!(
                "rank_weight = {}: expected a non-negative number",
                self.rank_weight
            ));
        }
        if self.rank_weight > 0.0 && self.model.rank_dim == 0 {
            return Err(format!(
                "rank_weight = {}: needs a rank head (model.rank_dim > 0)",
                self.rank_weight
            ));
        }
        if !(lr.is_finite() && lr > 0.0) {
            return Err(format!("optimizer lr = {lr}: expected a positive number"));
        }
        for (field, value) in [("batch_size", self.batch_size), ("epochs", self.epochs)] {
            if value == 0 {
                return Err(format!("{field} = 0: expected at least 1"));
            }
        }
        Ok(())
    }

    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "paper" => Some(Self::paper()),
            "default" => Some(Self::default_preset()),
            _ => None,
        }
    }
}

/// One training example: a history and the ratings to predict from it (never in the history).
#[derive(Debug, Clone)]
pub struct Example {
    /// The history as the CNN reads it (the latest `history_len` ratings).
    pub context: UserSequence,
    /// The whole history, for the rank head's bags.
    pub full_context: History,
    pub targets: Vec<(usize, f32)>,
}

/// One epoch's examples: each user's ratings are shuffled and cut into groups of
/// `targets_per_example` targets (larger groups where `max_examples_per_user` caps their
/// number); each group's history is the user's other ratings, oldest first (or, with
/// `newcomer_history_prob`, the earliest few of them; with `short_history_prob`, a few random
/// ones).
pub fn make_examples(
    by_user: &BTreeMap<u32, History>,
    encoder: &Encoder,
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Vec<Example> {
    let mut out = Vec::new();
    for history in by_user.values() {
        if history.len() < 2 {
            continue;
        }
        let mut order: Vec<usize> = (0..history.len()).collect();
        order.shuffle(rng);
        let mut group_size = cfg.targets_per_example.max(1);
        if cfg.max_examples_per_user > 0 {
            group_size = group_size.max(history.len().div_ceil(cfg.max_examples_per_user));
        }
        for group in order.chunks(group_size) {
            // Keep at least one rating as context.
            let group = if group.len() == history.len() {
                &group[..group.len() - 1]
            } else {
                group
            };
            let mut is_target = vec![false; history.len()];
            for &k in group {
                is_target[k] = true;
            }
            let mut context: Vec<usize> = (0..history.len()).filter(|&k| !is_target[k]).collect();
            let max = cfg.short_history_max.max(1);
            if cfg.newcomer_history_prob > 0.0 && rng.random_bool(cfg.newcomer_history_prob) {
                let x: f64 = rng.random_range(0.0..((max + 1) as f64).ln());
                context.truncate((x.exp().floor() as usize).clamp(1, max));
            } else if cfg.short_history_prob > 0.0 && rng.random_bool(cfg.short_history_prob) {
                let k = rng.random_range(1..=max).min(context.len());
                context = context.choose_multiple(rng, k).copied().collect();
                context.sort_unstable(); // back to time order
            }
            let context: History = context.into_iter().map(|k| history[k]).collect();
            out.push(Example {
                context: encoder.encode_user(&context),
                full_context: context,
                targets: group.iter().map(|&k| history[k]).collect(),
            });
        }
    }
    out.shuffle(rng);
    out
}

/// With `max_examples_per_user`, group sizes vary widely (32 to hundreds of targets), so batches
/// are cut differently: about `batch_size × targets_per_example` targets each, made of examples
/// with similar numbers of targets, in random order. Similar sizes because a batch is padded to
/// its largest group (and scoring a padded target costs as much as a real one); a target budget
/// rather than an example count so that every rating weighs the same in an epoch whether it
/// belongs to a light or a heavy rater's group.
fn batches_by_targets<'a>(
    examples: &'a [Example],
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<&'a Example>> {
    let budget = cfg.batch_size.max(1) * cfg.targets_per_example.max(1);
    let mut by_size: Vec<&Example> = examples.iter().collect(); // already shuffled
    by_size.sort_by_key(|e| e.targets.len()); // stable: random order within a size
    let mut out: Vec<Vec<&Example>> = Vec::new();
    let mut current: Vec<&Example> = Vec::new();
    let mut targets = 0;
    for e in by_size {
        current.push(e);
        targets += e.targets.len();
        if targets >= budget {
            out.push(std::mem::take(&mut current));
            targets = 0;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.shuffle(rng);
    out
}

/// Where to cut a batch, sorted by history length, into two separately padded groups so that
/// the user tower's cost (examples × longest history, per group) is least. About a quarter of
/// the examples have short histories, and padding them to a full history would waste most of a
/// step; encoding the groups apart is exact, since users are encoded independently.
fn cheapest_split(sorted_lengths: &[usize]) -> usize {
    let n = sorted_lengths.len();
    let longest = sorted_lengths.last().copied().unwrap_or(0);
    (1..=n)
        .min_by_key(|&k| k * sorted_lengths[k - 1] + (n - k) * longest)
        .unwrap_or(n)
}

/// The catalog rows a batch touches (its histories' and targets' movies), and the batch's
/// histories and targets re-indexed into that sub-catalog: the movie tower then runs on these
/// rows only, not on the whole catalog at every step. Exact, since movies are encoded
/// independently of each other.
fn batch_catalog(
    batch: &[&Example],
    n_movies: usize,
) -> (Vec<i64>, Vec<UserSequence>, Vec<Vec<i64>>) {
    let mut local = vec![-1i64; n_movies];
    let mut rows: Vec<i64> = Vec::new();
    let mut row_of = |m: usize| -> i64 {
        if local[m] < 0 {
            local[m] = rows.len() as i64;
            rows.push(m as i64);
        }
        local[m]
    };
    let mut contexts = Vec::with_capacity(batch.len());
    let mut targets = Vec::with_capacity(batch.len());
    for e in batch {
        let mut context = e.context.clone();
        for (movie, &mask) in context.movies.iter_mut().zip(&e.context.mask) {
            // Padding slots point at row 0; the mask zeroes whatever they read.
            *movie = if mask > 0.0 {
                row_of(*movie as usize)
            } else {
                0
            };
        }
        contexts.push(context);
        targets.push(e.targets.iter().map(|&(m, _)| row_of(m)).collect());
    }
    (rows, contexts, targets)
}

/// Softmax cross-entropy of the rank head: each target movie should be likely among the movies
/// the user has not rated in the example's history (those are masked out of the softmax, since
/// a list never shows them). Padded target slots carry weight 0.
fn rank_loss(logits: Tensor<2>, batch: &StepBatch, device: &Device) -> Tensor<1> {
    let [b, m] = logits.dims();
    let [_, t] = batch.targets.dims();
    let mut seen = vec![0f32; b * m];
    let mut targets = vec![0i64; b * t];
    for (row, e) in batch.examples.iter().enumerate() {
        for &(movie, _) in &e.full_context {
            seen[row * m + movie] = -1e4;
        }
        for (j, &(movie, _)) in e.targets.iter().enumerate() {
            targets[row * t + j] = movie as i64;
        }
    }
    let seen = Tensor::<2>::from_data(TensorData::new(seen, [b, m]), device);
    let targets = Tensor::from_data(TensorData::new(targets, [b, t]), device);
    let log_p = burn::tensor::activation::log_softmax(logits + seen, 1);
    -(log_p.gather(1, targets) * batch.weight.clone()).sum() / batch.n_targets
}

/// Per-epoch figures, written next to the model and plotted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    pub train_mse: f64,
    pub validation_rmse: f64,
    pub validation_mae: f64,
    pub seconds: f64,
}

pub struct TrainOutcome {
    /// The best epoch's model, on the plain (non-autodiff) device.
    pub model: MovieCnn,
    pub log: Vec<EpochLog>,
    pub best_epoch: usize,
    pub validation: Metrics,
    pub samples_per_second: f64,
}

/// Receives progress; the CLI shows a bar, tests pass [`Quiet`].
pub trait Progress {
    fn start_epoch(&mut self, _epoch: usize, _steps: usize) {}
    fn step(&mut self, _loss: f64) {}
    fn end_epoch(&mut self, _log: &EpochLog) {}
}

pub struct Quiet;
impl Progress for Quiet {}

/// The configured optimiser and its starting learning rate. SGD and Adam build the same
/// `ModuleOptimizer`, so the loop holds one of them.
fn optimizer(cfg: &OptimizerConfig) -> (ModuleOptimizer, f64) {
    match *cfg {
        OptimizerConfig::Sgd { lr, momentum } => {
            let mut c = SgdConfig::new();
            if momentum > 0.0 {
                c = c.with_momentum(Some(MomentumConfig::new().with_momentum(momentum)));
            }
            (c.init(), lr)
        }
        OptimizerConfig::Adam { lr, weight_decay } => {
            let mut c = AdamConfig::new();
            if weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(weight_decay as f32)));
            }
            (c.init(), lr)
        }
    }
}

/// One step's examples as tensors: the batch's catalog rows, its histories in (at most) two
/// groups padded apart, and the targets in a padded `[B, T]` layout.
struct StepBatch<'a> {
    examples: &'a [&'a Example],
    rows: Tensor<1, Int>,
    groups: [Vec<UserSequence>; 2],
    /// Targets as rows of the batch catalog.
    targets: Tensor<2, Int>,
    /// Ratings minus the training mean.
    truth: Tensor<2>,
    /// 1 at real targets, 0 at padding.
    weight: Tensor<2>,
    n_targets: f32,
}

impl<'a> StepBatch<'a> {
    /// `examples` sorted by history length (the two groups split that order).
    fn new(
        examples: &'a [&'a Example],
        n_movies: usize,
        offset: f32,
        cfg: &TrainConfig,
        device: &Device,
    ) -> Self {
        let (rows, mut contexts, target_rows) = batch_catalog(examples, n_movies);
        let n_rows = rows.len();
        let lengths: Vec<usize> = contexts.iter().map(UserSequence::len).collect();
        // Attention's per-position tensors cannot be joined across history lengths.
        let split = if cfg.model.attention {
            examples.len()
        } else {
            cheapest_split(&lengths)
        };
        let t = examples.iter().map(|e| e.targets.len()).max().unwrap_or(1);
        let mut targets = vec![0i64; examples.len() * t];
        let mut truth = vec![0f32; examples.len() * t];
        let mut weight = vec![0f32; examples.len() * t];
        for (row, (e, movie_rows)) in examples.iter().zip(&target_rows).enumerate() {
            for (j, (&(_, r), &m)) in e.targets.iter().zip(movie_rows).enumerate() {
                targets[row * t + j] = m;
                truth[row * t + j] = r - offset;
                weight[row * t + j] = 1.0;
            }
        }
        let n_targets: f32 = weight.iter().sum();
        let shape = [examples.len(), t];
        let long = contexts.split_off(split);
        Self {
            examples,
            rows: Tensor::from_data(TensorData::new(rows, [n_rows]), device),
            groups: [contexts, long],
            targets: Tensor::from_data(TensorData::new(targets, shape), device),
            truth: Tensor::from_data(TensorData::new(truth, shape), device),
            weight: Tensor::from_data(TensorData::new(weight, shape), device),
            n_targets,
        }
    }
}

impl MovieCnn {
    /// One batch's training loss — the rating head's MSE, plus `rank_weight` × the rank head's
    /// cross-entropy — and the MSE alone, for the log. `tokens`: the whole catalog's tokens.
    fn step_loss(
        &self,
        tokens: &Tensor<2, Int>,
        batch: &StepBatch,
        cfg: &TrainConfig,
        device: &Device,
    ) -> (Tensor<1>, f64) {
        let table = self.movie_table(tokens.clone().select(0, batch.rows.clone()));
        let users = UserEncoding::cat(
            batch
                .groups
                .iter()
                .filter(|g| !g.is_empty())
                .map(|group| {
                    let seqs: Vec<&UserSequence> = group.iter().collect();
                    let (hist, ratings, mask) = user_tensors(&seqs, device);
                    self.encode_users(&table, hist, ratings, mask)
                })
                .collect(),
        );
        let predicted = self.score(&table, &users, batch.targets.clone());
        let squared = (predicted - batch.truth.clone()).powi_scalar(2);
        let mse = (squared * batch.weight.clone()).sum() / batch.n_targets;
        let mse_value: f64 = mse.clone().into_scalar::<f32>().into();
        if cfg.rank_weight == 0.0 {
            return (mse, mse_value);
        }
        // The bags are built only when the rank loss is on: [B, n_movies] each, every step.
        let full: Vec<&[(usize, f32)]> = batch
            .examples
            .iter()
            .map(|e| e.full_context.as_slice())
            .collect();
        let bag = history_bag(&full, tokens.dims()[0], device);
        match self.rank_logits(&users, &bag) {
            Some(logits) => {
                let rank = rank_loss(logits, batch, device);
                (mse + rank * cfg.rank_weight, mse_value)
            }
            None => (mse, mse_value),
        }
    }
}

/// What an epoch's weights are judged on: the validation ratings, each user's history being
/// their `fit` ratings, scored through the inference path the browser uses.
struct Validation<'a> {
    ratings: &'a [Rating],
    by_user: &'a BTreeMap<u32, History>,
    movies: &'a Movies,
    encoder: &'a Encoder,
    tokens: Tensor<2, Int>,
    offset: f32,
    device: &'a Device,
}

impl Validation<'_> {
    fn metrics(&self, model: &MovieCnn) -> Metrics {
        let table = model.movie_table(self.tokens.clone());
        let scorer = Scorer {
            model,
            table: &table,
            encoder: self.encoder,
            offset: self.offset,
            device: self.device,
        };
        let predicted = predict_ratings(&scorer, self.by_user, self.ratings, self.movies);
        let actual: Vec<f32> = self.ratings.iter().map(|r| r.rating).collect();
        metrics(&predicted, &actual)
    }
}

/// One epoch's batches: `batch_size` examples each, or target budgets with the per-user cap.
fn epoch_batches<'a>(
    examples: &'a [Example],
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<&'a Example>> {
    if cfg.max_examples_per_user > 0 {
        batches_by_targets(examples, cfg, rng)
    } else {
        examples
            .chunks(cfg.batch_size.max(1))
            .map(|c| c.iter().collect())
            .collect()
    }
}

/// Trains on `fit`, choosing the epoch by RMSE on `validation` (histories come from `fit`).
pub fn train(
    movies: &Movies,
    fit: &[Rating],
    validation: &[Rating],
    encoder: &Encoder,
    cfg: &TrainConfig,
    device: &Device,
    progress: &mut dyn Progress,
) -> TrainOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    let mut model = cfg.model.sized_for(encoder).init(&ad);
    let offset = crate::baselines::global_mean(fit);
    let by_user = histories(fit, movies);
    let tokens_ad = token_tensor(encoder, &ad);
    let judge = Validation {
        ratings: validation,
        by_user: &by_user,
        movies,
        encoder,
        tokens: token_tensor(encoder, device),
        offset,
        device,
    };
    let (mut optimizer, mut lr) = optimizer(&cfg.optimizer);
    let mut average = WeightAverage::new(cfg.weight_average);
    let mut log = Vec::new();
    let mut best: Option<(f64, usize, MovieCnn, Metrics)> = None;
    let (mut samples, mut busy) = (0usize, 0.0f64);
    for epoch in 1..=cfg.epochs {
        let started = Instant::now();
        let examples = make_examples(&by_user, encoder, cfg, &mut rng);
        let batches = epoch_batches(&examples, cfg, &mut rng);
        progress.start_epoch(epoch, batches.len());
        let (mut loss_sum, mut loss_n) = (0.0f64, 0usize);
        for mut examples in batches {
            examples.sort_by_key(|e| e.context.len());
            let batch = StepBatch::new(&examples, encoder.n_movies(), offset, cfg, &ad);
            let (loss, mse) = model.step_loss(&tokens_ad, &batch, cfg, &ad);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
            if cfg.weight_average > 0.0 {
                average.update(model.valid());
            }
            loss_sum += mse * f64::from(batch.n_targets);
            loss_n += batch.n_targets as usize;
            progress.step(mse);
        }
        let train_seconds = started.elapsed().as_secs_f64();
        samples += loss_n;
        busy += train_seconds;

        let valid = average.get().cloned().unwrap_or_else(|| model.valid());
        let m = judge.metrics(&valid);
        let entry = EpochLog {
            epoch,
            train_mse: loss_sum / loss_n.max(1) as f64,
            validation_rmse: m.rmse,
            validation_mae: m.mae,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress.end_epoch(&entry);
        log.push(entry);
        let improved = best.as_ref().is_none_or(|(rmse, ..)| m.rmse < *rmse);
        if improved {
            best = Some((m.rmse, epoch, valid, m));
        } else if cfg.patience > 0 && epoch - best.as_ref().map_or(0, |b| b.1) >= cfg.patience {
            break;
        }
        lr *= cfg.lr_decay;
    }
    let (_, best_epoch, model, validation) = best.expect("at least one epoch");
    TrainOutcome {
        model,
        log,
        best_epoch,
        validation,
        samples_per_second: samples as f64 / busy.max(1e-9),
    }
}
