//! The encoder, training examples (no leakage), model shapes and metrics.

mod common;

use std::collections::BTreeMap;

use burn::tensor::{Int, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use movierec::bayes_mf::{BayesMfConfig, BayesianMf};
use movierec::data::{DataDir, Rating};
use movierec::encode::{Encoder, EncoderConfig, PAD, RARE_MOVIE, rating_feature};
use movierec::metrics::{mean_std, metrics};
use movierec::predict::{histories, token_tensor};
use movierec::train::{Teacher, TeacherConfig, TeacherModel, make_examples};

fn real_encoder(cfg: EncoderConfig) -> (movierec::data::Movies, Vec<Rating>, Encoder) {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let train = DataDir::ratings_file(&data.path("u1.base"), &movies).unwrap();
    let encoder = Encoder::build(cfg, &movies, &train, None);
    (movies, train, encoder)
}

#[test]
fn movie_tokens_start_with_id_then_genres_then_words() {
    let (movies, _, encoder) = real_encoder(EncoderConfig::default());
    let toy = movies.index_of(1).unwrap();
    let tokens: Vec<&str> = encoder.movie_tokens[toy]
        .iter()
        .filter(|&&t| t != PAD)
        .map(|&t| encoder.vocab[t as usize].as_str())
        .collect();
    assert_eq!(tokens[0], "movie:1");
    assert!(
        tokens.contains(&"genre:Animation") && tokens.contains(&"genre:Comedy"),
        "{tokens:?}"
    );
    assert!(tokens.contains(&"word:story"), "{tokens:?}");
    assert!(
        encoder
            .movie_tokens
            .iter()
            .all(|t| t.len() == encoder.config.movie_tokens)
    );
}

#[test]
fn movies_without_training_ratings_share_the_rare_token() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let few: Vec<Rating> = DataDir::ratings_file(&data.path("u1.base"), &movies)
        .unwrap()
        .into_iter()
        .take(100)
        .collect();
    let encoder = Encoder::build(EncoderConfig::default(), &movies, &few, None);
    let rated: std::collections::HashSet<u32> = few.iter().map(|r| r.movie).collect();
    for (i, m) in movies.list.iter().enumerate() {
        let first = encoder.movie_tokens[i][0];
        assert_eq!(
            first == RARE_MOVIE,
            !rated.contains(&m.id),
            "movie {}",
            m.id
        );
    }
}

#[test]
fn descriptions_add_words() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let mut d = std::collections::HashMap::new();
    d.insert(1u32, "a cowboy doll and a spaceman toy".to_string());
    d.insert(2u32, "a spaceman spy".to_string());
    let with = Encoder::build(EncoderConfig::default(), &movies, &[], Some(&d));
    let without = Encoder::build(EncoderConfig::default(), &movies, &[], None);
    assert!(with.vocab.contains(&"word:spaceman".to_string()));
    assert!(!without.vocab.contains(&"word:spaceman".to_string()));
}

#[test]
fn user_sequence_keeps_the_most_recent_ratings_left_aligned() {
    let (_, _, encoder) = real_encoder(EncoderConfig {
        history_len: 4,
        ..EncoderConfig::default()
    });
    let history: Vec<(usize, f32)> = vec![
        (10, 1.0),
        (11, 2.0),
        (12, 3.0),
        (13, 4.0),
        (14, 5.0),
        (15, 4.0),
    ];
    let seq = encoder.encode_user(&history);
    assert_eq!(seq.movies, vec![12, 13, 14, 15]);
    assert_eq!(seq.ratings, vec![0.0, 0.5, 1.0, 0.5]);
    assert_eq!(seq.mask, vec![1.0; 4]);
    let short = encoder.encode_user(&history[..2]);
    assert_eq!(short.movies, vec![10, 11, 0, 0]);
    assert_eq!(short.mask, vec![1.0, 1.0, 0.0, 0.0]);
    assert_eq!(
        short.ratings[..2],
        [rating_feature(1.0), rating_feature(2.0)]
    );
    // An index outside the catalog is dropped, never used.
    let bad = encoder.encode_user(&[(usize::MAX, 3.0), (5, 3.0)]);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad.movies[0], 5);
}

