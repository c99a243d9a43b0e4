//! The rank head's loss (the rating head's squared errors are summed in the step itself).

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::Example;
use crate::neighbours::{LIFTING_RATING, Neighbours};

/// The inputs of [`MovieCnn::neighbour_logits`] for a step's examples over `n_movies`: each
/// rating of an example's history that lifts its neighbours, its ramp in each of its slots
/// (0 in a row's empty ones), and where each slot lands. `None` when no example's history
/// reaches the term (the ramp is 0 for every one).
///
/// [`MovieCnn::neighbour_logits`]: crate::model::MovieCnn::neighbour_logits
pub(super) fn neighbour_inputs(
    neighbours: &Neighbours,
    examples: &[&Example],
    n_movies: usize,
    device: &Device,
) -> Option<(Tensor<1, Int>, Tensor<2>, Tensor<1, Int>)> {
    let slots = neighbours.slots().max(1);
    let (mut sources, mut scale, mut positions) = (Vec::new(), Vec::new(), Vec::new());
    for (user, e) in examples.iter().enumerate() {
        let ramp = neighbours.ramp(e.full_context.len());
        let lifting = e.full_context.iter().filter(|(_, r)| *r >= LIFTING_RATING);
        for &(movie, _) in lifting.take_while(|_| ramp > 0.0) {
            sources.push(movie as i64);
            let row = neighbours.row(movie);
            for k in 0..slots {
                // An empty slot lands on the rated movie itself, with nothing to add.
                let (target, s) = row
                    .get(k)
                    .map_or((movie, 0.0), |&(j, _)| (j as usize, ramp));
                scale.push(s);
                positions.push((user * n_movies + target) as i64);
            }
        }
    }
    let p = sources.len();
    (p > 0).then(|| {
        (
            Tensor::from_data(TensorData::new(sources, [p]), device),
            Tensor::from_data(TensorData::new(scale, [p, slots]), device),
            Tensor::from_data(TensorData::new(positions, [p * slots]), device),
        )
    })
}

/// Softmax cross-entropy of the rank head: each target movie should be likely among the movies
/// the user has not rated in the example's history (those are masked out of the softmax, since
/// a list never shows them); the loss is the mean over the targets. `logits`:
/// `[examples, n_movies]`; `weight`: `[examples, targets]`, 1 at a target, 0 at padding. With a
/// list teacher, `soft` = (its `[examples, n_movies]` distributions, their weight) adds the mean
/// cross-entropy of each example's distribution. The means are over `n` = (targets, examples)
/// of the whole step, which a shard of it holds only some of.
pub(super) fn rank_loss(
    logits: Tensor<2>,
    examples: &[&Example],
    weight: Tensor<2>,
    n: (f32, f32),
    soft: Option<(Vec<f32>, f64)>,
    device: &Device,
) -> Tensor<1> {
    let [b, m] = logits.dims();
    let [_, t] = weight.dims();
    let mut seen = vec![0f32; b * m];
    let mut targets = vec![0i64; b * t];
    for (row, e) in examples.iter().enumerate() {
        for &(movie, _) in &e.full_context {
            seen[row * m + movie] = -1e4;
        }
        for (j, &(movie, _)) in e.targets.iter().enumerate() {
            targets[row * t + j] = movie as i64;
        }
    }
    let seen = Tensor::<2>::from_data(TensorData::new(seen, [b, m]), device);
    let targets = Tensor::from_data(TensorData::new(targets, [b, t]), device);
    let log_p = burn::tensor::activation::log_softmax(logits + seen, 1);
    let (n_targets, n_examples) = n;
    let hard = -(log_p.clone().gather(1, targets) * weight).sum() / n_targets;
    match soft {
        Some((q, w)) => {
            let q = Tensor::<2>::from_data(TensorData::new(q, [b, m]), device);
            hard - (log_p * q).sum() * (w / f64::from(n_examples))
        }
        None => hard,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::History;

    fn example(history: History, targets: Vec<(usize, f32)>) -> Example {
        Example::whole(history, targets, Vec::new())
    }

    /// −log p of `target` under a softmax over `logits` without the `seen` movies.
    fn neg_log_p(logits: &[f32], seen: &[usize], target: usize) -> f32 {
        let z: f32 = (0..logits.len())
            .filter(|m| !seen.contains(m))
            .map(|m| logits[m].exp())
            .sum();
        z.ln() - logits[target]
    }

    #[test]
    fn the_learned_term_in_training_is_the_lists_term() {
        let device = crate::device();
        let n_movies = 5;
        let users = vec![vec![0, 1, 2], vec![0, 1], vec![1, 2, 3], vec![0, 3, 4]];
        let neighbours = Neighbours::small(&users, n_movies, (1, 3));
        assert!(neighbours.slots() == 2 && neighbours.row(0).len() == 2);
        let model = crate::model::ModelConfig {
            n_movies,
            rank_dim: 2,
            ..crate::model::ModelConfig::paper(10)
        }
        .init(&device)
        .learn_neighbour_weights(super::super::start_weights(&neighbours, &device));
        // One rating (ramp 0), two with a disliked one (ramp ½), three (ramp 1).
        let histories = [
            vec![(0, 5.0)],
            vec![(0, 2.0), (1, 4.0)],
            vec![(0, 5.0), (1, 3.0), (3, 4.0)],
        ];
        let examples: Vec<Example> = histories
            .iter()
            .map(|h| example(h.clone(), vec![(4, 4.0)]))
            .collect();
        let refs: Vec<&Example> = examples.iter().collect();
        let (sources, scale, positions) =
            neighbour_inputs(&neighbours, &refs, n_movies, &device).unwrap();
        let term = model
            .neighbour_logits(sources, scale, positions, [3, n_movies])
            .unwrap()
            .try_into_vec_as::<f32>()
            .unwrap();
        let all: Vec<usize> = (0..n_movies).collect();
        for (row, history) in histories.iter().enumerate() {
            let expected = neighbours.scores(history, &all);
            for (m, e) in expected.iter().enumerate() {
                let got = term[row * n_movies + m];
                let want = e * crate::neighbours::LEARNING_START;
                assert!(
                    (got - want).abs() < 1e-5,
                    "user {row}, movie {m}: {got} vs {want}"
                );
            }
        }
        assert!(term.iter().any(|&t| t > 0.0));
    }

    #[test]
    fn rank_loss_is_the_mean_cross_entropy_over_unrated_movies() {
        let device = crate::device();
        let logits = [[0.5f32, -1.0, 2.0, 0.0], [1.5, 0.25, -0.5, 1.0]];
        // User 0 rated movie 2 and is to rate 0 and 3; user 1 rated 0 and is to rate 2 (its
        // second target slot is padding).
        let first = example(vec![(2, 5.0)], vec![(0, 4.0), (3, 2.0)]);
        let second = example(vec![(0, 3.0)], vec![(2, 5.0)]);
        let weight = Tensor::<2>::from_data([[1.0f32, 1.0], [1.0, 0.0]], &device);
        let tensor = Tensor::<2>::from_data(logits, &device);
        let examples = [&first, &second];
        let loss: f32 =
            rank_loss(tensor, &examples, weight, (3.0, 2.0), None, &device).into_scalar();
        let expected = (neg_log_p(&logits[0], &[2], 0)
            + neg_log_p(&logits[0], &[2], 3)
            + neg_log_p(&logits[1], &[0], 2))
            / 3.0;
        assert!((loss - expected).abs() < 1e-5, "{loss} vs {expected}");
    }
}
