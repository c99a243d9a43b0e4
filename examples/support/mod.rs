//! What the grid examples share: their arguments and where the data is.

use std::path::PathBuf;

use movierec::data::DataDir;
use movierec::train::TrainConfig;

/// The default preset, or the `--config FILE` given, and the other arguments.
pub fn config_and_args() -> Result<(TrainConfig, Vec<String>), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = TrainConfig::default_preset();
    if let Some(at) = args.iter().position(|a| a == "--config") {
        let path = args.get(at + 1).ok_or("--config needs a file")?.clone();
        config = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        args.drain(at..at + 2);
    }
    Ok((config, args))
}

/// MovieLens 100K: `$MOVIEREC_DATA`, or `../shared/ml-100k` beside the checkout.
pub fn data_dir() -> DataDir {
    let root = std::env::var("MOVIEREC_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k"));
    DataDir::new(root)
}