#[test]
fn training_examples_never_contain_their_targets() {
    let (movies, train, encoder) = real_encoder(EncoderConfig {
        history_len: 2000, // long enough to see every context rating
        ..EncoderConfig::default()
    });
    let by_user = histories(&train, &movies);
    for (targets_per_example, short) in [(1, 0.0), (16, 0.5), (16, 0.0)] {
        let mut cfg = common::tiny_config(1);
        cfg.targets_per_example = targets_per_example;
        cfg.short_history_prob = short;
        let examples = make_examples(
            &by_user,
            &encoder,
            &cfg,
            None,
            &mut ChaCha8Rng::seed_from_u64(3),
        );
        let mut seen_targets: BTreeMap<usize, usize> = BTreeMap::new();
        let mut short_ones = 0;
        for e in &examples {
            let context: std::collections::HashSet<i64> = e
                .context
                .movies
                .iter()
                .zip(&e.context.mask)
                .filter(|(_, m)| **m > 0.0)
                .map(|(x, _)| *x)
                .collect();
            assert!(!context.is_empty());
            assert!(e.targets.len() <= targets_per_example);
            for (m, _) in &e.targets {
                assert!(
                    !context.contains(&(*m as i64)),
                    "target {m} leaked into its own history"
                );
                *seen_targets.entry(e.targets.len()).or_default() += 1;
            }
            if e.context.len() <= cfg.short_history_max {
                short_ones += 1;
            }
        }
        // Every rating (bar one kept as context for tiny users) is a target exactly once per epoch.
        let n_targets: usize = examples.iter().map(|e| e.targets.len()).sum();
        assert!(n_targets <= train.len() && n_targets + by_user.len() >= train.len());
        if short > 0.0 {
            assert!(
                short_ones > examples.len() / 4,
                "short histories are trained on"
            );
        }
    }
}

#[test]
fn the_teacher_rates_only_movies_the_user_never_rated() {
    let (movies, train, encoder) = real_encoder(EncoderConfig::default());
    let by_user = histories(&train, &movies);
    let mut cfg = common::tiny_config(1);
    let mut teacher_cfg = TeacherConfig::tuned(16, 0.5);
    teacher_cfg.model = TeacherModel::Bayes(BayesMfConfig {
        factors: 4,
        samples: 4,
        burn_in: 1,
    });
    cfg.teacher = Some(teacher_cfg.clone());
    let teacher = Teacher::fit(&train, &movies, &teacher_cfg, 1);
    let (mut taught, mut examples_seen) = (0, 0);
    // One user at a time, so that each example's user is known.
    for (user, history) in by_user.iter().take(60) {
        let one = BTreeMap::from([(*user, history.clone())]);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for e in make_examples(&one, &encoder, &cfg, Some(&teacher), &mut rng) {
            let rated: std::collections::HashSet<usize> = history.iter().map(|&(m, _)| m).collect();
            let mut distinct = std::collections::HashSet::new();
            for &(movie, rating) in &e.taught {
                assert!(!rated.contains(&movie), "user {user} rated movie {movie}");
                assert!(distinct.insert(movie), "user {user}: movie {movie} twice");
                assert!((1.0..=5.0).contains(&rating), "rating {rating}");
            }
            assert!(e.taught.len() <= 16);
            taught += e.taught.len();
            examples_seen += 1;
        }
    }
    // Bar users who rated nearly every popular movie, each example gets its 16.
    assert!(taught > examples_seen * 15, "{taught} over {examples_seen}");
    // Without a teacher, none.
    let plain = make_examples(
        &by_user,
        &encoder,
        &common::tiny_config(1),
        None,
        &mut ChaCha8Rng::seed_from_u64(7),
    );
    assert!(plain.iter().all(|e| e.taught.is_empty()));
}

