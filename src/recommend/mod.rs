//! What a visitor asks of a loaded model: validated ratings in, ranked and explained
//! recommendations out. Platform independent, so the browser bindings (`web.rs`) stay a thin
//! layer and the native tests exercise exactly the logic the page runs.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::list::{CALIBRATION_POOL, ListWeights};
use crate::modelfile::CatalogEntry;
use crate::predict::History;
use crate::predict::score_movies;
use crate::topn::first_by;

mod explain;
mod input;
mod recommender;

pub use input::{InputError, MAX_EXPLAINED, MAX_TARGETS, VisitorRating};
pub use recommender::Recommender;

/// Narrows the recommendation list. Every field is optional from JS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct RecommendOptions {
    /// How many movies to return.
    pub n: usize,
    /// Keep movies having at least one of these genres (empty = all genres).
    pub genres: Vec<String>,
    /// Keep movies released in this decade, e.g. 1990 for 1990–1999.
    pub decade: Option<u16>,
    /// Hide movies with fewer training ratings than this ("hide obscure").
    pub min_ratings: u32,
    /// Fill in `because` (one extra user encoding per rating). The page passes `false` and asks
    /// [`Recommender::explain`] afterwards, so the list shows before its explanations.
    pub explain: bool,
    /// How far the list leans away from popularity: 0 "crowd favourites" to 1 "deep cuts";
    /// `None`: the model's default (see [`crate::list::Discovery`]).
    pub discovery: Option<f32>,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            n: 20,
            genres: Vec::new(),
            decade: None,
            min_ratings: 0,
            explain: true,
            discovery: None,
        }
    }
}

/// The rated movie that did most to put a movie where it is in the list (leave-one-out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Because {
    pub movie_id: u32,
    pub title: String,
    /// How much lower the movie's list score is without that rating.
    pub lift: f32,
    /// The movie is also among the catalog's most rated (its short head): it is there for the
    /// visitor's liked film and because it is widely liked ("popular with everyone who liked
    /// …"), where a film beyond the head is there for the visitor's taste alone.
    pub widely_liked: bool,
}

/// Explanations look at the visitor's most recent ratings only: leaving one out costs a user
/// encoding each, and a visitor with a thousand ratings must not freeze the page.
pub const EXPLAIN_RECENT: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub movie_id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Predicted rating, 1–5 (for the popularity list: the movie's smoothed mean rating).
    pub predicted: f32,
    pub because: Option<Because>,
    /// Among the catalog's most rated (its short head, see [`crate::topn::short_head`]): the
    /// list leans on popularity for it, as the discovery control says.
    pub widely_liked: bool,
}

/// Where a list came from: the CNN, or (with no ratings yet) popularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Basis {
    Model,
    Popularity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendations {
    pub basis: Basis,
    pub items: Vec<Recommendation>,
}

/// Prior weight (in ratings) pulling a movie's mean towards the global mean for the popularity
/// list, so that a movie with two 5-star ratings does not top it.
const POPULARITY_PRIOR: f32 = 20.0;

impl Recommender {
    /// Predicted ratings (1–5) of `movie_ids` for a visitor.
    pub fn predict_visitor(
        &self,
        ratings: &[VisitorRating],
        movie_ids: &[u32],
    ) -> Result<Vec<f32>, InputError> {
        let (history, targets) = self.visitor_query(ratings, movie_ids)?;
        Ok(self
            .predict_indices(&[(&history, &targets)])
            .pop()
            .unwrap_or_default())
    }

    /// The scores a visitor's list is ordered by, for `movie_ids` (see
    /// [`crate::predict::CatalogScores::list_scores`]).
    pub fn list_scores_for(
        &self,
        ratings: &[VisitorRating],
        movie_ids: &[u32],
    ) -> Result<Vec<f32>, InputError> {
        let (history, targets) = self.visitor_query(ratings, movie_ids)?;
        let n = history.len();
        Ok(self
            .list_scores(&[history.as_slice()], n, &targets)
            .remove(0))
    }

