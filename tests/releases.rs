//! Every MovieLens layout reads into the same data set: ml-latest-small as GroupLens publishes it
//! (../shared), and small files written here in the exact formats of 1M (`::`, ISO-8859-1
//! titles), 10M (`::`, UTF-8, half stars) and the CSV releases (quoted titles with commas, CRLF,
//! `(no genres listed)`, half stars). No MovieLens file is committed.

use std::collections::HashSet;
use std::path::Path;

mod common;

use movierec::data::{DataDir, Layout, Links, Stars};
use movierec::split::{FOLDS, SplitSpec, load_split};

use common::{folder, latest_small};

fn error_of(dir: &Path) -> String {
    let data = DataDir::new(dir);
    match data.movies().and_then(|m| data.ratings(&m)) {
        Ok(_) => panic!("{} read without an error", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn ml_latest_small_reads_with_the_counts_grouplens_publishes() {
    let data = latest_small();
    assert_eq!(data.layout().unwrap(), Layout::Csv);
    let movies = data.movies().unwrap();
    let ratings = data.ratings(&movies).unwrap();
    assert_eq!(movies.len(), 9_742);
    assert_eq!(ratings.len(), 100_836);
    let users: HashSet<u32> = ratings.iter().map(|r| r.user).collect();
    let rated: HashSet<u32> = ratings.iter().map(|r| r.movie).collect();
    assert_eq!((users.len(), rated.len()), (610, 9_724));
    let sum: f64 = ratings.iter().map(|r| f64::from(r.rating)).sum();
    assert_eq!(sum, 353_083.0);
    assert_eq!(Stars::of(&ratings), Stars::Half);
    let toy_story = &movies.list[movies.index_of(1).unwrap()];
    assert_eq!(
        (toy_story.title.as_str(), toy_story.year),
        ("Toy Story", Some(1995))
    );
    assert_eq!(
        toy_story.links,
        Links {
            imdb: Some(114_709),
            tmdb: Some(862)
        }
    );
    // A quoted title with a comma stays one field.
    assert!(
        movies
            .list
            .iter()
            .any(|m| m.title == "American President, The")
    );
}

#[test]
fn the_1m_layout_reads_latin1_titles_and_whole_stars() {
    let movies: &[u8] = b"1::Toy Story (1995)::Animation|Children's|Comedy\n\
        2::Cit\xe9 des enfants perdus, La (City of Lost Children, The) (1995)::Adventure|Sci-Fi\n";
    let ratings: &[u8] = b"1::1::5::978300760\n1::2::3::978302109\n2::1::4::978301968\n";
    let dir = folder(&[("movies.dat", movies), ("ratings.dat", ratings)]);
    let data = DataDir::new(dir.path());
    assert_eq!(data.layout().unwrap(), Layout::Dat);
    let movies = data.movies().unwrap();
    assert_eq!(
        movies.list[1].title,
        "Cité des enfants perdus, La (City of Lost Children, The)"
    );
    assert_eq!(movies.list[0].genres, ["Animation", "Children's", "Comedy"]);
    let ratings = data.ratings(&movies).unwrap();
    assert_eq!(ratings.len(), 3);
    assert_eq!(Stars::of(&ratings), Stars::Whole);
}

#[test]
fn the_10m_layout_reads_utf8_and_half_stars() {
    let movies = "1::Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)::Comedy|Romance\n\
                  2::Nothing Listed (2009)::(no genres listed)\n";
    let ratings = b"1::1::4.5::1138537770\n1::2::0.5::1138537771\n";
    let dir = folder(&[("movies.dat", movies.as_bytes()), ("ratings.dat", ratings)]);
    let data = DataDir::new(dir.path());
    let movies = data.movies().unwrap();
    assert_eq!(
        movies.list[0].title,
        "Amélie (Fabuleux destin d'Amélie Poulain, Le)"
    );
    assert!(movies.list[1].genres.is_empty());
    let ratings = data.ratings(&movies).unwrap();
    assert_eq!(
        ratings.iter().map(|r| r.rating).collect::<Vec<_>>(),
        [4.5, 0.5]
    );
    assert_eq!(Stars::of(&ratings), Stars::Half);
}

const CSV_MOVIES: &[u8] = b"movieId,title,genres\r\n\
    1,\"Grand Budapest Hotel, The (2014)\",Comedy|Drama\r\n\
    2,Untitled Short (2019),(no genres listed)\r\n\
    3,\"\"\"Great Performances\"\" Cats (1998)\",Musical\r\n";

#[test]
fn the_csv_layout_reads_quoted_titles_crlf_half_stars_and_links() {
    let ratings = b"userId,movieId,rating,timestamp\r\n1,1,3.5,1445714994\r\n1,2,5.0,1445714995\r\n2,3,0.5,1445714996\r\n";
    let links = b"movieId,imdbId,tmdbId\r\n1,2278388,120467\r\n2,0099999,\r\n";
    let dir = folder(&[
        ("movies.csv", CSV_MOVIES),
        ("ratings.csv", ratings),
        ("links.csv", links),
    ]);
    let data = DataDir::new(dir.path());
    assert_eq!(data.layout().unwrap(), Layout::Csv);
    let movies = data.movies().unwrap();
    let titles: Vec<_> = movies.list.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Grand Budapest Hotel, The",
            "Untitled Short",
            "\"Great Performances\" Cats"
        ]
    );
    assert_eq!(movies.list[0].year, Some(2014));
    assert!(movies.list[1].genres.is_empty());
    assert_eq!(movies.list[1].links.imdb, Some(99_999));
    assert_eq!(movies.list[1].links.tmdb, None);
    assert!(movies.list[2].links.is_empty());
    let ratings = data.ratings(&movies).unwrap();
    assert_eq!(
        ratings.iter().map(|r| r.rating).collect::<Vec<_>>(),
        [3.5, 5.0, 0.5]
    );
}

#[test]
fn bad_release_files_are_refused_naming_file_and_line() {
    let with_ratings =
        |ratings: &[u8]| folder(&[("movies.csv", CSV_MOVIES), ("ratings.csv", ratings)]);
    let cases: [(&[u8], &str); 5] = [
        (
            b"userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,3.3,2\n",
            "ratings.csv:3: rating 3.3 is not 0.5–5 in half stars",
        ),
        (
            b"userId,movieId,rating,timestamp\n1,1,4.0,1\n1,1,3.0,2\n",
            "ratings.csv:3: user 1 rated movie 1 already on line 2",
        ),
        (
            b"user,movie,rating,timestamp\n1,1,4.0,1\n",
            "ratings.csv:1: expected the header `userId,movieId,rating,timestamp`",
        ),
        (
            b"userId,movieId,rating,timestamp\n1,9,4.0,1\n",
            "ratings.csv:2: unknown movie id 9",
        ),
        (
            b"userId,movieId,rating,timestamp\n1,1,4.0\n",
            "ratings.csv:2: not a valid CSV row",
        ),
    ];
    for (ratings, expected) in cases {
        let dir = with_ratings(ratings);
        let message = error_of(dir.path());
        assert!(message.contains(expected), "{message}");
    }
    let dir = folder(&[
        ("movies.dat", b"1::Only (1990)::Drama\n"),
        ("ratings.dat", b"1::1::5::1\n1::1"),
    ]);
    let message = error_of(dir.path());
    assert!(message.contains("ratings.dat:2: expected"), "{message}");
    let dir = folder(&[("notes.txt", b"")]);
    assert!(error_of(dir.path()).contains("not a MovieLens folder"));
}

#[test]
fn folds_partition_the_ratings_and_100k_splits_are_refused_elsewhere() {
    let data = latest_small();
    let movies = data.movies().unwrap();
    let total = data.ratings(&movies).unwrap().len();
    let mut tested = HashSet::new();
    for index in 1..=FOLDS {
        let spec: SplitSpec = format!("fold:{index}:7").parse().unwrap();
        let split = load_split(&data, &spec, &movies).unwrap();
        assert_eq!(split.train.len() + split.test.len(), total);
        for r in &split.test {
            assert!(tested.insert((r.user, r.movie)), "tested twice");
        }
    }
    assert_eq!(tested.len(), total);
    let err = load_split(&data, &SplitSpec::Canonical("u1".into()), &movies).unwrap_err();
    assert!(err.to_string().contains("is not 100K"), "{err}");
}

#[test]
fn a_model_trained_on_ml_latest_small_takes_half_stars_and_links_to_imdb() {
    use movierec::recommend::{RecommendOptions, Recommender, VisitorRating};
    let dir = tempfile::tempdir().unwrap();
    let out = common::tiny_latest_small_model(dir.path());
    let rec = Recommender::from_bytes(&std::fs::read(&out).unwrap(), movierec::device()).unwrap();
    assert_eq!(rec.header.encoder.stars, Stars::Half);
    let toy_story = rec.header.catalog.iter().find(|m| m.id == 1).unwrap();
    assert_eq!(toy_story.links.imdb, Some(114_709));
    let visitor = [
        VisitorRating {
            movie_id: 1,
            rating: 4.5,
        },
        VisitorRating {
            movie_id: 3,
            rating: 0.5,
        },
    ];
    let list = rec
        .recommend(&visitor, &RecommendOptions::default())
        .unwrap();
    assert!(!list.items.is_empty());
    assert!(
        list.items
            .iter()
            .all(|m| (0.5..=5.0).contains(&m.predicted))
    );
    let below_the_scale = [VisitorRating {
        movie_id: 1,
        rating: 0.0,
    }];
    assert!(
        rec.recommend(&below_the_scale, &RecommendOptions::default())
            .is_err()
    );
}

#[test]
fn synth_writes_a_release_in_the_csv_format_and_the_shape_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("tiny");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_movierec"))
            .args(args)
            .output()
            .unwrap()
    };
    let dest_arg = dest.display().to_string();
    let o = run(&[
        "synth", "--like", "tiny", "--dest", &dest_arg, "--seed", "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let data = DataDir::new(&dest);
    assert_eq!(data.layout().unwrap(), Layout::Csv);
    let movies = data.movies().unwrap();
    let ratings = data.ratings(&movies).unwrap();
    let users: HashSet<u32> = ratings.iter().map(|r| r.user).collect();
    assert_eq!(
        (users.len(), movies.len(), ratings.len()),
        (300, 400, 12_000)
    );
    assert_eq!(Stars::of(&ratings), Stars::Half);
    assert!(movies.list.iter().any(|m| m.title.contains(", The")));
    assert!(movies.list.iter().all(|m| m.links.imdb.is_some()));
    // Seeded: the same seed writes the same bytes.
    let again = dir.path().join("again");
    run(&[
        "synth",
        "--like",
        "tiny",
        "--dest",
        &again.display().to_string(),
        "--seed",
        "3",
    ]);
    assert_eq!(
        std::fs::read(dest.join("ratings.csv")).unwrap(),
        std::fs::read(again.join("ratings.csv")).unwrap()
    );
    let o = run(&["inspect", "--data", &dest_arg]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("12000 ratings (half stars 0.5–5) by 300 users of 400 movies"),
        "{out}"
    );
    // Without the cuda feature, asking for the GPU is refused with the reason.
    let o = run(&["--device", "cuda", "inspect", "--data", &dest_arg]);
    assert!(
        cfg!(feature = "cuda")
            || !o.status.success()
                && String::from_utf8_lossy(&o.stderr).contains("--features cuda"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
