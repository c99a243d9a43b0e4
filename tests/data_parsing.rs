//! Parsing the MovieLens files, and a clear error (file and line) for each kind of bad input.

mod common;

use movierec::data::{DataDir, DataError, Movies, parse_genres, parse_items, parse_ratings};
use movierec::split::{SplitSpec, load_split, random_split};

fn small_movies() -> Movies {
    let genres = vec![
        "unknown".to_string(),
        "Action".to_string(),
        "Comedy".to_string(),
    ];
    let items = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|Caf\xe9 au lait (1994)|01-Jan-1994||http://y|0|1|1\n";
    parse_items(items, "u.item", &genres).unwrap()
}

fn parse_error(bytes: &[u8]) -> String {
    let err = parse_ratings(bytes, "u.data", &small_movies()).unwrap_err();
    assert!(matches!(err, DataError::Parse { .. }), "{err:?}");
    err.to_string()
}

#[test]
fn items_are_latin1_with_year_and_genres() {
    let movies = small_movies();
    assert_eq!(movies.len(), 2);
    let cafe = &movies.list[movies.index_of(2).unwrap()];
    assert_eq!(cafe.title, "Café au lait");
    assert_eq!(cafe.year, Some(1994));
    assert_eq!(cafe.genres, vec!["Action", "Comedy"]);
    assert_eq!(movies.list[0].genres, vec!["Comedy"]);
}

#[test]
fn genres_are_ordered_by_index() {
    let g = parse_genres(b"Action|1\nunknown|0\n\n", "u.genre").unwrap();
    assert_eq!(g, vec!["unknown", "Action"]);
    assert!(
        parse_genres(b"Action|x\n", "u.genre")
            .unwrap_err()
            .to_string()
            .contains("u.genre:1")
    );
}

#[test]
fn good_ratings_parse() {
    let r = parse_ratings(
        b"10\t1\t4\t881250949\n11\t2\t1\t5\n",
        "u.data",
        &small_movies(),
    )
    .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].user, r[0].movie, r[0].rating, r[0].timestamp),
        (10, 1, 4.0, 881250949)
    );
}

#[test]
fn wrong_field_count_names_file_and_line() {
    let msg = parse_error(b"1\t1\t4\t5\n1\t2\t4\n");
    assert!(msg.starts_with("u.data:2:"), "{msg}");
    assert!(msg.contains("expected 4 fields"), "{msg}");
}

#[test]
fn non_numeric_fields_are_reported() {
    assert!(parse_error(b"x\t1\t4\t5\n").contains("user id \"x\""));
    assert!(parse_error(b"1\t1\tfour\t5\n").contains("rating \"four\""));
    assert!(parse_error(b"1\t1\t4\t-5\n").contains("timestamp"));
}

#[test]
fn rating_outside_range_is_reported() {
    let msg = parse_error(b"1\t1\t4\t5\n1\t2\t6\t5\n");
    assert!(
        msg.starts_with("u.data:2:") && msg.contains("is not 0.5–5 in half stars"),
        "{msg}"
    );
    assert!(parse_error(b"1\t1\t0\t5\n").contains("half stars"));
    assert!(parse_error(b"1\t1\tNaN\t5\n").contains("half stars"));
    assert!(parse_error(b"1\t1\t2.25\t5\n").contains("half stars"));
}

#[test]
fn unknown_movie_is_reported() {
    let msg = parse_error(b"1\t99\t4\t5\n");
    assert!(
        msg.contains("u.data:1:") && msg.contains("unknown movie id 99"),
        "{msg}"
    );
}

#[test]
fn bad_item_lines_are_reported() {
    let genres = vec!["unknown".to_string()];
    let err = parse_items(b"1|A (1990)|||x|0\n2|B|||x\n", "u.item", &genres).unwrap_err();
    assert!(err.to_string().starts_with("u.item:2:"), "{err}");
    let err = parse_items(b"1|A (1990)|||x|2\n", "u.item", &genres).unwrap_err();
    assert!(err.to_string().contains("must be 0 or 1"), "{err}");
    let err = parse_items(b"1|A|||x|0\n1|B|||x|0\n", "u.item", &genres).unwrap_err();
    assert!(err.to_string().contains("appears twice"), "{err}");
}

#[test]
fn missing_file_names_the_path() {
    let dir = DataDir::new("/nonexistent/ml-100k");
    let err = dir.movies().unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/ml-100k: not a MovieLens folder"),
        "{err}"
    );
    let partial = tempfile::tempdir().unwrap();
    for name in ["u.data", "u.item"] {
        std::fs::write(partial.path().join(name), "").unwrap();
    }
    let err = DataDir::new(partial.path()).movies().unwrap_err();
    assert!(err.to_string().contains("u.genre"), "{err}");
}

