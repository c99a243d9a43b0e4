//! The top-N harness: every list (the CNN's, the CNN's by rating alone, most rated, and every
//! [`Ranker`]: the yardsticks of [`crate::yardsticks`]) scored on the same users, candidates and
//! relevant movies, in the same run.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::calibration::Genres;
use crate::data::{Movies, Rating};
use crate::list::{ListCatalog, ListWeights};
use crate::predict::{CatalogScores, History, Scorer, histories, score_catalog};
use crate::topn::{LIKED, N, TopN, TopNAccumulator, short_head, top_n};

/// A model of histories: the movies a user rated in, a score per catalog movie out (cornac's
/// recommender, implicit's interface). What a yardstick needs to sit in [`table`].
pub trait Ranker {
    fn scores(&self, history: &History) -> Vec<f32>;
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
    evaluate_lists(cases, popularity, min_ratings, |k, excluded| {
        top_n(&scores(k), excluded, N)
    })
}

/// Scores each case's list, `list(k, excluded)` giving case `k`'s top N without the
/// `excluded` movies (the case's history, and those of fewer than `min_ratings` ratings).
pub fn evaluate_lists(
    cases: &[Case],
    popularity: &[u32],
    min_ratings: u32,
    mut list: impl FnMut(usize, &[bool]) -> Vec<usize>,
) -> TopN {
    let mut acc = TopNAccumulator::new(popularity.to_vec());
    let obscure: Vec<bool> = popularity.iter().map(|&n| n < min_ratings).collect();
    for (k, case) in cases.iter().enumerate() {
        let mut seen = obscure.clone();
        for &(m, _) in &case.history {
            seen[m] = true;
        }
        acc.add(&list(k, &seen), &case.relevant);
    }
    acc.finish()
}

/// [`evaluate_lists`] of the CNN's lists as `list` arranges them (deep places and calibration
/// to `genres` included).
pub fn evaluate_cnn(
    cases: &[Case],
    cnn: &[CatalogScores],
    list: &ListWeights,
    (popularity, genres): (&[u32], &Genres),
    min_ratings: u32,
) -> TopN {
    let head = short_head(popularity);
    let catalog = ListCatalog {
        popularity,
        head: &head,
        genres,
    };
    evaluate_lists(cases, popularity, min_ratings, |k, excluded| {
        list.top(&cnn[k], &cases[k].history, &catalog, excluded, N)
    })
}

/// Each catalog movie's genres, for calibrated lists.
pub fn genres(movies: &Movies) -> Genres {
    Genres::new(movies.list.iter().map(|m| m.genres.as_slice()))
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
/// `None` without a rank head; `template`'s other weights (newcomer list, popularity) are kept.
pub fn choose_list_weights(
    scores: &[CatalogScores],
    cases: &[Case],
    catalog: (&[u32], &Genres),
    template: ListWeights,
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
                neighbour_weight,
                ..template
            })
    });
    grid.map(|list| {
        let figures = evaluate_cnn(cases, scores, &list, catalog, 0);
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
    (popularity, genres): (&[u32], &Genres),
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
    let cnn_row =
        |list: &ListWeights| evaluate_cnn(cases, cnn, list, (popularity, genres), min_ratings);
    if list.rating_weight.is_some() {
        rows.push(row("CNN", cnn_row(&list)));
    }
    // Whenever the scores carry the term (whatever weight validation chose), so that every
    // fold of `cv` has the same rows.
    if list.rating_weight.is_some() && cnn.first().is_some_and(|c| c.neighbours.is_some()) {
        let alone = ListWeights {
            neighbour_weight: 0.0,
            ..list
        };
        rows.push(row("CNN without its item-item term", cnn_row(&alone)));
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
