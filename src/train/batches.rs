//! From ratings to steps: per-user examples (a history that never contains its targets), their
//! batches, and one batch as the tensors a training step reads.

use std::collections::BTreeMap;

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::encode::{Encoder, UserSequence};
use crate::predict::History;

use super::TrainConfig;

/// One training example: a history and the ratings to predict from it (never in the history).
#[derive(Debug, Clone)]
pub struct Example {
    /// The history as the CNN reads it (the latest `history_len` ratings).
    pub context: UserSequence,
    /// The whole history, for the rank head's bags.
    pub full_context: History,
    pub targets: Vec<(usize, f32)>,
}

/// One epoch's examples: each user's ratings are shuffled and cut into groups of
/// `targets_per_example` targets; each group's history is the user's other ratings, oldest first (or, with
/// `newcomer_history_prob`, the earliest few of them; with `short_history_prob`, a few random
/// ones).
pub fn make_examples(
    by_user: &BTreeMap<u32, History>,
    encoder: &Encoder,
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
) -> Vec<Example> {
    let mut out = Vec::new();
    for history in by_user.values() {
        if history.len() < 2 {
            continue;
        }
        let mut order: Vec<usize> = (0..history.len()).collect();
        order.shuffle(rng);
        for group in order.chunks(cfg.targets_per_example) {
            // Keep at least one rating as context.
            let group = if group.len() == history.len() {
                &group[..group.len() - 1]
            } else {
                group
            };
            let mut is_target = vec![false; history.len()];
            for &k in group {
                is_target[k] = true;
            }
            let mut context: Vec<usize> = (0..history.len()).filter(|&k| !is_target[k]).collect();
            let max = cfg.short_history_max.max(1);
            if cfg.newcomer_history_prob > 0.0 && rng.random_bool(cfg.newcomer_history_prob) {
                let x: f64 = rng.random_range(0.0..((max + 1) as f64).ln());
                context.truncate((x.exp().floor() as usize).clamp(1, max));
            } else if cfg.short_history_prob > 0.0 && rng.random_bool(cfg.short_history_prob) {
                let k = rng.random_range(1..=max).min(context.len());
                context = context.choose_multiple(rng, k).copied().collect();
                context.sort_unstable(); // back to time order
            }
            let context: History = context.into_iter().map(|k| history[k]).collect();
            out.push(Example {
                context: encoder.encode_user(&context),
                full_context: context,
                targets: group.iter().map(|&k| history[k]).collect(),
            });
        }
    }
    out.shuffle(rng);
    out
}

/// Where to cut a batch, sorted by history length, into two separately padded groups so that
/// the user tower's cost (examples × longest history, per group) is least. About a quarter of
/// the examples have short histories, and padding them to a full history would waste most of a
/// step; encoding the groups apart is exact, since users are encoded independently.
fn cheapest_split(sorted_lengths: &[usize]) -> usize {
    let n = sorted_lengths.len();
    let longest = sorted_lengths.last().copied().unwrap_or(0);
    (1..=n)
        .min_by_key(|&k| k * sorted_lengths[k - 1] + (n - k) * longest)
        .unwrap_or(n)
}

/// The catalog rows a batch touches (its histories' and targets' movies), and the batch's
/// histories and targets re-indexed into that sub-catalog: the movie tower then runs on these
/// rows only, not on the whole catalog at every step. Exact, since movies are encoded
/// independently of each other.
/// With `whole_histories` the rows also cover every movie of the examples' whole histories
/// (for the bags), which come back re-indexed too.
fn batch_catalog(batch: &[&Example], n_movies: usize, whole_histories: bool) -> BatchCatalog {
    let mut local = vec![-1i64; n_movies];
    let mut rows: Vec<i64> = Vec::new();
    let mut row_of = |m: usize| -> i64 {
        if local[m] < 0 {
            local[m] = rows.len() as i64;
            rows.push(m as i64);
        }
        local[m]
    };
    let mut contexts = Vec::with_capacity(batch.len());
    let mut targets = Vec::with_capacity(batch.len());
    let mut wholes = Vec::with_capacity(batch.len());
    for e in batch {
        if whole_histories {
            let whole: History = e
                .full_context
                .iter()
                .map(|&(m, r)| (row_of(m) as usize, r))
                .collect();
            wholes.push(whole);
        }
        let mut context = e.context.clone();
        for (movie, &mask) in context.movies.iter_mut().zip(&e.context.mask) {
            // Padding slots point at row 0; the mask zeroes whatever they read.
            *movie = if mask > 0.0 {
                row_of(*movie as usize)
            } else {
                0
            };
        }
        contexts.push(context);
        targets.push(e.targets.iter().map(|&(m, _)| row_of(m)).collect());
    }
    BatchCatalog {
        rows,
        contexts,
        targets,
        wholes,
    }
}

