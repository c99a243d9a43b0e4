//! Chooses the teacher's matrix-factorisation settings on validation: fits the factorisation on
//! the training part of random:SEED less the 5% carve-out `train` validates on, and prints the
//! carve-out's RMSE (and the test part's, for the record) and the fit's time for each setting.
//!
//! `cargo run --release --example teacher_grid -- SEED SETTING ...`, each SETTING either
//! `FACTORS,EPOCHS,LR,REG[,svd++]` (SGD: biased MF or SVD++) or `bayes,FACTORS,SAMPLES,BURN_IN`
//! (Bayesian MF by Gibbs sampling).

use std::path::PathBuf;

use std::time::Instant;

use movierec::baselines::{BiasedMf, MfConfig, Predictor, evaluate};
use movierec::bayes_mf::{BayesMfConfig, BayesianMf};
use movierec::data::{DataDir, Stars};
use movierec::split::{SplitSpec, load_split, validation_split};
use movierec::train::TeacherModel;

fn setting(text: &str) -> Option<TeacherModel> {
    let fields: Vec<&str> = text.split(',').collect();
    let (numbers, implicit) = match fields[..] {
        ["bayes", f, s, b] => {
            return Some(TeacherModel::Bayes(BayesMfConfig {
                factors: f.parse().ok()?,
                samples: s.parse().ok()?,
                burn_in: b.parse().ok()?,
            }));
        }
        [f, e, l, r] => ([f, e, l, r], false),
        [f, e, l, r, "svd++"] => ([f, e, l, r], true),
        _ => return None,
    };
    let [factors, epochs, lr, reg] = numbers;
    Some(TeacherModel::Mf(MfConfig {
        factors: factors.parse().ok()?,
        epochs: epochs.parse().ok()?,
        lr: lr.parse().ok()?,
        reg: reg.parse().ok()?,
        implicit,
    }))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: teacher_grid SEED (FACTORS,EPOCHS,LR,REG[,svd++] | bayes,FACTORS,SAMPLES,BURN_IN) ...";
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
        let started = Instant::now();
        let model: Box<dyn Predictor> =
            match setting(text).ok_or_else(|| format!("{text:?}: {usage}"))? {
                TeacherModel::Mf(cfg) => Box::new(BiasedMf::fit(&carve.fit, &cfg, 1)),
                TeacherModel::Bayes(cfg) if cfg.burn_in < cfg.samples => {
                    Box::new(BayesianMf::fit(&carve.fit, &cfg, 1))
                }
                TeacherModel::Bayes(_) => {
                    return Err(format!("{text:?}: BURN_IN must be below SAMPLES").into());
                }
            };
        let seconds = started.elapsed().as_secs_f64();
        let validation = evaluate(model.as_ref(), &carve.validation, Stars::of(&carve.fit)).rmse;
        let test = evaluate(model.as_ref(), &split.test, Stars::of(&split.train)).rmse;
        println!(
            "random:{seed} {text}: validation RMSE {validation:.4}, test {test:.4}, {seconds:.1} s"
        );
    }
    Ok(())
}
