//! The yardsticks printed beside the CNN: global mean, user/item biases, and biased matrix
//! factorisation (the "SVD" of Funk/Koren, as in Surprise). Plain Rust, same data, same harness.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::data::{Rating, Stars};

/// Anything that can predict a rating for a (user, movie) pair.
pub trait Predictor {
    fn predict(&self, user: u32, movie: u32) -> f32;
}

/// Predicts the training mean for everything.
pub struct GlobalMean(pub f32);

impl GlobalMean {
    pub fn fit(train: &[Rating]) -> Self {
        Self(global_mean(train))
    }
}

impl Predictor for GlobalMean {
    fn predict(&self, _: u32, _: u32) -> f32 {
        self.0
    }
}

pub fn global_mean(train: &[Rating]) -> f32 {
    (train.iter().map(|r| f64::from(r.rating)).sum::<f64>() / train.len().max(1) as f64) as f32
}

/// `mean + b_user + b_movie`, fitted by regularised alternating least squares.
pub struct BiasModel {
    pub mean: f32,
    pub user: HashMap<u32, f32>,
    pub movie: HashMap<u32, f32>,
}

impl BiasModel {
    pub const USER_REG: f32 = 15.0;
    pub const MOVIE_REG: f32 = 10.0;

    pub fn fit(train: &[Rating]) -> Self {
        let mean = global_mean(train);
        let mut user: HashMap<u32, f32> = HashMap::new();
        let mut movie: HashMap<u32, f32> = HashMap::new();
        for _ in 0..10 {
            let mut sums: HashMap<u32, (f32, f32)> = HashMap::new();
            for r in train {
                let e = sums.entry(r.movie).or_default();
                e.0 += r.rating - mean - user.get(&r.user).unwrap_or(&0.0);
                e.1 += 1.0;
            }
            movie = sums
                .into_iter()
                .map(|(k, (s, n))| (k, s / (n + Self::MOVIE_REG)))
                .collect();
            let mut sums: HashMap<u32, (f32, f32)> = HashMap::new();
            for r in train {
                let e = sums.entry(r.user).or_default();
                e.0 += r.rating - mean - movie.get(&r.movie).unwrap_or(&0.0);
                e.1 += 1.0;
            }
            user = sums
                .into_iter()
                .map(|(k, (s, n))| (k, s / (n + Self::USER_REG)))
                .collect();
        }
        Self { mean, user, movie }
    }

    /// A new user's bias from a few revealed ratings (movie id, rating), with the same shrinkage.
    pub fn user_bias_from(&self, revealed: &[(u32, f32)]) -> f32 {
        let sum: f32 = revealed
            .iter()
            .map(|(m, r)| r - self.mean - self.movie.get(m).unwrap_or(&0.0))
            .sum();
        sum / (revealed.len() as f32 + Self::USER_REG)
    }

    pub fn predict_with_user_bias(&self, user_bias: f32, movie: u32) -> f32 {
        self.mean + user_bias + self.movie.get(&movie).unwrap_or(&0.0)
    }
}

impl Predictor for BiasModel {
    fn predict(&self, user: u32, movie: u32) -> f32 {
        self.predict_with_user_bias(*self.user.get(&user).unwrap_or(&0.0), movie)
    }
}

/// The widths and SGD settings of [`BiasedMf`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfConfig {
    pub factors: usize,
    pub epochs: usize,
    pub lr: f32,
    pub reg: f32,
    /// SVD++ (Koren 2008): each user's vector also sums `y_j/√n` over the movies they rated.
    #[serde(default)]
    pub implicit: bool,
}

impl MfConfig {
    /// Surprise's SVD defaults: the baseline printed beside the CNN.
    pub fn surprise() -> Self {
        Self {
            factors: 100,
            epochs: 20,
            lr: 0.005,
            reg: 0.02,
            implicit: false,
        }
    }
}

/// A dense row for every user and every movie of `train`, in order of first appearance: the
/// factorisations' parameter rows.
pub(crate) fn dense_indices(train: &[Rating]) -> (HashMap<u32, usize>, HashMap<u32, usize>) {
    let mut users = HashMap::new();
    let mut movies = HashMap::new();
    for r in train {
        let n = users.len();
        users.entry(r.user).or_insert(n);
        let n = movies.len();
        movies.entry(r.movie).or_insert(n);
    }
    (users, movies)
}

/// Biased matrix factorisation trained by SGD (the "SVD" of Funk/Koren, as in Surprise).
pub struct BiasedMf {
    mean: f32,
    factors: usize,
    user_index: HashMap<u32, usize>,
    movie_index: HashMap<u32, usize>,
    bu: Vec<f32>,
    bi: Vec<f32>,
    p: Vec<f32>,
    q: Vec<f32>,
}

impl BiasedMf {
    pub fn fit(train: &[Rating], cfg: &MfConfig, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut model = Self::init(train, cfg.factors, &mut rng);
        if cfg.implicit {
            model.fit_implicit(train, cfg, &mut rng);
            return model;
        }
        let mut order: Vec<usize> = (0..train.len()).collect();
        for _ in 0..cfg.epochs {
            order.shuffle(&mut rng);
            for &k in &order {
                let r = &train[k];
                let (u, i) = (model.user_index[&r.user], model.movie_index[&r.movie]);
                model.sgd_step(u, i, r.rating, None, cfg);
            }
        }
        model
    }

