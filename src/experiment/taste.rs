//! The taste check: visitors who each love one genre (its five most-rated films 5★) and dislike
//! a contrasting one (its two most-rated 1★), and how much of each list follows them: the share
//! of the top 10 in the loved genre, in the disliked genre, and among the 50 most-rated films,
//! and how alike different visitors' lists are. Built from the catalog alone, so it runs on any
//! release, and measured in the same run for the CNN at each discovery setting and for every
//! yardstick folded in from the same ratings.

use serde::Serialize;

use crate::modelfile::CatalogEntry;
use crate::predict::History;
use crate::ranking::Ranker;
use crate::recommend::{RecommendOptions, Recommender, VisitorRating};
use crate::topn::{N, mean_overlap, top_n};
use crate::yardsticks::MostRated;

/// Films a visitor loves, and films of another genre they dislike.
const LIKES: usize = 5;
const DISLIKES: usize = 2;
/// A genre takes part when at least this many of its films have [`KNOWN_RATINGS`] ratings:
/// the visitor's films must be ones a visitor knows, and the list needs room to follow them.
const MIN_GENRE_FILMS: usize = 20;
const KNOWN_RATINGS: u32 = 20;
/// "Blockbusters": the most-rated films of the catalog.
pub const BLOCKBUSTERS: usize = 50;

/// One one-taste visitor.
#[derive(Debug, Clone, Serialize)]
pub struct TasteVisitor {
    pub genre: String,
    pub disliked_genre: String,
    /// Catalog indices rated 5★, then those rated at the scale's lowest.
    pub likes: Vec<usize>,
    pub dislikes: Vec<usize>,
}

/// One list's figures over every visitor (means of per-visitor shares of the top 10).
#[derive(Debug, Clone, Serialize)]
pub struct TasteRow {
    pub list: String,
    pub in_genre: f64,
    pub in_disliked_genre: f64,
    pub blockbusters: f64,
    /// Mean Jaccard overlap of two different visitors' top 10s.
    pub overlap: f64,
    /// Each visitor's share in their genre, in [`taste_visitors`]'s order.
    pub per_visitor: Vec<f64>,
}

/// A visitor for every genre with enough known films, disliking the known genre whose films
/// overlap its own least (ties: the larger genre); neither side's films are in the other genre.
/// Each side's films are its purest known ones (fewest other genres), the most rated first: a
/// one-taste visitor's likes say one thing, and the most-rated films of a genre are often
/// everyone's films (Star Wars is a war film in 100K).
pub fn taste_visitors(catalog: &[CatalogEntry]) -> Vec<TasteVisitor> {
    let mut by_ratings: Vec<usize> = (0..catalog.len()).collect();
    by_ratings.sort_by(|&a, &b| {
        let (x, y) = (&catalog[a], &catalog[b]);
        x.genres
            .len()
            .cmp(&y.genres.len())
            .then(y.n_ratings.cmp(&x.n_ratings))
            .then(a.cmp(&b))
    });
    let known = |g: &str| -> Vec<usize> {
        by_ratings
            .iter()
            .copied()
            .filter(|&m| catalog[m].n_ratings >= KNOWN_RATINGS && has(&catalog[m], g))
            .collect()
    };
    let mut genres: Vec<String> = catalog.iter().flat_map(|m| m.genres.clone()).collect();
    genres.sort();
    genres.dedup();
    let films: Vec<(String, Vec<usize>)> = genres
        .into_iter()
        .map(|g| {
            let f = known(&g);
            (g, f)
        })
        .filter(|(_, f)| f.len() >= MIN_GENRE_FILMS)
        .collect();
    films
        .iter()
        .filter_map(|(genre, own)| {
            let (disliked, other) =
                films
                    .iter()
                    .filter(|(g, _)| g != genre)
                    .min_by(|(_, a), (_, b)| {
                        jaccard(own, a)
                            .total_cmp(&jaccard(own, b))
                            .then(b.len().cmp(&a.len()))
                    })?;
            let pick = |from: &[usize], not: &str, n: usize| -> Vec<usize> {
                from.iter()
                    .copied()
                    .filter(|&m| !has(&catalog[m], not))
                    .take(n)
                    .collect()
            };
            let likes = pick(own, disliked, LIKES);
            let dislikes = pick(other, genre, DISLIKES);
            (likes.len() == LIKES && dislikes.len() == DISLIKES).then(|| TasteVisitor {
                genre: genre.clone(),
                disliked_genre: disliked.clone(),
                likes,
                dislikes,
            })
        })
        .collect()
}

fn has(movie: &CatalogEntry, genre: &str) -> bool {
    movie.genres.iter().any(|g| g == genre)
}

fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    let both = a.iter().filter(|m| b.contains(m)).count() as f64;
    both / ((a.len() + b.len()) as f64 - both)
}

