//! The bottom of the house: the error a configuration value outside its bounds gets, the
//! helpers every config's `check()` is written with, and the limits they share. Each config type
//! owns its `check()` beside its definition; the CLI's `--config`, the library's `run`/`fit` and
//! the model-file loader (natively and in wasm) all call them. A value outside them would panic,
//! abort on allocation, hang, or train a model nothing can load; each error names the field, the
//! value and what was expected.

/// A configuration value outside its bounds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field} = {value}: expected {expected}")]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub expected: String,
}

/// At most 80 characters of `text`, and how long it was when cut: an error message quotes its
/// input, and a 5-million-entry list must not become a 15 MB error line.
pub fn capped(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

pub(crate) fn error(
    field: &str,
    value: impl std::fmt::Display,
    expected: impl Into<String>,
) -> ConfigError {
    ConfigError {
        field: field.into(),
        value: capped(&value.to_string()),
        expected: expected.into(),
    }
}

/// `lo..=hi` for a count or a width.
pub(crate) fn count(field: &str, value: usize, lo: usize, hi: usize) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(error(field, value, format!("an integer from {lo} to {hi}")))
    }
}

/// A finite number in `lo..=hi` (or `lo..hi` when `hi_open`).
pub(crate) fn real(
    field: &str,
    value: f64,
    lo: f64,
    hi: f64,
    hi_open: bool,
) -> Result<(), ConfigError> {
    let below_hi = if hi_open { value < hi } else { value <= hi };
    if value.is_finite() && value >= lo && below_hi {
        Ok(())
    } else {
        let close = if hi_open { ")" } else { "]" };
        Err(error(
            field,
            value,
            format!("a number in [{lo}, {hi}{close}"),
        ))
    }
}

/// Widths large enough for any sensible model of a MovieLens-sized catalog, small enough that a
/// crafted file cannot ask for gigabytes.
pub const MAX_WIDTH: usize = 4096;
pub const MAX_VOCAB: usize = 200_000;
pub const MAX_MOVIES: usize = 100_000;
pub const MAX_KERNEL: usize = 15;
pub const MAX_USER_LAYERS: usize = 8;
pub const MAX_HISTORY: usize = 4096;
pub const MAX_MOVIE_TOKENS: usize = 512;

/// What a loaded model may need for one forward pass of the browser's or the evaluator's
/// batches: far above any sensible model (the demo's needs ~30 MB), and inside wasm32's 4 GiB.
pub const MAX_INFERENCE_BYTES: u64 = 2 << 30;
/// What training may need for its weights, their gradients and optimiser state, and one step's
/// activations: two thirds of a 24 GB machine.
pub const MAX_TRAINING_BYTES: u64 = 16 << 30;

/// Refuses an estimated memory need above `budget`, naming both.
pub(crate) fn memory(field: &str, what: &str, needed: u64, budget: u64) -> Result<(), ConfigError> {
    if needed <= budget {
        return Ok(());
    }
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    Err(error(
        field,
        format!("a model whose {what} need about {:.1} GiB", gib(needed)),
        format!(
            "at most {:.0} GiB: smaller widths, kernel, history or batch",
            gib(budget)
        ),
    ))
}
