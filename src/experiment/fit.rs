//! The one training sequence every experiment, test and benchmark uses: carve out validation,
//! build the encoder, train, choose the list's rating weight on validation.

use std::collections::HashMap;

use super::catalog;
use crate::bounds::ConfigError;
use crate::data::{DataDir, Movies, Rating};
use crate::ease::{Ease, rated_sets};
use crate::encode::Encoder;
use crate::list::{Discovery, ListWeights, NewcomerList};
use crate::metrics::Metrics;
use crate::model::MovieTable;
use crate::modelfile::{ModelHeader, TrainingInfo};
use crate::neighbours::Neighbours;
use crate::predict::{Scorer, histories, token_tensor};
use crate::ranking;
use crate::split::{Carve, validation_split};
use crate::train::{Progress, TrainConfig, TrainOutcome, train};

/// A trained model with what it was trained from.
pub struct Fitted {
    /// Training ratings split into the part learned from and the validation carve-out.
    pub carve: Carve,
    pub encoder: Encoder,
    pub outcome: TrainOutcome,
    /// How much the predicted rating counts beside the rank logit in a list (chosen on the
    /// validation carve-out's NDCG@10); `None` without a rank head.
    pub rating_weight: Option<f32>,
    /// The list of visitors with few ratings, as configured.
    pub newcomer_list: Option<NewcomerList>,
    /// The list's item-item term (its weight chosen with the rating weight), as configured.
    pub neighbours: Option<Neighbours>,
    /// The discovery control's range and default, as configured.
    pub discovery: Option<Discovery>,
    /// The validation carve-out's NDCG@10 with that weight.
    pub validation_ndcg: Option<f64>,
}

/// Where a fitted model came from, for its file header.
pub(super) struct Provenance<'a> {
    pub data: &'a DataDir,
    pub split: String,
    pub descriptions: bool,
    /// All training ratings (fit + validation carve-out): the catalog's counts come from them.
    pub train: &'a [Rating],
    pub test: Option<Metrics>,
    pub seconds: f64,
}

impl Fitted {
    /// What this model's lists are ordered by, as its file header will say.
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

    /// The trained network as a [`Scorer`] over `table` (its [`MovieCnn::movie_table`]), with
    /// this fit's encoder, mean rating and item-item term.
    ///
    /// [`MovieCnn::movie_table`]: crate::model::MovieCnn::movie_table
    pub fn scorer<'a>(
        &'a self,
        table: &'a MovieTable,
        device: &'a burn::tensor::Device,
    ) -> Scorer<'a> {
        Scorer {
            model: &self.outcome.model,
            table,
            encoder: &self.encoder,
            mean_rating: self.outcome.mean_rating,
            device,
            neighbours: self.neighbours.as_ref(),
        }
    }

    /// The model file header describing this fit; `run` and `eval_new_users` describe theirs alike.
    pub(super) fn header(
        &self,
        config: &TrainConfig,
        movies: &Movies,
        from: Provenance,
    ) -> ModelHeader {
        ModelHeader {
            model: config.model.sized_for(&self.encoder),
            rating_weight: self.rating_weight,
            newcomer_list: self.newcomer_list,
            neighbours: self.neighbours.clone(),
            discovery: self.discovery,
            encoder: self.encoder.clone(),
            rating_offset: self.outcome.mean_rating,
            catalog: catalog(movies, from.train),
            training: TrainingInfo {
                data: from.data.root.display().to_string(),
                split: from.split,
                preset: config.preset.clone(),
                seed: config.seed,
                descriptions: from.descriptions,
                epochs_run: self.outcome.log.len(),
                best_epoch: self.outcome.best_epoch,
                validation: self.outcome.validation,
                test: from.test,
                train_ratings: from.train.len(),
                seconds: from.seconds,
                crate_version: env!("CARGO_PKG_VERSION").into(),
            },
        }
    }
}

