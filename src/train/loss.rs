//! The rank head's loss (the rating head's squared errors are summed in the step itself).

use burn::tensor::{Device, Tensor, TensorData};

use super::Example;

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
