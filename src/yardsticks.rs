//! The history-only yardsticks the CNN's lists are measured against, each a [`Ranker`] with its
//! setting chosen on the training ratings' validation carve-out: EASE on the binary "rated"
//! matrix, EASE on the ratings matrix, and item-kNN.

use crate::data::{Movies, Rating};
use crate::ease::{self, Ease};
use crate::knn::{self, ItemKnn};
use crate::predict::{History, histories};
use crate::ranking::{Case, Ranker, cases, evaluate, items, popularity};

impl Ranker for Ease {
    fn scores(&self, history: &History) -> Vec<f32> {
        Ease::scores(self, &items(history))
    }
}

/// EASE fitted on the ratings themselves instead of 0/1 (the rating as the row's value, at fit
/// and at scoring): a disliked film then says less about its neighbours than a loved one.
pub struct RatingsEase(pub Ease);

impl Ranker for RatingsEase {
    fn scores(&self, history: &History) -> Vec<f32> {
        self.0.scores_of_row(history)
    }
}

/// The most-rated list, the same for everyone: the popularity yardstick as a [`Ranker`].
pub struct MostRated(Vec<f32>);

impl MostRated {
    /// From each catalog movie's training ratings.
    pub fn new(popularity: &[u32]) -> Self {
        Self(popularity.iter().map(|&p| p as f32).collect())
    }
}

impl Ranker for MostRated {
    fn scores(&self, _: &History) -> Vec<f32> {
        self.0.clone()
    }
}

impl Ranker for ItemKnn {
    fn scores(&self, history: &History) -> Vec<f32> {
        ItemKnn::scores(self, &items(history))
    }
}

/// The history-only yardsticks of a split, each with its setting chosen on the carve-out.
pub struct Yardsticks {
    /// EASE and its λ; `None` where its dense solve would not fit in memory (a catalog of more
    /// than ~24,000 movies), and its row is left out of the tables.
    pub ease: Option<(Ease, f64)>,
    /// EASE on the ratings matrix and its λ, `None` as EASE's.
    pub ratings_ease: Option<(RatingsEase, f64)>,
    pub knn: ItemKnn,
    pub knn_k: usize,
}

impl Yardsticks {
    /// Every yardstick fitted on `train`, its setting chosen on `train`'s validation carve-out
    /// (the one the CNN is validated on).
    pub fn fit(train: &[Rating], movies: &Movies, validation_fraction: f64, seed: u64) -> Self {
        let carve = Carved::new(train, movies, validation_fraction, seed);
        let rows: Vec<History> = histories(train, movies).into_values().collect();
        let n = movies.len();
        let fits = ease::check_fits("EASE", n).is_ok();
        let ease = fits.then(|| {
            let lambda = carve.best(&ease::LAMBDAS, |r, &l| Ease::fit_rows(&ones(r), n, l));
            (Ease::fit_rows(&ones(&rows), n, lambda), lambda)
        });
        let ratings_ease = fits.then(|| {
            let fit = |r: &[History], l: f64| RatingsEase(Ease::fit_rows(r, n, l));
            let lambda = carve.best(&RATINGS_LAMBDAS, |r, &l| fit(r, l));
            (fit(&rows, lambda), lambda)
        });
        let knn_fit = |r: &[History], k: usize| ItemKnn::fit(&sets(r), n, k);
        let knn_k = carve.best(&knn::NEIGHBOURHOODS, |r, &k| knn_fit(r, k));
        Self {
            ease,
            ratings_ease,
            knn: knn_fit(&rows, knn_k),
            knn_k,
        }
    }

    /// EASE's λ, if it was fitted.
    pub fn ease_lambda(&self) -> Option<f64> {
        self.ease.as_ref().map(|e| e.1)
    }

    /// The rows they add to a table, by name.
    pub fn rankers(&self) -> Vec<(&'static str, &dyn Ranker)> {
        let mut rows: Vec<(&'static str, &dyn Ranker)> = Vec::new();
        if let Some((ease, _)) = &self.ease {
            rows.push(("EASE", ease));
        }
        if let Some((ease, _)) = &self.ratings_ease {
            rows.push(("EASE on ratings", ease));
        }
        rows.push(("item-kNN", &self.knn));
        rows
    }
}

/// λ tried for EASE on ratings: its Gram matrix holds squared ratings (about 14× the binary
/// one's on a 1–5 scale), so its grid sits that much higher.
const RATINGS_LAMBDAS: [f64; 5] = [250.0, 500.0, 1000.0, 2000.0, 4000.0];

fn ones(rows: &[History]) -> Vec<History> {
    rows.iter()
        .map(|h| h.iter().map(|&(m, _)| (m, 1.0)).collect())
        .collect()
}

fn sets(rows: &[History]) -> Vec<Vec<usize>> {
    rows.iter().map(items).collect()
}

/// EASE alone, its λ chosen as [`Yardsticks::fit`] chooses it.
pub fn fit_ease(
    train: &[Rating],
    movies: &Movies,
    validation_fraction: f64,
    seed: u64,
) -> (Ease, f64) {
    let n = movies.len();
    let carve = Carved::new(train, movies, validation_fraction, seed);
    let lambda = carve.best(&ease::LAMBDAS, |r, &l| Ease::fit_rows(&ones(r), n, l));
    let rows: Vec<History> = histories(train, movies).into_values().collect();
    (Ease::fit_rows(&ones(&rows), n, lambda), lambda)
}

/// A validation carve-out of the training ratings, ready to choose a yardstick's setting on.
struct Carved {
    fit_rows: Vec<History>,
    validation: Vec<Case>,
    popularity: Vec<u32>,
}

impl Carved {
    fn new(train: &[Rating], movies: &Movies, validation_fraction: f64, seed: u64) -> Self {
        let carve = crate::split::validation_split(train, validation_fraction, seed);
        let context = histories(&carve.fit, movies);
        Self {
            validation: cases(&context, &carve.validation, movies),
            fit_rows: context.into_values().collect(),
            popularity: popularity(&carve.fit, movies),
        }
    }

    /// The setting of `grid` whose model has the best validation NDCG@10 (the last on ties).
    fn best<P: Copy, M: Ranker>(&self, grid: &[P], fit: impl Fn(&[History], &P) -> M) -> P {
        grid.iter()
            .map(|p| {
                let model = fit(&self.fit_rows, p);
                let figures = evaluate(&self.validation, &self.popularity, |k| {
                    model.scores(&self.validation[k].history)
                });
                (*p, figures.ndcg)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(grid[0], |(p, _)| p)
    }
}