impl TasteVisitor {
    /// The visitor's ratings as a history: likes at 5, dislikes at `lowest`.
    pub fn history(&self, lowest: f32) -> History {
        let likes = self.likes.iter().map(|&m| (m, 5.0));
        likes
            .chain(self.dislikes.iter().map(|&m| (m, lowest)))
            .collect()
    }
}

/// Every list's row: the CNN's `recommend()` at each of `settings` (discovery; `None` the
/// model's default), then each of `rankers` folded in from the same ratings, then most rated.
pub fn taste_check(
    rec: &Recommender,
    visitors: &[TasteVisitor],
    settings: &[Option<f32>],
    rankers: &[(&str, &dyn Ranker)],
) -> Vec<TasteRow> {
    let catalog = &rec.header.catalog;
    let lowest = rec.header.encoder.stars.lowest();
    let mut rows = Vec::new();
    for &discovery in settings {
        let lists = recommend_lists(rec, visitors, discovery);
        let name = discovery.map_or("CNN (default discovery)".into(), |d| {
            format!("CNN, discovery {d}")
        });
        rows.push(taste_row(name, &lists, visitors, catalog));
    }
    let popularity: Vec<u32> = catalog.iter().map(|m| m.n_ratings).collect();
    let mut others: Vec<(&str, &dyn Ranker)> = rankers.to_vec();
    let most_rated = MostRated::new(&popularity);
    others.push(("most rated", &most_rated));
    for (name, ranker) in others {
        let lists = ranker_lists(ranker, visitors, catalog.len(), lowest);
        rows.push(taste_row(name.into(), &lists, visitors, catalog));
    }
    rows
}

/// Each visitor's top 10 from a history-only model of `n_movies` movies.
pub fn ranker_lists(
    ranker: &dyn Ranker,
    visitors: &[TasteVisitor],
    n_movies: usize,
    lowest: f32,
) -> Vec<Vec<usize>> {
    visitors
        .iter()
        .map(|v| {
            let history = v.history(lowest);
            let mut rated = vec![false; n_movies];
            history.iter().for_each(|&(m, _)| rated[m] = true);
            top_n(&ranker.scores(&history), &rated, N)
        })
        .collect()
}

/// Each visitor's list on the page: `recommend()` itself, as a JS client calls it.
pub fn recommend_lists(
    rec: &Recommender,
    visitors: &[TasteVisitor],
    discovery: Option<f32>,
) -> Vec<Vec<usize>> {
    let catalog = &rec.header.catalog;
    let lowest = rec.header.encoder.stars.lowest();
    let options = RecommendOptions {
        n: N,
        explain: false,
        discovery,
        ..RecommendOptions::default()
    };
    visitors
        .iter()
        .map(|v| {
            let ratings: Vec<VisitorRating> = v
                .history(lowest)
                .iter()
                .map(|&(m, rating)| VisitorRating {
                    movie_id: catalog[m].id,
                    rating,
                })
                .collect();
            rec.recommend(&ratings, &options)
                .expect("catalog movies and valid options")
                .items
                .iter()
                .filter_map(|item| rec.index_of(item.movie_id))
                .collect()
        })
        .collect()
}

/// One list's figures over every visitor.
pub fn taste_row(
    list: String,
    lists: &[Vec<usize>],
    visitors: &[TasteVisitor],
    catalog: &[CatalogEntry],
) -> TasteRow {
    let mut by_ratings: Vec<usize> = (0..catalog.len()).collect();
    by_ratings.sort_by(|&a, &b| {
        catalog[b]
            .n_ratings
            .cmp(&catalog[a].n_ratings)
            .then(a.cmp(&b))
    });
    let blockbuster: Vec<usize> = by_ratings.into_iter().take(BLOCKBUSTERS).collect();
    let share = |list: &[usize], keep: &dyn Fn(usize) -> bool| {
        list.iter().filter(|&&m| keep(m)).count() as f64 / list.len().max(1) as f64
    };
    let per_visitor: Vec<f64> = lists
        .iter()
        .zip(visitors)
        .map(|(l, v)| share(l, &|m| has(&catalog[m], &v.genre)))
        .collect();
    let mean = |f: &dyn Fn(&Vec<usize>, &TasteVisitor) -> f64| {
        lists
            .iter()
            .zip(visitors)
            .map(|(l, v)| f(l, v))
            .sum::<f64>()
            / visitors.len().max(1) as f64
    };
    TasteRow {
        list,
        in_genre: per_visitor.iter().sum::<f64>() / visitors.len().max(1) as f64,
        in_disliked_genre: mean(&|l, v| share(l, &|m| has(&catalog[m], &v.disliked_genre))),
        blockbusters: mean(&|l, _| share(l, &|m| blockbuster.contains(&m))),
        overlap: mean_overlap(lists, catalog.len()),
        per_visitor,
    }
}
