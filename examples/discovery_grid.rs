//! Chooses the list's popularity weight (the discovery control's range and default) and the
//! newcomer list on validation users: for each protocol seed, trains as `eval-new-users
//! --validation --seed SEED` does (the reported users dropped, a fifth of the rest held out),
//! then prints, for every list of the grid and the yardsticks folded in, the held-out users'
//! plain and long-tail NDCG@10 at each k, the share of the lists in the short head, the known
//! users' plain and long-tail NDCG@10 on the training carve-out, and the taste check.
//!
//! `cargo run --release --example discovery_grid -- [--config FILE] SEED ...`

mod support;

use movierec::data::DataDir;
use movierec::experiment::taste::{self, TasteVisitor};
use movierec::experiment::{REVEALED, catalog, fit, split_new_users};
use movierec::list::{ListCatalog, ListWeights, NewcomerList};
use movierec::predict::{History, histories, score_catalog, token_tensor};
use movierec::ranking::{self, Case};
use movierec::topn::{N, TopN, short_head};
use movierec::train::{Quiet, TrainConfig};
use movierec::yardsticks::{MostRated, Yardsticks};

const POPULARITY_WEIGHTS: [f32; 3] = [0.0, -0.5, -1.0];
/// The share of places given to films beyond the short head.
const DEEP_SHARES: [f32; 3] = [0.0, 0.3, 0.4];
/// The genre calibration's λ (fading with the newcomer list).
const CALIBRATIONS: [f32; 3] = [0.0, 0.3, 0.5];
/// The item-item term's newcomer weight.
const NEWCOMER_NU: [f32; 3] = [6.0, 12.0, 24.0];
/// The newcomer list's own (fading) popularity weight.
const NEWCOMER_G: [f32; 1] = [2.0];

/// Columns: NDCG@10 at each k, long-tail NDCG@10 at each k, short-head share (mean over k),
/// carve-out NDCG@10 and long-tail NDCG@10, taste: in genre, blockbusters, overlap, disliked.
type Row = Vec<f64>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (config, args) = support::config_and_args()?;
    let seeds: Vec<u64> = args.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
    if seeds.is_empty() {
        return Err("usage: discovery_grid [--config FILE] SEED ...".into());
    }
    let data = support::data_dir();
    let mut total: Vec<(String, Row)> = Vec::new();
    for &seed in &seeds {
        let rows = draw(
            &data,
            &TrainConfig {
                seed,
                ..config.clone()
            },
        )?;
        println!("validation users, protocol seed {seed}");
        print_rows(&rows);
        for (i, (name, row)) in rows.into_iter().enumerate() {
            match total.get_mut(i) {
                Some((_, sum)) => sum.iter_mut().zip(&row).for_each(|(s, x)| *s += x),
                None => total.push((name, row)),
            }
        }
    }
    println!("mean over seeds {seeds:?}");
    let n = seeds.len() as f64;
    let mean: Vec<(String, Row)> = total
        .into_iter()
        .map(|(name, row)| (name, row.iter().map(|x| x / n).collect()))
        .collect();
    print_rows(&mean);
    Ok(())
}

fn print_rows(rows: &[(String, Row)]) {
    println!(
        "{:<28} NDCG@10 k={REVEALED:?} | LT-NDCG@10 | head | carve NDCG LT | taste genre top50 overlap disliked",
        "list"
    );
    for (name, row) in rows {
        let cells: Vec<String> = row.iter().map(|x| format!("{x:.3}")).collect();
        println!("{name:<28} {}", cells.join(" "));
    }
}

/// The lists of the grid: each newcomer list with each popularity weight.
fn grid(fitted: ListWeights, preset: Option<NewcomerList>) -> Vec<(String, ListWeights)> {
    let mut newcomers = vec![("known".to_string(), None)];
    if let Some(n) = preset {
        for g in NEWCOMER_G {
            for nu in NEWCOMER_NU {
                let list = NewcomerList {
                    popularity_weight: g,
                    neighbour_weight: Some(nu),
                    ..n
                };
                newcomers.push((format!("g {g} nu {nu}"), Some(list)));
            }
        }
    }
    let mut lists = Vec::new();
    for (name, newcomer) in newcomers {
        for g in POPULARITY_WEIGHTS {
            for deep_share in DEEP_SHARES {
                for calibration in CALIBRATIONS {
                    let list = ListWeights {
                        newcomer,
                        popularity_weight: g,
                        deep_share,
                        calibration,
                        ..fitted
                    };
                    let name = format!("{name} pop {g} deep {deep_share} cal {calibration}");
                    lists.push((name, list));
                }
            }
        }
    }
    lists
}

