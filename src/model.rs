//! The CNN of Kutlimuratov & Atadjanova, shared by training and the browser.
//!
//! * Movie tower: token embeddings (id, genres, title/description words) → 1-D convolution
//!   (kernel 3) → max-pool over positions, joined with the id token's embedding → movie vector.
//! * User tower: the user's most recent rated movies, each as [movie vector, movie vector × rating,
//!   rating], through stacked 1-D convolutions (kernel 3, filters e.g. 64 → 128 → 256) with
//!   masked mean- and max-pooling → user vector.
//! * Head: a fully connected layer over [user, movie] (computed as two linears so the movie half
//!   can be precomputed once per catalog) plus a user·movie interaction term → rating.
//! * Optional bias path (not in the paper): a learned per-movie bias plus the user's shrunken
//!   mean deviation over their history, added to the output — the classic `b_user + b_movie`
//!   baseline as a skip connection, so the network only has to learn what biases cannot explain,
//!   and a visitor with one or two ratings gets at least the bias model's prediction.
//! * Optional history gate (not in the paper): the pooled user vector is scaled by n / (n + μ)
//!   for a history of n ratings (μ learned), since pooling alone cannot tell one rating from many.
//! * Optional rank head (not in the paper): the same user vector also scores every catalog movie
//!   for "will this user rate it" (user projection · movie vector + movie bias), trained with a
//!   softmax over the catalog. Ranking by predicted rating alone favours what everybody rates
//!   highly; this head is what makes the top of the list follow the visitor's taste.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig,
    PaddingConfig1d,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

/// Width/depth knobs. Stored in the model file so loading rebuilds the same shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        total + u64::from(self.history_gate)
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
            history_gate: self.history_gate.then(|| HistoryGate {
                // softplus(2) ≈ 2.1 pseudo-ratings: one rating counts a third, 20 count 90%.
                shrinkage: Param::from_data([2.0f32], device),
            }),
        }
    }
}

/// `b_movie + b_user`, with `b_user = Σ_h (a·rating_h + c − b_movie_h) / (n + λ)` over the
/// history: the bias baseline's closed-form user bias, differentiable and learned end to end.
#[derive(Module, Debug)]
pub struct BiasPath {
    movie_bias: Linear,
    /// `[a, c, λ_raw]` with `λ = softplus(λ_raw)`.
    user: Param<Tensor<1>>,
}

/// How much a history of n ratings is trusted: `n / (n + softplus(shrinkage))`. Mean- and
/// max-pooling forget n, so without it one rating speaks as loudly as a hundred.
#[derive(Module, Debug)]
pub struct HistoryGate {
    shrinkage: Param<Tensor<1>>,
}

impl HistoryGate {
    /// `count` `[B, 1]` → `[B, 1]` in (0, 1).
    fn weight(&self, count: Tensor<2>) -> Tensor<2> {
        let mu = burn::tensor::activation::softplus(self.shrinkage.val(), 1.0).reshape([1, 1]);
        count.clone() / (count + mu)
    }
}

/// "Will this user rate it" for every catalog movie: `u · v_movie + b_movie`, with the user's
/// `u = W·user + A·Σ v_j/√n + C·Σ ρ_j v_j/√n` over *every* rated movie j (ρ_j its centred
/// rating): the CNN reads only the latest `history_len` ratings, and the bags add what a
/// heavy rater said earlier, as in Koren's asymmetric SVD, with the movie vectors tied.
#[derive(Module, Debug)]
pub struct RankHead {
    user: Linear,
    rated_bag: Linear,
    rating_bag: Linear,
    /// `[n_movies, rank_dim]`
    movies: Param<Tensor<2>>,
    /// `[n_movies]`: how likely anyone is to rate the movie (its popularity, learned).
    bias: Param<Tensor<1>>,
}

