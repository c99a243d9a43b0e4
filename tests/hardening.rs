//! Crafted and out-of-bounds inputs at every door get a clear error naming the field — never a
//! panic, an allocation abort or a hang: configs (CLI files and library callers alike) and model
//! files whose header was edited and re-checksummed.

mod common;

use burn::module::Module;
use movierec::baselines::MfConfig;
use movierec::model::ModelConfig;
use movierec::modelfile::{self, ModelFileError};
use movierec::neighbours::NeighboursConfig;
use movierec::recommend::Recommender;
use movierec::train::{
    ListTeacherConfig, OptimizerConfig, TeacherConfig, TeacherModel, TrainConfig,
};
use serde_json::{Value, json};

use common::{demo_model_bytes as demo_bytes, recrafted};

/// A list teacher within its bounds.
fn list_teacher() -> ListTeacherConfig {
    ListTeacherConfig {
        lambda: 200.0,
        temperature: 0.02,
        weight: 1.0,
        min_history: 20,
    }
}

fn load_error(bytes: &[u8]) -> String {
    match Recommender::from_bytes(bytes, movierec::device()) {
        Ok(_) => panic!("a crafted file loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_recrafted_header_out_of_bounds_is_refused_before_anything_is_built() {
    let bytes = demo_bytes();
    // Unchanged, the recrafted file loads: the edits below are what fails.
    assert!(Recommender::from_bytes(&recrafted(&bytes, |_| {}), movierec::device()).is_ok());
    let cases: Vec<(&str, Value)> = vec![
        ("model.dropout", json!(1.5)),
        ("model.dropout", json!(-0.5)),
        ("model.kernel_size", json!(0)),
        ("model.kernel_size", json!(1000)),
        ("model.hidden", json!(0)),
        ("model.user_filters", json!([])),
        ("model.user_filters[0]", json!([0])),
        ("model.token_dim", json!(1_000_000_000u64)),
        ("model.movie_dim", json!(0)),
        ("model.vocab_size", json!(0)),
    ];
    for (field, value) in cases {
        let key = field
            .trim_start_matches("model.")
            .split('[')
            .next()
            .unwrap();
        let crafted = recrafted(&bytes, |h| h["model"][key] = value.clone());
        let e = load_error(&crafted);
        assert!(e.contains(field), "{field} = {value}: {e}");
    }
    for (key, value) in [("history_len", json!(0)), ("movie_tokens", json!(0))] {
        let crafted = recrafted(&bytes, |h| h["encoder"]["config"][key] = value);
        let e = load_error(&crafted);
        assert!(e.contains(&format!("encoder.{key}")), "{e}");
    }
}

#[test]
fn a_header_asking_for_more_parameters_than_the_file_holds_is_refused() {
    let bytes = demo_bytes();
    // Within each field's bounds and the memory budget, but 1024 × 1024 × 7 per convolution is
    // far more than stored.
    let crafted = recrafted(&bytes, |h| {
        h["model"]["user_filters"] = json!([1024, 1024]);
        h["model"]["kernel_size"] = json!(7);
    });
    let e = load_error(&crafted);
    assert!(
        e.contains("parameters") && e.contains("bytes of weights"),
        "{e}"
    );
}

#[test]
fn duplicate_catalog_ids_and_a_nonsense_mean_are_refused() {
    let bytes = demo_bytes();
    let crafted = recrafted(&bytes, |h| {
        let first = h["catalog"][0]["id"].clone();
        h["catalog"][1]["id"] = first;
    });
    assert!(load_error(&crafted).contains("twice"));
    let crafted = recrafted(&bytes, |h| h["rating_offset"] = json!(1e30));
    assert!(load_error(&crafted).contains("rating_offset"));
}

#[test]
fn a_newcomer_list_out_of_bounds_is_refused() {
    let bytes = demo_bytes();
    let list = json!({"fade_ratings": 20, "rating_weight": 2.0, "popularity_weight": 1.0});
    let with = |field: &str, value: Value| {
        let mut list = list.clone();
        list[field] = value;
        recrafted(&bytes, |h| h["newcomer_list"] = list)
    };
    let fine = with("fade_ratings", json!(20));
    assert!(Recommender::from_bytes(&fine, movierec::device()).is_ok());
    for (field, value) in [
        ("fade_ratings", json!(0)),
        ("rating_weight", json!(1e9)),
        ("popularity_weight", json!(-1e9)),
        ("neighbour_weight", json!(1e9)),
    ] {
        let e = load_error(&with(field, value.clone()));
        assert!(
            e.contains(&format!("newcomer_list.{field} = ")),
            "{field} = {value}: {e}"
        );
    }
}

#[test]
fn an_item_item_term_outside_the_catalog_is_refused() {
    let bytes = demo_bytes();
    let n = recrafted(&bytes, |_| {});
    let n_movies = {
        let (header, _) = modelfile::read_header(&n).unwrap();
        header.catalog.len()
    };
    // Every movie's row lifts the next movie; the edit puts one entry (or row) out of place.
    let with = |edit: &dyn Fn(&mut Vec<Value>), weight: Value| {
        let mut rows: Vec<Value> = (0..n_movies)
            .map(|i| json!([[(i + 1) % n_movies, 0.01]]))
            .collect();
        edit(&mut rows);
        recrafted(
            &bytes,
            |h| {
                h["neighbours"] =
                    json!({"weight": weight, "starts_at": 20, "full_from": 40, "rows": rows})
            },
        )
    };
    let fine = with(&|_| {}, json!(4.0));
    assert!(Recommender::from_bytes(&fine, movierec::device()).is_ok());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            with(&|r| r[3] = json!([[n_movies, 0.01]]), json!(4.0)),
            "movie #3",
        ),
        (with(&|r| r[5] = json!([[1, 1e30]]), json!(4.0)), "movie #5"),
        (
            with(
                &|r| {
                    r.pop();
                },
                json!(4.0),
            ),
            "rows",
        ),
        (with(&|_| {}, json!(1e30)), "neighbours.weight"),
        (
            recrafted(&fine, |h| h["neighbours"]["full_from"] = json!(10)),
            "neighbours.full_from",
        ),
        (
            with(
                &|r| r[0] = Value::Array(vec![json!([1, 0.01]); 300]),
                json!(4.0),
            ),
            "at most",
        ),
    ];
    for (crafted, expected) in cases {
        let e = load_error(&crafted);
        assert!(e.contains(expected), "{expected}: {e}");
    }
}