#[test]
fn the_teachers_factorisations_beat_the_bias_model_on_u1() {
    use movierec::baselines::{BiasModel, BiasedMf, evaluate};
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let train = DataDir::ratings_file(&data.path("u1.base"), &movies).unwrap();
    let test = DataDir::ratings_file(&data.path("u1.test"), &movies).unwrap();
    let bias = evaluate(&BiasModel::fit(&train), &test, movierec::data::Stars::Whole).rmse;
    let TeacherModel::Mf(mut cfg) = TeacherConfig::svd_pp(1, 1.0).model else {
        unreachable!("SVD++ is an MF teacher")
    };
    (cfg.factors, cfg.epochs, cfg.implicit) = (20, 30, false);
    let plain = evaluate(
        &BiasedMf::fit(&train, &cfg, 1),
        &test,
        movierec::data::Stars::Whole,
    )
    .rmse;
    cfg.implicit = true;
    let implicit = evaluate(
        &BiasedMf::fit(&train, &cfg, 1),
        &test,
        movierec::data::Stars::Whole,
    )
    .rmse;
    assert!(plain < bias - 0.005, "MF {plain} vs bias {bias}");
    assert!(implicit < bias - 0.005, "SVD++ {implicit} vs bias {bias}");
    assert!(
        (plain - implicit).abs() > 1e-4,
        "the implicit term changed nothing"
    );
    let TeacherModel::Bayes(bayes_cfg) = TeacherConfig::tuned(1, 1.0).model else {
        unreachable!("the tuned teacher is Bayesian")
    };
    let bayes = evaluate(
        &BayesianMf::fit(&train, &bayes_cfg, 1),
        &test,
        movierec::data::Stars::Whole,
    )
    .rmse;
    assert!(bayes < bias - 0.02, "Bayesian MF {bayes} vs bias {bias}");
}

#[test]
fn short_histories_can_be_a_newcomers_first_ratings_of_log_uniform_length() {
    let (movies, train, encoder) = real_encoder(EncoderConfig {
        history_len: 2000,
        ..EncoderConfig::default()
    });
    let by_user = histories(&train, &movies);
    let mut cfg = common::tiny_config(1);
    cfg.targets_per_example = 4;
    cfg.newcomer_history_prob = 1.0;
    let mut lengths = vec![0usize; cfg.short_history_max + 1];
    // One user at a time, so that each example's user is known.
    for (user, history) in by_user.iter().take(40) {
        let one = BTreeMap::from([(*user, history.clone())]);
        let examples = make_examples(
            &one,
            &encoder,
            &cfg,
            None,
            &mut ChaCha8Rng::seed_from_u64(5),
        );
        for e in &examples {
            let n = e.context.len();
            assert!((1..=cfg.short_history_max).contains(&n), "length {n}");
            let targets: std::collections::HashSet<usize> =
                e.targets.iter().map(|&(m, _)| m).collect();
            let earliest: Vec<i64> = history
                .iter()
                .filter(|(m, _)| !targets.contains(m))
                .take(n)
                .map(|&(m, _)| m as i64)
                .collect();
            assert_eq!(e.context.movies[..n], earliest, "user {user}");
            lengths[n] += 1;
        }
    }
    // Log-uniform: one or two ratings 36% of the time (uniform over 1..=20: 10%).
    let total: usize = lengths.iter().sum();
    assert!(4 * (lengths[1] + lengths[2]) > total, "lengths {lengths:?}");
}

/// Moves every weight by a small deterministic amount, so that paths initialised at zero (the
/// history factors) take part in what a test checks.
struct Perturb(f32);
impl burn::module::ModuleMapper for Perturb {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<Tensor<D>>,
    ) -> burn::module::Param<Tensor<D>> {
        self.0 = -self.0 * 1.1;
        let step = self.0;
        param.map(|t| t.add_scalar(step))
    }
}

