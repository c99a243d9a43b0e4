//! MovieLens 100K files as GroupLens publishes them: `u.item` (latin-1), `u.genre`, and rating
//! files in the `u.data` format (`user<TAB>movie<TAB>rating<TAB>timestamp`).
//!
//! Every parser works on bytes plus a name for error messages, so the same code reads files
//! natively and buffers in the browser; each error names the file and the 1-based line.

use std::collections::HashMap;
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

fn parse_err(file: &str, line: usize, message: impl Into<String>) -> DataError {
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

/// Larger than any MovieLens release's biggest file (ML-32M's ratings.csv is ~0.9 GB): anything
/// bigger is not a MovieLens file, and is refused before it is read whole.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Reads a whole file, naming it on failure; refuses one over [`MAX_FILE_BYTES`] (a device such
/// as /dev/zero included) after reading at most one byte past the limit.
pub fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    read_limited(path, MAX_FILE_BYTES)
}

pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, DataError> {
    use std::io::Read;
    let io = |reason| DataError::Io {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if is_device(file.metadata().map_err(io)?.file_type()) {
        return Err(DataError::Invalid(format!(
            "{}: a device, not a regular file or a pipe",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(DataError::Invalid(format!(
            "{}: larger than {limit} bytes, bigger than any MovieLens file; refusing to read it",
            path.display()
        )));
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

/// A field or line as an error message quotes it: at most 80 characters, so a huge field does not
/// become a huge message.
pub fn shown(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

/// Drops a UTF-8 byte-order mark, which editors on some systems put in front of text files.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// `u.item` is latin-1: every byte is the code point of the same value.
pub fn latin1_to_string(bytes: &[u8]) -> String {
    without_bom(bytes).iter().map(|&b| b as char).collect()
}

/// Parses `u.genre` (`name|index`), returning names ordered by index.
pub fn parse_genres(bytes: &[u8], file: &str) -> Result<Vec<String>, DataError> {
    let text = latin1_to_string(bytes);
    let mut genres: Vec<(usize, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (name, index) = line.split_once('|').ok_or_else(|| {
            parse_err(
                file,
                n + 1,
                format!("expected `name|index`, got {}", shown(line)),
            )
        })?;
        let index: usize = index.trim().parse().map_err(|_| {
            parse_err(
                file,
                n + 1,
                format!("genre index {} is not a number", shown(index)),
            )
        })?;
        genres.push((index, name.to_string()));
    }
    if genres.is_empty() {
        return Err(DataError::Invalid(format!("{file}: no genres")));
    }
    genres.sort();
    for (expected, (index, _)) in genres.iter().enumerate() {
        if *index != expected {
            return Err(DataError::Invalid(format!(
                "{file}: genre indices must be 0..{}, found {index}",
                genres.len()
            )));
        }
    }
    Ok(genres.into_iter().map(|(_, name)| name).collect())
}

/// Splits "Toy Story (1995)" into ("Toy Story", Some(1995)).
fn split_title_year(raw: &str) -> (String, Option<u16>) {
    let raw = raw.trim();
    if let Some(open) = raw.rfind('(')
        && raw.ends_with(')')
        && let Ok(year) = raw[open + 1..raw.len() - 1].parse::<u16>()
    {
        return (raw[..open].trim().to_string(), Some(year));
    }
    (raw.to_string(), None)
}

/// Parses `u.item`: `id|title|release date|video date|url|` then one 0/1 flag per genre.
pub fn parse_items(bytes: &[u8], file: &str, genres: &[String]) -> Result<Movies, DataError> {
    let text = latin1_to_string(bytes);
    let mut list = Vec::new();
    let mut seen = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 + genres.len() {
            return Err(parse_err(
                file,
                line_no,
                format!(
                    "expected {} `|`-separated fields, got {}",
                    5 + genres.len(),
                    fields.len()
                ),
            ));
        }
        let id: u32 = fields[0].parse().map_err(|_| {
            parse_err(
                file,
                line_no,
                format!("movie id {} is not a number", shown(fields[0])),
            )
        })?;
        if seen.insert(id, line_no).is_some() {
            return Err(parse_err(
                file,
                line_no,
                format!("movie id {id} appears twice"),
            ));
        }
        let (title, mut year) = split_title_year(fields[1]);
        if year.is_none() {
            // Fall back to the release date, e.g. "01-Jan-1995".
            year = fields[2].rsplit('-').next().and_then(|y| y.parse().ok());
        }
        let mut movie_genres = Vec::new();
        for (g, flag) in fields[5..].iter().enumerate() {
            match flag.trim() {
                "1" => movie_genres.push(genres[g].clone()),
                "0" => {}
                other => {
                    return Err(parse_err(
                        file,
                        line_no,
                        format!(
                            "genre flag for {} must be 0 or 1, got {}",
                            shown(&genres[g]),
                            shown(other)
                        ),
                    ));
                }
            }
        }
        list.push(Movie {
            id,
            title,
            year,
            genres: movie_genres,
        });
    }
    if list.is_empty() {
        return Err(DataError::Invalid(format!("{file}: no movies")));
    }
    Ok(Movies::new(list))
}

/// Parses a rating file in `u.data` format; every movie must exist in `movies`.
pub fn parse_ratings(bytes: &[u8], file: &str, movies: &Movies) -> Result<Vec<Rating>, DataError> {
    let text = std::str::from_utf8(without_bom(bytes))
        .map_err(|e| DataError::Invalid(format!("{file}: not a text file ({e})")))?;
    let mut out = Vec::new();
    // (user, movie) → the line that rated it: one user rates a movie once.
    let mut first_line = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 4 {
            return Err(parse_err(
                file,
                line_no,
                format!(
                    "expected 4 fields (user movie rating timestamp), got {}",
                    fields.len()
                ),
            ));
        }
        let number = |i: usize, what: &str| -> Result<u64, DataError> {
            fields[i].parse().map_err(|_| {
                parse_err(
                    file,
                    line_no,
                    format!("{what} {} is not a non-negative integer", shown(fields[i])),
                )
            })
        };
        let user = number(0, "user id")?;
        let movie = number(1, "movie id")?;
        let rating: f32 = fields[2].parse().map_err(|_| {
            parse_err(
                file,
                line_no,
                format!("rating {} is not a number", shown(fields[2])),
            )
        })?;
        if !(1.0..=5.0).contains(&rating) {
            return Err(parse_err(
                file,
                line_no,
                format!("rating {rating} is outside 1–5"),
            ));
        }
        let timestamp = number(3, "timestamp")?;
        let (Ok(user), Ok(movie)) = (u32::try_from(user), u32::try_from(movie)) else {
            return Err(parse_err(file, line_no, "id does not fit in 32 bits"));
        };
        if movies.index_of(movie).is_none() {
            return Err(parse_err(
                file,
                line_no,
                format!("unknown movie id {movie} (not in u.item)"),
            ));
        }
        if let Some(first) = first_line.insert((user, movie), line_no) {
            return Err(parse_err(
                file,
                line_no,
                format!("user {user} rated movie {movie} already on line {first}"),
            ));
        }
        out.push(Rating {
            user,
            movie,
            rating,
            timestamp,
        });
    }
    Ok(out)
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

/// Optional movie descriptions: `movie_id<TAB>text` per line (a header line is allowed).
pub fn parse_descriptions(bytes: &[u8], file: &str) -> Result<HashMap<u32, String>, DataError> {
    let text = std::str::from_utf8(without_bom(bytes))
        .map_err(|e| DataError::Invalid(format!("{file}: not UTF-8 ({e})")))?;
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (id, body) = line
            .split_once('\t')
            .ok_or_else(|| parse_err(file, n + 1, "expected `movie_id<TAB>text`"))?;
        match id.trim().parse::<u32>() {
            Ok(id) => {
                out.insert(id, body.to_string());
            }
            Err(_) if n == 0 => {} // header
            Err(_) => {
                return Err(parse_err(
                    file,
                    n + 1,
                    format!("movie id {} is not a number", shown(id)),
                ));
            }
        }
    }
    Ok(out)
}