#[test]
fn param_count_is_what_init_builds() {
    let mut configs = vec![
        ModelConfig::paper(500),
        TrainConfig::default_preset().model,
        common::tiny_config(1).model,
    ];
    configs[1].vocab_size = 300;
    configs[1].history_factors = true;
    configs[1].n_movies = 40;
    configs[2].vocab_size = 50;
    configs[2].n_movies = 10;
    configs.push(ModelConfig {
        bias_path: false,
        history_gate: false,
        rank_dim: 0,
        ..configs[2].clone()
    });
    for c in configs {
        let built = c.init(&movierec::device()).num_params() as u64;
        assert_eq!(c.param_count(), built, "{c:?}");
    }
}

#[test]
fn model_files_on_disk_are_checked_before_they_are_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    // 1 GiB of zeros, sparse: refused by its magic bytes after reading 12 of them.
    let zeros = dir.path().join("zeros.movierec");
    std::fs::File::create(&zeros)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    assert!(matches!(
        modelfile::read_file(&zeros),
        Err(ModelFileError::BadMagic)
    ));
    assert!(matches!(
        modelfile::read_file("/dev/zero".as_ref()),
        Err(ModelFileError::BadMagic)
    ));
    let bytes = demo_bytes();
    let good = dir.path().join("good.movierec");
    std::fs::write(&good, &bytes).unwrap();
    assert_eq!(modelfile::read_file(&good).unwrap(), bytes);
}

/// The SVD++ teacher with its factorisation edited.
fn svd_pp_with(edit: impl FnOnce(&mut MfConfig)) -> TeacherConfig {
    let mut teacher = TeacherConfig::svd_pp(32, 1.0);
    let TeacherModel::Mf(mf) = &mut teacher.model else {
        unreachable!("SVD++ is an MF teacher")
    };
    edit(mf);
    teacher
}

/// The default preset's Bayesian teacher.
fn bayes_of(cfg: &mut TrainConfig) -> &mut movierec::bayes_mf::BayesMfConfig {
    match &mut cfg.teacher.as_mut().expect("a teacher").model {
        TeacherModel::Bayes(bayes) => bayes,
        TeacherModel::Mf(_) => unreachable!("the default teacher is Bayesian"),
    }
}

/// A valid config with one field changed.
fn with(edit: impl FnOnce(&mut TrainConfig)) -> TrainConfig {
    let mut cfg = TrainConfig::default_preset();
    edit(&mut cfg);
    cfg
}

