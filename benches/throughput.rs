//! Training throughput (target ratings per second) of the two presets, on u1.base.
//! A benchmark that prints figures, not a pass/fail test: `cargo bench --bench throughput`.

use std::path::PathBuf;

use movierec::data::DataDir;
use movierec::experiment::{Fitted, fit};
use movierec::train::{Quiet, TrainConfig};

fn main() {
    let root = std::env::var("MOVIEREC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k"));
    let data = DataDir::new(root);
    let movies = data.movies().expect("MovieLens 100K (set MOVIEREC_DATA)");
    let ratings = DataDir::ratings_file(&data.path("u1.base"), &movies).expect("u1.base");
    let device = movierec::device();
    for (name, users) in [("default", u32::MAX), ("paper", 100)] {
        let mut cfg = TrainConfig::preset(name).expect("preset");
        cfg.epochs = 1;
        // The paper preset encodes one history per rating: a subset of users keeps it short.
        let subset: Vec<_> = ratings
            .iter()
            .copied()
            .filter(|r| r.user <= users)
            .collect();
        let Fitted { carve, outcome, .. } =
            fit(&movies, &subset, &cfg, None, &device, &mut Quiet).expect("the preset is valid");
        println!(
            "{name:>8} preset: {:>8.0} samples/s  ({} training ratings, batch {} × {} targets, {:.1}s for the epoch)",
            outcome.samples_per_second,
            carve.fit.len(),
            cfg.batch_size,
            cfg.targets_per_example,
            outcome.log[0].seconds
        );
    }
}
