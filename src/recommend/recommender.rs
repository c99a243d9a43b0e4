//! A loaded model file, ready to score: what the browser and `eval` hold.

use std::collections::HashMap;

use burn::tensor::Device;

use crate::model::{MovieCnn, MovieTable};
use crate::modelfile::{self, ModelFileError, ModelHeader};
use crate::predict::{Query, Scorer, predict_many, token_tensor};

/// A loaded model ready to score: the file's header, the network and its precomputed catalog
/// table. The visitor API is in [`crate::recommend`].
pub struct Recommender {
    pub header: ModelHeader,
    model: MovieCnn,
    table: MovieTable,
    device: Device,
    index: HashMap<u32, usize>,
    /// The catalog's short head ([`crate::topn::short_head`]): the films the discovery
    /// setting's deep places pass over, and the ones explained as widely liked.
    pub(super) short_head: Vec<bool>,
    /// The catalog's genres, for calibrated lists.
    pub(super) genres: crate::calibration::Genres,
}

impl Recommender {
    pub fn from_bytes(bytes: &[u8], device: Device) -> Result<Self, ModelFileError> {
        let (header, model) = modelfile::from_bytes(bytes, &device)?;
        Ok(Self::new(header, model, device))
    }

    pub fn new(header: ModelHeader, model: MovieCnn, device: Device) -> Self {
        let table = model.movie_table(token_tensor(&header.encoder, &device));
        let index = header
            .catalog
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i))
            .collect();
        let ratings: Vec<u32> = header.catalog.iter().map(|m| m.n_ratings).collect();
        Self {
            short_head: crate::topn::short_head(&ratings),
            genres: crate::calibration::Genres::new(
                header.catalog.iter().map(|m| m.genres.as_slice()),
            ),
            header,
            model,
            table,
            device,
            index,
        }
    }

    /// Dense index of a MovieLens id in this model's catalog.
    pub fn index_of(&self, movie_id: u32) -> Option<usize> {
        self.index.get(&movie_id).copied()
    }

    /// The network as a [`Scorer`], with this file's catalog table, encoder and mean rating.
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            model: &self.model,
            table: &self.table,
            encoder: &self.header.encoder,
            mean_rating: self.header.rating_offset,
            device: &self.device,
            neighbours: self.header.neighbours.as_ref(),
        }
    }

    /// The network, e.g. to write it back into a model file.
    pub fn model(&self) -> &MovieCnn {
        &self.model
    }

    /// Predicted ratings (clipped to the rating scale) of each query's targets (dense indices).
    pub fn predict_indices(&self, queries: &[Query]) -> Vec<Vec<f32>> {
        let stars = self.header.encoder.stars;
        predict_many(&self.scorer(), queries)
            .into_iter()
            .map(|v| v.into_iter().map(|p| stars.clip(p)).collect())
            .collect()
    }
}
