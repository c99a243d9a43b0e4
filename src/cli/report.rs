//! The tables the experiment commands print (their `--json` carries the same figures).

use movierec::experiment::{CvTables, RunResult};
use movierec::ranking::TopNRow;

/// A top-N table: one row per list.
pub fn print_top_n(rows: &[TopNRow]) {
    println!(
        "{:<18} {:>7} {:>7} {:>7} {:>7} {:>8} {:>10}",
        "top-10 list", "HR", "P", "R", "NDCG", "coverage", "popularity"
    );
    for r in rows {
        let f = &r.figures;
        println!(
            "{:<18} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>8.3} {:>10.1}",
            r.model, f.hr, f.precision, f.recall, f.ndcg, f.coverage, f.mean_popularity
        );
    }
}

/// One fold's figures as it finishes, on stderr (stdout holds the final tables).
pub fn print_fold(fold: usize, result: &RunResult) {
    eprintln!(
        "u{fold}  CNN              RMSE {:.4}  MAE {:.4}",
        result.test.rmse, result.test.mae
    );
    for (name, m) in &result.baselines {
        eprintln!("u{fold}  {name:<16} RMSE {:.4}  MAE {:.4}", m.rmse, m.mae);
    }
    for r in &result.top_n {
        eprintln!(
            "u{fold}  {:<16} NDCG@10 {:.4}  HR@10 {:.4}",
            r.model, r.figures.ndcg, r.figures.hr
        );
    }
}

/// The cross-validation tables: rating accuracy, then top-N, each with its per-fold column.
pub fn print_cv(tables: &CvTables) {
    println!(
        "{:<16} {:>17} {:>17}   per fold RMSE (u1…u5)",
        "model", "RMSE", "MAE"
    );
    for r in &tables.rating {
        let folds: Vec<String> = r.folds.iter().map(|m| format!("{:.4}", m.rmse)).collect();
        println!(
            "{:<16} {:.4} ± {:.4}  {:.4} ± {:.4}   {}",
            r.model,
            r.rmse.mean,
            r.rmse.std,
            r.mae.mean,
            r.mae.std,
            folds.join(" ")
        );
    }
    println!(
        "\n{:<18} {:>17} {:>7} {:>7} {:>7} {:>8} {:>10}   per fold NDCG@10 (u1…u5)",
        "top-10 list", "NDCG@10", "HR", "P", "R", "coverage", "popularity"
    );
    for r in &tables.top_n {
        let folds: Vec<String> = r.folds.iter().map(|t| format!("{:.4}", t.ndcg)).collect();
        println!(
            "{:<18} {:.4} ± {:.4} {:>7.4} {:>7.4} {:>7.4} {:>8.3} {:>10.1}   {}",
            r.model,
            r.ndcg.mean,
            r.ndcg.std,
            r.hr.mean,
            r.precision.mean,
            r.recall.mean,
            r.coverage.mean,
            r.mean_popularity.mean,
            folds.join(" ")
        );
    }
}