#[test]
fn model_shapes_and_padding_with_and_without_each_optional_path() {
    use burn::module::Module;
    let (_, _, encoder) = real_encoder(EncoderConfig {
        history_len: 4,
        ..EncoderConfig::default()
    });
    let device = movierec::device();
    let switches = [
        (false, false, false),
        (true, false, false),
        (false, true, false),
        (true, true, false),
        (false, false, true),
        (true, true, true),
    ];
    for (bias_path, history_gate, history_factors) in switches {
        // The gate counts real ratings only, so the padding checks below cover it too.
        let cfg = movierec::model::ModelConfig {
            bias_path,
            history_gate,
            history_factors,
            ..common::tiny_config(1).model.sized_for(&encoder)
        };
        let model = cfg.init(&device).map(&mut Perturb(0.01));
        let table = model.movie_table(token_tensor(&encoder, &device));
        assert_eq!(table.vectors.dims(), [1682, cfg.movie_dim]);
        assert_eq!(table.hidden.dims(), [1682, cfg.hidden]);
        assert_eq!(
            table.bias.as_ref().map(|b| b.dims()),
            bias_path.then_some([1682])
        );
        let label = format!("{bias_path}/{history_gate}/{history_factors}");
        // `a` is longer than the 4-rating window, `b` shorter.
        let a: Vec<(usize, f32)> =
            vec![(0, 5.0), (1, 3.0), (7, 4.0), (8, 2.0), (9, 5.0), (10, 1.0)];
        let b = vec![(2usize, 1.0f32)];
        let encode = |hs: &[&[(usize, f32)]]| {
            movierec::predict::encode_histories(&model, &table, &encoder, hs, &device)
        };
        let scores = |users: &movierec::model::UserEncoding, targets: Vec<i64>| -> Vec<f32> {
            let rows = targets.len() / 3;
            let targets: Tensor<2, Int> =
                Tensor::from_data(TensorData::new(targets, [rows, 3]), &device);
            let out = model.score(&table, users, targets);
            assert_eq!(out.dims(), [rows, 3]);
            out.try_into_vec_as().unwrap()
        };
        let users = encode(&[&a, &b]);
        assert_eq!(
            users.pooled.dims(),
            [2, 2 * cfg.user_filters.last().unwrap()]
        );
        let v = scores(&users, vec![0, 1, 2, 3, 4, 5]);
        assert!(v.iter().all(|x| x.is_finite()));

        // Scoring the whole table (the list's path) gives each movie the score gathering it
        // gives.
        let whole: Vec<f32> = model.score_table(&table, &users).try_into_vec_as().unwrap();
        assert_eq!(whole.len(), 2 * 1682);
        for (k, &m) in [0usize, 1, 2].iter().enumerate() {
            let (x, y) = (whole[m], v[k]);
            assert!((x - y).abs() < 1e-4, "{label}: movie {m}: {x} vs {y}");
            let (x, y) = (whole[1682 + 3 + m], v[3 + k]);
            assert!((x - y).abs() < 1e-4, "{label}: movie {}: {x} vs {y}", 3 + m);
        }

        // `b` padded to `a`'s length in the batch scores exactly as `b` alone: padding is
        // masked out of the pooling, and the bags hold only real ratings.
        let alone = encode(&[&b]);
        for (x, y) in scores(&alone, vec![3, 4, 5]).iter().zip(&v[3..]) {
            assert!((x - y).abs() < 1e-5, "{label}: {x} vs {y}");
        }

        // Training encodes short and long histories as separate groups and joins them: the
        // joined batch scores as the batch encoded at once.
        let joined = movierec::model::UserEncoding::cat(vec![encode(&[&a]), alone]);
        for (x, y) in scores(&joined, vec![0, 1, 2, 3, 4, 5]).iter().zip(&v) {
            assert!((x - y).abs() < 1e-5, "{label}: {x} vs {y}");
        }

        // A rating older than the window moves the predictions exactly when the history
        // factors read the whole history.
        let mut older = a.clone();
        older[0].1 = 1.0;
        let moved = scores(&encode(&[&older, &b]), vec![0, 1, 2, 3, 4, 5]);
        let changed = moved.iter().zip(&v).any(|(x, y)| (x - y).abs() > 1e-6);
        assert_eq!(changed, history_factors, "{label}");
        // The factors read only what the window leaves out: nothing for `b`, held whole.
        if let Some(factors) = users.factors() {
            let f: Vec<f32> = factors.clone().try_into_vec_as().unwrap();
            let (long, short) = f.split_at(cfg.movie_dim);
            assert!(short.iter().all(|x| x.abs() < 1e-6), "{short:?}");
            assert!(long.iter().any(|x| x.abs() > 1e-6), "{long:?}");
        }
        assert_eq!(users.factors().is_some(), history_factors, "{label}");
    }
}

