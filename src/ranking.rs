//! The top-N harness: every list (the CNN's, the CNN's by rating alone, most rated, and every
//! [`Ranker`]: EASE, item-kNN) scored on the same users, candidates and relevant movies, in the
//! same run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Movies, Rating};
use crate::ease::{self, Ease, rated_sets};
use crate::knn::{self, ItemKnn};
use crate::list::{ListWeights, NewcomerList};
use crate::predict::{CatalogScores, History, Scorer, histories, score_catalog};
use crate::topn::{LIKED, N, TopN, TopNAccumulator, top_n};

/// A model of histories: the movies a user rated in, a score per catalog movie out (cornac's
/// recommender, implicit's interface). What a yardstick needs to sit in [`table`].
pub trait Ranker {
    fn scores(&self, history: &History) -> Vec<f32>;
}

impl Ranker for Ease {
    fn scores(&self, history: &History) -> Vec<f32> {
        Ease::scores(self, &items(history))
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
    pub knn: ItemKnn,
    pub knn_k: usize,
}

impl Yardsticks {
    /// EASE and item-kNN fitted on `train`, their λ and k chosen on its validation carve-out.
    pub fn fit(train: &[Rating], movies: &Movies, validation_fraction: f64, seed: u64) -> Self {
        let ease = ease::check_fits("EASE", movies.len())
            .is_ok()
            .then(|| fit_ease(train, movies, validation_fraction, seed));
        let (knn, knn_k) = fit_knn(train, movies, validation_fraction, seed);
        Self { ease, knn, knn_k }
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
        rows.push(("item-kNN", &self.knn));
        rows
    }
}

/// One user's top-N question: the movies they rated in what the lists may use (never listed),
/// and the held-out movies they liked (relevant).
#[derive(Debug, Clone)]
pub struct Case {
    pub history: History,
    pub relevant: Vec<usize>,
}

/// A user's cases from their context history and held-out ratings; users with no held-out movie
/// they liked are left out. A movie in both (impossible in a proper split) is kept out of the
/// relevant set, since it can never be listed.
pub fn cases(context: &BTreeMap<u32, History>, held: &[Rating], movies: &Movies) -> Vec<Case> {
    let held = histories(held, movies);
    let empty = History::new();
    held.iter()
        .filter_map(|(user, later)| {
            let history = context.get(user).unwrap_or(&empty).clone();
            let relevant: Vec<usize> = later
                .iter()
                .filter(|(m, r)| *r >= LIKED && !history.iter().any(|(h, _)| h == m))
                .map(|(m, _)| *m)
                .collect();
            (!relevant.is_empty()).then_some(Case { history, relevant })
        })
        .collect()
}

/// New visitors' cases: each held-out history's first `k` ratings are revealed (and never
/// listed); the movies they liked after those k are relevant. Nothing revealed is relevant.
pub fn revealed_cases(held: &[History], k: usize) -> Vec<Case> {
    held.iter()
        .map(|h| {
            let k = k.min(h.len());
            Case {
                history: h[..k].to_vec(),
                relevant: h[k..]
                    .iter()
                    .filter(|(_, r)| *r >= LIKED)
                    .map(|(m, _)| *m)
                    .collect(),
            }
        })
        .filter(|c| !c.relevant.is_empty())
        .collect()
}

/// Training ratings per catalog movie: the "most rated" list and the popularity figure.
pub fn popularity(train: &[Rating], movies: &Movies) -> Vec<u32> {
    let mut counts = vec![0u32; movies.len()];
    for r in train {
        if let Some(i) = movies.index_of(r.movie) {
            counts[i] += 1;
        }
    }
    counts
}

/// Scores each case's top-N list, `scores(k)` giving case `k`'s score for every catalog movie.
pub fn evaluate(cases: &[Case], popularity: &[u32], scores: impl FnMut(usize) -> Vec<f32>) -> TopN {
    evaluate_hiding(cases, popularity, 0, scores)
}

/// [`evaluate`] with the movies of fewer than `min_ratings` training ratings never listed, as
/// the page's "hide obscure" filter does.
pub fn evaluate_hiding(
    cases: &[Case],
    popularity: &[u32],
    min_ratings: u32,
    mut scores: impl FnMut(usize) -> Vec<f32>,
) -> TopN {
    let mut acc = TopNAccumulator::new(popularity.to_vec());
    let obscure: Vec<bool> = popularity.iter().map(|&n| n < min_ratings).collect();
    for (k, case) in cases.iter().enumerate() {
        let mut seen = obscure.clone();
        for &(m, _) in &case.history {
            seen[m] = true;
        }
        acc.add(&top_n(&scores(k), &seen, N), &case.relevant);
    }
    acc.finish()
}

/// The CNN's catalog scores for every case's history (each encoded once).
pub fn cnn_scores(scorer: &Scorer, cases: &[Case]) -> Vec<CatalogScores> {
    let refs: Vec<&[(usize, f32)]> = cases.iter().map(|c| c.history.as_slice()).collect();
    score_catalog(scorer, &refs)
}

/// The weights of the predicted rating beside the rank logit tried on validation (0 = "will
/// rate" alone; large = nearly "will like" alone).
pub const RATING_WEIGHTS: [f32; 7] = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

/// The weights of the item-item term tried on validation, when the scores carry one.
pub const NEIGHBOUR_WEIGHTS: [f32; 7] = [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0];

/// The list weights (rating weight, and the item-item term's weight when the scores carry one)
/// with the best NDCG@10 on `cases` (validation cases: choose on them only) and that NDCG, or
/// `None` without a rank head.
pub fn choose_list_weights(
    scores: &[CatalogScores],
    cases: &[Case],
    popularity: &[u32],
    newcomer: Option<NewcomerList>,
) -> Option<(ListWeights, f64)> {
    let first = scores.first()?;
    first.rank.as_ref()?;
    let neighbour_weights: &[f32] = match first.neighbours {
        Some(_) => &NEIGHBOUR_WEIGHTS,
        None => &[0.0],
    };
    let grid = RATING_WEIGHTS.iter().flat_map(|&rating_weight| {
        neighbour_weights
            .iter()
            .map(move |&neighbour_weight| ListWeights {
                rating_weight: Some(rating_weight),
                newcomer,
                neighbour_weight,
            })
    });
    grid.map(|list| {
        let figures = evaluate(cases, popularity, |k| {
            list.scores(&scores[k], cases[k].history.len(), popularity)
        });
        (list, figures.ndcg)
    })
    // Ties go to the smaller weights, the earlier in the grid.
    .fold(
        None,
        |best: Option<(ListWeights, f64)>, (list, ndcg)| match best {
            Some((_, b)) if b >= ndcg => best,
            _ => Some((list, ndcg)),
        },
    )
}

/// EASE with λ chosen by NDCG@10 on the validation carve-out of `train` (the same carve-out the
/// CNN is validated on), then refitted on all of `train`. Returns the model and the λ.
pub fn fit_ease(
    train: &[Rating],
    movies: &Movies,
    validation_fraction: f64,
    seed: u64,
) -> (Ease, f64) {
    let n = movies.len();
    let carve = Carved::new(train, movies, validation_fraction, seed);
    let lambda = carve.best(&ease::LAMBDAS, |sets, &l| Ease::fit(sets, n, l));
    (Ease::fit(&rated_sets(train, movies), n, lambda), lambda)
}

/// Item-kNN with its neighbourhood size chosen as EASE's λ is, then refitted on all of `train`.
pub fn fit_knn(
    train: &[Rating],
    movies: &Movies,
    validation_fraction: f64,
    seed: u64,
) -> (ItemKnn, usize) {
    let n = movies.len();
    let carve = Carved::new(train, movies, validation_fraction, seed);
    let k = carve.best(&knn::NEIGHBOURHOODS, |sets, &k| ItemKnn::fit(sets, n, k));
    (ItemKnn::fit(&rated_sets(train, movies), n, k), k)
}

/// A validation carve-out of the training ratings, ready to choose a yardstick's setting on.
struct Carved {
    fit_sets: Vec<Vec<usize>>,
    validation: Vec<Case>,
    popularity: Vec<u32>,
}

impl Carved {
    fn new(train: &[Rating], movies: &Movies, validation_fraction: f64, seed: u64) -> Self {
        let carve = crate::split::validation_split(train, validation_fraction, seed);
        Self {
            fit_sets: rated_sets(&carve.fit, movies),
            validation: cases(&histories(&carve.fit, movies), &carve.validation, movies),
            popularity: popularity(&carve.fit, movies),
        }
    }

