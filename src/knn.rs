//! Item-kNN (cosine on the binary "rated" matrix, Sarwar et al. 2001; every toolkit's first
//! baseline): a user's score for a movie sums its cosine similarity to each movie they rated,
//! over each rated movie's `k` most similar movies. Native only, a yardstick beside EASE.

/// Each movie's `k` most similar movies with their cosine similarity, kept sparse (never an
/// n × n matrix).
#[derive(Debug, Clone)]
pub struct ItemKnn {
    neighbours: Vec<Vec<(usize, f32)>>,
}

impl ItemKnn {
    /// Fits on each user's rated movies (dense indices below `n_items`), keeping `k` neighbours
    /// per movie (ties by index, so the fit is deterministic).
    pub fn fit(users: &[Vec<usize>], n_items: usize, k: usize) -> Self {
        let mut raters: Vec<Vec<usize>> = vec![Vec::new(); n_items];
        for (u, items) in users.iter().enumerate() {
            for &i in items {
                raters[i].push(u);
            }
        }
        let mut together = vec![0u32; n_items];
        let mut touched = Vec::new();
        let neighbours = (0..n_items)
            .map(|i| {
                for &u in &raters[i] {
                    for &j in &users[u] {
                        if together[j] == 0 {
                            touched.push(j);
                        }
                        together[j] += 1;
                    }
                }
                let mut row: Vec<(usize, f32)> = touched
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| {
                        let norm = (raters[i].len() as f32 * raters[j].len() as f32).sqrt();
                        (j, together[j] as f32 / norm)
                    })
                    .collect();
                for j in touched.drain(..) {
                    together[j] = 0;
                }
                row.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                row.truncate(k);
                row
            })
            .collect();
        Self { neighbours }
    }

    /// One score per catalog movie for a user who rated `items`.
    pub fn scores(&self, items: &[usize]) -> Vec<f32> {
        let mut out = vec![0f32; self.neighbours.len()];
        for &i in items {
            for &(j, s) in self.neighbours.get(i).map_or(&[][..], Vec::as_slice) {
                out[j] += s;
            }
        }
        out
    }
}

/// The neighbourhood sizes tried on the validation carve-out.
pub const NEIGHBOURHOODS: [usize; 5] = [10, 20, 50, 100, 200];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_movies_are_those_rated_together() {
        // Movies 0 and 1 are always rated together; 2 once with 0; 3 alone.
        let users = vec![vec![0, 1], vec![0, 1, 2], vec![3], vec![0, 1]];
        let knn = ItemKnn::fit(&users, 4, 2);
        let scores = knn.scores(&[0]);
        // cos(0, 1) = 3 / sqrt(3 · 3) = 1; cos(0, 2) = 1 / sqrt(3 · 1).
        assert!((scores[1] - 1.0).abs() < 1e-6, "{scores:?}");
        assert!((scores[2] - 1.0 / 3f32.sqrt()).abs() < 1e-6, "{scores:?}");
        assert_eq!(scores[3], 0.0);
        assert_eq!(scores[0], 0.0, "a movie is not its own neighbour");
        // k = 1 keeps only the most similar.
        let knn = ItemKnn::fit(&users, 4, 1);
        assert_eq!(knn.scores(&[0])[2], 0.0);
    }
}
