//! What a ranked list is ordered by: the rank head's "will rate" logit plus a weight times the
//! predicted rating ("will like"), the item-item term and a popularity term, the weights of a
//! visitor with few ratings fading into the known users' as their history grows; and which of
//! its places go to films beyond the short head, as the visitor's discovery control sets. Shared by every evaluation and the browser, so the list
//! that is measured is the list that is shown.

use serde::{Deserialize, Serialize};

use crate::calibration::{Genres, calibrated};
use crate::topn::{interleave, top_n};

/// The list of a visitor who has rated fewer than `fade_ratings` movies: their first ratings say
/// little, and what newcomers go on to rate is mostly popular films, so the list leans on
/// popularity and the predicted rating at first and hands over to the known users' weights
/// linearly, reaching them at `fade_ratings`. Its item-item term may weigh more than a known
/// user's: a few liked films are all a newcomer has told us, and they should lift their kind
/// above the popular films.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewcomerList {
    /// The history length from which the known users' list applies unchanged.
    pub fade_ratings: usize,
    /// The rating weight of an empty history (fading to the known users' weight).
    pub rating_weight: f32,
    /// The weight of ln(1 + the movie's training ratings) for an empty history (fading to 0).
    pub popularity_weight: f32,
    /// The item-item term's weight for an empty history (fading to the known users' weight);
    /// `None`: the known users' weight at every length. Absent in older model files.
    #[serde(default)]
    pub neighbour_weight: Option<f32>,
}

impl NewcomerList {
    /// The bounds of each field, named as a config file or a model header spells them.
    pub fn check(&self) -> Result<(), crate::bounds::ConfigError> {
        use crate::bounds::{MAX_HISTORY, count, real};
        count(
            "newcomer_list.fade_ratings",
            self.fade_ratings,
            1,
            MAX_HISTORY,
        )?;
        let weight = |field, w: f32| real(field, f64::from(w), -100.0, 100.0, false);
        weight("newcomer_list.rating_weight", self.rating_weight)?;
        weight("newcomer_list.popularity_weight", self.popularity_weight)?;
        match self.neighbour_weight {
            Some(w) => weight("newcomer_list.neighbour_weight", w),
            None => Ok(()),
        }
    }

    /// How much of the newcomer list a history of `n` ratings gets: 1 at none, 0 from
    /// `fade_ratings` on.
    pub fn share(&self, n: usize) -> f32 {
        1.0 - n.min(self.fade_ratings) as f32 / self.fade_ratings as f32
    }
}

/// How a list mixes crowd favourites and deep cuts. The discovery setting (0 "crowd
/// favourites" to 1 "deep cuts") is the share of the list's places given to the best-scored
/// films beyond the short head (the most-rated films holding a third of the ratings), spread
/// evenly down the list; the other places take the best-scored films of all. The rank logit
/// carries popularity (what many rate, a newcomer will likely rate), and plain accuracy rewards
/// it, so a single score either ignores the long tail or buries the films most visitors go on
/// to like; reserved places keep both, and the control says plainly what it changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discovery {
    /// The weight of ln(1 + the movie's training ratings) at every history length, on top of the
    /// newcomer list's fading one.
    pub popularity_weight: f32,
    /// λ of the genre calibration (see [`crate::calibration`]).
    #[serde(default)]
    pub calibration: f32,
    /// The setting a visitor gets until they move the control (chosen on validation users).
    pub default: f32,
}

impl Discovery {
    /// The bounds of each field, named as a config file or a model header spells them.
    pub fn check(&self) -> Result<(), crate::bounds::ConfigError> {
        let field = "discovery.popularity_weight";
        crate::bounds::real(field, self.popularity_weight.into(), -100.0, 100.0, false)?;
        crate::bounds::real(
            "discovery.calibration",
            self.calibration.into(),
            0.0,
            1.0,
            false,
        )?;
        check_setting("discovery.default", self.default)
    }
}

/// A discovery setting is a number from 0 to 1.
pub fn check_setting(field: &str, setting: f32) -> Result<(), crate::bounds::ConfigError> {
    crate::bounds::real(field, setting.into(), 0.0, 1.0, false)
}

/// A model's list weights, as its file header stores them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ListWeights {
    /// `None`: order by predicted rating alone (a model without a rank head).
    pub rating_weight: Option<f32>,
    pub newcomer: Option<NewcomerList>,
    /// The weight of the item-item term (see [`crate::neighbours`]) where the scores carry it.
    pub neighbour_weight: f32,
    /// The weight of ln(1 + training ratings) at every length (see [`Discovery`]).
    pub popularity_weight: f32,
    /// The share of the places given to deep cuts: the discovery setting (see [`Discovery`]).
    pub deep_share: f32,
    /// λ of the genre calibration (see [`crate::calibration`]); 0: none.
    pub calibration: f32,
}

