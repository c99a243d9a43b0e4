//! Training throughput (target ratings per second) of the presets, on u1.base.
//! A benchmark that prints figures, not a pass/fail test: `cargo bench --bench throughput`.
//! With `MOVIEREC_TORCH_PYTHON` naming a Python that has torch, the default preset's network is
//! also trained in PyTorch (`benches/torch_twin.py`, same shapes and batches) right after, so the
//! two figures come from one run on one machine.

use std::path::PathBuf;

use movierec::data::DataDir;
use movierec::experiment::{Fitted, fit};
use movierec::train::{Quiet, TrainConfig};

/// The CLI's allocator (src/main.rs), so that the figures are what `movierec train` runs at.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = std::env::var("MOVIEREC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k"));
    let data = DataDir::new(root);
    let movies = data.movies().expect("MovieLens 100K (set MOVIEREC_DATA)");
    let ratings = DataDir::ratings_file(&data.path("u1.base"), &movies).expect("u1.base");
    let device = movierec::device();
    // The default preset without its teachers is the network and batches the PyTorch twin
    // trains: the rating teacher adds ratings to learn and the list teacher a second softmax
    // target, not a different model.
    for (name, preset, users, taught) in [
        ("default", "default", u32::MAX, true),
        ("default without its teachers", "default", u32::MAX, false),
        ("paper", "paper", 100, true),
    ] {
        let mut cfg = TrainConfig::preset(preset).expect("preset");
        cfg.epochs = 1;
        if !taught {
            cfg.teacher = None;
            cfg.list_teacher = None;
        }
        // The paper preset encodes one history per rating: a subset of users keeps it short.
        let subset: Vec<_> = ratings
            .iter()
            .copied()
            .filter(|r| r.user <= users)
            .collect();
        let Fitted {
            carve,
            outcome,
            encoder,
            ..
        } = fit(&movies, &subset, &cfg, None, &device, &mut Quiet).expect("the preset is valid");
        println!(
            "{name:>27}: {:>8.0} samples/s, {:.0}/s in its steps alone  ({} training ratings, batch {} × {} targets, {:.1}s for the epoch, {} parameters)",
            outcome.samples_per_second,
            outcome.step_samples_per_second,
            carve.fit.len(),
            cfg.batch_size,
            cfg.targets_per_example,
            outcome.log[0].seconds,
            cfg.model.sized_for(&encoder).param_count()
        );
        if !taught {
            torch_twin(
                &data.path("u1.base"),
                encoder.vocab.len(),
                encoder.n_movies(),
            );
        }
    }
}

/// Runs `benches/torch_twin.py` with the encoder's vocabulary and catalog sizes, if a Python
/// with torch is named; it prints its own line.
fn torch_twin(base: &std::path::Path, vocab: usize, movies: usize) {
    let Ok(python) = std::env::var("MOVIEREC_TORCH_PYTHON") else {
        println!("   (set MOVIEREC_TORCH_PYTHON to a Python with torch for the PyTorch twin)");
        return;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/torch_twin.py");
    let status = std::process::Command::new(&python)
        .arg(script)
        .arg(base)
        .args([
            "--vocab",
            &vocab.to_string(),
            "--movies",
            &movies.to_string(),
        ])
        .status();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        println!("   the PyTorch twin did not run ({python}): {status:?}");
    }
}
