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
use super::teacher::Teacher;

/// One training example: a history and the ratings to predict from it (never in the history).
#[derive(Debug, Clone)]
pub struct Example {
    /// The history as the CNN reads it (the latest `history_len` ratings).
    pub context: UserSequence,
    /// The whole history, for the rank head's bags.
    pub full_context: History,
    pub targets: Vec<(usize, f32)>,
    /// Movies the user never rated, with the teacher's ratings (empty without a teacher).
    pub taught: Vec<(usize, f32)>,
}

#[cfg(test)]
impl Example {
    /// An example whose CNN window is its whole history, for unit tests.
    pub(super) fn whole(history: History, targets: History, taught: History) -> Self {
        Example {
            context: UserSequence {
                movies: history.iter().map(|&(m, _)| m as i64).collect(),
                ratings: history.iter().map(|&(_, r)| r).collect(),
                mask: vec![1.0; history.len()],
            },
            full_context: history,
            targets,
            taught,
        }
    }
}

/// One epoch's examples: each user's ratings are shuffled and cut into groups of
/// `targets_per_example` targets; each group's history is the user's other ratings, oldest first (or, with
/// `newcomer_history_prob`, the earliest few of them; with `short_history_prob`, a few random
/// ones). With a `teacher`, each example also gets its ratings of a few movies the user never
/// rated.
pub fn make_examples(
    by_user: &BTreeMap<u32, History>,
    encoder: &Encoder,
    cfg: &TrainConfig,
    teacher: Option<&Teacher>,
    rng: &mut ChaCha8Rng,
) -> Vec<Example> {
    let mut out = Vec::new();
    for (&user, history) in by_user {
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
            let taught = match (teacher, &cfg.teacher) {
                (Some(t), Some(c)) => t.rate_unrated(user, history, c.targets, rng),
                _ => Vec::new(),
            };
            out.push(Example {
                context: encoder.encode_user(&context),
                full_context: context,
                targets: group.iter().map(|&k| history[k]).collect(),
                taught,
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
        let all = e.targets.iter().chain(&e.taught);
        targets.push(all.map(|&(m, _)| row_of(m)).collect());
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
    /// Each example's targets, then its taught movies.
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
    /// Targets as rows of the batch catalog `[B, T + S]`: the T columns of real targets, then
    /// the S of taught movies.
    pub(super) targets: Tensor<2, Int>,
    /// Ratings minus the training mean, `[B, T + S]`.
    pub(super) truth: Tensor<2>,
    /// `[B, T]`: 1 at real targets, 0 at padding.
    pub(super) weight: Tensor<2>,
    /// `[B, T + S]`: each rating's weight in the loss — `weight`, then the teacher's weight at
    /// taught movies; `None` when the batch has none (the loss then reads `weight`).
    pub(super) loss_weight: Option<Tensor<2>>,
    pub(super) n_targets: f32,
    /// The whole step's real targets and examples, which this batch's losses are divided by:
    /// its own counts, unless it is one of a step's shards ([`shard_batches`]), whose
    /// gradients then sum to the whole step's.
    pub(super) step_targets: f32,
    pub(super) step_examples: f32,
}

impl<'a> StepBatch<'a> {
    /// `examples` sorted by history length (the two groups split that order); `teacher_weight`:
    /// the loss weight of a taught rating.
    pub(super) fn new(
        examples: &'a [&'a Example],
        n_movies: usize,
        mean_rating: f32,
        whole_histories: bool,
        teacher_weight: f32,
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
        let s = examples.iter().map(|e| e.taught.len()).max().unwrap_or(0);
        let width = t + s;
        let mut targets = vec![0i64; examples.len() * width];
        let mut truth = vec![0f32; examples.len() * width];
        let mut weight = vec![0f32; examples.len() * t];
        let mut loss_weight = vec![0f32; examples.len() * width];
        for (row, (e, movie_rows)) in examples.iter().zip(&target_rows).enumerate() {
            let (real, taught) = movie_rows.split_at(e.targets.len());
            let columns = (0..e.targets.len()).chain(t..t + e.taught.len());
            let ratings = e.targets.iter().chain(&e.taught);
            for ((j, &(_, r)), &m) in columns.zip(ratings).zip(real.iter().chain(taught)) {
                targets[row * width + j] = m;
                truth[row * width + j] = r - mean_rating;
                loss_weight[row * width + j] = if j < t { 1.0 } else { teacher_weight };
                if j < t {
                    weight[row * t + j] = 1.0;
                }
            }
        }
        let n_targets: f32 = weight.iter().sum();
        let long = contexts.split_off(split);
        let long_wholes = wholes.split_off(split.min(wholes.len()));
        let tensor = |v: Vec<f32>, w: usize| {
            Tensor::from_data(TensorData::new(v, [examples.len(), w]), device)
        };
        Self {
            examples,
            rows: Tensor::from_data(TensorData::new(rows, [n_rows]), device),
            groups: [contexts, long],
            wholes: [wholes, long_wholes],
            targets: Tensor::from_data(TensorData::new(targets, [examples.len(), width]), device),
            truth: tensor(truth, width),
            weight: tensor(weight, t),
            loss_weight: (s > 0).then(|| tensor(loss_weight, width)),
            n_targets,
            step_targets: n_targets,
            step_examples: examples.len() as f32,
        }
    }
}

/// A step's examples, sorted by history length, dealt in turn to at most `shards` shards: each
/// gets a like mix of short and long histories, so the shards' encodings cost about the same.
pub(super) fn deal<'a>(examples: &[&'a Example], shards: usize) -> Vec<Vec<&'a Example>> {
    let shards = shards.clamp(1, examples.len().max(1));
    (0..shards)
        .map(|first| {
            examples
                .iter()
                .skip(first)
                .step_by(shards)
                .copied()
                .collect()
        })
        .collect()
}

