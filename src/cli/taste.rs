//! `movierec taste`: the taste check of a saved model (see [`movierec::experiment::taste`]),
//! beside EASE, EASE on ratings and item-kNN folded in from the same ratings, fitted on the
//! ratings the model was trained on.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use movierec::data::DataDir;
use movierec::experiment::DISCOVERY_SETTINGS;
use movierec::experiment::taste::{TasteRow, taste_check, taste_visitors};
use movierec::modelfile;
use movierec::recommend::Recommender;
use movierec::train::TrainConfig;
use movierec::yardsticks::Yardsticks;

#[derive(Args)]
pub struct TasteArgs {
    #[arg(long)]
    model: PathBuf,
    /// The MovieLens folder the model was trained on (default: the one its header names).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print each visitor's share in their genre, list by list.
    #[arg(long)]
    visitors: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: TasteArgs) -> anyhow::Result<()> {
    let bytes = modelfile::read_file(&args.model)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let rec = Recommender::from_bytes(&bytes, movierec::device())
        .with_context(|| format!("loading {}", args.model.display()))?;
    let movies = rec.header.movies();
    let trained = &rec.header.training;
    let train = match super::eval::training_ratings(trained, args.data.as_deref(), &movies) {
        Ok(Some(train)) => train,
        _ => {
            let folder = args
                .data
                .clone()
                .unwrap_or_else(|| trained.data.clone().into());
            eprintln!(
                "note: the model's split {} cannot be loaded again; the yardsticks are fitted \
                 on every rating of {}",
                trained.split,
                folder.display()
            );
            DataDir::new(folder).ratings(&movies)?
        }
    };
    let fraction = TrainConfig::default_preset().validation_fraction;
    let yardsticks = Yardsticks::fit(&train, &movies, fraction, trained.seed);
    let visitors = taste_visitors(&rec.header.catalog);
    let mut settings = vec![None];
    settings.extend(DISCOVERY_SETTINGS.iter().map(|&s| Some(s)));
    let rows = taste_check(&rec, &visitors, &settings, &yardsticks.rankers());
    print(&rows);
    if args.visitors {
        for (i, v) in visitors.iter().enumerate() {
            let shares: Vec<String> = rows
                .iter()
                .map(|r| format!("{:.1}", r.per_visitor[i]))
                .collect();
            println!(
                "{:<12} (dislikes {:<12}) {}",
                v.genre,
                v.disliked_genre,
                shares.join(" ")
            );
        }
    }
    if args.json {
        println!("{}", json!({"visitors": visitors, "rows": rows}));
    }
    Ok(())
}

fn print(rows: &[TasteRow]) {
    println!(
        "{:<24} {:>9} {:>9} {:>10} {:>8}",
        "top-10 list", "in genre", "disliked", "top-50 hit", "overlap"
    );
    for r in rows {
        println!(
            "{:<24} {:>9.3} {:>9.3} {:>10.3} {:>8.3}",
            r.list, r.in_genre, r.in_disliked_genre, r.blockbusters, r.overlap
        );
    }
}
