//! Inference shared by evaluation and the browser: batch users' histories through the one encoder
//! and the CNN, and score target movies.

use std::collections::BTreeMap;

use burn::tensor::{Device, Int, Tensor, TensorData};

pub use crate::data::{History, histories};
use crate::data::{Movies, Rating};
use crate::encode::{Encoder, UserSequence};
pub use crate::list::CatalogScores;
use crate::model::{HistoryBag, MovieCnn, MovieTable, UserEncoding};
use crate::neighbours::Neighbours;

/// (history oldest first, target movies): one user's request.
pub type Query<'a> = (&'a [(usize, f32)], &'a [usize]);

/// Everything needed to score: the network, its catalog table, the encoder, the training mean rating (the network predicts deviations from it).
pub struct Scorer<'a> {
    pub model: &'a MovieCnn,
    pub table: &'a MovieTable,
    pub encoder: &'a Encoder,
    pub mean_rating: f32,
    pub device: &'a Device,
    /// The list's item-item term, when the model file has one.
    pub neighbours: Option<&'a Neighbours>,
}

/// Stacks encoded user sequences into `[B, H]` tensors, `H` cut to the longest real history in
/// the batch. Sequences are left-aligned and padding is masked to zero, which is exactly what the
/// convolutions' own zero padding supplies, so the cut changes no result; it only saves work
/// (a visitor with 5 ratings costs 5 positions, not `history_len`).
pub fn user_tensors(
    seqs: &[&UserSequence],
    device: &Device,
) -> (Tensor<2, Int>, Tensor<2>, Tensor<2>) {
    let b = seqs.len();
    let h = seqs.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
    let (mut movies, mut ratings, mut mask) = (Vec::new(), Vec::new(), Vec::new());
    for s in seqs {
        // Left-aligned, so the first `h` slots hold every real rating of this sequence.
        let slot = |k: usize| k < s.mask.len();
        for k in 0..h {
            movies.push(if slot(k) { s.movies[k] } else { 0 });
            ratings.push(if slot(k) { s.ratings[k] } else { 0.0 });
            mask.push(if slot(k) { s.mask[k] } else { 0.0 });
        }
    }
    (
        Tensor::from_data(TensorData::new(movies, [b, h]), device),
        Tensor::from_data(TensorData::new(ratings, [b, h]), device),
        Tensor::from_data(TensorData::new(mask, [b, h]), device),
    )
}

/// The [`HistoryBag`] of whole histories (dense movie index, rating), over a catalog of
/// `n_movies`; indices outside it are skipped like [`Encoder::encode_user`] skips them.
pub fn history_bag(histories: &[&[(usize, f32)]], n_movies: usize, device: &Device) -> HistoryBag {
    let b = histories.len();
    let mut rated = vec![0f32; b * n_movies];
    let mut rating = vec![0f32; b * n_movies];
    let mut count = vec![0f32; b];
    for (row, h) in histories.iter().enumerate() {
        let known = h.iter().filter(|(m, _)| *m < n_movies);
        count[row] = known.clone().count() as f32;
        let scale = 1.0 / count[row].max(1.0).sqrt();
        for &(m, r) in known {
            rated[row * n_movies + m] = scale;
            rating[row * n_movies + m] = scale * crate::encode::rating_feature(r);
        }
    }
    HistoryBag {
        rated: Tensor::from_data(TensorData::new(rated, [b, n_movies]), device),
        rating: Tensor::from_data(TensorData::new(rating, [b, n_movies]), device),
        count: Tensor::from_data(TensorData::new(count, [b, 1]), device),
    }
}

/// The encoded catalog tokens as a tensor.
pub fn token_tensor(encoder: &Encoder, device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(
        TensorData::new(
            encoder.token_matrix(),
            [encoder.n_movies(), encoder.config.movie_tokens],
        ),
        device,
    )
}

/// Encodes users from their whole histories (dense movie index, rating; oldest first) through
/// the one encoder: the CNN's window of each, padded to the longest, and the bags when the model
/// reads them. Every inference path goes through here; training builds the same tensors from its
/// examples, whose windows the encoder made, re-indexed into the batch's catalog rows.
pub fn encode_histories(
    model: &MovieCnn,
    table: &MovieTable,
    encoder: &Encoder,
    histories: &[&[(usize, f32)]],
    device: &Device,
) -> UserEncoding {
    let seqs: Vec<UserSequence> = histories.iter().map(|h| encoder.encode_user(h)).collect();
    let refs: Vec<&UserSequence> = seqs.iter().collect();
    let (movies, ratings, mask) = user_tensors(&refs, device);
    let bag = model
        .reads_bags()
        .then(|| history_bag(histories, encoder.n_movies(), device));
    model.encode_users(table, movies, ratings, mask, bag.as_ref())
}

impl Scorer<'_> {
    /// The network's encoding of these users' histories, see [`encode_histories`].
    pub fn encode(&self, histories: &[&[(usize, f32)]]) -> UserEncoding {
        encode_histories(self.model, self.table, self.encoder, histories, self.device)
    }
}

