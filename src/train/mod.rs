//! Training: per-user examples (a history that never contains its targets, plus a teacher's
//! ratings of movies the user never rated), mini-batches, MSE loss, early stopping on a
//! validation set carved out of the training data.

mod batches;
mod config;
mod judge;
mod learned_term;
mod list_teacher;
mod loss;
mod teacher;

use std::time::Instant;

use burn::module::Module;
use burn::optim::{
    AdamConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer, SgdConfig,
    decay::WeightDecayConfig, momentum::MomentumConfig,
};
use burn::tensor::{Device, Int, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::average::WeightAverage;
use crate::data::{Movies, Rating};
use crate::encode::{Encoder, UserSequence};
use crate::metrics::Metrics;
use crate::model::{MovieCnn, UserEncoding};
use crate::neighbours::Neighbours;
use crate::predict::{History, histories, history_bag, token_tensor, user_tensors};

pub use batches::{Example, make_examples};
use batches::{StepBatch, deal, epoch_batches, shard_batches};
pub use config::{OptimizerConfig, TrainConfig};
use judge::Validation;
use learned_term::neighbour_inputs;
pub use list_teacher::{ListTeacher, ListTeacherConfig};
use loss::rank_loss;
pub use teacher::{Teacher, TeacherConfig, TeacherModel};

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
    /// The same over the training steps alone, without building the examples and the batches'
    /// tensors: what a step-for-step comparison with another framework reads.
    pub step_samples_per_second: f64,
    /// The training ratings' mean: the network predicts deviations from it.
    pub mean_rating: f32,
    /// The list's item-item term, when its weights were learned with the rank head.
    pub neighbours: Option<Neighbours>,
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

impl MovieCnn {
    /// One batch's training loss — the rating head's squared errors on the real targets and (at
    /// the teacher's weight) on the teacher's ratings, over the step's real targets' count,
    /// plus `rank_weight` × the rank head's cross-entropy — and the real targets' share of the
    /// step's MSE, for the log. `tokens`: the whole catalog's tokens.
    fn step_loss(
        &self,
        tokens: &Tensor<2, Int>,
        batch: &StepBatch,
        cfg: &TrainConfig,
        guides: ListGuides,
        device: &Device,
    ) -> (Tensor<1>, f64) {
        let mut table = self.movie_table(tokens.clone().select(0, batch.rows.clone()));
        table.rows = Some(batch.rows.clone());
        let n_rows = batch.rows.dims()[0];
        let encode_group = |(group, wholes): (&Vec<UserSequence>, &Vec<History>)| {
            let seqs: Vec<&UserSequence> = group.iter().collect();
            let (hist, ratings, mask) = user_tensors(&seqs, device);
            // The bags cover each whole history, in the batch's rows like the window.
            let bag = self.reads_bags().then(|| {
                let wholes: Vec<&[(usize, f32)]> = wholes.iter().map(Vec::as_slice).collect();
                history_bag(&wholes, n_rows, device)
            });
            self.encode_users(&table, hist, ratings, mask, bag.as_ref())
        };
        let users = UserEncoding::cat(
            batch
                .groups
                .iter()
                .zip(&batch.wholes)
                .filter(|(g, _)| !g.is_empty())
                .map(encode_group)
                .collect(),
        );
        let predicted = self.score(&table, &users, batch.targets.clone());
        let squared = (predicted - batch.truth.clone()).powi_scalar(2);
        let (loss, mse) = match &batch.loss_weight {
            None => {
                let mse = (squared * batch.weight.clone()).sum() / batch.step_targets;
                (mse.clone(), mse)
            }
            Some(loss_weight) => {
                let [_, t] = batch.weight.dims();
                let real = squared.clone().narrow(1, 0, t) * batch.weight.clone();
                let loss = (squared * loss_weight.clone()).sum() / batch.step_targets;
                (loss, real.sum() / batch.step_targets)
            }
        };
        let mse_value: f64 = mse.into_scalar::<f32>().into();
        if cfg.rank_weight == 0.0 {
            return (loss, mse_value);
        }
        match self.rank_logits(&users) {
            Some(mut logits) => {
                let (examples, weight) = (batch.examples, batch.weight.clone());
                let term = guides.neighbours.and_then(|n| {
                    let (sources, scale, positions) =
                        neighbour_inputs(n, examples, logits.dims()[1], device)?;
                    self.neighbour_logits(sources, scale, positions, logits.dims())
                });
                if let Some(term) = term {
                    logits = logits + term;
                }
                let soft = guides
                    .list_teacher
                    .zip(cfg.list_teacher.as_ref())
                    .map(|(t, c)| {
                        let [_, n_movies] = logits.dims();
                        (t.soft_targets(examples, n_movies), c.weight)
                    });
                let n = (batch.step_targets, batch.step_examples);
                let rank = rank_loss(logits, examples, weight, n, soft, device);
                (loss + rank * cfg.rank_weight, mse_value)
            }
            None => (loss, mse_value),
        }
    }
}

/// What a step's rank loss reads beside its batch: the list teacher and the item-item term
/// whose weights are learned, each when configured.
#[derive(Clone, Copy)]
struct ListGuides<'a> {
    list_teacher: Option<&'a ListTeacher>,
    neighbours: Option<&'a Neighbours>,
}

