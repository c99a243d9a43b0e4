//! Model file round trip and clear errors for truncated, corrupt and wrong-version files;
//! same seed → same model.

mod common;

use movierec::data::DataDir;
use movierec::experiment::Fitted;
use movierec::experiment::catalog;
use movierec::metrics::Metrics;
use movierec::modelfile::{self, FORMAT_VERSION, MAGIC, ModelFileError, ModelHeader, TrainingInfo};
use movierec::recommend::Recommender;

/// Trains the tiny model for one epoch on the ratings of the first 120 users of u1.base.
fn tiny_model_bytes(seed: u64) -> Vec<u8> {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let ratings: Vec<_> = DataDir::ratings_file(&data.path("u1.base"), &movies)
        .unwrap()
        .into_iter()
        .filter(|r| r.user <= 120)
        .collect();
    let mut cfg = common::tiny_config(1);
    cfg.seed = seed;
    let Fitted {
        encoder, outcome, ..
    } = common::fit_quietly(&movies, &ratings, &cfg).unwrap();
    let header = ModelHeader {
        model: cfg.model.sized_for(&encoder),
        rating_weight: Some(1.0),
        newcomer_list: None,
        neighbours: None,
        discovery: None,
        encoder,
        rating_offset: 3.5,
        catalog: catalog(&movies, &ratings),
        training: TrainingInfo {
            data: "test".into(),
            split: "u1".into(),
            preset: "tiny".into(),
            seed,
            descriptions: false,
            epochs_run: 1,
            best_epoch: 1,
            validation: outcome.validation,
            test: Some(Metrics {
                mae: 0.7,
                rmse: 0.9,
            }),
            train_ratings: ratings.len(),
            seconds: 0.0,
            crate_version: "test".into(),
        },
    };
    modelfile::to_bytes(&header, outcome.model).unwrap()
}

#[test]
fn round_trip_same_seed_and_corruption() {
    let bytes = tiny_model_bytes(5);

    // Same seed → the same file, byte for byte; another seed → another model.
    assert_eq!(
        bytes,
        tiny_model_bytes(5),
        "same seed must give the same bytes"
    );
    let all: Vec<usize> = (0..1682).collect();
    let history = [(0usize, 5.0f32), (10, 2.0), (50, 4.0), (7, 1.0)];
    let predict_all = |b: &[u8]| {
        let rec = Recommender::from_bytes(b, movierec::device()).unwrap();
        rec.predict_indices(&[(&history, &all), (&history[..1], &all)])
    };
    assert_ne!(predict_all(&bytes), predict_all(&tiny_model_bytes(6)));

    // Round trip: header and predictions survive save/load exactly.
    let rec = Recommender::from_bytes(&bytes, movierec::device()).unwrap();
    assert_eq!(rec.header.catalog.len(), 1682);
    assert_eq!(rec.header.training.seed, 5);
    let targets = [1usize, 2, 3, 100];
    let a = rec.predict_indices(&[(&history, &targets)]);
    let again = Recommender::from_bytes(
        &modelfile::to_bytes(&rec.header, rec.model().clone()).unwrap(),
        movierec::device(),
    )
    .unwrap();
    assert_eq!(a, again.predict_indices(&[(&history, &targets)]));
    assert!(a[0].iter().all(|p| (1.0..=5.0).contains(p)));

    // Atomic write leaves exactly the model file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.movierec");
    modelfile::write_atomic(&path, &bytes).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let err = |b: &[u8]| {
        Recommender::from_bytes(b, movierec::device())
            .err()
            .expect("must fail")
    };

    // Truncated anywhere.
    for cut in [0, 4, 10, 20, bytes.len() / 2, bytes.len() - 1] {
        let e = err(&bytes[..cut]);
        assert!(
            matches!(
                e,
                ModelFileError::Truncated(_)
                    | ModelFileError::BadMagic
                    | ModelFileError::Checksum { .. }
            ),
            "cut at {cut}: {e}"
        );
    }
    // A flipped byte in the header or in the weights.
    for pos in [30, bytes.len() - 100] {
        let mut c = bytes.clone();
        c[pos] ^= 0x40;
        assert!(
            matches!(err(&c), ModelFileError::Checksum { .. }),
            "flip at {pos}"
        );
    }
    // Wrong magic and wrong version.
    let mut c = bytes.clone();
    c[0] = b'X';
    assert!(matches!(err(&c), ModelFileError::BadMagic));
    let mut c = bytes.clone();
    c[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = err(&c);
    assert!(
        matches!(e, ModelFileError::WrongVersion { found, .. } if found == FORMAT_VERSION + 1),
        "{e}"
    );
    assert!(e.to_string().contains("version"));
}

#[test]
fn files_written_together_are_replaced_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.movierec");
    let log = dir.path().join("m.movierec.log.json");
    std::fs::write(&model, b"old model").unwrap();
    std::fs::write(&log, b"old log").unwrap();
    // The curve's folder cannot be made (its parent is a file): nothing is replaced.
    let blocked = dir.path().join("m.movierec").join("curve.svg");
    let result = modelfile::write_all_atomic(&[
        (&log, b"new log"),
        (&blocked, b"new curve"),
        (&model, b"new model"),
    ]);
    assert!(result.is_err());
    assert_eq!(std::fs::read(&model).unwrap(), b"old model");
    assert_eq!(std::fs::read(&log).unwrap(), b"old log");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "a temp file was left"
    );
    let curve = dir.path().join("m.movierec.curve.svg");
    modelfile::write_all_atomic(&[(&log, b"new log"), (&curve, b"c"), (&model, b"new model")])
        .unwrap();
    assert_eq!(std::fs::read(&model).unwrap(), b"new model");
    assert_eq!(std::fs::read(&log).unwrap(), b"new log");
}
