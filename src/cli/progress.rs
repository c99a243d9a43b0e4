//! Training progress on the terminal.

use indicatif::{ProgressBar, ProgressStyle};

use movierec::train::{EpochLog, Progress};

/// A progress bar per epoch, and one line per finished epoch (on stderr, so --json stays clean).
#[derive(Default)]
pub struct Bar {
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
