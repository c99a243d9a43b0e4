//! What is refused at the door for its size or its shape, before the work it would cause:
//! configs that name fields nobody reads or would not fit in memory, model headers whose floats
//! would reach the page as null, files too large to be MovieLens, and visitors' id lists too
//! long to explain.

mod common;

use movierec::data::{self, DataError};
use movierec::recommend::Recommender;
use movierec::recommend::{InputError, MAX_EXPLAINED, MAX_TARGETS, VisitorRating};
use movierec::train::TrainConfig;
use serde_json::{Value, json};

use common::{demo_model_bytes, recrafted};

fn config_error(value: &Value) -> String {
    match serde_json::from_value::<TrainConfig>(value.clone()) {
        Ok(_) => panic!("a config with an unknown field was read"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_config_with_an_unknown_field_is_refused_naming_it() {
    let preset = serde_json::to_value(TrainConfig::default_preset()).unwrap();
    // The preset itself reads back.
    assert!(serde_json::from_value::<TrainConfig>(preset.clone()).is_ok());
    let paths: [(&[&str], &str); 6] = [
        (&[], "epochz"),
        (&[], "teachers"),
        (&[], "neighbors"),
        (&["model"], "widht"),
        (&["encoder"], "history"),
        (&["optimizer", "Adam"], "beta"),
    ];
    for (path, key) in paths {
        let mut cfg = preset.clone();
        let mut at = &mut cfg;
        for step in path {
            at = &mut at[*step];
        }
        at[key] = json!(1);
        let error = config_error(&cfg);
        assert!(error.contains(&format!("unknown field `{key}`")), "{error}");
    }
    let mut cfg = preset.clone();
    cfg["teacher"]["model"]["bayes"]["sample"] = json!(3);
    assert!(config_error(&cfg).contains("`sample`"));
    // Exactly one teacher model: an enum, so both or neither is no config at all.
    let mut both = preset.clone();
    both["teacher"]["model"]["mf"] = json!({"factors": 8, "epochs": 1, "lr": 0.01, "reg": 0.1});
    assert!(serde_json::from_value::<TrainConfig>(both).is_err());
    let mut neither = preset.clone();
    neither["teacher"]["model"] = json!({});
    assert!(serde_json::from_value::<TrainConfig>(neither).is_err());
}

#[test]
fn a_config_inside_every_bound_that_would_not_fit_in_memory_is_refused() {
    let mut cfg = TrainConfig::default_preset();
    cfg.check().unwrap();
    cfg.model.token_dim = 1024;
    cfg.model.movie_filters = 4096;
    cfg.model.movie_dim = 4096;
    cfg.model.hidden = 4096;
    cfg.model.user_filters = vec![4096; 8];
    cfg.model.kernel_size = 15;
    let error = cfg.check().unwrap_err().to_string();
    assert!(
        error.starts_with("model = ") && error.contains("GiB"),
        "{error}"
    );
}

#[test]
fn errors_quote_at_most_80_characters_of_a_value() {
    let mut cfg = TrainConfig::default_preset();
    cfg.model.user_filters = vec![64; 5_000_000];
    let error = cfg.check().unwrap_err().to_string();
    assert!(error.contains("model.user_filters") && error.contains("bytes in all"));
    assert!(error.len() < 300, "{} bytes", error.len());
}

#[test]
fn header_floats_that_would_reach_the_page_as_null_are_refused() {
    let bytes = demo_model_bytes();
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit); 4] = [
        ("catalog[0].mean_rating", |h| {
            h["catalog"][0]["mean_rating"] = json!(3.4e38)
        }),
        ("catalog[3].rating_entropy", |h| {
            h["catalog"][3]["rating_entropy"] = json!(-1.0)
        }),
        ("rating_weight", |h| h["rating_weight"] = json!(3e38)),
        ("unknown field `catalogue`", |h| h["catalogue"] = json!([])),
    ];
    for (expected, edit) in cases {
        let error = match Recommender::from_bytes(&recrafted(&bytes, edit), movierec::device()) {
            Ok(_) => panic!("{expected}: loaded"),
            Err(e) => e.to_string(),
        };
        assert!(error.contains(expected), "{expected}: {error}");
    }
}

#[test]
fn a_header_whose_network_would_not_fit_in_memory_is_refused() {
    let bytes = demo_model_bytes();
    let rec = Recommender::from_bytes(&bytes, movierec::device()).unwrap();
    let mut model = rec.header.model.clone();
    model.kernel_size = 15;
    model.token_dim = 1024;
    let error = model
        .check_inference_memory(512, rec.header.catalog.len(), 4096)
        .unwrap_err()
        .to_string();
    assert!(error.contains("GiB"), "{error}");
    // The demo model's own shapes are far inside.
    let h = &rec.header;
    h.model
        .check_inference_memory(
            h.encoder.config.movie_tokens,
            h.catalog.len(),
            h.encoder.config.history_len,
        )
        .unwrap();
}

/// Bytes this process has read through read(2) and friends.
fn bytes_read_so_far() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_data_file_over_the_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("u.data");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(data::MAX_FILE_BYTES + 1)
        .unwrap();
    let before = bytes_read_so_far();
    let error = data::read_file(&big).unwrap_err();
    let read = bytes_read_so_far() - before;
    assert!(
        matches!(&error, DataError::Invalid(m) if m.contains("larger than")),
        "{error}"
    );
    // Other tests read in parallel threads of this process, a few MB at most.
    assert!(read < 64 << 20, "read {read} bytes before refusing");
    // A config file is a few KB: /dev/zero is refused, a long file too.
    assert!(data::read_at_most("/dev/zero".as_ref(), 1 << 20).is_err());
    let long = dir.path().join("cfg.json");
    std::fs::write(&long, vec![b' '; 2 << 20]).unwrap();
    assert!(data::read_at_most(&long, 1 << 20).is_err());
}

