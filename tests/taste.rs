//! The taste check on the shipped demo model: one-taste visitors (five liked films of a genre,
//! two disliked of another) get lists that follow their genre at least as well as EASE folded in
//! from the same likes, that are not the blockbusters, and that differ from visitor to visitor;
//! and the discovery control's ends do what they are named for.

mod common;

use movierec::experiment::taste::{TasteRow, taste_check, taste_visitors};
use movierec::recommend::Recommender;
use movierec::split::load_split;
use movierec::yardsticks::Yardsticks;

fn row<'a>(rows: &'a [TasteRow], name: &str) -> &'a TasteRow {
    rows.iter()
        .find(|r| r.list == name)
        .expect("a row of that name")
}

#[test]
fn the_demo_models_lists_follow_one_taste_visitors() {
    let rec = Recommender::from_bytes(&common::demo_model_bytes(), movierec::device())
        .expect("the demo model loads");
    let movies = rec.header.movies();
    // The yardsticks learn from the demo model's own training ratings (ml-latest-small).
    let spec = rec
        .header
        .training
        .split
        .parse()
        .expect("the model's split");
    let split = load_split(&common::latest_small(), &spec, &movies).expect("the split loads");
    let yardsticks = Yardsticks::fit(&split.train, &movies, 0.05, rec.header.training.seed);
    let visitors = taste_visitors(&rec.header.catalog);
    assert!(visitors.len() >= 10, "{} visitors", visitors.len());
    for v in &visitors {
        // Each visitor's likes are of their genre and their dislikes are not.
        let has = |m: usize, g: &str| rec.header.catalog[m].genres.iter().any(|x| x == g);
        assert!(v.likes.iter().all(|&m| has(m, &v.genre)));
        assert!(v.dislikes.iter().all(|&m| !has(m, &v.genre)));
    }
    let rows = taste_check(
        &rec,
        &visitors,
        &[None, Some(0.0), Some(1.0)],
        &yardsticks.rankers(),
    );
    let (cnn, ease) = (&rows[0], row(&rows, "EASE"));
    assert!(cnn.in_genre >= ease.in_genre, "{cnn:?} vs {ease:?}");
    // Issue 33's target is 0.40; on ml-latest-small no list setting met it on validation
    // without costing known users (docs/experiments.md, "The modern demo"): the demo's is
    // about 0.45, and this bar keeps it from sliding back towards the most-rated list (1.0).
    assert!(cnn.blockbusters <= 0.50, "{cnn:?}");
    assert!(cnn.overlap <= 0.10, "{cnn:?}");
    // Disliked films push their kind down: less of it than in the most-rated list.
    assert!(cnn.in_disliked_genre < row(&rows, "most rated").in_disliked_genre);
    // "Deep cuts" lists no blockbuster; "crowd favourites" lists more of them than the default.
    let (crowd, deep) = (&rows[1], &rows[2]);
    assert_eq!(deep.blockbusters, 0.0);
    assert!(crowd.blockbusters > cnn.blockbusters);
}
