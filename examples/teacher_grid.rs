//! Chooses the teacher's matrix-factorisation settings on validation: fits `BiasedMf` on the
//! training part of random:SEED less the 5% carve-out `train` validates on, and prints the
//! carve-out's RMSE (and the test part's, for the record) for each setting.
//!
//! `cargo run --release --example teacher_grid -- SEED FACTORS,EPOCHS,LR,REG[,svd++] ...`

use std::path::PathBuf;

use movierec::baselines::{BiasedMf, MfConfig, evaluate};
use movierec::data::DataDir;
use movierec::split::{SplitSpec, load_split, validation_split};

fn setting(text: &str) -> Option<MfConfig> {
    let fields: Vec<&str> = text.split(',').collect();
    let (numbers, implicit) = match fields[..] {
        [f, e, l, r] => ([f, e, l, r], false),
        [f, e, l, r, "svd++"] => ([f, e, l, r], true),
        _ => return None,
    };
    let [factors, epochs, lr, reg] = numbers;
    Some(MfConfig {
        factors: factors.parse().ok()?,
        epochs: epochs.parse().ok()?,
        lr: lr.parse().ok()?,
        reg: reg.parse().ok()?,
        implicit,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: teacher_grid SEED FACTORS,EPOCHS,LR,REG[,svd++] ...";
    let seed: u64 = args.first().and_then(|s| s.parse().ok()).ok_or(usage)?;
    let root = std::env::var("MOVIEREC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k"));
    let data = DataDir::new(root);
    let movies = data.movies()?;
    let split = load_split(&data, &SplitSpec::Random(seed), &movies)?;
    // The carve-out `train` validates on with the presets' fraction and seed 1.
    let carve = validation_split(&split.train, 0.05, 1);
    for text in &args[1..] {
        let cfg = setting(text).ok_or_else(|| format!("{text:?}: {usage}"))?;
        let mf = BiasedMf::fit(&carve.fit, &cfg, 1);
        let validation = evaluate(&mf, &carve.validation).rmse;
        let test = evaluate(&mf, &split.test).rmse;
        println!("random:{seed} {text}: validation RMSE {validation:.4}, test {test:.4}");
    }
    Ok(())
}
