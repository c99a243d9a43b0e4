//! The list's item-item term: for each catalog movie, the few movies whose EASE weights (Steck
//! 2019) it raises most, fitted on the same training ratings as the CNN, their weights then
//! learned with the rank head's softmax. Koren's "integrated model" (2008) adds such a
//! neighbourhood term beside factors, learned jointly, for the same reason: a low-rank user
//! vector blurs the strong pairwise links (sequels, a director's films) that a full item-item
//! model keeps. EASE's 1,682² weights are far too large to ship; `per_movie` neighbours of each
//! movie fit in the model file, and the browser sums them over the visitor's ratings in
//! microseconds.

use serde::{Deserialize, Serialize};

use crate::bounds::{ConfigError, MAX_HISTORY, MAX_MOVIES};

/// The most neighbours a movie may keep (a model file asking for more is refused).
pub const MAX_PER_MOVIE: usize = 256;
/// Ratings below this lift no neighbours: a visitor who disliked Scream should not see its
/// neighbours rise. EASE reads every rating as interest; on the validation carve-outs of u1 and
/// u2, summing over the movies rated 3★ or more did as well as summing over all of them.
pub const LIFTING_RATING: f32 = 3.0;
/// Stored weights are rounded to this step: the figures measured at training are those of the
/// weights the file holds, and short decimals keep the JSON header small.
#[cfg(not(target_arch = "wasm32"))]
const WEIGHT_STEP: f32 = 1e-4;
/// Learned weights start from EASE's times this (chosen on the validation carve-outs of u1, u2
/// and u3 among 1, 4, 16 and 32: docs/experiments.md); starting at 16 or 32 learned lists 2%
/// and 9% worse, at 1 one 1% worse.
pub const LEARNING_START: f32 = 4.0;

/// How the neighbours are fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighboursConfig {
    /// EASE's L2 weight.
    pub lambda: f64,
    /// Neighbours kept per movie: its largest weights.
    pub per_movie: usize,
    /// The history length below which the term is left out, and the one from which it counts
    /// in full; in between it grows linearly. With EASE's fixed weights a late start (20 → 40)
    /// served newcomers best; learned weights are trained under the same ramp, and an early one
    /// (0 → 5) both lists best on the validation carve-outs and lets a few liked films lift
    /// their kind for a newcomer.
    pub starts_at: usize,
    pub full_from: usize,
    /// Learn the weights with the rank head's softmax (Koren's integrated model), starting
    /// from EASE's times [`LEARNING_START`]; otherwise EASE's weights are kept as fitted.
    #[serde(default)]
    pub learned: bool,
}

impl NeighboursConfig {
    /// The setting chosen on the validation carve-outs of u1, u2 and u3, among those whose demo
    /// model passes the children's-films journey (docs/experiments.md, "A sparse item-item
    /// term in the list", "Item-item weights learned with the rank head" and "The learned
    /// term from the first rating").
    pub fn tuned() -> Self {
        Self {
            lambda: 400.0,
            per_movie: 16,
            starts_at: 0,
            full_from: 5,
            learned: true,
        }
    }

    /// The bounds of each field, named as a config file spells them.
    pub fn check(&self) -> Result<(), ConfigError> {
        crate::bounds::real("neighbours.lambda", self.lambda, 1e-3, 1e6, false)?;
        crate::bounds::count("neighbours.per_movie", self.per_movie, 1, MAX_PER_MOVIE)?;
        check_ramp(self.starts_at, self.full_from)
    }
}

/// `starts_at < full_from ≤ MAX_HISTORY`: a config's ramp and a model file's alike.
fn check_ramp(starts_at: usize, full_from: usize) -> Result<(), ConfigError> {
    crate::bounds::count("neighbours.starts_at", starts_at, 0, MAX_HISTORY - 1)?;
    crate::bounds::count(
        "neighbours.full_from",
        full_from,
        starts_at + 1,
        MAX_HISTORY,
    )
}

/// Each catalog movie's neighbours (dense catalog index, EASE weight), and how much their sum
/// counts in a list score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbours {
    /// The weight of the summed neighbour weights beside the rank logit (chosen on the
    /// validation carve-out's NDCG@10 with the rating weight).
    pub weight: f32,
    /// See [`NeighboursConfig::starts_at`].
    #[serde(default)]
    starts_at: usize,
    full_from: usize,
    /// `rows[i]`: the movies that having rated movie `i` lifts, with how much.
    rows: Vec<Vec<(u32, f32)>>,
}

