//! The tables the experiment commands print (their `--json` carries the same figures).

use movierec::experiment::{CvTables, NewUserRow, RunResult};
use movierec::ranking::TopNRow;

/// A top-N table: one row per list.
pub fn print_top_n(rows: &[TopNRow]) {
    println!(
        "{:<18} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>10} {:>5}",
        "top-10 list",
        "HR",
        "P",
        "R",
        "NDCG",
        "LT-NDCG",
        "strat R",
        "overlap",
        "coverage",
        "popularity",
        "head"
    );
    for r in rows {
        let f = &r.figures;
        println!(
            "{:<18} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>7.3} {:>8.3} {:>10.1} {:>5.2}",
            r.model,
            f.hr,
            f.precision,
            f.recall,
            f.ndcg,
            f.long_tail_ndcg,
            f.stratified_recall,
            f.overlap,
            f.coverage,
            f.mean_popularity,
            f.short_head_share
        );
    }
    println!(
        "LT-NDCG: hits outside the short head only; strat R: recall weighted by popularity^-0.5; \
         overlap: mean Jaccard of two users' lists; head: share of the lists in the short head"
    );
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
        "\n{:<18} {:>17} {:>17} {:>7} {:>7} {:>7} {:>8} {:>10}   per fold NDCG@10",
        "top-10 list",
        "NDCG@10",
        "LT-NDCG@10",
        "HR",
        "strat R",
        "overlap",
        "coverage",
        "popularity"
    );
    for r in &tables.top_n {
        let folds: Vec<String> = r.folds.iter().map(|t| format!("{:.4}", t.ndcg)).collect();
        println!(
            "{:<18} {:.4} ± {:.4} {:.4} ± {:.4} {:>7.4} {:>7.4} {:>7.3} {:>8.3} {:>10.1}   {}",
            r.model,
            r.ndcg.mean,
            r.ndcg.std,
            r.long_tail_ndcg.mean,
            r.long_tail_ndcg.std,
            r.hr.mean,
            r.stratified_recall.mean,
            r.overlap.mean,
            r.coverage.mean,
            r.mean_popularity.mean,
            folds.join(" ")
        );
    }
}

/// The CNN's new-visitor lists at each discovery setting: plain and long-tail NDCG@10 at each k,
/// and the share of the lists from the short head.
pub fn print_discovery(rows: &[NewUserRow]) {
    let ks: Vec<String> = rows.iter().map(|r| r.k.to_string()).collect();
    println!(
        "\nCNN by discovery setting (NDCG@10 | long-tail NDCG@10 | short-head share, at k = {})",
        ks.join(", ")
    );
    let Some(first) = rows.first() else { return };
    for (i, d) in first.discovery.iter().enumerate() {
        let at = |f: fn(&movierec::topn::TopN) -> f64| -> String {
            let cells: Vec<String> = rows
                .iter()
                .map(|r| format!("{:.4}", f(&r.discovery[i].figures)))
                .collect();
            cells.join(" ")
        };
        println!(
            "{:>4}  {} | {} | {}",
            d.setting,
            at(|t| t.ndcg),
            at(|t| t.long_tail_ndcg),
            at(|t| t.short_head_share)
        );
    }
}
