//! What defines a training run: the optimiser and the presets (the bounds of every field are in
//! [`crate::bounds`]).

use serde::{Deserialize, Serialize};

use crate::bounds::{ConfigError, MAX_HISTORY, MAX_TRAINING_BYTES, count, error, memory, real};
use crate::encode::EncoderConfig;
use crate::list::{Discovery, NewcomerList};
use crate::model::ModelConfig;
use crate::neighbours::NeighboursConfig;

use super::{ListTeacherConfig, TeacherConfig};

/// How parameters are updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OptimizerConfig {
    Sgd { lr: f64, momentum: f64 },
    Adam { lr: f64, weight_decay: f64 },
}

/// Everything that defines a training run. Presets: [`TrainConfig::paper`] and
/// [`TrainConfig::default_preset`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    pub preset: String,
    /// Model widths; `vocab_size` is filled in from the encoder.
    pub model: ModelConfig,
    pub encoder: EncoderConfig,
    pub optimizer: OptimizerConfig,
    /// Examples (user histories) per step.
    pub batch_size: usize,
    /// Each step's batch is cut into this many shards whose gradients are computed side by
    /// side on rayon's threads and summed: the whole batch's gradient (to rounding), on every
    /// core, since one step's small matrix products keep only one busy. 1 = one thread.
    #[serde(default = "one_shard")]
    pub shards: usize,
    /// Ratings predicted from each history. 1 = one example per rating (the paper's setup);
    /// more amortises one history encoding over several targets.
    pub targets_per_example: usize,
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
    /// A matrix factorisation fitted on the training ratings whose ratings of unrated movies
    /// the CNN also learns (training only; see [`super::teacher`]). Absent: none.
    #[serde(default)]
    pub teacher: Option<TeacherConfig>,
    /// EASE fitted on the training ratings, whose distribution over each example's unrated
    /// movies the rank head also learns (training only; see [`super::list_teacher`]). Absent:
    /// none.
    #[serde(default)]
    pub list_teacher: Option<ListTeacherConfig>,
    /// The list of a visitor with few ratings, written to the model file as it is (chosen on
    /// `eval-new-users --validation`'s users: `cargo run --release --example newcomer_grid`).
    /// Absent: the known users' list at every length.
    #[serde(default)]
    pub newcomer_list: Option<NewcomerList>,
    /// The list's item-item term: EASE's neighbours on the same ratings, their weights learned
    /// with the rank head or kept as EASE's, written to the model file (see
    /// [`crate::neighbours`]). Absent: none.
    #[serde(default)]
    pub neighbours: Option<NeighboursConfig>,
    /// The discovery control's range and default, written to the model file as it is (chosen
    /// on `eval-new-users --validation`'s users: `cargo run --release --example
    /// discovery_grid`). Absent: no popularity term beyond the newcomer list's.
    #[serde(default)]
    pub discovery: Option<Discovery>,
    pub seed: u64,
}

fn one_shard() -> usize {
    1
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
            shards: 1,
            targets_per_example: 1,
            epochs: 100,
            patience: 0,
            lr_decay: 1.0,
            short_history_prob: 0.0,
            short_history_max: 20,
            newcomer_history_prob: 0.0,
            validation_fraction: 0.05,
            weight_average: 0.0,
            rank_weight: 0.0,
            teacher: None,
            list_teacher: None,
            newcomer_list: None,
            neighbours: None,
            discovery: None,
            seed: 1,
        }
    }

    /// The best configuration we found by validation RMSE (see README): the paper's widths plus
    /// the bias path, the history gate, a 48-wide rank head and the history factors (the bias
    /// and the asymmetric-SVD term read the whole history, so the convolutions need only the
    /// latest 32 ratings); Adam on batches of 32 histories × 32 targets, with a moving average
    /// of the weights and learning-rate decay; no dropout; a tenth of the histories cut to a
    /// newcomer's first few ratings and a quarter of the rest to a few random ones; a Bayesian
    /// matrix factorisation teacher rating 32 unrated movies per example at weight 1, and EASE
    /// teaching the rank head its lists of histories of 20 ratings or more; a newcomer list
    /// that fades out at 20 ratings, its item-item term weighing 24 at first so that a few liked
    /// films lift their kind whatever weight the carve-out picks for known users; a popularity
    /// weight of −1 at every length, three places in ten for films beyond the short head and a
    /// genre calibration of λ 0.3 fading with the newcomer list (chosen on validation users by
    /// the rule in docs/experiments.md, "Lists that follow taste"); an item-item
    /// term of 16 EASE neighbours per movie whose weights are learned with the rank head,
    /// counted from the first rating; at most 13 epochs (the best is usually the 10th to the
    /// 13th), within `cv`'s 10-minute budget.
    pub fn default_preset() -> Self {
        Self {
            preset: "default".into(),
            model: ModelConfig {
                bias_path: true,
                history_gate: true,
                rank_dim: 48,
                history_factors: true,
                ..ModelConfig::paper(0)
            },
            encoder: EncoderConfig {
                history_len: 32,
                ..EncoderConfig::default()
            },
            optimizer: OptimizerConfig::Adam {
                lr: 3e-3,
                weight_decay: 0.0,
            },
            batch_size: 32,
            shards: 2,
            targets_per_example: 32,
            epochs: 13,
            patience: 4,
            lr_decay: 0.9,
            short_history_prob: 0.25,
            short_history_max: 20,
            newcomer_history_prob: 0.1,
            validation_fraction: 0.05,
            weight_average: 0.99,
            rank_weight: 0.3,
            teacher: Some(TeacherConfig::tuned(32, 1.0)),
            list_teacher: Some(ListTeacherConfig::tuned()),
            newcomer_list: Some(NewcomerList {
                fade_ratings: 20,
                rating_weight: 4.0,
                popularity_weight: 2.0,
                neighbour_weight: Some(24.0),
            }),
            neighbours: Some(NeighboursConfig::tuned()),
            discovery: Some(Discovery {
                popularity_weight: -1.0,
                calibration: 0.3,
                default: 0.3,
            }),
            seed: 1,
        }
    }

    /// The preset names `--preset` takes.
    pub const PRESETS: [&str; 2] = ["paper", "default"];

    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "paper" => Some(Self::paper()),
            "default" => Some(Self::default_preset()),
            _ => None,
        }
    }
}

