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
//! * Optional history factors (not in the paper): the CNN reads only the latest `history_len`
//!   ratings; the rank head's sums over the older ones enter the rating head's user·movie term
//!   (Koren's asymmetric SVD), and the bias path's user bias sums the whole history.

mod config;
mod conv;
mod parts;

use burn::module::{Module, Param};
use burn::nn::conv::Conv1d;
use burn::nn::{Dropout, Embedding, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{IndexingUpdateOp, Int, Tensor};

pub use config::ModelConfig;
use conv::{add_bias, conv_rows, conv_same, token_windows};
use parts::{BiasPath, HistoryFactors, HistoryGate, RankHead};

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
    history_factors: Option<HistoryFactors>,
    /// The list's item-item weights while training learns them with the rank head
    /// (`[n_movies, slots]`, see [`crate::model::MovieCnn::neighbour_logits`]); a model file holds
    /// them in its header's neighbours instead, so a trained model gives them up.
    neighbour_weights: Option<Param<Tensor<2>>>,
}

/// A batch of encoded users: the pooled vector and, with the bias path, each user's bias.
#[derive(Debug, Clone)]
pub struct UserEncoding {
    /// `[B, user_dim]`
    pub pooled: Tensor<2>,
    /// `[B, 1]`: the user's bias, with the bias path.
    bias: Option<Tensor<2>>,
    /// The rank head's bag sums over the whole history, each `[B, rank_dim]`, with a rank head.
    bags: Option<[Tensor<2>; 2]>,
    /// `[B, movie_dim]`: the history factors' term of the user's interaction vector.
    factors: Option<Tensor<2>>,
}

/// `Tensor::cat` of one optional field of every part, if every part has it.
fn cat_field(
    parts: &[UserEncoding],
    field: impl Fn(&UserEncoding) -> Option<Tensor<2>>,
) -> Option<Tensor<2>> {
    let all = parts.iter().map(field).collect::<Option<Vec<_>>>()?;
    Some(Tensor::cat(all, 0))
}

impl UserEncoding {
    /// `[B, 1]`: each user's bias, with the bias path.
    pub fn bias(&self) -> Option<&Tensor<2>> {
        self.bias.as_ref()
    }

    /// `[B, movie_dim]`: the history factors' term, with them.
    pub fn factors(&self) -> Option<&Tensor<2>> {
        self.factors.as_ref()
    }

    /// Joins the encodings of consecutive groups of users (each group padded to its own longest
    /// history) into one batch, in order.
    pub fn cat(mut parts: Vec<UserEncoding>) -> UserEncoding {
        if parts.len() == 1 {
            return parts.remove(0);
        }
        let bias = cat_field(&parts, |p| p.bias.clone());
        let rated = cat_field(&parts, |p| p.bags.as_ref().map(|[x, _]| x.clone()));
        let rating = cat_field(&parts, |p| p.bags.as_ref().map(|[_, y]| y.clone()));
        let factors = cat_field(&parts, |p| p.factors.clone());
        UserEncoding {
            pooled: Tensor::cat(parts.into_iter().map(|p| p.pooled).collect(), 0),
            bias,
            bags: rated.zip(rating).map(|(x, y)| [x, y]),
            factors,
        }
    }
}

/// Users' whole histories as two `[B, n_movies]` rows each, scaled by 1/√n: `rated` is 1 at
/// every rated movie, `rating` the centred rating there; the columns are the [`MovieTable`]'s
/// rows.
#[derive(Debug, Clone)]
pub struct HistoryBag {
    pub rated: Tensor<2>,
    pub rating: Tensor<2>,
    /// `[B, 1]`: n, the number of ratings.
    pub count: Tensor<2>,
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
    /// The catalog rows the table holds when it holds only some of them (a training step
    /// encodes only its batch's movies); `None`: the whole catalog, in order.
    pub rows: Option<Tensor<1, Int>>,
}

