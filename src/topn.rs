//! Top-N metrics of ranked lists: what a visitor sees is the top of a list, not a rating.
//!
//! Protocol ("all unrated items", Cremonesi, Koren & Turrin 2010): for each user, every catalog
//! movie they have not rated in the data the model learned from is a candidate; the relevant ones
//! are their held-out ratings of 4 or more.
//!
//! Plain NDCG rewards a list of blockbusters (most held-out likes are of popular films), so the
//! figures that do not reward popularity for its own sake sit beside it: long-tail NDCG (hits
//! only outside the short head), popularity-stratified recall (Steck 2011) and how alike
//! different users' lists are.

use serde::{Deserialize, Serialize};

/// List length of every top-N figure.
pub const N: usize = 10;

/// A held-out rating at or above this counts as "liked", i.e. relevant.
pub const LIKED: f32 = 4.0;

/// The short head: the most-rated movies that together hold this share of the training ratings
/// (Cremonesi, Koren & Turrin 2010 use a third).
pub const SHORT_HEAD_SHARE: f64 = 0.33;

/// Steck's (2011) β: a hit on a movie with `p` training ratings weighs `p^-β` in the
/// popularity-stratified recall, undoing the popularity bias in which likes get observed.
pub const STRATIFIED_BETA: f64 = 0.5;

/// At most this many lists are compared pairwise for the overlap figure (evenly spread over the
/// users), so that ML-32M's 200,000 users do not cost 2·10¹⁰ pairs.
const MAX_OVERLAP_LISTS: usize = 1000;

/// Top-N figures averaged over the users with at least one relevant movie.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopN {
    /// Share of users with at least one relevant movie in their top N.
    pub hr: f64,
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    /// NDCG@N where only relevant movies outside the short head count, over the users who liked
    /// at least one such movie.
    #[serde(default)]
    pub long_tail_ndcg: f64,
    /// Recall@N with each relevant movie weighted by popularity^-β, summed over all users.
    #[serde(default)]
    pub stratified_recall: f64,
    /// Mean Jaccard overlap of two different users' top N: 1 when everyone gets one list.
    #[serde(default)]
    pub overlap: f64,
    /// Share of the catalog that appears in at least one user's top N.
    pub coverage: f64,
    /// Mean number of training ratings of the listed movies: how mainstream the lists are.
    pub mean_popularity: f64,
    /// Share of the listed movies that are in the short head.
    #[serde(default)]
    pub short_head_share: f64,
    /// Users scored.
    pub users: usize,
}

/// The `n` best candidates by score, best first (ties by lower index, so lists are deterministic).
/// `excluded[m]` marks movies that may not be listed (the user's own training ratings).
pub fn top_n(scores: &[f32], excluded: &[bool], n: usize) -> Vec<usize> {
    let candidates: Vec<usize> = (0..scores.len()).filter(|&m| !excluded[m]).collect();
    first_by(candidates, n, |a, b| {
        scores[*b].total_cmp(&scores[*a]).then(a.cmp(b))
    })
}

/// The first `n` of `items` in the order `cmp` gives, in that order: a partial selection, so
/// a list of 20 from 10,000 movies sorts only the few it keeps.
pub fn first_by<T>(
    mut items: Vec<T>,
    n: usize,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    if items.len() > n {
        items.select_nth_unstable_by(n, &cmp);
        items.truncate(n);
    }
    items.sort_by(cmp);
    items
}

/// Whether place `i` (from 0) of a list goes to a deep cut when a `share` (0 to 1) of the places
/// do: spread evenly, the first at place ⌈1/share⌉ (share 0.3: places 4, 7 and 10 of ten).
pub fn is_deep_place(i: usize, share: f32) -> bool {
    let share = f64::from(share.clamp(0.0, 1.0));
    let filled = |places: usize| (places as f64 * share + 1e-6).floor();
    filled(i + 1) > filled(i)
}

/// The first `n` of a list whose deep places ([`is_deep_place`]) take the next of `deep` (the
/// best movies beyond the short head) and whose other places the next of `best` (the best of
/// all), each movie once; when one runs out the other fills in.
pub fn interleave(best: &[usize], deep: &[usize], share: f32, n: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(n);
    let (mut b, mut d) = (best.iter().peekable(), deep.iter().peekable());
    while out.len() < n {
        let from_deep = is_deep_place(out.len(), share);
        let source = match (from_deep, b.peek().is_some(), d.peek().is_some()) {
            (_, false, false) => break,
            (true, _, true) | (false, false, true) => &mut d,
            _ => &mut b,
        };
        let next = *source.next().expect("peeked");
        if !out.contains(&next) {
            out.push(next);
        }
    }
    out
}

/// The movies of the short head: the most rated (ties by lower index) until they hold
/// [`SHORT_HEAD_SHARE`] of all `popularity`'s ratings.
pub fn short_head(popularity: &[u32]) -> Vec<bool> {
    let total: f64 = popularity.iter().map(|&p| f64::from(p)).sum();
    let mut order: Vec<usize> = (0..popularity.len()).collect();
    order.sort_by(|&a, &b| popularity[b].cmp(&popularity[a]).then(a.cmp(&b)));
    let mut head = vec![false; popularity.len()];
    let mut held = 0.0;
    for m in order {
        if held >= SHORT_HEAD_SHARE * total {
            break;
        }
        head[m] = true;
        held += f64::from(popularity[m]);
    }
    head
}

