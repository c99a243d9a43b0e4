//! The `movierec` command line: fetch data, train, evaluate, cross-validate.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use movierec::data::DataDir;
use movierec::experiment::{self, RunSpec};
use movierec::metrics::metrics;
use movierec::modelfile::{self, Metrics};
use movierec::predict::{Recommender, histories};
use movierec::ranking;
use movierec::split::{SplitSpec, load_split};
use movierec::train::{EpochLog, Progress, TrainConfig};

#[derive(Parser)]
#[command(
    name = "movierec",
    version,
    about = "CNN movie recommender (Kutlimuratov & Atadjanova) on MovieLens 100K"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train on a split, report test MAE/RMSE, write one model file.
    Train(TrainArgs),
    /// MAE/RMSE of a saved model on a test set.
    Eval(EvalArgs),
    /// u1…u5 cross-validation of the CNN and the baselines (mean ± std).
    Cv(ExperimentArgs),
    /// The visitor scenario: unseen users revealing k = 1, 3, 5, 10, 20 ratings.
    EvalNewUsers(NewUsersArgs),
    /// Download and unpack the official MovieLens 100K zip.
    FetchData(FetchArgs),
    /// Serve the browser demo (www/, pkg/ and the model file) on http://127.0.0.1:8080.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind; loopback by default so the demo is not exposed to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Model file served to the page [default: www/model.movierec].
    #[arg(long)]
    model: Option<PathBuf>,
    /// The page's folder [default: www].
    #[arg(long)]
    www: Option<PathBuf>,
    /// The wasm package folder [default: pkg].
    #[arg(long)]
    pkg: Option<PathBuf>,
}

#[derive(Args)]
struct PresetArgs {
    /// Training preset: `paper` (SGD, batch 32, 100 epochs) or `default` (best validation RMSE).
    #[arg(long, default_value = "default")]
    preset: String,
    /// Optional `movie_id<TAB>text` descriptions added to the movie tokens.
    #[arg(long)]
    descriptions: Option<PathBuf>,
    /// A full training configuration as JSON (the shape of `TrainConfig`); replaces --preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override the preset's maximum number of epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Seed for the validation carve-out, initialisation and sampling.
    #[arg(long)]
    seed: Option<u64>,
}

impl PresetArgs {
    fn config(&self) -> anyhow::Result<TrainConfig> {
        let mut cfg = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let cfg: TrainConfig = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a training configuration", path.display()))?;
                // Presets are valid by construction; a file is checked where it is read, so the
                // error names it.
                cfg.check()
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                cfg
            }
            None => match TrainConfig::preset(&self.preset) {
                Some(cfg) => cfg,
                None => bail!("--preset {:?}: expected `paper` or `default`", self.preset),
            },
        };
        if let Some(e) = self.epochs {
            if e == 0 {
                bail!("--epochs must be at least 1");
            }
            cfg.epochs = e;
        }
        if let Some(s) = self.seed {
            cfg.seed = s;
        }
        Ok(cfg)
    }
}