#[test]
fn movies_are_encoded_independently_of_the_rest_of_the_catalog() {
    // Training runs the movie tower on a batch's movies only; that is exact because a movie's
    // vector does not depend on which other movies are encoded with it.
    let (_, _, encoder) = real_encoder(EncoderConfig::default());
    let device = movierec::device();
    let cfg = movierec::model::ModelConfig {
        bias_path: true,
        ..common::tiny_config(1).model.sized_for(&encoder)
    };
    let model = cfg.init(&device);
    let rows: Tensor<1, Int> =
        Tensor::from_data(TensorData::new(vec![1500i64, 7, 42], [3]), &device);
    let full = model.movie_table(token_tensor(&encoder, &device));
    let part = model.movie_table(token_tensor(&encoder, &device).select(0, rows.clone()));
    let pairs = [
        (full.vectors.select(0, rows.clone()), part.vectors),
        (full.hidden.select(0, rows.clone()), part.hidden),
        (
            full.bias.unwrap().select(0, rows).reshape([3, 1]),
            part.bias.unwrap().reshape([3, 1]),
        ),
    ];
    for (whole, subset) in pairs {
        let whole: Vec<f32> = whole.try_into_vec_as().unwrap();
        let subset: Vec<f32> = subset.try_into_vec_as().unwrap();
        assert_eq!(whole.len(), subset.len());
        for (x, y) in whole.iter().zip(&subset) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
    }
}

#[test]
fn metrics_match_hand_computed_values() {
    let m = metrics(&[3.0, 4.0, 1.0, 5.0], &[4.0, 4.0, 3.0, 4.0]);
    // errors -1, 0, -2, 1 → MAE 4/4 = 1, RMSE sqrt(6/4)
    assert!((m.mae - 1.0).abs() < 1e-12);
    assert!((m.rmse - 1.5f64.sqrt()).abs() < 1e-12);
    let s = mean_std(&[1.0, 2.0, 3.0]);
    assert!((s.mean - 2.0).abs() < 1e-12 && (s.std - 1.0).abs() < 1e-12);
    assert!(metrics(&[], &[]).rmse.is_nan());
}

/// Every float parameter of a model, flattened in visiting order.
fn parameters(model: &movierec::model::MovieCnn) -> Vec<f32> {
    use burn::module::{Module, ModuleVisitor, Param};
    struct Flatten(Vec<f32>);
    impl ModuleVisitor for Flatten {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(param.val().try_into_vec_as::<f32>().unwrap());
        }
    }
    let mut all = Flatten(Vec::new());
    model.visit(&mut all);
    all.0
}

#[test]
fn weight_average_blends_the_same_parameters_over_steps() {
    use burn::module::{Module, ModuleMapper, Param};
    // The same parameters (same ids, as over optimiser steps), every weight moved by +1.
    struct AddOne;
    impl ModuleMapper for AddOne {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|t| t + 1.0)
        }
    }
    let device = movierec::device();
    let cfg = movierec::model::ModelConfig {
        vocab_size: 50,
        bias_path: true,
        history_gate: true,
        ..common::tiny_config(1).model
    };
    let first = cfg.init(&device);
    let second = first.clone().map(&mut AddOne);
    let (p1, p2) = (parameters(&first), parameters(&second));

    let mut average = movierec::average::WeightAverage::new(0.5);
    assert!(average.get().is_none());
    average.update(first.clone());
    average.update(second.clone());
    // Second step: the past weighs min(0.5, (1 + 2) / (10 + 2)) = 0.25.
    let blended = parameters(average.get().unwrap());
    assert_eq!(blended.len(), p1.len());
    for ((b, x), y) in blended.iter().zip(&p1).zip(&p2) {
        assert!((b - (0.25 * x + 0.75 * y)).abs() < 1e-5, "{b} vs {x}, {y}");
    }

    // Decay 0 keeps the latest weights.
    let mut latest = movierec::average::WeightAverage::new(0.0);
    latest.update(first);
    latest.update(second);
    assert_eq!(parameters(latest.get().unwrap()), p2);
}