#[test]
fn explain_and_predict_bound_their_ids_and_explain_each_movie_once() {
    let rec = Recommender::from_bytes(&demo_model_bytes(), movierec::device()).unwrap();
    let ratings: Vec<VisitorRating> = rec.header.catalog[..60]
        .iter()
        .map(|m| VisitorRating {
            movie_id: m.id,
            rating: 5.0,
        })
        .collect();
    let too_many = vec![50; MAX_TARGETS + 1];
    assert!(matches!(
        rec.explain(&ratings, &too_many),
        Err(InputError::TooManyTargets { .. })
    ));
    assert!(matches!(
        rec.predict_visitor(&ratings, &too_many),
        Err(InputError::TooManyTargets { .. })
    ));
    let distinct: Vec<u32> = rec.header.catalog[..=MAX_EXPLAINED]
        .iter()
        .map(|m| m.id)
        .collect();
    assert!(matches!(
        rec.explain(&ratings, &distinct),
        Err(InputError::TooManyExplained { .. })
    ));
    // A movie asked about many times is explained once: as if each were asked about once (a
    // list's explanations depend on the whole list, whose mean lift they are measured from).
    let once = rec.explain(&ratings, &[181, 50]).unwrap();
    let reasons = rec.explain(&ratings, &[181, 50, 181, 181]).unwrap();
    assert_eq!(
        reasons,
        [&once[0], &once[1], &once[0], &once[0]].map(Clone::clone)
    );
    let many = rec.explain(&ratings, &vec![181; MAX_TARGETS]).unwrap();
    assert_eq!(many.len(), MAX_TARGETS);
}

#[test]
fn start_list_takes_the_counts_recommend_takes() {
    let rec = Recommender::from_bytes(&demo_model_bytes(), movierec::device()).unwrap();
    let n = rec.header.catalog.len();
    assert_eq!(rec.start_list(n).unwrap().len(), n);
    for bad in [0, n + 1, usize::MAX] {
        assert!(matches!(
            rec.start_list(bad),
            Err(InputError::BadCount { field: "n", .. })
        ));
    }
}