impl MovieCnn {
    /// Encodes every movie from its tokens `[n_movies, movie_tokens]`.
    pub fn movie_table(&self, tokens: Tensor<2, Int>) -> MovieTable {
        let [m, l] = tokens.dims();
        // The embedding table with a zero row after the last token: the convolution's padding.
        let table = self.tokens.weight.val();
        let [vocab, e] = table.dims();
        let device = table.device();
        let rows = Tensor::cat(vec![table, Tensor::zeros([1, e], &device)], 0);
        let id_token = rows
            .clone()
            .select(0, tokens.clone().narrow(1, 0, 1).reshape([m]));
        let [f, _, k] = self.movie_conv.weight.val().dims();
        let windows = token_windows(tokens, k, vocab);
        let conv = conv_rows(&self.movie_conv, rows, windows).reshape([m, l, f]);
        // The bias and the ReLU after max-pooling: the same values (both are monotonic, the
        // bias one constant per filter) on L times fewer numbers.
        let pooled = relu(add_bias(&self.movie_conv, conv.max_dim(1).reshape([m, f])));
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
            rows: None,
        }
    }

    /// Whether [`MovieCnn::encode_users`] reads the users' whole histories as a [`HistoryBag`].
    pub fn reads_bags(&self) -> bool {
        self.rank_head.is_some()
    }

    /// Encodes users from their histories: movie indices `[B, H]`, rating features `[B, H]` and
    /// a mask `[B, H]` (1 = real rating, 0 = padding) — the CNN's window — and, when
    /// [`MovieCnn::reads_bags`], their whole histories as a bag.
    pub fn encode_users(
        &self,
        table: &MovieTable,
        movies: Tensor<2, Int>,
        ratings: Tensor<2>,
        mask: Tensor<2>,
        bag: Option<&HistoryBag>,
    ) -> UserEncoding {
        let [b, h] = movies.dims();
        let [_, d] = table.vectors.dims();
        let flat = movies.reshape([b * h]);
        let count = mask.clone().sum_dim(1); // [B, 1]: real ratings per user
        let (window_movies, window_ratings, window_mask) =
            (flat.clone(), ratings.clone(), mask.clone());
        let bias = match (&self.bias_path, &table.bias, bag) {
            (Some(path), Some(movie_bias), Some(bag)) if self.history_factors.is_some() => {
                Some(path.user_bias_of_bag(bag, movie_bias.clone()))
            }
            (Some(path), Some(movie_bias), _) => {
                let history_bias = movie_bias.clone().select(0, flat.clone()).reshape([b, h]);
                Some(path.user_bias(ratings.clone(), mask.clone(), count.clone(), history_bias))
            }
            _ => None,
        };
        let items = table.vectors.clone().select(0, flat).reshape([b, h, d]);
        let r = ratings.reshape([b, h, 1]);
        let mask = mask.reshape([b, h, 1]);
        let x = Tensor::cat(vec![items.clone(), items * r.clone(), r], 2); // [B, H, C]
        let mut x = x * mask.clone();
        for conv in &self.user_convs {
            x = relu(conv_same(conv, x)) * mask.clone();
        }
        let [_, _, c] = x.dims();
        let divisor = count.clone().clamp_min(1.0).reshape([b, 1]);
        let mean = x.clone().sum_dim(1).reshape([b, c]) / divisor;
        let max = x.clone().max_dim(1).reshape([b, c]); // post-ReLU and masked: padding contributes 0
        let mut pooled = Tensor::cat(vec![mean, max], 1);
        if let Some(gate) = &self.history_gate {
            pooled = pooled * gate.weight(count);
        }
        // The rank head's vectors of the table's rows: the bags' columns.
        let bag_movies = self
            .rank_head
            .as_ref()
            .map(|head| head.movies_of(table.rows.clone()));
        let bags = match (&self.rank_head, &bag_movies, bag) {
            (Some(head), Some(movies), Some(bag)) => Some(head.bag_sums(bag, movies)),
            _ => None,
        };
        // The ratings the window leaves out, trusted like the CNN's vector: n / (n + μ) of the
        // whole history's n. A history the window holds whole (every newcomer's) gets none.
        let factors = match (&self.history_factors, &bag_movies, &bags, bag) {
            (Some(factors), Some(movies), Some(sums), Some(bag)) => {
                let window = (window_movies, window_ratings, window_mask);
                let older = RankHead::older_sums(sums, movies, window, bag.count.clone());
                Some(match &self.history_gate {
                    Some(gate) => factors.forward(&older) * gate.weight(bag.count.clone()),
                    None => factors.forward(&older),
                })
            }
            _ => None,
        };
        UserEncoding {
            pooled: self.dropout.forward(pooled),
            bias,
            bags,
            factors,
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
        let mut interaction = self.interaction.forward(users.pooled.clone());
        if let Some(factors) = &users.factors {
            interaction = interaction + factors.clone();
        }
        let interaction = interaction.reshape([b, 1, d]);
        let hidden = self.dropout.forward(relu(pre_hidden));
        let out = self.head_out.forward(hidden).reshape([b, t]);
        let mut out = out + (interaction * movie_vecs).sum_dim(2).reshape([b, t]);
        if let (Some(movie_bias), Some(user_bias)) = (&table.bias, &users.bias) {
            out = out + movie_bias.clone().select(0, flat).reshape([b, t]) + user_bias.clone();
        }
        out
    }

    /// [`MovieCnn::score`] of every movie the table holds `[B, n]`: the same sums without
    /// gathering the table's rows, for a list over (nearly) the whole catalog. In the browser
    /// the gathers cost more than the arithmetic.
    pub fn score_table(&self, table: &MovieTable, users: &UserEncoding) -> Tensor<2> {
        let [n, hd] = table.hidden.dims();
        let [b, _] = users.pooled.dims();
        let user_hidden = self
            .head_user
            .forward(users.pooled.clone())
            .reshape([b, 1, hd]);
        let pre_hidden = user_hidden + table.hidden.clone().reshape([1, n, hd]);
        let mut interaction = self.interaction.forward(users.pooled.clone());
        if let Some(factors) = &users.factors {
            interaction = interaction + factors.clone();
        }
        let hidden = self.dropout.forward(relu(pre_hidden));
        let out = self.head_out.forward(hidden).reshape([b, n]);
        let mut out = out + interaction.matmul(table.vectors.clone().transpose());
        if let (Some(movie_bias), Some(user_bias)) = (&table.bias, &users.bias) {
            out = out + movie_bias.clone().reshape([1, n]) + user_bias.clone();
        }
        out
    }

    /// Whether the model has a rank head (and so [`MovieCnn::rank_logits`] returns logits).
    pub fn has_rank_head(&self) -> bool {
        self.rank_head.is_some()
    }

    /// Starts learning item-item weights `[n_movies, slots]` from `start`.
    pub fn learn_neighbour_weights(mut self, start: Tensor<2>) -> Self {
        self.neighbour_weights = Some(Param::from_tensor(start));
        self
    }

    /// The learned item-item weights, taken out of the model.
    pub fn take_neighbour_weights(mut self) -> (Self, Option<Tensor<2>>) {
        let weights = self.neighbour_weights.take().map(|p| p.val());
        (self, weights)
    }

    /// The learned item-item term of `[b, n_movies]` logits (`None` when none is learned): each
    /// of `sources` `[P]` (a rated movie of a user) adds its weights, times `scale` `[P, slots]`,
    /// at `positions` `[P · slots]` (`user · n_movies + neighbour`) of the flattened logits.
    pub fn neighbour_logits(
        &self,
        sources: Tensor<1, Int>,
        scale: Tensor<2>,
        positions: Tensor<1, Int>,
        [b, m]: [usize; 2],
    ) -> Option<Tensor<2>> {
        let weights = self.neighbour_weights.as_ref()?.val();
        let lifts = weights.select(0, sources) * scale;
        let [p, k] = lifts.dims();
        let zeros = Tensor::<1>::zeros([b * m], &lifts.device());
        let summed =
            zeros.select_assign(0, positions, lifts.reshape([p * k]), IndexingUpdateOp::Add);
        Some(summed.reshape([b, m]))
    }

    /// Rank-head logits `[B, n_movies]` of each user (`None` without a rank head, or when the
    /// users were encoded without their bags): a softmax over them is the probability that the
    /// user's next rating is of each movie.
    pub fn rank_logits(&self, users: &UserEncoding) -> Option<Tensor<2>> {
        let (head, [rated, rating]) = (self.rank_head.as_ref()?, users.bags.as_ref()?);
        let [m] = head.bias.val().dims();
        let user = head.user.forward(users.pooled.clone())
            + head.rated_bag.forward(rated.clone())
            + head.rating_bag.forward(rating.clone());
        Some(user.matmul(head.movies.val().transpose()) + head.bias.val().reshape([1, m]))
    }
}
