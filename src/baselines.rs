//! The yardsticks printed beside the CNN: global mean, user/item biases, and biased matrix
//! factorisation (the "SVD" of Funk/Koren, as in Surprise). Plain Rust, same data, same harness.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::data::Rating;

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
pub struct MfConfig {
    pub factors: usize,
    pub epochs: usize,
    pub lr: f32,
    pub reg: f32,
}

impl MfConfig {
    /// Surprise's SVD defaults: the baseline printed beside the CNN.
    pub fn surprise() -> Self {
        Self {
            factors: 100,
            epochs: 20,
            lr: 0.005,
            reg: 0.02,
        }
    }
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
        let MfConfig {
            factors,
            epochs,
            lr,
            reg,
        } = *cfg;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut user_index = HashMap::new();
        let mut movie_index = HashMap::new();
        for r in train {
            let n = user_index.len();
            user_index.entry(r.user).or_insert(n);
            let n = movie_index.len();
            movie_index.entry(r.movie).or_insert(n);
        }
        let normal = Normal::new(0.0f32, 0.1).expect("valid normal");
        let mut init = |n: usize| {
            (0..n * factors)
                .map(|_| normal.sample(&mut rng))
                .collect::<Vec<f32>>()
        };
        let p = init(user_index.len());
        let q = init(movie_index.len());
        let mut model = Self {
            mean: global_mean(train),
            factors,
            bu: vec![0.0; user_index.len()],
            bi: vec![0.0; movie_index.len()],
            user_index,
            movie_index,
            p,
            q,
        };
        let mut order: Vec<usize> = (0..train.len()).collect();
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &k in &order {
                let r = &train[k];
                let (u, i) = (model.user_index[&r.user], model.movie_index[&r.movie]);
                let (pu, qi) = (u * factors, i * factors);
                let dot: f32 = (0..factors)
                    .map(|f| model.p[pu + f] * model.q[qi + f])
                    .sum();
                let err = r.rating - (model.mean + model.bu[u] + model.bi[i] + dot);
                model.bu[u] += lr * (err - reg * model.bu[u]);
                model.bi[i] += lr * (err - reg * model.bi[i]);
                for f in 0..factors {
                    let (pf, qf) = (model.p[pu + f], model.q[qi + f]);
                    model.p[pu + f] += lr * (err * qf - reg * pf);
                    model.q[qi + f] += lr * (err * pf - reg * qf);
                }
            }
        }
        model
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

/// Scores any predictor on a test set (predictions clipped to 1–5).
pub fn evaluate(model: &dyn Predictor, test: &[Rating]) -> crate::metrics::Metrics {
    let predicted: Vec<f32> = test
        .iter()
        .map(|r| crate::metrics::clip_rating(model.predict(r.user, r.movie)))
        .collect();
    let actual: Vec<f32> = test.iter().map(|r| r.rating).collect();
    crate::metrics::metrics(&predicted, &actual)
}
