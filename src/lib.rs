//! movierec: the CNN movie recommender of Kutlimuratov & Atadjanova, trained natively with burn
//! and run in the browser as WebAssembly.
//!
//! The flow, one module per step: [`data`] (MovieLens files) → [`split`] → [`encode`] (the one
//! encoder) → [`model`] (the CNN) → [`train`] / [`predict`] → [`modelfile`] (one file) →
//! [`recommend`] (ordered as [`list`] says) → `web` (wasm bindings). [`bounds`] checks every configuration at each door.
//!
//! Words used throughout:
//! - a **history** ([`predict::History`]) is a user's ratings as (dense movie index, rating),
//!   oldest first; its **context** is the part a prediction may look at;
//! - a [`encode::UserSequence`] is a history encoded for the CNN: the latest `history_len`
//!   ratings as padded movie indices, rating features and a mask;
//! - a [`predict::Query`] is a history with the movies to score for it;
//! - [`model::MovieCnn`] is the network; a [`predict::Scorer`] is a network with its catalog
//!   table and encoder, ready to score; a [`recommend::Recommender`] is a loaded model file (header
//!   and network), what the browser's `MovieRec` wraps.

#[cfg(not(target_arch = "wasm32"))]
pub mod average;
#[cfg(not(target_arch = "wasm32"))]
pub mod baselines;
#[cfg(not(target_arch = "wasm32"))]
pub mod bayes_mf;
pub mod bounds;
pub mod calibration;
pub mod data;
#[cfg(not(target_arch = "wasm32"))]
pub mod ease;
pub mod encode;
#[cfg(not(target_arch = "wasm32"))]
pub mod experiment;
#[cfg(not(target_arch = "wasm32"))]
pub mod knn;
pub mod list;
pub mod metrics;
pub mod model;
pub mod modelfile;
pub mod neighbours;
pub mod predict;
#[cfg(not(target_arch = "wasm32"))]
pub mod ranking;
pub mod recommend;
#[cfg(not(target_arch = "wasm32"))]
pub mod split;
pub mod topn;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(not(target_arch = "wasm32"))]
pub mod yardsticks;

use burn::tensor::Device;

/// The device [`use_device`] chose; burn's flex backend (SIMD kernels natively and, with
/// simd128, in wasm) unless it chose another.
pub fn device() -> Device {
    CHOSEN_DEVICE.get().cloned().unwrap_or_else(Device::flex)
}

static CHOSEN_DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();

/// Chooses, once per process and before any training, where tensors live: `cpu`, or `cuda`
/// (GPU 0) in a build with the `cuda` feature.
pub fn use_device(name: &str) -> Result<(), String> {
    let device = match name {
        "cpu" => Device::flex(),
        #[cfg(feature = "cuda")]
        "cuda" => Device::cuda(0),
        #[cfg(not(feature = "cuda"))]
        "cuda" => {
            return Err("this build has no CUDA backend; build with `--features cuda`".into());
        }
        other => return Err(format!("unknown device {other:?}: expected cpu or cuda")),
    };
    CHOSEN_DEVICE
        .set(device)
        .map_err(|_| "the device was already chosen".to_string())
}