    /// The `because` of each of `movie_ids` for a visitor (`None` where no rating raises the
    /// movie's list score, and for every movie when there are no ratings).
    pub fn explain(
        &self,
        ratings: &[VisitorRating],
        movie_ids: &[u32],
    ) -> Result<Vec<Option<Because>>, InputError> {
        let (history, targets) = self.visitor_query(ratings, movie_ids)?;
        // Each different movie is explained once, however often it is asked about.
        let mut distinct = targets.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > MAX_EXPLAINED {
            return Err(InputError::TooManyExplained {
                given: distinct.len(),
            });
        }
        let reasons = self.leave_one_out(&history, &distinct);
        Ok(targets
            .iter()
            .map(|m| reasons[distinct.binary_search(m).expect("a listed target")].clone())
            .collect())
    }

    /// The list scores of `targets` for each history, each history encoded once and listed as
    /// a history of `history_len` ratings (leaving one rating out must not change the list's
    /// weights, only what the network reads).
    fn list_scores(
        &self,
        histories: &[&[(usize, f32)]],
        history_len: usize,
        targets: &[usize],
    ) -> Vec<Vec<f32>> {
        let catalog = &self.header.catalog;
        let popularity: Vec<u32> = targets.iter().map(|&m| catalog[m].n_ratings).collect();
        let list = self.header.list_weights();
        score_movies(&self.scorer(), histories, targets)
            .iter()
            .map(|s| list.scores(s, history_len, &popularity))
            .collect()
    }

    /// Top movies the visitor has not rated, best first. Without ratings, a popularity list
    /// (labelled [`Basis::Popularity`]) so the page always has something to show.
    pub fn recommend(
        &self,
        ratings: &[VisitorRating],
        options: &RecommendOptions,
    ) -> Result<Recommendations, InputError> {
        let history = self.visitor_history(ratings)?;
        let catalog = &self.header.catalog;
        self.check_count("options.n", options.n)?;
        if let Some(unknown) = options
            .genres
            .iter()
            .find(|g| !catalog.iter().any(|m| m.genres.contains(g)))
        {
            return Err(InputError::UnknownGenre(unknown.clone()));
        }
        if let Some(decade) = options.decade.filter(|d| d % 10 != 0) {
            return Err(InputError::BadDecade(decade));
        }
        let mut weights = self.header.list_weights();
        if let Some(setting) = options.discovery {
            if crate::list::check_setting("options.discovery", setting).is_err() {
                return Err(InputError::BadDiscovery(setting));
            }
            weights = weights.at_discovery(setting);
        }
        let mut rated = vec![false; catalog.len()];
        for &(m, _) in &history {
            rated[m] = true;
        }
        let candidates: Vec<usize> = (0..catalog.len())
            .filter(|&m| !rated[m] && passes(&catalog[m], options))
            .collect();
        if history.is_empty() {
            return Ok(self.popular(&candidates, options.n));
        }

        // One encoding of the visitor scores every candidate.
        let scores = score_movies(&self.scorer(), &[history.as_slice()], &candidates)
            .pop()
            .expect("one history in, one out");
        let popularity: Vec<u32> = candidates.iter().map(|&m| catalog[m].n_ratings).collect();
        let list = weights.scores(&scores, history.len(), &popularity);
        let ranked = self.arrange(&weights, &history, &candidates, &list, options.n);
        let top: Vec<usize> = ranked.iter().map(|&c| candidates[c]).collect();
        let reasons = if options.explain {
            self.leave_one_out(&history, &top)
        } else {
            vec![None; top.len()]
        };
        let items = ranked
            .iter()
            .zip(reasons)
            .map(|(&c, because)| {
                let m = candidates[c];
                item(&catalog[m], scores.ratings[c], because, self.short_head[m])
            })
            .collect();
        Ok(Recommendations {
            basis: Basis::Model,
            items,
        })
    }

