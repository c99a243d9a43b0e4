//! Error metrics, computed in f64 so long sums stay exact enough.

use serde::{Deserialize, Serialize};

/// Rating error figures of a model on a set of ratings (stored in a model file's header for its
/// test and validation sets).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub mae: f64,
    pub rmse: f64,
}

/// Mean absolute error and root mean squared error of `predicted` against `actual`.
/// Returns NaN for empty inputs rather than a misleading 0.
pub fn metrics(predicted: &[f32], actual: &[f32]) -> Metrics {
    assert_eq!(
        predicted.len(),
        actual.len(),
        "prediction/target length mismatch"
    );
    let n = predicted.len() as f64;
    let (mut abs, mut sq) = (0.0f64, 0.0f64);
    for (p, a) in predicted.iter().zip(actual) {
        let e = f64::from(*p) - f64::from(*a);
        abs += e.abs();
        sq += e * e;
    }
    Metrics {
        mae: abs / n,
        rmse: (sq / n).sqrt(),
    }
}

/// Mean and sample standard deviation, for cross-validation tables.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
}

pub fn mean_std(values: &[f64]) -> MeanStd {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    MeanStd {
        mean,
        std: var.sqrt(),
    }
}