/// The gradient of a step's loss and the step's MSE, from its shards (see [`deal`]): side by
/// side on rayon's threads when there are several, since one step's small matrix products
/// leave a core idle (rayon, not threads of our own, so that the kernels' own parallel loops
/// share those threads instead of queueing behind them); summed in shard order, so the same
/// seed still gives the same model.
fn step_gradients(
    model: &MovieCnn,
    shards: &[StepBatch],
    cfg: &TrainConfig,
    guides: ListGuides,
    tokens: &Tensor<2, Int>,
    device: &Device,
) -> (GradientsParams, f64) {
    let shard_gradients = |model: &MovieCnn, batch: &StepBatch| {
        let (loss, mse) = model.step_loss(tokens, batch, cfg, guides, device);
        (GradientsParams::from_grads(loss.backward(), model), mse)
    };
    if let [batch] = shards {
        return shard_gradients(model, batch);
    }
    // Each thread's forward pass starts from its own leaves (the same parameters, forked):
    // autodiff merges graphs that share a node, and one thread's backward would then consume
    // the other's tape.
    let parts: Vec<(GradientsParams, f64)> = shards
        .par_iter()
        .map(|batch| shard_gradients(&model.clone().fork(device), batch))
        .collect();
    let mut sum = GradientsAccumulator::new();
    let mut mse = 0.0;
    for (grads, part) in parts {
        sum.accumulate(model, grads);
        mse += part;
    }
    (sum.grads(), mse)
}

/// The optimiser side of training: one epoch of steps at a time.
struct Steps {
    optimizer: ModuleOptimizer,
    lr: f64,
    average: WeightAverage,
    /// The whole catalog's tokens, on the autodiff device.
    tokens: Tensor<2, Int>,
    mean_rating: f32,
    device: Device,
    /// Seconds spent building the batches' tensors, over all epochs.
    building_batches: f64,
    list_teacher: Option<ListTeacher>,
    /// The item-item term whose weights the model learns (their values are the model's).
    neighbours: Option<Neighbours>,
}

impl Steps {
    /// The configured optimiser at its starting rate, on `device` (the autodiff one).
    fn new(
        cfg: &TrainConfig,
        encoder: &Encoder,
        mean_rating: f32,
        guides: (Option<ListTeacher>, Option<Neighbours>),
        device: Device,
    ) -> Self {
        let (optimizer, lr) = optimizer(&cfg.optimizer);
        Steps {
            optimizer,
            lr,
            average: WeightAverage::new(cfg.weight_average),
            tokens: token_tensor(encoder, &device),
            mean_rating,
            device,
            building_batches: 0.0,
            list_teacher: guides.0,
            neighbours: guides.1,
        }
    }