#[derive(Args)]
struct TrainArgs {
    /// MovieLens 100K folder (u.data, u.item, u.genre, u1.base…).
    #[arg(long)]
    data: PathBuf,
    /// u1…u5, ua, ub or random:SEED.
    #[arg(long, default_value = "u1", conflicts_with_all = ["train", "test"])]
    split: String,
    /// Training ratings in u.data format (with --test).
    #[arg(long, requires = "test")]
    train: Option<PathBuf>,
    /// Test ratings in u.data format (with --train).
    #[arg(long, requires = "train")]
    test: Option<PathBuf>,
    #[command(flatten)]
    preset: PresetArgs,
    /// Where to write the model file (plus .log.json and .curve.svg beside it).
    #[arg(long, default_value = "model.movierec")]
    out: PathBuf,
    /// Print a JSON object as the last line of stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct EvalArgs {
    #[arg(long)]
    model: PathBuf,
    /// MovieLens folder; with --split, its training part gives user histories.
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, conflicts_with = "test")]
    split: Option<String>,
    /// Test ratings in u.data format.
    #[arg(long)]
    test: Option<PathBuf>,
    /// Ratings that give users their histories (default with --test: u.data of --data minus the test ratings).
    #[arg(long, requires = "test")]
    train: Option<PathBuf>,
    /// Top-N lists leave out movies with fewer training ratings than this (the page's "hide
    /// obscure" filter uses 20).
    #[arg(long, default_value_t = 0)]
    min_ratings: u32,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ExperimentArgs {
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    preset: PresetArgs,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct NewUsersArgs {
    #[command(flatten)]
    experiment: ExperimentArgs,
    /// Run the protocol inside the training users only (the reported held-out users are left
    /// out entirely): figures to compare settings by without tuning on the reported ones.
    #[arg(long)]
    validation: bool,
}

#[derive(Args)]
struct FetchArgs {
    /// Folder to unpack into.
    #[arg(long, default_value = "data/ml-100k")]
    dest: PathBuf,
    #[arg(long, default_value = cli::fetch::OFFICIAL_URL)]
    url: String,
}

/// A progress bar per epoch, and one line per finished epoch (on stderr, so --json stays clean).
struct Bar {
    bar: Option<ProgressBar>,
}

impl Progress for Bar {
    fn start_epoch(&mut self, epoch: usize, steps: usize) {
        let bar = ProgressBar::new(steps as u64);
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(epoch.to_string());
        self.bar = Some(bar);
    }
    fn step(&mut self, loss: f64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("mse {loss:.3}"));
            bar.inc(1);
        }
    }
    fn end_epoch(&mut self, log: &EpochLog) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!(
            "epoch {:>3}  train rmse {:.4}  validation rmse {:.4}  mae {:.4}  {:.1}s",
            log.epoch,
            log.train_mse.sqrt(),
            log.validation_rmse,
            log.validation_mae,
            log.seconds
        );
    }
}

fn bar() -> Bar {
    Bar { bar: None }
}

fn train_cmd(args: TrainArgs) -> anyhow::Result<()> {
    let split = match (&args.train, &args.test) {
        (Some(train), Some(test)) => SplitSpec::Files {
            train: train.clone(),
            test: test.clone(),
        },
        _ => args.split.parse().map_err(anyhow::Error::msg)?,
    };
    let spec = RunSpec {
        data: DataDir::new(&args.data),
        split,
        config: args.preset.config()?,
        descriptions: args.preset.descriptions.clone(),
    };
    let out = cli::output::Outputs::for_model(&args.out);
    out.check()?;
    let result = experiment::run(&spec, false, &mut bar())?;
    let bytes = modelfile::to_bytes(&result.header, result.model)?;
    modelfile::write_atomic(&out.model, &bytes)?;
    let log = serde_json::to_string_pretty(&result.outcome.log)?;
    modelfile::write_atomic(&out.log, log.as_bytes())?;
    modelfile::write_atomic(
        &out.curve,
        cli::plot::training_curve(&result.outcome.log)?.as_bytes(),
    )?;
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
    if let (Some(w), Some(ndcg)) = (result.header.rating_weight, result.validation_ndcg) {
        println!("validation  NDCG@10 {ndcg:.4} (list = rank logit + {w} × predicted rating)");
    }
    cli::report::print_top_n(&result.top_n);
    println!(
        "wrote {} ({} bytes), {}, {}",
        out.model.display(),
        bytes.len(),
        out.log.display(),
        out.curve.display()
    );
    if args.json {
        println!(
            "{}",
            json!({"mae": result.test.mae, "rmse": result.test.rmse, "validation": t.validation,
                   "split": t.split, "preset": t.preset, "epochs": t.epochs_run, "best_epoch": t.best_epoch,
                   "seconds": t.seconds, "samples_per_second": result.outcome.samples_per_second,
                   "top_n": result.top_n, "ease_lambda": result.ease_lambda,
                   "rating_weight": result.header.rating_weight,
                   "validation_ndcg": result.validation_ndcg, "model": args.out})
        );
    }
    Ok(())
}

