//! The item-item term whose weights training learns with the rank head (Koren's integrated
//! model; see [`crate::neighbours`]): where the weights start, how a step's examples reach them,
//! and how they leave the model for the file's header.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{Example, TrainConfig};
use crate::data::{Movies, Rating};
use crate::ease::{Ease, rated_sets};
use crate::model::MovieCnn;
use crate::neighbours::{LEARNING_START, LIFTING_RATING, Neighbours};

/// `model` learning the term's weights when the config asks for it, with its neighbours.
pub(super) fn start(
    model: MovieCnn,
    fit_ratings: &[Rating],
    movies: &Movies,
    cfg: &TrainConfig,
    device: &Device,
) -> (MovieCnn, Option<Neighbours>) {
    match learned_neighbours(fit_ratings, movies, cfg, &model) {
        Some(n) => (
            model.learn_neighbour_weights(start_weights(&n, device)),
            Some(n),
        ),
        None => (model, None),
    }
}

/// The trained model without the term's weights, and the neighbours holding them.
pub(super) fn finish(
    model: MovieCnn,
    neighbours: Option<Neighbours>,
) -> (MovieCnn, Option<Neighbours>) {
    let (model, learned) = model.take_neighbour_weights();
    let neighbours = neighbours.zip(learned).map(|(n, w)| {
        let w = w.try_into_vec_as::<f32>().expect("f32 weights");
        n.with_weights(&w)
    });
    (model, neighbours)
}

/// The item-item term's neighbours when the config learns their weights with a rank head:
/// EASE's on `fit_ratings`, as when they are not learned.
fn learned_neighbours(
    fit_ratings: &[Rating],
    movies: &Movies,
    cfg: &TrainConfig,
    model: &MovieCnn,
) -> Option<Neighbours> {
    let c = cfg.neighbours.as_ref().filter(|c| c.learned)?;
    model.has_rank_head().then(|| {
        let ease = Ease::fit(&rated_sets(fit_ratings, movies), movies.len(), c.lambda);
        Neighbours::strongest(movies.len(), c, |i, j| ease.weight(i, j))
    })
}

/// `[n_movies, slots]`: EASE's weights times [`LEARNING_START`], 0 in a row's empty slots.
pub(super) fn start_weights(neighbours: &Neighbours, device: &Device) -> Tensor<2> {
    let (n, slots) = (neighbours.rows_len(), neighbours.slots().max(1));
    let mut start = vec![0f32; n * slots];
    for movie in 0..n {
        for (k, &(_, w)) in neighbours.row(movie).iter().enumerate() {
            start[movie * slots + k] = w * LEARNING_START;
        }
    }
    Tensor::from_data(burn::tensor::TensorData::new(start, [n, slots]), device)
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
        .learn_neighbour_weights(start_weights(&neighbours, &device));
        // One rating (ramp 0), two with a disliked one (ramp ½), three (ramp 1).
        let histories = [
            vec![(0, 5.0)],
            vec![(0, 2.0), (1, 4.0)],
            vec![(0, 5.0), (1, 3.0), (3, 4.0)],
        ];
        let examples: Vec<Example> = histories
            .iter()
            .map(|h| Example::whole(h.clone(), vec![(4, 4.0)], Vec::new()))
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
}
