//! An exponential moving average of the weights during training.
//!
//! With only a few hundred optimiser steps and a learning rate still high at the end, the last
//! step's weights carry that step's noise (validation RMSE jumps by ±0.003 from epoch to epoch);
//! the average over roughly the last `1 / (1 − decay)` steps does not, and is what gets validated
//! and saved.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::Tensor;

use crate::model::MovieCnn;

/// The running average of a model's weights (on the plain, non-autodiff device).
pub struct WeightAverage {
    decay: f64,
    steps: usize,
    average: Option<MovieCnn>,
}

impl WeightAverage {
    /// `decay` close to 1 averages over more steps; 0 keeps the latest weights.
    pub fn new(decay: f64) -> Self {
        Self {
            decay: decay.clamp(0.0, 1.0),
            steps: 0,
            average: None,
        }
    }

    /// Folds in the weights after one more step. The weight of the past grows with the number of
    /// steps (`(1 + t) / (10 + t)`, capped at `decay`), so the first, random weights fade fast.
    pub fn update(&mut self, latest: MovieCnn) {
        self.steps += 1;
        let t = self.steps as f64;
        let past = self.decay.min((1.0 + t) / (10.0 + t));
        self.average = Some(match self.average.take() {
            None => latest,
            Some(average) => {
                let mut collect = Collect(HashMap::new());
                latest.visit(&mut collect);
                average.map(&mut Blend {
                    latest: collect.0,
                    past,
                })
            }
        });
    }

    /// The averaged model, if any step was folded in.
    pub fn get(&self) -> Option<&MovieCnn> {
        self.average.as_ref()
    }
}

/// Gathers each float parameter, flattened, by id.
struct Collect(HashMap<ParamId, Tensor<1>>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let n = value.shape().num_elements();
        self.0.insert(param.id, value.reshape([n]));
    }
}

/// `average · past + latest · (1 − past)`, parameter by parameter.
struct Blend {
    latest: HashMap<ParamId, Tensor<1>>,
    past: f64,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(latest) = self.latest.remove(&param.id) else {
            return param;
        };
        let past = self.past;
        param.map(|average| {
            let dims = average.dims();
            average * past + latest.reshape(dims) * (1.0 - past)
        })
    }
}
