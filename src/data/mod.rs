//! MovieLens releases as GroupLens publishes them, read into one in-memory data set: the 100K
//! files (`u.data`, latin-1 `u.item`, `u.genre`), the `::` files of 1M and 10M, and the CSV files
//! of 20M, 25M, 32M and the "latest" releases (see [`release`]).
//!
//! Every parser works on bytes plus a name for error messages, so the same code reads files
//! natively and buffers in the browser; each error names the file and the 1-based line.

mod formats;
mod parse;
pub mod release;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What went wrong while reading a data file; always says where.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    // Not a `source` field: the message already carries the reason, and `{:#}` would repeat it.
    #[error("cannot read {path}: {reason}")]
    Io {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
    /// A configuration value out of bounds (see [`crate::bounds`]).
    #[error(transparent)]
    Config(#[from] crate::bounds::ConfigError),
}

pub(crate) fn parse_err(file: &str, line: usize, message: impl Into<String>) -> DataError {
    DataError::Parse {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// One rating event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub user: u32,
    pub movie: u32,
    pub rating: f32,
    pub timestamp: u64,
}

/// A movie as its release lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    pub id: u32,
    /// Title without the trailing "(year)".
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// IMDb and TMDB ids from `links.csv`, where the release has one.
    #[serde(default)]
    pub links: Links,
}

/// Where a movie can be looked up outside MovieLens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// The number of an IMDb `tt` id (`tt0114709` is 114709).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imdb: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmdb: Option<u32>,
}

impl Links {
    pub fn is_empty(&self) -> bool {
        self.imdb.is_none() && self.tmdb.is_none()
    }
}

/// The steps of a release's rating scale: whole stars 1–5 (100K, 1M) or half stars 0.5–5.0
/// (10M and later). Predictions are clipped into the scale; the page offers its steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stars {
    #[default]
    Whole,
    Half,
}

/// The highest rating of every release.
pub const TOP_RATING: f32 = 5.0;

impl Stars {
    /// Half stars if any rating is a half star (or 0.5), else whole stars.
    pub fn of(ratings: &[Rating]) -> Self {
        if ratings.iter().any(|r| r.rating.fract() != 0.0) {
            Stars::Half
        } else {
            Stars::Whole
        }
    }
    /// The lowest rating on the scale.
    pub fn lowest(self) -> f32 {
        match self {
            Stars::Whole => 1.0,
            Stars::Half => 0.5,
        }
    }
    /// A prediction clipped into the scale (NaN becomes the middle, 3).
    pub fn clip(self, x: f32) -> f32 {
        if x.is_nan() {
            3.0
        } else {
            x.clamp(self.lowest(), TOP_RATING)
        }
    }
}

/// Whether `rating` is a rating any release can hold: 0.5–5.0 in half steps.
pub fn is_valid_rating(rating: f32) -> bool {
    (0.5..=TOP_RATING).contains(&rating) && (rating * 2.0).fract() == 0.0
}

/// All movies of the data set, addressable by MovieLens id or by dense index (0..len).
#[derive(Debug, Clone, Default)]
pub struct Movies {
    pub list: Vec<Movie>,
    by_id: HashMap<u32, usize>,
}

#[cfg(test)]
impl Movies {
    /// `n` movies with ids 1..=n, no year and no genres: a toy catalog for unit tests.
    pub(crate) fn numbered(n: u32) -> Self {
        let movie = |id| Movie {
            id,
            title: format!("m{id}"),
            year: None,
            genres: Vec::new(),
            links: Links::default(),
        };
        Self::new((1..=n).map(movie).collect())
    }
}

impl Movies {
    pub fn new(list: Vec<Movie>) -> Self {
        let by_id = list.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
        Self { list, by_id }
    }
    /// Dense index of a MovieLens id, if the movie exists.
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.by_id.get(&id).copied()
    }
    pub fn len(&self) -> usize {
        self.list.len()
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

pub use formats::{
    parse_csv_movies, parse_csv_ratings, parse_dat_movies, parse_dat_ratings, parse_links,
};
pub use parse::{
    latin1_to_string, parse_descriptions, parse_genres, parse_items, parse_ratings, shown,
};
pub use release::{DataDir, Layout};

/// Larger than any MovieLens release's biggest file (ML-32M's ratings.csv is ~0.9 GB): anything
/// bigger is not a MovieLens file, and is refused before it is read whole.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Reads a whole file, naming it on failure; refuses one over [`MAX_FILE_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    read_at_most(path, MAX_FILE_BYTES)
}

/// Reads a whole file of at most `limit` bytes. A regular file's size is checked before a
/// byte is read, a device (/dev/zero) is refused unread, and a pipe is read to one byte past
/// the limit at most.
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, DataError> {
    use std::io::Read;
    let io = |reason| DataError::Io {
        path: path.to_path_buf(),
        reason,
    };
    let too_large = || {
        DataError::Invalid(format!(
            "{}: larger than {limit} bytes, bigger than any file movierec reads there; refusing to read it",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if is_device(meta.file_type()) {
        return Err(DataError::Invalid(format!(
            "{}: a device, not a regular file or a pipe",
            path.display()
        )));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// /dev/zero and friends never end; a pipe (`--test /dev/stdin`) does.
#[cfg(unix)]
fn is_device(kind: std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_block_device()
}

#[cfg(not(unix))]
fn is_device(_: std::fs::FileType) -> bool {
    false
}

/// A user's ratings oldest first, as (dense movie index, rating).
pub type History = Vec<(usize, f32)>;

/// Groups ratings by user, each ordered by time (ties by movie id, so the order is deterministic).
pub fn histories(ratings: &[Rating], movies: &Movies) -> BTreeMap<u32, History> {
    let mut by_user: BTreeMap<u32, Vec<(u64, u32, usize, f32)>> = BTreeMap::new();
    for r in ratings {
        if let Some(i) = movies.index_of(r.movie) {
            by_user
                .entry(r.user)
                .or_default()
                .push((r.timestamp, r.movie, i, r.rating));
        }
    }
    by_user
        .into_iter()
        .map(|(u, mut v)| {
            v.sort_by_key(|&(ts, id, _, _)| (ts, id));
            (u, v.into_iter().map(|(_, _, i, r)| (i, r)).collect())
        })
        .collect()
}