    /// Each batch: forward → loss → backward → step (and the weight average). Returns the model
    /// and the epoch's mean training MSE over its `n` targets.
    fn epoch(
        &mut self,
        mut model: MovieCnn,
        batches: Vec<Vec<&Example>>,
        n_movies: usize,
        cfg: &TrainConfig,
        progress: &mut dyn Progress,
    ) -> (MovieCnn, f64, usize) {
        let (mut loss_sum, mut n) = (0.0f64, 0usize);
        for mut examples in batches {
            examples.sort_by_key(|e| e.context.len());
            let whole = model.reads_bags();
            let taught = cfg.teacher.as_ref().map_or(0.0, |t| t.weight as f32);
            let prepared = Instant::now();
            let shards = deal(&examples, cfg.shards);
            let mean = self.mean_rating;
            let step = shard_batches(&shards, n_movies, mean, whole, taught, &self.device);
            self.building_batches += prepared.elapsed().as_secs_f64();
            let guides = ListGuides {
                list_teacher: self.list_teacher.as_ref(),
                neighbours: self.neighbours.as_ref(),
            };
            let (tokens, device) = (&self.tokens, &self.device);
            let (grads, mse) = step_gradients(&model, &step, cfg, guides, tokens, device);
            model = self.optimizer.step(self.lr, model, grads);
            if cfg.weight_average > 0.0 {
                self.average.update(model.valid());
            }
            let step_targets = step[0].step_targets;
            loss_sum += mse * f64::from(step_targets);
            n += step_targets as usize;
            progress.step(mse);
        }
        (model, loss_sum / n.max(1) as f64, n)
    }

    /// The weights an epoch is judged by: the average, or the latest without one.
    fn judged(&self, model: &MovieCnn) -> MovieCnn {
        self.average.get().cloned().unwrap_or_else(|| model.valid())
    }
}

/// Trains on `fit_ratings`, choosing the epoch by RMSE on `validation` (histories come from
/// `fit_ratings`).
pub fn train(
    movies: &Movies,
    fit_ratings: &[Rating],
    validation: &[Rating],
    encoder: &Encoder,
    cfg: &TrainConfig,
    device: &Device,
    progress: &mut dyn Progress,
) -> TrainOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    device.seed(cfg.seed);
    let ad = device.clone().autodiff();
    let model = cfg.model.sized_for(encoder).init(&ad);
    let mean_rating = crate::baselines::global_mean(fit_ratings);
    let by_user = histories(fit_ratings, movies);
    let teacher = cfg
        .teacher
        .as_ref()
        .map(|t| Teacher::fit(fit_ratings, movies, t, cfg.seed));
    let judge = Validation {
        ratings: validation,
        by_user: &by_user,
        movies,
        encoder,
        tokens: token_tensor(encoder, device),
        mean_rating,
        device,
    };
    let list_teacher = cfg
        .list_teacher
        .as_ref()
        .map(|c| ListTeacher::fit(fit_ratings, movies, c));
    let (mut model, neighbours) = learned_term::start(model, fit_ratings, movies, cfg, &ad);
    let mut steps = Steps::new(cfg, encoder, mean_rating, (list_teacher, neighbours), ad);
    let mut log = Vec::new();
    let mut best: Option<(f64, usize, MovieCnn, Metrics)> = None;
    let (mut samples, mut busy, mut building_examples) = (0usize, 0.0f64, 0.0f64);
    for epoch in 1..=cfg.epochs {
        let started = Instant::now();
        let examples = make_examples(&by_user, encoder, cfg, teacher.as_ref(), &mut rng);
        building_examples += started.elapsed().as_secs_f64();
        let batches = epoch_batches(&examples, cfg);
        progress.start_epoch(epoch, batches.len());
        let (stepped, train_mse, n) =
            steps.epoch(model, batches, encoder.n_movies(), cfg, progress);
        model = stepped;
        samples += n;
        busy += started.elapsed().as_secs_f64();
        let judged = steps.judged(&model);
        let m = judge.metrics(&judged);
        let entry = EpochLog {
            epoch,
            train_mse,
            validation_rmse: m.rmse,
            validation_mae: m.mae,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress.end_epoch(&entry);
        log.push(entry);
        if best.as_ref().is_none_or(|(rmse, ..)| m.rmse < *rmse) {
            best = Some((m.rmse, epoch, judged, m));
        } else if cfg.patience > 0 && epoch - best.as_ref().map_or(0, |b| b.1) >= cfg.patience {
            break;
        }
        steps.lr *= cfg.lr_decay;
    }
    let (_, best_epoch, model, validation) = best.expect("at least one epoch");
    let (model, neighbours) = learned_term::finish(model, steps.neighbours);
    TrainOutcome {
        model,
        log,
        best_epoch,
        validation,
        samples_per_second: samples as f64 / busy.max(1e-9),
        step_samples_per_second: samples as f64
            / (busy - building_examples - steps.building_batches).max(1e-9),
        mean_rating,
        neighbours,
    }
}

#[cfg(test)]
mod shard_tests;
