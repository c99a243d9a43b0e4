//! The training configuration flags shared by `train`, `cv` and `eval-new-users`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use movierec::train::TrainConfig;

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
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let cfg: TrainConfig = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a training configuration", path.display()))?;
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
