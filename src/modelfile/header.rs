//! Everything in a model file but the weights, and the checks a header passes before anything
//! is built from it.

use serde::{Deserialize, Serialize};

use super::ModelFileError;
use crate::bounds::real;
use crate::data::{Links, Movie, Movies};
use crate::encode::Encoder;
use crate::list::{Discovery, ListWeights, NewcomerList};
use crate::metrics::Metrics;
use crate::model::ModelConfig;
use crate::neighbours::Neighbours;

/// What the browser lists for a movie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Ratings of this movie in the training data.
    pub n_ratings: u32,
    pub mean_rating: f32,
    /// Shannon entropy (bits) of its training ratings, for the "worth rating" start list.
    pub rating_entropy: f32,
    /// IMDb and TMDB ids, where the release has `links.csv`.
    #[serde(default, skip_serializing_if = "Links::is_empty")]
    pub links: Links,
}

/// Where the model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    pub data: String,
    pub split: String,
    pub preset: String,
    pub seed: u64,
    pub descriptions: bool,
    pub epochs_run: usize,
    pub best_epoch: usize,
    pub validation: Metrics,
    /// `None` when trained without a test set.
    pub test: Option<Metrics>,
    pub train_ratings: usize,
    /// Wall-clock training time, reported by `train` but not stored: a file's bytes depend on
    /// its inputs and seed alone (older files that store it still load).
    #[serde(skip_serializing, default)]
    pub seconds: f64,
    pub crate_version: String,
}

/// Everything but the weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelHeader {
    pub model: ModelConfig,
    pub encoder: Encoder,
    /// Added to the network's output: the training mean rating.
    pub rating_offset: f32,
    pub catalog: Vec<CatalogEntry>,
    pub training: TrainingInfo,
    /// With a rank head, lists are ordered by `rank logit + rating_weight × predicted rating`
    /// (the weight chosen on validation NDCG@10 when the model was trained); `None` orders them
    /// by predicted rating alone. Absent in older model files.
    #[serde(default)]
    pub rating_weight: Option<f32>,
    /// The list of a visitor with few ratings (see [`NewcomerList`]). Absent in older model
    /// files, whose lists are the known users' at every length.
    #[serde(default)]
    pub newcomer_list: Option<NewcomerList>,
    /// The list's item-item term. Absent in older model files and in models trained without
    /// one.
    #[serde(default)]
    pub neighbours: Option<Neighbours>,
    /// The discovery control's range and default (see [`Discovery`]). Absent in older model
    /// files, whose lists have no popularity term beyond the newcomer list's.
    #[serde(default)]
    pub discovery: Option<Discovery>,
}

impl ModelHeader {
    /// What this model's lists are ordered by.
    pub fn list_weights(&self) -> ListWeights {
        ListWeights {
            rating_weight: self.rating_weight,
            newcomer: self.newcomer_list,
            neighbour_weight: self.neighbours.as_ref().map_or(0.0, |n| n.weight),
            popularity_weight: self.discovery.map_or(0.0, |d| d.popularity_weight),
            deep_share: self.discovery.map_or(0.0, |d| d.default),
            calibration: self.discovery.map_or(0.0, |d| d.calibration),
        }
    }

    /// The catalog as [`Movies`]: the movie ids this model knows define valid input.
    pub fn movies(&self) -> Movies {
        Movies::new(
            self.catalog
                .iter()
                .map(|c| Movie {
                    id: c.id,
                    title: c.title.clone(),
                    year: c.year,
                    genres: c.genres.clone(),
                    links: c.links,
                })
                .collect(),
        )
    }
}

/// A header may not ask for more parameters than the file stores (2 bytes each as f16, 4 in
/// version 1): the check that keeps a crafted header from allocating gigabytes before the weights
/// are even looked at.
pub(super) fn check_weights_size(
    model: &ModelConfig,
    version: u32,
    weights_len: usize,
) -> Result<(), ModelFileError> {
    let bytes_per_param = if version >= 2 { 2 } else { 4 };
    let needed = model.param_count().saturating_mul(bytes_per_param);
    if needed > weights_len as u64 {
        return Err(ModelFileError::Header(format!(
            "the model config needs {} parameters ({needed} bytes) but the file holds {weights_len} bytes of weights",
            model.param_count()
        )));
    }
    Ok(())
}

