//! What a visitor may send, checked at the door: their ratings and the movie ids they ask
//! about, bounded and named entry by entry when refused.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Recommender;
use crate::data::TOP_RATING;
use crate::predict::History;

/// One rating given by a visitor, in the order they gave them (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VisitorRating {
    pub movie_id: u32,
    pub rating: f32,
}

/// The most movie ids one `explain` or `predict` call takes, duplicates included: each id costs
/// work and a result, and the bindings refuse a longer array before reading it.
pub const MAX_TARGETS: usize = 100_000;
/// The most different movies one `explain` call explains: each costs a score per left-out
/// rating, and far more than any page shows would hold the browser for seconds.
pub const MAX_EXPLAINED: usize = 1_000;

/// A visitor's input the model cannot use; the message names the offending entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("ratings[{index}]: unknown movie id {movie_id}")]
    UnknownMovie { index: usize, movie_id: u32 },
    #[error(
        "ratings[{index}]: rating {value} of movie {movie_id} is not a number from {lowest} to 5"
    )]
    BadRating {
        index: usize,
        movie_id: u32,
        value: f32,
        lowest: f32,
    },
    #[error("ratings[{second}]: movie {movie_id} is already rated at ratings[{first}]")]
    Duplicate {
        movie_id: u32,
        first: usize,
        second: usize,
    },
    #[error("movieIds[{index}]: unknown movie id {movie_id}")]
    UnknownTarget { index: usize, movie_id: u32 },
    #[error("{field}: {n} is not a count the catalog holds; ask for 1 to {max}")]
    BadCount {
        field: &'static str,
        n: usize,
        max: usize,
    },
    #[error("movieIds: {given} entries; at most {max} per call")]
    TooManyTargets { given: usize, max: usize },
    #[error("movieIds: {given} different movies to explain; at most {MAX_EXPLAINED} per call")]
    TooManyExplained { given: usize },
    #[error("options.genres: unknown genre {0:?}")]
    UnknownGenre(String),
    #[error("options.decade: {0} is not a decade (use e.g. 1990)")]
    BadDecade(u16),
    #[error("options.discovery: {0} is not a number from 0 (crowd favourites) to 1 (deep cuts)")]
    BadDiscovery(f32),
}

impl Recommender {
    /// Checks a visitor's ratings and turns them into a history of catalog indices.
    pub fn visitor_history(&self, ratings: &[VisitorRating]) -> Result<History, InputError> {
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let lowest = self.header.encoder.stars.lowest();
        ratings
            .iter()
            .enumerate()
            .map(|(index, r)| {
                let movie = self.index_of(r.movie_id).ok_or(InputError::UnknownMovie {
                    index,
                    movie_id: r.movie_id,
                })?;
                if !(lowest..=TOP_RATING).contains(&r.rating) {
                    return Err(InputError::BadRating {
                        index,
                        movie_id: r.movie_id,
                        value: r.rating,
                        lowest,
                    });
                }
                if let Some(&first) = seen.get(&r.movie_id) {
                    return Err(InputError::Duplicate {
                        movie_id: r.movie_id,
                        first,
                        second: index,
                    });
                }
                seen.insert(r.movie_id, index);
                Ok((movie, r.rating))
            })
            .collect()
    }

    /// `n` (of the field named `field`) is a count from 1 to the catalog's size.
    pub(super) fn check_count(&self, field: &'static str, n: usize) -> Result<(), InputError> {
        let max = self.header.catalog.len();
        if n == 0 || n > max {
            return Err(InputError::BadCount { field, n, max });
        }
        Ok(())
    }

    /// A visitor's checked ratings and the catalog indices of the movies they ask about.
    pub(super) fn visitor_query(
        &self,
        ratings: &[VisitorRating],
        movie_ids: &[u32],
    ) -> Result<(History, Vec<usize>), InputError> {
        Ok((
            self.visitor_history(ratings)?,
            self.target_indices(movie_ids)?,
        ))
    }

    fn target_indices(&self, movie_ids: &[u32]) -> Result<Vec<usize>, InputError> {
        if movie_ids.len() > MAX_TARGETS {
            return Err(InputError::TooManyTargets {
                given: movie_ids.len(),
                max: MAX_TARGETS,
            });
        }
        movie_ids
            .iter()
            .enumerate()
            .map(|(index, &movie_id)| {
                self.index_of(movie_id)
                    .ok_or(InputError::UnknownTarget { index, movie_id })
            })
            .collect()
    }
}
