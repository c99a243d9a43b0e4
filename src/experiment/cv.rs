//! Five-fold cross-validation: the CNN and the baselines on each fold, mean ± std. 100K uses its
//! canonical u1…u5; other releases a seeded partition into five ([`SplitSpec::Fold`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::{RunResult, RunSpec, run};
use crate::data::{DataDir, DataError, Layout};
use crate::metrics::{MeanStd, Metrics, mean_std};
use crate::split::{FOLDS, SplitSpec};
use crate::topn::TopN;
use crate::train::{Progress, TrainConfig};

/// One row of the cross-validation table.
#[derive(Debug, Clone, Serialize)]
pub struct CvRow {
    pub model: String,
    pub folds: Vec<Metrics>,
    pub rmse: MeanStd,
    pub mae: MeanStd,
}

/// One row of the cross-validation top-N table: each fold's figures and their mean.
#[derive(Debug, Clone, Serialize)]
pub struct CvTopNRow {
    pub model: String,
    pub folds: Vec<TopN>,
    pub ndcg: MeanStd,
    pub long_tail_ndcg: MeanStd,
    pub stratified_recall: MeanStd,
    pub overlap: MeanStd,
    pub hr: MeanStd,
    pub precision: MeanStd,
    pub recall: MeanStd,
    pub coverage: MeanStd,
    pub mean_popularity: MeanStd,
}

impl CvTopNRow {
    fn new(model: String, folds: Vec<TopN>) -> Self {
        let stat = |f: fn(&TopN) -> f64| mean_std(&folds.iter().map(f).collect::<Vec<_>>());
        Self {
            model,
            ndcg: stat(|t| t.ndcg),
            long_tail_ndcg: stat(|t| t.long_tail_ndcg),
            stratified_recall: stat(|t| t.stratified_recall),
            overlap: stat(|t| t.overlap),
            hr: stat(|t| t.hr),
            precision: stat(|t| t.precision),
            recall: stat(|t| t.recall),
            coverage: stat(|t| t.coverage),
            mean_popularity: stat(|t| t.mean_popularity),
            folds,
        }
    }
}

/// Cross-validation tables: rating accuracy and top-N.
#[derive(Debug, Clone, Serialize)]
pub struct CvTables {
    pub rating: Vec<CvRow>,
    pub top_n: Vec<CvTopNRow>,
}

/// Five-fold cross-validation of the CNN and the baselines.
pub fn cross_validate(
    data: &DataDir,
    config: &TrainConfig,
    descriptions: &Option<PathBuf>,
    progress: &mut dyn Progress,
    mut on_fold: impl FnMut(usize, &RunResult),
) -> Result<CvTables, DataError> {
    let mut per_model: BTreeMap<usize, (String, Vec<Metrics>)> = BTreeMap::new();
    let mut per_list: BTreeMap<usize, (String, Vec<TopN>)> = BTreeMap::new();
    let canonical = data.layout()? == Layout::Ml100k;
    for fold in 1..=FOLDS {
        let split = if canonical {
            SplitSpec::Canonical(format!("u{fold}"))
        } else {
            SplitSpec::Fold {
                index: fold,
                seed: config.seed,
            }
        };
        let spec = RunSpec {
            data: data.clone(),
            split,
            config: config.clone(),
            descriptions: descriptions.clone(),
        };
        let result = run(&spec, true, progress)?;
        on_fold(fold, &result);
        let mut rows = vec![(format!("CNN ({})", config.preset), result.test)];
        rows.extend(result.baselines);
        for (k, (name, m)) in rows.into_iter().enumerate() {
            per_model
                .entry(k)
                .or_insert_with(|| (name, Vec::new()))
                .1
                .push(m);
        }
        for (k, row) in result.top_n.into_iter().enumerate() {
            per_list
                .entry(k)
                .or_insert_with(|| (row.model, Vec::new()))
                .1
                .push(row.figures);
        }
    }
    let rating = per_model
        .into_values()
        .map(|(model, folds)| CvRow {
            rmse: mean_std(&folds.iter().map(|m| m.rmse).collect::<Vec<_>>()),
            mae: mean_std(&folds.iter().map(|m| m.mae).collect::<Vec<_>>()),
            model,
            folds,
        })
        .collect();
    let top_n = per_list
        .into_values()
        .map(|(model, folds)| CvTopNRow::new(model, folds))
        .collect();
    Ok(CvTables { rating, top_n })
}