/// Cross-checks the header so that a consistent-looking but wrong file cannot index out of bounds
/// or build a model that panics: the checksum proves only that the bytes are the ones written.
pub(super) fn validate_header(h: &ModelHeader) -> Result<(), ModelFileError> {
    let bad = |m: String| Err(ModelFileError::Header(m));
    let config = |e: crate::bounds::ConfigError| ModelFileError::Header(e.to_string());
    h.model.check().map_err(config)?;
    h.model.check_sizes().map_err(config)?;
    h.encoder.config.check().map_err(config)?;
    h.model
        .check_inference_memory(
            h.encoder.config.movie_tokens,
            h.catalog.len(),
            h.encoder.config.history_len,
        )
        .map_err(config)?;
    if !(h.rating_offset.is_finite() && (0.0..=10.0).contains(&h.rating_offset)) {
        return bad(format!(
            "rating_offset = {}: expected a mean rating",
            h.rating_offset
        ));
    }
    check_catalog(&h.catalog)?;
    if h.encoder.vocab.len() != h.model.vocab_size {
        return bad(format!(
            "vocabulary has {} tokens but the model expects {}",
            h.encoder.vocab.len(),
            h.model.vocab_size
        ));
    }
    if h.catalog.len() != h.encoder.movie_tokens.len() {
        return bad(format!(
            "catalog lists {} movies but the encoder has {}",
            h.catalog.len(),
            h.encoder.movie_tokens.len()
        ));
    }
    for (i, tokens) in h.encoder.movie_tokens.iter().enumerate() {
        if tokens.len() != h.encoder.config.movie_tokens {
            return bad(format!(
                "movie #{i} has {} tokens, expected {}",
                tokens.len(),
                h.encoder.config.movie_tokens
            ));
        }
        if let Some(t) = tokens.iter().find(|&&t| t as usize >= h.model.vocab_size) {
            return bad(format!("movie #{i} uses token {t} outside the vocabulary"));
        }
    }
    if h.model.rank_dim > 0 && h.model.n_movies != h.catalog.len() {
        return bad(format!(
            "the rank head scores {} movies but the catalog lists {}",
            h.model.n_movies,
            h.catalog.len()
        ));
    }
    if let Some(w) = h.rating_weight {
        real("rating_weight", w.into(), -1000.0, 1000.0, false).map_err(config)?;
    }
    if let Some(list) = &h.newcomer_list {
        list.check().map_err(config)?;
    }
    if let Some(discovery) = &h.discovery {
        discovery.check().map_err(config)?;
    }
    if let Some(neighbours) = &h.neighbours {
        neighbours
            .check(h.catalog.len())
            .map_err(ModelFileError::Header)?;
    }
    Ok(())
}

/// The catalog's ids are unique and its figures in range: scores and the popularity list are
/// computed from them, and an infinity or 3.4e38 would reach the page as null.
fn check_catalog(catalog: &[CatalogEntry]) -> Result<(), ModelFileError> {
    let config = |e: crate::bounds::ConfigError| ModelFileError::Header(e.to_string());
    let mut ids = std::collections::HashSet::new();
    if let Some(dup) = catalog.iter().find(|m| !ids.insert(m.id)) {
        return Err(ModelFileError::Header(format!(
            "catalog lists movie id {} twice",
            dup.id
        )));
    }
    for (i, m) in catalog.iter().enumerate() {
        let mean = f64::from(m.mean_rating);
        real(&format!("catalog[{i}].mean_rating"), mean, 0.0, 10.0, false).map_err(config)?;
        let entropy = f64::from(m.rating_entropy);
        real(
            &format!("catalog[{i}].rating_entropy"),
            entropy,
            0.0,
            16.0,
            false,
        )
        .map_err(config)?;
    }
    Ok(())
}