/// How many of the best-scored movies a calibrated list chooses its places from.
pub const CALIBRATION_POOL: usize = 100;

/// What a list needs of the catalog beside the scores: each movie's training ratings, the short
/// head ([`crate::topn::short_head`] of them) and the genres.
pub struct ListCatalog<'a> {
    pub popularity: &'a [u32],
    pub head: &'a [bool],
    pub genres: &'a Genres,
}

impl ListWeights {
    /// These weights at a discovery `setting` (0 to 1).
    pub fn at_discovery(self, setting: f32) -> Self {
        Self {
            deep_share: setting,
            ..self
        }
    }

    /// The first `n` movies of the list for `history`, `excluded` ones never listed: places go
    /// to the best of all and, at the deep share, to the best beyond the short head
    /// ([`crate::topn::interleave`]), calibrated to the visitor's genres at `calibration`.
    pub fn top(
        &self,
        scores: &CatalogScores,
        history: &[(usize, f32)],
        catalog: &ListCatalog,
        excluded: &[bool],
        n: usize,
    ) -> Vec<usize> {
        let list = self.scores(scores, history.len(), catalog.popularity);
        let pool = if self.calibration > 0.0 {
            CALIBRATION_POOL.max(n)
        } else {
            n
        };
        let best = top_n(&list, excluded, pool);
        let deep = if self.deep_share > 0.0 {
            let beyond: Vec<bool> = (excluded.iter().zip(catalog.head))
                .map(|(e, h)| *e || *h)
                .collect();
            top_n(&list, &beyond, pool)
        } else {
            Vec::new()
        };
        self.arrange(&best, &deep, |m| list[m], history, catalog.genres, n)
    }

    /// Places the pools (`best` of all, `deep` beyond the short head; best first, catalog
    /// indices) into a list of `n`: calibrated where the weights ask for it and the visitor's
    /// likes have genres, else interleaved at the deep share.
    pub fn arrange(
        &self,
        best: &[usize],
        deep: &[usize],
        score: impl Fn(usize) -> f32,
        history: &[(usize, f32)],
        genres: &Genres,
        n: usize,
    ) -> Vec<usize> {
        let lambda = self.calibration_at(history.len());
        let profile = (lambda > 0.0).then(|| genres.profile(history)).flatten();
        match profile {
            Some(p) => calibrated(best, deep, score, genres, &p, lambda, self.deep_share, n),
            None => interleave(
                &best[..n.min(best.len())],
                &deep[..n.min(deep.len())],
                self.deep_share,
                n,
            ),
        }
    }

    /// The calibration's λ for a history of `n` ratings: a newcomer's few likes are all the list
    /// knows of their taste, a known user's long history speaks through the scores, so it fades
    /// with the newcomer list (at full strength at every length without one).
    pub fn calibration_at(&self, n: usize) -> f32 {
        self.calibration * self.newcomer.map_or(1.0, |c| c.share(n))
    }

    /// The list score of each scored movie for a history of `history_len` ratings;
    /// `popularity[j]` is the training ratings of the movie scored `j`th.
    pub fn scores(
        &self,
        scores: &CatalogScores,
        history_len: usize,
        popularity: &[u32],
    ) -> Vec<f32> {
        let (Some(rank), Some(known)) = (&scores.rank, self.rating_weight) else {
            return scores.ratings.clone();
        };
        let newcomer = self.newcomer;
        let share = newcomer.map_or(0.0, |n| n.share(history_len));
        // Each weight moves linearly from its newcomer value (share 1) to the known users' (0).
        let fade = |known_users: f32, newcomers: Option<f32>| {
            known_users + share * (newcomers.unwrap_or(known_users) - known_users)
        };
        let w = fade(known, newcomer.map(|n| n.rating_weight));
        let g = self.popularity_weight + share * newcomer.map_or(0.0, |n| n.popularity_weight);
        let nu = fade(
            self.neighbour_weight,
            newcomer.and_then(|n| n.neighbour_weight),
        );
        let mut list: Vec<f32> = rank
            .iter()
            .zip(&scores.ratings)
            .zip(popularity)
            .map(|((l, r), &p)| l + w * r + g * (1.0 + p as f32).ln())
            .collect();
        if let Some(neighbours) = &scores.neighbours {
            for (s, n) in list.iter_mut().zip(neighbours) {
                *s += nu * n;
            }
        }
        list
    }
}

/// Every catalog movie scored for one user: the predicted rating (clipped to 1–5) and, with a
/// rank head, the rank logit.
#[derive(Debug, Clone)]
pub struct CatalogScores {
    pub ratings: Vec<f32>,
    pub rank: Option<Vec<f32>>,
    /// With an item-item term: its summed neighbour weights (see [`crate::neighbours::Neighbours::scores`]).
    pub neighbours: Option<Vec<f32>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored() -> CatalogScores {
        CatalogScores {
            ratings: vec![4.0, 3.0],
            rank: Some(vec![-1.0, 0.5]),
            neighbours: None,
        }
    }