    /// Indices for every user and movie of `train`, biases at 0, factors ~ N(0, 0.1).
    fn init(train: &[Rating], factors: usize, rng: &mut ChaCha8Rng) -> Self {
        let (user_index, movie_index) = dense_indices(train);
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let mut init = |n: usize| {
            (0..n * factors)
                .map(|_| normal.sample(&mut *rng))
                .collect::<Vec<f32>>()
        };
        let p = init(user_index.len());
        let q = init(movie_index.len());
        Self {
            mean: global_mean(train),
            factors,
            bu: vec![0.0; user_index.len()],
            bi: vec![0.0; movie_index.len()],
            user_index,
            movie_index,
            p,
            q,
        }
    }

    /// One SGD step on a rating of user `u` for movie `i`; `implicit`: the user's implicit
    /// vector (SVD++), added to `p_u` in the prediction. Returns the error.
    fn sgd_step(
        &mut self,
        u: usize,
        i: usize,
        rating: f32,
        implicit: Option<&[f32]>,
        cfg: &MfConfig,
    ) -> f32 {
        let (lr, reg, factors) = (cfg.lr, cfg.reg, self.factors);
        let (pu, qi) = (u * factors, i * factors);
        let user = |f: usize| self.p[pu + f] + implicit.map_or(0.0, |z| z[f]);
        let dot: f32 = (0..factors).map(|f| user(f) * self.q[qi + f]).sum();
        let err = rating - (self.mean + self.bu[u] + self.bi[i] + dot);
        self.bu[u] += lr * (err - reg * self.bu[u]);
        self.bi[i] += lr * (err - reg * self.bi[i]);
        for f in 0..factors {
            let (pf, qf) = (self.p[pu + f], self.q[qi + f]);
            let zf = implicit.map_or(0.0, |z| z[f]);
            self.p[pu + f] += lr * (err * qf - reg * pf);
            self.q[qi + f] += lr * (err * (pf + zf) - reg * qf);
        }
        err
    }

    /// SVD++, a user at a time: the implicit vector `z_u = Σ_j y_j/√n` is computed once per
    /// user and epoch, and the `y_j` take the user's summed gradient after their ratings. The
    /// final `z_u` is folded into `p_u`, so prediction is plain MF's.
    fn fit_implicit(&mut self, train: &[Rating], cfg: &MfConfig, rng: &mut ChaCha8Rng) {
        let factors = self.factors;
        let mut by_user: Vec<Vec<(usize, f32)>> = vec![Vec::new(); self.user_index.len()];
        for r in train {
            by_user[self.user_index[&r.user]].push((self.movie_index[&r.movie], r.rating));
        }
        let mut y = vec![0.0f32; self.q.len()];
        let implicit_of = |y: &[f32], items: &[(usize, f32)]| {
            let scale = 1.0 / (items.len().max(1) as f32).sqrt();
            let mut z = vec![0.0f32; factors];
            for &(j, _) in items {
                for (f, zf) in z.iter_mut().enumerate() {
                    *zf += scale * y[j * factors + f];
                }
            }
            z
        };
        let mut users: Vec<usize> = (0..by_user.len()).collect();
        for _ in 0..cfg.epochs {
            users.shuffle(rng);
            for &u in &users {
                let mut items = std::mem::take(&mut by_user[u]);
                items.shuffle(rng);
                let z = implicit_of(&y, &items);
                let mut gradient = vec![0.0f32; factors];
                for &(i, rating) in &items {
                    let err = self.sgd_step(u, i, rating, Some(&z), cfg);
                    for (f, g) in gradient.iter_mut().enumerate() {
                        *g += err * self.q[i * factors + f];
                    }
                }
                // The mean gradient: the y_j move after the user's pass, with z_u held, so the
                // summed one would overshoot by up to n (it diverged in 20 epochs).
                let n = items.len().max(1) as f32;
                let scale = 1.0 / (n.sqrt() * n);
                for &(j, _) in &items {
                    for f in 0..factors {
                        let yj = &mut y[j * factors + f];
                        *yj += cfg.lr * (scale * gradient[f] - cfg.reg * *yj);
                    }
                }
                by_user[u] = items;
            }
        }
        for (u, items) in by_user.iter().enumerate() {
            let z = implicit_of(&y, items);
            for (f, zf) in z.iter().enumerate() {
                self.p[u * factors + f] += zf;
            }
        }
    }
}

impl Predictor for BiasedMf {
    fn predict(&self, user: u32, movie: u32) -> f32 {
        let u = self.user_index.get(&user);
        let i = self.movie_index.get(&movie);
        let mut x = self.mean;
        if let Some(&u) = u {
            x += self.bu[u];
        }
        if let Some(&i) = i {
            x += self.bi[i];
        }
        if let (Some(&u), Some(&i)) = (u, i) {
            x += (0..self.factors)
                .map(|f| self.p[u * self.factors + f] * self.q[i * self.factors + f])
                .sum::<f32>();
        }
        x
    }
}

/// Scores any predictor on a test set (predictions clipped to the rating scale).
pub fn evaluate(model: &dyn Predictor, test: &[Rating], stars: Stars) -> crate::metrics::Metrics {
    let predicted: Vec<f32> = test
        .iter()
        .map(|r| stars.clip(model.predict(r.user, r.movie)))
        .collect();
    let actual: Vec<f32> = test.iter().map(|r| r.rating).collect();
    crate::metrics::metrics(&predicted, &actual)
}
