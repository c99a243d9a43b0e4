//! The model's widths and switches, and the network they build.

use burn::module::Param;
use burn::nn::conv::Conv1dConfig;
use burn::nn::{DropoutConfig, EmbeddingConfig, Initializer, LinearConfig, PaddingConfig1d};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::MovieCnn;
use super::parts::{BiasPath, HistoryFactors, HistoryGate, RankHead};
use crate::bounds::{
    ConfigError, MAX_INFERENCE_BYTES, MAX_KERNEL, MAX_MOVIES, MAX_USER_LAYERS, MAX_VOCAB,
    MAX_WIDTH, count, error, memory, real,
};

/// Width/depth knobs. Stored in the model file so loading rebuilds the same shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub vocab_size: usize,
    pub token_dim: usize,
    pub movie_filters: usize,
    pub movie_dim: usize,
    /// Output channels of each user-sequence convolution, e.g. `[64, 128, 256]`.
    pub user_filters: Vec<usize>,
    pub kernel_size: usize,
    pub hidden: usize,
    pub dropout: f64,
    /// Adds the bias path (movie bias + shrunken user deviation). Absent in older model files.
    #[serde(default)]
    pub bias_path: bool,
    /// Scales the pooled user vector by `n / (n + μ)` (n ratings in the history, μ learned), so
    /// that a one- or two-rating history moves the prediction less than a long one. Absent in
    /// older model files.
    #[serde(default)]
    pub history_gate: bool,
    /// Width of the rank head's user and movie vectors (0 = no rank head). Absent in older model
    /// files.
    #[serde(default)]
    pub rank_dim: usize,
    /// Catalog size, filled in from the encoder like `vocab_size` (the rank head has a vector per
    /// movie). Absent in older model files.
    #[serde(default)]
    pub n_movies: usize,
    /// Adds the history factors (needs a rank head): the ratings older than the CNN's window
    /// move the predicted rating through the rank head's movie vectors, as in Koren's asymmetric
    /// SVD, and the bias path sums the whole history. Absent in older model files.
    #[serde(default)]
    pub history_factors: bool,
}