fn eval_cmd(args: EvalArgs) -> anyhow::Result<()> {
    let bytes = modelfile::read_file(&args.model)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let rec = Recommender::from_bytes(&bytes, movierec::device())
        .with_context(|| format!("loading {}", args.model.display()))?;
    // The model's own catalog defines valid movie ids.
    let movies = movierec::data::Movies::new(
        rec.header
            .catalog
            .iter()
            .map(|c| movierec::data::Movie {
                id: c.id,
                title: c.title.clone(),
                year: c.year,
                genres: c.genres.clone(),
            })
            .collect(),
    );
    let (context_ratings, test) = match (&args.data, &args.split, &args.test) {
        (Some(data), Some(split), None) => {
            let spec: SplitSpec = split.parse().map_err(anyhow::Error::msg)?;
            let s = load_split(&DataDir::new(data), &spec, &movies)?;
            (s.train, s.test)
        }
        (data, None, Some(test)) => {
            let test_ratings = DataDir::ratings_file(test, &movies)?;
            let context = match (&args.train, data) {
                (Some(train), _) => DataDir::ratings_file(train, &movies)?,
                (None, Some(data)) => {
                    let held: std::collections::HashSet<(u32, u32)> =
                        test_ratings.iter().map(|r| (r.user, r.movie)).collect();
                    DataDir::ratings_file(&DataDir::new(data).path("u.data"), &movies)?
                        .into_iter()
                        .filter(|r| !held.contains(&(r.user, r.movie)))
                        .collect()
                }
                (None, None) => {
                    bail!("--test needs --train or --data to know each user's rating history")
                }
            };
            (context, test_ratings)
        }
        _ => bail!(
            "give either --data DIR --split S, or --test FILE (with --train FILE or --data DIR)"
        ),
    };
    if test.is_empty() {
        bail!("the test set is empty");
    }
    let context = histories(&context_ratings, &movies);
    let predicted = movierec::predict::predict_ratings(&rec.scorer(), &context, &test, &movies);
    let actual: Vec<f32> = test.iter().map(|r| r.rating).collect();
    let m: Metrics = metrics(&predicted, &actual);
    println!(
        "{} ratings  RMSE {:.4}  MAE {:.4}",
        test.len(),
        m.rmse,
        m.mae
    );
    let fraction = TrainConfig::default_preset().validation_fraction;
    let top_n = ranking::model_table(
        &rec,
        &context_ratings,
        &test,
        &movies,
        fraction,
        args.min_ratings,
    );
    cli::report::print_top_n(&top_n);
    if args.json {
        println!(
            "{}",
            json!({"mae": m.mae, "rmse": m.rmse, "n": test.len(), "top_n": top_n})
        );
    }
    Ok(())
}

fn cv_cmd(args: ExperimentArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cfg = args.preset.config()?;
    let tables = experiment::cross_validate(
        &DataDir::new(&args.data),
        &cfg,
        &args.preset.descriptions,
        &mut bar(),
        cli::report::print_fold,
    )?;
    cli::report::print_cv(&tables);
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

fn new_users_cmd(args: NewUsersArgs) -> anyhow::Result<()> {
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
        &mut bar(),
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
        cli::report::print_top_n(&r.top_n);
    }
    if args.json {
        println!(
            "{}",
            json!({"preset": cfg.preset, "validation": validation, "rows": rows})
        );
    }
    Ok(())
}

fn fetch_cmd(args: FetchArgs) -> anyhow::Result<()> {
    let files = cli::fetch::fetch(&args.url, &args.dest)?;
    println!(
        "unpacked {} files into {}",
        files.len(),
        args.dest.display()
    );
    Ok(())
}

/// `www`, `pkg`, … relative to the working directory, or to the source checkout this binary was
/// built from when run elsewhere.
fn demo_path(name: &str) -> PathBuf {
    let here = PathBuf::from(name);
    if here.exists() {
        return here;
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    if checkout.exists() { checkout } else { here }
}

fn serve_cmd(a: ServeArgs) -> anyhow::Result<()> {
    let site = cli::serve::Site {
        www: a.www.unwrap_or_else(|| demo_path("www")),
        pkg: a.pkg.unwrap_or_else(|| demo_path("pkg")),
        model: a
            .model
            .unwrap_or_else(|| demo_path("www").join("model.movierec")),
    };
    cli::serve::serve(&site, std::net::SocketAddr::new(a.bind, a.port))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(a) => train_cmd(a),
        Command::Eval(a) => eval_cmd(a),
        Command::Cv(a) => cv_cmd(a),
        Command::EvalNewUsers(a) => new_users_cmd(a),
        Command::FetchData(a) => fetch_cmd(a),
        Command::Serve(a) => serve_cmd(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
