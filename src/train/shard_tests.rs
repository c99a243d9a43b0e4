//! A step cut into shards computes the whole batch's gradient.

use burn::module::{ModuleVisitor, Param};
use burn::optim::SgdConfig;
use burn::tensor::{Int, Tensor, TensorData};

use super::*;
use crate::data::Movies;
use crate::model::ModelConfig;

/// Every float parameter, in visiting order.
struct Weights(Vec<f32>);

impl ModuleVisitor for Weights {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.extend(param.val().try_into_vec_as::<f32>().unwrap());
    }
}

fn weights(model: &MovieCnn) -> Vec<f32> {
    let mut all = Weights(Vec::new());
    model.visit(&mut all);
    all.0
}

/// Six users of a twelve-movie catalog, histories of 1 to 6 ratings (the CNN's window holds 4
/// of them), two targets each and a taught rating.
fn examples() -> Vec<Example> {
    (0..6)
        .map(|u| {
            let movie = |k: usize| (u * 5 + k * 7) % 12;
            let rating = |k: usize| 1.0 + ((u + k) % 5) as f32;
            let history: History = (0..=u).map(|k| (movie(k), rating(k))).collect();
            let mut example = Example::whole(
                history.clone(),
                vec![(movie(7), rating(7)), (movie(8), rating(8))],
                vec![(movie(9), 3.5)],
            );
            let window = history.len().saturating_sub(4);
            example.context.movies.drain(..window);
            example.context.ratings.drain(..window);
            example.context.mask.drain(..window);
            example
        })
        .collect()
}

/// The item-item term fitted on the examples' histories, full from 3 ratings.
fn neighbours(examples: &[Example], n_movies: usize) -> Neighbours {
    let sets: Vec<Vec<usize>> = examples
        .iter()
        .map(|e| e.full_context.iter().map(|&(m, _)| m).collect())
        .collect();
    Neighbours::small(&sets, n_movies, (0, 3))
}

/// The list teacher fitted on the examples' histories.
fn list_teacher(examples: &[Example], n_movies: usize) -> ListTeacher {
    let ratings: Vec<Rating> = (0u32..)
        .zip(examples)
        .flat_map(|(user, e)| {
            e.full_context.iter().map(move |&(movie, rating)| Rating {
                user: user + 1,
                movie: movie as u32 + 1,
                rating,
                timestamp: 0,
            })
        })
        .collect();
    let movies = Movies::numbered(n_movies as u32);
    let cfg = ListTeacherConfig {
        min_history: 1,
        ..ListTeacherConfig::tuned()
    };
    ListTeacher::fit(&ratings, &movies, &cfg)
}

#[test]
fn shards_gradients_sum_to_the_whole_batchs() {
    let device = crate::device().autodiff();
    device.seed(7);
    let n_movies = 12;
    let mut cfg = TrainConfig::default_preset();
    cfg.model = ModelConfig {
        vocab_size: 20,
        token_dim: 4,
        movie_filters: 4,
        movie_dim: 4,
        user_filters: vec![4, 8],
        hidden: 8,
        rank_dim: 4,
        n_movies,
        ..cfg.model
    };
    let examples = examples();
    let neighbours = neighbours(&examples, n_movies);
    let model = cfg
        .model
        .init(&device)
        .learn_neighbour_weights(super::learned_term::start_weights(&neighbours, &device));
    let tokens: Vec<i64> = (0..n_movies as i64 * 3).map(|k| (k * 7) % 20).collect();
    let tokens: Tensor<2, Int> = Tensor::from_data(TensorData::new(tokens, [n_movies, 3]), &device);
    let mut batch: Vec<&Example> = examples.iter().collect();
    batch.sort_by_key(|e| e.context.len());
    let teacher = list_teacher(&examples, n_movies);
    // One SGD step at rate 1 moves every weight by its gradient.
    let gradient = |shards: usize| {
        let dealt = deal(&batch, shards);
        assert_eq!(dealt.iter().map(Vec::len).sum::<usize>(), batch.len());
        let steps = shard_batches(&dealt, n_movies, 3.5, true, 1.0, &device);
        let guides = ListGuides {
            list_teacher: Some(&teacher),
            neighbours: Some(&neighbours),
        };
        let (grads, mse) = step_gradients(&model, &steps, &cfg, guides, &tokens, &device);
        let stepped = SgdConfig::new().init().step(1.0, model.clone(), grads);
        let moved: Vec<f32> = (weights(&model).iter().zip(weights(&stepped)))
            .map(|(before, after)| before - after)
            .collect();
        (moved, mse)
    };
    let (whole, whole_mse) = gradient(1);
    assert!(whole.iter().filter(|g| g.abs() > 1e-6).count() > whole.len() / 2);
    for shards in [2, 4] {
        let (sharded, mse) = gradient(shards);
        assert!(
            (mse - whole_mse).abs() < 1e-5,
            "{shards} shards: {mse} vs {whole_mse}"
        );
        for (a, b) in whole.iter().zip(&sharded) {
            assert!(
                (a - b).abs() <= 1e-5 + 1e-4 * a.abs(),
                "{shards} shards: {a} vs {b}"
            );
        }
    }
}
