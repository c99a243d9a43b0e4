//! `movierec cv` and `movierec eval-new-users`: the experiments that train several models.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use movierec::data::DataDir;
use movierec::experiment;

use super::preset::PresetArgs;
use super::progress::Bar;
use super::report;

#[derive(Args)]
pub struct ExperimentArgs {
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    preset: PresetArgs,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct NewUsersArgs {
    #[command(flatten)]
    experiment: ExperimentArgs,
    /// Run the protocol inside the training users only (the reported held-out users are left
    /// out entirely): figures to compare settings by without tuning on the reported ones.
    #[arg(long)]
    validation: bool,
}

pub fn cv(args: ExperimentArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cfg = args.preset.config()?;
    let tables = experiment::cross_validate(
        &DataDir::new(&args.data),
        &cfg,
        &args.preset.descriptions,
        &mut Bar::default(),
        report::print_fold,
    )?;
    report::print_cv(&tables);
    println!("total {:.0}s", started.elapsed().as_secs_f64());
    if args.json {
        println!(
            "{}",
            json!({"preset": cfg.preset, "rows": tables.rating, "top_n": tables.top_n,
                   "seconds": started.elapsed().as_secs_f64()})
        );
    }
    Ok(())
}

pub fn new_users(args: NewUsersArgs) -> anyhow::Result<()> {
    let NewUsersArgs {
        experiment: args,
        validation,
    } = args;
    let cfg = args.preset.config()?;
    let rows = experiment::eval_new_users(
        &DataDir::new(&args.data),
        &cfg,
        &args.preset.descriptions,
        validation,
        &mut Bar::default(),
    )?;
    println!(
        "{:>3}  {:>9} {:>9}  {:>9} {:>9}  {:>7}",
        "k", "CNN RMSE", "CNN MAE", "bias RMSE", "bias MAE", "n"
    );
    for r in &rows {
        println!(
            "{:>3}  {:>9.4} {:>9.4}  {:>9.4} {:>9.4}  {:>7}",
            r.k, r.cnn.rmse, r.cnn.mae, r.bias.rmse, r.bias.mae, r.n_predictions
        );
    }
    for r in &rows {
        println!("\nk = {} revealed ratings", r.k);
        report::print_top_n(&r.top_n);
    }
    report::print_discovery(&rows);
    if args.json {
        println!(
            "{}",
            json!({"preset": cfg.preset, "validation": validation, "rows": rows})
        );
    }
    Ok(())
}
