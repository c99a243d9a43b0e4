//! The one encoder: turns movies into token sequences and a user's ratings into the history
//! sequence the CNN reads. Training, evaluation and the browser all call this module, so there is
//! no second implementation that could drift (no train/serve skew by construction).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::bounds::{ConfigError, MAX_HISTORY, MAX_MOVIE_TOKENS, count};
use crate::data::{Movies, Rating, Stars};

/// Token id reserved for padding.
pub const PAD: u32 = 0;
/// Token id standing for "a movie too rarely rated in training to have its own id token".
pub const RARE_MOVIE: u32 = 1;

/// Knobs of the encoding; stored in the model file so the browser encodes exactly as training did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderConfig {
    /// Tokens per movie: id token, genres, title words, then description words, padded/truncated.
    pub movie_tokens: usize,
    /// The user sequence keeps this many most recent ratings.
    pub history_len: usize,
    /// A word becomes a token only if it occurs in at least this many movies' texts.
    pub min_word_movies: usize,
    /// A movie gets its own id token only with at least this many training ratings.
    pub min_movie_ratings: usize,
}

impl EncoderConfig {
    pub fn check(&self) -> Result<(), ConfigError> {
        count(
            "encoder.movie_tokens",
            self.movie_tokens,
            1,
            MAX_MOVIE_TOKENS,
        )?;
        count("encoder.history_len", self.history_len, 1, MAX_HISTORY)?;
        count(
            "encoder.min_word_movies",
            self.min_word_movies,
            1,
            usize::MAX,
        )
    }
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self {
            movie_tokens: 24,
            history_len: 64,
            min_word_movies: 2,
            min_movie_ratings: 1,
        }
    }
}

/// Vocabulary plus every catalog movie already tokenized, indexed by dense movie index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Encoder {
    pub config: EncoderConfig,
    /// Token strings, indexed by token id (`vocab[0]` is the padding token).
    pub vocab: Vec<String>,
    /// `movie_tokens[i]` is movie `i`'s token sequence, exactly `config.movie_tokens` long.
    pub movie_tokens: Vec<Vec<u32>>,
    /// The training ratings' scale: what predictions are clipped to and what a visitor may
    /// give. Absent (whole stars) in model files from before half-star releases.
    #[serde(default)]
    pub stars: Stars,
}

/// Lower-cased alphanumeric words of a text.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| w.to_lowercase())
}

/// The words a movie's text contributes: title first, then its description (if any).
fn movie_words(title: &str, description: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = words(title).collect();
    if let Some(d) = description {
        out.extend(words(d));
    }
    out
}

/// Token strings in id order, starting with the two reserved ones.
struct VocabBuilder {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Default for VocabBuilder {
    fn default() -> Self {
        let tokens = vec!["<pad>".to_string(), "<rare-movie>".to_string()];
        let ids = tokens.iter().cloned().zip(0..).collect();
        Self { tokens, ids }
    }
}

impl VocabBuilder {
    /// The token's id, added at the end if new.
    fn add(&mut self, token: String) -> u32 {
        if let Some(&id) = self.ids.get(&token) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.ids.insert(token.clone(), id);
        self.tokens.push(token);
        id
    }

