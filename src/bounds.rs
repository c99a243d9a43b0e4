//! The one list of bounds for every configuration field, checked at every door: the CLI's
//! `--config`, the library's `run`/`fit`, and the model-file loader (before any tensor is built,
//! natively and in wasm). A value outside them would panic, abort on allocation, hang, or train a
//! model nothing can load; each error names the field, the value and what was expected.

use crate::encode::EncoderConfig;
use crate::model::ModelConfig;

/// A configuration value outside its bounds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} = {value}: expected {expected}")]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub expected: String,
}

/// At most 80 characters of `text`, and how long it was when cut: an error message quotes its
/// input, and a 5-million-entry list must not become a 15 MB error line.
pub fn capped(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

fn error(field: &str, value: impl std::fmt::Display, expected: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        value: capped(&value.to_string()),
        expected: expected.into(),
    }
}

/// `lo..=hi` for a count or a width.
pub(crate) fn count(field: &str, value: usize, lo: usize, hi: usize) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(error(field, value, format!("an integer from {lo} to {hi}")))
    }
}

/// A finite number in `lo..=hi` (or `lo..hi` when `hi_open`).
pub(crate) fn real(
    field: &str,
    value: f64,
    lo: f64,
    hi: f64,
    hi_open: bool,
) -> Result<(), ConfigError> {
    let below_hi = if hi_open { value < hi } else { value <= hi };
    if value.is_finite() && value >= lo && below_hi {
        Ok(())
    } else {
        let close = if hi_open { ")" } else { "]" };
        Err(error(
            field,
            value,
            format!("a number in [{lo}, {hi}{close}"),
        ))
    }
}

/// Widths large enough for any sensible model of a MovieLens-sized catalog, small enough that a
/// crafted file cannot ask for gigabytes.
pub const MAX_WIDTH: usize = 4096;
pub const MAX_VOCAB: usize = 200_000;
pub const MAX_MOVIES: usize = 100_000;
pub const MAX_KERNEL: usize = 15;
pub const MAX_USER_LAYERS: usize = 8;
pub const MAX_HISTORY: usize = 4096;
pub const MAX_MOVIE_TOKENS: usize = 512;

/// What a loaded model may need for one forward pass of the browser's or the evaluator's
/// batches: far above any sensible model (the demo's needs ~30 MB), and inside wasm32's 4 GiB.
pub const MAX_INFERENCE_BYTES: u64 = 2 << 30;
/// What training may need for its weights, their gradients and optimiser state, and one step's
/// activations: two thirds of a 24 GB machine.
pub const MAX_TRAINING_BYTES: u64 = 16 << 30;

/// Refuses an estimated memory need above `budget`, naming both.
pub(crate) fn memory(field: &str, what: &str, needed: u64, budget: u64) -> Result<(), ConfigError> {
    if needed <= budget {
        return Ok(());
    }
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    Err(error(
        field,
        format!("a model whose {what} need about {:.1} GiB", gib(needed)),
        format!(
            "at most {:.0} GiB: smaller widths, kernel, history or batch",
            gib(budget)
        ),
    ))
}

impl ModelConfig {
    /// Inference on `movies` catalog movies (the whole catalog's table is computed at once) and
    /// the scorer's batches of 64 users × 512 targets, within [`MAX_INFERENCE_BYTES`].
    pub fn check_inference_memory(
        &self,
        movie_tokens: usize,
        movies: usize,
        history: usize,
    ) -> Result<(), ConfigError> {
        let weights = self.param_count().saturating_mul(4);
        let activations = self.activation_bytes(movie_tokens, movies, 64, history, 512);
        memory(
            "model",
            "weights and activations",
            weights.saturating_add(activations),
            MAX_INFERENCE_BYTES,
        )
    }

    /// The widths and switches; the sizes taken from the encoder are checked by
    /// [`ModelConfig::check_sizes`] once they are filled in.
    pub fn check(&self) -> Result<(), ConfigError> {
        count("model.token_dim", self.token_dim, 1, 1024)?;
        count("model.movie_filters", self.movie_filters, 1, MAX_WIDTH)?;
        count("model.movie_dim", self.movie_dim, 1, MAX_WIDTH)?;
        count("model.hidden", self.hidden, 1, MAX_WIDTH)?;
        count("model.rank_dim", self.rank_dim, 0, 1024)?;
        count("model.kernel_size", self.kernel_size, 1, MAX_KERNEL)?;
        if self.kernel_size.is_multiple_of(2) {
            return Err(error(
                "model.kernel_size",
                self.kernel_size,
                "an odd number (same-length convolutions)",
            ));
        }
        let layers = self.user_filters.len();
        if !(1..=MAX_USER_LAYERS).contains(&layers) {
            return Err(error(
                "model.user_filters",
                format!("{:?}", self.user_filters),
                format!("1 to {MAX_USER_LAYERS} layers"),
            ));
        }
        for (i, &filters) in self.user_filters.iter().enumerate() {
            count(&format!("model.user_filters[{i}]"), filters, 1, MAX_WIDTH)?;
        }
        if self.history_factors && self.rank_dim == 0 {
            return Err(error(
                "model.history_factors",
                true,
                "false without a rank head (model.rank_dim = 0)",
            ));
        }
        real("model.dropout", self.dropout, 0.0, 1.0, true)
    }

    /// The vocabulary and catalog sizes, which a trained model carries.
    pub fn check_sizes(&self) -> Result<(), ConfigError> {
        count("model.vocab_size", self.vocab_size, 1, MAX_VOCAB)?;
        if self.rank_dim > 0 {
            count("model.n_movies", self.n_movies, 1, MAX_MOVIES)?;
        }
        Ok(())
    }
}

impl EncoderConfig {
    pub fn check(&self) -> Result<(), ConfigError> {
        count(
            "encoder.movie_tokens",
            self.movie_tokens,
            1,
            MAX_MOVIE_TOKENS,
        )?;
        count("encoder.history_len", self.history_len, 1, MAX_HISTORY)?;
        count(
            "encoder.min_word_movies",
            self.min_word_movies,
            1,
            usize::MAX,
        )
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl crate::train::TeacherConfig {
    fn check(&self) -> Result<(), ConfigError> {
        match (&self.mf, &self.bayes) {
            (Some(mf), None) => {
                count("teacher.mf.factors", mf.factors, 1, 4096)?;
                count("teacher.mf.epochs", mf.epochs, 1, 100_000)?;
                real("teacher.mf.lr", f64::from(mf.lr), 1e-9, 1.0, false)?;
                real("teacher.mf.reg", f64::from(mf.reg), 0.0, 100.0, false)?;
            }
            (None, Some(bayes)) => {
                count("teacher.bayes.factors", bayes.factors, 1, 256)?;
                count("teacher.bayes.samples", bayes.samples, 1, 10_000)?;
                count("teacher.bayes.burn_in", bayes.burn_in, 0, bayes.samples - 1)?;
            }
            (mf, bayes) => {
                let given = if mf.is_some() && bayes.is_some() {
                    "both"
                } else {
                    "neither"
                };
                return Err(error("teacher", given, "exactly one of mf and bayes"));
            }
        }
        count("teacher.targets", self.targets, 1, 65_536)?;
        real("teacher.weight", self.weight, 0.0, 1000.0, false)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl crate::train::TrainConfig {
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
        use crate::train::OptimizerConfig;
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
        if let Some(list) = &self.newcomer_list {
            list.check()?;
        }
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