/// The shards of one step (see [`deal`]) as batches whose losses are divided by the whole
/// step's counts, so that the sum of their gradients is the whole batch's gradient.
pub(super) fn shard_batches<'a>(
    shards: &'a [Vec<&'a Example>],
    n_movies: usize,
    mean_rating: f32,
    whole_histories: bool,
    teacher_weight: f32,
    device: &Device,
) -> Vec<StepBatch<'a>> {
    let mut batches: Vec<StepBatch> = shards
        .iter()
        .map(|shard| {
            StepBatch::new(
                shard,
                n_movies,
                mean_rating,
                whole_histories,
                teacher_weight,
                device,
            )
        })
        .collect();
    let step_targets = batches.iter().map(|b| b.n_targets).sum();
    let step_examples = shards.iter().map(Vec::len).sum::<usize>() as f32;
    for batch in &mut batches {
        batch.step_targets = step_targets;
        batch.step_examples = step_examples;
    }
    batches
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

#[cfg(test)]
mod tests {
    use super::*;

    fn example(history: History, targets: History, taught: History) -> Example {
        Example::whole(history, targets, taught)
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.try_into_vec_as().unwrap()
    }

    #[test]
    fn taught_ratings_follow_the_real_targets_with_the_teachers_weight() {
        let device = crate::device();
        let a = example(vec![(5, 4.0)], vec![(1, 5.0), (2, 3.0)], vec![(7, 4.5)]);
        let b = example(vec![(6, 2.0)], vec![(3, 1.0)], vec![(8, 2.5), (9, 3.5)]);
        let examples = [&a, &b];
        let batch = StepBatch::new(&examples, 10, 3.0, false, 0.25, &device);
        // Catalog rows in order of first use: a's history, targets, taught; then b's.
        let rows: Vec<i64> = batch.rows.clone().try_into_vec_as().unwrap();
        assert_eq!(rows, [5, 1, 2, 7, 6, 3, 8, 9]);
        // [B, T + S] = [2, 2 + 2]: real targets in the first two columns, taught ones after.
        let targets: Vec<i64> = batch.targets.clone().try_into_vec_as().unwrap();
        assert_eq!(targets, [1, 2, 3, 0, 5, 0, 6, 7]);
        let truth = values(batch.truth.clone());
        assert_eq!(truth, [2.0, 0.0, 1.5, 0.0, -2.0, 0.0, -0.5, 0.5]);
        assert_eq!(values(batch.weight.clone()), [1.0, 1.0, 1.0, 0.0]);
        let taught = values(batch.loss_weight.clone().unwrap());
        assert_eq!(taught, [1.0, 1.0, 0.25, 0.0, 1.0, 0.0, 0.25, 0.25]);
        assert_eq!(batch.n_targets, 3.0);
        // Without taught ratings the layout is the real targets alone.
        let plain = example(vec![(5, 4.0)], vec![(1, 5.0)], vec![]);
        let examples = [&plain];
        let batch = StepBatch::new(&examples, 10, 3.0, false, 0.25, &device);
        assert_eq!(batch.targets.dims(), [1, 1]);
        assert!(batch.loss_weight.is_none());
    }
}
