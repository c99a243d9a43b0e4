//! Why a movie is on a visitor's list: the liked rating whose absence lowers its place most.

use super::Recommender;
use super::{Because, EXPLAIN_RECENT};
use crate::predict::History;
use crate::topn::LIKED;

impl Recommender {
    /// Leaves each of the visitor's recent ratings out once; the one whose absence lowers a
    /// movie's list score most, beyond how much it lowers the whole list's, explains the movie's
    /// place (`targets` are the list). Only movies the visitor liked may
    /// explain (any rated 3 or more when they liked none): a disliked movie can push a movie
    /// up, but "because you rated X ★" would then read as a recommendation of X's kind.
    pub(super) fn leave_one_out(
        &self,
        history: &History,
        targets: &[usize],
    ) -> Vec<Option<Because>> {
        let liked_any = history.iter().any(|&(_, r)| r >= LIKED);
        let floor = if liked_any { LIKED } else { 3.0 };
        let first = history.len().saturating_sub(EXPLAIN_RECENT);
        let explainers: Vec<usize> = (first..history.len())
            .filter(|&k| history[k].1 >= floor)
            .collect();
        if explainers.is_empty() {
            return vec![None; targets.len()];
        }
        let without: Vec<History> = explainers
            .iter()
            .map(|&k| [&history[..k], &history[k + 1..]].concat())
            .collect();
        let mut queries: Vec<&[(usize, f32)]> = vec![history.as_slice()];
        queries.extend(without.iter().map(|h| h.as_slice()));
        let scores = self.list_scores(&queries, history.len(), targets);
        // A rating that lifts every listed movie alike moves none of them in the list: what puts
        // a movie where it is, is its lift beyond the list's mean lift from the same rating.
        let lifts: Vec<Vec<f32>> = scores[1..]
            .iter()
            .map(|s| (0..targets.len()).map(|j| scores[0][j] - s[j]).collect())
            .collect();
        let mean_lift: Vec<f32> = lifts
            .iter()
            .map(|l| l.iter().sum::<f32>() / l.len().max(1) as f32)
            .collect();
        let catalog = &self.header.catalog;
        (0..targets.len())
            .map(|j| {
                explainers
                    .iter()
                    .enumerate()
                    .filter(|&(e, _)| lifts[e][j] > 1e-3)
                    .max_by(|a, b| {
                        let place = |e: usize| lifts[e][j] - mean_lift[e];
                        place(a.0).total_cmp(&place(b.0))
                    })
                    .map(|(e, &k)| {
                        let entry = &catalog[history[k].0];
                        Because {
                            movie_id: entry.id,
                            title: entry.title.clone(),
                            lift: lifts[e][j],
                            widely_liked: self.short_head[targets[j]],
                        }
                    })
            })
            .collect()
    }
}
