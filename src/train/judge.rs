//! How an epoch's weights are judged: validation RMSE through the browser's inference path.

use std::collections::BTreeMap;

use burn::tensor::{Device, Int, Tensor};

use crate::data::{Movies, Rating};
use crate::encode::Encoder;
use crate::metrics::{Metrics, metrics};
use crate::model::MovieCnn;
use crate::predict::{History, Scorer, predict_ratings};

/// What an epoch's weights are judged on: the validation ratings, each user's history being
/// their `fit_ratings`, scored through the inference path the browser uses.
pub(super) struct Validation<'a> {
    pub(super) ratings: &'a [Rating],
    pub(super) by_user: &'a BTreeMap<u32, History>,
    pub(super) movies: &'a Movies,
    pub(super) encoder: &'a Encoder,
    pub(super) tokens: Tensor<2, Int>,
    pub(super) mean_rating: f32,
    pub(super) device: &'a Device,
}

impl Validation<'_> {
    pub(super) fn metrics(&self, model: &MovieCnn) -> Metrics {
        let table = model.movie_table(self.tokens.clone());
        let scorer = Scorer {
            model,
            table: &table,
            encoder: self.encoder,
            mean_rating: self.mean_rating,
            device: self.device,
            neighbours: None, // ratings only
        };
        let predicted = predict_ratings(&scorer, self.by_user, self.ratings, self.movies);
        let actual: Vec<f32> = self.ratings.iter().map(|r| r.rating).collect();
        metrics(&predicted, &actual)
    }
}
