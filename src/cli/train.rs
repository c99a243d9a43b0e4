//! `movierec train`: train on a split, report test figures, write the model file and its log.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use movierec::data::{DataDir, Layout};
use movierec::experiment::{self, RunResult, RunSpec};
use movierec::modelfile;
use movierec::split::SplitSpec;

use super::output::Outputs;
use super::preset::PresetArgs;
use super::progress::Bar;

#[derive(Args)]
pub struct TrainArgs {
    /// A MovieLens folder, any release (`fetch-data --list`).
    #[arg(long)]
    data: PathBuf,
    /// u1…u5, ua, ub (100K's own), random:SEED, fold:1…5:SEED or temporal (each user's latest
    /// 20% by time held out). Default: u1 on 100K, random:1 elsewhere.
    #[arg(long, conflicts_with_all = ["train", "test"])]
    split: Option<String>,
    /// Training ratings (with --test): u.data's columns, or a release's .csv or .dat format.
    #[arg(long, requires = "test")]
    train: Option<PathBuf>,
    /// Test ratings (with --train), in the same formats.
    #[arg(long, requires = "train")]
    test: Option<PathBuf>,
    #[command(flatten)]
    preset: PresetArgs,
    /// Where to write the model file (plus .log.json, .curve.svg and .config.json beside it).
    #[arg(long, default_value = "model.movierec")]
    out: PathBuf,
    /// Print a JSON object as the last line of stdout.
    #[arg(long)]
    json: bool,
    /// Also fit and score the rating baselines (global mean, bias model, biased MF) on the same
    /// split, in the same run.
    #[arg(long)]
    baselines: bool,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let split = match (&args.train, &args.test) {
        (Some(train), Some(test)) => SplitSpec::Files {
            train: train.clone(),
            test: test.clone(),
        },
        _ => match &args.split {
            Some(split) => split.parse()?,
            None if DataDir::new(&args.data).layout()? == Layout::Ml100k => {
                SplitSpec::Canonical("u1".into())
            }
            None => SplitSpec::Random(1),
        },
    };
    let spec = RunSpec {
        data: DataDir::new(&args.data),
        split,
        config: args.preset.config()?,
        descriptions: args.preset.descriptions.clone(),
    };
    let out = Outputs::for_model(&args.out);
    out.check()?;
    let result = experiment::run(&spec, args.baselines, &mut Bar::default())?;
    let bytes = modelfile::to_bytes(&result.header, result.model.clone())?;
    let log = serde_json::to_string_pretty(&result.outcome.log)?;
    let curve = super::plot::training_curve(&result.outcome.log)?;
    let config = serde_json::to_string_pretty(&spec.config)?;
    // All staged before any is renamed, the model last.
    modelfile::write_all_atomic(&[
        (&out.log, log.as_bytes()),
        (&out.curve, curve.as_bytes()),
        (&out.config, config.as_bytes()),
        (&out.model, &bytes),
    ])?;
    print_result(&result);
    println!(
        "wrote {} ({} bytes), {}, {}, {}",
        out.model.display(),
        bytes.len(),
        out.log.display(),
        out.curve.display(),
        out.config.display()
    );
    if args.json {
        let t = &result.header.training;
        println!(
            "{}",
            json!({"mae": result.test.mae, "rmse": result.test.rmse, "validation": t.validation,
                   "split": t.split, "preset": t.preset, "epochs": t.epochs_run, "best_epoch": t.best_epoch,
                   "seconds": t.seconds, "samples_per_second": result.outcome.samples_per_second,
                   "top_n": result.top_n, "ease_lambda": result.ease_lambda,
                   "rating_weight": result.header.rating_weight,
                   "neighbour_weight": result.header.neighbours.as_ref().map(|n| n.weight),
                   "validation_ndcg": result.validation_ndcg, "model": args.out,
                   "baselines": result.baselines})
        );
    }
    Ok(())
}

fn print_result(result: &RunResult) {
    let t = &result.header.training;
    println!(
        "split {}  preset {}  epochs {} (best {})  {:.0}s  {:.0} samples/s",
        t.split, t.preset, t.epochs_run, t.best_epoch, t.seconds, result.outcome.samples_per_second
    );
    println!(
        "validation  RMSE {:.4}  MAE {:.4}",
        t.validation.rmse, t.validation.mae
    );
    println!(
        "test        RMSE {:.4}  MAE {:.4}",
        result.test.rmse, result.test.mae
    );
    for (name, m) in &result.baselines {
        println!("{name:<11} RMSE {:.4}  MAE {:.4}", m.rmse, m.mae);
    }
    if let (Some(w), Some(ndcg)) = (result.header.rating_weight, result.validation_ndcg) {
        let item_item = match &result.header.neighbours {
            Some(n) => format!(" + {} × item-item term", n.weight),
            None => String::new(),
        };
        println!(
            "validation  NDCG@10 {ndcg:.4} (list = rank logit + {w} × predicted rating{item_item})"
        );
    }
    super::report::print_top_n(&result.top_n);
}
