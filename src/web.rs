//! JavaScript bindings, compiled only for `wasm32`: a thin layer over [`Recommender`] and
//! [`crate::recommend`]. Every JS input is checked and every failure becomes a JS `Error` with
//! a message, never a trap.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::modelfile::Metrics;
use crate::predict::Recommender;
use crate::recommend::{RecommendOptions, VisitorRating};

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// A loaded model: `new MovieRec(bytes)` with the bytes of a `movierec train` model file.
#[wasm_bindgen]
pub struct MovieRec {
    inner: Recommender,
}

/// One catalog movie as the page sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CatalogItem<'a> {
    movie_id: u32,
    title: &'a str,
    year: Option<u16>,
    genres: &'a [String],
    n_ratings: u32,
    mean_rating: f32,
}

/// Where the model came from, for the page's "about" line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct About<'a> {
    data: &'a str,
    split: &'a str,
    preset: &'a str,
    train_ratings: usize,
    test: Option<Metrics>,
    validation: Metrics,
    movies: usize,
    history_len: usize,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not convert the result for JS: {e}")))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

#[wasm_bindgen]
impl MovieRec {
    /// Loads a model file; a truncated, corrupt or wrong-version file throws with the reason.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<MovieRec, JsError> {
        let inner = Recommender::from_bytes(bytes, crate::device())
            .map_err(|e| JsError::new(&format!("could not load the model: {e}")))?;
        web_sys::console::log_1(
            &format!(
                "movierec: model loaded ({} movies, {} bytes)",
                inner.header.catalog.len(),
                bytes.len()
            )
            .into(),
        );
        Ok(MovieRec { inner })
    }

    /// Every movie: `{movieId, title, year, genres, nRatings, meanRating}`.
    pub fn catalog(&self) -> Result<JsValue, JsError> {
        let items: Vec<CatalogItem> = self
            .inner
            .header
            .catalog
            .iter()
            .map(|m| CatalogItem {
                movie_id: m.id,
                title: &m.title,
                year: m.year,
                genres: &m.genres,
                n_ratings: m.n_ratings,
                mean_rating: m.mean_rating,
            })
            .collect();
        to_js(&items)
    }

    /// Training metadata: data, split, preset, test and validation `{mae, rmse}`.
    pub fn about(&self) -> Result<JsValue, JsError> {
        let h = &self.inner.header;
        to_js(&About {
            data: &h.training.data,
            split: &h.training.split,
            preset: &h.training.preset,
            train_ratings: h.training.train_ratings,
            test: h.training.test,
            validation: h.training.validation,
            movies: h.catalog.len(),
            history_len: h.encoder.config.history_len,
        })
    }

    /// Movie ids worth asking a new visitor about, best first.
    #[wasm_bindgen(js_name = startList)]
    pub fn start_list(&self, n: usize) -> Vec<u32> {
        self.inner.start_list(n)
    }

    /// `ratings`: `[{movieId, rating}]` oldest first; `options`: `{n, genres, decade,
    /// minRatings, explain}` (all optional; `explain: false` leaves `because` null, see
    /// `explain`). Returns `{basis: "model" | "popularity", items: [{movieId,
    /// title, year, genres, predicted, because: {movieId, title, lift} | null}]}`; with no
    /// ratings the items are a popularity list (`basis: "popularity"`).
    pub fn recommend(&self, ratings: JsValue, options: JsValue) -> Result<JsValue, JsError> {
        let ratings: Vec<VisitorRating> = from_js(ratings, "ratings")?;
        let options: RecommendOptions = if options.is_undefined() || options.is_null() {
            RecommendOptions::default()
        } else {
            from_js(options, "options")?
        };
        let list = self
            .inner
            .recommend(&ratings, &options)
            .map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&list)
    }

    /// The `because` (`{movieId, title, lift}` or null) of each of `movieIds` for `ratings`:
    /// lets the page show a list at once and its explanations a moment later.
    pub fn explain(&self, ratings: JsValue, movie_ids: JsValue) -> Result<JsValue, JsError> {
        let ratings: Vec<VisitorRating> = from_js(ratings, "ratings")?;
        let ids: Vec<u32> = from_js(movie_ids, "movieIds")?;
        let reasons = self
            .inner
            .explain(&ratings, &ids)
            .map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&reasons)
    }

    /// Predicted ratings (1–5) of `movieIds` for `ratings` (as in `recommend`).
    pub fn predict(&self, ratings: JsValue, movie_ids: JsValue) -> Result<Vec<f32>, JsError> {
        let ratings: Vec<VisitorRating> = from_js(ratings, "ratings")?;
        let ids: Vec<u32> = from_js(movie_ids, "movieIds")?;
        self.inner
            .predict_visitor(&ratings, &ids)
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