impl Neighbours {
    /// The `per_movie` largest positive weights `weight(i, j)` of each movie `i`, rounded as
    /// stored (the training side passes EASE's; this module knows nothing of how they were
    /// fitted).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn strongest(
        n_movies: usize,
        config: &NeighboursConfig,
        weight: impl Fn(usize, usize) -> f32,
    ) -> Self {
        let per_movie = config.per_movie;
        let rows = (0..n_movies)
            .map(|i| {
                let mut row: Vec<(u32, f32)> = (0..n_movies)
                    .map(|j| (j as u32, round(weight(i, j))))
                    .filter(|&(_, w)| w > 0.0)
                    .collect();
                row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                row.truncate(per_movie);
                row
            })
            .collect();
        Self {
            weight: 0.0,
            starts_at: config.starts_at,
            full_from: config.full_from,
            rows,
        }
    }

    /// Summed neighbour weights of each of `targets` (dense indices) over the movies of
    /// `history` rated [`LIFTING_RATING`] or more, `Σ_j w(j → target)`, times
    /// how far a history of n ratings is from `starts_at` to `full_from` (0 to 1); not yet times
    /// [`Neighbours::weight`].
    pub fn scores(&self, history: &[(usize, f32)], targets: &[usize]) -> Vec<f32> {
        let ramp = self.ramp(history.len());
        if ramp == 0.0 {
            // A newcomer's history (the browser's usual case): nothing to sum.
            return vec![0.0; targets.len()];
        }
        let mut catalog = vec![0f32; self.rows.len()];
        for &(movie, _) in history.iter().filter(|(_, r)| *r >= LIFTING_RATING) {
            for &(neighbour, w) in self.row(movie) {
                catalog[neighbour as usize] += w;
            }
        }
        targets
            .iter()
            .map(|&t| ramp * catalog.get(t).copied().unwrap_or(0.0))
            .collect()
    }

    /// How much the term counts for a history of `n` ratings: 0 up to `starts_at`, growing
    /// linearly to 1 at `full_from`.
    pub fn ramp(&self, n: usize) -> f32 {
        let (n, start) = (n as f32, self.starts_at as f32);
        ((n - start) / (self.full_from as f32 - start)).clamp(0.0, 1.0)
    }

    /// The movies that having rated `movie` lifts, with how much (empty outside the catalog).
    pub fn row(&self, movie: usize) -> &[(u32, f32)] {
        self.rows.get(movie).map_or(&[], Vec::as_slice)
    }

    /// The number of movies with a row: the catalog's.
    pub fn rows_len(&self) -> usize {
        self.rows.len()
    }

    /// The most neighbours any movie has.
    pub fn slots(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The same neighbours with learned weights: `weights[movie · slots + k]` for the k-th
    /// neighbour of `movie` (see [`Neighbours::slots`]), rounded as stored.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_weights(mut self, weights: &[f32]) -> Self {
        let slots = self.slots();
        for (movie, row) in self.rows.iter_mut().enumerate() {
            for (k, (_, w)) in row.iter_mut().enumerate() {
                *w = round(weights[movie * slots + k]);
            }
        }
        self
    }

    /// A model file's neighbours checked against its catalog of `n_movies`: one row per movie,
    /// indices inside the catalog, finite weights. Names the first offender.
    pub fn check(&self, n_movies: usize) -> Result<(), String> {
        if self.rows.len() != n_movies || n_movies > MAX_MOVIES {
            return Err(format!(
                "neighbours has {} rows but the catalog lists {n_movies} movies",
                self.rows.len()
            ));
        }
        if !(self.weight.is_finite() && self.weight.abs() <= 1e4) {
            return Err(format!(
                "neighbours.weight = {}: expected a finite number",
                self.weight
            ));
        }
        check_ramp(self.starts_at, self.full_from).map_err(|e| e.to_string())?;
        for (i, row) in self.rows.iter().enumerate() {
            if row.len() > MAX_PER_MOVIE {
                return Err(format!(
                    "neighbours of movie #{i}: {} entries, at most {MAX_PER_MOVIE}",
                    row.len()
                ));
            }
            if let Some((j, w)) = row
                .iter()
                .find(|&&(j, w)| j as usize >= n_movies || !w.is_finite() || w.abs() > 1e4)
            {
                return Err(format!(
                    "neighbours of movie #{i}: ({j}, {w}) is outside the catalog or not a finite weight"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
impl Neighbours {
    /// The unit tests' term: EASE (λ 1) on `sets`, 2 neighbours per movie, learned, the ramp
    /// from `starts_at` to `full_from`.
    pub(crate) fn small(sets: &[Vec<usize>], n_movies: usize, ramp: (usize, usize)) -> Self {
        let config = NeighboursConfig {
            lambda: 1.0,
            per_movie: 2,
            starts_at: ramp.0,
            full_from: ramp.1,
            learned: true,
        };
        let ease = crate::ease::Ease::fit(sets, n_movies, 1.0);
        Self::strongest(n_movies, &config, |i, j| ease.weight(i, j))
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn round(w: f32) -> f32 {
    (w / WEIGHT_STEP).round() * WEIGHT_STEP
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Neighbours {
        Neighbours {
            weight: 1.0,
            starts_at: 0,
            full_from: 2,
            rows: vec![vec![(1, 0.5), (2, 0.25)], vec![(2, 1.0)], vec![]],
        }
    }

    #[test]
    fn scores_sum_the_rated_movies_rows() {
        let n = toy();
        // Rated 0 and 1: movie 1 gets 0.5 (from 0), movie 2 gets 0.25 + 1.0.
        assert_eq!(
            n.scores(&[(0, 5.0), (1, 3.0)], &[2, 1, 0]),
            [1.25, 0.5, 0.0]
        );
        assert_eq!(n.scores(&[], &[0, 1, 2]), [0.0; 3]);
        // One rating, half of full_from: half the sums.
        assert_eq!(n.scores(&[(1, 4.0)], &[2, 1]), [0.5, 0.0]);
        // A disliked movie lifts nothing, but counts towards the history's length.
        assert_eq!(n.scores(&[(0, 2.0), (1, 3.0)], &[1, 2]), [0.0, 1.0]);
        // Starting at 1 rating, full from 3: nothing at 1, half at 2.
        let late = Neighbours {
            starts_at: 1,
            full_from: 3,
            ..toy()
        };
        assert_eq!(late.scores(&[(1, 4.0)], &[2]), [0.0]);
        assert_eq!(late.scores(&[(1, 4.0), (2, 4.0)], &[2]), [0.5]);
    }

    #[test]
    fn check_names_the_offending_entry() {
        assert!(toy().check(3).is_ok());
        assert!(toy().check(4).unwrap_err().contains("3 rows"));
        let mut bad = toy();
        bad.rows[1] = vec![(7, 0.1)];
        assert!(bad.check(3).unwrap_err().contains("movie #1: (7, 0.1)"));
        bad.rows[1] = vec![(0, f32::NAN)];
        assert!(bad.check(3).is_err());
        let weightless = Neighbours {
            weight: f32::INFINITY,
            ..toy()
        };
        assert!(weightless.check(3).is_err());
    }

    #[test]
    fn strongest_keeps_each_rows_largest_positive_weights_rounded() {
        // Three users: movies 0 and 1 are always rated together, 2 once with 0.
        let users = vec![vec![0, 1], vec![0, 1, 2], vec![0, 1]];
        let ease = crate::ease::Ease::fit(&users, 3, 1.0);
        let config = NeighboursConfig {
            lambda: 1.0,
            per_movie: 1,
            starts_at: 0,
            full_from: 1,
            learned: false,
        };
        let n = Neighbours::strongest(3, &config, |i, j| ease.weight(i, j));
        let mut kept = 0;
        for i in 0..3 {
            let strongest = (0..3)
                .filter(|&j| j != i && ease.weight(i, j) > WEIGHT_STEP)
                .max_by(|&a, &b| {
                    let (wa, wb) = (ease.weight(i, a), ease.weight(i, b));
                    wa.total_cmp(&wb).then(b.cmp(&a)) // a tie keeps the smaller index
                });
            match strongest {
                Some(j) => {
                    assert_eq!(n.rows[i].len(), 1);
                    assert_eq!(n.rows[i][0].0 as usize, j);
                    assert!((n.rows[i][0].1 - ease.weight(i, j)).abs() <= WEIGHT_STEP);
                    kept += 1;
                }
                None => assert!(n.rows[i].is_empty(), "row {i}: {:?}", n.rows[i]),
            }
        }
        // Movies 0 and 1, always rated together, lift each other.
        assert!(kept >= 2 && n.rows[0][0].0 == 1 && n.rows[1][0].0 == 0);
    }
}
