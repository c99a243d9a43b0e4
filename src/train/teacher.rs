//! A teacher during training only (as in IDCF, Wu et al. 2021): a tuned matrix factorisation
//! (SVD++) fitted on the same training ratings rates movies each user has *not* rated,
//! and the CNN also learns those ratings. The MF knows every training user by a vector of their
//! own, which the CNN — serving visitors it has never seen — cannot have; its predictions on
//! unrated pairs carry that knowledge across. The shipped model keeps its shape and stays
//! user-inductive: the teacher is never saved.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::baselines::{BiasedMf, MfConfig, Predictor};
use crate::data::{Movies, Rating};
use crate::metrics::clip_rating;
use crate::predict::History;

/// The teacher's fit and how much the CNN listens to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherConfig {
    pub mf: MfConfig,
    /// Unrated movies the teacher rates per training example.
    pub targets: usize,
    /// Weight of a teacher's rating in the loss, against 1 for a real rating.
    pub weight: f64,
}

impl TeacherConfig {
    /// SVD++ with the MF settings of the best validation RMSE on random:1's carve-out (MF
    /// 0.9251, against Surprise's defaults' 0.9558; SVD++ 0.9225; `cargo run --release
    /// --example teacher_grid`).
    pub fn tuned(targets: usize, weight: f64) -> Self {
        Self {
            mf: MfConfig {
                factors: 200,
                epochs: 100,
                lr: 0.005,
                reg: 0.1,
                implicit: true,
            },
            targets,
            weight,
        }
    }
}

/// The fitted teacher and what it samples from.
pub struct Teacher {
    mf: BiasedMf,
    /// The catalog row of every training rating: a uniform draw from it picks a movie as often
    /// as people rate it, as the ratings to be predicted do.
    pool: Vec<usize>,
    /// Catalog row → movie id.
    ids: Vec<u32>,
}

impl Teacher {
    pub fn fit(fit_ratings: &[Rating], movies: &Movies, cfg: &TeacherConfig, seed: u64) -> Self {
        Self {
            mf: BiasedMf::fit(fit_ratings, &cfg.mf, seed),
            pool: fit_ratings
                .iter()
                .filter_map(|r| movies.index_of(r.movie))
                .collect(),
            ids: movies.list.iter().map(|m| m.id).collect(),
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
            out.push((movie, clip_rating(self.mf.predict(user, self.ids[movie]))));
        }
        out
    }
}