    #[test]
    fn the_newcomer_list_fades_into_the_known_users_list() {
        let newcomer = NewcomerList {
            fade_ratings: 10,
            rating_weight: 2.0,
            popularity_weight: 1.0,
            neighbour_weight: None,
        };
        let weights = ListWeights {
            rating_weight: Some(1.0),
            newcomer: Some(newcomer),
            neighbour_weight: 0.0,
            ..ListWeights::default()
        };
        let popularity = [0, 19];
        let ln = |p: u32| (1.0 + p as f32).ln();
        // Known users (10 ratings or more): logit + 1 × rating.
        for n in [10, 50] {
            assert_eq!(weights.scores(&scored(), n, &popularity), [3.0, 3.5]);
        }
        // An empty history: logit + 2 × rating + 1 × ln(1 + ratings).
        let empty = weights.scores(&scored(), 0, &popularity);
        assert_eq!(empty, [7.0, 6.5 + ln(19)]);
        // Halfway: weight 1.5, popularity 0.5.
        let half = weights.scores(&scored(), 5, &popularity);
        assert_eq!(half, [5.0, 0.5 + 4.5 + 0.5 * ln(19)]);
        // Without a newcomer list every history gets the known users' list.
        let plain = ListWeights {
            newcomer: None,
            ..weights
        };
        assert_eq!(plain.scores(&scored(), 0, &popularity), [3.0, 3.5]);
        // Without a rating weight (no rank head in use) the list is the predicted rating.
        let rating_only = ListWeights::default();
        assert_eq!(rating_only.scores(&scored(), 0, &popularity), [4.0, 3.0]);
    }

    #[test]
    fn the_newcomer_term_weight_fades_into_the_known_users_weight() {
        let scores = CatalogScores {
            neighbours: Some(vec![1.0, 0.0]),
            ..scored()
        };
        let newcomer = NewcomerList {
            fade_ratings: 10,
            rating_weight: 1.0,
            popularity_weight: 0.0,
            neighbour_weight: Some(6.0),
        };
        let weights = ListWeights {
            rating_weight: Some(1.0),
            newcomer: Some(newcomer),
            neighbour_weight: 2.0,
            ..ListWeights::default()
        };
        let popularity = [0, 0];
        // logit + rating, plus ν × term: ν 6 for an empty history, 4 halfway, 2 from 10 on.
        assert_eq!(weights.scores(&scores, 0, &popularity), [9.0, 3.5]);
        assert_eq!(weights.scores(&scores, 5, &popularity), [7.0, 3.5]);
        assert_eq!(weights.scores(&scores, 10, &popularity), [5.0, 3.5]);
        // Without its own weight the newcomer list keeps the known users' ν at every length.
        let known_nu = ListWeights {
            newcomer: Some(NewcomerList {
                neighbour_weight: None,
                ..newcomer
            }),
            ..weights
        };
        assert_eq!(known_nu.scores(&scores, 0, &popularity), [5.0, 3.5]);
    }

    #[test]
    fn the_discovery_setting_gives_places_to_films_beyond_the_short_head() {
        // Movie 0 is the short head; the rank logits rank the movies 0, 1, 2, 3.
        let scores = CatalogScores {
            ratings: vec![0.0; 4],
            rank: Some(vec![4.0, 3.0, 2.0, 1.0]),
            neighbours: None,
        };
        let weights = ListWeights {
            rating_weight: Some(0.0),
            ..ListWeights::default()
        };
        let (popularity, head) = ([9, 1, 1, 1], [true, false, false, false]);
        let genres = Genres::default();
        let catalog = ListCatalog {
            popularity: &popularity,
            head: &head,
            genres: &genres,
        };
        let history = [(0, 5.0); 3];
        let top = |share: f32, popularity_weight: f32| {
            let list = ListWeights {
                popularity_weight,
                ..weights
            }
            .at_discovery(share);
            list.top(&scores, &history, &catalog, &[false; 4], 3)
        };
        assert_eq!(top(0.0, 0.0), [0, 1, 2]);
        // Every place beyond the head: the head's movie is left out.
        assert_eq!(top(1.0, 0.0), [1, 2, 3]);
        // Half the places: the second place is a deep cut (the best one, movie 1).
        assert_eq!(top(0.5, 0.0), [0, 1, 2]);
        // A popularity weight of -2 takes 2 ln 10 off movie 0: last.
        assert_eq!(top(0.0, -2.0), [1, 2, 3]);
        let bad = Discovery {
            popularity_weight: 0.0,
            calibration: 0.0,
            default: 1.5,
        };
        assert!(bad.check().is_err());
    }
}