/// A batch re-indexed into the catalog rows it touches, see [`batch_catalog`].
struct BatchCatalog {
    rows: Vec<i64>,
    contexts: Vec<UserSequence>,
    targets: Vec<Vec<i64>>,
    /// Each example's whole history, with `whole_histories` (else empty).
    wholes: Vec<History>,
}

/// One step's examples as tensors: the batch's catalog rows, its histories in (at most) two
/// groups padded apart, and the targets in a padded `[B, T]` layout.
pub(super) struct StepBatch<'a> {
    pub(super) examples: &'a [&'a Example],
    pub(super) rows: Tensor<1, Int>,
    pub(super) groups: [Vec<UserSequence>; 2],
    /// Each example's whole history in batch-catalog rows, when the model reads bags, split
    /// like `groups`.
    pub(super) wholes: [Vec<History>; 2],
    /// Targets as rows of the batch catalog.
    pub(super) targets: Tensor<2, Int>,
    /// Ratings minus the training mean.
    pub(super) truth: Tensor<2>,
    /// 1 at real targets, 0 at padding.
    pub(super) weight: Tensor<2>,
    pub(super) n_targets: f32,
}

impl<'a> StepBatch<'a> {
    /// `examples` sorted by history length (the two groups split that order).
    pub(super) fn new(
        examples: &'a [&'a Example],
        n_movies: usize,
        mean_rating: f32,
        whole_histories: bool,
        device: &Device,
    ) -> Self {
        let BatchCatalog {
            rows,
            mut contexts,
            targets: target_rows,
            mut wholes,
        } = batch_catalog(examples, n_movies, whole_histories);
        let n_rows = rows.len();
        let lengths: Vec<usize> = contexts.iter().map(UserSequence::len).collect();
        let split = cheapest_split(&lengths);
        let t = examples.iter().map(|e| e.targets.len()).max().unwrap_or(1);
        let mut targets = vec![0i64; examples.len() * t];
        let mut truth = vec![0f32; examples.len() * t];
        let mut weight = vec![0f32; examples.len() * t];
        for (row, (e, movie_rows)) in examples.iter().zip(&target_rows).enumerate() {
            for (j, (&(_, r), &m)) in e.targets.iter().zip(movie_rows).enumerate() {
                targets[row * t + j] = m;
                truth[row * t + j] = r - mean_rating;
                weight[row * t + j] = 1.0;
            }
        }
        let n_targets: f32 = weight.iter().sum();
        let shape = [examples.len(), t];
        let long = contexts.split_off(split);
        let long_wholes = wholes.split_off(split.min(wholes.len()));
        Self {
            examples,
            rows: Tensor::from_data(TensorData::new(rows, [n_rows]), device),
            groups: [contexts, long],
            wholes: [wholes, long_wholes],
            targets: Tensor::from_data(TensorData::new(targets, shape), device),
            truth: Tensor::from_data(TensorData::new(truth, shape), device),
            weight: Tensor::from_data(TensorData::new(weight, shape), device),
            n_targets,
        }
    }
}

/// One epoch's batches of `batch_size` examples (already shuffled).
pub(super) fn epoch_batches<'a>(
    examples: &'a [Example],
    cfg: &TrainConfig,
) -> Vec<Vec<&'a Example>> {
    examples
        .chunks(cfg.batch_size)
        .map(|c| c.iter().collect())
        .collect()
}