    /// The setting of `grid` whose model has the best validation NDCG@10 (the last on ties).
    fn best<P: Copy, M: Ranker>(&self, grid: &[P], fit: impl Fn(&[Vec<usize>], &P) -> M) -> P {
        grid.iter()
            .map(|p| {
                let model = fit(&self.fit_sets, p);
                let figures = evaluate(&self.validation, &self.popularity, |k| {
                    model.scores(&self.validation[k].history)
                });
                (*p, figures.ndcg)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(grid[0], |(p, _)| p)
    }
}

/// The movies of a history.
pub fn items(history: &History) -> Vec<usize> {
    history.iter().map(|(m, _)| *m).collect()
}

/// One row of a top-N table.
#[derive(Debug, Clone, Serialize)]
pub struct TopNRow {
    pub model: String,
    #[serde(flatten)]
    pub figures: TopN,
}

/// The lists on the same cases: the CNN (ordered as `list` says, and by rating alone), most
/// rated, and each of `rankers`; none lists a movie with fewer than `min_ratings` training
/// ratings (counted in `popularity`, which the CNN's list reads too).
pub fn table(
    cnn: &[CatalogScores],
    list: ListWeights,
    rankers: &[(&str, &dyn Ranker)],
    cases: &[Case],
    popularity: &[u32],
    min_ratings: u32,
) -> Vec<TopNRow> {
    let evaluate = |scores: &dyn Fn(usize) -> Vec<f32>| {
        evaluate_hiding(cases, popularity, min_ratings, scores)
    };
    let most_rated: Vec<f32> = popularity.iter().map(|&c| c as f32).collect();
    let row = |model: &str, figures| TopNRow {
        model: model.into(),
        figures,
    };
    let mut rows = Vec::new();
    if list.rating_weight.is_some() {
        let scores = |k: usize| list.scores(&cnn[k], cases[k].history.len(), popularity);
        rows.push(row("CNN", evaluate(&scores)));
    }
    // Whenever the scores carry the term (whatever weight validation chose), so that every
    // fold of `cv` has the same rows.
    if list.rating_weight.is_some() && cnn.first().is_some_and(|c| c.neighbours.is_some()) {
        let alone = ListWeights {
            neighbour_weight: 0.0,
            ..list
        };
        let scores = |k: usize| alone.scores(&cnn[k], cases[k].history.len(), popularity);
        rows.push(row("CNN without its item-item term", evaluate(&scores)));
    }
    rows.push(row(
        "CNN, rating only",
        evaluate(&|k| cnn[k].ratings.clone()),
    ));
    rows.push(row("most rated", evaluate(&|_| most_rated.clone())));
    for (name, ranker) in rankers {
        rows.push(row(name, evaluate(&|k| ranker.scores(&cases[k].history))));
    }
    rows
}

/// The top-N table of a loaded model on `test`, each user's history being their `context`
/// ratings, lists without movies of fewer than `min_ratings` ratings; EASE's λ is chosen on a
/// `validation_fraction` carve-out of `context`, seeded as the model was trained.
pub fn model_table(
    rec: &crate::recommend::Recommender,
    context: &[Rating],
    test: &[Rating],
    movies: &Movies,
    validation_fraction: f64,
    min_ratings: u32,
) -> Vec<TopNRow> {
    let cases = cases(&histories(context, movies), test, movies);
    let cnn = cnn_scores(&rec.scorer(), &cases);
    let seed = rec.header.training.seed;
    let yardsticks = Yardsticks::fit(context, movies, validation_fraction, seed);
    let popularity = popularity(context, movies);
    table(
        &cnn,
        rec.header.list_weights(),
        &yardsticks.rankers(),
        &cases,
        &popularity,
        min_ratings,
    )
}
