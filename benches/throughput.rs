//! Training throughput (target ratings per second) of the presets, on u1.base.
//! A benchmark that prints figures, not a pass/fail test: `cargo bench --bench throughput`.
//! With `MOVIEREC_TORCH_PYTHON` naming a Python that has torch, the default preset's network is
//! also trained in PyTorch (`benches/torch_twin.py`, same shapes and batches) right after, so the
//! two figures come from one run on one machine; `MOVIEREC_BENCH_ROUNDS=N` repeats that pair N
//! times back to back and prints each round's ratio and their median. Each round also trains
//! the default on one shard, to show what the shards (a step's batch split over the cores) give.

use std::path::PathBuf;

use movierec::data::DataDir;
use movierec::experiment::{Fitted, fit};
use movierec::train::{Quiet, TrainConfig};

#[path = "support/stats.rs"]
mod stats;
use stats::median;

/// The CLI's allocator (src/main.rs), so that the figures are what `movierec train` runs at.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One epoch's figures: all of it, and its training steps alone (the twin prints them as JSON).
#[derive(serde::Deserialize)]
struct Speed {
    samples_per_second: f64,
    step_samples_per_second: f64,
}

fn main() {
    let root = std::env::var("MOVIEREC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k"));
    // The machine's noise moves one epoch by ±15%: several back-to-back rounds of burn and its
    // twin give a ratio per round and their median.
    let rounds: usize = match std::env::var("MOVIEREC_BENCH_ROUNDS") {
        Ok(v) => v
            .parse()
            .expect("MOVIEREC_BENCH_ROUNDS: a whole number of rounds"),
        Err(_) => 1,
    };
    let data = DataDir::new(root);
    let movies = data.movies().expect("MovieLens 100K (set MOVIEREC_DATA)");
    let ratings = DataDir::ratings_file(&data.path("u1.base"), &movies).expect("u1.base");
    let device = movierec::device();
    let bench = |name: &str, preset: &str, users: u32, taught: bool, shards: Option<usize>| {
        let mut cfg = TrainConfig::preset(preset).expect("preset");
        cfg.epochs = 1;
        cfg.shards = shards.unwrap_or(cfg.shards);
        if !taught {
            cfg.teacher = None;
            cfg.list_teacher = None;
            // The twin has no item-item term: EASE's fixed weights leave the step unchanged.
            if let Some(neighbours) = cfg.neighbours.as_mut() {
                neighbours.learned = false;
            }
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
            "{name:>40}: {:>8.0} samples/s, {:.0}/s in its steps alone  ({} training ratings, batch {} × {} targets, {:.1}s for the epoch, {} parameters)",
            outcome.samples_per_second,
            outcome.step_samples_per_second,
            carve.fit.len(),
            cfg.batch_size,
            cfg.targets_per_example,
            outcome.log[0].seconds,
            cfg.model.sized_for(&encoder).param_count()
        );
        let speed = Speed {
            samples_per_second: outcome.samples_per_second,
            step_samples_per_second: outcome.step_samples_per_second,
        };
        (speed, encoder.vocab.len(), encoder.n_movies())
    };
    bench("default", "default", u32::MAX, true, None);
    // The default preset without its teachers (and with the item-item term's weights fixed) is
    // the network and batches the PyTorch twin trains: the rating teacher adds ratings to learn,
    // the list teacher a second softmax target and the learned term a scatter onto the rank
    // logits, not a different network.
    // The same on one shard (one thread per step) shows what the shards give.
    let (mut ratios, mut shard_gains) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (burn, vocab, n_movies) = bench(
            "default without its teachers",
            "default",
            u32::MAX,
            false,
            None,
        );
        let name = "default without its teachers, one shard";
        let (one_shard, ..) = bench(name, "default", u32::MAX, false, Some(1));
        shard_gains.push(burn.step_samples_per_second / one_shard.step_samples_per_second);
        if let Some(torch) = torch_twin(&data.path("u1.base"), vocab, n_movies) {
            ratios.push((
                burn.step_samples_per_second / torch.step_samples_per_second,
                burn.samples_per_second / torch.samples_per_second,
            ));
        }
    }
    println!(
        "   the default's shards ÷ one shard, step for step: {}",
        listed(&shard_gains)
    );
    print_ratios(&ratios);
    bench("paper", "paper", 100, true, None);
}

/// burn ÷ PyTorch per round, step for step and per epoch, and the medians.
fn print_ratios(ratios: &[(f64, f64)]) {
    if ratios.is_empty() {
        return;
    }
    let list = |pick: fn(&(f64, f64)) -> f64| listed(&ratios.iter().map(pick).collect::<Vec<_>>());
    println!("   burn ÷ PyTorch, step for step: {}", list(|r| r.0));
    println!("   burn ÷ PyTorch, per epoch:     {}", list(|r| r.1));
}

/// Each round's ratio and their median.
fn listed(ratios: &[f64]) -> String {
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}×")).collect();
    format!(
        "{} (median {:.2}×)",
        shown.join(", "),
        median(ratios.to_vec())
    )
}

/// Runs `benches/torch_twin.py` with the encoder's vocabulary and catalog sizes, if a Python
/// with torch is named; it prints its own line, and a JSON line with the figures read here.
fn torch_twin(base: &std::path::Path, vocab: usize, movies: usize) -> Option<Speed> {
    let Ok(python) = std::env::var("MOVIEREC_TORCH_PYTHON") else {
        println!("   (set MOVIEREC_TORCH_PYTHON to a Python with torch for the PyTorch twin)");
        return None;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/torch_twin.py");
    let output = std::process::Command::new(&python)
        .arg(script)
        .arg(base)
        .args([
            "--vocab",
            &vocab.to_string(),
            "--movies",
            &movies.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        other => {
            println!("   the PyTorch twin did not run ({python}): {other:?}");
            return None;
        }
    };
    let mut speed = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        match serde_json::from_str::<Speed>(line) {
            Ok(figures) => speed = Some(figures),
            Err(_) => println!("{line}"),
        }
    }
    speed
}
