//! Chooses the newcomer list (`newcomer_list` in the training config) on validation users: for
//! each protocol seed, trains as `eval-new-users --validation --seed SEED` does (the reported
//! users dropped, a fifth of the rest held out), then prints the held-out users' NDCG@10 at
//! each k for every setting of the grid (fade, rating weight, popularity weight and the
//! item-item term's newcomer weight), beside the most-rated list and EASE folded in, and
//! (last column) the known users' NDCG@10 on the training carve-out with that list, since a
//! list that fades out late also reaches known users with few ratings.
//!
//! `cargo run --release --example newcomer_grid -- [--config FILE] SEED ...`; the config's own
//! `newcomer_list` is ignored (every setting of the grid is scored on the same model).

mod support;

use movierec::data::DataDir;
use movierec::experiment::{REVEALED, fit, split_new_users};
use movierec::list::{ListWeights, NewcomerList};
use movierec::predict::{History, histories, token_tensor};
use movierec::ranking;
use movierec::train::{Quiet, TrainConfig};

const FADES: [usize; 3] = [20, 40, 80];
const RATING_WEIGHTS: [f32; 4] = [1.0, 2.0, 3.0, 4.0];
const POPULARITY_WEIGHTS: [f32; 4] = [0.0, 1.0, 2.0, 3.0];
/// The item-item term's newcomer weight; `None` keeps the known users' weight.
const NEIGHBOUR_WEIGHTS: [Option<f32>; 4] = [None, Some(4.0), Some(6.0), Some(8.0)];

/// NDCG@10 at each k of [`REVEALED`] for one list, then its known users' carve-out NDCG@10.
type Row = Vec<f64>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut config, args) = support::config_and_args()?;
    let seeds: Vec<u64> = args.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
    if seeds.is_empty() {
        return Err("usage: newcomer_grid [--config FILE] SEED ...".into());
    }
    let data = support::data_dir();
    let mut total: Vec<(String, Row)> = Vec::new();
    for &seed in &seeds {
        config.seed = seed;
        let rows = draw(&data, &config)?;
        println!(
            "validation users, protocol seed {seed}: NDCG@10 at k = {REVEALED:?}, carve-out, mean over k"
        );
        for (name, row) in &rows {
            print_row(name, row);
        }
        for (i, (name, row)) in rows.into_iter().enumerate() {
            match total.get_mut(i) {
                Some((_, sum)) => sum.iter_mut().zip(&row).for_each(|(s, x)| *s += x),
                None => total.push((name, row)),
            }
        }
    }
    println!("mean over seeds {seeds:?}");
    for (name, row) in &total {
        let mean: Row = row.iter().map(|x| x / seeds.len() as f64).collect();
        print_row(name, &mean);
    }
    Ok(())
}

fn print_row(name: &str, row: &Row) {
    let cells: Vec<String> = row.iter().map(|x| format!("{x:.4}")).collect();
    let newcomers = &row[..REVEALED.len()];
    let mean = newcomers.iter().sum::<f64>() / newcomers.len() as f64;
    println!("{name:<36} {}  {mean:.4}", cells.join(" "));
}

/// Every newcomer list of the grid.
fn grid() -> impl Iterator<Item = NewcomerList> {
    FADES.into_iter().flat_map(|fade_ratings| {
        RATING_WEIGHTS.into_iter().flat_map(move |rating_weight| {
            POPULARITY_WEIGHTS
                .into_iter()
                .flat_map(move |popularity_weight| {
                    NEIGHBOUR_WEIGHTS.map(|neighbour_weight| NewcomerList {
                        fade_ratings,
                        rating_weight,
                        popularity_weight,
                        neighbour_weight,
                    })
                })
        })
    })
}

/// One protocol seed: the baselines' rows, the known users' list, then every grid setting.
fn draw(
    data: &DataDir,
    config: &TrainConfig,
) -> Result<Vec<(String, Row)>, Box<dyn std::error::Error>> {
    let movies = data.movies()?;
    let all = data.ratings(&movies)?;
    let (held_users, train) = split_new_users(all, config.seed, true);
    let device = movierec::device();
    let fitted = fit(&movies, &train, config, None, &device, &mut Quiet)?;
    let model = &fitted.outcome.model;
    let table = model.movie_table(token_tensor(&fitted.encoder, &device));
    let scorer = fitted.scorer(&table, &device);
    let last_k = *REVEALED.last().expect("non-empty");
    let held: Vec<History> = histories(&held_users, &movies)
        .into_values()
        .filter(|h| h.len() > last_k)
        .collect();
    let popularity = ranking::popularity(&train, &movies);
    let (ease, _) =
        movierec::yardsticks::fit_ease(&train, &movies, config.validation_fraction, config.seed);
    let most_rated: Vec<f32> = popularity.iter().map(|&c| c as f32).collect();
    let known = fitted.rating_weight.ok_or("the model has no rank head")?;
    let mut lists: Vec<(String, ListWeights)> = vec![(
        format!("known users' list (w {known})"),
        ListWeights {
            rating_weight: Some(known),
            newcomer: None,
            ..fitted.list_weights()
        },
    )];
    for newcomer in grid() {
        let nu = newcomer
            .neighbour_weight
            .map_or("known".into(), |w| w.to_string());
        let name = format!(
            "fade {} w {} g {} nu {nu}",
            newcomer.fade_ratings, newcomer.rating_weight, newcomer.popularity_weight
        );
        let weights = ListWeights {
            rating_weight: Some(known),
            newcomer: Some(newcomer),
            ..fitted.list_weights()
        };
        lists.push((name, weights));
    }
    let mut rows: Vec<(String, Row)> = vec![
        ("most rated".into(), Row::new()),
        ("EASE".into(), Row::new()),
    ];
    rows.extend(lists.iter().map(|(name, _)| (name.clone(), Row::new())));
    let carve_context = histories(&fitted.carve.fit, &movies);
    let carve_cases = ranking::cases(&carve_context, &fitted.carve.validation, &movies);
    let carve_popularity = ranking::popularity(&fitted.carve.fit, &movies);
    let carve_cnn = ranking::cnn_scores(&scorer, &carve_cases);
    for k in REVEALED {
        let cases = ranking::revealed_cases(&held, k);
        let cnn = ranking::cnn_scores(&scorer, &cases);
        let ndcg = |scores: &dyn Fn(usize) -> Vec<f32>| {
            ranking::evaluate(&cases, &popularity, scores).ndcg
        };
        rows[0].1.push(ndcg(&|_| most_rated.clone()));
        rows[1]
            .1
            .push(ndcg(&|i| ease.scores(&ranking::items(&cases[i].history))));
        for (j, (_, weights)) in lists.iter().enumerate() {
            let scores = |i: usize| weights.scores(&cnn[i], cases[i].history.len(), &popularity);
            rows[2 + j].1.push(ndcg(&scores));
        }
    }
    let carve_ndcg = |scores: &dyn Fn(usize) -> Vec<f32>| {
        ranking::evaluate(&carve_cases, &carve_popularity, scores).ndcg
    };
    let carve_most: Vec<f32> = carve_popularity.iter().map(|&c| c as f32).collect();
    rows[0].1.push(carve_ndcg(&|_| carve_most.clone()));
    rows[1].1.push(f64::NAN);
    for (j, (_, weights)) in lists.iter().enumerate() {
        let scores = |i: usize| {
            let n = carve_cases[i].history.len();
            weights.scores(&carve_cnn[i], n, &carve_popularity)
        };
        rows[2 + j].1.push(carve_ndcg(&scores));
    }
    Ok(rows)
}
