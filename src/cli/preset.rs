//! The training configuration flags shared by `train`, `cv` and `eval-new-users`.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use movierec::train::TrainConfig;

/// A training configuration is a few kilobytes of JSON; `--config /dev/zero` must not be read
/// for ever.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

#[derive(Args)]
pub struct PresetArgs {
    /// Training preset: `paper` (SGD, batch 32, 100 epochs) or `default` (best validation RMSE).
    #[arg(long, default_value = "default")]
    pub preset: String,
    /// Optional `movie_id<TAB>text` descriptions added to the movie tokens.
    #[arg(long)]
    pub descriptions: Option<PathBuf>,
    /// A full training configuration as JSON (the shape of `TrainConfig`); replaces --preset.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override the preset's maximum number of epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Seed for the validation carve-out, initialisation and sampling.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl PresetArgs {
    /// The preset or the `--config` file, with `--epochs` and `--seed` applied, checked.
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        let mut cfg = match &self.config {
            Some(path) => {
                let text = movierec::data::read_at_most(path, MAX_CONFIG_BYTES)?;
                let cfg: TrainConfig = serde_json::from_slice(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "{}: not a training configuration: {}",
                        path.display(),
                        movierec::bounds::capped(&e.to_string())
                    )
                })?;
                // Checked where it is read, so that the error names the file.
                cfg.check()
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                cfg
            }
            None => match TrainConfig::preset(&self.preset) {
                Some(cfg) => cfg,
                None => bail!(
                    "--preset {:?}: expected one of {}",
                    self.preset,
                    TrainConfig::PRESETS.join(", ")
                ),
            },
        };
        if let Some(e) = self.epochs {
            cfg.epochs = e;
        }
        if let Some(s) = self.seed {
            cfg.seed = s;
        }
        cfg.check().map_err(|e| match e.field.as_str() {
            "epochs" => anyhow::anyhow!("--epochs {}: expected {}", e.value, e.expected),
            _ => e.into(),
        })?;
        Ok(cfg)
    }
}

/// `movierec config`: the configuration these flags give, as JSON.
pub fn print(args: PresetArgs) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&args.config()?)?);
    Ok(())
}
