//! JavaScript bindings, compiled only for `wasm32`: a thin layer over [`Recommender`] and
//! [`crate::recommend`]. Every JS input is checked and every failure becomes a JS `Error` with
//! a message, never a trap.

use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::data::Stars;
use crate::metrics::Metrics;
use crate::recommend::Recommender;
use crate::recommend::{MAX_TARGETS, RecommendOptions, VisitorRating};

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
    /// IMDb's `tt` number and TMDB's id, where the release has links.csv.
    #[serde(skip_serializing_if = "Option::is_none")]
    imdb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tmdb: Option<u32>,
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
    /// "whole" (1–5) or "half" (0.5–5 in half stars): what the page's stars offer.
    stars: Stars,
    /// The discovery setting the model's lists use unless the visitor moves the control (0
    /// crowd favourites … 1 deep cuts); `null` for a model without a discovery range.
    discovery: Option<f32>,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not convert the result for JS: {e}")))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        JsError::new(&format!(
            "{what}: {}",
            crate::bounds::capped(&e.to_string())
        ))
    })
}

/// What a JS value is, for an error message: `null`, `an array`, `a string`, ….
fn kind_of(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(value) {
        "an array".into()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// `undefined`/`null` (the defaults) or a plain object; serde would also read an array such as
/// `[5]` as `{n: 5}`, which no caller means.
fn options_from_js(value: JsValue) -> Result<RecommendOptions, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(RecommendOptions::default());
    }
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(JsError::new(&format!(
            "options: expected an object such as {{n: 20, genres: [], decade: 1990, minRatings: 0, explain: true}}, got {}",
            kind_of(&value)
        )));
    }
    reject_unknown_keys(&value, OPTION_KEYS, "options")?;
    from_js(value, "options")
}

const OPTION_KEYS: &[&str] = &[
    "n",
    "genres",
    "decade",
    "minRatings",
    "explain",
    "discovery",
];
const RATING_KEYS: &[&str] = &["movieId", "rating"];

/// serde-wasm-bindgen reads only the fields it knows, so a misspelt option (`{nn: 5}`) would be
/// ignored without a word: keys are checked against the documented ones here.
fn reject_unknown_keys(value: &JsValue, allowed: &[&str], what: &str) -> Result<(), JsError> {
    let Some(object) = value.dyn_ref::<js_sys::Object>() else {
        return Ok(());
    };
    let unknown = js_sys::Object::keys(object)
        .iter()
        .filter_map(|k| k.as_string())
        .find(|k| !allowed.contains(&k.as_str()));
    match unknown {
        None => Ok(()),
        Some(key) => Err(JsError::new(&format!(
            "{what}: unknown field `{key}`, expected {}",
            allowed.join(", ")
        ))),
    }
}

/// Refuses an array longer than [`MAX_TARGETS`] before a single entry is read, so a
/// million-entry array costs nothing (no visitor rates or asks about more movies than that).
fn check_length(value: &JsValue, what: &str) -> Result<(), JsError> {
    match value.dyn_ref::<js_sys::Array>() {
        Some(array) if array.length() as usize > MAX_TARGETS => Err(JsError::new(&format!(
            "{what}: {} entries; at most {MAX_TARGETS} per call",
            array.length()
        ))),
        _ => Ok(()),
    }
}

/// Movie ids, at most [`MAX_TARGETS`].
fn ids_from_js(value: JsValue) -> Result<Vec<u32>, JsError> {
    check_length(&value, "movieIds")?;
    from_js(value, "movieIds")
}

/// `[{movieId, rating}]`, oldest first.
fn ratings_from_js(value: JsValue) -> Result<Vec<VisitorRating>, JsError> {
    check_length(&value, "ratings")?;
    if let Some(array) = value.dyn_ref::<js_sys::Array>() {
        for (i, item) in array.iter().enumerate() {
            reject_unknown_keys(&item, RATING_KEYS, &format!("ratings[{i}]"))?;
        }
    }
    from_js(value, "ratings")
}

#[wasm_bindgen]
impl MovieRec {
    /// Loads a model file (a `Uint8Array` or `ArrayBuffer`); a truncated, corrupt, crafted or
    /// wrong-version file throws with the reason, and the module stays usable.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: JsValue) -> Result<MovieRec, JsError> {
        let bytes = if let Some(array) = bytes.dyn_ref::<js_sys::Uint8Array>() {
            array.to_vec()
        } else if let Some(buffer) = bytes.dyn_ref::<js_sys::ArrayBuffer>() {
            js_sys::Uint8Array::new(buffer).to_vec()
        } else {
            return Err(JsError::new(&format!(
                "new MovieRec(bytes): expected the model file's bytes as a Uint8Array or ArrayBuffer, got {}",
                kind_of(&bytes)
            )));
        };
        let inner = Recommender::from_bytes(&bytes, crate::device())
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
                imdb: m.links.imdb,
                tmdb: m.links.tmdb,
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
            stars: h.encoder.stars,
            discovery: h.discovery.map(|d| d.default),
        })
    }

    /// Movie ids worth asking a new visitor about, best first.
    #[wasm_bindgen(js_name = startList)]
    pub fn start_list(&self, n: JsValue) -> Result<Vec<u32>, JsError> {
        // A JS number, not wasm-bindgen's `usize` conversion: that wraps -1 to 2^32 - 1 and
        // NaN to 0 instead of refusing them.
        let n: usize = from_js(n, "n")?;
        self.inner
            .start_list(n)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// `ratings`: `[{movieId, rating}]` oldest first; `options`: `{n, genres, decade,
    /// minRatings, explain, discovery}` (all optional; `explain: false` leaves `because` null, see
    /// `explain`). Returns `{basis: "model" | "popularity", items: [{movieId,
    /// title, year, genres, predicted, because: {movieId, title, lift} | null}]}`; with no
    /// ratings the items are a popularity list (`basis: "popularity"`).
    pub fn recommend(&self, ratings: JsValue, options: JsValue) -> Result<JsValue, JsError> {
        let ratings = ratings_from_js(ratings)?;
        let options = options_from_js(options)?;
        let list = self
            .inner
            .recommend(&ratings, &options)
            .map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&list)
    }

    /// The `because` (`{movieId, title, lift}` or null) of each of `movieIds` for `ratings`:
    /// lets the page show a list at once and its explanations a moment later.
    pub fn explain(&self, ratings: JsValue, movie_ids: JsValue) -> Result<JsValue, JsError> {
        let ratings = ratings_from_js(ratings)?;
        let ids = ids_from_js(movie_ids)?;
        let reasons = self
            .inner
            .explain(&ratings, &ids)
            .map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&reasons)
    }

    /// Predicted ratings (1–5) of `movieIds` for `ratings` (as in `recommend`).
    pub fn predict(&self, ratings: JsValue, movie_ids: JsValue) -> Result<Vec<f32>, JsError> {
        let ratings = ratings_from_js(ratings)?;
        let ids = ids_from_js(movie_ids)?;
        self.inner
            .predict_visitor(&ratings, &ids)
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
