//! The visitor API the page calls (through wasm), run natively against the committed demo model:
//! ranking, filters, explanations, the popularity fallback and every bad-input class.

use movierec::predict::score_movies;
use movierec::recommend::Recommender;
use movierec::recommend::{Basis, InputError, RecommendOptions, VisitorRating};

fn demo() -> Recommender {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model.movierec");
    Recommender::from_bytes(&std::fs::read(path).unwrap(), movierec::device()).unwrap()
}

fn r(movie_id: u32, rating: f32) -> VisitorRating {
    VisitorRating { movie_id, rating }
}

/// The list scores of `ids` for `ratings` weighted as a history of `n` ratings: an explanation
/// leaves one rating out without changing the list's weights (which depend on the history's
/// length), only what the network reads.
fn scores_at(rec: &Recommender, ratings: &[VisitorRating], n: usize, ids: &[u32]) -> Vec<f32> {
    let movies = rec.header.movies();
    let index = |id: u32| movies.index_of(id).unwrap();
    let history: Vec<(usize, f32)> = ratings
        .iter()
        .map(|r| (index(r.movie_id), r.rating))
        .collect();
    let targets: Vec<usize> = ids.iter().map(|&id| index(id)).collect();
    let popularity: Vec<u32> = targets
        .iter()
        .map(|&m| rec.header.catalog[m].n_ratings)
        .collect();
    let scores = score_movies(&rec.scorer(), &[history.as_slice()], &targets).remove(0);
    rec.header.list_weights().scores(&scores, n, &popularity)
}

// The demo catalog's (ml-latest-small's) movie ids of the films these tests rate.
const STAR_WARS: u32 = 260;
const TOY_STORY: u32 = 1;
const FARGO: u32 = 608;
const LIAR_LIAR: u32 = 1485;
/// Toy Story, Aladdin, The Lion King, Beauty and the Beast.
const FAMILY: [u32; 4] = [TOY_STORY, 588, 364, 595];
/// Scream, A Nightmare on Elm Street.
const HORROR: [u32; 2] = [1407, 1347];

/// Star Wars 5, Toy Story 4, Fargo 2, Liar Liar 1.
fn visitor() -> Vec<VisitorRating> {
    vec![
        r(STAR_WARS, 5.0),
        r(TOY_STORY, 4.0),
        r(FARGO, 2.0),
        r(LIAR_LIAR, 1.0),
    ]
}

#[test]
fn recommendations_are_ranked_unrated_and_filtered() {
    let rec = demo();
    let list = rec
        .recommend(&visitor(), &RecommendOptions::default())
        .unwrap();
    assert_eq!(list.basis, Basis::Model);
    assert_eq!(list.items.len(), 20);
    assert!(
        list.items
            .iter()
            .all(|i| (1.0..=5.0).contains(&i.predicted))
    );
    assert!(
        list.items
            .iter()
            .all(|i| ![STAR_WARS, TOY_STORY, FARGO, LIAR_LIAR].contains(&i.movie_id))
    );
    // At "crowd favourites" the list is drawn from the best list scores among all unrated
    // movies (calibrated to the visitor's genres among the best 100), and shows each movie's
    // predicted rating.
    let crowd = RecommendOptions {
        discovery: Some(0.0),
        ..RecommendOptions::default()
    };
    let list = rec.recommend(&visitor(), &crowd).unwrap();
    let all: Vec<u32> = rec.header.catalog.iter().map(|m| m.id).collect();
    let unrated: Vec<u32> = all
        .into_iter()
        .filter(|id| ![STAR_WARS, TOY_STORY, FARGO, LIAR_LIAR].contains(id))
        .collect();
    let mut every = rec.list_scores_for(&visitor(), &unrated).unwrap();
    every.sort_by(|a, b| b.total_cmp(a));
    let ids: Vec<u32> = list.items.iter().map(|i| i.movie_id).collect();
    let listed = rec.list_scores_for(&visitor(), &ids).unwrap();
    let pool = movierec::list::CALIBRATION_POOL;
    assert!(
        listed.iter().all(|&s| s >= every[pool - 1] - 1e-5),
        "{listed:?}"
    );
    assert!(listed.iter().any(|&s| (s - every[0]).abs() < 1e-5));
    let predicted = rec.predict_visitor(&visitor(), &ids).unwrap();
    for (item, p) in list.items.iter().zip(predicted) {
        assert!((item.predicted - p).abs() < 1e-5);
    }

    let options = RecommendOptions {
        n: 10,
        genres: vec!["Comedy".into(), "Horror".into()],
        decade: Some(1980),
        min_ratings: 20,
        ..RecommendOptions::default()
    };
    let narrowed = rec.recommend(&visitor(), &options).unwrap();
    assert!(!narrowed.items.is_empty() && narrowed.items.len() <= 10);
    for item in &narrowed.items {
        let entry = &rec.header.catalog[rec.index_of(item.movie_id).unwrap()];
        assert!(item.genres.iter().any(|g| g == "Comedy" || g == "Horror"));
        assert!((1980..1990).contains(&item.year.unwrap()));
        assert!(entry.n_ratings >= 20);
    }
}