#[test]
fn rank_head_scores_the_catalog_from_the_whole_history_and_ignores_padding() {
    let (_, _, encoder) = real_encoder(EncoderConfig {
        history_len: 4,
        ..EncoderConfig::default()
    });
    let device = movierec::device();
    let cfg = common::tiny_config(1).model.sized_for(&encoder);
    assert!(cfg.rank_dim > 0 && cfg.n_movies == 1682);
    let model = cfg.init(&device);
    let table = model.movie_table(token_tensor(&encoder, &device));

    // The bag: 1/√n at every rated movie, the centred rating times 1/√n beside it — over the
    // whole history, beyond the CNN's 4-rating window.
    let long: Vec<(usize, f32)> = (0..9)
        .map(|m| (m, if m % 2 == 0 { 5.0 } else { 1.0 }))
        .collect();
    let short = vec![(20usize, 4.0f32)];
    let bag = movierec::predict::history_bag(&[&long, &short], 1682, &device);
    let rated: Vec<f32> = bag.rated.clone().try_into_vec_as().unwrap();
    let rating: Vec<f32> = bag.rating.clone().try_into_vec_as().unwrap();
    assert!((rated[8] - 1.0 / 3.0).abs() < 1e-6 && rated[9] == 0.0);
    assert!((rating[8] - 1.0 / 3.0).abs() < 1e-6 && (rating[7] + 1.0 / 3.0).abs() < 1e-6);
    assert!((rated[1682 + 20] - 1.0).abs() < 1e-6 && (rating[1682 + 20] - 0.5).abs() < 1e-6);

    let logits = |histories: &[&[(usize, f32)]]| -> Vec<f32> {
        let users =
            movierec::predict::encode_histories(&model, &table, &encoder, histories, &device);
        let out = model.rank_logits(&users).expect("a rank head");
        assert_eq!(out.dims(), [histories.len(), 1682]);
        out.try_into_vec_as().unwrap()
    };
    let both = logits(&[&long, &short]);
    let alone = logits(&[&short]);
    for (x, y) in alone.iter().zip(&both[1682..]) {
        assert!((x - y).abs() < 1e-4, "padding changed a logit: {x} vs {y}");
    }
    // Ratings older than the CNN's window still move the logits, through the bags.
    let mut older = long.clone();
    older[0].1 = 1.0;
    let changed = logits(&[&older, &short]);
    assert!(
        changed[..1682]
            .iter()
            .zip(&both)
            .any(|(a, b)| (a - b).abs() > 1e-6)
    );
}

#[test]
fn with_history_factors_the_user_bias_sums_the_whole_history() {
    let (_, _, encoder) = real_encoder(EncoderConfig {
        history_len: 4,
        ..EncoderConfig::default()
    });
    let device = movierec::device();
    let bias_of = |history_factors: bool, history: &[(usize, f32)]| -> (f32, Vec<f32>) {
        let cfg = movierec::model::ModelConfig {
            bias_path: true,
            history_factors,
            ..common::tiny_config(1).model.sized_for(&encoder)
        };
        let model = cfg.init(&device);
        let table = model.movie_table(token_tensor(&encoder, &device));
        let users =
            movierec::predict::encode_histories(&model, &table, &encoder, &[history], &device);
        let bias: Vec<f32> = users.bias().unwrap().clone().try_into_vec_as().unwrap();
        let movie_bias: Vec<f32> = table.bias.unwrap().try_into_vec_as().unwrap();
        (bias[0], movie_bias)
    };
    // Six ratings, two more than the window.
    let history: Vec<(usize, f32)> =
        vec![(0, 5.0), (1, 3.0), (7, 4.0), (8, 2.0), (9, 5.0), (10, 1.0)];
    // At initialisation: scale 2, shift 0, shrinkage softplus(15) ≈ 15 pseudo-ratings, so
    // b_user = Σ_j (2·(r_j − 3)/2 − b_j) / (n + 15) over all n = 6 ratings.
    let expected_over = |ratings: &[(usize, f32)], movie_bias: &[f32]| -> f32 {
        let sum: f32 = ratings
            .iter()
            .map(|&(m, r)| 2.0 * rating_feature(r) - movie_bias[m])
            .sum();
        sum / (ratings.len() as f32 + 15.0)
    };
    let (whole, movie_bias) = bias_of(true, &history);
    let hand = expected_over(&history, &movie_bias);
    assert!((whole - hand).abs() < 1e-5, "{whole} vs {hand}");
    // Without the factors the bias reads the window (the latest 4) only.
    let (window, movie_bias) = bias_of(false, &history);
    let hand = expected_over(&history[2..], &movie_bias);
    assert!((window - hand).abs() < 1e-5, "{window} vs {hand}");
}
