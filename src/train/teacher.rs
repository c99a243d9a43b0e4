//! A teacher during training only (as in IDCF, Wu et al. 2021): a matrix factorisation (Bayesian,
//! by Gibbs sampling; or SGD-fitted SVD++) fitted on the same training ratings rates movies each
//! user has *not* rated,
//! and the CNN also learns those ratings. The MF knows every training user by a vector of their
//! own, which the CNN — serving visitors it has never seen — cannot have; its predictions on
//! unrated pairs carry that knowledge across. The shipped model keeps its shape and stays
//! user-inductive: the teacher is never saved.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::baselines::{BiasedMf, MfConfig, Predictor};
use crate::bayes_mf::{BayesMfConfig, BayesianMf};
use crate::bounds::{ConfigError, count, real};
use crate::data::{Movies, Rating, Stars};
use crate::predict::History;

/// Which factorisation teaches: exactly one, so it is an enum (`{"mf": {…}}` or
/// `{"bayes": {…}}` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TeacherModel {
    /// An SGD-fitted factorisation (biased MF, or SVD++ with `implicit`).
    Mf(MfConfig),
    /// A Bayesian one (the default preset's).
    Bayes(BayesMfConfig),
}

/// The teacher's fit and how much the CNN listens to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeacherConfig {
    pub model: TeacherModel,
    /// Unrated movies the teacher rates per training example.
    pub targets: usize,
    /// Weight of a teacher's rating in the loss, against 1 for a real rating.
    pub weight: f64,
}

impl TeacherConfig {
    /// Bayesian MF with the size of the best validation RMSE on random:1 and random:2's
    /// carve-outs (5 factors, 300 draws of which 50 burn-in: 0.9106 / 0.8987, against SVD++'s
    /// 0.9225 / 0.9133; `cargo run --release --example teacher_grid`).
    pub fn tuned(targets: usize, weight: f64) -> Self {
        Self {
            model: TeacherModel::Bayes(BayesMfConfig {
                factors: 5,
                samples: 300,
                burn_in: 50,
            }),
            targets,
            weight,
        }
    }

    /// SVD++ with the SGD settings of the best validation RMSE on random:1's carve-out (the
    /// teacher before the Bayesian one).
    pub fn svd_pp(targets: usize, weight: f64) -> Self {
        Self {
            model: TeacherModel::Mf(MfConfig {
                factors: 200,
                epochs: 100,
                lr: 0.005,
                reg: 0.1,
                implicit: true,
            }),
            targets,
            weight,
        }
    }
}

/// The fitted teacher and what it samples from.
pub struct Teacher {
    model: Box<dyn Predictor>,
    /// The catalog row of every training rating: a uniform draw from it picks a movie as often
    /// as people rate it, as the ratings to be predicted do.
    pool: Vec<usize>,
    /// Catalog row → movie id.
    ids: Vec<u32>,
    stars: Stars,
}

impl TeacherConfig {
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        match &self.model {
            TeacherModel::Mf(mf) => {
                count("teacher.model.mf.factors", mf.factors, 1, 4096)?;
                count("teacher.model.mf.epochs", mf.epochs, 1, 100_000)?;
                real("teacher.model.mf.lr", f64::from(mf.lr), 1e-9, 1.0, false)?;
                real("teacher.model.mf.reg", f64::from(mf.reg), 0.0, 100.0, false)?;
            }
            TeacherModel::Bayes(bayes) => {
                count("teacher.model.bayes.factors", bayes.factors, 1, 256)?;
                count("teacher.model.bayes.samples", bayes.samples, 1, 10_000)?;
                count(
                    "teacher.model.bayes.burn_in",
                    bayes.burn_in,
                    0,
                    bayes.samples - 1,
                )?;
            }
        }
        count("teacher.targets", self.targets, 1, 65_536)?;
        real("teacher.weight", self.weight, 0.0, 1000.0, false)
    }
}

impl Teacher {
    pub fn fit(fit_ratings: &[Rating], movies: &Movies, cfg: &TeacherConfig, seed: u64) -> Self {
        Self {
            model: match &cfg.model {
                TeacherModel::Bayes(bayes) => Box::new(BayesianMf::fit(fit_ratings, bayes, seed)),
                TeacherModel::Mf(mf) => Box::new(BiasedMf::fit(fit_ratings, mf, seed)),
            },
            pool: fit_ratings
                .iter()
                .filter_map(|r| movies.index_of(r.movie))
                .collect(),
            ids: movies.list.iter().map(|m| m.id).collect(),
            stars: Stars::of(fit_ratings),
        }
    }

    /// `count` distinct movies `user` has not rated (`history`: all their training ratings),
    /// drawn by popularity, each with the teacher's rating.
    pub fn rate_unrated(
        &self,
        user: u32,
        history: &History,
        count: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<(usize, f32)> {
        let mut taken: Vec<usize> = history.iter().map(|&(m, _)| m).collect();
        let mut out = Vec::with_capacity(count);
        // A bounded number of draws: a user who rated nearly every popular movie gets fewer.
        for _ in 0..count * 4 {
            if out.len() == count || self.pool.is_empty() {
                break;
            }
            let movie = self.pool[rng.random_range(0..self.pool.len())];
            if taken.contains(&movie) {
                continue;
            }
            taken.push(movie);
            out.push((
                movie,
                self.stars.clip(self.model.predict(user, self.ids[movie])),
            ));
        }
        out
    }
}
