//! Calibrated lists (Steck 2018, "Calibrated recommendations"): a list whose genre mix follows
//! the visitor's likes. A visitor who loved five horror films and a list of the season's
//! crowd-pleasers are far apart in genre, whatever each film's score; choosing the list place by
//! place for score and for closeness of its genre mix to the visitor's (the Kullback–Leibler
//! divergence) keeps the scores' order where the mix is already right and moves their kind up
//! where it is not.

use crate::topn::{LIKED, is_deep_place};

/// Steck's smoothing of the list's mix towards the visitor's, so the divergence stays finite.
const SMOOTHING: f32 = 0.01;

/// Each catalog movie's genres as small ids (a movie of g genres counts 1/g for each).
#[derive(Debug, Clone, Default)]
pub struct Genres {
    of: Vec<Vec<u16>>,
    count: usize,
}

impl Genres {
    /// From each catalog movie's genre names, in catalog order.
    pub fn new<'a>(movies: impl Iterator<Item = &'a [String]>) -> Self {
        let mut names: Vec<&str> = Vec::new();
        let of = movies
            .map(|genres| {
                genres
                    .iter()
                    .map(|g| match names.iter().position(|n| n == g) {
                        Some(id) => id as u16,
                        None => {
                            names.push(g);
                            (names.len() - 1) as u16
                        }
                    })
                    .collect()
            })
            .collect();
        Self {
            of,
            count: names.len(),
        }
    }

    /// Adds movie `m`'s genre shares times `weight` to `mix`.
    fn add(&self, mix: &mut [f32], m: usize, weight: f32) {
        let genres = &self.of[m];
        for &g in genres {
            mix[usize::from(g)] += weight / genres.len() as f32;
        }
    }

    /// The visitor's genre mix: the mean over their liked movies (any rated 3 or more when they
    /// liked none); `None` when nothing they rated says what they like, or has a genre.
    pub fn profile(&self, history: &[(usize, f32)]) -> Option<Vec<f32>> {
        let floor = if history.iter().any(|&(_, r)| r >= LIKED) {
            LIKED
        } else {
            3.0
        };
        let mut mix = vec![0.0; self.count];
        for &(m, r) in history {
            if r >= floor {
                self.add(&mut mix, m, 1.0);
            }
        }
        normalised(mix)
    }
}

fn normalised(mut mix: Vec<f32>) -> Option<Vec<f32>> {
    let total: f32 = mix.iter().sum();
    if total <= 0.0 {
        return None;
    }
    mix.iter_mut().for_each(|x| *x /= total);
    Some(mix)
}

/// KL(p ‖ (1 − α)·q + α·p) for the list mix `q` (unnormalised, `listed` movies).
fn divergence(p: &[f32], q: &[f32], listed: usize) -> f32 {
    p.iter()
        .zip(q)
        .filter(|(p, _)| **p > 0.0)
        .map(|(&p, &q)| {
            let q = (1.0 - SMOOTHING) * q / listed.max(1) as f32 + SMOOTHING * p;
            p * (p / q).ln()
        })
        .sum()
}

/// The first `n` of a list chosen place by place: deep places ([`is_deep_place`] at `share`)
/// from `deep`, the others from `best` (each a pool of candidates, best first, `score[m]` their
/// list scores), each place taking the pool's movie with the largest
/// `(1 − λ)·score + λ·(−divergence of the list's mix from the visitor's)`, scores rescaled to
/// 0–1 over the pools.
#[allow(clippy::too_many_arguments)]
pub fn calibrated(
    best: &[usize],
    deep: &[usize],
    score: impl Fn(usize) -> f32,
    genres: &Genres,
    profile: &[f32],
    lambda: f32,
    share: f32,
    n: usize,
) -> Vec<usize> {
    let pooled = || best.iter().chain(deep).map(|&m| score(m));
    let low = pooled().fold(f32::INFINITY, f32::min);
    let high = pooled().fold(f32::NEG_INFINITY, f32::max);
    let scale = if high > low { 1.0 / (high - low) } else { 0.0 };
    let mut list: Vec<usize> = Vec::with_capacity(n);
    let mut mix = vec![0.0; genres.count];
    while list.len() < n {
        let open = |pool: &[usize]| pool.iter().any(|m| !list.contains(m));
        let pool = match (is_deep_place(list.len(), share), open(deep), open(best)) {
            (_, false, false) => break,
            (true, true, _) | (false, true, false) => deep,
            _ => best,
        };
        let value = |m: usize| {
            let mut with = mix.clone();
            genres.add(&mut with, m, 1.0);
            let kl = divergence(profile, &with, list.len() + 1);
            (1.0 - lambda) * (score(m) - low) * scale - lambda * kl
        };
        let chosen = pool
            .iter()
            .copied()
            .filter(|m| !list.contains(m))
            .map(|m| (m, value(m)))
            .fold(None, |acc: Option<(usize, f32)>, (m, v)| match acc {
                Some((_, best_v)) if best_v >= v => acc,
                _ => Some((m, v)),
            })
            .map(|(m, _)| m)
            .expect("an open pool");
        genres.add(&mut mix, chosen, 1.0);
        list.push(chosen);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genres() -> Genres {
        let names: Vec<Vec<String>> = [&["Horror"][..], &["Comedy"], &["Comedy"], &["Horror"]]
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect();
        Genres::new(names.iter().map(|g| g.as_slice()))
    }

    #[test]
    fn a_calibrated_list_follows_the_visitors_genres() {
        let g = genres();
        // The visitor loved movie 0 (horror) and disliked movie 1 (comedy).
        let profile = g.profile(&[(0, 5.0), (1, 1.0)]).expect("a like");
        assert_eq!(profile, [1.0, 0.0]);
        // Scores rank the comedy 2 above the horror film 3.
        let score = |m: usize| [0.0, 0.0, 1.0, 0.9][m];
        let pool = [2, 3];
        let list = |lambda| calibrated(&pool, &[], score, &g, &profile, lambda, 0.0, 2);
        assert_eq!(list(0.0), [2, 3]);
        assert_eq!(list(0.5), [3, 2]);
        // Deep places come from the deep pool.
        assert_eq!(
            calibrated(&[2], &[3], score, &g, &profile, 0.0, 1.0, 2),
            [3, 2]
        );
        // Nothing liked, nothing rated 3 or more: no profile.
        assert!(g.profile(&[(1, 2.0)]).is_none());
    }
}