impl TrainConfig {
    /// The list's newcomer weights and discovery range.
    fn check_list(&self) -> Result<(), ConfigError> {
        if let Some(list) = &self.newcomer_list {
            list.check()?;
        }
        match &self.discovery {
            Some(discovery) => discovery.check(),
            None => Ok(()),
        }
    }

    /// Weights, gradients, two optimiser moments and a weight average (5 × 4 bytes a
    /// parameter), and one step's activations three times over (kept for the backward pass,
    /// and their gradients), within [`MAX_TRAINING_BYTES`]. The catalog is not known yet: a
    /// step's movie rows are bounded by its histories and targets.
    fn check_training_memory(&self) -> Result<(), ConfigError> {
        let (history, tokens) = (self.encoder.history_len, self.encoder.movie_tokens);
        let targets = self.targets_per_example + self.teacher.as_ref().map_or(0, |t| t.targets);
        let rows = self.batch_size.saturating_mul(history + targets);
        let activations =
            self.model
                .activation_bytes(tokens, rows, self.batch_size, history, targets);
        let state = self.model.param_count().saturating_mul(20);
        memory(
            "model",
            "weights, optimiser state and one batch's activations",
            state.saturating_add(activations.saturating_mul(3)),
            MAX_TRAINING_BYTES,
        )
    }

    /// Every field, the model's and the encoder's included: configs come from files and from
    /// library callers, and a bad value must fail before the first epoch, not in it.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.model.check()?;
        self.encoder.check()?;
        count("batch_size", self.batch_size, 1, 65_536)?;
        count("shards", self.shards, 1, 64)?;
        count("targets_per_example", self.targets_per_example, 1, 65_536)?;
        count("epochs", self.epochs, 1, 100_000)?;
        count("short_history_max", self.short_history_max, 1, MAX_HISTORY)?;
        real(
            "short_history_prob",
            self.short_history_prob,
            0.0,
            1.0,
            false,
        )?;
        real(
            "newcomer_history_prob",
            self.newcomer_history_prob,
            0.0,
            1.0,
            false,
        )?;
        // 0 leaves nothing to validate on (NaN figures), 1 nothing to train on.
        real(
            "validation_fraction",
            self.validation_fraction,
            1e-6,
            0.5,
            false,
        )?;
        real("weight_average", self.weight_average, 0.0, 1.0, true)?;
        real("lr_decay", self.lr_decay, 1e-6, 1.0, false)?;
        real("rank_weight", self.rank_weight, 0.0, 1000.0, false)?;
        if self.rank_weight > 0.0 && self.model.rank_dim == 0 {
            return Err(error(
                "rank_weight",
                self.rank_weight,
                "0 without a rank head (model.rank_dim = 0)",
            ));
        }
        if let Some(teacher) = &self.teacher {
            teacher.check()?;
        }
        self.check_training_memory()?;
        self.check_list()?;
        if let Some(neighbours) = &self.neighbours {
            neighbours.check()?;
            if self.model.rank_dim == 0 {
                return Err(error(
                    "neighbours",
                    "set",
                    "absent without a rank head (model.rank_dim = 0): lists by rating alone have no weights to choose",
                ));
            }
        }
        if let Some(teacher) = &self.list_teacher {
            teacher.check()?;
            if self.rank_weight == 0.0 {
                return Err(error(
                    "list_teacher",
                    "set",
                    "absent without a rank loss (rank_weight = 0)",
                ));
            }
        }
        match self.optimizer {
            OptimizerConfig::Sgd { lr, momentum } => {
                real("optimizer.lr", lr, 1e-9, 10.0, false)?;
                real("optimizer.momentum", momentum, 0.0, 1.0, true)
            }
            OptimizerConfig::Adam { lr, weight_decay } => {
                real("optimizer.lr", lr, 1e-9, 10.0, false)?;
                real("optimizer.weight_decay", weight_decay, 0.0, 1.0, false)
            }
        }
    }
}
