//! Property tests over each parser at a door, for a bounded number of cases (proptest; set
//! PROPTEST_CASES to run longer): MovieLens lines, model-file headers, and visitor JSON. Every
//! input either parses or gets an error — never a panic, an allocation abort or a hang.

mod common;

use movierec::data::{Movies, parse_genres, parse_items, parse_ratings};
use movierec::modelfile::MAGIC;
use movierec::recommend::Recommender;
use movierec::recommend::{RecommendOptions, VisitorRating};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::OnceLock;

fn demo_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(common::demo_model_bytes)
}

fn demo() -> &'static Recommender {
    static REC: OnceLock<Recommender> = OnceLock::new();
    REC.get_or_init(|| Recommender::from_bytes(demo_bytes(), movierec::device()).unwrap())
}

fn movies() -> &'static Movies {
    static MOVIES: OnceLock<Movies> = OnceLock::new();
    MOVIES.get_or_init(|| {
        let genres = ["unknown", "Action", "Comedy"].map(String::from);
        parse_items(b"1|A (1995)|||u|0|0|1\n2|B|||u|0|1|1\n", "u.item", &genres).unwrap()
    })
}

/// Pieces that make lines look almost right: numbers near the limits, separators, odd bytes.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u8..7).prop_map(|n| n.to_string()),
        Just("-1".to_string()),
        Just("4.5".to_string()),
        Just("NaN".to_string()),
        Just("1e999".to_string()),
        Just("\u{feff}".to_string()),
        "[a-z|\t ]{0,6}",
        any::<String>(),
    ]
}

fn line(sep: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(field(), 0..9).prop_map(move |f| f.join(sep))
}

fn text(sep: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(line(sep), 0..6).prop_map(|l| l.join("\n").into_bytes())
}

/// Numbers a crafted header might hold.
fn wild_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u64..5).prop_map(|n| json!(n)),
        any::<u32>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|x| json!(x)),
        Just(json!(null)),
        Just(json!([])),
    ]
}

const MODEL_FIELDS: &[&str] = &[
    "vocab_size",
    "token_dim",
    "movie_filters",
    "movie_dim",
    "kernel_size",
    "hidden",
    "dropout",
    "rank_dim",
    "n_movies",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn movielens_lines_parse_or_fail_cleanly(
        ratings in text("\t"),
        items in text("|"),
        genres in text("|"),
        raw in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = parse_ratings(&ratings, "u.data", movies());
        let _ = parse_ratings(&raw, "u.data", movies());
        let _ = parse_items(&items, "u.item", &["unknown".into(), "Action".into()]);
        let _ = parse_items(&raw, "u.item", &["unknown".into()]);
        let _ = parse_genres(&genres, "u.genre");
        let _ = parse_genres(&raw, "u.genre");
    }

    #[test]
    fn visitor_json_is_read_or_refused(
        json_text in "[\\[\\]{}\":,0-9a-zA-Z.eE+-]{0,80}",
        pairs in prop::collection::vec((any::<u32>(), any::<f32>()), 0..12),
        known in prop::collection::vec((1u32..1683, 0.0f32..6.0), 0..30),
        n in any::<usize>(),
    ) {
        if let Ok(ratings) = serde_json::from_str::<Vec<VisitorRating>>(&json_text) {
            let _ = demo().recommend(&ratings, &RecommendOptions::default());
        }
        let _ = serde_json::from_str::<RecommendOptions>(&json_text);
        let options = RecommendOptions { n, explain: false, ..Default::default() };
        for list in [&pairs, &known] {
            let ratings: Vec<VisitorRating> = list
                .iter()
                .map(|&(movie_id, rating)| VisitorRating { movie_id, rating })
                .collect();
            let _ = demo().recommend(&ratings, &options);
            let _ = demo().explain(&ratings, &[1, 50, 100, 7]);
            let _ = demo().predict_visitor(&ratings, &[1, 2, 3]);
        }
    }
}

proptest! {
    // Each valid case builds a model: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn crafted_model_headers_load_or_fail_cleanly(
        field in prop::sample::select(MODEL_FIELDS),
        value in wild_number(),
        history_len in wild_number(),
        filters in prop::collection::vec(any::<u16>(), 0..4),
        flip in any::<prop::sample::Index>(),
    ) {
        let crafted = common::recrafted(demo_bytes(), |h| {
            h["model"][field] = value.clone();
        });
        let _ = Recommender::from_bytes(&crafted, movierec::device());
        let crafted = common::recrafted(demo_bytes(), |h| {
            h["encoder"]["config"]["history_len"] = history_len.clone();
            h["model"]["user_filters"] = json!(filters);
        });
        let _ = Recommender::from_bytes(&crafted, movierec::device());
        // Any single byte of the header flipped, checksum recomputed.
        let mut bytes = demo_bytes().to_vec();
        let at = MAGIC.len() + 4 + flip.index(2000);
        bytes[at] ^= 0x11;
        let n = bytes.len();
        let crc = crc32fast::hash(&bytes[..n - 4]).to_le_bytes();
        bytes[n - 4..].copy_from_slice(&crc);
        let _ = Recommender::from_bytes(&bytes, movierec::device());
    }
}
