//! A list teacher during training only: EASE (Steck 2019), fitted on the same training ratings,
//! scores every movie a training example's history leaves unrated, and the rank head also learns
//! that whole distribution (softmax of the scores at a temperature), not only the example's 32
//! targets. EASE's full item-item matrix is the stronger top-N model on this data but far too
//! large to ship (1,682² weights); the rank head's low-rank bags can carry part of what it knows.
//! Like the rating teacher, it is never saved.

use serde::{Deserialize, Serialize};

use crate::data::{Movies, Rating};
use crate::ease::{Ease, rated_sets};

use super::Example;

/// EASE's fit and how much the rank head listens to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListTeacherConfig {
    /// EASE's L2 weight.
    pub lambda: f64,
    /// The softmax temperature of EASE's scores: lower is closer to its top few movies.
    pub temperature: f64,
    /// Weight of the cross-entropy against EASE's distribution beside the targets' (1).
    pub weight: f64,
    /// Only examples whose history holds at least this many ratings are taught: folded in
    /// from a newcomer's few ratings, EASE's list is worse than the most-rated one.
    #[serde(default)]
    pub min_history: usize,
}

impl ListTeacherConfig {
    /// The setting of the best validation NDCG@10 on random:1 and random:2's carve-outs that
    /// keeps the newcomers' lists (docs/experiments.md, "An EASE list teacher").
    pub fn tuned() -> Self {
        Self {
            lambda: 200.0,
            temperature: 0.02,
            weight: 1.0,
            min_history: 20,
        }
    }

    /// The bounds of each field, named as a config file spells them.
    pub fn check(&self) -> Result<(), crate::bounds::ConfigError> {
        use crate::bounds::real;
        real("list_teacher.lambda", self.lambda, 1e-3, 1e6, false)?;
        real(
            "list_teacher.temperature",
            self.temperature,
            1e-3,
            100.0,
            false,
        )?;
        real("list_teacher.weight", self.weight, 0.0, 1000.0, false)?;
        crate::bounds::count(
            "list_teacher.min_history",
            self.min_history,
            0,
            crate::bounds::MAX_HISTORY,
        )
    }
}

/// The fitted EASE, its temperature and the shortest history it teaches.
pub struct ListTeacher {
    ease: Ease,
    temperature: f32,
    min_history: usize,
}

impl ListTeacher {
    /// Fits EASE on the binary "rated" matrix of `fit_ratings`.
    pub fn fit(fit_ratings: &[Rating], movies: &Movies, cfg: &ListTeacherConfig) -> Self {
        Self {
            ease: Ease::fit(&rated_sets(fit_ratings, movies), movies.len(), cfg.lambda),
            temperature: cfg.temperature as f32,
            min_history: cfg.min_history,
        }
    }

    /// `[examples, n_movies]` row-major: for each example, the softmax of EASE's scores of its
    /// whole history over the movies that history leaves unrated, 0 at the rated ones (which
    /// the rank head's softmax masks out too); all 0 for a history shorter than `min_history`.
    pub fn soft_targets(&self, examples: &[&Example], n_movies: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(examples.len() * n_movies);
        for e in examples {
            if e.full_context.len() < self.min_history {
                out.extend(std::iter::repeat_n(0.0, n_movies));
                continue;
            }
            let rated: Vec<usize> = e.full_context.iter().map(|&(m, _)| m).collect();
            let mut scores = self.ease.scores(&rated);
            for &m in &rated {
                scores[m] = f32::NEG_INFINITY;
            }
            let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut total = 0.0;
            for s in &mut scores {
                *s = ((*s - top) / self.temperature).exp();
                total += *s;
            }
            out.extend(scores.iter().map(|s| s / total));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_targets_are_a_distribution_over_the_unrated_movies_led_by_eases_top() {
        // Users who rate 0 rate 1 too, never 2: EASE puts 1 far above 2 for a history of {0}.
        let ratings: Vec<Rating> = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (4, 1), (4, 2)]
            .iter()
            .map(|&(user, movie)| Rating {
                user,
                movie,
                rating: 4.0,
                timestamp: 0,
            })
            .collect();
        let movies = crate::data::Movies::numbered(3);
        let cfg = ListTeacherConfig {
            lambda: 1.0,
            temperature: 0.1,
            weight: 1.0,
            min_history: 1,
        };
        let teacher = ListTeacher::fit(&ratings, &movies, &cfg);
        let example = Example::whole(vec![(0, 5.0)], vec![(1, 4.0)], Vec::new());
        let q = teacher.soft_targets(&[&example], 3);
        assert_eq!(q[0], 0.0, "a rated movie gets no mass");
        assert!((q.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{q:?}");
        assert!(q[1] > 0.9 && q[2] < 0.1, "{q:?}");
        let cfg = ListTeacherConfig {
            min_history: 2,
            ..cfg
        };
        let teacher = ListTeacher::fit(&ratings, &movies, &cfg);
        let q = teacher.soft_targets(&[&example], 3);
        assert_eq!(q, [0.0; 3], "a history below min_history is not taught");
    }
}