/// Carves validation out of `train`, builds the encoder on the rest and trains: the one
/// sequence every experiment, test and benchmark uses, and so the one place the library checks a
/// config.
pub fn fit(
    movies: &Movies,
    train_ratings: &[Rating],
    config: &TrainConfig,
    descriptions: Option<&HashMap<u32, String>>,
    device: &burn::tensor::Device,
    progress: &mut dyn Progress,
) -> Result<Fitted, ConfigError> {
    config.check()?;
    if config.neighbours.is_some() {
        crate::ease::check_fits("neighbours", movies.len())?;
    }
    if config.list_teacher.is_some() {
        crate::ease::check_fits("list_teacher", movies.len())?;
    }
    let carve = validation_split(train_ratings, config.validation_fraction, config.seed);
    let encoder = Encoder::build(config.encoder.clone(), movies, &carve.fit, descriptions);
    let mut outcome = train(
        movies,
        &carve.fit,
        &carve.validation,
        &encoder,
        config,
        device,
        progress,
    );
    // Everything after training scores the weights as the model file will hold them.
    outcome.model = crate::modelfile::to_stored_precision(outcome.model);
    // Learned with the rank head, or EASE's as fitted.
    let mut neighbours = outcome.neighbours.take().or_else(|| {
        config.neighbours.as_ref().map(|c| {
            let ease = Ease::fit(&rated_sets(&carve.fit, movies), movies.len(), c.lambda);
            Neighbours::strongest(movies.len(), c, |i, j| ease.weight(i, j))
        })
    });
    let template = ListWeights {
        newcomer: config.newcomer_list,
        popularity_weight: config.discovery.map_or(0.0, |d| d.popularity_weight),
        deep_share: config.discovery.map_or(0.0, |d| d.default),
        calibration: config.discovery.map_or(0.0, |d| d.calibration),
        ..ListWeights::default()
    };
    let chosen = choose_list_weights(
        &outcome,
        &encoder,
        &carve,
        movies,
        template,
        neighbours.as_ref(),
        device,
    );
    if let (Some(n), Some((list, _))) = (&mut neighbours, chosen) {
        n.weight = list.neighbour_weight;
    }
    // EASE's fixed weights are refitted on all the training ratings once ν is chosen, as the
    // EASE baseline is once its λ is (`ranking::fit_ease`); learned ones are the model's.
    let fixed = config.neighbours.as_ref().filter(|c| !c.learned);
    if let (Some(c), Some(n)) = (fixed, &mut neighbours) {
        let ease = Ease::fit(&rated_sets(train_ratings, movies), movies.len(), c.lambda);
        let weight = n.weight;
        *n = Neighbours::strongest(movies.len(), c, |i, j| ease.weight(i, j));
        n.weight = weight;
    }
    Ok(Fitted {
        carve,
        encoder,
        outcome,
        rating_weight: chosen.and_then(|c| c.0.rating_weight),
        newcomer_list: config.newcomer_list,
        neighbours,
        discovery: config.discovery,
        validation_ndcg: chosen.map(|c| c.1),
    })
}

/// The list weights with the best NDCG@10 on the validation carve-out, and that NDCG (`None`
/// without a rank head).
fn choose_list_weights(
    outcome: &TrainOutcome,
    encoder: &Encoder,
    carve: &Carve,
    movies: &Movies,
    template: ListWeights,
    neighbours: Option<&Neighbours>,
    device: &burn::tensor::Device,
) -> Option<(ListWeights, f64)> {
    let model = &outcome.model;
    if !model.has_rank_head() {
        return None;
    }
    let context = histories(&carve.fit, movies);
    let cases = ranking::cases(&context, &carve.validation, movies);
    let table = model.movie_table(token_tensor(encoder, device));
    let scorer = Scorer {
        model,
        table: &table,
        encoder,
        mean_rating: outcome.mean_rating,
        device,
        neighbours,
    };
    let scores = ranking::cnn_scores(&scorer, &cases);
    let popularity = ranking::popularity(&carve.fit, movies);
    let genres = ranking::genres(movies);
    ranking::choose_list_weights(&scores, &cases, (&popularity, &genres), template)
}