    fn get(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }
}

/// Training ratings per catalog movie, by dense index.
fn ratings_per_movie(movies: &Movies, train: &[Rating]) -> Vec<usize> {
    let mut counts = vec![0usize; movies.len()];
    for i in train.iter().filter_map(|r| movies.index_of(r.movie)) {
        counts[i] += 1;
    }
    counts
}

/// Words in at least `min_movies` movies' texts, sorted.
fn frequent_words(texts: &[Vec<String>], min_movies: usize) -> Vec<&str> {
    let mut document_freq: HashMap<&str, usize> = HashMap::new();
    for t in texts {
        let unique: HashSet<&str> = t.iter().map(String::as_str).collect();
        for w in unique {
            *document_freq.entry(w).or_default() += 1;
        }
    }
    let mut frequent: Vec<&str> = document_freq
        .into_iter()
        .filter(|(_, n)| *n >= min_movies)
        .map(|(w, _)| w)
        .collect();
    frequent.sort_unstable();
    frequent
}

impl Encoder {
    /// Builds the vocabulary from the catalog (text is not rating data, so all movies may
    /// contribute words) and gives an id token to movies rated in `train`.
    pub fn build(
        config: EncoderConfig,
        movies: &Movies,
        train: &[Rating],
        descriptions: Option<&HashMap<u32, String>>,
    ) -> Self {
        let texts: Vec<Vec<String>> = movies
            .list
            .iter()
            .map(|m| {
                movie_words(
                    &m.title,
                    descriptions.and_then(|d| d.get(&m.id)).map(String::as_str),
                )
            })
            .collect();
        // Ids in a fixed order (movies, genres, words sorted), so the same data gives the same
        // vocabulary.
        let mut vocab = VocabBuilder::default();
        let min_ratings = config.min_movie_ratings.max(1);
        let movie_id_token: Vec<u32> = movies
            .list
            .iter()
            .zip(ratings_per_movie(movies, train))
            .map(|(m, n)| {
                if n >= min_ratings {
                    vocab.add(format!("movie:{}", m.id))
                } else {
                    RARE_MOVIE
                }
            })
            .collect();
        for g in movies.list.iter().flat_map(|m| &m.genres) {
            vocab.add(format!("genre:{g}"));
        }
        for w in frequent_words(&texts, config.min_word_movies) {
            vocab.add(format!("word:{w}"));
        }
        let movie_tokens = movies
            .list
            .iter()
            .zip(&texts)
            .zip(movie_id_token)
            .map(|((m, text), id_token)| {
                let mut seq = vec![id_token];
                seq.extend(
                    m.genres
                        .iter()
                        .filter_map(|g| vocab.get(&format!("genre:{g}"))),
                );
                seq.extend(text.iter().filter_map(|w| vocab.get(&format!("word:{w}"))));
                seq.resize(config.movie_tokens, PAD);
                seq
            })
            .collect();
        Self {
            config,
            vocab: vocab.tokens,
            movie_tokens,
            stars: Stars::of(train),
        }
    }

    pub fn n_movies(&self) -> usize {
        self.movie_tokens.len()
    }

    /// All movies' tokens as one row-major `[n_movies, movie_tokens]` matrix.
    pub fn token_matrix(&self) -> Vec<i64> {
        self.movie_tokens
            .iter()
            .flat_map(|t| t.iter().map(|&x| x as i64))
            .collect()
    }

    /// Encodes a user's ratings, oldest first, as the CNN's input: the `history_len` most recent
    /// (movie index, rating) pairs, left-aligned and padded. Out-of-range movie indices are the
    /// caller's bug and are dropped rather than allowed to index out of bounds.
    pub fn encode_user(&self, history: &[(usize, f32)]) -> UserSequence {
        let h = self.config.history_len;
        let valid: Vec<(usize, f32)> = history
            .iter()
            .copied()
            .filter(|(m, _)| *m < self.n_movies())
            .collect();
        let recent = &valid[valid.len().saturating_sub(h)..];
        let mut seq = UserSequence {
            movies: vec![0; h],
            ratings: vec![0.0; h],
            mask: vec![0.0; h],
        };
        for (slot, (movie, rating)) in recent.iter().enumerate() {
            seq.movies[slot] = *movie as i64;
            seq.ratings[slot] = rating_feature(*rating);
            seq.mask[slot] = 1.0;
        }
        seq
    }
}

/// Ratings enter the network centred on 3 and scaled to [-1, 1].
pub fn rating_feature(rating: f32) -> f32 {
    (rating - 3.0) / 2.0
}

/// One user's encoded history (length `history_len`).
#[derive(Debug, Clone, PartialEq)]
pub struct UserSequence {
    pub movies: Vec<i64>,
    pub ratings: Vec<f32>,
    pub mask: Vec<f32>,
}

impl UserSequence {
    pub fn len(&self) -> usize {
        self.mask.iter().filter(|&&m| m > 0.0).count()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
