#![allow(dead_code)]
//! Helpers shared by the integration tests: where the data lives and a small, fast configuration.

use std::path::PathBuf;

use movierec::data::DataDir;
use movierec::model::ModelConfig;
use movierec::train::TrainConfig;

/// MovieLens 100K as published, beside the checkout (never committed: its licence forbids it).
pub fn ml100k() -> DataDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ml-100k");
    assert!(
        root.join("u.data").exists(),
        "MovieLens 100K not found at {}; see README (movierec fetch-data)",
        root.display()
    );
    DataDir::new(root)
}

/// A narrow network and short run so tests stay fast on 2 cores.
pub fn tiny_config(epochs: usize) -> TrainConfig {
    let mut cfg = TrainConfig::default_preset();
    cfg.model = ModelConfig {
        token_dim: 8,
        movie_filters: 8,
        movie_dim: 8,
        user_filters: vec![8, 16],
        hidden: 16,
        ..cfg.model
    };
    cfg.encoder.history_len = 16;
    cfg.encoder.movie_tokens = 8;
    cfg.epochs = epochs;
    cfg
}