/// Predicts (unclipped) ratings of `targets[q]` for each history `histories[q]`.
/// Each history is encoded once however many targets it has.
pub fn predict_many(scorer: &Scorer, queries: &[Query]) -> Vec<Vec<f32>> {
    let Scorer {
        model,
        table,
        mean_rating,
        device,
        ..
    } = *scorer;
    const USERS_PER_BATCH: usize = 64;
    const TARGETS_PER_ROW: usize = 512;
    // Split long target lists into rows so one batch stays small.
    let mut rows: Vec<(usize, usize, &[usize])> = Vec::new(); // (query, first position in its targets, slice)
    for (q, (_, targets)) in queries.iter().enumerate() {
        for (c, chunk) in targets.chunks(TARGETS_PER_ROW).enumerate() {
            rows.push((q, c * TARGETS_PER_ROW, chunk));
        }
    }
    let mut out: Vec<Vec<f32>> = queries.iter().map(|(_, t)| vec![0.0; t.len()]).collect();
    for batch in rows.chunks(USERS_PER_BATCH) {
        let t = batch.iter().map(|r| r.2.len()).max().unwrap_or(0);
        if t == 0 {
            continue;
        }
        let batch_histories: Vec<&[(usize, f32)]> = batch.iter().map(|r| queries[r.0].0).collect();
        let mut targets = vec![0i64; batch.len() * t];
        for (row, (_, _, slice)) in batch.iter().enumerate() {
            for (j, &m) in slice.iter().enumerate() {
                targets[row * t + j] = m as i64;
            }
        }
        let targets = Tensor::from_data(TensorData::new(targets, [batch.len(), t]), device);
        let users = scorer.encode(&batch_histories);
        let scores: Vec<f32> = model
            .score(table, &users, targets)
            .try_into_vec_as::<f32>()
            .expect("f32 scores");
        for (row, (q, start, slice)) in batch.iter().enumerate() {
            for j in 0..slice.len() {
                out[*q][start + j] = scores[row * t + j] + mean_rating;
            }
        }
    }
    out
}

/// Scores the whole catalog for each history, encoding each history once: what a ranked list
/// needs (the browser's list, and every top-N evaluation).
pub fn score_catalog(scorer: &Scorer, histories: &[&[(usize, f32)]]) -> Vec<CatalogScores> {
    let all: Vec<usize> = (0..scorer.encoder.n_movies()).collect();
    score_movies(scorer, histories, &all)
}

/// Scores the same `targets` for each history (each encoded once); the returned vectors follow
/// the order of `targets`.
pub fn score_movies(
    scorer: &Scorer,
    histories: &[&[(usize, f32)]],
    targets: &[usize],
) -> Vec<CatalogScores> {
    let model = scorer.model;
    let [n, hidden] = scorer.table.hidden.dims();
    // The whole table is scored and the targets picked from it (gathering them cost more);
    // a batch of users holds at most this many hidden activations.
    const ACTIVATIONS_PER_BATCH: usize = 1 << 24;
    let users_per_batch = (ACTIVATIONS_PER_BATCH / (n * hidden).max(1)).clamp(1, 16);
    let mut out = Vec::with_capacity(histories.len());
    for batch in histories.chunks(users_per_batch) {
        let users = scorer.encode(batch);
        let to_vec = |x: Tensor<2>| x.try_into_vec_as::<f32>().expect("f32 scores");
        let ratings = to_vec(model.score_table(scorer.table, &users));
        let rank = model.rank_logits(&users).map(to_vec);
        let pick = |all: &[f32], row: usize| -> Vec<f32> {
            targets.iter().map(|&m| all[row * n + m]).collect()
        };
        for (row, history) in batch.iter().enumerate() {
            out.push(CatalogScores {
                ratings: pick(&ratings, row)
                    .into_iter()
                    .map(|p| scorer.encoder.stars.clip(p + scorer.mean_rating))
                    .collect(),
                rank: rank.as_ref().map(|r| pick(r, row)),
                neighbours: scorer.neighbours.map(|nb| nb.scores(history, targets)),
            });
        }
    }
    out
}

/// Predicts every test rating from the user's training history; returns predictions clipped to
/// the rating scale in the order of `test`.
pub fn predict_ratings(
    scorer: &Scorer,
    context: &BTreeMap<u32, History>,
    test: &[Rating],
    movies: &Movies,
) -> Vec<f32> {
    let mut by_user: BTreeMap<u32, (Vec<usize>, Vec<usize>)> = BTreeMap::new(); // (positions, movies)
    for (k, r) in test.iter().enumerate() {
        let entry = by_user.entry(r.user).or_default();
        entry.0.push(k);
        entry.1.push(
            movies
                .index_of(r.movie)
                .expect("test movies were validated against u.item"),
        );
    }
    let empty = Vec::new();
    let queries: Vec<Query> = by_user
        .iter()
        .map(|(u, (_, targets))| {
            (
                context.get(u).unwrap_or(&empty).as_slice(),
                targets.as_slice(),
            )
        })
        .collect();
    let predicted = predict_many(scorer, &queries);
    let mut out = vec![0.0; test.len()];
    for ((_, (positions, _)), preds) in by_user.iter().zip(predicted) {
        for (&k, p) in positions.iter().zip(preds) {
            out[k] = scorer.encoder.stars.clip(p);
        }
    }
    out
}
