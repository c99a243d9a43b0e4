//! The parts beyond the paper's network: the bias path, the history gate, the rank head and the
//! history factors.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Int, Tensor};

use super::HistoryBag;

/// `b_movie + b_user`, with `b_user = Σ_h (a·rating_h + c − b_movie_h) / (n + λ)` over the
/// history: the bias baseline's closed-form user bias, differentiable and learned end to end.
#[derive(Module, Debug)]
pub struct BiasPath {
    pub(super) movie_bias: Linear,
    /// `[a, c, λ_raw]` with `λ = softplus(λ_raw)`.
    pub(super) user: Param<Tensor<1>>,
}

/// How much a history of n ratings is trusted: `n / (n + softplus(shrinkage))`. Mean- and
/// max-pooling forget n, so without it one rating speaks as loudly as a hundred.
#[derive(Module, Debug)]
pub struct HistoryGate {
    pub(super) shrinkage: Param<Tensor<1>>,
}

impl HistoryGate {
    /// `count` `[B, 1]` → `[B, 1]` in (0, 1).
    pub(super) fn weight(&self, count: Tensor<2>) -> Tensor<2> {
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
    pub(super) user: Linear,
    pub(super) rated_bag: Linear,
    pub(super) rating_bag: Linear,
    /// `[n_movies, rank_dim]`
    pub(super) movies: Param<Tensor<2>>,
    /// `[n_movies]`: how likely anyone is to rate the movie (its popularity, learned).
    pub(super) bias: Param<Tensor<1>>,
}

impl RankHead {
    /// The bag sums `[Σ v_j/√n, Σ ρ_j v_j/√n]`, each `[B, rank_dim]`, over the whole history.
    /// `movies`: the vectors of the bag's columns ([`RankHead::movies_of`]).
    pub(super) fn bag_sums(&self, bag: &HistoryBag, movies: &Tensor<2>) -> [Tensor<2>; 2] {
        [
            bag.rated.clone().matmul(movies.clone()),
            bag.rating.clone().matmul(movies.clone()),
        ]
    }

    /// The vectors of the catalog `rows` (`None`: the whole catalog).
    pub(super) fn movies_of(&self, rows: Option<Tensor<1, Int>>) -> Tensor<2> {
        match rows {
            Some(rows) => self.movies.val().select(0, rows),
            None => self.movies.val(),
        }
    }

    /// `sums` (see [`RankHead::bag_sums`]) less the CNN's window's share of them: the sums over
    /// the ratings older than the window. `movies`: as for [`RankHead::bag_sums`]; `window`:
    /// its movies `[B·H]` (table rows), rating features and mask `[B, H]`; `count`: the whole
    /// history's n `[B, 1]`.
    pub(super) fn older_sums(
        sums: &[Tensor<2>; 2],
        movies: &Tensor<2>,
        window: (Tensor<1, Int>, Tensor<2>, Tensor<2>),
        count: Tensor<2>,
    ) -> [Tensor<2>; 2] {
        let (window_movies, ratings, mask) = window;
        let [b, h] = mask.dims();
        let vectors = movies.clone().select(0, window_movies);
        let [_, r] = vectors.dims();
        let vectors = vectors.reshape([b, h, r]);
        let weight = (mask / count.clamp_min(1.0).sqrt()).reshape([b, h, 1]);
        let rated = (vectors.clone() * weight.clone())
            .sum_dim(1)
            .reshape([b, r]);
        let rating = (vectors * weight * ratings.reshape([b, h, 1]))
            .sum_dim(1)
            .reshape([b, r]);
        [sums[0].clone() - rated, sums[1].clone() - rating]
    }
}

/// Koren's asymmetric-SVD term for the rating head: the rank head's bag sums over the ratings
/// *older than the CNN's window*, mapped into the movie-vector space and added to the user's
/// interaction vector, so a heavy rater's early ratings still move every prediction. A history
/// the window holds whole (every newcomer's) gets no term: on validation users, factors over the
/// whole history made newcomers' lists and ratings worse. Both maps start at zero.
#[derive(Module, Debug)]
pub struct HistoryFactors {
    pub(super) rated: Linear,
    pub(super) rating: Linear,
}

impl HistoryFactors {
    /// The bag sums (see [`RankHead::bag_sums`]) → `[B, movie_dim]`.
    pub(super) fn forward(&self, sums: &[Tensor<2>; 2]) -> Tensor<2> {
        self.rated.forward(sums[0].clone()) + self.rating.forward(sums[1].clone())
    }
}

impl BiasPath {
    /// `[a, c, λ]`, each `[1, 1]`.
    fn coefficients(&self) -> [Tensor<2>; 3] {
        let p = self.user.val();
        let scale = p.clone().narrow(0, 0, 1).reshape([1, 1]);
        let shift = p.clone().narrow(0, 1, 1).reshape([1, 1]);
        let shrinkage = burn::tensor::activation::softplus(p.narrow(0, 2, 1), 1.0).reshape([1, 1]);
        [scale, shift, shrinkage]
    }

    /// `ratings`, `mask`, `history_bias`: `[B, H]`, `count` (real ratings): `[B, 1]` → `[B, 1]`.
    pub(super) fn user_bias(
        &self,
        ratings: Tensor<2>,
        mask: Tensor<2>,
        count: Tensor<2>,
        history_bias: Tensor<2>,
    ) -> Tensor<2> {
        let [scale, shift, shrinkage] = self.coefficients();
        let deviation = (ratings * scale + shift - history_bias) * mask;
        deviation.sum_dim(1) / (count + shrinkage)
    }

    /// [`BiasPath::user_bias`] over the whole history: the same sum, read from the bag's
    /// 1/√n-scaled rows (`movie_bias`: `[n_movies]`, the bag's columns) → `[B, 1]`.
    pub(super) fn user_bias_of_bag(&self, bag: &HistoryBag, movie_bias: Tensor<1>) -> Tensor<2> {
        let [scale, shift, shrinkage] = self.coefficients();
        let [m] = movie_bias.dims();
        let root_n = bag.count.clone().sqrt();
        let rating_sum = bag.rating.clone().sum_dim(1) * scale;
        let bias_sum = bag.rated.clone().matmul(movie_bias.reshape([m, 1]));
        let deviation = (rating_sum - bias_sum) * root_n + bag.count.clone() * shift;
        deviation / (bag.count.clone() + shrinkage)
    }
}
