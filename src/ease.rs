//! EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): a closed-form
//! item-item model on the binary "rated" matrix, the strong top-N yardstick beside the CNN.
//!
//! `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹`, so `B` has a zero diagonal; a user's
//! scores are `x·B` for their 0/1 row `x`. Native only: the browser never runs it.

use faer::linalg::solvers::DenseSolveCore;

use crate::bounds::{ConfigError, MAX_TRAINING_BYTES, error};
use crate::data::{Movies, Rating, histories};

/// Bytes EASE holds at its peak for `n` movies: the f64 Gram matrix, its Cholesky factor and
/// inverse, and the f32 weights (28 bytes a cell): 1,682 movies need 79 MB, ML-32M's 87,585 about
/// 200 GiB.
pub fn dense_bytes(n: usize) -> u64 {
    (n as u64).saturating_mul(n as u64).saturating_mul(28)
}

/// Whether EASE over `n` movies fits the training memory budget; an error naming the field that
/// asked for it and what to do instead.
pub fn check_fits(field: &str, n: usize) -> Result<(), ConfigError> {
    let needed = dense_bytes(n);
    if needed <= MAX_TRAINING_BYTES {
        return Ok(());
    }
    Err(error(
        field,
        format!(
            "EASE's dense {n} × {n} solve, about {:.0} GiB",
            needed as f64 / f64::from(1u32 << 30)
        ),
        format!(
            "at most {} GiB: set {field} to null, or train on a release with fewer movies",
            MAX_TRAINING_BYTES >> 30
        ),
    ))
}

/// The fitted item-item weights.
#[derive(Debug, Clone)]
pub struct Ease {
    n: usize,
    /// `n × n`, row-major: `weights[i * n + j]` is how much having rated `i` says about `j`.
    weights: Vec<f32>,
}

impl Ease {
    /// Fits on each user's rated movies (dense indices below `n_items`) with L2 weight `lambda`.
    pub fn fit(users: &[Vec<usize>], n_items: usize, lambda: f64) -> Self {
        let rows: Vec<Vec<(usize, f32)>> = users
            .iter()
            .map(|items| items.iter().map(|&i| (i, 1.0)).collect())
            .collect();
        Self::fit_rows(&rows, n_items, lambda)
    }

    /// Fits on each user's row of (movie, value): 1 for the binary "rated" matrix, or the
    /// rating itself for EASE on the ratings matrix.
    pub fn fit_rows(users: &[Vec<(usize, f32)>], n_items: usize, lambda: f64) -> Self {
        let mut gram = faer::Mat::<f64>::zeros(n_items, n_items);
        for row in users {
            for &(i, x) in row {
                for &(j, y) in row {
                    gram[(i, j)] += f64::from(x) * f64::from(y);
                }
            }
        }
        for i in 0..n_items {
            gram[(i, i)] += lambda;
        }
        let p = gram
            .llt(faer::Side::Lower)
            .expect("XᵀX + λI is positive definite for λ > 0")
            .inverse();
        let mut weights = vec![0f32; n_items * n_items];
        for i in 0..n_items {
            for j in 0..n_items {
                if i != j {
                    weights[i * n_items + j] = (-p[(i, j)] / p[(j, j)]) as f32;
                }
            }
        }
        Self {
            n: n_items,
            weights,
        }
    }

    /// `x·B` for a user who rated `items`: one score per catalog movie.
    pub fn scores(&self, items: &[usize]) -> Vec<f32> {
        let mut out = vec![0f32; self.n];
        for &i in items {
            let row = &self.weights[i * self.n..(i + 1) * self.n];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w;
            }
        }
        out
    }

    /// `x·B` for a user's row of (movie, value), as [`Ease::fit_rows`] read them.
    pub fn scores_of_row(&self, row: &[(usize, f32)]) -> Vec<f32> {
        let mut out = vec![0f32; self.n];
        for &(i, x) in row {
            let weights = &self.weights[i * self.n..(i + 1) * self.n];
            for (o, w) in out.iter_mut().zip(weights) {
                *o += x * w;
            }
        }
        out
    }

    /// The weight of item `i` on item `j`.
    pub fn weight(&self, i: usize, j: usize) -> f32 {
        self.weights[i * self.n + j]
    }
}

/// Each user's rated movies, for EASE's binary matrix.
pub fn rated_sets(ratings: &[Rating], movies: &Movies) -> Vec<Vec<usize>> {
    histories(ratings, movies)
        .into_values()
        .map(|h| h.into_iter().map(|(m, _)| m).collect())
        .collect()
}

/// The λ values tried on the validation carve-out (Steck's ML-20M optimum is 500; ML-100K is
/// much smaller, so the grid reaches lower).
pub const LAMBDAS: [f64; 5] = [25.0, 50.0, 100.0, 200.0, 400.0];
