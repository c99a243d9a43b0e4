//! `movierec eval`: a saved model's MAE/RMSE and top-N figures on a test set.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;

use movierec::data::{DataDir, Movies, Rating};
use movierec::metrics::metrics;
use movierec::modelfile::{self, TrainingInfo};
use movierec::predict::{histories, predict_ratings};
use movierec::recommend::Recommender;
use movierec::split::{SplitSpec, load_split};
use movierec::train::TrainConfig;

#[derive(Args)]
pub struct EvalArgs {
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

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let bytes = modelfile::read_file(&args.model)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let rec = Recommender::from_bytes(&bytes, movierec::device())
        .with_context(|| format!("loading {}", args.model.display()))?;
    let movies = rec.header.movies();
    let (context_ratings, test) = histories_and_test(&args, &movies)?;
    if test.is_empty() {
        bail!("the test set is empty");
    }
    check_unseen(&rec.header.training, args.data.as_deref(), &test, &movies)?;
    let context = histories(&context_ratings, &movies);
    let predicted = predict_ratings(&rec.scorer(), &context, &test, &movies);
    let actual: Vec<f32> = test.iter().map(|r| r.rating).collect();
    let m = metrics(&predicted, &actual);
    println!(
        "{} ratings  RMSE {:.4}  MAE {:.4}",
        test.len(),
        m.rmse,
        m.mae
    );
    let fraction = TrainConfig::default_preset().validation_fraction;
    let top_n = movierec::experiment::model_table(
        &rec,
        &context_ratings,
        &test,
        &movies,
        fraction,
        args.min_ratings,
    );
    super::report::print_top_n(&top_n);
    if args.json {
        println!(
            "{}",
            json!({"mae": m.mae, "rmse": m.rmse, "n": test.len(), "top_n": top_n})
        );
    }
    Ok(())
}

/// Refuses test ratings the model was trained on, or chose its epoch and list weights on: the
/// header names the split it was trained on, which is loaded again (from `--data` where given,
/// else from the folder the header names) and compared pair by pair. Figures on seen ratings
/// would be inflated without a word.
fn check_unseen(
    trained: &TrainingInfo,
    data: Option<&Path>,
    test: &[Rating],
    movies: &Movies,
) -> anyhow::Result<()> {
    let seen = match training_ratings(trained, data, movies) {
        Ok(Some(seen)) => seen,
        Ok(None) => return Ok(()),
        Err(e) => {
            eprintln!(
                "note: cannot load the model's training split {} to check for overlap: {e:#}",
                trained.split
            );
            return Ok(());
        }
    };
    let seen: HashSet<(u32, u32)> = seen.iter().map(|r| (r.user, r.movie)).collect();
    let overlap = test
        .iter()
        .filter(|r| seen.contains(&(r.user, r.movie)))
        .count();
    if overlap > 0 {
        bail!(
            "{overlap} of the {} test ratings are among the ratings this model was trained on \
             (split {} of {}): its figures on them would be inflated; evaluate it on the split it \
             was trained on, or train one on this split",
            test.len(),
            trained.split,
            data.unwrap_or(Path::new(&trained.data)).display()
        );
    }
    Ok(())
}

/// The ratings a model was trained on, as its header names them (from `data` where given,
/// else from the folder the header names); `None` for a files split without its test file.
pub fn training_ratings(
    trained: &TrainingInfo,
    data: Option<&Path>,
    movies: &Movies,
) -> anyhow::Result<Option<Vec<Rating>>> {
    let spec = match trained.split.strip_prefix("files:") {
        Some(files) => match files.split_once('|') {
            Some((train, test)) => SplitSpec::Files {
                train: train.into(),
                test: test.into(),
            },
            None => return Ok(None),
        },
        None => trained.split.parse()?,
    };
    let folder = data.unwrap_or(Path::new(&trained.data));
    Ok(Some(
        load_split(&DataDir::new(folder), &spec, movies)?.train,
    ))
}

/// The ratings that give users their histories, and the test ratings.
fn histories_and_test(
    args: &EvalArgs,
    movies: &Movies,
) -> anyhow::Result<(Vec<Rating>, Vec<Rating>)> {
    match (&args.data, &args.split, &args.test) {
        (Some(data), Some(split), None) => {
            let spec: SplitSpec = split.parse()?;
            let s = load_split(&DataDir::new(data), &spec, movies)?;
            Ok((s.train, s.test))
        }
        (_, None, Some(test)) if args.train.is_some() => {
            let spec = SplitSpec::Files {
                train: args.train.clone().expect("checked"),
                test: test.clone(),
            };
            // Files splits are checked for a rating on both sides.
            let s = load_split(&DataDir::new("."), &spec, movies)?;
            Ok((s.train, s.test))
        }
        (data, None, Some(test)) => {
            let test_ratings = DataDir::ratings_file(test, movies)?;
            let context = match data {
                Some(data) => {
                    let held: HashSet<(u32, u32)> =
                        test_ratings.iter().map(|r| (r.user, r.movie)).collect();
                    DataDir::new(data)
                        .ratings(movies)?
                        .into_iter()
                        .filter(|r| !held.contains(&(r.user, r.movie)))
                        .collect()
                }
                None => {
                    bail!("--test needs --train or --data to know each user's rating history")
                }
            };
            Ok((context, test_ratings))
        }
        _ => bail!(
            "give either --data DIR --split S, or --test FILE (with --train FILE or --data DIR)"
        ),
    }
}
