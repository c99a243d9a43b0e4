//! Chooses the item-item term's EASE λ and neighbours per movie (`neighbours` in the training
//! config) on the validation carve-out: for each canonical fold named, trains the configured
//! preset once without the term, then prints the carve-out's NDCG@10 of the list without it, of
//! EASE alone, and of the list with each setting of the grid (its weights chosen on the same
//! carve-out, as training does), with the size of its JSON in the model header.
//!
//! `cargo run --release --example neighbour_grid -- [--config FILE] FOLD ...` (FOLD: u1…u5).

mod support;

use movierec::data::DataDir;
use movierec::ease::{Ease, rated_sets};
use movierec::experiment::fit;
use movierec::neighbours::{Neighbours, NeighboursConfig};
use movierec::predict::{Scorer, histories, token_tensor};
use movierec::ranking;
use movierec::train::Quiet;

const LAMBDAS: [f64; 3] = [200.0, 400.0, 800.0];
const PER_MOVIE: [usize; 4] = [8, 16, 32, 64];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut config, args) = support::config_and_args()?;
    let ramp = config
        .neighbours
        .take()
        .unwrap_or_else(NeighboursConfig::tuned);
    let data = support::data_dir();
    let movies = data.movies()?;
    let device = movierec::device();
    for fold in args {
        let train = DataDir::ratings_file(&data.path(&format!("{fold}.base")), &movies)?;
        let fitted = fit(&movies, &train, &config, None, &device, &mut Quiet)?;
        let model = &fitted.outcome.model;
        let table = model.movie_table(token_tensor(&fitted.encoder, &device));
        let context = histories(&fitted.carve.fit, &movies);
        let cases = ranking::cases(&context, &fitted.carve.validation, &movies);
        let popularity = ranking::popularity(&fitted.carve.fit, &movies);
        let ndcg = fitted.validation_ndcg.ok_or("the model has no rank head")?;
        println!("{fold} carve-out NDCG@10: without the term {ndcg:.4}");
        let sets = rated_sets(&fitted.carve.fit, &movies);
        for lambda in LAMBDAS {
            let ease = Ease::fit(&sets, movies.len(), lambda);
            let alone = ranking::evaluate(&cases, &popularity, |k| {
                ease.scores(&ranking::items(&cases[k].history))
            });
            println!("  λ {lambda}: EASE alone {:.4}", alone.ndcg);
            for per_movie in PER_MOVIE {
                let settings = NeighboursConfig {
                    lambda,
                    per_movie,
                    ..ramp.clone()
                };
                let neighbours =
                    Neighbours::strongest(movies.len(), &settings, |i, j| ease.weight(i, j));
                let scorer = Scorer {
                    neighbours: Some(&neighbours),
                    ..fitted.scorer(&table, &device)
                };
                let scores = ranking::cnn_scores(&scorer, &cases);
                let (list, ndcg) = ranking::choose_list_weights(
                    &scores,
                    &cases,
                    (&popularity, &ranking::genres(&movies)),
                    fitted.list_weights(),
                )
                .ok_or("the model has no rank head")?;
                println!(
                    "    {per_movie:>2} per movie: {ndcg:.4} (rating weight {:?}, term weight {}), {} KB of JSON",
                    list.rating_weight.unwrap_or(0.0),
                    list.neighbour_weight,
                    serde_json::to_vec(&neighbours)?.len() / 1000
                );
            }
        }
    }
    Ok(())
}