#[test]
fn because_names_the_liked_rating_whose_removal_lowers_the_list_score_most() {
    let rec = demo();
    let ratings = visitor();
    let list = rec
        .recommend(&ratings, &RecommendOptions::default())
        .unwrap();
    let explained: Vec<_> = list.items.iter().filter(|i| i.because.is_some()).collect();
    assert!(!explained.is_empty());
    for item in explained {
        let because = item.because.as_ref().unwrap();
        let score = rec.list_scores_for(&ratings, &[item.movie_id]).unwrap()[0];
        let n = ratings.len();
        let mut lifts = Vec::new();
        // Only the liked ratings (Star Wars 5, Toy Story 4) may explain.
        for k in (0..ratings.len()).filter(|&k| ratings[k].rating >= 4.0) {
            let mut without = ratings.clone();
            without.remove(k);
            let s = scores_at(&rec, &without, n, &[item.movie_id])[0];
            lifts.push((ratings[k].movie_id, score - s));
        }
        // Among the liked ratings that raise the movie, the one that raises it most beyond the
        // whole list's mean rise.
        let mean_rise = |movie: u32| -> f32 {
            let k = ratings.iter().position(|r| r.movie_id == movie).unwrap();
            let mut without = ratings.clone();
            without.remove(k);
            let ids: Vec<u32> = list.items.iter().map(|i| i.movie_id).collect();
            let full = rec.list_scores_for(&ratings, &ids).unwrap();
            let less = scores_at(&rec, &without, n, &ids);
            full.iter().zip(&less).map(|(a, b)| a - b).sum::<f32>() / ids.len() as f32
        };
        let best = lifts
            .iter()
            .filter(|l| l.1 > 1e-3)
            .max_by(|a, b| (a.1 - mean_rise(a.0)).total_cmp(&(b.1 - mean_rise(b.0))))
            .unwrap();
        assert_eq!(because.movie_id, best.0, "{lifts:?}");
        assert!((because.lift - best.1).abs() < 1e-4);
        assert!(because.lift > 0.0);
    }

    // explain() — what the page calls after showing a list without explanations — gives the
    // same answers, and `explain: false` leaves them out.
    let ids: Vec<u32> = list.items.iter().map(|i| i.movie_id).collect();
    let reasons = rec.explain(&ratings, &ids).unwrap();
    for (item, reason) in list.items.iter().zip(&reasons) {
        match (&item.because, reason) {
            (Some(a), Some(b)) => {
                assert_eq!(a.movie_id, b.movie_id);
                assert!((a.lift - b.lift).abs() < 1e-5);
            }
            (None, None) => {}
            other => panic!(
                "recommend and explain disagree for {}: {other:?}",
                item.movie_id
            ),
        }
    }
    let quiet = rec
        .recommend(
            &ratings,
            &RecommendOptions {
                explain: false,
                ..RecommendOptions::default()
            },
        )
        .unwrap();
    assert_eq!(
        quiet.items.iter().map(|i| i.movie_id).collect::<Vec<_>>(),
        ids
    );
    assert!(quiet.items.iter().all(|i| i.because.is_none()));
    assert!(rec.explain(&[], &ids).unwrap().iter().all(Option::is_none));
    assert!(matches!(
        rec.explain(&ratings, &[99_999]),
        Err(InputError::UnknownTarget {
            index: 0,
            movie_id: 99_999
        })
    ));
}

