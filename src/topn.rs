//! Top-N metrics of ranked lists: what a visitor sees is the top of a list, not a rating.
//!
//! Protocol ("all unrated items", Cremonesi, Koren & Turrin 2010): for each user, every catalog
//! movie they have not rated in the data the model learned from is a candidate; the relevant ones
//! are their held-out ratings of 4 or more.

use serde::{Deserialize, Serialize};

/// List length of every top-N figure.
pub const N: usize = 10;

/// A held-out rating at or above this counts as "liked", i.e. relevant.
pub const LIKED: f32 = 4.0;

/// Top-N figures averaged over the users with at least one relevant movie.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopN {
    /// Share of users with at least one relevant movie in their top N.
    pub hr: f64,
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    /// Share of the catalog that appears in at least one user's top N.
    pub coverage: f64,
    /// Mean number of training ratings of the listed movies: how mainstream the lists are.
    pub mean_popularity: f64,
    /// Users scored.
    pub users: usize,
}

/// The `n` best candidates by score, best first (ties by lower index, so lists are deterministic).
/// `excluded[m]` marks movies that may not be listed (the user's own training ratings).
pub fn top_n(scores: &[f32], excluded: &[bool], n: usize) -> Vec<usize> {
    let mut candidates: Vec<usize> = (0..scores.len()).filter(|&m| !excluded[m]).collect();
    let by_score = |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b));
    if candidates.len() > n {
        candidates.select_nth_unstable_by(n, by_score);
        candidates.truncate(n);
    }
    candidates.sort_by(by_score);
    candidates
}

/// Accumulates per-user lists into [`TopN`].
#[derive(Debug, Clone)]
pub struct TopNAccumulator {
    listed: Vec<bool>,
    popularity: Vec<u32>,
    sums: [f64; 5],
    users: usize,
}

impl TopNAccumulator {
    /// `popularity[m]`: training ratings of movie `m` (its length is the catalog size).
    pub fn new(popularity: Vec<u32>) -> Self {
        Self {
            listed: vec![false; popularity.len()],
            popularity,
            sums: [0.0; 5],
            users: 0,
        }
    }

    /// Adds one user's list (best first) against their relevant movies; users without relevant
    /// movies are skipped, since no list can be right or wrong for them.
    pub fn add(&mut self, list: &[usize], relevant: &[usize]) {
        if relevant.is_empty() {
            return;
        }
        let hits: Vec<bool> = list.iter().map(|m| relevant.contains(m)).collect();
        let n_hits = hits.iter().filter(|&&h| h).count();
        let dcg: f64 = hits
            .iter()
            .enumerate()
            .filter(|(_, h)| **h)
            .map(|(rank, _)| 1.0 / (rank as f64 + 2.0).log2())
            .sum();
        let ideal: f64 = (0..relevant.len().min(N))
            .map(|rank| 1.0 / (rank as f64 + 2.0).log2())
            .sum();
        let popularity: f64 = list
            .iter()
            .map(|&m| f64::from(self.popularity[m]))
            .sum::<f64>()
            / list.len().max(1) as f64;
        for &m in list {
            self.listed[m] = true;
        }
        let figures = [
            f64::from(u8::from(n_hits > 0)),
            n_hits as f64 / N as f64,
            n_hits as f64 / relevant.len() as f64,
            dcg / ideal,
            popularity,
        ];
        for (sum, x) in self.sums.iter_mut().zip(figures) {
            *sum += x;
        }
        self.users += 1;
    }

    pub fn finish(&self) -> TopN {
        let per_user = |k: usize| self.sums[k] / self.users.max(1) as f64;
        TopN {
            hr: per_user(0),
            precision: per_user(1),
            recall: per_user(2),
            ndcg: per_user(3),
            coverage: self.listed.iter().filter(|&&l| l).count() as f64
                / self.listed.len().max(1) as f64,
            mean_popularity: per_user(4),
            users: self.users,
        }
    }
}
