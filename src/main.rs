//! The `movierec` command line: fetch data, train, evaluate, cross-validate, serve the demo.
//! Each command lives in `src/cli/`.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Training reallocates megabyte-sized buffers every step; mimalloc reuses them where glibc's
/// malloc returns them to the kernel and faults them in again (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "movierec",
    version,
    about = "CNN movie recommender (Kutlimuratov & Atadjanova) on any MovieLens release"
)]
struct Cli {
    /// Where training and scoring run: cpu (burn's flex backend), or cuda (an NVIDIA GPU; needs
    /// a build with `--features cuda`).
    #[arg(long, global = true, default_value = "cpu")]
    device: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train on a split, report test MAE/RMSE, write one model file.
    Train(cli::train::TrainArgs),
    /// MAE/RMSE of a saved model on a test set.
    Eval(cli::eval::EvalArgs),
    /// Five-fold cross-validation of the CNN and the baselines (mean ± std): 100K's u1…u5,
    /// seeded folds on other releases.
    Cv(cli::experiments::ExperimentArgs),
    /// The visitor scenario: unseen users revealing k = 1, 3, 5, 10, 20 ratings.
    EvalNewUsers(cli::experiments::NewUsersArgs),
    /// The taste check: one-taste visitors (five liked films of a genre, two disliked of
    /// another) and how much of each list follows them, beside the yardsticks.
    Taste(cli::taste::TasteArgs),
    /// Download a MovieLens release (or take a zip downloaded by hand), check it, unpack it.
    FetchData(cli::fetch::FetchArgs),
    /// What a MovieLens folder holds, read and checked as training reads it.
    Inspect(cli::inspect::InspectArgs),
    /// Write a seeded synthetic data set in a release's CSV format and shape (e.g. ml-32m).
    Synth(cli::synth::SynthArgs),
    /// Serve the browser demo (www/, pkg/ and the model file) on http://127.0.0.1:8080.
    Serve(cli::serve::ServeArgs),
    /// Print a training configuration as JSON (a preset, with --epochs/--seed applied), the
    /// shape `--config` reads back.
    Config(cli::preset::PresetArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = movierec::use_device(&cli.device) {
        eprintln!("error: --device: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Train(a) => cli::train::run(a),
        Command::Eval(a) => cli::eval::run(a),
        Command::Cv(a) => cli::experiments::cv(a),
        Command::EvalNewUsers(a) => cli::experiments::new_users(a),
        Command::Taste(a) => cli::taste::run(a),
        Command::FetchData(a) => cli::fetch::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::Inspect(a) => cli::inspect::run(a),
        Command::Synth(a) => cli::synth::run(a),
        Command::Config(a) => cli::preset::print(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