#[test]
fn real_data_and_canonical_splits() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    assert_eq!(movies.len(), 1682);
    let all = DataDir::ratings_file(&data.path("u.data"), &movies).unwrap();
    assert_eq!(all.len(), 100_000);
    let u1 = load_split(&data, &SplitSpec::Canonical("u1".into()), &movies).unwrap();
    assert_eq!((u1.train.len(), u1.test.len()), (80_000, 20_000));
}

#[test]
fn random_split_is_seeded_and_disjoint() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let all = DataDir::ratings_file(&data.path("u.data"), &movies).unwrap();
    let a = random_split(all.clone(), 0.2, 7);
    let b = random_split(all.clone(), 0.2, 7);
    let c = random_split(all, 0.2, 8);
    assert_eq!(a.test, b.test);
    assert_ne!(a.test, c.test);
    assert_eq!(a.test.len(), 20_000);
    let train: std::collections::HashSet<(u32, u32)> =
        a.train.iter().map(|r| (r.user, r.movie)).collect();
    assert!(a.test.iter().all(|r| !train.contains(&(r.user, r.movie))));
}

#[test]
fn split_names_are_validated() {
    assert_eq!("random:3".parse::<SplitSpec>(), Ok(SplitSpec::Random(3)));
    assert!(
        "u9".parse::<SplitSpec>()
            .unwrap_err()
            .to_string()
            .contains("unknown split")
    );
    assert!(
        "random:x"
            .parse::<SplitSpec>()
            .unwrap_err()
            .to_string()
            .contains("seed")
    );
}

#[test]
fn new_user_validation_never_sees_the_reported_users() {
    use std::collections::HashSet;
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let all = DataDir::ratings_file(&data.path("u.data"), &movies).unwrap();
    let users = |r: &[movierec::data::Rating]| r.iter().map(|x| x.user).collect::<HashSet<_>>();
    let (held, train) = movierec::experiment::split_new_users(all.clone(), 1, false);
    let (val_held, val_train) = movierec::experiment::split_new_users(all.clone(), 1, true);
    let reported = users(&held);
    assert_eq!(reported.len(), 943 / 5);
    assert!(users(&train).is_disjoint(&reported));
    assert_eq!(held.len() + train.len(), all.len());
    // The validation run holds out a fifth of the other users and trains on the rest of them.
    assert_eq!(users(&val_held).len(), (943 - 943 / 5) / 5);
    assert!(users(&val_held).is_disjoint(&reported));
    assert!(users(&val_train).is_disjoint(&reported));
    assert!(users(&val_train).is_disjoint(&users(&val_held)));
    assert_eq!(val_held.len() + val_train.len(), train.len());
}

#[test]
fn a_pair_rated_twice_names_both_lines() {
    let e = parse_error(b"10\t1\t4\t5\n11\t2\t1\t5\n10\t1\t3\t9\n");
    assert!(
        e.contains("u.data:3") && e.contains("already on line 1"),
        "{e}"
    );
}

#[test]
fn a_rating_in_both_train_and_test_is_refused() {
    let data = common::ml100k();
    let movies = data.movies().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("a.base"), dir.path().join("a.test"));
    std::fs::write(&train, "1\t1\t5\t1\n1\t2\t3\t2\n").unwrap();
    std::fs::write(&test, "2\t1\t4\t1\n1\t2\t4\t3\n").unwrap();
    let spec = SplitSpec::Files { train, test };
    let e = load_split(&data, &spec, &movies).unwrap_err().to_string();
    assert!(
        e.contains("user 1 rated movie 2") && e.contains("a.base") && e.contains("a.test"),
        "{e}"
    );
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_name() {
    let g = parse_genres(b"\xEF\xBB\xBFunknown|0\nAction|1\n", "u.genre").unwrap();
    assert_eq!(g, vec!["unknown", "Action"]);
    let r = parse_ratings(b"\xEF\xBB\xBF10\t1\t4\t5\n", "u.data", &small_movies()).unwrap();
    assert_eq!(r[0].user, 10);
}

#[test]
fn an_empty_genre_file_says_so() {
    let e = parse_genres(b"\n", "u.genre").unwrap_err().to_string();
    assert!(e.contains("u.genre") && e.contains("no genres"), "{e}");
}

#[test]
fn errors_quote_at_most_a_few_dozen_characters_of_a_field() {
    let mut line = b"10\t".to_vec();
    line.extend(std::iter::repeat_n(b'7', 5_000_000));
    line.extend(b"x\t4\t5\n");
    let e = parse_error(&line);
    assert!(e.len() < 300, "{} bytes: {}", e.len(), &e[..300]);
    assert!(e.contains("movie id") && e.contains("bytes in all"), "{e}");
}

#[test]
fn a_device_is_not_read_as_a_data_file() {
    let e = DataDir::ratings_file("/dev/zero".as_ref(), &small_movies())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/dev/zero") && e.contains("not a regular file"),
        "{e}"
    );
}