impl ModelConfig {
    /// The paper's widths: filters growing from 64 to 256, kernel 3.
    pub fn paper(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            token_dim: 32,
            movie_filters: 64,
            movie_dim: 64,
            user_filters: vec![64, 128, 256],
            kernel_size: 3,
            hidden: 128,
            dropout: 0.0,
            bias_path: false,
            history_gate: false,
            rank_dim: 0,
            n_movies: 0,
            history_factors: false,
        }
    }

    /// These widths with the vocabulary and catalog sizes of `encoder`, the only source of both.
    pub fn sized_for(&self, encoder: &crate::encode::Encoder) -> Self {
        Self {
            vocab_size: encoder.vocab.len(),
            n_movies: encoder.n_movies(),
            ..self.clone()
        }
    }

    /// Channels per history position after the convolutions.
    fn position_dim(&self) -> usize {
        self.user_filters
            .last()
            .copied()
            .unwrap_or(2 * self.movie_dim + 1)
    }

    fn user_dim(&self) -> usize {
        2 * self.position_dim()
    }

    /// The number of parameters [`ModelConfig::init`] creates, computed without allocating: the
    /// loader compares it with the weights a file holds before building anything.
    pub fn param_count(&self) -> u64 {
        let n = |x: usize| x as u64;
        let linear = |i: usize, o: usize, bias: bool| n(i) * n(o) + if bias { n(o) } else { 0 };
        let conv = |i: usize, o: usize| n(i) * n(o) * n(self.kernel_size) + n(o);
        let (movie, user, r) = (self.movie_dim, self.user_dim(), self.rank_dim);
        let mut total = n(self.vocab_size) * n(self.token_dim)
            + conv(self.token_dim, self.movie_filters)
            + linear(self.movie_filters + self.token_dim, movie, true)
            + linear(user, self.hidden, true)
            + linear(movie, self.hidden, false)
            + linear(self.hidden, 1, true)
            + linear(user, movie, false);
        let mut c_in = 2 * movie + 1;
        for &c_out in &self.user_filters {
            total += conv(c_in, c_out);
            c_in = c_out;
        }
        if self.bias_path {
            total += linear(movie, 1, true) + 3;
        }
        if r > 0 {
            total += linear(user, r, true) + 2 * linear(r, r, false) + n(self.n_movies) * n(r + 1);
        }
        if self.history_factors {
            total += 2 * linear(r, movie, false);
        }
        total + u64::from(self.history_gate)
    }

    /// Bytes of the activations of one forward pass in f32, to within a small factor: `movies`
    /// movie rows of `movie_tokens` tokens through the movie convolution (unfolded, as
    /// [`super::conv`] computes it), `users` histories of `history` ratings through the user
    /// convolutions, and `targets` scored per user. What the bounds compare with a memory
    /// budget, so a config inside every per-field bound cannot abort on allocation.
    pub fn activation_bytes(
        &self,
        movie_tokens: usize,
        movies: usize,
        users: usize,
        history: usize,
        targets: usize,
    ) -> u64 {
        let n = |x: usize| x as u64;
        let k = n(self.kernel_size);
        let per_token = n(self.token_dim) * k + n(self.movie_filters) + n(self.token_dim);
        let movie_side = n(movies) * n(movie_tokens) * per_token;
        let mut c_in = 2 * n(self.movie_dim) + 1;
        let mut per_position = 0;
        for &c_out in &self.user_filters {
            per_position += c_in * k + n(c_out);
            c_in = n(c_out);
        }
        let user_side = n(users) * n(history) * per_position;
        let head = n(users) * n(targets) * n(self.hidden + self.movie_dim);
        let rank = n(users) * n(self.n_movies) * 2;
        4 * (movie_side + user_side + head + rank)
    }

    pub fn init(&self, device: &Device) -> MovieCnn {
        let conv = |c_in, c_out| {
            Conv1dConfig::new(c_in, c_out, self.kernel_size)
                .with_padding(PaddingConfig1d::Same)
                .init(device)
        };
        let mut user_convs = Vec::new();
        let mut c_in = 2 * self.movie_dim + 1;
        for &c_out in &self.user_filters {
            user_convs.push(conv(c_in, c_out));
            c_in = c_out;
        }
        MovieCnn {
            tokens: EmbeddingConfig::new(self.vocab_size, self.token_dim)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 0.1,
                })
                .init(device),
            movie_conv: conv(self.token_dim, self.movie_filters),
            movie_out: LinearConfig::new(self.movie_filters + self.token_dim, self.movie_dim)
                .init(device),
            user_convs,
            head_user: LinearConfig::new(self.user_dim(), self.hidden).init(device),
            head_movie: LinearConfig::new(self.movie_dim, self.hidden)
                .with_bias(false)
                .init(device),
            head_out: LinearConfig::new(self.hidden, 1).init(device),
            interaction: LinearConfig::new(self.user_dim(), self.movie_dim)
                .with_bias(false)
                .init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            bias_path: self.bias_path.then(|| BiasPath {
                movie_bias: LinearConfig::new(self.movie_dim, 1).init(device),
                // rating scale, rating shift, raw shrinkage (softplus(15) ≈ 15 pseudo-ratings,
                // the bias baseline's user regulariser).
                user: Param::from_data([2.0f32, 0.0, 15.0], device),
            }),
            rank_head: (self.rank_dim > 0).then(|| RankHead {
                user: LinearConfig::new(self.user_dim(), self.rank_dim).init(device),
                rated_bag: LinearConfig::new(self.rank_dim, self.rank_dim)
                    .with_bias(false)
                    .init(device),
                rating_bag: LinearConfig::new(self.rank_dim, self.rank_dim)
                    .with_bias(false)
                    .init(device),
                movies: Initializer::Normal {
                    mean: 0.0,
                    std: 0.1,
                }
                .init([self.n_movies, self.rank_dim], device),
                bias: Initializer::Zeros.init([self.n_movies], device),
            }),
            history_factors: self.history_factors.then(|| {
                let map = || {
                    LinearConfig::new(self.rank_dim, self.movie_dim)
                        .with_bias(false)
                        .with_initializer(Initializer::Zeros)
                        .init(device)
                };
                HistoryFactors {
                    rated: map(),
                    rating: map(),
                }
            }),
            history_gate: self.history_gate.then(|| HistoryGate {
                // softplus(2) ≈ 2.1 pseudo-ratings: one rating counts a third, 20 count 90%.
                shrinkage: Param::from_data([2.0f32], device),
            }),
            neighbour_weights: None,
        }
    }
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