/// One protocol seed: the yardsticks' rows, then every list of the grid.
fn draw(
    data: &DataDir,
    config: &TrainConfig,
) -> Result<Vec<(String, Row)>, Box<dyn std::error::Error>> {
    let movies = data.movies()?;
    let all = data.ratings(&movies)?;
    let (held_users, train) = split_new_users(all, config.seed, true);
    let device = movierec::device();
    let fitted = fit(&movies, &train, config, None, &device, &mut Quiet)?;
    let table = fitted
        .outcome
        .model
        .movie_table(token_tensor(&fitted.encoder, &device));
    let scorer = fitted.scorer(&table, &device);
    let last_k = *REVEALED.last().expect("non-empty");
    let held: Vec<History> = histories(&held_users, &movies)
        .into_values()
        .filter(|h| h.len() > last_k)
        .collect();
    let popularity = ranking::popularity(&train, &movies);
    let yard = Yardsticks::fit(&train, &movies, config.validation_fraction, config.seed);
    let cat = catalog(&movies, &train);
    let visitors = taste::taste_visitors(&cat);
    let lowest = fitted.encoder.stars.lowest();
    let revealed: Vec<Vec<Case>> = REVEALED
        .iter()
        .map(|&k| ranking::revealed_cases(&held, k))
        .collect();
    let carve_cases = ranking::cases(
        &histories(&fitted.carve.fit, &movies),
        &fitted.carve.validation,
        &movies,
    );
    let carve_popularity = ranking::popularity(&fitted.carve.fit, &movies);
    let mut rows = Vec::new();
    let most_rated = MostRated::new(&popularity);
    let mut rankers = yard.rankers();
    rankers.push(("most rated", &most_rated));
    for (name, ranker) in rankers {
        let mut row = Row::new();
        let figures: Vec<TopN> = revealed
            .iter()
            .map(|cases| {
                ranking::evaluate(cases, &popularity, |i| ranker.scores(&cases[i].history))
            })
            .collect();
        push_newcomer_figures(&mut row, &figures);
        row.extend([f64::NAN, f64::NAN]);
        let lists = taste::ranker_lists(ranker, &visitors, movies.len(), lowest);
        push_taste(&mut row, &lists, &visitors, &cat);
        rows.push((name.to_string(), row));
    }
    let cnn: Vec<_> = revealed
        .iter()
        .map(|cases| ranking::cnn_scores(&scorer, cases))
        .collect();
    let carve_cnn = ranking::cnn_scores(&scorer, &carve_cases);
    let taste_histories: Vec<History> = visitors.iter().map(|v| v.history(lowest)).collect();
    let refs: Vec<&[(usize, f32)]> = taste_histories.iter().map(|h| h.as_slice()).collect();
    let taste_scores = score_catalog(&scorer, &refs);
    let head = short_head(&popularity);
    let genres = ranking::genres(&movies);
    let list_catalog = ListCatalog {
        popularity: &popularity,
        head: &head,
        genres: &genres,
    };
    for (name, list) in grid(fitted.list_weights(), config.newcomer_list) {
        let mut row = Row::new();
        let figures: Vec<TopN> = revealed
            .iter()
            .zip(&cnn)
            .map(|(cases, scores)| {
                ranking::evaluate_cnn(cases, scores, &list, (&popularity, &genres), 0)
            })
            .collect();
        push_newcomer_figures(&mut row, &figures);
        let carve = ranking::evaluate_cnn(
            &carve_cases,
            &carve_cnn,
            &list,
            (&carve_popularity, &genres),
            0,
        );
        row.extend([carve.ndcg, carve.long_tail_ndcg]);
        let lists: Vec<Vec<usize>> = taste_histories
            .iter()
            .zip(&taste_scores)
            .map(|(h, s)| {
                let mut rated = vec![false; movies.len()];
                h.iter().for_each(|&(m, _)| rated[m] = true);
                list.top(s, h, &list_catalog, &rated, N)
            })
            .collect();
        push_taste(&mut row, &lists, &visitors, &cat);
        rows.push((name, row));
    }
    Ok(rows)
}

fn push_newcomer_figures(row: &mut Row, figures: &[TopN]) {
    row.extend(figures.iter().map(|f| f.ndcg));
    row.extend(figures.iter().map(|f| f.long_tail_ndcg));
    row.push(figures.iter().map(|f| f.short_head_share).sum::<f64>() / figures.len() as f64);
}

fn push_taste(
    row: &mut Row,
    lists: &[Vec<usize>],
    visitors: &[TasteVisitor],
    cat: &[movierec::modelfile::CatalogEntry],
) {
    let t = taste::taste_row(String::new(), lists, visitors, cat);
    row.extend([t.in_genre, t.blockbusters, t.overlap, t.in_disliked_genre]);
}