#[test]
fn every_config_field_out_of_bounds_names_itself() {
    let cases: Vec<(&str, TrainConfig)> = vec![
        ("model.dropout", with(|c| c.model.dropout = 1.0)),
        ("model.kernel_size", with(|c| c.model.kernel_size = 0)),
        ("model.kernel_size", with(|c| c.model.kernel_size = 4)),
        ("model.movie_dim", with(|c| c.model.movie_dim = 0)),
        (
            "model.token_dim",
            with(|c| c.model.token_dim = 1_000_000_000),
        ),
        ("model.hidden", with(|c| c.model.hidden = 1 << 40)),
        (
            "model.user_filters",
            with(|c| c.model.user_filters = vec![]),
        ),
        (
            "model.user_filters[1]",
            with(|c| c.model.user_filters = vec![8, 0]),
        ),
        ("encoder.history_len", with(|c| c.encoder.history_len = 0)),
        (
            "encoder.history_len",
            with(|c| c.encoder.history_len = 1 << 40),
        ),
        ("encoder.movie_tokens", with(|c| c.encoder.movie_tokens = 0)),
        ("validation_fraction", with(|c| c.validation_fraction = 0.0)),
        ("validation_fraction", with(|c| c.validation_fraction = 1.0)),
        ("epochs", with(|c| c.epochs = 0)),
        ("batch_size", with(|c| c.batch_size = 0)),
        ("shards", with(|c| c.shards = 0)),
        ("shards", with(|c| c.shards = 65)),
        ("lr_decay", with(|c| c.lr_decay = -0.5)),
        ("weight_average", with(|c| c.weight_average = 1.0)),
        ("short_history_prob", with(|c| c.short_history_prob = 1.5)),
        (
            "rank_weight",
            with(|c| {
                c.model.rank_dim = 0;
                c.model.history_factors = false;
            }),
        ),
        (
            "model.history_factors",
            with(|c| {
                c.model.rank_dim = 0;
                c.rank_weight = 0.0;
                c.model.history_factors = true;
            }),
        ),
        (
            "teacher.model.mf.factors",
            with(|c| c.teacher = Some(svd_pp_with(|mf| mf.factors = 0))),
        ),
        (
            "teacher.model.mf.lr",
            with(|c| c.teacher = Some(svd_pp_with(|mf| mf.lr = f32::NAN))),
        ),
        (
            "teacher.model.bayes.burn_in",
            with(|c| bayes_of(c).burn_in = 300),
        ),
        (
            "teacher.model.bayes.factors",
            with(|c| bayes_of(c).factors = 1 << 20),
        ),
        (
            "teacher.targets",
            with(|c| c.teacher.as_mut().unwrap().targets = 1 << 40),
        ),
        (
            "teacher.weight",
            with(|c| c.teacher.as_mut().unwrap().weight = -1.0),
        ),
        (
            "list_teacher.temperature",
            with(|c| {
                c.list_teacher = Some(ListTeacherConfig {
                    temperature: 0.0,
                    ..list_teacher()
                })
            }),
        ),
        (
            "list_teacher.min_history",
            with(|c| {
                c.list_teacher = Some(ListTeacherConfig {
                    min_history: 1 << 40,
                    ..list_teacher()
                })
            }),
        ),
        (
            "list_teacher",
            with(|c| {
                c.list_teacher = Some(list_teacher());
                c.rank_weight = 0.0;
            }),
        ),
        (
            "newcomer_list.fade_ratings",
            with(|c| c.newcomer_list.as_mut().unwrap().fade_ratings = 0),
        ),
        (
            "newcomer_list.neighbour_weight",
            with(|c| c.newcomer_list.as_mut().unwrap().neighbour_weight = Some(f32::NAN)),
        ),
        (
            "neighbours.per_movie",
            with(|c| {
                c.neighbours = Some(NeighboursConfig {
                    per_movie: 0,
                    ..NeighboursConfig::tuned()
                })
            }),
        ),
        (
            "neighbours.lambda",
            with(|c| {
                c.neighbours = Some(NeighboursConfig {
                    lambda: -1.0,
                    ..NeighboursConfig::tuned()
                })
            }),
        ),
        (
            "neighbours.full_from",
            with(|c| {
                c.neighbours = Some(NeighboursConfig {
                    starts_at: 20,
                    full_from: 20, // not above starts_at
                    ..NeighboursConfig::tuned()
                })
            }),
        ),
        (
            "neighbours",
            with(|c| {
                c.model.rank_dim = 0;
                c.model.history_factors = false;
                c.rank_weight = 0.0;
                c.list_teacher = None;
            }),
        ),
        (
            "optimizer.lr",
            with(|c| {
                c.optimizer = OptimizerConfig::Adam {
                    lr: 1e308,
                    weight_decay: 0.0,
                }
            }),
        ),
        (
            "optimizer.weight_decay",
            with(|c| {
                c.optimizer = OptimizerConfig::Adam {
                    lr: 1e-3,
                    weight_decay: -1.0,
                }
            }),
        ),
        (
            "optimizer.momentum",
            with(|c| {
                c.optimizer = OptimizerConfig::Sgd {
                    lr: 1e-2,
                    momentum: -0.1,
                }
            }),
        ),
    ];
    for (field, cfg) in cases {
        let e = cfg.check().expect_err(field);
        assert_eq!(e.field, field, "{e}");
        assert!(e.to_string().starts_with(&format!("{field} = ")), "{e}");
    }
    TrainConfig::paper().check().unwrap();
    TrainConfig::default_preset().check().unwrap();
}

#[test]
fn the_library_checks_configs_too() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let ratings = movierec::data::DataDir::ratings_file(&data.path("u1.test"), &movies).unwrap();
    let cfg = with(|c| c.epochs = 0);
    let e = common::fit_quietly(&movies, &ratings, &cfg)
        .err()
        .expect("epochs 0 must be refused");
    assert_eq!(e.field, "epochs");
}