/// Discounted gain of the hits in a list against the ideal one of `relevant` movies.
fn ndcg(hits: impl Iterator<Item = bool>, relevant: usize) -> f64 {
    let gain = |rank: usize| 1.0 / (rank as f64 + 2.0).log2();
    let dcg: f64 = hits
        .enumerate()
        .filter(|(_, h)| *h)
        .map(|(r, _)| gain(r))
        .sum();
    dcg / (0..relevant.min(N)).map(gain).sum::<f64>()
}

/// Running sums, per user unless named otherwise.
#[derive(Debug, Clone, Default)]
struct Sums {
    hr: f64,
    precision: f64,
    recall: f64,
    ndcg: f64,
    popularity: f64,
    short_head: f64,
    long_tail_ndcg: f64,
    long_tail_users: usize,
    stratified_hits: f64,
    stratified_relevant: f64,
}

/// Accumulates per-user lists into [`TopN`].
#[derive(Debug, Clone)]
pub struct TopNAccumulator {
    listed: Vec<bool>,
    popularity: Vec<u32>,
    head: Vec<bool>,
    lists: Vec<Vec<usize>>,
    sums: Sums,
    users: usize,
}

impl TopNAccumulator {
    /// `popularity[m]`: training ratings of movie `m` (its length is the catalog size).
    pub fn new(popularity: Vec<u32>) -> Self {
        Self {
            listed: vec![false; popularity.len()],
            head: short_head(&popularity),
            popularity,
            lists: Vec::new(),
            sums: Sums::default(),
            users: 0,
        }
    }

    /// Adds one user's list (best first) against their relevant movies; users without relevant
    /// movies are skipped, since no list can be right or wrong for them.
    pub fn add(&mut self, list: &[usize], relevant: &[usize]) {
        if relevant.is_empty() {
            return;
        }
        let n_hits = list.iter().filter(|m| relevant.contains(m)).count();
        let s = &mut self.sums;
        s.hr += f64::from(u8::from(n_hits > 0));
        s.precision += n_hits as f64 / N as f64;
        s.recall += n_hits as f64 / relevant.len() as f64;
        s.ndcg += ndcg(list.iter().map(|m| relevant.contains(m)), relevant.len());
        let per_listed = 1.0 / list.len().max(1) as f64;
        for &m in list {
            self.listed[m] = true;
            s.popularity += f64::from(self.popularity[m]) * per_listed;
            s.short_head += f64::from(u8::from(self.head[m])) * per_listed;
        }
        let tail: Vec<usize> = relevant
            .iter()
            .copied()
            .filter(|&m| !self.head[m])
            .collect();
        if !tail.is_empty() {
            s.long_tail_ndcg += ndcg(list.iter().map(|m| tail.contains(m)), tail.len());
            s.long_tail_users += 1;
        }
        let weight = |m: usize| f64::from(self.popularity[m].max(1)).powf(-STRATIFIED_BETA);
        s.stratified_relevant += relevant.iter().map(|&m| weight(m)).sum::<f64>();
        s.stratified_hits += list
            .iter()
            .filter(|m| relevant.contains(m))
            .map(|&m| weight(m))
            .sum::<f64>();
        self.lists.push(list.to_vec());
        self.users += 1;
    }

    pub fn finish(&self) -> TopN {
        let s = &self.sums;
        let per_user = |x: f64| x / self.users.max(1) as f64;
        TopN {
            hr: per_user(s.hr),
            precision: per_user(s.precision),
            recall: per_user(s.recall),
            ndcg: per_user(s.ndcg),
            long_tail_ndcg: s.long_tail_ndcg / s.long_tail_users.max(1) as f64,
            stratified_recall: s.stratified_hits / s.stratified_relevant.max(f64::MIN_POSITIVE),
            overlap: mean_overlap(&self.lists, self.listed.len()),
            coverage: self.listed.iter().filter(|&&l| l).count() as f64
                / self.listed.len().max(1) as f64,
            mean_popularity: per_user(s.popularity),
            short_head_share: per_user(s.short_head),
            users: self.users,
        }
    }
}

/// Mean Jaccard overlap over the pairs of (at most [`MAX_OVERLAP_LISTS`], evenly spread) lists
/// of movies below `n_movies`; 0 with fewer than two lists.
pub fn mean_overlap(lists: &[Vec<usize>], n_movies: usize) -> f64 {
    let step = lists.len().div_ceil(MAX_OVERLAP_LISTS).max(1);
    let sample: Vec<&Vec<usize>> = lists.iter().step_by(step).collect();
    let n = sample.len();
    if n < 2 {
        return 0.0;
    }
    // Shared movies of each pair (a < b), counted through the lists that hold each movie.
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); n_movies];
    for (u, list) in sample.iter().enumerate() {
        for &m in list.iter() {
            holders[m].push(u);
        }
    }
    let mut shared = vec![0u16; n * n];
    for users in &holders {
        for (i, &a) in users.iter().enumerate() {
            for &b in &users[i + 1..] {
                shared[a * n + b] += 1;
            }
        }
    }
    let mut total = 0.0;
    for a in 0..n {
        for b in a + 1..n {
            let both = f64::from(shared[a * n + b]);
            let union = (sample[a].len() + sample[b].len()) as f64 - both;
            total += if union > 0.0 { both / union } else { 0.0 };
        }
    }
    total / (n * (n - 1) / 2) as f64
}