#[test]
fn no_ratings_gives_a_labelled_popularity_list() {
    let rec = demo();
    let list = rec
        .recommend(
            &[],
            &RecommendOptions {
                n: 5,
                genres: vec!["Drama".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(list.basis, Basis::Popularity);
    assert_eq!(list.items.len(), 5);
    assert!(list.items.iter().all(|i| i.because.is_none()));
    assert!(
        list.items
            .iter()
            .all(|i| i.genres.contains(&"Drama".into()))
    );
    assert!(
        list.items
            .windows(2)
            .all(|w| w[0].predicted >= w[1].predicted)
    );
}

#[test]
fn short_histories_score_the_same_alone_or_batched_with_long_ones() {
    // user_tensors cuts padding to the longest history in a batch; the cut must not change results.
    let rec = demo();
    let short: Vec<(usize, f32)> = vec![(49, 5.0), (0, 4.0), (99, 2.0)];
    let n = rec.header.catalog.len();
    let long: Vec<(usize, f32)> = (0..200).map(|k| (k * 7 % n, (k % 5 + 1) as f32)).collect();
    let targets: Vec<usize> = (0..n).step_by(3).collect();
    let alone = rec.predict_indices(&[(&short, &targets)]);
    let batched = rec.predict_indices(&[(&long, &targets), (&short, &targets)]);
    let worst = alone[0]
        .iter()
        .zip(&batched[1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn start_list_prefers_well_known_divisive_movies() {
    let rec = demo();
    let ids = rec.start_list(10).unwrap();
    assert_eq!(ids.len(), 10);
    let score = |id: u32| {
        let m = &rec.header.catalog[rec.index_of(id).unwrap()];
        (m.n_ratings as f32).ln() * m.rating_entropy
    };
    assert!(ids.windows(2).all(|w| score(w[0]) >= score(w[1])));
    let median_count = {
        let mut c: Vec<u32> = rec.header.catalog.iter().map(|m| m.n_ratings).collect();
        c.sort_unstable();
        c[c.len() / 2]
    };
    for id in ids {
        assert!(rec.header.catalog[rec.index_of(id).unwrap()].n_ratings > 5 * median_count);
    }
}

#[test]
fn bad_visitor_input_is_a_clear_error() {
    let rec = demo();
    let d = RecommendOptions::default();
    let err =
        |ratings: &[VisitorRating], o: &RecommendOptions| rec.recommend(ratings, o).unwrap_err();
    assert_eq!(
        err(&[r(STAR_WARS, 4.0), r(99999, 3.0)], &d),
        InputError::UnknownMovie {
            index: 1,
            movie_id: 99999
        }
    );
    for bad in [0.0, 5.5, -1.0, f32::NAN, f32::INFINITY] {
        let e = err(&[r(STAR_WARS, bad)], &d);
        assert!(
            matches!(
                e,
                InputError::BadRating {
                    index: 0,
                    movie_id: STAR_WARS,
                    ..
                }
            ),
            "{e}"
        );
    }
    assert_eq!(
        err(&[r(STAR_WARS, 4.0), r(1, 3.0), r(STAR_WARS, 2.0)], &d).to_string(),
        "ratings[2]: movie 260 is already rated at ratings[0]"
    );
    assert!(matches!(
        err(&[], &RecommendOptions { n: 0, ..d.clone() }),
        InputError::BadCount { n: 0, .. }
    ));
    assert!(matches!(
        err(
            &[],
            &RecommendOptions {
                n: 100_000,
                ..d.clone()
            }
        ),
        InputError::BadCount { n: 100_000, .. }
    ));
    assert_eq!(
        err(
            &[],
            &RecommendOptions {
                genres: vec!["Opera".into()],
                ..d.clone()
            }
        )
        .to_string(),
        "options.genres: unknown genre \"Opera\""
    );
    assert!(matches!(
        err(
            &[],
            &RecommendOptions {
                decade: Some(1995),
                ..d.clone()
            }
        ),
        InputError::BadDecade(1995)
    ));
    assert_eq!(
        rec.predict_visitor(&[r(STAR_WARS, 4.0)], &[1, 2, 77777])
            .unwrap_err(),
        InputError::UnknownTarget {
            index: 2,
            movie_id: 77777
        }
    );
}

/// Children's films and animation 5★, horror 1★ — and the same visitor with the ratings swapped.
fn taste(children: f32, horror: f32) -> Vec<VisitorRating> {
    let mut ratings: Vec<VisitorRating> = FAMILY.iter().map(|&m| r(m, children)).collect();
    ratings.extend(HORROR.iter().map(|&m| r(m, horror)));
    ratings
}

#[test]
fn the_list_follows_the_visitors_likes_and_explains_with_several_of_them() {
    let rec = demo();
    let options = RecommendOptions {
        n: 10,
        ..RecommendOptions::default()
    };
    let kids = rec.recommend(&taste(5.0, 1.0), &options).unwrap();
    let horror = rec.recommend(&taste(1.0, 5.0), &options).unwrap();
    let kept = kids
        .items
        .iter()
        .filter(|i| horror.items.iter().any(|h| h.movie_id == i.movie_id))
        .count();
    assert!(kept <= 5, "swapping the likes kept {kept} of the top 10");
    // The children's-films visitor gets more of them than of the horror they disliked.
    let count = |genres: &[&str]| {
        let tagged = |i: &&movierec::recommend::Recommendation| {
            i.genres.iter().any(|g| genres.contains(&g.as_str()))
        };
        kids.items.iter().filter(tagged).count()
    };
    let (children, horror_films) = (
        count(&["Children", "Children's", "Animation"]),
        count(&["Horror"]),
    );
    assert!(
        children > horror_films,
        "{children} children's vs {horror_films} horror"
    );
    // Explanations name only liked movies, and more than one of them.
    for (list, liked) in [(&kids, FAMILY.as_slice()), (&horror, &HORROR)] {
        let named: std::collections::HashSet<u32> = list
            .items
            .iter()
            .filter_map(|i| i.because.as_ref().map(|b| b.movie_id))
            .collect();
        assert!(named.iter().all(|m| liked.contains(m)), "{named:?}");
        assert!(named.len() >= 2, "all explanations name {named:?}");
    }
}

#[test]
fn the_discovery_setting_moves_the_list_from_crowd_favourites_to_deep_cuts() {
    let rec = demo();
    let at = |discovery: Option<f32>| {
        let options = RecommendOptions {
            n: 10,
            discovery,
            ..RecommendOptions::default()
        };
        rec.recommend(&taste(5.0, 1.0), &options)
    };
    let widely = |d: Option<f32>| {
        let list = at(d).unwrap();
        list.items.iter().filter(|i| i.widely_liked).count()
    };
    // "Deep cuts": nothing from the short head; the default gives it three places in ten.
    assert_eq!(widely(Some(1.0)), 0);
    assert!(widely(None) <= 7);
    assert!(widely(Some(0.0)) >= widely(None));
    // Explanations say which films are there partly because everyone likes them.
    for item in at(None).unwrap().items {
        if let Some(because) = item.because {
            assert_eq!(because.widely_liked, item.widely_liked);
        }
    }
    for bad in [f32::NAN, -0.1, 1.5, f32::INFINITY] {
        let error = at(Some(bad)).unwrap_err();
        assert!(matches!(error, InputError::BadDiscovery(_)), "{error}");
        assert!(error.to_string().contains("options.discovery"));
    }
}