    /// The list's candidates (their positions in `candidates`, scored `list`), ordered by score
    /// (ties: the more rated, then catalog order) and arranged as `weights` say: deep places and
    /// calibration to the visitor's genres ([`ListWeights::arrange`]).
    fn arrange(
        &self,
        weights: &ListWeights,
        history: &History,
        candidates: &[usize],
        list: &[f32],
        n: usize,
    ) -> Vec<usize> {
        let catalog = &self.header.catalog;
        let by_score = |&a: &usize, &b: &usize| {
            let ratings = |c: usize| catalog[candidates[c]].n_ratings;
            list[b]
                .total_cmp(&list[a])
                .then(ratings(b).cmp(&ratings(a)))
                .then(a.cmp(&b))
        };
        let pool = if weights.calibration > 0.0 {
            CALIBRATION_POOL.max(n)
        } else {
            n
        };
        let order = first_by((0..candidates.len()).collect(), pool, by_score);
        let beyond_head = (0..candidates.len()).filter(|&c| !self.short_head[candidates[c]]);
        let deep = first_by(beyond_head.collect(), pool, by_score);
        // Arranged in catalog indices (the genres' and the history's), then mapped back.
        let position: HashMap<usize, usize> = (order.iter().chain(&deep))
            .map(|&c| (candidates[c], c))
            .collect();
        let in_catalog = |pool: &[usize]| pool.iter().map(|&c| candidates[c]).collect::<Vec<_>>();
        let score = |m: usize| list[position[&m]];
        weights
            .arrange(
                &in_catalog(&order),
                &in_catalog(&deep),
                score,
                history,
                &self.genres,
                n,
            )
            .into_iter()
            .map(|m| position[&m])
            .collect()
    }

    /// Most-rated movies ranked by their smoothed mean rating.
    fn popular(&self, candidates: &[usize], n: usize) -> Recommendations {
        let catalog = &self.header.catalog;
        let prior = self.header.rating_offset;
        let smoothed = |m: &CatalogEntry| {
            (m.mean_rating * m.n_ratings as f32 + prior * POPULARITY_PRIOR)
                / (m.n_ratings as f32 + POPULARITY_PRIOR)
        };
        let mut ranked: Vec<(usize, f32)> = candidates
            .iter()
            .map(|&m| (m, smoothed(&catalog[m])))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Recommendations {
            basis: Basis::Popularity,
            items: ranked
                .into_iter()
                .take(n)
                .map(|(m, p)| item(&catalog[m], p, None, self.short_head[m]))
                .collect(),
        }
    }

    /// Movies worth asking a new visitor about: log(ratings) × entropy of their ratings
    /// (Rashid et al. 2002) — well known, and informative because opinions on them differ.
    pub fn start_list(&self, n: usize) -> Result<Vec<u32>, InputError> {
        self.check_count("n", n)?;
        let catalog = &self.header.catalog;
        let score = |m: &CatalogEntry| (m.n_ratings as f32).max(1.0).ln() * m.rating_entropy;
        let mut order: Vec<usize> = (0..catalog.len()).collect();
        order.sort_by(|&a, &b| {
            score(&catalog[b])
                .total_cmp(&score(&catalog[a]))
                .then(a.cmp(&b))
        });
        Ok(order.into_iter().take(n).map(|m| catalog[m].id).collect())
    }
}

fn passes(movie: &CatalogEntry, options: &RecommendOptions) -> bool {
    let genre_ok =
        options.genres.is_empty() || options.genres.iter().any(|g| movie.genres.contains(g));
    let decade_ok = options
        .decade
        .is_none_or(|d| movie.year.is_some_and(|y| y / 10 * 10 == d));
    genre_ok && decade_ok && movie.n_ratings >= options.min_ratings
}

fn item(
    movie: &CatalogEntry,
    predicted: f32,
    because: Option<Because>,
    widely_liked: bool,
) -> Recommendation {
    Recommendation {
        movie_id: movie.id,
        title: movie.title.clone(),
        year: movie.year,
        genres: movie.genres.clone(),
        predicted,
        because,
        widely_liked,
    }
}