impl BiasPath {
    /// `ratings`, `mask`, `history_bias`: `[B, H]`, `count` (real ratings): `[B, 1]` → `[B, 1]`.
    fn user_bias(
        &self,
        ratings: Tensor<2>,
        mask: Tensor<2>,
        count: Tensor<2>,
        history_bias: Tensor<2>,
    ) -> Tensor<2> {
        let p = self.user.val();
        let scale = p.clone().narrow(0, 0, 1).reshape([1, 1]);
        let shift = p.clone().narrow(0, 1, 1).reshape([1, 1]);
        let shrinkage = burn::tensor::activation::softplus(p.narrow(0, 2, 1), 1.0).reshape([1, 1]);
        let deviation = (ratings * scale + shift - history_bias) * mask;
        deviation.sum_dim(1) / (count + shrinkage)
    }
}

#[derive(Module, Debug)]
pub struct MovieCnn {
    tokens: Embedding,
    movie_conv: Conv1d,
    movie_out: Linear,
    user_convs: Vec<Conv1d>,
    head_user: Linear,
    head_movie: Linear,
    head_out: Linear,
    interaction: Linear,
    dropout: Dropout,
    bias_path: Option<BiasPath>,
    history_gate: Option<HistoryGate>,
    rank_head: Option<RankHead>,
}

/// A batch of encoded users: the pooled vector and, with the bias path, each user's bias.
#[derive(Debug, Clone)]
pub struct UserEncoding {
    /// `[B, user_dim]`
    pub pooled: Tensor<2>,
    /// `[B, 1]`: the user's bias, with the bias path.
    bias: Option<Tensor<2>>,
}

impl UserEncoding {
    /// Joins the encodings of consecutive groups of users (each group padded to its own longest
    /// history) into one batch, in order.
    pub fn cat(mut parts: Vec<UserEncoding>) -> UserEncoding {
        if parts.len() == 1 {
            return parts.remove(0);
        }
        let bias = parts
            .iter()
            .map(|p| p.bias.clone())
            .collect::<Option<Vec<_>>>()
            .map(|b| Tensor::cat(b, 0));
        UserEncoding {
            pooled: Tensor::cat(parts.into_iter().map(|p| p.pooled).collect(), 0),
            bias,
        }
    }
}

/// Users' whole histories as two `[B, n_movies]` rows each, scaled by 1/√n: `rated` is 1 at
/// every rated movie, `rating` the centred rating there.
#[derive(Debug, Clone)]
pub struct HistoryBag {
    pub rated: Tensor<2>,
    pub rating: Tensor<2>,
}

/// Per-catalog tensors computed once: movie vectors and their half of the first head layer.
#[derive(Debug, Clone)]
pub struct MovieTable {
    /// `[n_movies, movie_dim]`
    pub vectors: Tensor<2>,
    /// `[n_movies, hidden]`
    pub hidden: Tensor<2>,
    /// `[n_movies]`: each movie's bias, with the bias path.
    pub bias: Option<Tensor<1>>,
}

impl MovieCnn {
    /// Encodes every movie from its tokens `[n_movies, movie_tokens]`.
    pub fn movie_table(&self, tokens: Tensor<2, Int>) -> MovieTable {
        let embedded = self.tokens.forward(tokens); // [M, L, E]
        let [m, _, e] = embedded.dims();
        let id_token = embedded.clone().narrow(1, 0, 1).reshape([m, e]);
        let conv = relu(self.movie_conv.forward(embedded.swap_dims(1, 2))); // [M, F, L]
        let [_, f, _] = conv.dims();
        let pooled = conv.max_dim(2).reshape([m, f]);
        let vectors = self
            .movie_out
            .forward(Tensor::cat(vec![pooled, id_token], 1));
        let hidden = self.head_movie.forward(vectors.clone());
        let bias = self
            .bias_path
            .as_ref()
            .map(|p| p.movie_bias.forward(vectors.clone()).reshape([m]));
        MovieTable {
            vectors,
            hidden,
            bias,
        }
    }

