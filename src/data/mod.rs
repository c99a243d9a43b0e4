//! MovieLens 100K files as GroupLens publishes them: `u.item` (latin-1), `u.genre`, and rating
//! files in the `u.data` format (`user<TAB>movie<TAB>rating<TAB>timestamp`).
//!
//! Every parser works on bytes plus a name for error messages, so the same code reads files
//! natively and buffers in the browser; each error names the file and the 1-based line.

mod parse;

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
    #[error("{0}")]
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

/// A movie as listed in `u.item`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    pub id: u32,
    /// Title without the trailing "(year)".
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
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

pub use parse::{
    latin1_to_string, parse_descriptions, parse_genres, parse_items, parse_ratings, shown,
};

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

/// A MovieLens 100K folder on disk.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Reads `u.genre` and `u.item`.
    pub fn movies(&self) -> Result<Movies, DataError> {
        let genre_path = self.path("u.genre");
        let genres = parse_genres(&read_file(&genre_path)?, &genre_path.display().to_string())?;
        let item_path = self.path("u.item");
        parse_items(
            &read_file(&item_path)?,
            &item_path.display().to_string(),
            &genres,
        )
    }

    /// Reads any rating file in `u.data` format.
    pub fn ratings_file(path: &Path, movies: &Movies) -> Result<Vec<Rating>, DataError> {
        parse_ratings(&read_file(path)?, &path.display().to_string(), movies)
    }
}