    /// Encodes users from their histories: movie indices `[B, H]`, rating features `[B, H]` and
    /// a mask `[B, H]` (1 = real rating, 0 = padding).
    pub fn encode_users(
        &self,
        table: &MovieTable,
        movies: Tensor<2, Int>,
        ratings: Tensor<2>,
        mask: Tensor<2>,
    ) -> UserEncoding {
        let [b, h] = movies.dims();
        let [_, d] = table.vectors.dims();
        let flat = movies.reshape([b * h]);
        let count = mask.clone().sum_dim(1); // [B, 1]: real ratings per user
        let bias = match (&self.bias_path, &table.bias) {
            (Some(path), Some(movie_bias)) => {
                let history_bias = movie_bias.clone().select(0, flat.clone()).reshape([b, h]);
                Some(path.user_bias(ratings.clone(), mask.clone(), count.clone(), history_bias))
            }
            _ => None,
        };
        let items = table.vectors.clone().select(0, flat).reshape([b, h, d]);
        let r = ratings.reshape([b, h, 1]);
        let mask = mask.reshape([b, 1, h]);
        let x = Tensor::cat(vec![items.clone(), items * r.clone(), r], 2).swap_dims(1, 2); // [B, C, H]
        let mut x = x * mask.clone();
        for conv in &self.user_convs {
            x = relu(conv.forward(x)) * mask.clone();
        }
        let [_, c, _] = x.dims();
        let divisor = count.clone().clamp_min(1.0).reshape([b, 1]);
        let mean = x.clone().sum_dim(2).reshape([b, c]) / divisor;
        let max = x.clone().max_dim(2).reshape([b, c]); // post-ReLU and masked: padding contributes 0
        let mut pooled = Tensor::cat(vec![mean, max], 1);
        if let Some(gate) = &self.history_gate {
            pooled = pooled * gate.weight(count);
        }
        UserEncoding {
            pooled: self.dropout.forward(pooled),
            bias,
        }
    }

    /// Predicted rating offsets for target movies `[B, T]` of each user `[B, user_dim]`.
    pub fn score(
        &self,
        table: &MovieTable,
        users: &UserEncoding,
        targets: Tensor<2, Int>,
    ) -> Tensor<2> {
        let [b, t] = targets.dims();
        let flat = targets.reshape([b * t]);
        let [_, d] = table.vectors.dims();
        let [_, hd] = table.hidden.dims();
        let movie_vecs = table
            .vectors
            .clone()
            .select(0, flat.clone())
            .reshape([b, t, d]);
        let movie_hidden = table
            .hidden
            .clone()
            .select(0, flat.clone())
            .reshape([b, t, hd]);
        let user_hidden = self
            .head_user
            .forward(users.pooled.clone())
            .reshape([b, 1, hd]);
        let pre_hidden = user_hidden + movie_hidden;
        let interaction = self
            .interaction
            .forward(users.pooled.clone())
            .reshape([b, 1, d]);
        let hidden = self.dropout.forward(relu(pre_hidden));
        let out = self.head_out.forward(hidden).reshape([b, t]);
        let mut out = out + (interaction * movie_vecs).sum_dim(2).reshape([b, t]);
        if let (Some(movie_bias), Some(user_bias)) = (&table.bias, &users.bias) {
            out = out + movie_bias.clone().select(0, flat).reshape([b, t]) + user_bias.clone();
        }
        out
    }

    /// Whether the model has a rank head (and so [`MovieCnn::rank_logits`] returns logits).
    pub fn has_rank_head(&self) -> bool {
        self.rank_head.is_some()
    }

    /// Rank-head logits `[B, n_movies]` of each user (`None` without a rank head): a softmax
    /// over them is the probability that the user's next rating is of each movie. `bag` is each
    /// user's whole history, see [`HistoryBag`].
    pub fn rank_logits(&self, users: &UserEncoding, bag: &HistoryBag) -> Option<Tensor<2>> {
        self.rank_head.as_ref().map(|head| {
            let [m] = head.bias.val().dims();
            let movies = head.movies.val();
            let user = head.user.forward(users.pooled.clone())
                + head
                    .rated_bag
                    .forward(bag.rated.clone().matmul(movies.clone()))
                + head
                    .rating_bag
                    .forward(bag.rating.clone().matmul(movies.clone()));
            user.matmul(movies.transpose()) + head.bias.val().reshape([1, m])
        })
    }
}
